/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the module's settings (spfs_settings.c), from its
 * parameters (spfs_main.c), fixed from load to unload.
 */
#ifndef _SPFS_SETTINGS_H
#define _SPFS_SETTINGS_H

#include <linux/types.h>

#include "spfs_core.h"

/* Whose per-VMA-lock rules the pvl verdict follows (pvl_profile=). */
extern enum spfs_pvl_profile spfs_pvl;
/*
 * Kernels with per-VMA locks: pvl's VMA write locks are the ones the
 * kernel was seen to take (vma_lock_facts=1), or, as on a kernel without
 * them, modelled from the VMA operations (0: the 6.1 proxy).
 */
extern bool spfs_vma_lock_facts;
/* Kernels with per-VMA locks: when a fault tried the VMA lock is hooked. */
extern bool spfs_vma_lock_timing;

#endif /* _SPFS_SETTINGS_H */
