/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: tracked processes (spfs_track.c) and the events of their mm
 * (spfs_log.c).
 *
 * A tracked mm has an mmu notifier and a log of its events: VMA writes,
 * mmap_lock write cycles and page-table invalidations.  The log holds
 * finished events only, each written once; those still under way sit in
 * a small table beside it, so that nothing is ever rewritten in place
 * while a fault may be reading it.
 */
#ifndef _SPFS_TRACK_H
#define _SPFS_TRACK_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/hashtable.h>
#include <linux/jump_label.h>
#include <linux/mmu_notifier.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched.h>

#include "spfs_ablate.h"
#include "spfs_core.h"

/* Entries of a per-mm event log; a power of two (spfs_log_append()). */
#define SPFS_LOG_SIZE		64
/*
 * Events under way at once in one mm that faults can see: the writer's
 * nested VMA write paths and its VMA lock (up to four, a madvise() split
 * on 6.18), and zaps, two events each, which MADV_DONTNEED makes under
 * a VMA read lock beside the writer on 6.18 and later.  As many as fit
 * in 4 KiB with the log.
 */
#define SPFS_OPEN_SLOTS		7
/* VMA write locks of one write cycle whose time is kept (6.12). */
#define SPFS_CYCLE_LOCKS	8
/* Ranges of one write cycle searched for write-locked VMAs at its end. */
#define SPFS_CYCLE_RANGES	4

/**
 * struct spfs_open_slot - an event under way
 * @state: the slot's generation << 2 | SPFS_OPEN_FREE, _BUSY or _VALID:
 *	   readers take an event only if the state was valid before and is
 *	   unchanged after their copy
 * @key: what identifies the event to whoever ends it (the notifier range
 *	 of an invalidation), or NULL
 * @ev: the event, t_end 0
 */
struct spfs_open_slot {
	unsigned long state;
	const void *key;
	struct spfs_event ev;
};

#define SPFS_OPEN_FREE		0UL
#define SPFS_OPEN_BUSY		1UL
#define SPFS_OPEN_VALID		2UL
#define SPFS_OPEN_PHASE		3UL

/**
 * struct spfs_cycle_lock - a VMA write lock a writer took (6.12)
 * @sem: the VMA's lock (vma->vm_lock->lock), as the writer's down_write()
 *	 saw it
 * @t: when the writer asked for it
 */
struct spfs_cycle_lock {
	const void *sem;
	u64 t;
};

/**
 * struct spfs_range - an address range of a write cycle
 * @start: first address
 * @end: end (exclusive)
 */
struct spfs_range {
	u64 start, end;
};

/**
 * struct spfs_mm - a tracked process's mm
 * @mn: our mmu notifier subscription (mmu_notifier_get/put); holds the
 *	mm with mmgrab() while it exists
 * @hnode: in the tracked-mm hash table, for lookups from probes (RCU)
 * @mm: the mm, as a key; never dereferenced but through @mn's lifetime
 * @id: a number no other tracked mm had: a fault that began in this mm
 *	recognises it even if the mm was freed and its address reused
 * @tgid: the process that was tracked
 * @comm: its command name when tracking began
 * @flags: SPFS_MM_* bits
 * @seq: sequence of the last logged event
 * @nr_open: slots of @open in use
 * @w_begin: start (spfs_now()) of the mmap_lock write cycle in progress, 0 if none
 * @w_first_seq: the first log sequence of that cycle
 * @w_task: the writer
 * @w_cycle: the number of the cycle in progress or of the last one
 * @w_lock_seq: the vm_lock_seq the cycle's VMA write locks set
 * @w_cause: what the writer is doing (&enum spfs_cause)
 * @w_nlocks: entries of @w_locks used
 * @w_nranges: entries of @w_ranges used
 * @w_all: more ranges than @w_ranges holds: the whole mm is searched
 * @w_unfound: VMA write locks of this cycle not found when taken
 * @w_fork_slot: the open slot of the fork event of this cycle, or -1
 * @w_fork_counted: this cycle is a fork counted in &spfs_cycle_forks
 * @w_cursor: where the next search of the whole mm for a VMA lock starts
 * @w_front: in a fork, the end of the last VMA it write-locked (those
 *	     below are locked, dup_mmap() going in address order), else 0
 * @w_front_next: in a fork, the end of the VMA whose lock it waits for
 * @w_front_start: that VMA's start
 * @w_front_ask: when the fork asked for that lock
 * @w_front_held: when readers were out of it for good: the fork queued,
 *		  or the last fault in it left; 0 if not yet
 * @w_front_sem: that VMA's lock, NULL if none is waited for
 * @w_front_vma: where the VMA lock is out of line, the VMA the fork is
 *		 write-locking (its end in @w_front_next), NULL if none
 * @w_front_queued: the fork queued for that lock
 * @w_locks: VMA write locks taken in this cycle, and when
 * @w_ranges: ranges this cycle changed, where its VMA locks are looked for
 * @open: events under way
 * @faults: user faults judged for this process
 * @races: per rule, those of them whose service window raced
 * @others: per rule, those neither a success nor a race (ineligible, or
 *	    retried by the real fault); the rest are successes, so that the
 *	    common fault, a success under every rule, costs one atomic
 * @rcu: for freeing after RCU readers (probes) are done
 * @log: the event log, finished events only
 *
 * The w_* members are written by the writer alone, under the mm's
 * mmap_lock held for write; faults read @w_begin (and what it publishes)
 * locklessly.
 */
