/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: what kind of fault a fault is: the page tables a
 * speculative walk would find at T0, and the VMA at TL (spfs_walk.h,
 * spfs_classify.c).
 */
#ifndef _SPFS_CLASSIFY_H
#define _SPFS_CLASSIFY_H

#include <linux/mm_types.h>

#include "spfs_core.h"

/**
 * struct spfs_path - the way a page-table walk went down to a PMD entry
 * @addr: the address walked for: the path serves its PMD range
 * @pgd_table: the PGD of the mm walked
 * @pgd: the PGD entry
 * @p4d: the P4D entry (the PGD entry where P4D is folded)
 * @pud: the PUD entry
 * @pmd: the PMD entry
 * @pgdv: the value the walk found in @pgd: a table
 * @p4dv: in @p4d
 * @pudv: in @pud
 * @pmdv: the value last found in @pmd pointing to a PTE table, if @ptes
 * @ptes: that table: the same value read again is the same table, and
 *	  needs neither the checks of a table's entry nor the translation
 *	  to the table's address again
 *
 * Zero (no @pgd_table) until a walk reaches a PMD entry.
 */
struct spfs_path {
	unsigned long addr;
	pgd_t *pgd_table;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	unsigned long pgdv, p4dv, pudv;
	unsigned long pmdv;
	pte_t *ptes;
};

int spfs_classify_init(void);

#endif /* _SPFS_CLASSIFY_H */
