/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: per-VMA locks (CONFIG_PER_VMA_LOCK), in the kernel
 * since 6.4.
 *
 * SPFS_HAVE_VMA_LOCK says whether the kernel takes the VMA lock on user
 * faults; SPFS_FAULT_FLAG_VMA_LOCK is the flag of a handle_mm_fault() call
 * made under it, 0 where there is none.  The facts read from the kernel's
 * own lock state, for pvl's ground truth:
 *
 *   spfs_mm_lock_seq(mm)		the mm's lock sequence, now
 *   spfs_mm_cycle_lock_seq(mm)	the vm_lock_seq a write cycle that has
 *					just taken mmap_lock gives the VMAs it
 *					write-locks
 *   spfs_vma_locked_in_cycle(vma, s)	write-locked by that cycle
 *   spfs_vma_locked_since(vma, s)	write-locked by a cycle that was under
 *					way when spfs_mm_lock_seq() gave s, or
 *					began later
 *   spfs_vma_lock_sem(vma)		the rw_semaphore vma_start_write()
 *					takes with down_write(), NULL where
 *					there is none
 *   spfs_vma_lock_busy(sem)		that rw_semaphore is held (by readers:
 *					faults) or waited for now: a
 *					down_write() entered now does not
 *					have it at once
 *
 * SPFS_HAVE_VMA_WRITE_LOCK_FN says the kernel write-locks a VMA out of
 * line, in SPFS_VMA_WRITE_LOCK_FN, whose first argument is the VMA (else
 * NULL: inline, seen through the down_write() of the VMA's rw_semaphore,
 * or no per-VMA locks); there the writer marks vm_refcnt, at
 * SPFS_VMA_REFCNT_OFFSET in the VMA, with SPFS_VMA_REFCNT_WRITER (0
 * elsewhere).  SPFS_VMA_END_READ_INLINE says a fault under the
 * VMA lock ends without an out-of-line call (vma_end_read() drops
 * vm_refcnt inline): the end of such a fault is the return of
 * handle_mm_fault(), the lock still held.
 */
#ifndef _SPFS_WRAPPER_VMA_LOCK_H
#define _SPFS_WRAPPER_VMA_LOCK_H

#include <linux/mm_types.h>
#include <linux/version.h>

#include "wrapper/kernel_range.h"

#if (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 88) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0))

/*
 * 6.12.88 and later 6.12.y ("mm: convert mm_lock_seq to a proper
 * seqcount"), 6.18.y and 7.3.y: mm_lock_seq is a seqcount_t made odd by
 * mmap_write_lock() right after down_write() and even again by
 * vma_end_write_all() before up_write()/downgrade_write(); vma_start_write()
 * sets vm_lock_seq to its odd value - on 6.12 under
 * down_write(&vma->vm_lock->lock), on 6.18 and 7.3 in the out-of-line
 * __vma_start_write(), once the readers counted in vm_refcnt are gone.  A
 * new VMA's vm_lock_seq is UINT_MAX.
 */
#define SPFS_HAVE_VMA_LOCK		IS_ENABLED(CONFIG_PER_VMA_LOCK)
#define SPFS_FAULT_FLAG_VMA_LOCK	FAULT_FLAG_VMA_LOCK
/* lock:contention_begin's flag of a writer (include/trace/events/lock.h). */
#define SPFS_LCB_F_WRITE		(1U << 2)

static inline u32 spfs_mm_lock_seq(struct mm_struct *mm)
{
	return READ_ONCE(mm->mm_lock_seq.sequence);
}

/* From down_write()'s return: mm_lock_seqcount_begin() comes next. */
static inline u32 spfs_mm_cycle_lock_seq(struct mm_struct *mm)
{
	return READ_ONCE(mm->mm_lock_seq.sequence) + 1;
}

static inline bool spfs_vma_locked_in_cycle(struct vm_area_struct *vma,
					    u32 cycle_seq)
{
	return READ_ONCE(vma->vm_lock_seq) == cycle_seq;
}

/* An odd @seq is the cycle under way then; even, the next is seq + 1. */
static inline bool spfs_vma_locked_since(struct vm_area_struct *vma, u32 seq)
{
	u32 v = READ_ONCE(vma->vm_lock_seq);

	return v != UINT_MAX && (s32)(v - (seq | 1)) >= 0;
}

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
/*
 * 6.12: vma_start_write() is inline (include/linux/mm.h) and takes
 * down_write(&vma->vm_lock->lock), which the module's down_write()
 * kretprobe sees; vma_end_read() is up_read() on the same rw_semaphore.
 */
