// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the fault timeline and the verdicts.
 *
 *   T0  exceptions:page_fault_user, no lock held: a speculative fault
 *       would start here.  Snapshot of the mm's event sequence.
 *   TL  handle_mm_fault() entry (an ftrace_ops callback): the real path
 *       holds mmap_lock (or the VMA lock), the VMA is stable and is
 *       classified.
 *   T1  the arch fault handler releases the fault's lock, right after
 *       handle_mm_fault() returned (an ftrace_ops callback on up_read(),
 *       see spfs_t1()), the lock still held: the events logged since T0
 *       are judged (spfs_verdict.c) and counted.  A call that returns
 *       VM_FAULT_RETRY has dropped the lock inside, from mm code; the
 *       retry's own handle_mm_fault() entry tells.  A fault whose lock is
 *       never released by the handler (VM_FAULT_COMPLETED, a signal) is
 *       judged at the task's next fault or exit.  Neither hook costs a
 *       return trampoline, unlike a kretprobe.  Built with SPFS_T1_PERF,
 *       T1 is the fault's perf software event instead (page-faults-min or
 *       -maj, from mm_account_fault()): the old hook, kept for make
 *       bench's comparison.
 *
 * Per-task state between T0 and T1 lives in a preallocated table indexed
 * by task: no lock, no allocation, and only the owning task touches its
 * slot (the exit hook runs in the exiting task too).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/perf_event.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/swapops.h>
#include <linux/userfaultfd_k.h>

#include "spfs.h"
#include "spfs_trace.h"
#include "wrapper/ftrace.h"
#include "wrapper/vma_lock.h"

enum spfs_pvl_profile spfs_pvl = SPFS_PVL_6_12;
/* spfs_unclean_flags() of spfs_pvl, set at load. */
static u32 spfs_unclean __read_mostly;

#define SPFS_INFLIGHT_BITS	10
#define SPFS_INFLIGHT_SIZE	(1U << SPFS_INFLIGHT_BITS)
/* Slots looked at from a task's home slot before giving up. */
#define SPFS_INFLIGHT_PROBE	16
/* Log entries before T0 looked at while a page-table event is open. */
#define SPFS_LOOKBACK		16

enum spfs_slot_state {
	SPFS_SLOT_PENDING,	/* T0 seen, handle_mm_fault() not yet */
	SPFS_SLOT_IN,		/* in the fault's first handle_mm_fault() */
	SPFS_SLOT_RETRYING,	/* that call returned VM_FAULT_RETRY */
};

/**
 * struct spfs_slot - a fault between T0 and T1
 * @task: the owner, or NULL if free (claimed with cmpxchg)
 * @mm: the mm at T0
 * @t0: T0 (ns)
 * @addr: the faulting address
 * @scan_from: the first log sequence that may hold an event of the window
 * @t_vma_lock: when lock_vma_under_rcu() was entered (6.4+), or 0; taken
 *	only if @writer_at_t0: a VMA writer busy at T0 holds mmap_lock for
 *	write, and only then may one be gone by then (spfs_judge_vma())
 * @tl: TL (ns)
 * @vm_start: the VMA's start at TL
 * @vm_end: its end
 * @state: &enum spfs_slot_state
 * @flags: SPFS_F_* known at T0 and TL
 * @vma_locked: the first handle_mm_fault() ran under the VMA lock
 * @writer_at_t0: a writer held the mm's mmap_lock at T0
 */
struct spfs_slot {
	struct task_struct *task;
	struct mm_struct *mm;
	u64 t0;
	u64 addr;
	u64 scan_from;
	u64 t_vma_lock;
	u64 tl;
	u64 vm_start, vm_end;
	u32 state;
	u32 flags;
	bool vma_locked;
	bool writer_at_t0;
} ____cacheline_aligned;

static struct spfs_slot spfs_slots[SPFS_INFLIGHT_SIZE];

/*
 * fault_verdict is emitted from an irq_work, not from T1 itself: T1 may
 * run inside a perf software event (SPFS_T1_PERF), where perf drops
 * nested events - those of perf and of bpftrace on this tracepoint
 * included - and under the fault's lock in any case.  The irq_work runs
 * on the same CPU as soon as interrupts allow, still in the faulting
 * task (a hard irq_work, on PREEMPT_RT too), and only while the
 * tracepoint is enabled.
 */
#define SPFS_TRACE_RING		64

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

static void spfs_trace_verdict(int tgid, const struct spfs_fault *f,
			       const struct spfs_judgement *j, u64 window,
			       u64 wait)
{
	struct spfs_trace_ring *r = this_cpu_ptr(spfs_trace_rings);
	struct spfs_trace_rec *e;

	if (r->head - READ_ONCE(r->tail) >= SPFS_TRACE_RING) {
		spfs_stat_inc(SPFS_STAT_TRACE_DROPPED);
		return;
	}
	e = &r->rec[r->head % SPFS_TRACE_RING];
	e->tgid = tgid;
	e->flags = f->flags;
	e->addr = f->addr;
	e->window_ns = window;
	e->wait_ns = wait;
	e->j = *j;
	barrier();
	WRITE_ONCE(r->head, r->head + 1);
	irq_work_queue(&r->work);
}
NOKPROBE_SYMBOL(spfs_trace_verdict);

