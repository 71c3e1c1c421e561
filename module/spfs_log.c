// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the events of a tracked mm.
 *
 * Three kinds (see &enum spfs_ev_type): VMA writes, bracketed by the
 * function that makes them; mmap_lock write cycles; page-table
 * invalidations.  An event is written to the log once, when it has ended;
 * while under way it sits in the mm's table of open events.  A fault
 * judges itself against the log entries since its T0 and the open table
 * (spfs_judge()), all read without a lock: log entries and open slots are
 * validated by a tag or state that their writer clears first and sets
 * last, and nothing is ever rewritten in place.
 *
 * The mmap_lock write cycles that VMA writes belong to are kept by
 * spfs_cycle.c.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "spfs_clock.h"
#include "spfs_settings.h"
#include "spfs_stats.h"
#include "spfs_trace.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"

/* The log's index is a sequence's low bits. */
static_assert(!(SPFS_LOG_SIZE & (SPFS_LOG_SIZE - 1)));
/* A whole tracked mm fits one 4 KiB allocation (results/performance.md). */
static_assert(sizeof(struct spfs_mm) <= 4096);
/* Page-table events are the kernel's mmu_notifier_event, cast directly. */
static_assert((int)SPFS_PT_UNMAP == (int)MMU_NOTIFY_UNMAP);
static_assert((int)SPFS_PT_CLEAR == (int)MMU_NOTIFY_CLEAR);
static_assert((int)SPFS_PT_PROTECTION_VMA == (int)MMU_NOTIFY_PROTECTION_VMA);
static_assert((int)SPFS_PT_PROTECTION_PAGE == (int)MMU_NOTIFY_PROTECTION_PAGE);
static_assert((int)SPFS_PT_SOFT_DIRTY == (int)MMU_NOTIFY_SOFT_DIRTY);
static_assert((int)SPFS_PT_RELEASE == (int)MMU_NOTIFY_RELEASE);
static_assert((int)SPFS_PT_MIGRATE == (int)MMU_NOTIFY_MIGRATE);
static_assert((int)SPFS_PT_EXCLUSIVE == (int)MMU_NOTIFY_EXCLUSIVE);

/* The tag of log sequence @seq: never 0, which marks an entry in writing. */
static u32 spfs_log_tag(u64 seq)
{
	return (u32)seq ? (u32)seq : 1;
}

/**
 * spfs_log_append() - log a finished event of a tracked mm
 * @smm: the mm's state
 * @ev: the event (its tag is ignored)
 *
 * Lock-free: any context may log, VMA writers and invalidations at once.
 *
 * Return: the event's sequence number.
 */
u64 spfs_log_append(struct spfs_mm *smm, const struct spfs_event *ev)
{
	u64 seq = atomic64_inc_return(&smm->seq);
	struct spfs_event *e = &smm->log[seq & (SPFS_LOG_SIZE - 1)];

	WRITE_ONCE(e->tag, 0);
	smp_wmb();	/* tag 0 before the contents; pairs with spfs_log_read */
	*e = *ev;
	e->tag = 0;
	/* The contents before the tag; pairs with spfs_log_read(). */
	smp_store_release(&e->tag, spfs_log_tag(seq));
	return seq;
}
NOKPROBE_SYMBOL(spfs_log_append);

/**
 * spfs_log_read() - read one logged event
 * @smm: the mm's state (a &struct spfs_mm)
 * @seq: its sequence number
 * @ev: where to copy it
 *
 * The signature of &struct spfs_judge_src's read.
 *
 * Return: false if the event was overwritten or is being written.
 */
bool spfs_log_read(const void *smm, u64 seq, struct spfs_event *ev)
{
	const struct spfs_mm *m = smm;
	const struct spfs_event *e = &m->log[seq & (SPFS_LOG_SIZE - 1)];
	u32 tag = spfs_log_tag(seq);

	/* The tag before the contents; pairs with spfs_log_append(). */
	if (smp_load_acquire(&e->tag) != tag)
		return false;
	*ev = *e;
	smp_rmb();	/* the copy before the re-check */
	return READ_ONCE(e->tag) == tag;
}
NOKPROBE_SYMBOL(spfs_log_read);

/**
 * spfs_open_begin() - make an event under way visible to faults
 * @smm: the mm's state
 * @ev: the event, t_end 0
 * @key: what its end will be looked up by (spfs_open_find()), or NULL
 *
 * Return: the slot it took, or -1 if every slot is taken: the event is
 * then invisible until it ends (counted as events_lost).
 */
int spfs_open_begin(struct spfs_mm *smm, const struct spfs_event *ev,
		    const void *key)
{
	struct spfs_open_slot *o;
	unsigned long st;
	int i;

	for (i = 0; i < SPFS_OPEN_SLOTS; i++) {
		o = &smm->open[i];
		st = READ_ONCE(o->state);
		if ((st & SPFS_OPEN_PHASE) != SPFS_OPEN_FREE ||
		    cmpxchg(&o->state, st, st | SPFS_OPEN_BUSY) != st)
			continue;
		o->key = key;
		o->ev = *ev;
		atomic_inc(&smm->nr_open);
		/* A new generation, the contents first: see the reader. */
		smp_store_release(&o->state, (st & ~SPFS_OPEN_PHASE) + 4 +
				  SPFS_OPEN_VALID);
		return i;
	}
	spfs_stat_inc(SPFS_STAT_EVENTS_LOST);
	return -1;
}
NOKPROBE_SYMBOL(spfs_open_begin);

