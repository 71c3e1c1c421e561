// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow core: what each design checks - which VMA writes it sees,
 * and which faults it would not even try, in the order its code tests.
 * Kernel-independent (see spfs_core.h); README.md, "Where each design
 * aborts", cites each check.
 */
#include "spfs_core.h"

#define SPFS_RULE_BIT(r)	(1U << (r))

/*
 * Which designs see a VMA operation as a change of the VMA, from their
 * code (research cited in README.md, "Where each design aborts"):
 *
 * - seed: the 2014 RFC's vm_sequence is written by __vma_adjust() and by
 *   unmap_page_range(), and a removed VMA is dead ("mm: VMA sequence
 *   count", <20141020222841.361741939@infradead.org>); mprotect without a
 *   split or merge does not touch it.
 * - dufour: v12 wraps much more in vm_write_begin()/vm_write_end() (09/31,
 *   10/31, 18/31): the same two, every flag or policy change, NUMA-hinting
 *   protection changes, MADV_FREE, khugepaged's collapse, stack expansion,
 *   and fork, on every parent VMA until the TLB flush.
 * - pvl: what vma_start_write()s the VMA (6.12: split, merge, expand,
 *   munmap, mprotect, mremap, mlock, madvise flags, mbind, collapse, fork,
 *   stack expansion); the lock is held to the end of the write cycle.
 *   Zaps under the read lock (MADV_DONTNEED, MADV_FREE) and NUMA hinting
 *   never write-lock it.  SPFS_OP_VMA_LOCK is a write lock the kernel was
 *   seen to take.
 *
 * lespinasse sees no VMA: its sequence is the mm's (SPFS_EV_CYCLE).
 */
static const u8 spfs_op_rule_masks[SPFS_NR_OPS] = {
	[SPFS_OP_ADJUST]	= SPFS_RULE_BIT(SPFS_RULE_SEED) |
				  SPFS_RULE_BIT(SPFS_RULE_DUFOUR) |
				  SPFS_RULE_BIT(SPFS_RULE_PVL),
	[SPFS_OP_ZAP]		= SPFS_RULE_BIT(SPFS_RULE_SEED) |
				  SPFS_RULE_BIT(SPFS_RULE_DUFOUR),
	[SPFS_OP_FLAGS]		= SPFS_RULE_BIT(SPFS_RULE_DUFOUR) |
				  SPFS_RULE_BIT(SPFS_RULE_PVL),
	[SPFS_OP_NUMA]		= SPFS_RULE_BIT(SPFS_RULE_DUFOUR),
	[SPFS_OP_COLLAPSE]	= SPFS_RULE_BIT(SPFS_RULE_DUFOUR) |
				  SPFS_RULE_BIT(SPFS_RULE_PVL),
	[SPFS_OP_FORK]		= SPFS_RULE_BIT(SPFS_RULE_DUFOUR) |
				  SPFS_RULE_BIT(SPFS_RULE_PVL),
	[SPFS_OP_STACK]		= SPFS_RULE_BIT(SPFS_RULE_DUFOUR) |
				  SPFS_RULE_BIT(SPFS_RULE_PVL),
	[SPFS_OP_VMA_LOCK]	= SPFS_RULE_BIT(SPFS_RULE_PVL),
};

/**
 * spfs_op_rules() - the rules that see a VMA operation
 * @op: the operation
 *
 * Return: a mask with bit r set for each &enum spfs_rule r whose VMA
 * sequence (or, for pvl, VMA write lock) the operation takes.
 */
u8 spfs_op_rules(enum spfs_op op)
{
	return op < SPFS_NR_OPS ? spfs_op_rule_masks[op] : 0;
}

/*
 * One ineligibility test: if every flag of @need is set, @reason applies.
 * Most tests need one flag; lespinasse's need two (a write with no
 * anon_vma yet; a none PTE in a userfaultfd-missing VMA).
 */
struct spfs_elig {
	u32 need;
	u8 reason;
};

/**
 * struct spfs_elig_table - one rule's ineligibility tests
 * @any: flags of which a fault must have one for any test to apply: most
 *	 faults have none, and are found eligible with one test
 *	 (spfs_elig_tables_valid() checks that each test needs one of them)
 * @tests: the tests in the order the design makes them (the first that
 *	   applies is the reason reported), ended by a zero @need
 */
struct spfs_elig_table {
	u32 any;
	struct spfs_elig tests[16];
};

/*
 * seed, 5/6 handle_speculative_fault(): no VMA, then the walk (pmd none:
 * "we take at least one !speculative fault per PMD"; pmd_huge()).  It has
 * no VM_HUGETLB test: hugetlb faults stop in the walk like THP.
 */
static const struct spfs_elig_table spfs_elig_seed = {
	.any = SPFS_F(NO_VMA) | SPFS_F(NO_PAGE_TABLE) | SPFS_F(HUGE_PMD),
	.tests = {
		{ SPFS_F(NO_VMA),		SPFS_R_NO_VMA },
		{ SPFS_F(NO_PAGE_TABLE),	SPFS_R_NO_PAGE_TABLE },
		{ SPFS_F(HUGE_PMD),		SPFS_R_HUGE_PMD },
	},
};