/* The event of a fault counted without a judgement (@j NULL) needs one. */
static void spfs_trace_fault(struct spfs_mm *smm, const struct spfs_fault *f,
			     const struct spfs_judgement *j, u64 window,
			     u64 wait)
{
	struct spfs_judgement clean;

	if (!j) {
		spfs_judge_begin(&clean, f, spfs_pvl);
		j = &clean;
	}
	spfs_trace_verdict(smm ? smm->tgid : 0, f, j, window, wait);
}
NOKPROBE_SYMBOL(spfs_trace_fault);

/*
 * shmem_mapping() is not exported before 6.2 or so; the address space
 * operations of a shmem file made at load time identify shmem mappings
 * (shared anonymous memory included) on every kernel.
 */
static const struct address_space_operations *spfs_shmem_aops;

static __always_inline bool spfs_vma_is_shmem(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       vma->vm_file->f_mapping->a_ops == spfs_shmem_aops;
}

static int spfs_caller_check(void);

/**
 * spfs_fault_init() - prepare the fault path
 *
 * Return: 0, or the error of creating a shmem file or of allocating.
 */
int spfs_fault_init(void)
{
	struct file *f;
	int cpu, ret;

	ret = spfs_caller_check();
	if (ret)
		return ret;
	spfs_unclean = spfs_unclean_flags(spfs_pvl);
	f = shmem_file_setup(KBUILD_MODNAME, 0, VM_NORESERVE);
	if (IS_ERR(f))
		return PTR_ERR(f);
	spfs_shmem_aops = f->f_mapping->a_ops;
	fput(f);

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

/*
 * Every hook of the fault path runs with preemption off - tracepoint
 * probes, kprobe handlers, the perf event, and the ftrace_ops callbacks,
 * which disable it themselves - and so inside an RCU read-side critical
 * section (any flavour, since RCU's were merged in 4.20): what looking up
 * an mm and walking its page tables need, without the calls of
 * rcu_read_lock(), which a preemptible-RCU kernel makes out of line.
 */
static __always_inline void spfs_assert_rcu_reader(void)
{
	lockdep_assert_preemption_disabled();
}

/*
 * A task's slot is its home slot, by hash, if that was free when the task
 * claimed one, else one of the next SPFS_INFLIGHT_PROBE - 1; per home,
 * spfs_slot_overflow counts the tasks placed further on.  Every fault of
 * the system passes here, most of them of untracked processes: a task
 * without a slot looks at its home slot and, only if another task holds
 * it and some task of that home overflowed, at the others.  A claim and
 * a free at home write nothing shared.  Only a task itself claims, finds
 * and frees its slot.
 */
static atomic_t spfs_slot_overflow[SPFS_INFLIGHT_SIZE];

static unsigned int spfs_slot_home(struct task_struct *task)
{
	return hash_ptr(task, SPFS_INFLIGHT_BITS);
}

static struct spfs_slot *spfs_slot_at(unsigned int home, unsigned int i)
{
	return &spfs_slots[(home + i) & (SPFS_INFLIGHT_SIZE - 1)];
}

static __always_inline struct spfs_slot *
spfs_slot_find(struct task_struct *task)
{
	unsigned int home = spfs_slot_home(task), i;
	struct spfs_slot *s = spfs_slot_at(home, 0);

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

static bool spfs_slot_take(struct spfs_slot *s, struct task_struct *task)
{
	return !READ_ONCE(s->task) && !cmpxchg(&s->task, NULL, task);
}

static struct spfs_slot *spfs_slot_claim(struct task_struct *task)
{
	unsigned int home = spfs_slot_home(task), i;

	if (spfs_slot_take(spfs_slot_at(home, 0), task))
		return spfs_slot_at(home, 0);
	atomic_inc(&spfs_slot_overflow[home]);
	for (i = 1; i < SPFS_INFLIGHT_PROBE; i++)
		if (spfs_slot_take(spfs_slot_at(home, i), task))
			return spfs_slot_at(home, i);
	atomic_dec(&spfs_slot_overflow[home]);
	return NULL;
}
NOKPROBE_SYMBOL(spfs_slot_claim);

/**
 * spfs_in_user_fault() - is a task between T0 and the end of its fault
 * @task: the task
 *
 * Return: true if @task is handling a user page fault.
 */
bool spfs_in_user_fault(struct task_struct *task)
{
	struct spfs_slot *s = spfs_slot_find(task);

	return s;
}
NOKPROBE_SYMBOL(spfs_in_user_fault);

/**
 * spfs_fault_stack_growth() - the current fault grows a stack VMA
 *
 * Called from the probe on expand_downwards(): the address was below the
 * stack VMA at T0, so a speculative fault would have found no VMA for it.
 */
void spfs_fault_stack_growth(void)
{
	struct spfs_slot *s = spfs_slot_find(current);

	if (s && s->state == SPFS_SLOT_PENDING)
		s->flags |= SPFS_F_NO_VMA;
}
NOKPROBE_SYMBOL(spfs_fault_stack_growth);

static void spfs_slot_free(struct spfs_slot *s)
{
	unsigned int home = spfs_slot_home(s->task);

	/* The slot's contents are done with before another task claims it. */
	smp_store_release(&s->task, NULL);
	if (s != spfs_slot_at(home, 0))
		atomic_dec(&spfs_slot_overflow[home]);
}

/*
 * The last disagreements between the shadow pvl verdict and the real
 * per-VMA-lock outcome, for debugfs: a lock-free ring, each entry
 * invalidated while written.
 */
static struct spfs_disagreement spfs_disagreements[SPFS_DISAGREEMENTS];
static atomic64_t spfs_disagreement_seq = ATOMIC64_INIT(0);

/* @j NULL: the fault is clean (see spfs_account()). */
static __always_inline void spfs_agreement(struct spfs_mm *smm,
					   const struct spfs_fault *f,
					   const struct spfs_judgement *j,
					   enum spfs_real real)
{
	struct spfs_stats *st = this_cpu_ptr(spfs_stats);
	u8 v = j ? j->verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE] : SPFS_V_SUCCESS;
	u8 detail = j ? j->detail[SPFS_RULE_PVL][SPFS_WIN_SERVICE] : 0;
	unsigned int row = spfs_pvl_row(v, detail);
	struct spfs_disagreement *d;
	u64 seq;

	st->agreement[row][real]++;
	if (spfs_pvl_agrees(row, real)) {
		st->count[SPFS_STAT_PVL_AGREE]++;
		return;
	}
	st->count[SPFS_STAT_PVL_DISAGREE]++;
	seq = atomic64_inc_return(&spfs_disagreement_seq);
	d = &spfs_disagreements[seq % SPFS_DISAGREEMENTS];
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
	e = &spfs_disagreements[seq % SPFS_DISAGREEMENTS];
	/* The sequence before the contents; pairs with spfs_agreement(). */
	if (smp_load_acquire(&e->seq) != seq)
		return false;
	*d = *e;
	smp_rmb();	/* the copy before the re-check */
	return READ_ONCE(e->seq) == seq;
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
			u8 v = j->verdict[r][w], d = j->detail[r][w];

			st->verdict[r][w][v]++;
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
		if (j->verdict[r][SPFS_WIN_SERVICE] == SPFS_V_SUCCESS) {
			st->hist_service[r][service_b]++;
			st->hist_wait[r][wait_b]++;
			st->wait_avoided_ns[r] += wait;
		}
	}
	for (w = 0; w < SPFS_NR_WINDOWS; w++)
		st->writer_stall_ns[w] += j->writer_stall[w];
}

