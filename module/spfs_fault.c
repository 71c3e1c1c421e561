// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the fault timeline.
 *
 *   T0  exceptions:page_fault_user, no lock held, interrupts off: a
 *       speculative fault would start here.  The designs' page-table walk
 *       (spfs_walk()), a snapshot of the mm's event sequence.
 *   TL  handle_mm_fault() entry (an ftrace_ops callback), taken for the
 *       fault only if it is that user fault - FAULT_FLAG_USER, the same
 *       address and instruction - not a kernel fault on the way (a signal
 *       frame written to a fresh sigaltstack) nor GUP: the real path
 *       holds mmap_lock (or the VMA lock), the VMA is stable and is
 *       classified.
 *   T1  the fault's lock released after handle_mm_fault() (an ftrace_ops
 *       callback on up_read()), the lock still held: by the arch fault
 *       handler (do_user_addr_fault() on x86), or inside the fault by
 *       fault_dirty_shared_page() for a write to a clean shared page, when
 *       the fault returns VM_FAULT_COMPLETED; where vma_end_read() is
 *       inline (6.18, 7.3), handle_mm_fault() once the fault is handled
 *       (a kprobe; an fprobe on its return where the kprobe cannot be
 *       placed: spfs_probes_t1.c).  The events logged since T0 are judged
 *       and counted.
 *
 * A call that returns VM_FAULT_RETRY has dropped the lock inside, from mm
 * code; the retry's own handle_mm_fault() entry judges the fault as the
 * kernel's retry.  Whether a fault the handler ended completed or failed
 * is the kernel's own count: mm_account_fault() moves the task's min_flt
 * or maj_flt for a fault that neither retried nor failed.  A fault whose
 * end is not seen (a fatal signal during a retry) is judged at the task's
 * next fault, kernel fault or exit (faults_late).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/ptrace.h>
#include <linux/sched/task_stack.h>
#include <linux/uaccess.h>
#include <asm/trap_pf.h>

#include "spfs_ablate.h"
#include "spfs_account.h"
#include "spfs_caller.h"
#include "spfs_clock.h"
#include "spfs_hooks.h"
#include "spfs_judge.h"
#include "spfs_settings.h"
#include "spfs_slot.h"
#include "spfs_stats.h"
#include "spfs_track.h"
#include "spfs_walk.h"
#include "wrapper/fprobe.h"
#include "wrapper/ftrace.h"
#include "wrapper/vma_lock.h"

/*
 * The task is still in the fault its slot was made for: it entered the
 * kernel by an exception (a system call leaves its number in orig_ax; an
 * exception -1) at the faulting instruction.
 */
static __always_inline bool spfs_in_fault(const struct spfs_slot *s)
{
	const struct pt_regs *regs = task_pt_regs(current);

	return regs->orig_ax == -1 && regs->ip == s->ip;
}

/**
 * spfs_fault_stack_growth() - the current fault grows a stack VMA
 *
 * From the probe on expand_downwards(): the address was below the stack
 * VMA at T0, so a speculative fault would have found no VMA for it.
 */
void spfs_fault_stack_growth(void)
{
	struct spfs_slot *s = spfs_slot_mine();

	if (s && s->state == SPFS_SLOT_PENDING && spfs_in_fault(s))
		s->flags |= SPFS_F(NO_VMA);
}
NOKPROBE_SYMBOL(spfs_fault_stack_growth);

#ifdef SPFS_PROFILE_INFLATE
/*
 * Work for nothing at every followed fault: a build that must fail make
 * check's instruction budget (tools/testing/vm/tests/75-icount.sh).
 */
static unsigned int inflate;
module_param(inflate, uint, 0444);

static __always_inline void spfs_inflate(void)
{
	unsigned int i;

	for (i = 0; i < inflate; i++)
		barrier();
}
#else
static __always_inline void spfs_inflate(void)
{
}
#endif

