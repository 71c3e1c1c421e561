// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: what writers do to a tracked mm.
 *
 *   mmap_lock write cycles	kretprobes on down_write() and friends,
 *				kprobes on up_write() and downgrade_write(),
 *				filtered to tracked mms' mmap_lock (the
 *				mmap_lock tracepoints would cost every lock
 *				operation a memcg path lookup); on 6.12 the
 *				writer's other down_write()s are its VMA write
 *				locks, on 6.18 and 7.3 a kprobe on
 *				__vma_start_write() sees them
 *   VMA writes			kretprobes on the write paths of this kernel
 *				(wrapper/vma_probes.h), each a bracket from
 *				entry to return
 *
 * The cause of a write - what the process was doing - is decided here,
 * from the system call in progress.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "spfs_clock.h"
#include "spfs_hooks.h"
#include "spfs_stats.h"
#include "spfs_trace.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"
#include "wrapper/vma_probes.h"

/*
 * What the current task is doing to an mm: the system call in progress;
 * in a user fault (an exception leaves -1 in orig_ax) only stack growth
 * writes VMAs; a kernel thread is khugepaged for a collapse.
 */
static u8 spfs_cause_current(s8 given, u8 op)
{
	struct pt_regs *regs;

	if (given >= 0)
		return given;
	if (current->flags & PF_KTHREAD)
		return op == SPFS_OP_COLLAPSE ? SPFS_C_KHUGEPAGED :
						SPFS_C_OTHER;
	regs = task_pt_regs(current);
	if (regs->orig_ax == -1)
		return SPFS_C_STACK;
	switch (syscall_get_nr(current, regs)) {
	case __NR_mprotect:
	case __NR_pkey_mprotect:
		return SPFS_C_MPROTECT;
	case __NR_munmap:
		return SPFS_C_MUNMAP;
	case __NR_mmap:
	case __NR_remap_file_pages:
		return SPFS_C_MMAP;
	case __NR_mremap:
		return SPFS_C_MREMAP;
	case __NR_brk:
		return SPFS_C_BRK;
	case __NR_madvise:
	case __NR_process_madvise:
		return SPFS_C_MADVISE;
	case __NR_mlock:
	case __NR_mlock2:
	case __NR_munlock:
	case __NR_mlockall:
	case __NR_munlockall:
		return SPFS_C_MLOCK;
	case __NR_clone:
	case __NR_clone3:
	case __NR_fork:
	case __NR_vfork:
		return SPFS_C_FORK;
	case __NR_mbind:
	case __NR_set_mempolicy:
	case __NR_set_mempolicy_home_node:
		return SPFS_C_MEMPOLICY;
	case __NR_prctl:
		return SPFS_C_PRCTL;
	/* The write(2) that changes VMAs: to /proc/PID/clear_refs. */
	case __NR_write:
	case __NR_writev:
	case __NR_pwrite64:
	case __NR_pwritev:
	case __NR_pwritev2:
		return SPFS_C_CLEAR_REFS;
	default:
		return SPFS_C_OTHER;
	}
}
NOKPROBE_SYMBOL(spfs_cause_current);

/* ------------------------------------------------------------------ */
/* mmap_lock write cycles                                               */

/*
 * mmap_write_lock() and friends are inline: their rwsem calls are the
 * hooks.  Faults only take the read side, so none of this runs on the
 * fault path; other rwsems cost a hash lookup that misses - and, in a
 * tracked process's writer, a look at the VMA write lock it may be.
 */