/*
 * Count one fault: global per-CPU counters and the process's.  @j is its
 * judgement, or NULL for a fault found clean without one (no event in its
 * windows and spfs_fault_clean()): success under every rule.
 */
static void spfs_account(struct spfs_mm *smm, const struct spfs_fault *f,
			 const struct spfs_judgement *j, enum spfs_real real)
{
	struct spfs_stats *st = this_cpu_ptr(spfs_stats);
	u64 wait = f->tl > f->t0 ? f->tl - f->t0 : 0;
	u64 service = f->t1 > f->tl ? f->t1 - f->tl : 0;

	spfs_stats_write_begin(st);
	st->count[SPFS_STAT_FAULTS]++;
	spfs_count_verdicts(st, j, spfs_hist_bucket(service),
			    spfs_hist_bucket(wait), wait);
	if (SPFS_HAVE_VMA_LOCK)
		spfs_agreement(smm, f, j, real);
	spfs_stats_write_end(st);
	if (smm)
		spfs_account_mm(smm, j);
	if (trace_fault_verdict_enabled())
		spfs_trace_fault(smm, f, j, service, wait);
}
NOKPROBE_SYMBOL(spfs_account);

/*
 * A fault that never reached handle_mm_fault(): no VMA, or one it may not
 * access (SIGSEGV), or the task died in between.  Still a fault.
 */
static void spfs_account_no_vma(struct spfs_slot *s)
{
	struct spfs_fault f = {
		.t0 = s->t0, .tl = s->t0, .t1 = s->t0, .addr = s->addr,
		.t_vma_lock = s->t_vma_lock,
		.flags = SPFS_F_NO_VMA, .pmd_size = PMD_SIZE,
	};
	struct spfs_judgement j;

	spfs_judge_begin(&j, &f, spfs_pvl);
	spfs_assert_rcu_reader();
	spfs_account(spfs_mm_lookup(s->mm), &f, &j, SPFS_REAL_NONE);
}
NOKPROBE_SYMBOL(spfs_account_no_vma);