/*
 * dufour, v12 22/31 handle_speculative_fault() and its mm.h wrapper, in
 * order: mm_users == 1; no VMA; vm_ops->fault (file, shmem, hugetlb); no
 * anon_vma; VM_UFFD_MISSING; VM_GROWSDOWN/UP; the VMA's or else the
 * task's policy MPOL_INTERLEAVE; the walk; then, in handle_pte_fault(),
 * a none PTE in a VMA that is not anonymous (VM_PFNMAP and the like have
 * no ->fault), and v12's swap-in without the page in the swap cache (23/31;
 * the module cannot look the swap cache up: every swap entry counts).
 */
static const struct spfs_elig_table spfs_elig_dufour = {
	.any = SPFS_F(SINGLE_THREAD) | SPFS_F(NO_VMA) | SPFS_F(HUGETLB) |
	       SPFS_F(SHMEM) | SPFS_F(FILE) | SPFS_F(NO_ANON_VMA) |
	       SPFS_F(UFFD_MISSING) | SPFS_F(STACK) | SPFS_F(INTERLEAVE) |
	       SPFS_F(NO_PAGE_TABLE) | SPFS_F(HUGE_PMD) | SPFS_F(PFNMAP) |
	       SPFS_F(SWAP),
	.tests = {
		{ SPFS_F(SINGLE_THREAD),	SPFS_R_SINGLE_THREAD },
		{ SPFS_F(NO_VMA),		SPFS_R_NO_VMA },
		{ SPFS_F(HUGETLB),		SPFS_R_HUGETLB },
		{ SPFS_F(SHMEM),		SPFS_R_SHMEM },
		{ SPFS_F(FILE),			SPFS_R_FILE },
		{ SPFS_F(NO_ANON_VMA),		SPFS_R_NO_ANON_VMA },
		{ SPFS_F(UFFD_MISSING),		SPFS_R_UFFD },
		{ SPFS_F(STACK),		SPFS_R_STACK },
		{ SPFS_F(INTERLEAVE),		SPFS_R_MEMPOLICY },
		{ SPFS_F(NO_PAGE_TABLE),	SPFS_R_NO_PAGE_TABLE },
		{ SPFS_F(HUGE_PMD),		SPFS_R_HUGE_PMD },
		{ SPFS_F(PFNMAP),		SPFS_R_PFNMAP },
		{ SPFS_F(SWAP),			SPFS_R_SWAP },
	},
};

/*
 * lespinasse, v2 28/35, 13/35, 19/35 (do_user_addr_fault()), 16/35 (the
 * walk), then the fault body: SPF_ABORT_ANON_VMA only where a page is
 * allocated (a read maps the zero page first, 18/35), SPF_ABORT_SWAP on any
 * non-present PTE (21/35), SPF_ABORT_USERFAULTFD where handle_userfault()
 * would be called (18/35, 27/35).  No mempolicy or stack test.
 */
static const struct spfs_elig_table spfs_elig_lespinasse = {
	.any = SPFS_F(SINGLE_THREAD) | SPFS_F(NO_VMA) | SPFS_F(HUGETLB) |
	       SPFS_F(SHMEM) | SPFS_F(FILE) | SPFS_F(PFNMAP) |
	       SPFS_F(NO_PAGE_TABLE) | SPFS_F(HUGE_PMD) |
	       SPFS_F(NO_ANON_VMA) | SPFS_F(SWAP) | SPFS_F(UFFD_MISSING) |
	       SPFS_F(UFFD_WP),
	.tests = {
		{ SPFS_F(SINGLE_THREAD),	SPFS_R_SINGLE_THREAD },
		{ SPFS_F(NO_VMA),		SPFS_R_NO_VMA },
		{ SPFS_F(HUGETLB),		SPFS_R_HUGETLB },
		{ SPFS_F(SHMEM),		SPFS_R_SHMEM },
		{ SPFS_F(FILE),			SPFS_R_FILE },
		{ SPFS_F(PFNMAP),		SPFS_R_PFNMAP },
		{ SPFS_F(NO_PAGE_TABLE),	SPFS_R_NO_PAGE_TABLE },
		{ SPFS_F(HUGE_PMD),		SPFS_R_HUGE_PMD },
		{ SPFS_F(NO_ANON_VMA) | SPFS_F(WRITE), SPFS_R_NO_ANON_VMA },
		{ SPFS_F(SWAP),			SPFS_R_SWAP },
		{ SPFS_F(UFFD_MISSING) | SPFS_F(PTE_NONE), SPFS_R_UFFD },
		{ SPFS_F(UFFD_WP) | SPFS_F(WRITE), SPFS_R_UFFD },
	},
};

/*
 * pvl as merged in 6.4 (per-VMA locks v4 15/24/27 of 33, 26/33):
 * lock_vma_under_rcu() takes anonymous VMAs with an anon_vma and no
 * userfaultfd; do_swap_page() retries any non-present PTE.
 */
