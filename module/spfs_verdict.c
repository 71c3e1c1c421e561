// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow core: the verdict of each rule for one fault.
 *
 * Kernel-independent (see spfs_core.h): the module feeds it what it read
 * under the real fault's lock and the events its mm logged; the host unit
 * tests feed it tables.
 */
#include "spfs_core.h"

static const char * const spfs_rule_names[SPFS_NR_RULES] = {
	[SPFS_RULE_SEED]	= "seed",
	[SPFS_RULE_DUFOUR]	= "dufour",
	[SPFS_RULE_LESPINASSE]	= "lespinasse",
	[SPFS_RULE_PVL]		= "pvl",
};

static const char * const spfs_verdict_names[SPFS_NR_VERDICTS] = {
	[SPFS_V_SUCCESS]	= "success",
	[SPFS_V_RACE_VMA]	= "race_vma",
	[SPFS_V_RACE_VMA_BUSY]	= "race_vma_busy",
	[SPFS_V_RACE_PGTABLE]	= "race_pgtable",
	[SPFS_V_RACE_MM]	= "race_mm",
	[SPFS_V_REAL_RETRY]	= "real_retry",
	[SPFS_V_INELIGIBLE]	= "ineligible",
};

static const char * const spfs_reason_names[SPFS_NR_REASONS] = {
	[SPFS_R_NO_VMA]		= "no_vma",
	[SPFS_R_HUGETLB]	= "hugetlb",
	[SPFS_R_HUGE_PMD]	= "huge_pmd",
	[SPFS_R_PFNMAP]		= "pfnmap",
	[SPFS_R_FILE]		= "file",
	[SPFS_R_SHMEM]		= "shmem",
	[SPFS_R_NO_ANON_VMA]	= "no_anon_vma",
	[SPFS_R_UFFD]		= "uffd",
	[SPFS_R_STACK]		= "stack",
	[SPFS_R_MEMPOLICY]	= "mempolicy",
	[SPFS_R_SWAP]		= "swap",
	[SPFS_R_SINGLE_THREAD]	= "single_thread",
};

static const char * const spfs_cause_names[SPFS_NR_CAUSES] = {
	[SPFS_C_MPROTECT]	= "mprotect",
	[SPFS_C_MUNMAP]		= "munmap",
	[SPFS_C_MMAP]		= "mmap",
	[SPFS_C_MREMAP]		= "mremap",
	[SPFS_C_BRK]		= "brk",
	[SPFS_C_MADVISE]	= "madvise",
	[SPFS_C_MLOCK]		= "mlock",
	[SPFS_C_FORK]		= "fork",
	[SPFS_C_STACK]		= "stack",
	[SPFS_C_OTHER]		= "other",
};

static const char * const spfs_pt_event_names[SPFS_NR_PT_EVENTS] = {
	[SPFS_PT_UNMAP]			= "unmap",
	[SPFS_PT_CLEAR]			= "clear",
	[SPFS_PT_PROTECTION_VMA]	= "protection_vma",
	[SPFS_PT_PROTECTION_PAGE]	= "protection_page",
	[SPFS_PT_SOFT_DIRTY]		= "soft_dirty",
	[SPFS_PT_RELEASE]		= "release",
	[SPFS_PT_MIGRATE]		= "migrate",
	[SPFS_PT_EXCLUSIVE]		= "exclusive",
	[SPFS_PT_OTHER]			= "other",
};

/**
 * spfs_rule_name() - the name of a rule, as in debugfs keys
 * @r: the rule
 *
 * Return: its name.
 */
const char *spfs_rule_name(enum spfs_rule r)
{
	return spfs_rule_names[r];
}

/**
 * spfs_verdict_name() - the name of a verdict, as in debugfs keys
 * @v: the verdict
 *
 * Return: its name.
 */
const char *spfs_verdict_name(enum spfs_verdict v)
{
	return spfs_verdict_names[v];
}

/**
 * spfs_reason_name() - the name of an ineligibility reason
 * @r: the reason
 *
 * Return: its name.
 */
const char *spfs_reason_name(enum spfs_reason r)
{
	return spfs_reason_names[r];
}

/**
 * spfs_cause_name() - the name of a VMA-change cause
 * @c: the cause
 *
 * Return: its name.
 */