static void spfs_judge_slot(struct spfs_slot *s, u64 t1, bool real_retry);

/*
 * Retire whatever a task's slot still holds from an earlier fault: one
 * that never reached handle_mm_fault(), or one whose lock the handler
 * never released after it (T1 unseen), judged with its window ending at
 * TL, the last point known.
 */
static void spfs_slot_retire(struct spfs_slot *s)
{
	if (s->state == SPFS_SLOT_PENDING) {
		spfs_account_no_vma(s);
	} else if (s->state == SPFS_SLOT_IN) {
		spfs_stat_inc(SPFS_STAT_FAULTS_LATE);
		spfs_judge_slot(s, s->tl, true);
	}
}
NOKPROBE_SYMBOL(spfs_slot_retire);

/**
 * spfs_fault_entry() - T0: probe on exceptions:page_fault_user
 * @data: unused
 * @address: the faulting address
 * @regs: user registers
 * @error_code: the x86 page-fault error code
 *
 * Runs with interrupts off, before the fault takes any lock.
 */
void spfs_fault_entry(void *data, unsigned long address, struct pt_regs *regs,
		      unsigned long error_code)
{
	struct mm_struct *mm = current->mm;
	struct spfs_mm *smm;
	struct spfs_slot *s;
	u64 seq, from;

	if (!READ_ONCE(spfs_active) || !mm)
		return;
#ifdef SPFS_ABLATE_T0
	/* make bench's ablation: TL and T1 find no fault to follow. */
	return;
#endif

	s = spfs_slot_find(current);
	if (s)
		spfs_slot_retire(s);

	spfs_assert_rcu_reader();
	smm = spfs_mm_lookup(mm);
	if (!smm) {
		if (spfs_target_matches(current)) {
			spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
			spfs_track_request(mm);
		}
		goto out_free;
	}
	if (!s)
		s = spfs_slot_claim(current);
	if (!s) {
		spfs_stat_inc(SPFS_STAT_INFLIGHT_FULL);
		spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
		return;
	}

	s->mm = mm;
	s->addr = address;
	s->flags = 0;
	s->t_vma_lock = 0;
	s->t0 = spfs_now();
	seq = atomic64_read(&smm->seq);
	from = seq + 1;
	/* Events that began before T0 matter while still open. */
	s->writer_at_t0 = smp_load_acquire(&smm->w_begin);
	if (s->writer_at_t0)
		from = min(from, smm->w_first_seq);
	if (atomic_read(&smm->pt_open))
		from = from > SPFS_LOOKBACK ? from - SPFS_LOOKBACK : 1;
	s->scan_from = from;
	s->state = SPFS_SLOT_PENDING;
	return;

out_free:
	if (s)
		spfs_slot_free(s);
}
NOKPROBE_SYMBOL(spfs_fault_entry);

/*
 * lock_vma_under_rcu(mm, address) entered (6.4+), an ftrace_ops callback
 * as TL: when a user fault tries the VMA lock - a writer gone by then does
 * not stop it (see spfs_judge_vma()).  Timed only when a writer was there
 * at T0: a clock read is a good part of a hook's cost.
 */
static void notrace spfs_vma_lock_enter(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *op,
					struct ftrace_regs *fregs)
{
	struct spfs_slot *s;

