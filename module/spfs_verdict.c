// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow core: the verdict of each rule for one fault.
 *
 * Kernel-independent (see spfs_core.h): the module feeds it what it read
 * around the real fault and the events its mm logged; the host unit tests
 * feed it tables.  Each rule follows the code of the design it is named
 * after; README.md ("Where each design aborts") cites it, check by check.
 */
#include "spfs_core.h"

/*
 * When several things happen to one fault, the verdict is the one that
 * stops it first: a design that would not try never races; an abort at
 * start (busy) precedes everything the fault would then do, the real
 * fault's own retry included; a VMA change is noticed at commit before
 * the mm sequence and before the page-table checks.
 */
static const u8 spfs_verdict_rank[SPFS_NR_VERDICTS] = {
	[SPFS_V_SUCCESS]	= 0,
	[SPFS_V_RACE_PGTABLE]	= 1,
	[SPFS_V_RACE_MM]	= 2,
	[SPFS_V_RACE_VMA]	= 3,
	[SPFS_V_REAL_RETRY]	= 4,
	[SPFS_V_RACE_VMA_BUSY]	= 5,
	[SPFS_V_INELIGIBLE]	= 6,
};

static void spfs_raise_rank(struct spfs_judgement *j, enum spfs_rule r,
			    enum spfs_window w, enum spfs_verdict v,
			    u8 detail, u8 rank)
{
	if (rank > spfs_verdict_rank[j->verdict[r][w]]) {
		j->verdict[r][w] = v;
		j->detail[r][w] = detail;
	}
}

static void spfs_raise(struct spfs_judgement *j, enum spfs_rule r,
		       enum spfs_window w, enum spfs_verdict v, u8 detail)
{
	spfs_raise_rank(j, r, w, v, detail, spfs_verdict_rank[v]);
}

/**
 * spfs_judge_begin() - the verdicts of a fault before any event
 * @j: the judgement to fill in
 * @f: the fault
 * @pvl: which kernel's per-VMA-lock rules the pvl rule follows
 *
 * Sets each rule's verdict to ineligible (with its reason), real_retry,
 * or success, which the events of the fault's windows may then turn into
 * a race (spfs_judge()).
 */
void spfs_judge_begin(struct spfs_judgement *j, const struct spfs_fault *f,
		      enum spfs_pvl_profile pvl)
{
	int r, w, reason;

	for (r = 0; r < SPFS_NR_RULES; r++) {
		reason = spfs_rule_ineligible(r, pvl, f->flags);
		for (w = 0; w < SPFS_NR_WINDOWS; w++) {
			j->detail[r][w] = 0;
			if (reason >= 0) {
				j->verdict[r][w] = SPFS_V_INELIGIBLE;
				j->detail[r][w] = reason;
			} else if (f->flags & SPFS_F(REAL_RETRY)) {
				j->verdict[r][w] = SPFS_V_REAL_RETRY;
			} else {
				j->verdict[r][w] = SPFS_V_SUCCESS;
			}
		}
	}
	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		j->writer_stall[w] = 0;
		j->pt_overlap[w] = 0;
	}
	j->contested = false;
	j->vma_lock_seen = false;
	j->pvl_by_fault_end = false;
}

/**
 * spfs_judgement_clean() - is a judgement that of the common fault
 * @j: the judgement
 *
 * Most faults succeed under every rule in both windows, with no writer
 * waiting for them and nothing else to note: the counters keep those
 * apart, in fewer words.
 *
 * Return: true if every verdict of @j is success and nothing else is set.
 */
bool spfs_judgement_clean(const struct spfs_judgement *j)
{
	int r, w;

	if (j->contested || j->pvl_by_fault_end)
		return false;
	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		if (j->writer_stall[w] || j->pt_overlap[w])
			return false;
		for (r = 0; r < SPFS_NR_RULES; r++)
			if (j->verdict[r][w] != SPFS_V_SUCCESS)
				return false;
	}
	return true;
}

/* Write cycles whose pvl writer stall one fault keeps apart. */
#define SPFS_STALL_CYCLES	4

