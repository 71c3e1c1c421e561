/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: faults in flight (spfs_slot.c).
 *
 * Per-task state between T0 and the end of a fault lives in a
 * preallocated table indexed by task: no lock, no allocation, and only the
 * owning task claims, fills, finds and frees its slot (the exit hook runs
 * in the exiting task too).
 */
#ifndef _SPFS_SLOT_H
#define _SPFS_SLOT_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/hash.h>
#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/sched.h>

#include "spfs_ablate.h"
#include "spfs_classify.h"
#include "spfs_core.h"

struct spfs_mm;

/*
 * @s is not NULL, whatever the compiler can tell: the kernel builds with
 * -fno-delete-null-pointer-checks, and the hooks' "if (s)" after an
 * inline look-up would stay on its fast path, where @s is known.  Not
 * unreachable(): its objtool annotation keeps the check.
 */
#define spfs_slot_nonnull(s)			\
	do {					\
		if (!(s))			\
			__builtin_unreachable();	\
	} while (0)

/**
 * enum spfs_slot_state - where a fault in flight is
 * @SPFS_SLOT_PENDING: T0 seen, its handle_mm_fault() not yet
 * @SPFS_SLOT_IN: in the fault's first handle_mm_fault() call
 * @SPFS_SLOT_RETRYING: that call returned VM_FAULT_RETRY; the fault was
 *			judged at the retry, the slot waits for its end
 */
enum spfs_slot_state {
	SPFS_SLOT_PENDING,
	SPFS_SLOT_IN,
	SPFS_SLOT_RETRYING,
};

/**
 * struct spfs_slot - a fault in flight
 * @task: the owner, or NULL if free (claimed with cmpxchg)
 * @mm: the mm at T0
 * @smm: its &struct spfs_mm at T0, which T1 judges with: taken out of
 *	 every slot before it is freed (spfs_slot_forget_mm())
 * @mm_id: the &struct spfs_mm id of @mm at T0
 * @t0: T0 (spfs_now())
 * @tl: TL
 * @t_vma_lock: when lock_vma_under_rcu() was entered (6.4+), or 0
 * @addr: the faulting address
 * @ip: the user instruction pointer at T0: TL takes only the fault made
 *	there (a kernel fault writing a signal frame is another fault)
 * @scan_from: the first log sequence that may hold an event of the window
 * @pmd: the PMD entry the T0 walk read, when it found a PTE table
 * @path: the way down of the task's last walk: T1 takes T0's, and the
 *	  next fault of the task, often in the same PMD range, too; kept
 *	  when the slot is freed (spfs_walk())
 * @vm_start: the VMA's start at TL
 * @vm_end: its end
 * @flt: the task's minor + major fault counts at TL: mm_account_fault()
 *	 moves them only for a fault that completed (not retried, no error)
 * @lock_seq: the mm's lock sequence at T0 (kernels with per-VMA locks),
 *	      0 if not read
 * @lock_seq_ta: the same at the VMA lock attempt (@t_vma_lock), 0 if not
 *		 read
 * @fork_cycle: the write cycle under way at T0, if @fork_front is not 0
 * @fork_front: how far a fork under way at T0 had write-locked the VMAs
 *		(&spfs_mm.w_front), 0 if none
 * @state: &enum spfs_slot_state
 * @flags: SPFS_F() flags known so far
 * @vma_locked: the first handle_mm_fault() ran under the VMA lock
 * @vma_written: the kernel says the VMA was write-locked between T0 and
 *		 TL (spfs_vma_locked_since())
 * @far: not the task's home slot: counted in spfs_slot_overflow
 */
struct spfs_slot {
	struct task_struct *task;
	struct mm_struct *mm;
	struct spfs_mm *smm;
	u64 mm_id;
	u64 t0, tl, t_vma_lock;
	u64 addr;
	unsigned long ip;
	u64 scan_from;
	unsigned long pmd;
	struct spfs_path path;
	u64 vm_start, vm_end;
	unsigned long flt;
	u64 fork_front;
	u32 lock_seq;
	u32 lock_seq_ta;
	u32 fork_cycle;
	u32 state;
	u32 flags;
	bool vma_locked;
	bool vma_written;
	bool far;
} ____cacheline_aligned;

/* Tasks in a fault at once, at most: a power of two, for hash_ptr(). */
#define SPFS_INFLIGHT_BITS	10
#define SPFS_INFLIGHT_SIZE	(1U << SPFS_INFLIGHT_BITS)
/* Slots looked at from a task's home slot before giving up. */
#define SPFS_INFLIGHT_PROBE	16

extern struct spfs_slot spfs_slots[SPFS_INFLIGHT_SIZE];
extern atomic_t spfs_slot_overflow[SPFS_INFLIGHT_SIZE];
DECLARE_PER_CPU(struct spfs_slot *, spfs_slot_last);

