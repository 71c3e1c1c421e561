/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: what a non-present PTE holds.
 *
 * 6.19 gave the entries of non-present PTEs their own type, the software
 * leaf entry (softleaf_t, <linux/leafops.h>), and later kernels dropped
 * pte_to_swp_entry() and is_device_private_entry() from the headers.
 */
#ifndef _SPFS_WRAPPER_SWAPOPS_H
#define _SPFS_WRAPPER_SWAPOPS_H

#include <linux/version.h>

#include "wrapper/kernel_range.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#include <linux/leafops.h>

/* @pte is neither none nor present. */
static __always_inline bool spfs_pte_device_private(pte_t pte)
{
	return softleaf_is_device_private(softleaf_from_pte(pte));
}
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0) */
#include <linux/swapops.h>

/* @pte is neither none nor present. */
static __always_inline bool spfs_pte_device_private(pte_t pte)
{
	return is_device_private_entry(pte_to_swp_entry(pte));
}
#endif /* else LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0) */

#endif /* _SPFS_WRAPPER_SWAPOPS_H */