/**
 * struct spfs_judging - a fault being judged against its events
 * @j: the judgement
 * @f: the fault
 * @wend: the end of each window
 * @ta: when pvl's lock attempt is taken to be (T_vma_lock, else T0)
 * @vm_start: the range a VMA event must overlap: the fault's VMA, or the
 *	      address alone for a fault without one
 * @vm_end: its end
 * @pmd_start: the fault's PMD range, which page-table events must overlap
 * @pmd_end: its end
 * @vma_lock_facts: see &struct spfs_judge_src
 * @pmd_explained: per window, the changed PMD was put down to an
 *		   invalidation in it
 * @stall_cycle: per window, the write cycles whose writer waited for the
 *		 fault under pvl
 * @stall_begin: for each, when that writer first came for the VMA
 * @nr_stall: how many of them
 */
struct spfs_judging {
	struct spfs_judgement *j;
	const struct spfs_fault *f;
	u64 wend[SPFS_NR_WINDOWS];
	u64 ta;
	u64 vm_start, vm_end;
	u64 pmd_start, pmd_end;
	bool vma_lock_facts;
	bool pmd_explained[SPFS_NR_WINDOWS];
	u32 stall_cycle[SPFS_NR_WINDOWS][SPFS_STALL_CYCLES];
	u64 stall_begin[SPFS_NR_WINDOWS][SPFS_STALL_CYCLES];
	unsigned int nr_stall[SPFS_NR_WINDOWS];
};

/*
 * Had write cycle @cycle released its locks when the kernel's count read
 * @oldest (the oldest cycle not over then, 0 if not read)?  Its end is
 * stamped by a hook just after the kernel's release, and a writer's CPU
 * can be held up in between; the count says it exactly.
 */
static bool spfs_cycle_over(u32 oldest, u32 cycle)
{
	return oldest && cycle && (s32)(cycle - oldest) < 0;
}

static bool spfs_cycle_over_at_t0(const struct spfs_fault *f, u32 cycle)
{
	return spfs_cycle_over(f->cycle_t0, cycle);
}

