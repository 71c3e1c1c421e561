// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the fault timeline and the verdicts.
 *
 *   T0  exceptions:page_fault_user, no lock held: a speculative fault
 *       would start here.  Snapshot of the mm's event sequence.
 *   TL  handle_mm_fault() entry, the real path holds mmap_lock (or the
 *       VMA lock): the VMA is stable and is classified.
 *   T1  handle_mm_fault() return, the lock still held: the events logged
 *       since T0 are judged (spfs_verdict.c) and counted.
 *
 * Per-task state between T0 and T1 lives in a preallocated table indexed
 * by task: no lock, no allocation, and only the owning task touches its
 * slot (the exit hook runs in the exiting task too).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/mempolicy.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/swapops.h>
#include <linux/timekeeping.h>
#include <linux/userfaultfd_k.h>

#include "spfs.h"
#include "spfs_trace.h"
#include "wrapper/vma_lock.h"

enum spfs_pvl_profile spfs_pvl = SPFS_PVL_6_12;

#define SPFS_INFLIGHT_BITS	10
#define SPFS_INFLIGHT_SIZE	(1U << SPFS_INFLIGHT_BITS)
/* Slots looked at from a task's home slot before giving up. */
#define SPFS_INFLIGHT_PROBE	32
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
 * @t_vma_lock: when lock_vma_under_rcu() was entered (6.4+), or 0
 * @state: &enum spfs_slot_state
 * @flags: SPFS_F_* known at T0
 */
struct spfs_slot {
	struct task_struct *task;
	struct mm_struct *mm;
	u64 t0;
	u64 addr;
	u64 scan_from;
	u64 t_vma_lock;
	u32 state;
	u32 flags;
} ____cacheline_aligned;

static struct spfs_slot spfs_slots[SPFS_INFLIGHT_SIZE];

/**
 * struct spfs_tl - what the kretprobe keeps from TL to T1 (ri->data)
 * @slot: the fault's slot
 * @tl: TL (ns)
 * @vm_start: the VMA's start at TL
 * @vm_end: its end
 * @flags: SPFS_F_* read at TL
 * @retry_call: a further call of a fault that returned VM_FAULT_RETRY
 * @vma_locked: the call runs under the VMA lock (FAULT_FLAG_VMA_LOCK)
 */
struct spfs_tl {
	struct spfs_slot *slot;
	u64 tl;
	u64 vm_start, vm_end;
	u32 flags;
	bool retry_call;
	bool vma_locked;
};

static u64 spfs_now(void)
{
	return ktime_get_mono_fast_ns();
}

/*
 * shmem_mapping() is not exported before 6.2 or so; the address space
 * operations of a shmem file made at load time identify shmem mappings
 * (shared anonymous memory included) on every kernel.
 */
static const struct address_space_operations *spfs_shmem_aops;

static bool spfs_vma_is_shmem(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       vma->vm_file->f_mapping->a_ops == spfs_shmem_aops;
}
NOKPROBE_SYMBOL(spfs_vma_is_shmem);

/**
 * spfs_fault_init() - prepare the fault path
 *
 * Return: 0, or the error of creating a shmem file.
 */
int spfs_fault_init(void)
{
	struct file *f = shmem_file_setup(KBUILD_MODNAME, 0, VM_NORESERVE);

	if (IS_ERR(f))
		return PTR_ERR(f);
	spfs_shmem_aops = f->f_mapping->a_ops;
	fput(f);
	return 0;
}

static struct spfs_slot *spfs_slot_home(struct task_struct *task,
					unsigned int i)
{
	u32 h = hash_ptr(task, SPFS_INFLIGHT_BITS);

	return &spfs_slots[(h + i) & (SPFS_INFLIGHT_SIZE - 1)];
}

static struct spfs_slot *spfs_slot_find(struct task_struct *task)
{
	struct spfs_slot *s;
	unsigned int i;

	for (i = 0; i < SPFS_INFLIGHT_PROBE; i++) {
		s = spfs_slot_home(task, i);
		if (READ_ONCE(s->task) == task)
			return s;
	}
	return NULL;
}
NOKPROBE_SYMBOL(spfs_slot_find);

static struct spfs_slot *spfs_slot_claim(struct task_struct *task)
{
	struct spfs_slot *s;
	unsigned int i;

	for (i = 0; i < SPFS_INFLIGHT_PROBE; i++) {
		s = spfs_slot_home(task, i);
		if (!READ_ONCE(s->task) && !cmpxchg(&s->task, NULL, task))
			return s;
	}
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
	/* The slot's contents are done with before another task claims it. */
	smp_store_release(&s->task, NULL);
}

/*
 * The last disagreements between the shadow pvl verdict and the real
 * per-VMA-lock outcome, for debugfs: a lock-free ring, each entry
 * invalidated while written.
 */
static struct spfs_disagreement spfs_disagreements[SPFS_DISAGREEMENTS];
static atomic64_t spfs_disagreement_seq = ATOMIC64_INIT(0);