	if (!READ_ONCE(spfs_active))
		return;
	preempt_disable_notrace();
	s = spfs_slot_find(current);
	if (s && s->state == SPFS_SLOT_PENDING && s->writer_at_t0 &&
	    !s->t_vma_lock)
		s->t_vma_lock = spfs_now();
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(spfs_vma_lock_enter);

static struct ftrace_ops spfs_vma_lock_ops = {
	.func	= spfs_vma_lock_enter,
};

/**
 * spfs_vma_lock_hook_register() - hook lock_vma_under_rcu() (6.4+)
 *
 * Without it, a VMA writer that was busy at T0 is taken to have stopped
 * the per-VMA lock even if it was gone when the fault tried the lock.
 *
 * Return: 0, or the error of hooking it.
 */
int spfs_vma_lock_hook_register(void)
{
	int ret;

	ret = ftrace_set_filter(&spfs_vma_lock_ops, "lock_vma_under_rcu",
				strlen("lock_vma_under_rcu"), 1);
	if (ret)
		return ret;
	ret = register_ftrace_function(&spfs_vma_lock_ops);
	if (ret)
		ftrace_free_filter(&spfs_vma_lock_ops);
	return ret;
}

/**
 * spfs_vma_lock_hook_unregister() - unhook lock_vma_under_rcu()
 */
void spfs_vma_lock_hook_unregister(void)
{
	unregister_ftrace_function(&spfs_vma_lock_ops);
	ftrace_free_filter(&spfs_vma_lock_ops);
}

/**
 * spfs_fault_kernel() - probe on exceptions:page_fault_kernel
 * @data: unused
 * @address: the faulting address
 * @regs: kernel registers
 * @error_code: the x86 page-fault error code
 *
 * Kernel accesses to user memory (copy_to_user() into a fresh page) fault
 * without a user fault entry; perf's page-faults event counts them, so
 * they are counted apart for the comparison.
 */
void spfs_fault_kernel(void *data, unsigned long address, struct pt_regs *regs,
		       unsigned long error_code)
{
	struct mm_struct *mm = current->mm;

	if (!READ_ONCE(spfs_active) || !mm || address >= TASK_SIZE_MAX)
		return;
	rcu_read_lock();
	if (spfs_mm_lookup(mm) || spfs_target_matches(current))
		spfs_stat_inc(SPFS_STAT_FAULTS_KERNEL);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_fault_kernel);

/**
 * spfs_task_exit() - probe on sched:sched_process_exit
 * @data: unused
 * @task: the exiting task (current)
 *
 * A fault whose task dies before handle_mm_fault() (a SIGSEGV) is counted
 * here, and its slot freed.
 */
void spfs_task_exit(void *data, struct task_struct *task)
{
	struct spfs_slot *s = spfs_slot_find(task);

	if (!s)
		return;
	spfs_slot_retire(s);
	spfs_slot_free(s);
}
NOKPROBE_SYMBOL(spfs_task_exit);

/* Classify the page-table entry for @addr (TL and T1, lock held). */
static __always_inline u32 spfs_pt_flags(struct mm_struct *mm,
					 unsigned long addr)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud, pudv;
	pmd_t *pmd, pmdv;
	pte_t *pte, ptev;
	u32 flags = 0;

	/* 6.6+ may free page tables after an RCU grace period. */
	spfs_assert_rcu_reader();
	pgd = pgd_offset(mm, addr);
	if (pgd_none(READ_ONCE(*pgd)))
		goto out;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		goto out;
	pud = pud_offset(p4d, addr);
	pudv = READ_ONCE(*pud);
	if (pud_none(pudv))
		goto out;
	if (pud_leaf(pudv)) {
		flags |= SPFS_F_HUGE_PMD;
		goto out;
	}
	pmd = pmd_offset(pud, addr);
	pmdv = READ_ONCE(*pmd);
	if (pmd_none(pmdv)) {
		flags |= SPFS_F_PMD_NONE;
		goto out;
	}
	if (pmd_trans_huge(pmdv) || pmd_devmap(pmdv) || pmd_leaf(pmdv)) {
		flags |= SPFS_F_HUGE_PMD;
		goto out;
	}
	if (!pmd_present(pmdv) || pmd_bad(pmdv))
		goto out;
	pte = pte_offset_kernel(pmd, addr);
	ptev = ptep_get(pte);
	if (!pte_none(ptev) && !pte_present(ptev)) {
		swp_entry_t entry = pte_to_swp_entry(ptev);

		flags |= SPFS_F_SWAP;
		if (is_device_private_entry(entry))
			flags |= SPFS_F_DEVICE_PRIVATE;
	}
out:
	return flags;
}

/* Classify a fault from its VMA, read under the real fault's lock. */
static __always_inline u32 spfs_vma_flags(struct vm_area_struct *vma)
{
	unsigned long vm_flags = vma->vm_flags;
	u32 flags = 0;

	if (vm_flags & VM_HUGETLB)
		flags |= SPFS_F_HUGETLB;
	else if (vm_flags & (VM_PFNMAP | VM_MIXEDMAP | VM_IO))
		flags |= SPFS_F_PFNMAP;
	else if (spfs_vma_is_shmem(vma))
		flags |= SPFS_F_SHMEM;
	else if (vma->vm_ops)
		flags |= SPFS_F_FILE;
	else
		flags |= SPFS_F_ANON;

	if ((flags & SPFS_F_ANON) && !vma->anon_vma)
		flags |= SPFS_F_NO_ANON_VMA;
	if (userfaultfd_missing(vma))
		flags |= SPFS_F_UFFD_MISSING;
	if (userfaultfd_armed(vma))
		flags |= SPFS_F_UFFD;
	if (vm_flags & (VM_GROWSDOWN | VM_GROWSUP))
		flags |= SPFS_F_STACK;
#ifdef CONFIG_NUMA
	if (vma->vm_policy && vma->vm_policy->mode == MPOL_INTERLEAVE)
		flags |= SPFS_F_INTERLEAVE;
#endif
	if (atomic_read(&vma->vm_mm->mm_users) <= 1)
		flags |= SPFS_F_SINGLE_THREAD;
	return flags;
}