struct spfs_mm {
	struct mmu_notifier mn;
	struct hlist_node hnode;
	struct mm_struct *mm;
	u64 id;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
	unsigned long flags;
	atomic64_t seq;
	atomic_t nr_open;
	u64 w_begin;
	u64 w_first_seq;
	struct task_struct *w_task;
	u32 w_cycle;
	u32 w_lock_seq;
	u8 w_cause;
	u8 w_nlocks;
	u8 w_nranges;
	bool w_all;
	u8 w_unfound;
	int w_fork_slot;
	bool w_fork_counted;
	unsigned long w_cursor;
	unsigned long w_front;
	unsigned long w_front_next;
	unsigned long w_front_start;
	u64 w_front_ask;
	u64 w_front_held;
	const void *w_front_sem;
	const void *w_front_vma;
	bool w_front_queued;
	struct spfs_cycle_lock w_locks[SPFS_CYCLE_LOCKS];
	struct spfs_range w_ranges[SPFS_CYCLE_RANGES];
	struct spfs_open_slot open[SPFS_OPEN_SLOTS];
	/* Written by the process's every fault: off the lines read at T0. */
	atomic_long_t faults ____cacheline_aligned;
	atomic_long_t races[SPFS_NR_RULES];
	atomic_long_t others[SPFS_NR_RULES];
	struct rcu_head rcu;
	struct spfs_event log[SPFS_LOG_SIZE];
};

#define SPFS_MM_HASHED		0	/* in the hash table */
#define SPFS_MM_PUT		1	/* our reference is being dropped */

/*
 * Every fault looks its mm up, walking its bucket: 8,192 buckets keep a
 * thousand tracked mms mostly one to a bucket (64 KiB).
 */
#define SPFS_MM_HASH_BITS	13
extern struct hlist_head spfs_mm_hash[1 << SPFS_MM_HASH_BITS];

/**
 * spfs_mm_lookup() - the tracking state of an mm
 * @mm: the mm
 *
 * Call under rcu_read_lock() (or with preemption disabled, as tracepoint
 * and kprobe handlers are); the result is valid until it is released.
 *
 * Return: the &struct spfs_mm, or NULL if @mm is not tracked.
 */
static inline struct spfs_mm *spfs_mm_lookup(struct mm_struct *mm)
{
	struct spfs_mm *smm;

	hash_for_each_possible_rcu(spfs_mm_hash, smm, hnode,
				   (unsigned long)mm)
		if (smm->mm == mm)
			return smm;
	return NULL;
}

/* Each CPU's last tracked mm found by a fault (spfs_mm_find()). */
DECLARE_PER_CPU(struct spfs_mm *, spfs_mm_last);

/* @smm is this CPU's last, still tracked, and @mm's. */
static __always_inline bool spfs_mm_is_last(struct spfs_mm *smm,
					    struct mm_struct *mm)
{
	return smm && smm->mm == mm && test_bit(SPFS_MM_HASHED, &smm->flags);
}

/* A profile build's second look at the last mm (spfs_ablate.h). */
static __always_inline void spfs_mm_find_again(struct mm_struct *mm)
{
	bool hit = spfs_mm_is_last(this_cpu_read(spfs_mm_last), mm);

	OPTIMIZER_HIDE_VAR(hit);
}

/**
 * spfs_mm_find() - spfs_mm_lookup() for the fault path
 * @mm: the mm
 *
 * Every followed fault looks its mm up at T0 and again at T1, and a CPU's
 * next fault is most often the same process's.  So each CPU keeps the
 * last tracked mm it found, and those lookups cost the same however many
 * mms are tracked: the hash chain of a thousand costs about eight
 * instructions more per mm before the fault's own.  The entry is a hint:
 * it is used only while still hashed (an mm_struct freed and allocated
 * again may sit at the address it names), and the &struct spfs_mm is not
 * freed before every CPU's entry has let go of it (spfs_mm_forget()).
 *
 * Call with preemption disabled (tracepoint, kprobe and ftrace handlers).
 *
 * Return: the &struct spfs_mm, or NULL if @mm is not tracked.
 */
