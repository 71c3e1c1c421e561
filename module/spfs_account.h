/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: counting judged faults (spfs_account.c): the per-CPU
 * counters, the process's own counts, the pvl agreement with the kernel,
 * the ring of recent disagreements and the fault_verdict tracepoint.
 */
#ifndef _SPFS_ACCOUNT_H
#define _SPFS_ACCOUNT_H

#include "spfs_clock.h"
#include "spfs_core.h"
#include "spfs_stats.h"
#include "spfs_trace.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"

/**
 * struct spfs_outcome - what the kernel did with a fault, beside the model
 * @real: on kernels with per-VMA locks, &enum spfs_real
 * @facts: the kernel's VMA lock state was read for it
 * @vma_written: it says the fault's VMA was write-locked between T0 and TL
 */
struct spfs_outcome {
	u8 real;
	bool facts;
	bool vma_written;
};

void spfs_account(struct spfs_mm *smm, const struct spfs_fault *f,
		  const struct spfs_judgement *j,
		  const struct spfs_outcome *out);

/**
 * spfs_account_clean() - count a clean fault in the fewest words
 * @smm: its process's state
 * @t0: its T0 (spfs_now())
 * @tl: its TL
 * @t1: its end
 * @real: what the kernel did with it (&spfs_outcome.real)
 * @facts_missed: the kernel says the VMA was write-locked between T0 and
 *		  TL (&spfs_outcome.vma_written, when facts are read)
 *
 * A fault found clean without a judgement (see spfs_account(), @j NULL)
 * is most faults: counted here without its &struct spfs_fault, which
 * only the fault_verdict tracepoint and a pvl disagreement need, and
 * without the stats lock (&struct spfs_stats, @fast).  The same counts
 * as spfs_account(), which takes the fault when either may be wanted.
 * Inline: T1's, at most faults.
 *
 * Return: true if counted, false if nothing was and spfs_account() must.
 */
static __always_inline bool spfs_account_clean(struct spfs_mm *smm, u64 t0,
					       u64 tl, u64 t1, u8 real,
					       bool facts_missed)
{
	u64 wait, service;
	struct spfs_stats *st;

	/*
	 * pvl's success agrees only with a fault the kernel completed under
	 * the VMA lock; one that disagrees is recorded with its fault.
	 */
	if (trace_fault_verdict_enabled() ||
	    (SPFS_HAVE_VMA_LOCK && real != SPFS_REAL_LOCKED))
		return false;
	if (SPFS_PROFILING(NO_COUNT))
		return true;
	/* In the clock's units: scaled when read. */
	wait = tl > t0 ? tl - t0 : 0;
	service = t1 > tl ? t1 - tl : 0;
	st = spfs_stats_fast_begin();
	st->fast++;
	/* Below SPFS_HIST_BUCKETS by the table's making: no bounds check. */
	(*(st->fast_hist_service + spfs_clock_bucket(service)))++;
	(*(st->fast_hist_wait + spfs_clock_bucket(wait)))++;
	st->fast_wait += wait;
	if (SPFS_HAVE_VMA_LOCK) {
		/* spfs_agreement() of a clean fault that agrees. */
		BUILD_BUG_ON(spfs_pvl_row_by_construction(SPFS_V_SUCCESS));
		BUILD_BUG_ON(!spfs_pvl_agrees(SPFS_V_SUCCESS, SPFS_REAL_LOCKED));
		st->fast_pvl_agree++;
		if (facts_missed)
			st->fast_facts_missed++;
	}
	spfs_stats_fast_end(st);
	atomic_long_inc(&smm->faults);
	return true;
}

/**
 * struct spfs_disagreement - a fault whose pvl verdict missed
 * @seq: its number among disagreements, 0 while being written
 * @tgid: the process
 * @addr: the faulting address
 * @vm_start: the VMA at TL
 * @vm_end: its end
 * @flags: SPFS_F() class flags
 * @row: the shadow verdict, spfs_pvl_row()
 * @detail: its cause or reason
 * @real: &enum spfs_real
 * @contested: a write cycle overlapped the fault
 */
struct spfs_disagreement {
	u64 seq;
	pid_t tgid;
	u64 addr, vm_start, vm_end;
	u32 flags;
	u8 row, detail, real;
	bool contested;
};

#define SPFS_DISAGREEMENTS	64
bool spfs_disagreement_get(unsigned int i, struct spfs_disagreement *d);
void spfs_account_reset(void);
int spfs_account_init(void);
void spfs_account_exit(void);

#endif /* _SPFS_ACCOUNT_H */
