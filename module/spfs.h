/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: declarations shared by the module's files.  The logic that
 * does not depend on the kernel is in spfs_core.h.
 */
#ifndef _SPFS_H
#define _SPFS_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/mmu_notifier.h>
#include <linux/percpu.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/types.h>

#include "spfs_core.h"

struct kprobe;
struct kretprobe_instance;
struct pt_regs;
struct vm_area_struct;

/* ------------------------------------------------------------------ */
/* Clock                                                                */

/**
 * spfs_now() - the time faults and writer events are stamped with
 *
 * A fault's window (T0 to T1, on the faulting CPU) is compared with the
 * windows of VMA writers on other CPUs, so the clock must be monotonic
 * across CPUs, and readable from the fault tracepoint with interrupts
 * off and from ftrace callbacks: ktime_get_mono_fast_ns().  It costs what
 * the clocksource costs to read: a few nanoseconds with a synchronized
 * TSC, hundreds under emulation when a guest has fallen back to the HPET
 * or its vCPUs share the emulator's clock (results/performance.md).
 *
 * Return: CLOCK_MONOTONIC time in nanoseconds.
 */
static __always_inline u64 spfs_now(void)
{
#ifdef SPFS_ABLATE_CLOCK
	/*
	 * make bench's ablation: what the clock reads cost.  Jiffies keep
	 * the stamps ordered but coarse; not for judging races.
	 */
	return get_jiffies_64() * TICK_NSEC;
#else
	return ktime_get_mono_fast_ns();
#endif
}

/* ------------------------------------------------------------------ */
/* Counters (spfs_stats.c)                                              */

/**
 * enum spfs_stat - global per-CPU event counters, shown in debugfs "stats"
 * @SPFS_STAT_FAULTS: user faults of tracked processes, judged (each has
 *		      one verdict per rule and window)
 * @SPFS_STAT_FAULTS_GUP: handle_mm_fault() calls in a tracked mm without a
 *			  user fault entry: GUP, fixup_user_fault(), kernel
 *			  accesses to user memory
 * @SPFS_STAT_FAULTS_UNTRACKED: user faults of processes matching the
 *				target whose tracking was not ready yet
 * @SPFS_STAT_RETRY_CALLS: further handle_mm_fault() calls of a fault whose
 *			   first call returned VM_FAULT_RETRY (not faults)
 * @SPFS_STAT_INFLIGHT_FULL: faults not judged: no in-flight slot free
 *			     (also counted in faults_untracked)
 * @SPFS_STAT_LOG_OVERFLOW: faults judged with part of their window's
 *			    events overwritten in the per-mm log
 * @SPFS_STAT_EVENTS_VMA: VMA write events logged
 * @SPFS_STAT_EVENTS_MM_WRITE: mmap_lock write cycles logged
 * @SPFS_STAT_EVENTS_PT: page-table invalidations logged
 * @SPFS_STAT_TRACK_FAILED: processes whose notifier registration failed
 * @SPFS_STAT_FAULTS_KERNEL: kernel-mode faults on user addresses of
 *			     processes tracked or matching the target (exceptions:page_fault_kernel):
 *			     perf's page-faults counts them, faults does not
 * @SPFS_STAT_PVL_AGREE: faults whose pvl verdict agreed with the real
 *			 per-VMA-lock outcome (kernels with per-VMA locks)
 * @SPFS_STAT_PVL_DISAGREE: faults whose pvl verdict did not
 * @SPFS_STAT_TRACE_DROPPED: fault_verdict events lost: the per-CPU ring
 *			     between a fault and its irq_work was full
 * @SPFS_STAT_FAULTS_LATE: faults judged at the task's next fault or exit,
 *			   their end (T1) unseen: the handler never released
 *			   the lock (VM_FAULT_COMPLETED, a fatal signal)
 * @SPFS_NR_STATS: number of counters
 */
enum spfs_stat {
	SPFS_STAT_FAULTS,
	SPFS_STAT_FAULTS_GUP,
	SPFS_STAT_FAULTS_UNTRACKED,
	SPFS_STAT_RETRY_CALLS,
	SPFS_STAT_INFLIGHT_FULL,
	SPFS_STAT_LOG_OVERFLOW,
	SPFS_STAT_EVENTS_VMA,
	SPFS_STAT_EVENTS_MM_WRITE,
	SPFS_STAT_EVENTS_PT,
	SPFS_STAT_TRACK_FAILED,
	SPFS_STAT_FAULTS_KERNEL,
	SPFS_STAT_PVL_AGREE,
	SPFS_STAT_PVL_DISAGREE,
	SPFS_STAT_TRACE_DROPPED,
	SPFS_STAT_FAULTS_LATE,
	SPFS_NR_STATS,
};

/* Race kinds with a VMA cause: race_vma, race_vma_busy, race_mm. */
enum spfs_cause_kind {
	SPFS_CK_VMA,
	SPFS_CK_VMA_BUSY,
	SPFS_CK_MM,
	SPFS_NR_CAUSE_KINDS,
};