static bool spfs_ranges_overlap(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

/* Was [begin, end) (end 0: still going) under way at time t? */
static bool spfs_during(u64 begin, u64 end, u64 t)
{
	return begin <= t && (!end || end > t);
}

/* Did [begin, end) (end 0: still going) overlap [t0, wend]? */
static bool spfs_overlaps(u64 begin, u64 end, u64 t0, u64 wend)
{
	return begin <= wend && (!end || end > t0);
}

/*
 * The write locks of a fork, all the VMAs of the mm: one event whose
 * progress the faults read (&spfs_fault.fork_front).  A lock the fork had
 * to wait for is an event of its own, for its VMA.
 */
static bool spfs_fork_locks(const struct spfs_event *ev)
{
	return ev->kind == SPFS_OP_VMA_LOCK && ev->cause == SPFS_C_FORK &&
	       !ev->start && ev->end == ~0ULL;
}

/*
 * A pvl writer came for the fault's VMA at @begin while the fault held its
 * lock: it waits until the window's end.  One write cycle waits once, from
 * its first attempt, however many of its operations touch the VMA.
 */
static void spfs_stall_note(struct spfs_judging *jg, int w, u32 cycle,
			    u64 begin)
{
	unsigned int i, n = jg->nr_stall[w];

	for (i = 0; cycle && i < n; i++) {
		if (jg->stall_cycle[w][i] == cycle) {
			if (begin < jg->stall_begin[w][i])
				jg->stall_begin[w][i] = begin;
			return;
		}
	}
	if (n == SPFS_STALL_CYCLES) {
		/* More cycles than kept: charge the longest wait seen. */
		for (i = 1; i < n; i++)
			if (jg->stall_begin[w][i] < jg->stall_begin[w][0])
				jg->stall_begin[w][0] = jg->stall_begin[w][i];
		if (begin < jg->stall_begin[w][0])
			jg->stall_begin[w][0] = begin;
		return;
	}
	jg->stall_cycle[w][n] = cycle;
	jg->stall_begin[w][n] = begin;
	jg->nr_stall[w] = n + 1;
}

/*
 * A VMA write overlapping the fault's VMA, whose write cycle ends at
 * @cycle_end (0: not yet, or none).
 *
 * seed and dufour read the VMA's sequence at T0 and check it at commit:
 * odd at T0 (inside the write's bracket) is an abort at start; a write
 * that begins after T0 and by the commit changed it.
 *
 * pvl takes the VMA's read lock at its attempt: a VMA write-locked then
 * fails it; a writer that comes for the lock later waits for the fault.
 * A write lock the kernel was seen to take (SPFS_OP_VMA_LOCK) was asked
 * for at t_begin and held from t_end, when down_write() was entered or the
 * writer queued - 0 while the writer still waits: one waiting for the
 * fault has not got it.  Where the lock is out of line (SPFS_EVF_ASKED)
 * it is asked for at t_begin, and the kernel marks it a little later;
 * from t_end, just after the mark (or the function's return), it is
 * held.  A fault that tried in between may have got in, and the writer
 * waited for it: such a fault is over before the cycle ends, where one
 * that found the lock taken waits for the cycle's end under mmap_lock.
 * So a lock asked for but not surely marked at the attempt was held then
 * only if the fault ended after its cycle - a verdict read from the
 * fault's own end, kept out of the agreement rates
 * (&spfs_judgement.pvl_by_fault_end).  A write the model stands for is
 * taken to hold the lock from its start.  Either way
 * the lock is held to the end of its cycle.  A fork's locks are one event
 * over the whole mm, from the cycle's start: dup_mmap() takes them in
 * address order as it copies, so the fault's VMA was locked at T0 only if
 * the fork had passed its start then (&spfs_fault.fork_front), and a fork
 * that reaches it later waits for the fault; a lock it had to wait for is
 * logged apart, for its VMA, held from when the faults in it were gone.
 */
static void spfs_judge_vma(struct spfs_judging *jg,
			   const struct spfs_event *ev, u64 cycle_end)
{
	const struct spfs_fault *f = jg->f;
	u8 rules = spfs_op_rules(ev->kind);
	u64 held_from, held_to, bracket_end;
	int w;

	if (!spfs_ranges_overlap(ev->start, ev->end, jg->vm_start, jg->vm_end))
		return;
	/* A cycle over by the attempt neither held the lock nor waits. */
	if ((jg->vma_lock_facts && ev->kind != SPFS_OP_VMA_LOCK) ||
	    spfs_cycle_over_at_t0(f, ev->cycle) ||
	    spfs_cycle_over(f->cycle_ta, ev->cycle))
		rules &= ~SPFS_RULE_BIT(SPFS_RULE_PVL);
	held_from = ev->kind == SPFS_OP_VMA_LOCK &&
		    !(ev->flags & SPFS_EVF_ASKED) ? ev->t_end : ev->t_begin;
	held_to = ev->cycle ? cycle_end : ev->t_end;
	/*
	 * Asked for before the attempt, not yet taken for sure: taken at the
	 * attempt only if the fault waited for the cycle, as one that got in
	 * ended before it.  That reads the fault's own outcome: the verdict
	 * is set apart.
	 */
	if ((ev->flags & SPFS_EVF_ASKED) && held_from <= jg->ta &&
	    (!ev->t_end || ev->t_end > jg->ta) &&
	    (!held_to || held_to > jg->ta)) {
		if (rules & SPFS_RULE_BIT(SPFS_RULE_PVL))
			jg->j->pvl_by_fault_end = true;
		if (!held_to || held_to > f->t1)
			held_from = 0;
	}
	if (spfs_fork_locks(ev) &&
	    (ev->cycle != f->fork_cycle || jg->vm_start >= f->fork_front))
		held_from = 0;
	/* Fork and collapse write-begin their VMAs until the cycle ends. */
	bracket_end = ev->cycle && (ev->kind == SPFS_OP_FORK ||
				    ev->kind == SPFS_OP_COLLAPSE) ?
		      cycle_end : ev->t_end;
	if ((rules & SPFS_RULE_BIT(SPFS_RULE_PVL)) && held_from &&
	    spfs_overlaps(held_from, held_to, f->t0, f->tl))
		jg->j->vma_lock_seen = true;

	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		u64 wend = jg->wend[w];
		enum spfs_rule r;

		for (r = SPFS_RULE_SEED; r <= SPFS_RULE_DUFOUR; r++) {
			if (!(rules & SPFS_RULE_BIT(r)))
				continue;
			if (spfs_during(ev->t_begin, bracket_end, f->t0))
				spfs_raise(jg->j, r, w, SPFS_V_RACE_VMA_BUSY,
					   ev->cause);
			else if (ev->t_begin > f->t0 && ev->t_begin <= wend)
				spfs_raise(jg->j, r, w, SPFS_V_RACE_VMA,
					   ev->cause);
		}
		if (!(rules & SPFS_RULE_BIT(SPFS_RULE_PVL)))
			continue;
		if (held_from && spfs_during(held_from, held_to, jg->ta))
			spfs_raise(jg->j, SPFS_RULE_PVL, w,
				   SPFS_V_RACE_VMA_BUSY, ev->cause);
		else if (ev->t_begin <= wend &&
			 (!held_from || held_from > jg->ta))
			spfs_stall_note(jg, w, ev->cycle,
					ev->t_begin > jg->ta ? ev->t_begin :
							       jg->ta);
	}
}