/* Judge the fault of slot @s, which ended at @t1, and count it. */
static void spfs_judge_slot(struct spfs_slot *s, u64 t1, bool real_retry)
{
	struct spfs_judgement j;
	struct spfs_fault f = {
		.t0 = s->t0, .tl = s->tl, .t1 = t1, .t_vma_lock = s->t_vma_lock,
		.addr = s->addr, .vm_start = s->vm_start, .vm_end = s->vm_end,
		.flags = s->flags, .tid = current->pid, .pmd_size = PMD_SIZE,
	};
	enum spfs_real real = SPFS_REAL_MMAP;
	struct spfs_event ev;
	struct spfs_mm *smm;
	u64 last, seq, from = s->scan_from;

	if (s->vma_locked)
		real = real_retry ? SPFS_REAL_LOCKED_RETRY : SPFS_REAL_LOCKED;
	if (real_retry)
		f.flags |= SPFS_F_REAL_RETRY;

	spfs_assert_rcu_reader();
	smm = spfs_mm_lookup(s->mm);
	if (!smm) {
		spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
		return;
	}
	last = atomic64_read(&smm->seq);
	/*
	 * Nothing logged since the window opened and no write cycle open:
	 * the verdicts follow from the flags - for most faults, success under
	 * every rule, counted without making the judgement.
	 */
	if (last < from && !smp_load_acquire(&smm->w_begin) &&
	    !(f.flags & spfs_unclean)) {
		spfs_account(smm, &f, NULL, real);
		return;
	}
	spfs_judge_begin(&j, &f, spfs_pvl);
	if (last >= from && last - from >= SPFS_LOG_SIZE) {
		spfs_stat_inc(SPFS_STAT_LOG_OVERFLOW);
		from = last - SPFS_LOG_SIZE + 1;
	}
	for (seq = from; seq <= last; seq++)
		if (spfs_log_read(smm, seq, &ev))
			spfs_judge_event(&j, &f, &ev);

	/* A write cycle still open (per-VMA-lock faults run beside one). */
	ev.t_begin = smp_load_acquire(&smm->w_begin);
	if (ev.t_begin) {
		ev.type = SPFS_EV_MM_WRITE;
		ev.t_end = 0;
		ev.start = 0;
		ev.end = ULONG_MAX;
		ev.tid = 0;
		ev.cause = smm->w_cause;
		ev.flags = 0;
		spfs_judge_event(&j, &f, &ev);
	}
	spfs_account(smm, &f, &j, real);
}
NOKPROBE_SYMBOL(spfs_judge_slot);

#ifndef SPFS_T1_PERF

/*
 * The function that calls handle_mm_fault() for user faults and releases
 * the lock after it (do_user_addr_fault() on x86): it is neither exported
 * nor probe-able, so TL learns it from its return address the first time
 * a user fault enters handle_mm_fault(), and kallsyms gives its bounds.
 * The name is checked: a fault that never reached handle_mm_fault()
 * leaves its slot pending, and the task's next call may be GUP's.
 * Size 0: not known yet.
 */
static const char * const spfs_caller_names[] = {
	"do_user_addr_fault+",
	"exc_page_fault+",	/* should the compiler inline the former */
};
static unsigned long spfs_caller_start, spfs_caller_size;
static atomic_t spfs_caller_learning = ATOMIC_INIT(0);
/* Only one caller at a time: the learner, or init before the hooks. */
static char spfs_caller_buf[KSYM_SYMBOL_LEN];

/* The bounds of the function around @ip, from "name+0xoff/0xsize". */
static int spfs_caller_bounds(unsigned long ip, unsigned long *start,
			      unsigned long *size)
{
	unsigned long off, len;
	const char *p;

	sprint_symbol(spfs_caller_buf, ip);
	p = strchr(spfs_caller_buf, '+');
	if (!p || sscanf(p, "+%lx/%lx", &off, &len) != 2 || off >= len ||
	    off > ip)
		return -ENOENT;
	*start = ip - off;
	*size = len;
	return 0;
}

static void spfs_caller_learn(unsigned long ret_ip)
{
	unsigned long start, size;
	unsigned int i;

	if (atomic_xchg(&spfs_caller_learning, 1))
		return;
	if (spfs_caller_bounds(ret_ip, &start, &size)) {
		pr_warn_once("no symbol for handle_mm_fault()'s caller %pS: faults judged at the next fault\n",
			     (void *)ret_ip);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(spfs_caller_names); i++)
		if (str_has_prefix(spfs_caller_buf, spfs_caller_names[i]))
			break;
	if (i == ARRAY_SIZE(spfs_caller_names)) {
		pr_warn_once("handle_mm_fault() called from %s for a user fault: not taken for the fault handler\n",
			     spfs_caller_buf);
		atomic_set(&spfs_caller_learning, 0);	/* the next may be */
		return;
	}
	spfs_caller_start = start;
	/* Pairs with spfs_t1(): a size seen means its start is too. */
	smp_store_release(&spfs_caller_size, size);
}
NOKPROBE_SYMBOL(spfs_caller_learn);