#define SPFS_HAVE_VMA_WRITE_LOCK_FN	0
#define SPFS_VMA_WRITE_LOCK_FN		NULL
#define SPFS_VMA_END_READ_INLINE	0
#define SPFS_VMA_REFCNT_OFFSET		0
#define SPFS_VMA_REFCNT_WRITER		0

static inline const void *spfs_vma_lock_sem(struct vm_area_struct *vma)
{
	return &vma->vm_lock->lock;
}

/*
 * The count of a (non-RT) rw_semaphore is 0 when it is free, waiterless
 * (kernel/locking/rwsem.c).  A writer that finds readers spins or queues,
 * and while it spins without queueing new readers still get in.
 */
static inline bool spfs_vma_lock_busy(const void *sem)
{
#ifdef CONFIG_PREEMPT_RT	/* an rwbase_rt: no count to read */
	return false;
#else
	return atomic_long_read(&((const struct rw_semaphore *)sem)->count);
#endif
}
#else /* LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0) */
/*
 * 6.15 replaced the VMA's rw_semaphore with vm_refcnt.  vma_start_write()
 * (include/linux/mmap_lock.h) returns at once for a VMA this cycle has
 * locked already, else calls the out-of-line __vma_start_write() (mm/
 * mmap_lock.c; the BTF of Debian's 6.18.15 and 7.3.4 images):
 *
 *   6.18.y  void __vma_start_write(struct vm_area_struct *vma,
 *				    unsigned int mm_lock_seq)
 *   7.3.y   int __vma_start_write(struct vm_area_struct *vma, int state)
 *	     (state TASK_KILLABLE from dup_mmap() only: -EINTR there)
 *
 * At its entry it adds VMA_LOCK_OFFSET (7.3: the same bit, renamed
 * VM_REFCNT_EXCLUDE_READERS_FLAG) to an attached VMA's vm_refcnt: from
 * then on vma_start_read() fails, while the writer waits for the readers
 * still in the VMA; it sets vm_lock_seq to the cycle's before it returns,
 * which keeps readers out to the end of the cycle.  vma_end_read() is an
 * inline reference drop: nothing out of line ends a fault under the VMA
 * lock.
 */
#define SPFS_HAVE_VMA_WRITE_LOCK_FN	1
#define SPFS_VMA_WRITE_LOCK_FN		"__vma_start_write"
#define SPFS_VMA_END_READ_INLINE	1

/*
 * The mark itself is refcount_add_not_zero()'s lock cmpxchg on vm_refcnt:
 * in __vma_start_write() on 6.18 (__vma_enter_locked() inlined), in the
 * static __vma_start_exclude_readers() it calls on 7.3.  The flag it adds:
 */
#define SPFS_VMA_REFCNT_OFFSET		offsetof(struct vm_area_struct, vm_refcnt)
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
#define SPFS_VMA_REFCNT_WRITER		VMA_LOCK_OFFSET
#else
#define SPFS_VMA_REFCNT_WRITER		VM_REFCNT_EXCLUDE_READERS_FLAG
#endif

static inline const void *spfs_vma_lock_sem(struct vm_area_struct *vma)
{
	return NULL;
}

static inline bool spfs_vma_lock_busy(const void *sem)
{
	return false;
}
#endif /* else LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0) */

#else /* 6.1.y: no per-VMA locks */

#define SPFS_HAVE_VMA_LOCK		0
#define SPFS_FAULT_FLAG_VMA_LOCK	0
#define SPFS_LCB_F_WRITE		0
#define SPFS_HAVE_VMA_WRITE_LOCK_FN	0
#define SPFS_VMA_WRITE_LOCK_FN		NULL
#define SPFS_VMA_END_READ_INLINE	0
#define SPFS_VMA_REFCNT_OFFSET		0
#define SPFS_VMA_REFCNT_WRITER		0

static inline u32 spfs_mm_lock_seq(struct mm_struct *mm)
{
	return 0;
}

static inline u32 spfs_mm_cycle_lock_seq(struct mm_struct *mm)
{
	return 0;
}

static inline bool spfs_vma_locked_in_cycle(struct vm_area_struct *vma,
					    u32 cycle_seq)
{
	return false;
}

static inline bool spfs_vma_locked_since(struct vm_area_struct *vma, u32 seq)
{
	return false;
}

static inline const void *spfs_vma_lock_sem(struct vm_area_struct *vma)
{
	return NULL;
}

static inline bool spfs_vma_lock_busy(const void *sem)
{
	return false;
}

#endif /* 6.12.88 <= LINUX_VERSION_CODE < 6.13, 6.18.y, 7.3.y */

#endif /* _SPFS_WRAPPER_VMA_LOCK_H */
