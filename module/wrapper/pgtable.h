/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: devmap PMDs.
 *
 * Until 6.17 a ZONE_DEVICE mapping (fs DAX, device memory) could sit in a
 * PMD marked devmap, which pmd_trans_huge() does not report.  6.17 removed
 * the bit and pmd_devmap() with it (Alistair Popple's "mm: remove devmap
 * related functions and page table bits"): those mappings are now plain
 * leaf PMDs, which pmd_trans_huge() or pmd_leaf() see.
 */
#ifndef _SPFS_WRAPPER_PGTABLE_H
#define _SPFS_WRAPPER_PGTABLE_H

#include <linux/pgtable.h>
#include <linux/version.h>

#include "wrapper/kernel_range.h"

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
static __always_inline bool spfs_pmd_devmap(pmd_t pmd)
{
	return false;
}
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0) */
static __always_inline bool spfs_pmd_devmap(pmd_t pmd)
{
	return pmd_devmap(pmd);
}
#endif /* else LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0) */

#endif /* _SPFS_WRAPPER_PGTABLE_H */