/* TL's part: learn the caller from the first user fault that gets here. */
static __always_inline void spfs_caller_note(unsigned long ret_ip)
{
	/* A plain check: spfs_caller_learn() runs once. */
	if (!READ_ONCE(spfs_caller_size))
		spfs_caller_learn(ret_ip);
}

/*
 * kallsyms must give bounds the way spfs_caller_learn() reads them.  At
 * load, before any hook: TL's learner shares the buffer.
 */
static int spfs_caller_check(void)
{
	unsigned long start, size;

	if (spfs_caller_bounds((unsigned long)spfs_caller_check, &start,
			       &size) ||
	    start != (unsigned long)spfs_caller_check) {
		pr_err("kallsyms gives no symbol bounds: T1 cannot be found\n");
		return -ENOENT;
	}
	return 0;
}

#else /* SPFS_T1_PERF: T1 needs no caller */

static __always_inline void spfs_caller_note(unsigned long ret_ip)
{
}

static int spfs_caller_check(void)
{
	return 0;
}

#endif /* SPFS_T1_PERF */

/*
 * TL: handle_mm_fault(vma, address, flags, regs) entered, an ftrace_ops
 * callback.  The first call of a fault classifies it; a further one means
 * the previous call returned VM_FAULT_RETRY: the fault is judged as the
 * kernel's own retry right here.  Calls without a user fault entry are
 * GUP and kernel accesses.
 */
