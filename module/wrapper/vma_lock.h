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
 *					takes with down_write()
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
static inline const void *spfs_vma_lock_sem(struct vm_area_struct *vma)
{
	return &vma->vm_lock->lock;
}
#else /* LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0) */
/* 6.15 replaced the VMA's rw_semaphore with vm_refcnt: no down_write(). */
static inline const void *spfs_vma_lock_sem(struct vm_area_struct *vma)
{
	return NULL;
}
#endif /* else LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0) */

#else /* 6.1.y: no per-VMA locks */

#define SPFS_HAVE_VMA_LOCK		0
#define SPFS_FAULT_FLAG_VMA_LOCK	0
#define SPFS_LCB_F_WRITE		0

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

#endif /* 6.12.88 <= LINUX_VERSION_CODE < 6.13, 6.18.y, 7.3.y */

#endif /* _SPFS_WRAPPER_VMA_LOCK_H */