const char *spfs_cause_name(enum spfs_cause c)
{
	return spfs_cause_names[c];
}

/**
 * spfs_pt_event_name() - the name of a page-table event
 * @e: the event
 *
 * Return: its name.
 */
const char *spfs_pt_event_name(enum spfs_pt_event e)
{
	return spfs_pt_event_names[e];
}

/**
 * spfs_verdict_is_race() - is a verdict one of the race kinds
 * @v: the verdict
 *
 * Return: true for race_vma, race_vma_busy, race_pgtable and race_mm.
 */
bool spfs_verdict_is_race(enum spfs_verdict v)
{
	return v == SPFS_V_RACE_VMA || v == SPFS_V_RACE_VMA_BUSY ||
	       v == SPFS_V_RACE_PGTABLE || v == SPFS_V_RACE_MM;
}

/*
 * When several things happen to one fault, the verdict is the one that
 * stops it first: a design that would not try never races; an abort at
 * start (busy) precedes a change noticed at commit; a VMA change is
 * noticed before the page-table check at commit.
 */
static const u8 spfs_verdict_rank[SPFS_NR_VERDICTS] = {
	[SPFS_V_SUCCESS]	= 0,
	[SPFS_V_RACE_PGTABLE]	= 1,
	[SPFS_V_RACE_MM]	= 2,
	[SPFS_V_RACE_VMA]	= 3,
	[SPFS_V_RACE_VMA_BUSY]	= 4,
	[SPFS_V_REAL_RETRY]	= 5,
	[SPFS_V_INELIGIBLE]	= 6,
};

/* One ineligibility test: if @flag is set, @reason applies. */
struct spfs_elig {
	u32 flag;
	u8 reason;
};

/**
 * struct spfs_elig_table - one rule's ineligibility tests
 * @any: the union of their flags: most faults have none of them, and are
 *	 found eligible with one test (spfs_elig_tables_valid() checks it)
 * @tests: the tests in the order the design makes them (the first that
 *	   applies is the reason reported), ended by a zero flag
 *
 * SPFS_F_ANON being clear is spelled out through the flags that imply it
 * (file, shmem, hugetlb, pfnmap).
 */
struct spfs_elig_table {
	u32 any;
	struct spfs_elig tests[12];
};

static const struct spfs_elig_table spfs_elig_seed = {
	.any = SPFS_F_NO_VMA | SPFS_F_HUGETLB | SPFS_F_HUGE_PMD,
	.tests = {
		{ SPFS_F_NO_VMA,	SPFS_R_NO_VMA },
		{ SPFS_F_HUGETLB,	SPFS_R_HUGETLB },
		{ SPFS_F_HUGE_PMD,	SPFS_R_HUGE_PMD },
	},
};

/* Dufour's SPF leaves stack VMAs alone, growing or not. */
static const struct spfs_elig_table spfs_elig_dufour = {
	.any = SPFS_F_STACK | SPFS_F_NO_VMA | SPFS_F_SINGLE_THREAD |
	       SPFS_F_HUGETLB | SPFS_F_PFNMAP | SPFS_F_SHMEM | SPFS_F_FILE |
	       SPFS_F_UFFD_MISSING | SPFS_F_INTERLEAVE | SPFS_F_NO_ANON_VMA |
	       SPFS_F_HUGE_PMD,
	.tests = {
		{ SPFS_F_STACK,		SPFS_R_STACK },
		{ SPFS_F_NO_VMA,	SPFS_R_NO_VMA },
		{ SPFS_F_SINGLE_THREAD,	SPFS_R_SINGLE_THREAD },
		{ SPFS_F_HUGETLB,	SPFS_R_HUGETLB },
		{ SPFS_F_PFNMAP,	SPFS_R_PFNMAP },
		{ SPFS_F_SHMEM,		SPFS_R_SHMEM },
		{ SPFS_F_FILE,		SPFS_R_FILE },
		{ SPFS_F_UFFD_MISSING,	SPFS_R_UFFD },
		{ SPFS_F_INTERLEAVE,	SPFS_R_MEMPOLICY },
		{ SPFS_F_NO_ANON_VMA,	SPFS_R_NO_ANON_VMA },
		{ SPFS_F_HUGE_PMD,	SPFS_R_HUGE_PMD },
	},
};

