// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the fault's VMA lock attempt (kernels with per-VMA locks,
 * 6.4+), between T0 and TL.
 *
 * lock_vma_under_rcu() is where a kernel with per-VMA locks tries the
 * fault without mmap_lock: when it does, and how far a fork under way has
 * write-locked the mm's VMAs then, decide pvl's verdict
 * (spfs_judge_vma()).  The probes are attached in spfs_probes.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/sched.h>

#include "spfs_ablate.h"
#include "spfs_clock.h"
#include "spfs_hooks.h"
#include "spfs_judge.h"
#include "spfs_settings.h"
#include "spfs_slot.h"
#include "spfs_track.h"

/**
 * spfs_fault_fork_front() - how far a fork under way has write-locked its VMAs
 * @s: the fault's slot
 * @smm: its mm, its write cycle seen under way (w_begin read with acquire)
 *
 * For pvl's verdict (&spfs_fault.fork_front): at T0, and again at the
 * VMA lock attempt.
 */
void spfs_fault_fork_front(struct spfs_slot *s, struct spfs_mm *smm)
{
	s->fork_cycle = READ_ONCE(smm->w_cycle);
	s->fork_front = READ_ONCE(smm->w_front);
}
NOKPROBE_SYMBOL(spfs_fault_fork_front);

/*
 * At the fault's VMA lock attempt, with a fork under way somewhere: read
 * its progress again, as the attempt meets it.  Preemption is off: an RCU
 * reader.
 */
static noinline void spfs_vma_lock_fork_front(struct spfs_slot *s)
{
	struct spfs_mm *smm = spfs_mm_lookup(s->mm);

	/* Pairs with spfs_cycle_begin(): w_cycle, w_front set before. */
	if (smm && smm->id == s->mm_id && smp_load_acquire(&smm->w_begin))
		spfs_fault_fork_front(s, smm);
}
NOKPROBE_SYMBOL(spfs_vma_lock_fork_front);

/*
 * A user fault not at TL yet tries the VMA lock now: a writer gone by then
 * does not stop it (see spfs_judge_vma()).  A lookup that found a VMA
 * detached under it walks again and checks again: the last time counts.
 * Preemption is off.
 */
static __always_inline void spfs_vma_lock_attempt(void)
{
	struct spfs_slot *s;

	if (!spfs_is_active() || SPFS_PROFILING(EMPTY))
		return;
	s = spfs_slot_mine();
	if (s && s->state == SPFS_SLOT_PENDING) {
		s->t_vma_lock = spfs_now();
		/*
		 * The kernel releases a cycle's VMA locks (mm_lock_seq made
		 * even) a little before the up_write() that stamps its end:
		 * what it says now tells a cycle over at the attempt.
		 */
		if (spfs_vma_lock_facts)
			s->lock_seq_ta = spfs_mm_lock_seq(s->mm);
		/* A fork may have begun, or gone on, since T0. */
		if (atomic_read(&spfs_cycle_forks))
			spfs_vma_lock_fork_front(s);
	}
}

/**
 * spfs_vma_lock_walked() - lock_vma_under_rcu() has found the VMA (6.4+)
 * @kp: the kprobe, on the instruction after its call of mas_walk()
 * @regs: unused
 *
 * vma_start_read(), inline, checks the VMA's write lock a few
 * instructions on: the attempt is timed here, not at the function's
 * entry, for the maple-tree walk in between is long enough for a writer
 * to take or release the lock meanwhile.  Preemption is off (a kprobe
 * handler).
 *
 * Return: 0.
 */
int notrace spfs_vma_lock_walked(struct kprobe *kp, struct pt_regs *regs)
{
	spfs_vma_lock_attempt();
	return 0;
}
NOKPROBE_SYMBOL(spfs_vma_lock_walked);

/**
 * spfs_vma_lock_enter() - lock_vma_under_rcu(mm, address) entered (6.4+)
 * @ip: the hooked function
 * @parent_ip: its caller
 * @op: the ftrace_ops
 * @fregs: its arguments
 *
 * Where the call of mas_walk() in lock_vma_under_rcu() was not found: the
 * attempt timed at the entry, before the walk.  ftrace_ops callbacks may
 * run preemptible.
 */
void notrace spfs_vma_lock_enter(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op,
				 struct ftrace_regs *fregs)
{
	preempt_disable_notrace();
	spfs_vma_lock_attempt();
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(spfs_vma_lock_enter);
