/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the counters (spfs_stats.c), per CPU, summed on read.
 */
#ifndef _SPFS_STATS_H
#define _SPFS_STATS_H

#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>

#include "spfs_ablate.h"
#include "spfs_core.h"

/*
 * The global counters, shown in debugfs "stats" by these names (README.md
 * explains each).
 */
#define SPFS_STAT_LIST							\
	EM(SPFS_STAT_FAULTS,		"faults")			\
	EM(SPFS_STAT_FAULTS_GUP,	"faults_gup")			\
	EM(SPFS_STAT_FAULTS_UNTRACKED,	"faults_untracked")		\
	EM(SPFS_STAT_FAULTS_KERNEL,	"faults_kernel")		\
	EM(SPFS_STAT_FAULTS_COMPLETED,	"faults_completed")		\
	EM(SPFS_STAT_FAULTS_LATE,	"faults_late")			\
	EM(SPFS_STAT_RETRY_CALLS,	"retry_calls")			\
	EM(SPFS_STAT_INFLIGHT_FULL,	"inflight_full")		\
	EM(SPFS_STAT_PMD_CHANGED,	"pmd_changed")			\
	EM(SPFS_STAT_LOG_OVERFLOW,	"log_overflow")			\
	EM(SPFS_STAT_EVENTS_LOST,	"events_lost")			\
	EM(SPFS_STAT_EVENTS_VMA,	"events_vma")			\
	EM(SPFS_STAT_EVENTS_VMA_LOCK,	"events_vma_lock")		\
	EM(SPFS_STAT_EVENTS_MM_WRITE,	"events_mm_write")		\
	EM(SPFS_STAT_EVENTS_PT,		"events_pt")			\
	EM(SPFS_STAT_TRACK_REGISTERED,	"track_registered")		\
	EM(SPFS_STAT_TRACK_REGISTER_NS,	"track_register_ns")		\
	EM(SPFS_STAT_TRACK_FAILED,	"track_failed")			\
	EM(SPFS_STAT_PVL_AGREE,		"pvl.agree")			\
	EM(SPFS_STAT_PVL_DISAGREE,	"pvl.disagree")			\
	EM(SPFS_STAT_PVL_CONTESTED,	"pvl.contested")		\
	EM(SPFS_STAT_PVL_CONTESTED_AGREE, "pvl.contested_agree")	\
	EM(SPFS_STAT_PVL_BY_FAULT_END,	"pvl.by_fault_end")		\
	EM(SPFS_STAT_PVL_BY_FAULT_END_AGREE, "pvl.by_fault_end_agree")	\
	EM(SPFS_STAT_PVL_FACTS_MISSED,	"pvl.lock_facts_missed")	\
	EM(SPFS_STAT_PVL_FACTS_EXTRA,	"pvl.lock_facts_extra")		\
	EMe(SPFS_STAT_TRACE_DROPPED,	"trace_dropped")

#define EM(a, b)	a,
#define EMe(a, b)	a,
enum spfs_stat { SPFS_STAT_LIST SPFS_NR_STATS };
#undef EM
#undef EMe

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
 *	  copying the counters (see spfs_stats_snapshot()); not for the
 *	  members from @fast on
 * @fast_seq: the sequence count of the members from @fast on
 * @count: &enum spfs_stat counters
 * @verdict: verdicts per rule and window
 * @reason: ineligible verdicts by reason
 * @cause: VMA and mm races by cause
 * @pt_event: page-table races by notifier event
 * @pt_overlap: faults an invalidation of their PMD range overlapped, per
 *		rule (eligible faults) and window
 * @hist_service: service windows of faults that would have succeeded
 *		  (log2 ns buckets)
 * @hist_wait: lock waits (TL - T0) of faults that would have succeeded
 * @wait_avoided_ns: sum of those lock waits
 * @writer_stall_ns: per window, time writers would have waited for faults
 *		     under pvl
 * @agreement: shadow pvl verdict (spfs_pvl_row()) against the real
 *	       outcome, for uncontested [0] and contested [1] faults
 * @clean: faults judged a success by every rule in both windows, nothing
 *	   else noted (spfs_judgement_clean()): the fault path counts them
 *	   here alone, and spfs_stats_snapshot() adds them to every rule's
 *	   successes, histograms and avoided wait
 * @clean_hist_service: their service windows
 * @clean_hist_wait: their lock waits
 * @clean_wait_ns: the sum of those waits
 * @fast_counts: the members from @fast on
 * @fast: clean faults counted without the lock, under @fast_seq
 *	  (spfs_account_clean()): added to @clean and to "faults" when read
 * @fast_hist_service: their service windows
 * @fast_hist_wait: their lock waits
 * @fast_wait: the sum of those waits, in spfs_now()'s units
 * @fast_pvl_agree: those of them the kernel completed under the VMA lock,
 *		    as pvl said: added to the agreement matrix when read
 * @fast_facts_missed: those of them whose VMA the kernel says was
 *		       write-locked unseen (SPFS_STAT_PVL_FACTS_MISSED)
 *
 * Every member after @fast_seq is a u64 or an array of them: snapshots add
 * and subtract the structure as one u64 array (spfs_stats_add()).
 */