int spfs_wlock_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct spfs_wlock *w = (struct spfs_wlock *)ri->data;
	struct spfs_mm *smm;
	int ret = 1;

	if (!spfs_is_active() || SPFS_PROFILING(EMPTY))
		return 1;
	w->sem = (struct rw_semaphore *)regs_get_kernel_argument(regs, 0);
	w->vma_lock = false;
	rcu_read_lock();
	smm = spfs_mm_lookup(container_of(w->sem, struct mm_struct,
					  mmap_lock));
	if (smm) {
		ret = 0;
	} else if (SPFS_HAVE_VMA_LOCK) {
		smm = spfs_cycle_of_current();
		w->slot = smm ? spfs_cycle_vma_lock(smm, w->sem) : -1;
		if (w->slot >= 0) {
			w->vma_lock = true;
			w->mm = smm->mm;
			w->id = smm->id;
			ret = 0;
		}
	}
	rcu_read_unlock();
	return ret;
}
NOKPROBE_SYMBOL(spfs_wlock_entry);

static void spfs_mmap_write_begin(struct spfs_wlock *w)
{
	struct spfs_mm *smm;

	rcu_read_lock();
	if (w->vma_lock) {
		/* The writer has the VMA's lock: readers are out from now. */
		smm = spfs_mm_lookup(w->mm);
		if (smm && smm->id == w->id)
			spfs_cycle_vma_locked(smm, w->slot);
	} else {
		smm = spfs_mm_lookup(container_of(w->sem, struct mm_struct,
						  mmap_lock));
		if (smm)
			spfs_cycle_begin(smm,
					 spfs_cause_current(-1, SPFS_OP_ADJUST));
	}
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_mmap_write_begin);

/* down_write() returns nothing. */
int spfs_wlock_ret_void(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	spfs_mmap_write_begin((struct spfs_wlock *)ri->data);
	return 0;
}
NOKPROBE_SYMBOL(spfs_wlock_ret_void);

/* down_write_killable() returns 0 on success. */
int spfs_wlock_ret_zero(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct spfs_wlock *w = (struct spfs_wlock *)ri->data;

	if (!regs_return_value(regs) || w->vma_lock)
		spfs_mmap_write_begin(w);
	return 0;
}
NOKPROBE_SYMBOL(spfs_wlock_ret_zero);

/* down_write_trylock() returns 1 on success. */
int spfs_wlock_ret_one(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct spfs_wlock *w = (struct spfs_wlock *)ri->data;

	if (regs_return_value(regs) == 1 || w->vma_lock)
		spfs_mmap_write_begin(w);
	return 0;
}
NOKPROBE_SYMBOL(spfs_wlock_ret_one);

/**
 * spfs_lock_contended() - probe on lock:contention_begin
 * @data: unused
 * @lock: the lock
 * @flags: LCB_F_* of include/trace/events/lock.h
 *
 * A writer of a tracked mm that queues for a VMA's lock keeps readers out
 * from now (see spfs_cycle_vma_queued()).  Kernels with per-VMA locks only.
 */
void spfs_lock_contended(void *data, void *lock, unsigned int flags)
{
	struct spfs_mm *smm;

	if (!spfs_is_active() || !(flags & SPFS_LCB_F_WRITE) ||
	    SPFS_PROFILING(EMPTY))
		return;
	rcu_read_lock();
	smm = spfs_cycle_of_current();
	if (smm)
		spfs_cycle_vma_queued(smm, lock);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_lock_contended);

/* up_write() or downgrade_write(): the write cycle ends, lock still held. */
int spfs_wunlock_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct rw_semaphore *sem =
		(struct rw_semaphore *)regs_get_kernel_argument(regs, 0);
	struct spfs_mm *smm;

	if (!spfs_is_active() || SPFS_PROFILING(EMPTY))
		return 0;
	rcu_read_lock();
	smm = spfs_mm_lookup(container_of(sem, struct mm_struct, mmap_lock));
	if (smm && READ_ONCE(smm->w_begin) && smm->w_task == current)
		spfs_cycle_end(smm);
	rcu_read_unlock();
	return 0;
}
NOKPROBE_SYMBOL(spfs_wunlock_pre);