static const struct spfs_elig_table spfs_elig_lespinasse = {
	.any = SPFS_F_NO_VMA | SPFS_F_SINGLE_THREAD | SPFS_F_HUGETLB |
	       SPFS_F_PFNMAP | SPFS_F_SHMEM | SPFS_F_FILE |
	       SPFS_F_NO_ANON_VMA | SPFS_F_UFFD | SPFS_F_SWAP |
	       SPFS_F_HUGE_PMD,
	.tests = {
		{ SPFS_F_NO_VMA,	SPFS_R_NO_VMA },
		{ SPFS_F_SINGLE_THREAD,	SPFS_R_SINGLE_THREAD },
		{ SPFS_F_HUGETLB,	SPFS_R_HUGETLB },
		{ SPFS_F_PFNMAP,	SPFS_R_PFNMAP },
		{ SPFS_F_SHMEM,		SPFS_R_SHMEM },
		{ SPFS_F_FILE,		SPFS_R_FILE },
		{ SPFS_F_NO_ANON_VMA,	SPFS_R_NO_ANON_VMA },
		{ SPFS_F_UFFD,		SPFS_R_UFFD },
		{ SPFS_F_SWAP,		SPFS_R_SWAP },
		{ SPFS_F_HUGE_PMD,	SPFS_R_HUGE_PMD },
	},
};

static const struct spfs_elig_table spfs_elig_pvl_6_4 = {
	.any = SPFS_F_NO_VMA | SPFS_F_HUGETLB | SPFS_F_PFNMAP | SPFS_F_SHMEM |
	       SPFS_F_FILE | SPFS_F_NO_ANON_VMA | SPFS_F_UFFD | SPFS_F_SWAP,
	.tests = {
		{ SPFS_F_NO_VMA,	SPFS_R_NO_VMA },
		{ SPFS_F_HUGETLB,	SPFS_R_HUGETLB },
		{ SPFS_F_PFNMAP,	SPFS_R_PFNMAP },
		{ SPFS_F_SHMEM,		SPFS_R_SHMEM },
		{ SPFS_F_FILE,		SPFS_R_FILE },
		{ SPFS_F_NO_ANON_VMA,	SPFS_R_NO_ANON_VMA },
		{ SPFS_F_UFFD,		SPFS_R_UFFD },
		{ SPFS_F_SWAP,		SPFS_R_SWAP },
	},
};

/*
 * 6.12 takes any VMA under its lock (lock_vma_under_rcu() checks nothing
 * but the VMA lock and the bounds); what it cannot finish it retries,
 * which shows as the real fault's own retry.  Device-private entries are
 * refused outright (do_swap_page()).
 */
