/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the classification of a fault, inline for its hooks - the
 * page-table walk at T0, the PMD entry read again at T1, the VMA at TL.
 * The rest of it, and what the hooks fall back on, in spfs_classify.c.
 *
 * The three SPF designs walk the page tables at the start of a
 * speculative fault, locklessly and with interrupts off, and give up on
 * a level that is none ("we take at least one !speculative fault per PMD
 * in order to instantiate it", 2014 RFC 5/6; Dufour v12 22/31; Lespinasse
 * v2 16/35), huge or bad; Dufour and Lespinasse keep the PMD entry and
 * check at commit that it did not change (pmd_same()).  spfs_walk() is
 * that walk, at T0, where the tracepoint runs with interrupts off - the
 * guarantee GUP-fast relies on: page tables are freed only after an IPI
 * or an RCU grace period that cannot complete meanwhile.
 */
#ifndef _SPFS_WALK_H
#define _SPFS_WALK_H

#include <linux/fs.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/swap.h>

#include "spfs_classify.h"
#include "wrapper/pgtable.h"
#include "wrapper/swapops.h"
#include "wrapper/userfaultfd.h"

/*
 * The raw value of an entry.  The walk only tests an entry's bits and
 * compares it with a value it read before, never translates it; where
 * the kernel is built for Xen PV, pgd_val() and its kin are paravirt
 * calls (patched to a move and padding elsewhere) that turn a Xen PV
 * guest's machine frames into its own: nothing a comparison of two
 * readings needs.
 */
#define spfs_pgdv(e)	native_pgd_val(e)
#define spfs_p4dv(e)	native_p4d_val(e)
#define spfs_pudv(e)	native_pud_val(e)
#define spfs_pmdv(e)	native_pmd_val(e)

/* What a shmem mapping's address space operations are (spfs_classify.c). */
extern const struct address_space_operations *spfs_shmem_aops;

/*
 * The entries above @path's PMD entry hold the values its walk found:
 * each table below is still the one it found.  Where the P4D level is
 * folded its entry is the PGD entry.
 */
static __always_inline bool spfs_path_upper_holds(struct mm_struct *mm,
						  const struct spfs_path *path)
{
	return spfs_pgdv(READ_ONCE(*path->pgd)) == path->pgdv &&
	       (mm_p4d_folded(mm) ||
		spfs_p4dv(READ_ONCE(*path->p4d)) == path->p4dv) &&
	       spfs_pudv(READ_ONCE(*path->pud)) == path->pudv;
}

/*
 * The PMD entry over @addr by the way @path recorded, if it still holds:
 * the upper entries unchanged since a walk found each a table, the full
 * walk would take the same steps to the same entry.  Each is read in the
 * page the one above points to now, as the full walk reads them.
 */
static __always_inline pmd_t *spfs_path_pmd(struct mm_struct *mm,
					    unsigned long addr,
					    const struct spfs_path *path)
{
	/* The same PMD range: the same index in the same PGD, then. */
	if ((path->addr ^ addr) >= PMD_SIZE || path->pgd_table != mm->pgd ||
	    !spfs_path_upper_holds(mm, path))
		return NULL;
	return path->pmd;
}

/*
 * Down to the PTE table over @addr, as the designs' walk: NULL where a
 * level is none or bad (no PTE table), *@flags set for a huge or
 * non-table entry; *@pmdv is the PMD entry read.  The way down is kept in
 * @path, and taken again when it still holds: the faults of a task fall
 * mostly in the PMD ranges of its last ones, and T1 looks again at T0's.
 */
static __always_inline pte_t *spfs_walk_ptes(struct mm_struct *mm,
					     unsigned long addr, pmd_t *pmdv,
					     u32 *flags, struct spfs_path *path)
{
	pgd_t *pgd, pgdv;
	p4d_t *p4d, p4dv;
	pud_t *pud, pudv;
	pmd_t *pmd;

	pmd = spfs_path_pmd(mm, addr, path);
	if (pmd)
		goto pmd;
	pgd = pgd_offset(mm, addr);
	pgdv = READ_ONCE(*pgd);
	if (pgd_none(pgdv) || pgd_bad(pgdv))
		goto none;
	p4d = p4d_offset(pgd, addr);
	p4dv = READ_ONCE(*p4d);
	if (p4d_none(p4dv) || p4d_bad(p4dv))
		goto none;
	pud = pud_offset(p4d, addr);
	pudv = READ_ONCE(*pud);
	if (pud_none(pudv))
		goto none;
	if (pud_leaf(pudv) || pud_bad(pudv)) {
		*flags |= SPFS_F(HUGE_PMD);
		return NULL;
	}
	pmd = pmd_offset(pud, addr);
	*path = (struct spfs_path){
		.addr = addr, .pgd_table = mm->pgd, .pgd = pgd, .p4d = p4d,
		.pud = pud, .pmd = pmd,
		.pgdv = spfs_pgdv(pgdv), .p4dv = spfs_p4dv(p4dv),
		.pudv = spfs_pudv(pudv),
	};
pmd:
	*pmdv = READ_ONCE(*pmd);
	if (path->ptes && spfs_pmdv(*pmdv) == path->pmdv)
		return path->ptes;
	if (pmd_none(*pmdv))
		goto none;
	/* A THP, a devmap or a migrating huge page, or junk: not a table. */
	if (!pmd_present(*pmdv) || pmd_leaf(*pmdv) || pmd_trans_huge(*pmdv) ||
	    spfs_pmd_devmap(*pmdv) || pmd_bad(*pmdv)) {
		*flags |= SPFS_F(HUGE_PMD);
		return NULL;
	}
	path->pmdv = spfs_pmdv(*pmdv);
	path->ptes = pte_offset_kernel(pmdv, 0);
	return path->ptes;
none:
	*flags |= SPFS_F(NO_PAGE_TABLE);
	return NULL;
}