/**
 * spfs_vma_write_lock_entry() - SPFS_VMA_WRITE_LOCK_FN(vma, ...) entered
 * @ri: the kretprobe instance: its data is a &struct spfs_vlock
 * @regs: the arguments
 *
 * Kernels whose VMA write lock is out of line (wrapper/vma_lock.h): the
 * writer of a tracked mm, in its write cycle - the mm's own task or one
 * from outside (khugepaged) - asks for the VMA's write lock now, and has
 * it when the function returns.
 *
 * Return: 0 to see the return, 1 if there is nothing to follow.
 */
int spfs_vma_write_lock_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)regs_get_kernel_argument(regs, 0);
	struct spfs_vlock *w = (struct spfs_vlock *)ri->data;
	struct spfs_mm *smm;
	int ret = 1;

	if (!spfs_is_active() || SPFS_PROFILING(EMPTY))
		return 1;
	rcu_read_lock();
	smm = spfs_mm_lookup(vma->vm_mm);
	if (smm && READ_ONCE(smm->w_begin) && smm->w_task == current &&
	    !spfs_cycle_vma_write_lock(smm, vma)) {
		w->vma = vma;
		w->mm = smm->mm;
		w->id = smm->id;
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}
NOKPROBE_SYMBOL(spfs_vma_write_lock_entry);

/**
 * spfs_vma_write_lock_ret() - SPFS_VMA_WRITE_LOCK_FN returns
 * @ri: the kretprobe instance, as its entry handler filled it
 * @regs: the return registers
 *
 * Return: 0.
 */
int spfs_vma_write_lock_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct spfs_vlock *w = (struct spfs_vlock *)ri->data;
	struct spfs_mm *smm;

	rcu_read_lock();
	smm = spfs_mm_lookup(w->mm);
	if (smm && smm->id == w->id)
		spfs_cycle_vma_lock_held(smm, w->vma, spfs_now());
	rcu_read_unlock();
	return 0;
}
NOKPROBE_SYMBOL(spfs_vma_write_lock_ret);

/**
 * spfs_vma_mark_pre() - the instruction after the VMA write lock's mark
 * @kp: the kprobe, in its &struct spfs_mark_probe
 * @regs: the registers as the lock cmpxchg left them
 *
 * Where the cmpxchg succeeded (the probe is past its retry branch, or ZF
 * says so): vm_refcnt, at its operand's address, has the writer's flag
 * from now.  The operand was decoded from text, so
 * what it points to is read as if it could be anything, and only a VMA
 * whose lock is open in the current writer's mm is taken.
 *
 * Return: 0.
 */
int spfs_vma_mark_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct spfs_mark_probe *mp =
		container_of(kp, struct spfs_mark_probe, kp);
	u64 now = spfs_now();
	struct vm_area_struct *vma;
	unsigned long refcnt;
	struct mm_struct *mm;
	struct spfs_mm *smm;
	unsigned int v;

	if (!spfs_is_active() || SPFS_PROFILING(EMPTY) ||
	    (!mp->taken && !(regs->flags & X86_EFLAGS_ZF)))
		return 0;
	refcnt = regs_get_register(regs, mp->reg_offset) + mp->disp;
	vma = (struct vm_area_struct *)(refcnt - SPFS_VMA_REFCNT_OFFSET);
	if (get_kernel_nofault(v, (unsigned int *)refcnt) ||
	    !(v & SPFS_VMA_REFCNT_WRITER) ||
	    get_kernel_nofault(mm, &vma->vm_mm))
		return 0;
	rcu_read_lock();
	smm = spfs_mm_lookup(mm);
	if (smm && READ_ONCE(smm->w_begin) && smm->w_task == current)
		spfs_cycle_vma_lock_held(smm, vma, now);
	rcu_read_unlock();
	return 0;
}
NOKPROBE_SYMBOL(spfs_vma_mark_pre);

/* ------------------------------------------------------------------ */
/* VMA write paths                                                      */

