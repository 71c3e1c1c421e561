// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the end of a fault.
 *
 * The hooks of spfs_fault.c fill a fault's slot from T0 to its end; here
 * the events its mm logged in its windows are gathered (the log, and the
 * events still under way), the kernel-independent core judges them
 * (spfs_judge()), and spfs_account() counts the judgement.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "spfs_ablate.h"
#include "spfs_account.h"
#include "spfs_judge.h"
#include "spfs_settings.h"
#include "spfs_slot.h"
#include "spfs_stats.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"

/* spfs_unclean_flags() of spfs_pvl, set at load. */
u32 spfs_unclean __read_mostly;

/**
 * spfs_judge_init() - prepare for judging: the settings are known
 */
void spfs_judge_init(void)
{
	spfs_unclean = spfs_unclean_flags(spfs_pvl);
}

/*
 * A fault that is not clean, or whose counting needs more than the
 * clean fault's few counters (spfs_account_clean()): the fault as the
 * core sees it, and with @clean false the events of its windows judged.
 * Apart from __spfs_judge_slot(): what it puts on the stack (the fault,
 * the events under way) is written at every call.
 */
noinline void spfs_judge_events(struct spfs_slot *s, struct spfs_mm *smm,
				u64 t1, u32 flags, struct spfs_outcome out,
				bool clean)
{
	struct spfs_event open[SPFS_OPEN_SLOTS + 1];
	struct spfs_fault f = {
		.t0 = s->t0, .tl = s->tl, .t1 = t1,
		.t_vma_lock = s->t_vma_lock, .addr = s->addr,
		.vm_start = s->vm_start, .vm_end = s->vm_end,
		.flags = flags, .tid = current->pid,
		.pmd_size = PMD_SIZE,
		/* An odd count is the cycle under way; even, the next one. */
		.cycle_t0 = s->lock_seq ? s->lock_seq | 1 : 0,
		.cycle_ta = s->t_vma_lock && s->lock_seq_ta ?
			    s->lock_seq_ta | 1 : 0,
		.fork_cycle = s->fork_cycle, .fork_front = s->fork_front,
	};
	struct spfs_judge_src src = {
		.read = spfs_log_read, .ctx = smm, .from = s->scan_from,
		.open = open, .vma_lock_facts = out.facts,
	};
	struct spfs_judgement j;

	if (clean) {
		spfs_account(smm, &f, NULL, &out);
		return;
	}
	src.nr_open = spfs_open_snapshot(smm, open, ARRAY_SIZE(open));
	src.last = atomic64_read(&smm->seq);
	if (src.last >= src.from && src.last - src.from >= SPFS_LOG_SIZE) {
		/* Part of the window is overwritten: judge with the rest. */
		spfs_stat_inc(SPFS_STAT_LOG_OVERFLOW);
		src.from = src.last - SPFS_LOG_SIZE + 1;
		spfs_judge(&j, &f, spfs_pvl, &src);
	} else if (spfs_judge(&j, &f, spfs_pvl, &src)) {
		spfs_stat_inc(SPFS_STAT_LOG_OVERFLOW);
	}
	spfs_account(smm, &f, &j, &out);
}
NOKPROBE_SYMBOL(spfs_judge_events);

/**
 * spfs_judge_slot() - judge a fault and count it, out of T1's way
 * @s: its slot
 * @t1: when it ended
 * @flags: SPFS_F() flags its end adds (a retry, a completion, ...)
 * @real: what the kernel did, spfs_real()
 *
 * __spfs_judge_slot() for the ends that are not T1: a retry, a fault
 * ended late.  Under RCU (preemption off), in the faulting task.
 */
void spfs_judge_slot(struct spfs_slot *s, u64 t1, u32 flags, u8 real)
{
	__spfs_judge_slot(s, t1, flags, real, false);
}
NOKPROBE_SYMBOL(spfs_judge_slot);

/*
 * A fault that never reached handle_mm_fault(): no VMA, or one it may not
 * access (SIGSEGV), or the task died in between.  Still a fault.
 */
static void spfs_account_no_vma(struct spfs_slot *s)
{
	struct spfs_fault f = {
		.t0 = s->t0, .tl = s->t0, .t1 = s->t0, .addr = s->addr,
		.flags = SPFS_F(NO_VMA), .tid = current->pid,
		.pmd_size = PMD_SIZE,
	};
	struct spfs_outcome out = { .real = SPFS_REAL_NONE };
	struct spfs_judgement j;
	struct spfs_mm *smm;

	spfs_assert_rcu_reader();
	smm = spfs_mm_lookup(s->mm);
	if (!smm || smm->id != s->mm_id) {
		spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
		return;
	}
	spfs_judge_begin(&j, &f, spfs_pvl);
	spfs_account(smm, &f, &j, &out);
}
NOKPROBE_SYMBOL(spfs_account_no_vma);

/**
 * spfs_slot_retire() - count what a task's slot holds from an earlier fault
 * @s: the slot
 *
 * A fault whose end was not seen: one that never reached handle_mm_fault(),
 * or one left in its first call (judged with its window ending at TL, the
 * last point known; completed or not as the task's fault counts say).
 */
void spfs_slot_retire(struct spfs_slot *s)
{
	bool completed;

	switch (s->state) {
	case SPFS_SLOT_PENDING:
		spfs_account_no_vma(s);
		break;
	case SPFS_SLOT_IN:
		completed = spfs_task_faults() != s->flt;
		spfs_stat_inc(SPFS_STAT_FAULTS_LATE);
		spfs_judge_slot(s, s->tl, SPFS_F(LATE) |
				(completed ? SPFS_F(COMPLETED) :
					     SPFS_F(REAL_RETRY)),
				spfs_real(s, !completed));
		break;
	}
}
NOKPROBE_SYMBOL(spfs_slot_retire);