static __always_inline struct spfs_mm *spfs_mm_find(struct mm_struct *mm)
{
	struct spfs_mm *smm = this_cpu_read(spfs_mm_last);

	if (SPFS_PROFILING(TWICE_LOOKUP))
		spfs_mm_find_again(mm);
	if (likely(spfs_mm_is_last(smm, mm)))
		return smm;
	smm = spfs_mm_lookup(mm);
	if (smm)
		this_cpu_write(spfs_mm_last, smm);
	return smm;
}

/* Tracking (spfs_track.c). */
DECLARE_STATIC_KEY_FALSE(spfs_active);

/*
 * Is the module counting: loaded, and not unloading.  A static key: every
 * hook of the fault path asks, for every fault of the system.
 */
static __always_inline bool spfs_is_active(void)
{
	return static_branch_likely(&spfs_active);
}

void spfs_track_request(struct mm_struct *mm);
bool spfs_target_matches(struct task_struct *task);
int spfs_target_set(const struct spfs_target *t);
void spfs_target_get(struct spfs_target *t);
void spfs_track_reset_counts(void);
int spfs_track_init(void);
void spfs_track_start(void);
void spfs_track_exit(void);
unsigned int spfs_track_count(void);
void spfs_track_for_each(void (*fn)(struct spfs_mm *smm, void *arg),
			 void *arg);

/* The event log (spfs_log.c). */
u64 spfs_log_append(struct spfs_mm *smm, const struct spfs_event *ev);
bool spfs_log_read(const void *smm, u64 seq, struct spfs_event *ev);
int spfs_open_begin(struct spfs_mm *smm, const struct spfs_event *ev,
		    const void *key);
int spfs_open_find(struct spfs_mm *smm, const void *key);
u64 spfs_open_end(struct spfs_mm *smm, int slot, u64 t_end);
unsigned int spfs_open_snapshot(struct spfs_mm *smm, struct spfs_event *evs,
				unsigned int max);

struct vm_area_struct;

/* mmap_lock write cycles (spfs_cycle.c). */
void spfs_cycle_begin(struct spfs_mm *smm, u8 cause);
void spfs_cycle_end(struct spfs_mm *smm);
void spfs_cycle_range(struct spfs_mm *smm, u64 start, u64 end);
/* spfs_cycle_vma_lock()'s slot for a fork's lock: not an open slot. */
#define SPFS_CYCLE_FORK_PENDING	SPFS_OPEN_SLOTS
int spfs_cycle_vma_lock(struct spfs_mm *smm, const void *sem);
void spfs_cycle_fork_read_unlock(struct spfs_mm *smm, const void *sem);
void spfs_cycle_vma_queued(struct spfs_mm *smm, const void *sem);
void spfs_cycle_vma_locked(struct spfs_mm *smm, int slot);
/* spfs_cycle.c, for spfs_cycle_lock.c */
struct spfs_event spfs_cycle_lock_event(struct spfs_mm *smm,
					struct vm_area_struct *vma, u64 t);
void spfs_cycle_log_lock(struct spfs_mm *smm, const struct spfs_event *ev,
			 u64 seq);
void spfs_cycle_fork_front(struct spfs_mm *smm, unsigned long end);
/* spfs_cycle_lock.c */
int spfs_cycle_vma_write_lock(struct spfs_mm *smm, struct vm_area_struct *vma);
void spfs_cycle_vma_lock_held(struct spfs_mm *smm, const void *vma, u64 t);
void spfs_cycle_write_lock_hook(bool hooked);
struct spfs_mm *spfs_cycle_of_current(void);
/*
 * Forks under way whose VMA write locks are followed (w_front), in all
 * tracked mms: a fault's VMA lock attempt looks at its mm's only while
 * one is.
 */
extern atomic_t spfs_cycle_forks;

/*
 * A fork's VMA locks are no longer followed: at the end of its cycle, or
 * when @smm is freed in the middle of one (its writer's probes may still
 * be at its end: once only).
 */
static inline void spfs_cycle_fork_uncount(struct spfs_mm *smm)
{
	if (xchg(&smm->w_fork_counted, false))
		atomic_dec(&spfs_cycle_forks);
}

/* Page-table invalidations, from the notifier (spfs_log.c). */
void spfs_pt_begin(struct spfs_mm *smm,
		   const struct mmu_notifier_range *range);
void spfs_pt_end(struct spfs_mm *smm, const struct mmu_notifier_range *range);

#endif /* _SPFS_TRACK_H */
