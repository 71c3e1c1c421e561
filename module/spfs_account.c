// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: counting judged faults.
 *
 * A judgement goes to this CPU's counters under its own lock (see
 * spfs_stats_write_begin()), to the process's counts, to the agreement
 * matrix on kernels with per-VMA locks, and - while the fault_verdict
 * tracepoint is enabled - to a per-CPU ring that an irq_work empties into
 * the tracepoint - or straight to the tracepoint where handle_mm_fault()
 * has a function-graph return hook (wrapper/fprobe.h, spfs_trace_fault()).
 */
#include <linux/atomic.h>
#include <linux/irq_work.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "spfs_account.h"
#include "spfs_clock.h"
#include "spfs_settings.h"
#include "spfs_stats.h"
#include "spfs_trace.h"
#include "spfs_track.h"
#include "wrapper/fprobe.h"
#include "wrapper/vma_lock.h"

/*
 * fault_verdict is emitted from an irq_work, not from the hook that ends
 * the fault: that runs under the fault's lock, inside an ftrace callback,
 * where perf and bpftrace programs on the tracepoint would run nested in
 * tracing.  The irq_work runs on the same CPU as soon as interrupts
 * allow, still in the faulting task (a hard irq_work, on PREEMPT_RT too),
 * and only while the tracepoint is enabled.  Not on 6.18 and 7.3: see
 * spfs_trace_fault().
 */
#define SPFS_TRACE_RING		64
static_assert(!(SPFS_TRACE_RING & (SPFS_TRACE_RING - 1)));

struct spfs_trace_rec {
	int tgid;
	u32 flags;
	u64 addr, window_ns, wait_ns;
	struct spfs_judgement j;
};

struct spfs_trace_ring {
	struct irq_work work;
	unsigned int head, tail;
	struct spfs_trace_rec rec[SPFS_TRACE_RING];
};

static struct spfs_trace_ring __percpu *spfs_trace_rings;

/* Producer and consumer share a CPU: compiler barriers order them. */
static void spfs_trace_flush(struct irq_work *work)
{
	struct spfs_trace_ring *r = container_of(work, struct spfs_trace_ring,
						 work);
	struct spfs_trace_rec *e;

	while (r->tail != READ_ONCE(r->head)) {
		e = &r->rec[r->tail % SPFS_TRACE_RING];
		trace_fault_verdict(e->tgid, e->addr, e->flags, &e->j,
				    e->window_ns, e->wait_ns);
		barrier();
		WRITE_ONCE(r->tail, r->tail + 1);
	}
}

/* The event of a fault counted without a judgement (@j NULL) needs one. */
static void spfs_trace_rec_fill(struct spfs_trace_rec *e,
				struct spfs_mm *smm,
				const struct spfs_fault *f,
				const struct spfs_judgement *j, u64 window,
				u64 wait)
{
	e->tgid = smm ? smm->tgid : 0;
	e->flags = f->flags;
	e->addr = f->addr;
	e->window_ns = window;
	e->wait_ns = wait;
	if (j)
		e->j = *j;
	else
		spfs_judge_begin(&e->j, f, spfs_pvl);
}
NOKPROBE_SYMBOL(spfs_trace_rec_fill);

/*
 * Where T1 is handle_mm_fault()'s return (6.18, 7.3), faults are judged
 * in its function-graph return hook, or in the ftrace_ops callback at its
 * entry beside the function-graph entry: an irq_work raised there runs
 * nested in them, and perf and BPF consumers of the tracepoint missed 0.1
 * to 5% of the events it emitted, while the tracepoint emitted from the
 * hook itself reaches them all.
 */
static void spfs_trace_fault(struct spfs_mm *smm, const struct spfs_fault *f,
			     const struct spfs_judgement *j, u64 window,
			     u64 wait)
{
	struct spfs_trace_ring *r = this_cpu_ptr(spfs_trace_rings);
	struct spfs_trace_rec *e, now;

	if (SPFS_T1_AT_RETURN) {
		spfs_trace_rec_fill(&now, smm, f, j, window, wait);
		trace_fault_verdict(now.tgid, now.addr, now.flags, &now.j,
				    now.window_ns, now.wait_ns);
		return;
	}
	if (r->head - READ_ONCE(r->tail) >= SPFS_TRACE_RING) {
		spfs_stat_inc(SPFS_STAT_TRACE_DROPPED);
		return;
	}
	e = &r->rec[r->head % SPFS_TRACE_RING];
	spfs_trace_rec_fill(e, smm, f, j, window, wait);
	barrier();
	WRITE_ONCE(r->head, r->head + 1);
	irq_work_queue(&r->work);
}
NOKPROBE_SYMBOL(spfs_trace_fault);

/*
 * The last disagreements between the shadow pvl verdict and the real
 * per-VMA-lock outcome, for debugfs: a lock-free ring, each entry
 * invalidated while written.
 */