/**
 * spfs_fault_entry() - T0: probe on exceptions:page_fault_user
 * @data: unused
 * @address: the faulting address
 * @regs: user registers
 * @error_code: the x86 page-fault error code
 *
 * Runs with interrupts off, before the fault takes any lock.  notrace,
 * as every hook run at each fault: no function-tracer call site to pass.
 */
void notrace spfs_fault_entry(void *data, unsigned long address,
			      struct pt_regs *regs, unsigned long error_code)
{
	struct mm_struct *mm = current->mm;
	struct spfs_mm *smm;
	struct spfs_slot *s;
	unsigned int home;
	u64 from;

	if (SPFS_PROFILING(EMPTY))
		return;
	if (!spfs_is_active() || !mm || SPFS_ABLATING_T0)
		return;
	home = spfs_slot_home(current);
	s = spfs_slot_find_at(current, home);
	if (s)
		spfs_slot_retire(s);

	spfs_assert_rcu_reader();
	smm = spfs_mm_find(mm);
	if (!smm) {
		if (spfs_target_matches(current)) {
			spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
			spfs_track_request(mm);
		}
		if (s)
			spfs_slot_free(s);
		return;
	}
	if (!s && SPFS_PROFILING(TWICE_SLOT)) {
		s = spfs_slot_claim_at(current, home);
		if (s)
			spfs_slot_free(s);
		s = NULL;
	}
	if (!s)
		s = spfs_slot_claim_at(current, home);
	if (!s) {
		spfs_stat_inc(SPFS_STAT_INFLIGHT_FULL);
		spfs_stat_inc(SPFS_STAT_FAULTS_UNTRACKED);
		return;
	}

	spfs_inflate();
	s->mm = mm;
	/* Read by spfs_slot_forget_mm() at any time. */
	WRITE_ONCE(s->smm, smm);
	s->mm_id = smm->id;
	s->addr = address;
	s->ip = regs->ip;
	s->t_vma_lock = 0;
	s->vma_written = false;
	if (SPFS_PROFILING(TWICE_WALK)) {
		u32 flags = spfs_walk(mm, address, &s->pmd, &s->path);

		OPTIMIZER_HIDE_VAR(flags);
	}
	s->flags = spfs_walk(mm, address, &s->pmd, &s->path);
	if (error_code & X86_PF_WRITE)
		s->flags |= SPFS_F(WRITE);
	/*
	 * The sequence before T0: what is logged after it is scanned, what
	 * was logged before ended before T0 - but the VMA write locks of a
	 * cycle under way, which last to its end: scan it from its start.
	 */
	from = atomic64_read(&smm->seq) + 1;
	s->fork_front = 0;
	/* Pairs with spfs_cycle_begin(): w_first_seq is set before. */
	if (smp_load_acquire(&smm->w_begin)) {
		from = min(from, READ_ONCE(smm->w_first_seq));
		spfs_fault_fork_front(s, smm);
	}
	s->scan_from = from;
	s->t0 = spfs_now();
	s->lock_seq = SPFS_HAVE_VMA_LOCK && spfs_vma_lock_facts ?
		      spfs_mm_lock_seq(mm) : 0;
	s->state = SPFS_SLOT_PENDING;
}
NOKPROBE_SYMBOL(spfs_fault_entry);

/**
 * spfs_fault_kernel() - probe on exceptions:page_fault_kernel
 * @data: unused
 * @address: the faulting address
 * @regs: kernel registers
 * @error_code: the x86 page-fault error code
 *
 * Kernel accesses to user memory (copy_to_user() into a fresh page) fault
 * without a user fault entry; perf's page-faults event counts them, so
 * they are counted apart for the comparison.  One outside pagefault_disable()
 * (the nofault accessors of probes) also means the task's user fault, if
 * it left one, is over: the kernel is delivering its signal.
 */
