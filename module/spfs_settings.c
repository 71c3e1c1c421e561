// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the module's settings.  spfs_main.c sets them from its
 * parameters at load; every layer reads them.  Kept apart so that reading
 * a setting makes no layer depend on the module's entry points.
 */
#include "spfs_settings.h"

enum spfs_pvl_profile spfs_pvl = SPFS_PVL_6_12;
bool spfs_vma_lock_facts = true;
bool spfs_vma_lock_timing = true;