/* A whole mmap_lock write cycle: lespinasse's per-mm sequence. */
static void spfs_judge_cycle(struct spfs_judging *jg,
			     const struct spfs_event *ev)
{
	const struct spfs_fault *f = jg->f;
	bool at_start;
	int w;

	if (spfs_cycle_over_at_t0(f, ev->cycle))
		return;
	if (spfs_overlaps(ev->t_begin, ev->t_end, f->t0, f->t1))
		jg->j->contested = true;
	/*
	 * A writer in the mm at T0 (an odd sequence, SPF_ABORT_ODD) stops the
	 * fault at start, before anything the real fault then did; one that
	 * comes later is seen at commit.
	 */
	at_start = spfs_during(ev->t_begin, ev->t_end, f->t0);
	for (w = 0; w < SPFS_NR_WINDOWS; w++)
		if (spfs_overlaps(ev->t_begin, ev->t_end, f->t0, jg->wend[w]))
			spfs_raise_rank(jg->j, SPFS_RULE_LESPINASSE, w,
					SPFS_V_RACE_MM, ev->cause,
					spfs_verdict_rank[at_start ?
						SPFS_V_RACE_VMA_BUSY :
						SPFS_V_RACE_MM]);
}

/*
 * An invalidation of the fault's PMD range.  dufour and lespinasse check
 * at commit that the PMD still holds what their walk read (pmd_same()):
 * a PMD seen changed at T1 is put down to the first invalidation of its
 * range in the window.  lespinasse then spin_trylock()s the PTE table's
 * lock and gives up if it is taken (v2 17/35; dufour v11/v12 loop
 * instead): an invalidation under way at the commit holds it.
 */
static void spfs_judge_pt(struct spfs_judging *jg, const struct spfs_event *ev)
{
	const struct spfs_fault *f = jg->f;
	enum spfs_rule r;
	int w;

	if (!spfs_ranges_overlap(ev->start, ev->end, jg->pmd_start,
				 jg->pmd_end))
		return;
	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		u64 wend = jg->wend[w];

		if (!spfs_overlaps(ev->t_begin, ev->t_end, f->t0, wend))
			continue;
		for (r = 0; r < SPFS_NR_RULES; r++)
			if (jg->j->verdict[r][w] != SPFS_V_INELIGIBLE)
				jg->j->pt_overlap[w] |= SPFS_RULE_BIT(r);
		if ((f->flags & SPFS_F(PMD_CHANGED)) &&
		    !jg->pmd_explained[w]) {
			jg->pmd_explained[w] = true;
			spfs_raise(jg->j, SPFS_RULE_DUFOUR, w,
				   SPFS_V_RACE_PGTABLE, ev->kind);
			spfs_raise(jg->j, SPFS_RULE_LESPINASSE, w,
				   SPFS_V_RACE_PGTABLE, ev->kind);
		}
		if (spfs_during(ev->t_begin, ev->t_end, wend))
			spfs_raise(jg->j, SPFS_RULE_LESPINASSE, w,
				   SPFS_V_RACE_PGTABLE, ev->kind);
	}
}

static void spfs_judge_one(struct spfs_judging *jg,
			   const struct spfs_event *ev, u64 cycle_end)
{
	const struct spfs_fault *f = jg->f;

	/*
	 * A fault does not race with itself: its own page-table changes
	 * (wp_page_copy()) and its own stack expansion happen inside it.
	 */
	if (ev->tid == f->tid && ev->t_begin >= f->t0 && ev->t_begin <= f->t1)
		return;
	switch (ev->type) {
	case SPFS_EV_VMA:
		spfs_judge_vma(jg, ev, cycle_end);
		break;
	case SPFS_EV_CYCLE:
		spfs_judge_cycle(jg, ev);
		break;
	case SPFS_EV_PT:
		spfs_judge_pt(jg, ev);
		break;
	}
}