void spfs_fault_kernel(void *data, unsigned long address, struct pt_regs *regs,
		       unsigned long error_code)
{
	struct mm_struct *mm = current->mm;
	struct spfs_slot *s;

	if (!spfs_is_active() || !mm || address >= TASK_SIZE_MAX ||
	    SPFS_PROFILING(EMPTY))
		return;
	spfs_assert_rcu_reader();
	if (!pagefault_disabled()) {
		s = spfs_slot_find(current);
		if (s) {
			spfs_slot_retire(s);
			spfs_slot_free(s);
		}
	}
	if (spfs_mm_lookup(mm) || spfs_target_matches(current))
		spfs_stat_inc(SPFS_STAT_FAULTS_KERNEL);
}
NOKPROBE_SYMBOL(spfs_fault_kernel);

/**
 * spfs_task_exit() - probe on sched:sched_process_exit
 * @data: unused
 * @task: the exiting task (current)
 *
 * A fault whose task dies before its end (a SIGSEGV) is counted here,
 * and its slot freed.
 */
void spfs_task_exit(void *data, struct task_struct *task)
{
	struct spfs_slot *s;

	if (SPFS_PROFILING(EMPTY))
		return;
	spfs_assert_rcu_reader();
	s = spfs_slot_find(task);
	if (!s)
		return;
	spfs_slot_retire(s);
	spfs_slot_free(s);
}
NOKPROBE_SYMBOL(spfs_task_exit);

/**
 * spfs_fault_init() - prepare the fault path
 *
 * At load, before any hook.
 *
 * Return: 0, or -ENOENT if kallsyms gives no symbol bounds.
 */
int spfs_fault_init(void)
{
	spfs_slot_init();
	spfs_judge_init();
	return spfs_caller_init();
}

/* ------------------------------------------------------------------ */
/* TL and T1                                                            */

/*
 * Is this handle_mm_fault() call slot @s's user fault: a user fault (not
 * the kernel's own access, not GUP), at the same address and instruction.
 */
static __always_inline bool spfs_tl_is_fault(const struct spfs_slot *s,
					     unsigned long addr,
					     unsigned int fault_flags,
					     const struct pt_regs *regs)
{
	return (fault_flags & (FAULT_FLAG_USER | FAULT_FLAG_REMOTE)) ==
	       FAULT_FLAG_USER && addr == s->addr && regs &&
	       regs->ip == s->ip;
}

/**
 * spfs_tl() - TL: handle_mm_fault(vma, address, flags, regs) entered
 * @ip: the hooked function
 * @parent_ip: its caller
 * @op: the ftrace_ops
 * @fregs: its arguments
 *
 * The first call of a fault classifies it; a further one means the
 * previous call returned VM_FAULT_RETRY: the fault is judged as the
 * kernel's own retry right here.  Any other call of the task means its
 * fault is over; calls without a user fault entry are GUP and kernel
 * accesses.
 */
