// SPDX-License-Identifier: GPL-2.0
/* spf-shadow: the tracepoints' definitions (see spfs_trace.h). */
#define CREATE_TRACE_POINTS
#include "spfs_trace.h"