static const struct spfs_elig_table spfs_elig_pvl_6_4 = {
	.any = SPFS_F(NO_VMA) | SPFS_F(HUGETLB) | SPFS_F(SHMEM) |
	       SPFS_F(FILE) | SPFS_F(PFNMAP) | SPFS_F(NO_ANON_VMA) |
	       SPFS_F(UFFD) | SPFS_F(SWAP),
	.tests = {
		{ SPFS_F(NO_VMA),		SPFS_R_NO_VMA },
		{ SPFS_F(HUGETLB),		SPFS_R_HUGETLB },
		{ SPFS_F(SHMEM),		SPFS_R_SHMEM },
		{ SPFS_F(FILE),			SPFS_R_FILE },
		{ SPFS_F(PFNMAP),		SPFS_R_PFNMAP },
		{ SPFS_F(NO_ANON_VMA),		SPFS_R_NO_ANON_VMA },
		{ SPFS_F(UFFD),			SPFS_R_UFFD },
		{ SPFS_F(SWAP),			SPFS_R_SWAP },
	},
};

/*
 * 6.12 takes any VMA under its lock (lock_vma_under_rcu() checks nothing
 * but the VMA lock and the bounds); what it cannot finish it retries,
 * which shows as the real fault's own retry.  Device-private entries are
 * refused outright (do_swap_page()).
 */
static const struct spfs_elig_table spfs_elig_pvl_6_12 = {
	.any = SPFS_F(NO_VMA) | SPFS_F(DEVICE_PRIVATE),
	.tests = {
		{ SPFS_F(NO_VMA),		SPFS_R_NO_VMA },
		{ SPFS_F(DEVICE_PRIVATE),	SPFS_R_SWAP },
	},
};

static const struct spfs_elig_table *spfs_elig_table(enum spfs_rule r,
						     enum spfs_pvl_profile pvl)
{
	switch (r) {
	case SPFS_RULE_SEED:
		return &spfs_elig_seed;
	case SPFS_RULE_DUFOUR:
		return &spfs_elig_dufour;
	case SPFS_RULE_LESPINASSE:
		return &spfs_elig_lespinasse;
	default:
		return pvl == SPFS_PVL_6_4 ? &spfs_elig_pvl_6_4 :
					     &spfs_elig_pvl_6_12;
	}
}

/**
 * spfs_rule_ineligible() - why a design would not try a fault
 * @r: the rule
 * @pvl: which kernel's per-VMA-lock rules the pvl rule follows
 * @flags: the fault's SPFS_F() flags
 *
 * Return: the &enum spfs_reason of the first of @r's tests that applies,
 * or -1 if @r would try the fault.
 */
int spfs_rule_ineligible(enum spfs_rule r, enum spfs_pvl_profile pvl,
			 u32 flags)
{
	const struct spfs_elig_table *t = spfs_elig_table(r, pvl);
	const struct spfs_elig *e;

	if (!(flags & t->any))
		return -1;
	for (e = t->tests; e->need; e++)
		if ((flags & e->need) == e->need)
			return e->reason;
	return -1;
}

/**
 * spfs_elig_tables_valid() - check each rule's @any against its tests
 *
 * The unions are written out beside the tests; the unit tests call this.
 *
 * Return: true if every test of every table needs a flag of its @any,
 * and @any has no flag that no test needs.
 */
bool spfs_elig_tables_valid(void)
{
	const struct spfs_elig_table *t;
	const struct spfs_elig *e;
	enum spfs_pvl_profile pvl;
	enum spfs_rule r;
	u32 seen;

	for (pvl = SPFS_PVL_6_4; pvl <= SPFS_PVL_6_12; pvl++) {
		for (r = 0; r < SPFS_NR_RULES; r++) {
			t = spfs_elig_table(r, pvl);
			seen = 0;
			for (e = t->tests; e->need; e++) {
				if (!(e->need & t->any))
					return false;
				seen |= e->need & t->any;
			}
			if (seen != t->any)
				return false;
		}
	}
	return true;
}

/**
 * spfs_unclean_flags() - the flags that keep a fault from being clean
 * @pvl: which kernel's per-VMA-lock rules the pvl rule follows
 *
 * A fault with none of them, whose mm logged nothing in its windows, is
 * judged by spfs_judge_begin() alone, and clean (spfs_judgement_clean()):
 * the fault path counts it so without making the judgement.  The mask is
 * fixed for a @pvl: the fault path reads it once.
 *
 * Return: the union of every rule's ineligibility flags, the real
 * fault's retry and a changed PMD.
 */
u32 spfs_unclean_flags(enum spfs_pvl_profile pvl)
{
	u32 flags = SPFS_F(REAL_RETRY) | SPFS_F(PMD_CHANGED);
	enum spfs_rule r;

	for (r = 0; r < SPFS_NR_RULES; r++)
		flags |= spfs_elig_table(r, pvl)->any;
	return flags;
}