void notrace spfs_tl(unsigned long ip, unsigned long parent_ip,
		     struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct vm_area_struct *vma;
	const struct pt_regs *regs;
	unsigned int fault_flags;
	struct spfs_slot *s;
	unsigned long addr;

	if (!spfs_is_active() || SPFS_PROFILING(EMPTY))
		return;
	vma = (struct vm_area_struct *)spfs_ftrace_arg(fregs, 0);
	addr = spfs_ftrace_arg(fregs, 1);
	fault_flags = spfs_ftrace_arg(fregs, 2);
	regs = (const struct pt_regs *)spfs_ftrace_arg(fregs, 3);

	/* ftrace_ops callbacks may run preemptible; per-CPU state follows. */
	preempt_disable_notrace();
	s = spfs_slot_mine();
	if (!s)
		goto gup;
	if (s->mm == vma->vm_mm &&
	    spfs_tl_is_fault(s, addr, fault_flags, regs)) {
		switch (s->state) {
		case SPFS_SLOT_PENDING:
			spfs_caller_note(parent_ip);
			s->tl = spfs_now();
			s->vm_start = vma->vm_start;
			s->vm_end = vma->vm_end;
			s->vma_locked = fault_flags & SPFS_FAULT_FLAG_VMA_LOCK;
			if (SPFS_PROFILING(TWICE_CLASSIFY)) {
				u32 flags = spfs_vma_flags(vma);

				OPTIMIZER_HIDE_VAR(flags);
			}
			s->flags |= spfs_vma_flags(vma);
			s->flt = spfs_task_faults();
			if (SPFS_HAVE_VMA_LOCK && spfs_vma_lock_facts)
				s->vma_written = spfs_vma_locked_since(vma,
								s->lock_seq);
			s->state = SPFS_SLOT_IN;
			goto out;
		case SPFS_SLOT_IN:
			spfs_judge_slot(s, spfs_now(), SPFS_F(REAL_RETRY),
					spfs_real(s, true));
			s->state = SPFS_SLOT_RETRYING;
			fallthrough;
		case SPFS_SLOT_RETRYING:
			spfs_stat_inc(SPFS_STAT_RETRY_CALLS);
			goto out;
		}
	}
	/* Not its fault's: that one is over, as far as it was seen. */
	spfs_slot_retire(s);
	spfs_slot_free(s);
gup:
	spfs_assert_rcu_reader();
	if (spfs_mm_lookup(vma->vm_mm))
		spfs_stat_inc(SPFS_STAT_FAULTS_GUP);
out:
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(spfs_tl);

/*
 * T1 in slot @s's task, the fault's lock still held: judge, free.  The
 * kernel's outcome: @completed, the fault returned VM_FAULT_COMPLETED (its
 * lock released inside); else @failed, it returned an error, which the
 * kernel counts as no fault (mm_account_fault()).
 */
static __always_inline void spfs_t1_slot(struct spfs_slot *s, bool completed,
					 bool failed)
{
	u32 flags;

	if (s->state == SPFS_SLOT_RETRYING) {
		if (!completed)
			spfs_slot_free(s);
		return;
	}
	if (s->state != SPFS_SLOT_IN)
		return;	/* not at handle_mm_fault() yet: not this fault's */
	if (completed) {
		flags = SPFS_F(COMPLETED);
		failed = false;
		spfs_stat_inc(SPFS_STAT_FAULTS_COMPLETED);
	} else {
		flags = failed ? SPFS_F(REAL_RETRY) : 0;
	}
	__spfs_judge_slot(s, spfs_now(), flags, spfs_real(s, failed), true);
	spfs_slot_free(s);
}

/*
 * After mm_account_fault(): a fault that neither retried nor failed has
 * moved the task's count since TL.
 */
static __always_inline bool spfs_t1_failed(const struct spfs_slot *s)
{
	return spfs_task_faults() == s->flt;
}

/*
 * A fault under the VMA lock releases it, @sem, with a fork under way
 * somewhere: one waiting for it may take it now
 * (spfs_cycle_fork_read_unlock()).  Preemption is off: an RCU reader.
 */
static noinline void spfs_t1_fork(struct spfs_slot *s, const void *sem)
{
	struct spfs_mm *smm;

	if (s->state != SPFS_SLOT_IN)
		return;
	smm = spfs_mm_lookup(s->mm);
	if (smm && smm->id == s->mm_id)
		spfs_cycle_fork_read_unlock(smm, sem);
}
NOKPROBE_SYMBOL(spfs_t1_fork);

/**
 * spfs_t1() - T1: up_read() entered from the fault handler, or from
 *	       fault_dirty_shared_page()
 * @ip: the hooked function
 * @parent_ip: its caller
 * @op: the ftrace_ops
 * @fregs: its arguments
 *
 * mmap_read_unlock() and, for a fault under the VMA lock, vma_end_read()
 * are inline there.  Every up_read() of the system comes here and all but
 * those two callers' leave at the first compares.  A lock dropped inside
 * handle_mm_fault() to retry is released from other mm code, and not
 * taken for T1; nor is an up_read() of the handler before
 * handle_mm_fault() (bad areas), the slot being pending then.
 */
void notrace spfs_t1(unsigned long ip, unsigned long parent_ip,
		     struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	/* Pairs with spfs_caller_learn(): the start is read after its size. */
	unsigned long size = smp_load_acquire(&spfs_caller_size);
	struct spfs_slot *s;
	bool completed;

	if (SPFS_PROFILING(EMPTY))
		return;
	if (parent_ip - READ_ONCE(spfs_caller_start) < size)
		completed = false;
	else if (parent_ip - spfs_completer_start < spfs_completer_size)
		completed = true;
	else
		return;
	if (!spfs_is_active())
		return;
	preempt_disable_notrace();
	s = spfs_slot_mine();
	if (s) {
		if (SPFS_HAVE_VMA_LOCK && s->vma_locked &&
		    atomic_read(&spfs_cycle_forks))
			spfs_t1_fork(s, (const void *)spfs_ftrace_arg(fregs, 0));
		spfs_t1_slot(s, completed, spfs_t1_failed(s));
	}
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(spfs_t1);

#if SPFS_T1_AT_RETURN
/**
 * spfs_t1_ret() - T1: handle_mm_fault() returns to the fault handler
 * @fp: the fprobe
 * @entry_ip: the hooked function
 * @ret_ip: where it returns to
 * @fregs: the return's registers
 * @data: unused
 *
 * Where vma_end_read() is inline, the lock still held (VM_FAULT_RETRY
 * dropped it: spfs_tl() judges).  up_read() then finds no slot.
 */
void notrace spfs_t1_ret(struct fprobe *fp, unsigned long entry_ip,
			 unsigned long ret_ip, struct ftrace_regs *fregs,
			 void *data)
{
	/* Pairs with spfs_caller_learn(): the start is read after its size. */
	unsigned long size = smp_load_acquire(&spfs_caller_size);
	vm_fault_t ret;
	struct spfs_slot *s;

	if (SPFS_PROFILING(EMPTY) ||
	    ret_ip - READ_ONCE(spfs_caller_start) >= size ||
	    !spfs_is_active())
		return;
	ret = (__force vm_fault_t)spfs_fprobe_retval(fregs);
	if (ret & VM_FAULT_RETRY)
		return;
	preempt_disable_notrace();
	s = spfs_slot_mine();
	if (s)
		spfs_t1_slot(s, ret & VM_FAULT_COMPLETED, spfs_t1_failed(s));
	preempt_enable_notrace();
}
NOKPROBE_SYMBOL(spfs_t1_ret);

/**
 * spfs_t1_handled() - T1: handle_mm_fault() has handled the fault
 * @kp: the kprobe, on the instruction after its call of __handle_mm_fault()
 *	or hugetlb_fault() (spfs_probes_t1.c)
 * @regs: ax holds what the call returned
 *
 * Where vma_end_read() is inline, the lock still held (VM_FAULT_RETRY
 * dropped it: spfs_tl() judges), before mm_account_fault(): an error is
 * read from the return value.  A slot in its first handle_mm_fault() call
 * is in this one: TL ends it at any other call of the task.  Two
 * differences from the fprobe on the return: a VM_DROPPABLE mapping's
 * VM_FAULT_OOM, which handle_mm_fault() clears after the call, is taken
 * as failed; and a fault under the VMA lock that handle_mm_fault()
 * refuses before either call (sanitize_fault_flags(),
 * arch_vma_access_permitted(): a SIGSEGV) is not seen here, and is judged
 * at the task's next fault or exit (faults_late).  Preemption is off (a
 * kprobe handler).
 *
 * Return: 0.
 */
int notrace spfs_t1_handled(struct kprobe *kp, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs->ax;
	struct spfs_slot *s;

	if (SPFS_PROFILING(EMPTY) || (ret & VM_FAULT_RETRY) ||
	    !spfs_is_active())
		return 0;
	s = spfs_slot_mine();
	if (s)
		spfs_t1_slot(s, ret & VM_FAULT_COMPLETED, ret & VM_FAULT_ERROR);
	return 0;
}
NOKPROBE_SYMBOL(spfs_t1_handled);
#endif /* SPFS_T1_AT_RETURN */