/**
 * spfs_open_find() - the slot of an event under way
 * @smm: the mm's state
 * @key: the key it was made visible with
 *
 * Only the context that will end the event looks it up.
 *
 * Return: its slot, or -1.
 */
int spfs_open_find(struct spfs_mm *smm, const void *key)
{
	int i;

	for (i = 0; i < SPFS_OPEN_SLOTS; i++)
		if ((READ_ONCE(smm->open[i].state) & SPFS_OPEN_PHASE) ==
		    SPFS_OPEN_VALID && READ_ONCE(smm->open[i].key) == key)
			return i;
	return -1;
}
NOKPROBE_SYMBOL(spfs_open_find);

/**
 * spfs_open_end() - an event under way ends: log it, free its slot
 * @smm: the mm's state
 * @slot: its slot, from spfs_open_begin()
 * @t_end: when it ended
 *
 * Return: its log sequence.
 */
u64 spfs_open_end(struct spfs_mm *smm, int slot, u64 t_end)
{
	struct spfs_open_slot *o = &smm->open[slot];
	unsigned long st = READ_ONCE(o->state);
	struct spfs_event ev;
	u64 seq;

	ev = o->ev;
	ev.t_end = t_end;
	seq = spfs_log_append(smm, &ev);
	atomic_dec(&smm->nr_open);
	/*
	 * In the log before it leaves the table: a judge that reads the
	 * table and then the log's last sequence (spfs_judge_slot()) finds it
	 * in one or both.  Pairs with spfs_open_snapshot().
	 */
	smp_store_release(&o->state, st & ~SPFS_OPEN_PHASE);
	return seq;
}
NOKPROBE_SYMBOL(spfs_open_end);

/**
 * spfs_open_snapshot() - copy the events under way, for a judgement
 * @smm: the mm's state
 * @evs: where to put them
 * @max: room in @evs, at least SPFS_OPEN_SLOTS + 1
 *
 * The write cycle in progress, if any, comes as an SPFS_EV_CYCLE event
 * with t_end 0.
 *
 * Return: the number of events copied.
 */
unsigned int spfs_open_snapshot(struct spfs_mm *smm, struct spfs_event *evs,
				unsigned int max)
{
	unsigned int n = 0;
	unsigned long st;
	u64 begin;
	int i;

	for (i = 0; i < SPFS_OPEN_SLOTS && n < max; i++) {
		const struct spfs_open_slot *o = &smm->open[i];

		/* The state before the contents; pairs with the writers. */
		st = smp_load_acquire(&o->state);
		if ((st & SPFS_OPEN_PHASE) != SPFS_OPEN_VALID)
			continue;
		evs[n] = o->ev;
		smp_rmb();	/* the copy before the re-check */
		if (READ_ONCE(o->state) == st)
			n++;
	}
	/* Pairs with spfs_cycle_begin(): the rest is in place. */
	begin = smp_load_acquire(&smm->w_begin);
	if (begin && n < max) {
		struct task_struct *w = READ_ONCE(smm->w_task);

		evs[n++] = (struct spfs_event){
			.type = SPFS_EV_CYCLE, .t_begin = begin,
			.start = 0, .end = ULONG_MAX,
			.cycle = READ_ONCE(smm->w_cycle),
			.cause = READ_ONCE(smm->w_cause),
			.tid = w ? task_pid_nr(w) : 0,
		};
	}
	return n;
}
NOKPROBE_SYMBOL(spfs_open_snapshot);

/* ------------------------------------------------------------------ */
/* Page-table invalidations                                             */

/**
 * spfs_pt_begin() - an invalidation of a tracked mm begins
 * @smm: the mm's state
 * @range: the notifier's range: its address identifies it at the end
 *
 * From the notifier's invalidate_range_start(), in any context.
 */
void spfs_pt_begin(struct spfs_mm *smm, const struct mmu_notifier_range *range)
{
	struct spfs_event ev = {
		.type = SPFS_EV_PT, .start = range->start, .end = range->end,
		.tid = current->pid,
	};

	ev.kind = (int)range->event < SPFS_PT_OTHER ? (int)range->event :
						       SPFS_PT_OTHER;
	if (READ_ONCE(smm->w_begin) && READ_ONCE(smm->w_task) == current)
		ev.flags = SPFS_EVF_WRITER;
	ev.t_begin = spfs_now();
	spfs_open_begin(smm, &ev, range);
}

/**
 * spfs_pt_end() - an invalidation of a tracked mm ends
 * @smm: the mm's state
 * @range: the notifier's range
 *
 * One whose beginning found no open slot is logged as taking no time.
 */
void spfs_pt_end(struct spfs_mm *smm, const struct mmu_notifier_range *range)
{
	int slot = spfs_open_find(smm, range);
	u64 now = spfs_now(), seq;
	struct spfs_event ev;

	if (slot >= 0) {
		ev.kind = smm->open[slot].ev.kind;
		seq = spfs_open_end(smm, slot, now);
	} else {
		ev = (struct spfs_event){
			.type = SPFS_EV_PT, .start = range->start,
			.end = range->end, .tid = current->pid,
			.t_begin = now, .t_end = now,
		};
		ev.kind = (int)range->event < SPFS_PT_OTHER ?
			  (int)range->event : SPFS_PT_OTHER;
		seq = spfs_log_append(smm, &ev);
	}
	trace_pt_event(smm->tgid, ev.kind, 0, range->start, range->end, seq);
	spfs_stat_inc(SPFS_STAT_EVENTS_PT);
}