/**
 * struct spfs_stats - one CPU's counters
 * @lock: held by this CPU while it accounts a fault, and by a reader
 *	  copying the counters (see spfs_stats_snapshot())
 * @count: &enum spfs_stat counters
 * @verdict: verdicts per rule and window
 * @reason: ineligible verdicts by reason
 * @cause: VMA and mm races by cause
 * @pt_event: page-table races by notifier event
 * @hist_service: service windows of faults that would have succeeded
 *		  (log2 ns buckets)
 * @hist_wait: lock waits (TL - T0) of faults that would have succeeded
 * @wait_avoided_ns: sum of those lock waits
 * @writer_stall_ns: per window, time writers would have waited for faults
 *		     under pvl
 * @agreement: shadow pvl verdict (spfs_pvl_row()) against the real outcome
 * @clean: faults judged a success by every rule in both windows, no writer
 *	   stalled (spfs_judgement_clean()): the fault path counts them here
 *	   alone, and spfs_stats_snapshot() adds them to every rule's
 *	   successes, histograms and avoided wait
 * @clean_hist_service: their service windows
 * @clean_hist_wait: their lock waits
 * @clean_wait_ns: the sum of those waits
 */
struct spfs_stats {
	raw_spinlock_t lock;
	u64 count[SPFS_NR_STATS];
	u64 verdict[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_VERDICTS];
	u64 reason[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_REASONS];
	u64 cause[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_CAUSE_KINDS]
		 [SPFS_NR_CAUSES];
	u64 pt_event[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_PT_EVENTS];
	u64 hist_service[SPFS_NR_RULES][SPFS_HIST_BUCKETS];
	u64 hist_wait[SPFS_NR_RULES][SPFS_HIST_BUCKETS];
	u64 wait_avoided_ns[SPFS_NR_RULES];
	u64 writer_stall_ns[SPFS_NR_WINDOWS];
	u64 agreement[SPFS_NR_PVL_ROWS][SPFS_NR_REALS];
	u64 clean;
	u64 clean_hist_service[SPFS_HIST_BUCKETS];
	u64 clean_hist_wait[SPFS_HIST_BUCKETS];
	u64 clean_wait_ns;
};

/* Allocated at load: too big for the static per-CPU area of modules. */
extern struct spfs_stats __percpu *spfs_stats;

static inline void spfs_stat_inc(enum spfs_stat s)
{
	this_cpu_inc(spfs_stats->count[s]);
}

/*
 * A fault's counters change together, under its CPU's own lock: a
 * snapshot sees all of a fault or none of it, so the verdicts of each rule
 * add up to the faults at every read.  The lock is per CPU and only a
 * reader (a debugfs read, rare) ever contends for it; a sequence count
 * would let a 7 KiB copy be overtaken by faults for ever.
 */
static inline void spfs_stats_write_begin(struct spfs_stats *st)
{
	raw_spin_lock(&st->lock);
}

static inline void spfs_stats_write_end(struct spfs_stats *st)
{
	raw_spin_unlock(&st->lock);
}

const char *spfs_stat_name(enum spfs_stat s);
void spfs_stats_snapshot(struct spfs_stats *sum);
int spfs_stats_reset(void);
int spfs_stats_init(void);
void spfs_stats_exit(void);

/* ------------------------------------------------------------------ */
/* Tracked processes (spfs_track.c)                                     */

/* Entries of a per-mm event log; a power of two. */
#define SPFS_LOG_SIZE		64

/**
 * struct spfs_log_entry - a slot of a per-mm event log
 * @seq: the sequence number of the event it holds; 0 while being written
 * @ev: the event
 */
struct spfs_log_entry {
	u64 seq;
	struct spfs_event ev;
};

/**
 * struct spfs_mm - a tracked process's mm
 * @mn: our mmu notifier subscription (mmu_notifier_get/put); holds the
 *	mm with mmgrab() while it exists
 * @hnode: in the tracked-mm hash table, for lookups from probes (RCU)
 * @mm: the mm, as a key; never dereferenced but through @mn's lifetime
 * @tgid: the process that was tracked
 * @comm: its command name when tracking began
 * @flags: SPFS_MM_* bits
 * @seq: sequence of the last logged event
 * @w_begin: start (ns) of the mmap_lock write cycle in progress, 0 if none
 * @w_first_seq: the first event sequence of that write cycle
 * @w_task: the writer
 * @w_cause: what the writer is doing (&enum spfs_cause)
 * @pt_open: page-table invalidations in progress
 * @faults: user faults judged for this process
 * @races: per rule, those of them whose service window raced
 * @others: per rule, those neither a success nor a race (ineligible, or
 *	    retried by the real fault); the rest are successes, so that the
 *	    common fault, a success under every rule, costs one atomic
 * @rcu: for freeing after RCU readers (probes) are done
 * @log: the event log
 */