static struct spfs_disagreement spfs_disagreements[SPFS_DISAGREEMENTS];
static atomic64_t spfs_disagreement_seq = ATOMIC64_INIT(0);
/* Entries at or below this sequence were reset away. */
static atomic64_t spfs_disagreement_base = ATOMIC64_INIT(0);

static void spfs_disagreement_add(struct spfs_mm *smm,
				  const struct spfs_fault *f, unsigned int row,
				  u8 detail, u8 real, bool contested)
{
	u64 seq = atomic64_inc_return(&spfs_disagreement_seq);
	struct spfs_disagreement *d =
		&spfs_disagreements[seq % SPFS_DISAGREEMENTS];

	WRITE_ONCE(d->seq, 0);
	smp_wmb();	/* invalidate before rewriting; pairs with the getter */
	d->tgid = smm ? smm->tgid : 0;
	d->addr = f->addr;
	d->vm_start = f->vm_start;
	d->vm_end = f->vm_end;
	d->flags = f->flags;
	d->row = row;
	d->detail = detail;
	d->real = real;
	d->contested = contested;
	/* The contents before the sequence; pairs with the getter. */
	smp_store_release(&d->seq, seq);
}

/**
 * spfs_disagreement_get() - one of the last disagreements
 * @i: 0 for the latest, up to SPFS_DISAGREEMENTS - 1
 * @d: where to copy it
 *
 * Return: false if there is no such entry (or it is being rewritten).
 */
bool spfs_disagreement_get(unsigned int i, struct spfs_disagreement *d)
{
	u64 last = atomic64_read(&spfs_disagreement_seq), seq;
	struct spfs_disagreement *e;

	if (i >= SPFS_DISAGREEMENTS || last <= i)
		return false;
	seq = last - i;
	if (seq <= atomic64_read(&spfs_disagreement_base))
		return false;
	e = &spfs_disagreements[seq % SPFS_DISAGREEMENTS];
	/* The sequence before the contents; pairs with the writer. */
	if (smp_load_acquire(&e->seq) != seq)
		return false;
	*d = *e;
	smp_rmb();	/* the copy before the re-check */
	return READ_ONCE(e->seq) == seq;
}

/* @j NULL: the fault is clean (see spfs_account()). */
static __always_inline void spfs_agreement(struct spfs_stats *st,
					   struct spfs_mm *smm,
					   const struct spfs_fault *f,
					   const struct spfs_judgement *j,
					   const struct spfs_outcome *out)
{
	u8 v = j ? j->verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE] : SPFS_V_SUCCESS;
	u8 detail = j ? j->detail[SPFS_RULE_PVL][SPFS_WIN_SERVICE] : 0;
	bool contested = j && j->contested;
	unsigned int row = spfs_pvl_row(v, detail);
	bool agrees = spfs_pvl_agrees(row, out->real);

	/*
	 * Judged by the fault's own end: not a prediction, kept out of the
	 * matrices and rates, with its own count.
	 */
	if (j && j->pvl_by_fault_end) {
		st->count[SPFS_STAT_PVL_BY_FAULT_END]++;
		st->count[SPFS_STAT_PVL_BY_FAULT_END_AGREE] += agrees;
		goto facts;
	}
	st->agreement[contested][row][out->real]++;
	/* Rows that agree whatever happens say nothing: left out. */
	if (spfs_pvl_row_by_construction(row))
		goto facts;
	if (contested) {
		st->count[SPFS_STAT_PVL_CONTESTED]++;
		st->count[SPFS_STAT_PVL_CONTESTED_AGREE] += agrees;
	}
	if (agrees) {
		st->count[SPFS_STAT_PVL_AGREE]++;
	} else {
		st->count[SPFS_STAT_PVL_DISAGREE]++;
		spfs_disagreement_add(smm, f, row, detail, out->real,
				      contested);
	}
facts:
	/* The log against the kernel's own record of VMA write locks. */
	if (out->facts && out->vma_written && !(j && j->vma_lock_seen))
		st->count[SPFS_STAT_PVL_FACTS_MISSED]++;
	if (out->facts && !out->vma_written && j && j->vma_lock_seen)
		st->count[SPFS_STAT_PVL_FACTS_EXTRA]++;
}

/* The process's own counts (debugfs "procs"): see &struct spfs_mm. */
static __always_inline void spfs_account_mm(struct spfs_mm *smm,
					    const struct spfs_judgement *j)
{
	int r;
	u8 v;

	for (r = 0; j && r < SPFS_NR_RULES; r++) {
		v = j->verdict[r][SPFS_WIN_SERVICE];
		if (v == SPFS_V_SUCCESS)
			continue;
		atomic_long_inc(spfs_verdict_is_race(v) ? &smm->races[r] :
							  &smm->others[r]);
	}
	atomic_long_inc(&smm->faults);
}

