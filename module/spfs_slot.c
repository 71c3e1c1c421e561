// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the table of faults in flight.
 *
 * A task's slot is its home slot, by hash, if that was free when the task
 * claimed one, else one of the next SPFS_INFLIGHT_PROBE - 1; per home,
 * spfs_slot_overflow counts the tasks placed further on.  Every fault of
 * the system passes here, most of them of untracked processes: a task
 * without a slot looks at its home slot and, only if another task holds
 * it and some task of that home overflowed, at the others.  A claim and a
 * free at home write nothing shared.
 */
#include <linux/kprobes.h>
#include <linux/string.h>

#include "spfs_slot.h"

struct spfs_slot spfs_slots[SPFS_INFLIGHT_SIZE];
atomic_t spfs_slot_overflow[SPFS_INFLIGHT_SIZE];
/* Never NULL once loaded (spfs_slot_init()): read without a test. */
DEFINE_PER_CPU(struct spfs_slot *, spfs_slot_last);

static bool spfs_slot_take(struct spfs_slot *s, struct task_struct *task)
{
	return !READ_ONCE(s->task) && !cmpxchg(&s->task, NULL, task);
}

/**
 * spfs_slot_claim_far() - take a slot for a task's new fault, its home
 *			   slot taken
 * @task: the task (current), which has none
 *
 * Return: the slot, or NULL if its home and the slots after it are all
 * taken.
 */
struct spfs_slot *spfs_slot_claim_far(struct task_struct *task)
{
	unsigned int home = spfs_slot_home(task), i;
	struct spfs_slot *s = spfs_slot_at(home, 0);

	if (spfs_slot_take(s, task)) {
		s->far = false;
		this_cpu_write(spfs_slot_last, s);
		return s;
	}
	atomic_inc(&spfs_slot_overflow[home]);
	for (i = 1; i < SPFS_INFLIGHT_PROBE; i++) {
		s = spfs_slot_at(home, i);
		if (spfs_slot_take(s, task)) {
			s->far = true;
			this_cpu_write(spfs_slot_last, s);
			return s;
		}
	}
	atomic_dec(&spfs_slot_overflow[home]);
	return NULL;
}
NOKPROBE_SYMBOL(spfs_slot_claim_far);

/**
 * spfs_slot_forget_mm() - take a tracked mm's state out of every slot
 * @smm: unhashed a grace period ago: no T0 finds it any more
 *
 * Before it is freed: a slot holds it from its fault's T0 to the fault's
 * end, for T1 to judge with, without looking it up again.
 */
void spfs_slot_forget_mm(struct spfs_mm *smm)
{
	unsigned int i;

	for (i = 0; i < SPFS_INFLIGHT_SIZE; i++)
		if (READ_ONCE(spfs_slots[i].smm) == smm)
			cmpxchg(&spfs_slots[i].smm, smm, NULL);
}

/**
 * spfs_slot_init() - point every CPU's last claimed slot at a slot
 *
 * At load, before any hook.
 */
void spfs_slot_init(void)
{
	int cpu;

	/*
	 * Not a static initializer: a module's per-CPU template is copied
	 * unrelocated, and a pointer in it would be NULL.
	 */
	for_each_possible_cpu(cpu)
		per_cpu(spfs_slot_last, cpu) = spfs_slots;
}

/**
 * spfs_slot_exit() - forget the faults in flight
 *
 * Call after every hook is unregistered and synchronized.
 */
void spfs_slot_exit(void)
{
	memset(spfs_slots, 0, sizeof(spfs_slots));
	memset(spfs_slot_overflow, 0, sizeof(spfs_slot_overflow));
}