static void spfs_agreement(struct spfs_mm *smm, const struct spfs_fault *f,
			   const struct spfs_judgement *j, enum spfs_real real)
{
	struct spfs_stats *st = this_cpu_ptr(&spfs_stats);
	u8 v = j->verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE];
	u8 detail = j->detail[SPFS_RULE_PVL][SPFS_WIN_SERVICE];
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
NOKPROBE_SYMBOL(spfs_agreement);

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

/* Count one judged fault: global per-CPU counters and the process's. */
static void spfs_account(struct spfs_mm *smm, const struct spfs_fault *f,
			 const struct spfs_judgement *j, enum spfs_real real)
{
	struct spfs_stats *st = this_cpu_ptr(&spfs_stats);
	u64 wait = f->tl > f->t0 ? f->tl - f->t0 : 0;
	u64 service = f->t1 > f->tl ? f->t1 - f->tl : 0;
	int r, w;

	st->count[SPFS_STAT_FAULTS]++;
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
			st->hist_service[r][spfs_hist_bucket(service)]++;
			st->hist_wait[r][spfs_hist_bucket(wait)]++;
			st->wait_avoided_ns[r] += wait;
		}
		if (smm)
			atomic_long_inc(&smm->verdict[r]
					[j->verdict[r][SPFS_WIN_SERVICE]]);
	}
	for (w = 0; w < SPFS_NR_WINDOWS; w++)
		st->writer_stall_ns[w] += j->writer_stall[w];
	if (smm)
		atomic_long_inc(&smm->faults);
	trace_fault_verdict(smm ? smm->tgid : 0, f->addr, f->flags, j, service,
			    wait);
	if (SPFS_HAVE_VMA_LOCK)
		spfs_agreement(smm, f, j, real);
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
	rcu_read_lock();
	spfs_account(spfs_mm_lookup(s->mm), &f, &j, SPFS_REAL_NONE);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_account_no_vma);

/* Retire whatever a task's slot still holds from an earlier fault. */
static void spfs_slot_retire(struct spfs_slot *s)
{
	if (s->state == SPFS_SLOT_PENDING)
		spfs_account_no_vma(s);
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

	s = spfs_slot_find(current);
	if (s)
		spfs_slot_retire(s);

	rcu_read_lock();
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
		goto out;
	}

	s->mm = mm;
	s->addr = address;
	s->flags = 0;
	s->t_vma_lock = 0;
	s->t0 = spfs_now();
	seq = atomic64_read(&smm->seq);
	from = seq + 1;
	/* Events that began before T0 matter while still open. */
	if (smp_load_acquire(&smm->w_begin))
		from = min(from, smm->w_first_seq);
	if (atomic_read(&smm->pt_open))
		from = from > SPFS_LOOKBACK ? from - SPFS_LOOKBACK : 1;
	s->scan_from = from;
	s->state = SPFS_SLOT_PENDING;
	rcu_read_unlock();
	return;

out_free:
	if (s)
		spfs_slot_free(s);
out:
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_fault_entry);

/**
 * spfs_vma_lock_pre() - kprobe on lock_vma_under_rcu(mm, address) (6.4+)
 * @kp: the kprobe
 * @regs: registers at entry
 *
 * When a user fault tries the VMA lock: a writer gone by then does not
 * stop it (see spfs_judge_vma()).
 *
 * Return: 0.
 */
int spfs_vma_lock_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct spfs_slot *s;

	if (!READ_ONCE(spfs_active))
		return 0;
	s = spfs_slot_find(current);
	if (s && s->state == SPFS_SLOT_PENDING && !s->t_vma_lock)
		s->t_vma_lock = spfs_now();
	return 0;
}
NOKPROBE_SYMBOL(spfs_vma_lock_pre);

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
static u32 spfs_pt_flags(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud, pudv;
	pmd_t *pmd, pmdv;
	pte_t *pte, ptev;
	u32 flags = 0;

	/* 6.6+ may free page tables after an RCU grace period. */
	rcu_read_lock();
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
	if (pmd_none(pmdv))
		goto out;
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
	rcu_read_unlock();
	return flags;
}
NOKPROBE_SYMBOL(spfs_pt_flags);

/* Classify a fault from its VMA, read under the real fault's lock. */
static u32 spfs_vma_flags(struct vm_area_struct *vma)
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
NOKPROBE_SYMBOL(spfs_vma_flags);

/**
 * spfs_hmf_data_size() - the kretprobe's per-instance data size
 *
 * Return: sizeof(struct spfs_tl).
 */
size_t spfs_hmf_data_size(void)
{
	return sizeof(struct spfs_tl);
}

/**
 * spfs_hmf_entry() - TL: entry of handle_mm_fault(vma, address, flags, regs)
 * @ri: the kretprobe instance; ri->data is a &struct spfs_tl
 * @regs: the registers at entry
 *
 * Return: 0 to have spfs_hmf_return() called, 1 not to.
 */
