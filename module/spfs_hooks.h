/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the hooks, as spfs_probes.c attaches them.
 *
 *   spfs_fault.c	the fault timeline: T0, TL, T1, the VMA lock
 *			attempt, kernel faults, task exit
 *   spfs_writers.c	the writers: mmap_lock write cycles and the VMA
 *			write paths of this kernel (wrapper/vma_probes.h)
 */
#ifndef _SPFS_HOOKS_H
#define _SPFS_HOOKS_H

#include <linux/ftrace.h>
#include <linux/rwsem.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/sched.h>

#include "wrapper/fprobe.h"

/* The fault timeline (spfs_fault.c). */
void spfs_fault_entry(void *data, unsigned long address, struct pt_regs *regs,
		      unsigned long error_code);
void spfs_fault_kernel(void *data, unsigned long address, struct pt_regs *regs,
		       unsigned long error_code);
void spfs_task_exit(void *data, struct task_struct *task);
void spfs_tl(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
	     struct ftrace_regs *fregs);
void spfs_t1(unsigned long ip, unsigned long parent_ip, struct ftrace_ops *op,
	     struct ftrace_regs *fregs);
#if SPFS_T1_AT_RETURN
int spfs_t1_handled(struct kprobe *kp, struct pt_regs *regs);
void spfs_t1_ret(struct fprobe *fp, unsigned long entry_ip,
		 unsigned long ret_ip, struct ftrace_regs *fregs, void *data);
#endif
void spfs_fault_stack_growth(void);
int spfs_fault_init(void);

/* The VMA lock attempt (spfs_fault_vlock.c), and T0's fork front. */
struct spfs_mm;
struct spfs_slot;
void spfs_vma_lock_enter(unsigned long ip, unsigned long parent_ip,
			 struct ftrace_ops *op, struct ftrace_regs *fregs);
int spfs_vma_lock_walked(struct kprobe *kp, struct pt_regs *regs);
void spfs_fault_fork_front(struct spfs_slot *s, struct spfs_mm *smm);

/**
 * struct spfs_wlock - a down_write() of a tracked mm's writer, from entry
 *		       to return
 * @sem: the lock
 * @mm: the mm
 * @id: its &struct spfs_mm id, checked again at the return
 * @slot: for a VMA's lock, the open slot of its SPFS_OP_VMA_LOCK event
 * @vma_lock: @sem is a VMA's write lock, not the mm's mmap_lock
 */
struct spfs_wlock {
	struct rw_semaphore *sem;
	struct mm_struct *mm;
	u64 id;
	int slot;
	bool vma_lock;
};

/**
 * struct spfs_vlock - a VMA's out-of-line write lock
 *		       (SPFS_VMA_WRITE_LOCK_FN), from entry to return
 * @vma: the VMA (its open event's key)
 * @mm: its mm
 * @id: the &struct spfs_mm id, checked again at the return
 */
struct spfs_vlock {
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	u64 id;
};

/**
 * struct spfs_mark_probe - a kprobe after the lock cmpxchg that marks a
 *			    VMA's vm_refcnt for its writer
 * @kp: the kprobe
 * @reg_offset: the operand's base register, as an offset in &struct pt_regs
 * @disp: the operand's displacement: base + disp is &vma->vm_refcnt
 * @taken: the probe is where the cmpxchg has succeeded (else its ZF says)
 */
struct spfs_mark_probe {
	struct kprobe kp;
	unsigned int reg_offset;
	s32 disp;
	bool taken;
};

/* The writers (spfs_writers.c). */
int spfs_wlock_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int spfs_wlock_ret_void(struct kretprobe_instance *ri, struct pt_regs *regs);
int spfs_wlock_ret_zero(struct kretprobe_instance *ri, struct pt_regs *regs);
int spfs_wlock_ret_one(struct kretprobe_instance *ri, struct pt_regs *regs);
int spfs_wunlock_pre(struct kprobe *kp, struct pt_regs *regs);
int spfs_vma_write_lock_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs);
int spfs_vma_write_lock_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs);
int spfs_vma_mark_pre(struct kprobe *kp, struct pt_regs *regs);
void spfs_lock_contended(void *data, void *lock, unsigned int flags);
int spfs_vma_write_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int spfs_vma_write_ret(struct kretprobe_instance *ri, struct pt_regs *regs);
size_t spfs_vma_write_data_size(void);

/**
 * struct spfs_vma_probe - a VMA write path's kretprobe
 * @rp: the kretprobe
 * @def: what the function is (wrapper/vma_probes.h)
 * @attached: whether it is registered
 */
struct spfs_vma_probe {
	struct kretprobe rp;
	const struct spfs_vma_probe_def *def;
	bool attached;
};

#endif /* _SPFS_HOOKS_H */
