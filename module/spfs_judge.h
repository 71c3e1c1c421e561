/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the end of a fault (spfs_judge.c).
 */
#ifndef _SPFS_JUDGE_H
#define _SPFS_JUDGE_H

#include <linux/sched.h>

#include "spfs_core.h"
#include "spfs_slot.h"


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

void spfs_judge_slot(struct spfs_slot *s, u64 t1, u32 flags, u8 real);
void spfs_slot_retire(struct spfs_slot *s);
void spfs_judge_init(void);

#endif /* _SPFS_JUDGE_H */