int spfs_hmf_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma;
	struct spfs_tl *d = (struct spfs_tl *)ri->data;
	struct spfs_slot *s;
	unsigned long addr;
	unsigned int fault_flags;

	if (!READ_ONCE(spfs_active))
		return 1;
	vma = (struct vm_area_struct *)regs_get_kernel_argument(regs, 0);
	addr = regs_get_kernel_argument(regs, 1);
	fault_flags = regs_get_kernel_argument(regs, 2);

	s = spfs_slot_find(current);
	if (s && s->mm == vma->vm_mm) {
		switch (s->state) {
		case SPFS_SLOT_PENDING:
			s->state = SPFS_SLOT_IN;
			d->slot = s;
			d->retry_call = false;
			d->vma_locked = fault_flags & SPFS_FAULT_FLAG_VMA_LOCK;
			d->tl = spfs_now();
			d->vm_start = vma->vm_start;
			d->vm_end = vma->vm_end;
			d->flags = spfs_vma_flags(vma) |
				   spfs_pt_flags(vma->vm_mm, addr);
			return 0;
		case SPFS_SLOT_RETRYING:
			spfs_stat_inc(SPFS_STAT_RETRY_CALLS);
			d->slot = s;
			d->retry_call = true;
			return 0;
		}
	}
	/* No user fault in progress (or a nested call): GUP and friends. */
	rcu_read_lock();
	if (spfs_mm_lookup(vma->vm_mm))
		spfs_stat_inc(SPFS_STAT_FAULTS_GUP);
	rcu_read_unlock();
	return 1;
}
NOKPROBE_SYMBOL(spfs_hmf_entry);

static void spfs_judge(struct spfs_mm *smm, struct spfs_slot *s,
		       struct spfs_fault *f, enum spfs_real real)
{
	struct spfs_judgement j;
	struct spfs_event ev;
	u64 last, seq, from = s->scan_from;

	spfs_judge_begin(&j, f, spfs_pvl);
	last = atomic64_read(&smm->seq);
	if (last >= from && last - from >= SPFS_LOG_SIZE) {
		spfs_stat_inc(SPFS_STAT_LOG_OVERFLOW);
		from = last - SPFS_LOG_SIZE + 1;
	}
	for (seq = from; seq <= last; seq++)
		if (spfs_log_read(smm, seq, &ev))
			spfs_judge_event(&j, f, &ev);

	/* A write cycle still open (per-VMA-lock faults run beside one). */
	ev.t_begin = smp_load_acquire(&smm->w_begin);
	if (ev.t_begin) {
		ev.type = SPFS_EV_MM_WRITE;
		ev.t_end = 0;
		ev.start = 0;
		ev.end = ULONG_MAX;
		ev.tid = 0;
		ev.cause = smm->w_cause;
		spfs_judge_event(&j, f, &ev);
	}
	spfs_account(smm, f, &j, real);
}
NOKPROBE_SYMBOL(spfs_judge);

/**
 * spfs_hmf_return() - T1: return of handle_mm_fault()
 * @ri: the kretprobe instance, as set up by spfs_hmf_entry()
 * @regs: the registers at return
 *
 * Return: 0.
 */
int spfs_hmf_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);
	struct spfs_tl *d = (struct spfs_tl *)ri->data;
	struct spfs_slot *s = d->slot;
	enum spfs_real real = SPFS_REAL_MMAP;
	struct spfs_fault f;
	struct spfs_mm *smm;

	if (d->retry_call)
		goto done;

	f.t0 = s->t0;
	f.t_vma_lock = s->t_vma_lock;
	f.tl = d->tl;
	f.t1 = spfs_now();
	f.addr = s->addr;
	f.vm_start = d->vm_start;
	f.vm_end = d->vm_end;
	f.flags = d->flags | s->flags;
	f.tid = current->pid;
	f.pmd_size = PMD_SIZE;
	if (d->vma_locked)
		real = ret & (VM_FAULT_RETRY | VM_FAULT_ERROR) ?
		       SPFS_REAL_LOCKED_RETRY : SPFS_REAL_LOCKED;
	if (ret & (VM_FAULT_RETRY | VM_FAULT_ERROR))
		f.flags |= SPFS_F_REAL_RETRY;
	else if (!(ret & VM_FAULT_COMPLETED))
		/* The lock is still held: did the fault map a huge page? */
		f.flags |= spfs_pt_flags(s->mm, s->addr) & SPFS_F_HUGE_PMD;

	rcu_read_lock();
	smm = spfs_mm_lookup(s->mm);
	if (smm)
		spfs_judge(smm, s, &f, real);
	else
		spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
	rcu_read_unlock();

done:
	if (ret & VM_FAULT_RETRY)
		s->state = SPFS_SLOT_RETRYING;
	else
		spfs_slot_free(s);
	return 0;
}
NOKPROBE_SYMBOL(spfs_hmf_return);

/**
 * spfs_fault_exit() - forget the faults in flight
 *
 * Call after every probe is unregistered and synchronized.
 */
void spfs_fault_exit(void)
{
	memset(spfs_slots, 0, sizeof(spfs_slots));
}