/**
 * spfs_walk() - the speculative designs' page-table walk, at T0
 * @mm: the faulting task's mm
 * @addr: the faulting address
 * @pmd: set to the PMD entry read, if the walk found a PTE table
 * @path: the way down of an earlier walk, taken if it still holds;
 *	  updated
 *
 * Interrupts must be off (the fault tracepoint).  Inline: T0's, at every
 * followed fault.
 *
 * Return: SPFS_F(NO_PAGE_TABLE) or SPFS_F(HUGE_PMD) where the walk stops;
 * else what the PTE holds: SPFS_F(PTE_NONE), or SPFS_F(SWAP) (and
 * SPFS_F(DEVICE_PRIVATE)) for a non-present entry, or 0 for a present one.
 */
static __always_inline u32 spfs_walk(struct mm_struct *mm, unsigned long addr,
				     unsigned long *pmd,
				     struct spfs_path *path)
{
	pte_t *ptes, ptev;
	u32 flags = 0;
	pmd_t pmdv;

	ptes = spfs_walk_ptes(mm, addr, &pmdv, &flags, path);
	if (!ptes)
		return flags;
	*pmd = spfs_pmdv(pmdv);
	ptev = READ_ONCE(ptes[pte_index(addr)]);
	if (pte_none(ptev)) {
		flags |= SPFS_F(PTE_NONE);
	} else if (!pte_present(ptev)) {
		flags |= SPFS_F(SWAP);
		if (spfs_pte_device_private(ptev))
			flags |= SPFS_F(DEVICE_PRIVATE);
	}
	return flags;
}

bool spfs_pmd_walk_changed(struct mm_struct *mm, unsigned long addr,
			   unsigned long pmd, struct spfs_path *path);

/**
 * spfs_pmd_changed() - is the PMD entry over a fault's address another now
 * @mm: the mm
 * @addr: the address
 * @pmd: the entry T0's walk found there, pointing to a PTE table
 * @path: the way that walk went down to it; updated if walked again
 * @quiet: no page table above the entry can have changed since that walk
 *	   (spfs_commit_pmd_changed())
 *
 * At T1, with the fault's lock held and preemption off: pmd_same() at
 * commit.  @path is the way down to @pmd for @addr in @mm, as T0's walk
 * left it (found a table there): while the upper entries hold the values
 * it read, each table below is the one it read, and still allocated -
 * page tables are freed only after an IPI or an RCU grace period, which
 * preemption off holds back - so the entry is read where T0 found it.
 * Inline: T1's, at every followed fault that found a PTE table.
 *
 * Return: true if the entry is not @pmd, or no longer a PTE table's.
 */
static __always_inline bool spfs_pmd_changed(struct mm_struct *mm,
					     unsigned long addr,
					     unsigned long pmd,
					     struct spfs_path *path, bool quiet)
{
	/* @pmd is a table's entry: the same value is one still. */
	if (likely(quiet || spfs_path_upper_holds(mm, path)))
		return spfs_pmdv(READ_ONCE(*path->pmd)) != pmd;
	return spfs_pmd_walk_changed(mm, addr, pmd, path);
}

static __always_inline bool spfs_vma_is_shmem(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       vma->vm_file->f_mapping->a_ops == spfs_shmem_aops;
}

/*
 * MPOL_INTERLEAVE as Dufour's SPF reads it: the VMA's policy, else the
 * faulting task's (v12 22/31: __get_vma_policy(), get_task_policy()).
 */
static __always_inline bool spfs_interleave(struct vm_area_struct *vma)
{
#ifdef CONFIG_NUMA
	struct mempolicy *pol = vma->vm_policy ?: current->mempolicy;

	return pol && READ_ONCE(pol->mode) == MPOL_INTERLEAVE;
#else
	return false;
#endif
}

/**
 * spfs_vma_flags() - classify a fault by its VMA
 * @vma: the VMA, at TL, under the real fault's lock, in the faulting task
 *
 * Inline: TL's, at every followed fault.
 *
 * Return: SPFS_F() flags of the VMA's kind and state.
 */
static __always_inline u32 spfs_vma_flags(struct vm_area_struct *vma)
{
	unsigned long vm_flags = vma->vm_flags;
	u32 flags = 0;

	if (vm_flags & VM_HUGETLB)
		flags |= SPFS_F(HUGETLB);
	else if (vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_IO))
		flags |= SPFS_F(PFNMAP);
	else if (spfs_vma_is_shmem(vma))
		flags |= SPFS_F(SHMEM);
	else if (vma->vm_ops)
		flags |= SPFS_F(FILE);
	else
		flags |= SPFS_F(ANON);

	if (!vma->anon_vma)
		flags |= SPFS_F(NO_ANON_VMA);
	if (spfs_uffd_missing(vma, vm_flags))
		flags |= SPFS_F(UFFD_MISSING);
	if (spfs_uffd_armed(vma, vm_flags))
		flags |= SPFS_F(UFFD);
	if (spfs_uffd_wp(vma, vm_flags))
		flags |= SPFS_F(UFFD_WP);
	if (vm_flags & (VM_GROWSDOWN | VM_GROWSUP))
		flags |= SPFS_F(STACK);
	if (spfs_interleave(vma))
		flags |= SPFS_F(INTERLEAVE);
	/* Both SPF series: atomic_read(&mm->mm_users) == 1. */
	if (atomic_read(&vma->vm_mm->mm_users) == 1)
		flags |= SPFS_F(SINGLE_THREAD);
	return flags;
}

#endif /* _SPFS_WALK_H */