static __always_inline unsigned int spfs_slot_home(struct task_struct *task)
{
	return hash_ptr(task, SPFS_INFLIGHT_BITS);
}

static __always_inline struct spfs_slot *spfs_slot_at(unsigned int home,
						      unsigned int i)
{
	return &spfs_slots[(home + i) & (SPFS_INFLIGHT_SIZE - 1)];
}

/* A profile build's second lookup (spfs_ablate.h), its result unused. */
static __always_inline void spfs_slot_find_again(struct task_struct *task)
{
	unsigned int home = spfs_slot_home(task), i;
	struct spfs_slot *s = spfs_slot_at(home, 0);

	if (READ_ONCE(s->task) != task && atomic_read(&spfs_slot_overflow[home]))
		for (i = 1; i < SPFS_INFLIGHT_PROBE; i++) {
			s = spfs_slot_at(home, i);
			if (READ_ONCE(s->task) == task)
				break;
		}
	OPTIMIZER_HIDE_VAR(s);
}

/**
 * spfs_slot_find_at() - the slot of a task's fault in flight, from its home
 * @task: the task (current)
 * @home: its home slot, spfs_slot_home()
 *
 * Inline: every fault of the system, tracked or not, looks.
 *
 * Return: its slot, or NULL.
 */
static __always_inline struct spfs_slot *
spfs_slot_find_at(struct task_struct *task, unsigned int home)
{
	struct spfs_slot *s = spfs_slot_at(home, 0);
	unsigned int i;

	if (SPFS_PROFILING(TWICE_SLOT))
		spfs_slot_find_again(task);
	if (READ_ONCE(s->task) == task)
		return s;
	if (!atomic_read(&spfs_slot_overflow[home]))
		return NULL;
	for (i = 1; i < SPFS_INFLIGHT_PROBE; i++) {
		s = spfs_slot_at(home, i);
		if (READ_ONCE(s->task) == task)
			return s;
	}
	return NULL;
}

/**
 * spfs_slot_find() - the slot of a task's fault in flight
 * @task: the task (current)
 *
 * Return: its slot, or NULL.
 */
static __always_inline struct spfs_slot *
spfs_slot_find(struct task_struct *task)
{
	return spfs_slot_find_at(task, spfs_slot_home(task));
}

/**
 * spfs_slot_mine() - the slot of the current task's fault in flight
 *
 * A fault nearly always runs from T0 to its end on the CPU it began on,
 * and this CPU's last claimed slot is then its own: one load and a
 * compare where spfs_slot_find() hashes the task.  A slot is the current
 * task's while its owner is: only the owner frees it, and only a free
 * slot is claimed.  Inline: TL and T1 look at every fault.
 *
 * Return: its slot, or NULL.
 */
static __always_inline struct spfs_slot *spfs_slot_mine(void)
{
	struct spfs_slot *s = this_cpu_read(spfs_slot_last);

	if (likely(READ_ONCE(s->task) == current)) {
		spfs_slot_nonnull(s);	/* set at load: spfs_slot_init() */
		return s;
	}
	return spfs_slot_find(current);
}

struct spfs_slot *spfs_slot_claim_far(struct task_struct *task);

/**
 * spfs_slot_claim_at() - take a slot for a task's new fault
 * @task: the task (current), which has none
 * @home: its home slot, spfs_slot_home(): T0 has it from its look for a
 *	  slot left over
 *
 * Inline, its home slot: every followed fault claims one, nearly always
 * there; spfs_slot_claim_far() looks further.  The slot becomes this
 * CPU's last claimed (spfs_slot_mine()).
 *
 * Return: the slot, or NULL if its home and the slots after it are all
 * taken.
 */
static __always_inline struct spfs_slot *
spfs_slot_claim_at(struct task_struct *task, unsigned int home)
{
	struct spfs_slot *s = spfs_slot_at(home, 0);

	if (!READ_ONCE(s->task) && !cmpxchg(&s->task, NULL, task)) {
		s->far = false;
		this_cpu_write(spfs_slot_last, s);
		spfs_slot_nonnull(s);	/* an element of spfs_slots[] */
		return s;
	}
	return spfs_slot_claim_far(task);
}

/**
 * spfs_slot_free() - a task's fault is done with
 * @s: its slot
 *
 * Inline: every followed fault frees its slot.
 */
static __always_inline void spfs_slot_free(struct spfs_slot *s)
{
	unsigned int home = 0;
	bool far = s->far;

	if (unlikely(far))
		home = spfs_slot_home(s->task);
	/* The slot's contents are done with before another task claims it. */
	smp_store_release(&s->task, NULL);
	if (unlikely(far))
		atomic_dec(&spfs_slot_overflow[home]);
}

void spfs_slot_forget_mm(struct spfs_mm *smm);
void spfs_slot_init(void);
void spfs_slot_exit(void);

#endif /* _SPFS_SLOT_H */
