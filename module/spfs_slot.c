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
		return s;
	}
	atomic_inc(&spfs_slot_overflow[home]);
	for (i = 1; i < SPFS_INFLIGHT_PROBE; i++) {
		s = spfs_slot_at(home, i);
		if (spfs_slot_take(s, task)) {
			s->far = true;
			return s;
		}
	}
	atomic_dec(&spfs_slot_overflow[home]);
	return NULL;
}
NOKPROBE_SYMBOL(spfs_slot_claim_far);

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