struct spfs_mm {
	struct mmu_notifier mn;
	struct hlist_node hnode;
	struct mm_struct *mm;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
	unsigned long flags;
	atomic64_t seq;
	u64 w_begin;
	u64 w_first_seq;
	struct task_struct *w_task;
	u8 w_cause;
	atomic_t pt_open;
	/* Written by the process's every fault: off the lines read at T0. */
	atomic_long_t faults ____cacheline_aligned;
	atomic_long_t races[SPFS_NR_RULES];
	atomic_long_t others[SPFS_NR_RULES];
	struct rcu_head rcu;
	struct spfs_log_entry log[SPFS_LOG_SIZE];
};

#define SPFS_MM_HASHED		0	/* in the hash table */
#define SPFS_MM_PUT		1	/* our reference is being dropped */

extern bool spfs_active;

#define SPFS_MM_HASH_BITS	10
extern struct hlist_head spfs_mm_hash[1 << SPFS_MM_HASH_BITS];

/**
 * spfs_mm_lookup() - the tracking state of an mm
 * @mm: the mm
 *
 * Call under rcu_read_lock() (or with preemption disabled, as tracepoint
 * and kprobe handlers are); the result is valid until it is released.
 * Inline: every fault looks its mm up twice.
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
void spfs_track_request(struct mm_struct *mm);
bool spfs_target_matches(struct task_struct *task);
int spfs_target_set(const struct spfs_target *t);
void spfs_target_get(struct spfs_target *t);

u64 spfs_log_append(struct spfs_mm *smm, const struct spfs_event *ev);
bool spfs_log_read(struct spfs_mm *smm, u64 seq, struct spfs_event *ev);
void spfs_vma_event(struct mm_struct *mm, u64 start, u64 end, int cause);
int spfs_cause_current(void);

int spfs_track_init(void);
void spfs_track_exit(void);
unsigned int spfs_track_count(void);
void spfs_track_for_each(void (*fn)(struct spfs_mm *smm, void *arg),
			 void *arg);

/* The mmap_lock write envelope, from the probes on the rwsem calls. */
struct spfs_mm *spfs_mmap_lock_mm(struct rw_semaphore *sem);
void spfs_mmap_write_begin(struct rw_semaphore *sem);
void spfs_mmap_write_end(struct rw_semaphore *sem);

/* ------------------------------------------------------------------ */
/* The fault path (spfs_fault.c)                                        */

extern enum spfs_pvl_profile spfs_pvl;

void spfs_fault_entry(void *data, unsigned long address, struct pt_regs *regs,
		      unsigned long error_code);
void spfs_fault_kernel(void *data, unsigned long address, struct pt_regs *regs,
		       unsigned long error_code);

/**
 * struct spfs_disagreement - a fault whose pvl verdict missed
 * @seq: its number among disagreements, 0 while being written
 * @tgid: the process
 * @addr: the faulting address
 * @vm_start: the VMA at TL
 * @vm_end: its end
 * @flags: SPFS_F_* class flags
 * @row: the shadow verdict, spfs_pvl_row()
 * @detail: its cause or reason
 * @real: &enum spfs_real
 */
struct spfs_disagreement {
	u64 seq;
	pid_t tgid;
	u64 addr, vm_start, vm_end;
	u32 flags;
	u8 row, detail, real;
};

#define SPFS_DISAGREEMENTS	64
bool spfs_disagreement_get(unsigned int i, struct spfs_disagreement *d);
void spfs_task_exit(void *data, struct task_struct *task);
int spfs_fault_hooks_register(void);
int spfs_vma_lock_hook_register(void);
void spfs_vma_lock_hook_unregister(void);
void spfs_fault_hooks_unregister(void);
const char *spfs_t1_hook(const char **kind);
bool spfs_in_user_fault(struct task_struct *task);
void spfs_fault_stack_growth(void);
int spfs_fault_init(void);
void spfs_fault_exit(void);

/* ------------------------------------------------------------------ */
/* Probes (spfs_probes.c) and debugfs (spfs_debugfs.c)                  */

/**
 * struct spfs_probe_info - what one probe looks like from debugfs
 * @name: the probed symbol or tracepoint
 * @kind: "kretprobe", "kprobe" or "tracepoint"
 * @attached: whether it is registered
 * @required: whether the module refuses to load without it
 * @nmissed: hits it could not handle (kretprobe instances exhausted, or
 *	     recursion)
 */
struct spfs_probe_info {
	const char *name;
	const char *kind;
	bool attached;
	bool required;
	unsigned long nmissed;
};

int spfs_probes_register(void);
void spfs_probes_unregister(void);
unsigned int spfs_probes_count(void);
void spfs_probe_info(unsigned int i, struct spfs_probe_info *info);

int spfs_debugfs_init(void);
void spfs_debugfs_exit(void);

#endif /* _SPFS_H */