static void notrace spfs_tl(unsigned long ip, unsigned long parent_ip,
			    struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct vm_area_struct *vma;
	unsigned int fault_flags;
	struct spfs_slot *s;
	unsigned long addr;

	if (!READ_ONCE(spfs_active))
		return;
	vma = (struct vm_area_struct *)spfs_ftrace_arg(fregs, 0);
	addr = spfs_ftrace_arg(fregs, 1);
	fault_flags = spfs_ftrace_arg(fregs, 2);

	/* ftrace_ops callbacks may run preemptible; per-CPU state follows. */
	preempt_disable_notrace();
	s = spfs_slot_find(current);
	if (s && s->mm == vma->vm_mm) {
		switch (s->state) {
		case SPFS_SLOT_PENDING:
			spfs_caller_note(parent_ip);
			s->tl = spfs_now();
			s->vm_start = vma->vm_start;
			s->vm_end = vma->vm_end;
			s->vma_locked = fault_flags & SPFS_FAULT_FLAG_VMA_LOCK;
			s->flags |= spfs_vma_flags(vma) |
				    spfs_pt_flags(vma->vm_mm, addr);
			s->state = SPFS_SLOT_IN;
			goto out;
		case SPFS_SLOT_IN:
			spfs_judge_slot(s, spfs_now(), true);
			s->state = SPFS_SLOT_RETRYING;
			fallthrough;
		case SPFS_SLOT_RETRYING:
			spfs_stat_inc(SPFS_STAT_RETRY_CALLS);
			goto out;
		}
	}
	spfs_assert_rcu_reader();
	if (spfs_mm_lookup(vma->vm_mm))
		spfs_stat_inc(SPFS_STAT_FAULTS_GUP);
out:
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(spfs_tl);

static struct ftrace_ops spfs_tl_ops = {
	.func	= spfs_tl,
};

/* T1 in slot @s's task: judge the fault that ends here, free the slot. */
static __always_inline void spfs_t1_slot(struct spfs_slot *s)
{
#ifdef SPFS_ABLATE_JUDGE
	/* make bench's ablation: the hooks and the slots, no judging. */
	spfs_slot_free(s);
	return;
#endif
	if (s->state == SPFS_SLOT_IN) {
		/* Did the fault map a huge page where there was no table? */
		if (s->flags & SPFS_F_PMD_NONE)
			s->flags |= spfs_pt_flags(s->mm, s->addr) &
				    SPFS_F_HUGE_PMD;
		spfs_judge_slot(s, spfs_now(), false);
	} else if (s->state != SPFS_SLOT_RETRYING) {
		return;	/* not at handle_mm_fault() yet: not this fault's */
	}
	spfs_slot_free(s);
}

#ifndef SPFS_T1_PERF

/*
 * T1: up_read() entered from the fault handler - mmap_read_unlock() and,
 * for a fault under the VMA lock, vma_end_read() are inline there.  Every
 * up_read() of the system comes here and all but the handler's leave at
 * the first compare.  A lock dropped inside handle_mm_fault() is released
 * from mm code, so it is not taken for T1; nor is an up_read() of the
 * handler before handle_mm_fault() (bad areas), the slot being pending
 * then.
 */
static void notrace spfs_t1(unsigned long ip, unsigned long parent_ip,
			    struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	/* Pairs with spfs_caller_learn(): the start is read after its size. */
	unsigned long size = smp_load_acquire(&spfs_caller_size);
	struct spfs_slot *s;

	if (parent_ip - READ_ONCE(spfs_caller_start) >= size)
		return;
	if (!READ_ONCE(spfs_active))
		return;
	preempt_disable_notrace();
	s = spfs_slot_find(current);
	if (s)
		spfs_t1_slot(s);
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(spfs_t1);

static struct ftrace_ops spfs_t1_ops = {
	.func	= spfs_t1,
};

static int spfs_t1_register(void)
{
	int ret;

	ret = ftrace_set_filter(&spfs_t1_ops, "up_read", strlen("up_read"), 1);
	if (ret)
		return ret;
	ret = register_ftrace_function(&spfs_t1_ops);
	if (ret)
		ftrace_free_filter(&spfs_t1_ops);
	return ret;
}

static void spfs_t1_unregister(void)
{
	unregister_ftrace_function(&spfs_t1_ops);
	ftrace_free_filter(&spfs_t1_ops);
}

/**
 * spfs_t1_hook() - what T1 is hooked to
 * @kind: set to the kind of hook
 *
 * Return: its name, for debugfs "probes".
 */
const char *spfs_t1_hook(const char **kind)
{
	*kind = "ftrace";
	return "up_read";
}

#else /* SPFS_T1_PERF */

/*
 * T1: the perf software event of a completed fault (mm_account_fault(),
 * the lock still held), in the faulting task.
 */
static void spfs_t1(struct perf_event *event, struct perf_sample_data *data,
		    struct pt_regs *regs)
{
	struct spfs_slot *s;

	if (!READ_ONCE(spfs_active))
		return;
	s = spfs_slot_find(current);
	if (s)
		spfs_t1_slot(s);
}
NOKPROBE_SYMBOL(spfs_t1);

static struct perf_event *spfs_t1_events[2][NR_CPUS];

static void spfs_t1_unregister(void)
{
	int i, cpu;

	for (i = 0; i < 2; i++) {
		for_each_possible_cpu(cpu) {
			if (spfs_t1_events[i][cpu])
				perf_event_release_kernel(spfs_t1_events[i][cpu]);
			spfs_t1_events[i][cpu] = NULL;
		}
	}
}

/*
 * One counter per online CPU for each of page-faults-min and -maj, each
 * event overflowing (period 1) into spfs_t1().  The first overflow of a
 * software event is never throttled.
 */
static int spfs_t1_register(void)
{
	static const u64 configs[2] = {
		PERF_COUNT_SW_PAGE_FAULTS_MIN, PERF_COUNT_SW_PAGE_FAULTS_MAJ,
	};
	struct perf_event_attr attr = {
		.type		= PERF_TYPE_SOFTWARE,
		.size		= sizeof(attr),
		.sample_period	= 1,
		.pinned		= 1,
	};
	struct perf_event *event;
	int i, cpu;

	for (i = 0; i < 2; i++) {
		attr.config = configs[i];
		for_each_online_cpu(cpu) {
			event = perf_event_create_kernel_counter(&attr, cpu,
								 NULL, spfs_t1,
								 NULL);
			if (IS_ERR(event)) {
				spfs_t1_unregister();
				return PTR_ERR(event);
			}
			spfs_t1_events[i][cpu] = event;
		}
	}
	return 0;
}

const char *spfs_t1_hook(const char **kind)
{
	*kind = "perf";
	return "page-faults-min/maj";
}

#endif /* SPFS_T1_PERF */

/**
 * spfs_fault_hooks_register() - hook TL and T1
 *
 * Return: 0, or the error of the hook that failed.
 */
int spfs_fault_hooks_register(void)
{
	int ret;

	ret = ftrace_set_filter(&spfs_tl_ops, "handle_mm_fault",
				strlen("handle_mm_fault"), 1);
	if (ret)
		return ret;
	ret = register_ftrace_function(&spfs_tl_ops);
	if (ret)
		return ret;
	ret = spfs_t1_register();
	if (ret)
		unregister_ftrace_function(&spfs_tl_ops);
	return ret;
}

/**
 * spfs_fault_hooks_unregister() - unhook TL and T1
 *
 * On return neither callback runs any more.
 */
void spfs_fault_hooks_unregister(void)
{
	spfs_t1_unregister();
	unregister_ftrace_function(&spfs_tl_ops);
	ftrace_free_filter(&spfs_tl_ops);
}

/**
 * spfs_fault_exit() - forget the faults in flight
 *
 * Call after every probe is unregistered and synchronized.
 */
void spfs_fault_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(spfs_trace_rings, cpu)->work);
	free_percpu(spfs_trace_rings);
	spfs_trace_rings = NULL;
	memset(spfs_slots, 0, sizeof(spfs_slots));
	memset(spfs_slot_overflow, 0, sizeof(spfs_slot_overflow));
}
