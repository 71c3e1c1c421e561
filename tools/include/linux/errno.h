/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/errno.h>: see linux/types.h beside it.
 * The C library's own <errno.h> includes <linux/errno.h> too, and finds
 * this file first: it must give what the uapi header gives.
 */
#ifndef _SPFS_TOOLS_LINUX_ERRNO_H
#define _SPFS_TOOLS_LINUX_ERRNO_H

#include <asm/errno.h>

#endif /* _SPFS_TOOLS_LINUX_ERRNO_H */