struct spfs_stats {
	raw_spinlock_t lock;
	seqcount_t fast_seq;
	u64 count[SPFS_NR_STATS];
	u64 verdict[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_VERDICTS];
	u64 reason[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_REASONS];
	u64 cause[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_CAUSE_KINDS]
		 [SPFS_NR_CAUSES];
	u64 pt_event[SPFS_NR_RULES][SPFS_NR_WINDOWS][SPFS_NR_PT_EVENTS];
	u64 pt_overlap[SPFS_NR_RULES][SPFS_NR_WINDOWS];
	u64 hist_service[SPFS_NR_RULES][SPFS_HIST_BUCKETS];
	u64 hist_wait[SPFS_NR_RULES][SPFS_HIST_BUCKETS];
	u64 wait_avoided_ns[SPFS_NR_RULES];
	u64 writer_stall_ns[SPFS_NR_WINDOWS];
	u64 agreement[2][SPFS_NR_PVL_ROWS][SPFS_NR_REALS];
	u64 clean;
	u64 clean_hist_service[SPFS_HIST_BUCKETS];
	u64 clean_hist_wait[SPFS_HIST_BUCKETS];
	u64 clean_wait_ns;

	/* Not under @lock: under @fast_seq. */
	struct_group(fast_counts,
		u64 fast;
		u64 fast_hist_service[SPFS_HIST_BUCKETS];
		u64 fast_hist_wait[SPFS_HIST_BUCKETS];
		u64 fast_wait;
		u64 fast_pvl_agree;
		u64 fast_facts_missed;
	);
};

/* Allocated at load: too big for the static per-CPU area of modules. */
extern struct spfs_stats __percpu *spfs_stats;

static inline void spfs_stat_inc(enum spfs_stat s)
{
	this_cpu_inc(spfs_stats->count[s]);
}

static inline void spfs_stat_add(enum spfs_stat s, u64 n)
{
	this_cpu_add(spfs_stats->count[s], n);
}

/*
 * A fault's counters change together, under its CPU's own lock: a
 * snapshot sees all of a fault or none of it, so the verdicts of each rule
 * add up to the faults at every read.  The lock is per CPU and only a
 * reader (a debugfs read, rare) ever contends for it; a sequence count
 * would let a 12 KiB copy be overtaken by faults for ever.
 */
static inline struct spfs_stats *spfs_stats_write_begin(void)
{
	struct spfs_stats *st = this_cpu_ptr(spfs_stats);

	if (!SPFS_PROFILING(NO_STATS_LOCK))
		raw_spin_lock(&st->lock);
	return st;
}

static inline void spfs_stats_write_end(struct spfs_stats *st)
{
	if (!SPFS_PROFILING(NO_STATS_LOCK))
		raw_spin_unlock(&st->lock);
}

/*
 * The clean fault, most faults, is counted in a few words of its own
 * under a sequence count instead of the lock: the reader copies those
 * few words again when a fault overtook it, which a fault's time cannot
 * do for ever.  A CPU counts one fault at a time (the hooks run with
 * preemption off, and no hook that counts runs in an interrupt), so the
 * writer needs nothing else.
 */
static inline struct spfs_stats *spfs_stats_fast_begin(void)
{
	struct spfs_stats *st = this_cpu_ptr(spfs_stats);

	raw_write_seqcount_begin(&st->fast_seq);
	return st;
}

static inline void spfs_stats_fast_end(struct spfs_stats *st)
{
	raw_write_seqcount_end(&st->fast_seq);
}

const char *spfs_stat_name(enum spfs_stat s);
void spfs_stats_snapshot(struct spfs_stats *sum);
int spfs_stats_reset(void);
int spfs_stats_init(void);
void spfs_stats_exit(void);

#endif /* _SPFS_STATS_H */