static __always_inline void spfs_count_detail(struct spfs_stats *st, int r,
					      int w, u8 v, u8 d)
{
	switch (v) {
	case SPFS_V_INELIGIBLE:
		st->reason[r][w][d]++;
		break;
	case SPFS_V_RACE_VMA:
		st->cause[r][w][SPFS_CK_VMA][d]++;
		break;
	case SPFS_V_RACE_VMA_BUSY:
		st->cause[r][w][SPFS_CK_VMA_BUSY][d]++;
		break;
	case SPFS_V_RACE_MM:
		st->cause[r][w][SPFS_CK_MM][d]++;
		break;
	case SPFS_V_RACE_PGTABLE:
		st->pt_event[r][w][d]++;
		break;
	}
}

/*
 * A judgement's verdicts into a CPU's counters.  The common fault, a
 * success everywhere, is kept apart in four words instead of forty (see
 * &struct spfs_stats); @j is NULL for one found clean without judging.
 */
static __always_inline void spfs_count_verdicts(struct spfs_stats *st,
						const struct spfs_judgement *j,
						unsigned int service_b,
						unsigned int wait_b, u64 wait)
{
	int r, w;

	if (!j || spfs_judgement_clean(j)) {
		st->clean++;
		st->clean_hist_service[service_b]++;
		st->clean_hist_wait[wait_b]++;
		st->clean_wait_ns += wait;
		return;
	}
	for (r = 0; r < SPFS_NR_RULES; r++) {
		for (w = 0; w < SPFS_NR_WINDOWS; w++) {
			u8 v = j->verdict[r][w];

			st->verdict[r][w][v]++;
			spfs_count_detail(st, r, w, v, j->detail[r][w]);
			if (j->pt_overlap[w] & (1U << r))
				st->pt_overlap[r][w]++;
		}
		if (j->verdict[r][SPFS_WIN_SERVICE] == SPFS_V_SUCCESS) {
			st->hist_service[r][service_b]++;
			st->hist_wait[r][wait_b]++;
			st->wait_avoided_ns[r] += wait;
		}
	}
	for (w = 0; w < SPFS_NR_WINDOWS; w++)
		st->writer_stall_ns[w] += spfs_clock_ns(j->writer_stall[w]);
}

/**
 * spfs_account() - count one judged fault
 * @smm: its process's state, or NULL
 * @f: the fault
 * @j: its judgement, or NULL for a fault found clean without one (no
 *     event in its windows and none of spfs_unclean_flags()): success
 *     under every rule
 * @out: what the kernel did with it
 */
void spfs_account(struct spfs_mm *smm, const struct spfs_fault *f,
		  const struct spfs_judgement *j,
		  const struct spfs_outcome *out)
{
	u64 wait = f->tl > f->t0 ? spfs_clock_ns(f->tl - f->t0) : 0;
	u64 service = f->t1 > f->tl ? spfs_clock_ns(f->t1 - f->tl) : 0;
	struct spfs_stats *st;

	if (SPFS_PROFILING(NO_COUNT))
		return;
	st = spfs_stats_write_begin();
	st->count[SPFS_STAT_FAULTS]++;
	spfs_count_verdicts(st, j, spfs_hist_bucket(service),
			    spfs_hist_bucket(wait), wait);
	if (SPFS_HAVE_VMA_LOCK)
		spfs_agreement(st, smm, f, j, out);
	spfs_stats_write_end(st);
	if (smm)
		spfs_account_mm(smm, j);
	if (trace_fault_verdict_enabled())
		spfs_trace_fault(smm, f, j, service, wait);
}
NOKPROBE_SYMBOL(spfs_account);

/**
 * spfs_account_reset() - forget the disagreements seen so far
 *
 * With spfs_stats_reset() and spfs_track_reset_counts(), what a write of
 * 1 to debugfs "reset" does.
 */
void spfs_account_reset(void)
{
	atomic64_set(&spfs_disagreement_base,
		     atomic64_read(&spfs_disagreement_seq));
}

/**
 * spfs_account_init() - prepare the tracepoint rings
 *
 * Return: 0 or -ENOMEM.
 */
int spfs_account_init(void)
{
	int cpu;

	spfs_trace_rings = alloc_percpu(struct spfs_trace_ring);
	if (!spfs_trace_rings)
		return -ENOMEM;
	/*
	 * Hard: PREEMPT_RT would otherwise run the flush in its irq_work
	 * thread, and the event would carry that thread, not the faulting
	 * task, as its comm and pid.
	 */
	for_each_possible_cpu(cpu)
		per_cpu_ptr(spfs_trace_rings, cpu)->work =
			IRQ_WORK_INIT_HARD(spfs_trace_flush);
	return 0;
}

/**
 * spfs_account_exit() - drain and free the tracepoint rings
 *
 * Call after every hook is unregistered and synchronized.
 */
void spfs_account_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(spfs_trace_rings, cpu)->work);
	free_percpu(spfs_trace_rings);
	spfs_trace_rings = NULL;
	memset(spfs_disagreements, 0, sizeof(spfs_disagreements));
	atomic64_set(&spfs_disagreement_seq, 0);
	atomic64_set(&spfs_disagreement_base, 0);
}