/**
 * struct spfs_vma_write - a VMA write in progress, between the kretprobe's
 *			   entry and return
 * @mm: the mm written
 * @id: its &struct spfs_mm id: the state is looked up again at the return,
 *	for the function may sleep and the mm's tracking end meanwhile
 * @slot: its open slot, or -1
 * @ev: the event
 */
struct spfs_vma_write {
	struct mm_struct *mm;
	u64 id;
	int slot;
	struct spfs_event ev;
};

/**
 * spfs_vma_write_data_size() - the kretprobes' data_size
 *
 * Return: sizeof(struct spfs_vma_write).
 */
size_t spfs_vma_write_data_size(void)
{
	return sizeof(struct spfs_vma_write);
}

static unsigned long spfs_arg(struct pt_regs *regs, int n)
{
	return n < 0 ? 0 : regs_get_kernel_argument(regs, n);
}
NOKPROBE_SYMBOL(spfs_arg);

static void spfs_widen(u64 *start, u64 *end, struct vm_area_struct *vma)
{
	if (!vma)
		return;
	*start = min_t(u64, *start, vma->vm_start);
	*end = max_t(u64, *end, vma->vm_end);
}
NOKPROBE_SYMBOL(spfs_widen);

/*
 * 6.1's __vma_adjust(vma, start, end, pgoff, insert, expand) also moves
 * the next VMA's start, looked up as the kernel does (mm/mmap.c
 * __vma_adjust()): case 5, the head of next merged into vma, and case 4,
 * vma's tail given to next, where neither vma's range nor the arguments
 * cover next's new bounds.
 */
static void spfs_adjust_range(struct pt_regs *regs,
			      struct vm_area_struct *vma, u64 *start, u64 *end)
{
	struct vm_area_struct *next;
	u64 new_end = spfs_arg(regs, 2);

	if (spfs_arg(regs, 4) || new_end == vma->vm_end)
		return;		/* a split inserts; nothing else moves */
	next = find_vma(vma->vm_mm, vma->vm_end);
	if (next && (new_end > next->vm_start || new_end < vma->vm_end))
		spfs_widen(start, end, next);
}
NOKPROBE_SYMBOL(spfs_adjust_range);

/*
 * commit_merge(vmg, ...): the merged range and every VMA the merge
 * writes - the one that takes the range, the one whose start moves and
 * those removed - as the vmg or the arguments after it say
 * (wrapper/vma_probes.h).
 */
static struct mm_struct *spfs_merge_range(struct pt_regs *regs, u64 *start,
					  u64 *end)
{
	struct vm_area_struct *vmas[SPFS_VMG_VMAS];
	struct mm_struct *mm;
	int i;

	mm = spfs_vmg_read((const void *)spfs_arg(regs, 0), vmas, start, end);
	if (!mm)
		return NULL;
	for (i = 0; i < SPFS_VMG_VMAS; i++)
		spfs_widen(start, end, vmas[i]);
	for (i = 1; i <= SPFS_VMG_ARG_VMAS; i++)
		spfs_widen(start, end,
			   (struct vm_area_struct *)spfs_arg(regs, i));
	return mm;
}
NOKPROBE_SYMBOL(spfs_merge_range);