static const struct spfs_elig_table spfs_elig_pvl_6_12 = {
	.any = SPFS_F_NO_VMA | SPFS_F_DEVICE_PRIVATE,
	.tests = {
		{ SPFS_F_NO_VMA,	 SPFS_R_NO_VMA },
		{ SPFS_F_DEVICE_PRIVATE, SPFS_R_SWAP },
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

/* Return: the reason @r would not try a fault with @flags, or -1. */
static int spfs_ineligible(enum spfs_rule r, enum spfs_pvl_profile pvl,
			   u32 flags)
{
	const struct spfs_elig_table *t = spfs_elig_table(r, pvl);
	const struct spfs_elig *e;

	if (!(flags & t->any))
		return -1;
	for (e = t->tests; e->flag; e++)
		if (flags & e->flag)
			return e->reason;
	return -1;
}

/**
 * spfs_elig_tables_valid() - check each rule's union of ineligible flags
 *
 * The unions are written out beside the tests; the unit tests call this.
 *
 * Return: true if every table's @any is the union of its tests' flags.
 */
bool spfs_elig_tables_valid(void)
{
	const struct spfs_elig_table *t;
	const struct spfs_elig *e;
	enum spfs_pvl_profile pvl;
	enum spfs_rule r;
	u32 any;

	for (pvl = SPFS_PVL_6_4; pvl <= SPFS_PVL_6_12; pvl++) {
		for (r = 0; r < SPFS_NR_RULES; r++) {
			t = spfs_elig_table(r, pvl);
			any = 0;
			for (e = t->tests; e->flag; e++)
				any |= e->flag;
			if (any != t->any)
				return false;
		}
	}
	return true;
}

static void spfs_raise(struct spfs_judgement *j, enum spfs_rule r,
		       enum spfs_window w, enum spfs_verdict v, u8 detail)
{
	if (spfs_verdict_rank[v] > spfs_verdict_rank[j->verdict[r][w]]) {
		j->verdict[r][w] = v;
		j->detail[r][w] = detail;
	}
}

/**
 * spfs_judge_begin() - start judging a fault
 * @j: the judgement to fill in
 * @f: the fault
 * @pvl: which kernel's per-VMA-lock rules the pvl rule follows
 *
 * Sets each rule's verdict to ineligible (with its reason), real_retry,
 * or success, which spfs_judge_event() may then turn into a race.
 */
void spfs_judge_begin(struct spfs_judgement *j, const struct spfs_fault *f,
		      enum spfs_pvl_profile pvl)
{
	int r, w, reason;

	for (r = 0; r < SPFS_NR_RULES; r++) {
		reason = spfs_ineligible(r, pvl, f->flags);
		for (w = 0; w < SPFS_NR_WINDOWS; w++) {
			j->detail[r][w] = 0;
			if (reason >= 0) {
				j->verdict[r][w] = SPFS_V_INELIGIBLE;
				j->detail[r][w] = reason;
			} else if (f->flags & SPFS_F_REAL_RETRY) {
				j->verdict[r][w] = SPFS_V_REAL_RETRY;
			} else {
				j->verdict[r][w] = SPFS_V_SUCCESS;
			}
		}
	}
	for (w = 0; w < SPFS_NR_WINDOWS; w++)
		j->writer_stall[w] = 0;
}

/**
 * spfs_judgement_clean() - is a judgement that of the common fault
 * @j: the judgement
 *
 * Most faults succeed under every rule in both windows, with no writer
 * waiting for them: the counters keep those apart, in fewer words.
 *
 * Return: true if every verdict of @j is success and no writer stalled.
 */
bool spfs_judgement_clean(const struct spfs_judgement *j)
{
	int r, w;

	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		if (j->writer_stall[w])
			return false;
		for (r = 0; r < SPFS_NR_RULES; r++)
			if (j->verdict[r][w] != SPFS_V_SUCCESS)
				return false;
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
 * Return: the union of every rule's ineligibility flags, and the real
 * fault's retry.
 */
u32 spfs_unclean_flags(enum spfs_pvl_profile pvl)
{
	u32 flags = SPFS_F_REAL_RETRY;
	enum spfs_rule r;

	for (r = 0; r < SPFS_NR_RULES; r++)
		flags |= spfs_elig_table(r, pvl)->any;
	return flags;
}

/* Return: the end of window @w of fault @f. */
static u64 spfs_window_end(const struct spfs_fault *f, enum spfs_window w)
{
	if (w == SPFS_WIN_FULL)
		return f->t1;
	/* The service time: what the fault took once it held the lock. */
	return f->t0 + (f->t1 > f->tl ? f->t1 - f->tl : 0);
}

static bool spfs_ranges_overlap(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

/* Did [t_begin, t_end) (t_end 0: still open) overlap [t0, wend]? */
static bool spfs_times_overlap(const struct spfs_event *ev, u64 t0, u64 wend)
{
	return ev->t_begin <= wend && (!ev->t_end || ev->t_end > t0);
}

static void spfs_judge_vma(struct spfs_judgement *j, const struct spfs_fault *f,
			   const struct spfs_event *ev, enum spfs_window w,
			   u64 wend)
{
	u64 start = f->vm_start, end = f->vm_end;
	bool busy, in_window;

	if (f->flags & SPFS_F_NO_VMA) {
		start = f->addr;
		end = f->addr + 1;
	}
	if (!spfs_ranges_overlap(ev->start, ev->end, start, end))
		return;

	/* A writer inside this VMA's write section when the fault began. */
	busy = ev->t_begin < f->t0 && (!ev->t_end || ev->t_end > f->t0);
	in_window = ev->t_begin >= f->t0 && ev->t_begin <= wend;

	if (busy) {
		spfs_raise(j, SPFS_RULE_SEED, w, SPFS_V_RACE_VMA_BUSY, ev->cause);
		spfs_raise(j, SPFS_RULE_DUFOUR, w, SPFS_V_RACE_VMA_BUSY,
			   ev->cause);
		/*
		 * The VMA is write-locked: lock_vma_under_rcu() fails - unless,
		 * where the kernel says when it tried, the writer was gone by
		 * then.
		 */
		if (!f->t_vma_lock || !ev->t_end || ev->t_end > f->t_vma_lock)
			spfs_raise(j, SPFS_RULE_PVL, w, SPFS_V_RACE_VMA_BUSY,
				   ev->cause);
	} else if (in_window) {
		spfs_raise(j, SPFS_RULE_SEED, w, SPFS_V_RACE_VMA, ev->cause);
		spfs_raise(j, SPFS_RULE_DUFOUR, w, SPFS_V_RACE_VMA, ev->cause);
		/* Under pvl the writer waits for the fault instead. */
		if (j->verdict[SPFS_RULE_PVL][w] == SPFS_V_SUCCESS)
			j->writer_stall[w] += wend - ev->t_begin;
	}
}

/**
 * spfs_judge_event() - account one event of the fault's mm
 * @j: the judgement, begun with spfs_judge_begin()
 * @f: the fault
 * @ev: an event of its mm that may fall in its windows
 *
 * Events may come in any order; each can only make a verdict worse.
 */
void spfs_judge_event(struct spfs_judgement *j, const struct spfs_fault *f,
		      const struct spfs_event *ev)
{
	u64 pmd_start, pmd_end, wend;
	int w, r;

	/*
	 * A fault does not race with itself: its own page-table changes
	 * (wp_page_copy()) and its own stack expansion happen inside it.
	 */
	if (ev->tid == f->tid && ev->t_begin >= f->t0 && ev->t_begin <= f->t1)
		return;

	pmd_start = f->addr & ~(f->pmd_size - 1);
	pmd_end = pmd_start + f->pmd_size;

	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		wend = spfs_window_end(f, w);
		switch (ev->type) {
		case SPFS_EV_VMA:
			spfs_judge_vma(j, f, ev, w, wend);
			break;
		case SPFS_EV_MM_WRITE:
			if (spfs_times_overlap(ev, f->t0, wend))
				spfs_raise(j, SPFS_RULE_LESPINASSE, w,
					   SPFS_V_RACE_MM, ev->cause);
			break;
		case SPFS_EV_PT:
			if (!spfs_ranges_overlap(ev->start, ev->end,
						 pmd_start, pmd_end) ||
			    !spfs_times_overlap(ev, f->t0, wend))
				break;
			for (r = 0; r < SPFS_NR_RULES; r++) {
				if (r == SPFS_RULE_PVL &&
				    (ev->flags & SPFS_EVF_WRITER) &&
				    spfs_ranges_overlap(ev->start, ev->end,
							f->vm_start, f->vm_end))
					continue;
				spfs_raise(j, r, w, SPFS_V_RACE_PGTABLE,
					   ev->cause);
			}
			break;
		}
	}
}

static const char * const spfs_real_names[SPFS_NR_REALS] = {
	[SPFS_REAL_LOCKED]	= "vma_locked",
	[SPFS_REAL_LOCKED_RETRY] = "vma_locked_retry",
	[SPFS_REAL_MMAP]	= "mmap_lock",
	[SPFS_REAL_NONE]	= "no_fault_handler",
};

/**
 * spfs_real_name() - the name of a real per-VMA-lock outcome
 * @r: the outcome
 *
 * Return: its name.
 */
const char *spfs_real_name(enum spfs_real r)
{
	return spfs_real_names[r];
}

/**
 * spfs_pvl_row_name() - the name of an agreement-matrix row
 * @row: the row
 *
 * Return: the verdict's name, or the reason's for an ineligible row.
 */
const char *spfs_pvl_row_name(unsigned int row)
{
	return row < SPFS_NR_VERDICTS ? spfs_verdict_name(row) :
					spfs_reason_name(row - SPFS_NR_VERDICTS);
}
