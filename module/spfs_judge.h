/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the end of a fault (spfs_judge.c).
 */
#ifndef _SPFS_JUDGE_H
#define _SPFS_JUDGE_H

#include <linux/sched.h>

#include "spfs_ablate.h"
#include "spfs_account.h"
#include "spfs_core.h"
#include "spfs_settings.h"
#include "spfs_slot.h"
#include "spfs_stats.h"
#include "spfs_track.h"
#include "spfs_walk.h"
#include "wrapper/vma_lock.h"

/*
 * The task's minor and major fault counts: mm_account_fault() moves them
 * for a fault that neither retried nor failed.
 */
static __always_inline unsigned long spfs_task_faults(void)
{
	return current->min_flt + current->maj_flt;
}

/*
 * Every hook of the fault path runs with preemption off - tracepoint
 * probes, and the ftrace_ops callbacks, which disable it themselves - and
 * so inside an RCU read-side critical section (any flavour, since RCU's
 * were merged in 4.20): what looking up an mm and walking its page tables
 * need, without the calls of rcu_read_lock(), which a preemptible-RCU
 * kernel makes out of line.
 */
static __always_inline void spfs_assert_rcu_reader(void)
{
	lockdep_assert_preemption_disabled();
}

/**
 * spfs_real() - what a kernel with per-VMA locks did with a fault
 * @s: its slot
 * @retried: the fault retried (or failed)
 *
 * Inline: T1 asks at every fault.
 *
 * Return: an &enum spfs_real.
 */
static __always_inline u8 spfs_real(const struct spfs_slot *s,
				     bool retried)
{
	if (!s->vma_locked)
		return SPFS_REAL_MMAP;
	return retried ? SPFS_REAL_LOCKED_RETRY : SPFS_REAL_LOCKED;
}

/* spfs_unclean_flags() of spfs_pvl, set at load (spfs_judge_init()). */
extern u32 spfs_unclean;

void spfs_judge_events(struct spfs_slot *s, struct spfs_mm *smm, u64 t1,
		       u32 flags, struct spfs_outcome out, bool clean);

/*
 * pmd_same() at commit, at T1: did the PMD entry T0's walk read change?
 * @quiet: nothing logged in the fault's mm since T0 and nothing under
 * way - no write cycle has freed or moved page tables since that walk
 * (free_pgtables() and move_page_tables() run in write cycles only, each
 * logged at its end or under way until then), and the fault's lock keeps
 * its VMA's tables from now on: the way the walk went down still leads
 * to the entry, which is read without checking the upper ones again.
 */
static __always_inline bool spfs_commit_pmd_changed(struct spfs_slot *s,
						    bool quiet)
{
	if (s->flags & (SPFS_F(NO_PAGE_TABLE) | SPFS_F(HUGE_PMD)))
		return false;
	if (SPFS_PROFILING(TWICE_WALK)) {
		bool changed = spfs_pmd_changed(s->mm, s->addr, s->pmd,
						&s->path, quiet);

		OPTIMIZER_HIDE_VAR(changed);
	}
	return spfs_pmd_changed(s->mm, s->addr, s->pmd, &s->path, quiet);
}

/**
 * __spfs_judge_slot() - judge a fault and count it
 * @s: its slot
 * @t1: when it ended
 * @flags: SPFS_F() flags its end adds (a retry, a completion, ...)
 * @real: what the kernel did, spfs_real()
 * @commit: the end is T1, the fault's lock held: check the PMD entry as
 *	    the designs' commit does
 *
 * Under RCU (preemption off), in the faulting task.  Inline: T1's, at
 * every followed fault; spfs_judge_slot() for the other ends.
 */
static __always_inline void __spfs_judge_slot(struct spfs_slot *s, u64 t1,
					      u32 flags, u8 real, bool commit)
{
	struct spfs_outcome out = {
		.real = real, .facts = SPFS_HAVE_VMA_LOCK && spfs_vma_lock_facts,
		.vma_written = s->vma_written,
	};
	struct spfs_mm *smm;
	bool quiet, clean;

	if (SPFS_ABLATING_JUDGE) {
		if (commit)
			spfs_commit_pmd_changed(s, false);
		return;
	}
	spfs_assert_rcu_reader();
	/* Freed a grace period after it is taken out of the slot. */
	smm = READ_ONCE(s->smm);
	if (!smm || smm->id != s->mm_id) {
		/* The mm it began in is gone (exec, exit): not its own. */
		spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
		return;
	}
	/*
	 * Nothing under way, nothing logged since the window opened: the
	 * verdicts follow from the flags - for most faults, success under
	 * every rule, counted without making the judgement.  What is under
	 * way is read before the log's end: an event that ends meanwhile is
	 * logged before it leaves the table (spfs_open_end()).
	 */
	quiet = !atomic_read(&smm->nr_open) &&
		/* Pairs with spfs_cycle_begin(): its state set before. */
		!smp_load_acquire(&smm->w_begin) &&
		atomic64_read(&smm->seq) < s->scan_from;
	if (commit && spfs_commit_pmd_changed(s, quiet)) {
		flags |= SPFS_F(PMD_CHANGED);
		spfs_stat_inc(SPFS_STAT_PMD_CHANGED);
	}
	flags |= s->flags;
	clean = quiet && !(flags & spfs_unclean);
	if (clean && spfs_account_clean(smm, s->t0, s->tl, t1, out.real,
					out.facts && out.vma_written))
		return;
	spfs_judge_events(s, smm, t1, flags, out, clean);
}

void spfs_judge_slot(struct spfs_slot *s, u64 t1, u32 flags, u8 real);
void spfs_slot_retire(struct spfs_slot *s);
void spfs_judge_init(void);

#endif /* _SPFS_JUDGE_H */