/* The mm and range of a write path's call; NULL mm: nothing to log. */
static struct mm_struct *spfs_write_range(const struct spfs_vma_probe_def *def,
					  struct pt_regs *regs, u64 *start,
					  u64 *end)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)spfs_arg(regs, def->vma);
	struct mm_struct *mm;
	u64 s;

	if (def->range == SPFS_RANGE_MERGE)
		return spfs_merge_range(regs, start, end);
	mm = def->mm >= 0 ? (struct mm_struct *)spfs_arg(regs, def->mm) :
	     vma ? vma->vm_mm : current->mm;
	*start = ULONG_MAX;
	*end = 0;
	switch (def->range) {
	case SPFS_RANGE_MM:
		*start = 0;
		*end = ULONG_MAX;
		break;
	case SPFS_RANGE_ADJUST:
		spfs_widen(start, end, vma);
		spfs_adjust_range(regs, vma, start, end);
		fallthrough;
	default:
		spfs_widen(start, end, vma);
		if (def->range == SPFS_RANGE_VMA || def->start < 0)
			break;
		s = spfs_arg(regs, def->start);
		*start = min(*start, s);
		*end = max(*end, def->end >= 0 ? spfs_arg(regs, def->end) :
				 def->len >= 0 ? s + spfs_arg(regs, def->len) :
				 s + 1);
		break;
	}
	return *start < *end ? mm : NULL;
}
NOKPROBE_SYMBOL(spfs_write_range);

/**
 * spfs_vma_write_entry() - a VMA write path entered
 * @ri: the kretprobe instance: its data is a &struct spfs_vma_write
 * @regs: the arguments
 *
 * Return: 0 to see the return (a tracked mm is written), else 1.
 */
int spfs_vma_write_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct spfs_vma_probe_def *def =
		container_of(get_kretprobe(ri), struct spfs_vma_probe,
			     rp)->def;
	struct spfs_vma_write *w = (struct spfs_vma_write *)ri->data;
	struct mm_struct *mm;
	struct spfs_mm *smm;
	u64 start, end;
	int ret = 1;

	if (!spfs_is_active() || SPFS_PROFILING(EMPTY))
		return 1;
	if (def->op == SPFS_OP_STACK)
		spfs_fault_stack_growth();
	mm = spfs_write_range(def, regs, &start, &end);
	if (!mm)
		return 1;
	rcu_read_lock();
	smm = spfs_mm_lookup(mm);
	if (!smm)
		goto out;
	w->mm = mm;
	w->id = smm->id;
	w->ev = (struct spfs_event){
		.type = SPFS_EV_VMA, .kind = def->op, .start = start,
		.end = end, .tid = current->pid,
		.cause = spfs_cause_current(def->cause, def->op),
	};
	w->ev.t_begin = spfs_now();
	/* In the mm's write cycle: its VMA locks are looked for here. */
	if (READ_ONCE(smm->w_begin) && smm->w_task == current) {
		w->ev.cycle = smm->w_cycle;
		spfs_cycle_range(smm, start, end);
		/*
		 * khugepaged's collapse is dufour's write section from the
		 * write lock on (v12 10/31): it begins with the cycle.
		 */
		if (def->op == SPFS_OP_COLLAPSE)
			w->ev.t_begin = smm->w_begin;
	}
	w->slot = spfs_open_begin(smm, &w->ev, NULL);
	ret = 0;
out:
	rcu_read_unlock();
	return ret;
}
NOKPROBE_SYMBOL(spfs_vma_write_entry);

/**
 * spfs_vma_write_ret() - a VMA write path returns: the write is logged
 * @ri: the kretprobe instance
 * @regs: the return registers
 *
 * Return: 0.
 */
int spfs_vma_write_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct spfs_vma_write *w = (struct spfs_vma_write *)ri->data;
	struct spfs_mm *smm;
	u64 now = spfs_now(), seq;

	rcu_read_lock();
	smm = spfs_mm_lookup(w->mm);
	if (!smm || smm->id != w->id)
		goto out;
	if (w->slot >= 0) {
		seq = spfs_open_end(smm, w->slot, now);
	} else {
		w->ev.t_end = now;
		seq = spfs_log_append(smm, &w->ev);
	}
	trace_vma_event(smm->tgid, w->ev.kind, w->ev.cause, w->ev.start,
			w->ev.end, seq);
	spfs_stat_inc(SPFS_STAT_EVENTS_VMA);
out:
	rcu_read_unlock();
	return 0;
}
NOKPROBE_SYMBOL(spfs_vma_write_ret);