/* Return: the end of window @w of fault @f. */
static u64 spfs_window_end(const struct spfs_fault *f, enum spfs_window w)
{
	if (w == SPFS_WIN_FULL)
		return f->t1;
	/* The service time: what the fault took once it held the lock. */
	return f->t0 + (f->t1 > f->tl ? f->t1 - f->tl : 0);
}

static void spfs_judge_end(struct spfs_judging *jg)
{
	struct spfs_judgement *j = jg->j;
	unsigned int i;
	u8 v;
	int w;

	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		/* A change no invalidation explains: both windows. */
		if ((jg->f->flags & SPFS_F(PMD_CHANGED)) &&
		    !jg->pmd_explained[SPFS_WIN_FULL]) {
			spfs_raise(j, SPFS_RULE_DUFOUR, w, SPFS_V_RACE_PGTABLE,
				   SPFS_PT_OTHER);
			spfs_raise(j, SPFS_RULE_LESPINASSE, w,
				   SPFS_V_RACE_PGTABLE, SPFS_PT_OTHER);
		}
		/*
		 * Writers wait only for a fault that holds the VMA lock to its
		 * end: not one that gave up at start or was not tried, nor one
		 * that dropped the lock to retry.
		 */
		v = j->verdict[SPFS_RULE_PVL][w];
		if (v != SPFS_V_SUCCESS && v != SPFS_V_RACE_PGTABLE)
			continue;
		for (i = 0; i < jg->nr_stall[w]; i++)
			j->writer_stall[w] += jg->wend[w] -
					      jg->stall_begin[w][i];
	}
}

/**
 * spfs_judge() - judge a fault against the events of its mm
 * @j: the judgement to fill in
 * @f: the fault
 * @pvl: which kernel's per-VMA-lock rules the pvl rule follows
 * @src: the events: the log from @src->from to @src->last, and those in
 *	 progress
 *
 * The log is read newest first: a write cycle's SPFS_EV_CYCLE entry is
 * logged after all of its VMA events, so each VMA event meets the end of
 * its cycle (where pvl's lock ends) before itself; one whose cycle has not
 * ended is still locked.  Events may be seen twice (ended between the
 * reads of the table in progress and of the log); each can only make a
 * verdict worse, and writer stalls count once per cycle, so that is
 * harmless.
 *
 * Return: the number of log entries that could not be read (overwritten
 * while or before they were read).
 */
unsigned int spfs_judge(struct spfs_judgement *j, const struct spfs_fault *f,
			enum spfs_pvl_profile pvl,
			const struct spfs_judge_src *src)
{
	struct spfs_judging jg = {
		.j = j, .f = f, .vma_lock_facts = src->vma_lock_facts,
	};
	u32 cycle = 0;
	u64 cycle_end = 0, seq;
	struct spfs_event ev;
	unsigned int i, lost = 0;
	int w;

	spfs_judge_begin(j, f, pvl);
	for (w = 0; w < SPFS_NR_WINDOWS; w++)
		jg.wend[w] = spfs_window_end(f, w);
	jg.ta = f->t_vma_lock ? f->t_vma_lock : f->t0;
	if (f->flags & SPFS_F(NO_VMA)) {
		jg.vm_start = f->addr;
		jg.vm_end = f->addr + 1;
	} else {
		jg.vm_start = f->vm_start;
		jg.vm_end = f->vm_end;
	}
	jg.pmd_start = f->addr & ~(f->pmd_size - 1);
	jg.pmd_end = jg.pmd_start + f->pmd_size;

	for (seq = src->last; seq >= src->from && seq; seq--) {
		if (!src->read(src->ctx, seq, &ev)) {
			lost++;
			continue;
		}
		if (ev.type == SPFS_EV_CYCLE) {
			cycle = ev.cycle;
			cycle_end = ev.t_end;
		}
		spfs_judge_one(&jg, &ev,
			       ev.cycle && ev.cycle == cycle ? cycle_end : 0);
	}
	for (i = 0; i < src->nr_open; i++)
		spfs_judge_one(&jg, &src->open[i], 0);
	spfs_judge_end(&jg);
	return lost;
}
