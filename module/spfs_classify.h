/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: what kind of fault a fault is (spfs_classify.c): the page
 * tables a speculative walk would find at T0, and the VMA at TL.
 */
#ifndef _SPFS_CLASSIFY_H
#define _SPFS_CLASSIFY_H

#include <linux/mm_types.h>

#include "spfs_core.h"

u32 spfs_walk(struct mm_struct *mm, unsigned long addr, unsigned long *pmd);
unsigned long spfs_pmd_read(struct mm_struct *mm, unsigned long addr);
u32 spfs_vma_flags(struct vm_area_struct *vma);
int spfs_classify_init(void);

#endif /* _SPFS_CLASSIFY_H */
