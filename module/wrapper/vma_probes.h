/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: the kernel functions that write VMAs, per kernel.
 *
 * Each is kretprobed (spfs_writers.c): its entry to its return is the
 * bracket SPF's vm_write_begin()/vm_write_end() would put around the
 * write.  Each entry says where the VMA, the mm and the range written are
 * among the function's arguments (x86-64 calling convention, see
 * regs_get_kernel_argument(); -1: none), what the write is to the designs
 * (&enum spfs_op: spfs_op_rules() says who sees it) and its cause, -1 for
 * the system call's.  The functions and their arguments were read from
 * each kernel's source and checked in its /proc/kallsyms (README.md,
 * "Supported kernels"); a probe that cannot attach is listed in debugfs
 * "probes" and the rules are judged without it.  The table is used by
 * spfs_probes.c; spfs_writers.c includes this file for its types.
 */
#ifndef _SPFS_WRAPPER_VMA_PROBES_H
#define _SPFS_WRAPPER_VMA_PROBES_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/mm_types.h>
#include <linux/version.h>

#include "spfs_core.h"
#include "wrapper/kernel_range.h"

/**
 * enum spfs_range_kind - how a write path's range is found
 * @SPFS_RANGE_ARGS: the VMA's range and the argument range, together
 * @SPFS_RANGE_VMA: the whole VMA: its sequence (dufour, seed) is per VMA
 * @SPFS_RANGE_MM: every VMA of the mm
 * @SPFS_RANGE_ADJUST: 6.1's __vma_adjust(vma, start, end, pgoff, insert,
 *		       expand), and the next VMA it moves (merge cases 4, 5)
 * @SPFS_RANGE_MERGE: commit_merge(vmg, ...): every VMA a merge writes
 *		      (spfs_vmg_read())
 */
enum spfs_range_kind {
	SPFS_RANGE_ARGS,
	SPFS_RANGE_VMA,
	SPFS_RANGE_MM,
	SPFS_RANGE_ADJUST,
	SPFS_RANGE_MERGE,
};

/**
 * struct spfs_vma_probe_def - one VMA write path
 * @symbol: the function
 * @vma: argument holding the VMA written, or -1
 * @mm: argument holding the mm, or -1 for the VMA's
 * @start: argument holding the start of the range written, or -1
 * @end: argument holding its end, or -1
 * @len: argument holding its length (with @start), or -1
 * @range: &enum spfs_range_kind
 * @op: &enum spfs_op
 * @cause: &enum spfs_cause, or -1 for the current system call's
 */
struct spfs_vma_probe_def {
	const char *symbol;
	s8 vma, mm, start, end, len;
	u8 range, op;
	s8 cause;
};

#define SPFS_WP(sym, v, s, e, l, o, c)					\
	{ .symbol = sym, .vma = v, .mm = -1, .start = s, .end = e,	\
	  .len = l, .range = SPFS_RANGE_ARGS, .op = SPFS_OP_##o,	\
	  .cause = c }
/* The whole VMA of argument v. */
#define SPFS_WP_VMA(sym, v, o, c)					\
	{ .symbol = sym, .vma = v, .mm = -1, .start = -1, .end = -1,	\
	  .len = -1, .range = SPFS_RANGE_VMA, .op = SPFS_OP_##o,	\
	  .cause = c }
/* Every VMA of the mm of argument m. */
#define SPFS_WP_MM(sym, m, o, c)					\
	{ .symbol = sym, .vma = -1, .mm = m, .start = -1, .end = -1,	\
	  .len = -1, .range = SPFS_RANGE_MM, .op = SPFS_OP_##o,	\
	  .cause = c }

/*
 * spfs_vmg_read(vmg, vmas, start, end) reads commit_merge()'s struct
 * vma_merge_struct (mm/vma.h, not in the headers package): the range the
 * merge gives, into @start and @end, and up to SPFS_VMG_VMAS VMAs it
 * writes, into @vmas (NULL for none); it returns the mm.  On 6.12 the
 * SPFS_VMG_ARG_VMAS arguments after the vmg are VMAs it writes too.
 */
#define SPFS_VMG_VMAS		3

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)

/*
 * 6.1: every split, merge and expansion of existing VMAs lands in
 * __vma_adjust() - the seed's own vm_sequence write section - but a new
 * mapping merging with a neighbour, which mmap_region() does with
 * vma_expand() (notrace: a kprobe only, no ftrace).  Every path that
 * modifies [addr, end) of existing VMAs in place - mprotect, madvise,
 * mlock, mbind, userfaultfd - calls vma_merge() first.
 */
static const struct spfs_vma_probe_def spfs_vma_probe_defs[] __maybe_unused = {
	{ .symbol = "__vma_adjust", .vma = 0, .mm = -1, .start = 1, .end = 2,
	  .len = -1, .range = SPFS_RANGE_ADJUST, .op = SPFS_OP_ADJUST,
	  .cause = -1 },
	SPFS_WP("vma_expand", 1, 2, 3, -1, ADJUST, -1),
	{ .symbol = "vma_merge", .vma = -1, .mm = 0, .start = 2, .end = 3,
	  .len = -1, .range = SPFS_RANGE_ARGS, .op = SPFS_OP_FLAGS,
	  .cause = -1 },
	SPFS_WP("mprotect_fixup", 1, 3, 4, -1, FLAGS, SPFS_C_MPROTECT),
	SPFS_WP("do_mas_align_munmap", 1, 3, 4, -1, ADJUST, -1),
	SPFS_WP("mmap_region", -1, 1, -1, 2, ADJUST, -1),
	SPFS_WP("do_brk_flags", 1, 2, -1, 3, ADJUST, SPFS_C_BRK),
	SPFS_WP("move_vma", 0, 1, -1, 2, ADJUST, SPFS_C_MREMAP),
	SPFS_WP("copy_vma", -1, 1, -1, 2, ADJUST, SPFS_C_MREMAP),
	SPFS_WP("expand_downwards", 0, 1, -1, -1, STACK, SPFS_C_STACK),
	{ .symbol = "insert_vm_struct", .vma = 1, .mm = 0, .start = -1,
	  .end = -1, .len = -1, .range = SPFS_RANGE_VMA,
	  .op = SPFS_OP_ADJUST, .cause = -1 },
	SPFS_WP_VMA("unmap_page_range", 1, ZAP, -1),
	SPFS_WP_VMA("vma_set_page_prot", 0, FLAGS, -1),
#ifdef CONFIG_NUMA_BALANCING	/* not in PREEMPT_RT builds */
	SPFS_WP_VMA("change_prot_numa", 0, NUMA, SPFS_C_NUMA),
#endif
	SPFS_WP_VMA("madvise_free_single_vma", 0, NUMA, SPFS_C_MADVISE),
#ifdef CONFIG_TRANSPARENT_HUGEPAGE	/* not in PREEMPT_RT builds */
	SPFS_WP_VMA("pmdp_collapse_flush", 0, COLLAPSE, -1),
#endif
	SPFS_WP_MM("mpol_rebind_mm", 0, FLAGS, SPFS_C_MEMPOLICY),
};

/* No commit_merge() in 6.1. */
#define SPFS_VMG_ARG_VMAS	0

static inline struct mm_struct *spfs_vmg_read(const void *vmg,
					      struct vm_area_struct **vmas,
					      u64 *start, u64 *end)
{
	return NULL;
}

#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 88) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)

/**
 * struct spfs_vmg - the head of 6.12's struct vma_merge_struct
 * @mm: the mm
 * @vmi: the VMA iterator
 * @pgoff: the page offset of @start
 * @prev: the VMA before
 * @next: the VMA after
 * @vma: the VMA that takes the merged range
 * @start: the merged range's start
 * @end: its end
 *
 * mm/vma.h is not in the headers package; this is its layout in 6.12.y,
 * as the BTF of Debian's 6.12.95 image gives it (offsets 0 to 56).
 */
struct spfs_vmg {
	struct mm_struct *mm;
	void *vmi;
	unsigned long pgoff;
	struct vm_area_struct *prev, *next, *vma;
	unsigned long start, end;
};

/*
 * commit_merge(vmg, adjust, remove, remove2): the VMA taking the range in
 * the vmg, the one whose start moves and those removed in its arguments.
 */
#define SPFS_VMG_ARG_VMAS	3

static inline struct mm_struct *spfs_vmg_read(const void *vmg,
					      struct vm_area_struct **vmas,
					      u64 *start, u64 *end)
{
	const struct spfs_vmg *v = vmg;

	vmas[0] = v->vma;
	vmas[1] = NULL;
	vmas[2] = NULL;
	*start = v->start;
	*end = v->end;
	return v->mm;
}

/*
 * 6.12: splits are __split_vma(); every merge, of a new range (mmap, brk,
 * mremap's copy_vma()) or of part of an existing VMA (the vma_modify*()
 * family: mprotect, madvise, mlock, mbind, userfaultfd), is one
 * commit_merge() call, which says which VMAs it writes; a mapping that
 * merges with nothing leaves its neighbours alone.
 */
static const struct spfs_vma_probe_def spfs_vma_probe_defs[] __maybe_unused = {
	SPFS_WP_VMA("__split_vma", 1, ADJUST, -1),
	{ .symbol = "commit_merge", .vma = -1, .mm = -1, .start = -1,
	  .end = -1, .len = -1, .range = SPFS_RANGE_MERGE,
	  .op = SPFS_OP_ADJUST, .cause = -1 },
	SPFS_WP("vma_modify_flags", 2, 3, 4, -1, FLAGS, -1),
	SPFS_WP("vma_modify_flags_name", 2, 3, 4, -1, FLAGS, -1),
	SPFS_WP("vma_modify_policy", 2, 3, 4, -1, FLAGS, SPFS_C_MEMPOLICY),
	SPFS_WP("vma_modify_flags_uffd", 2, 3, 4, -1, FLAGS, -1),
	SPFS_WP("mprotect_fixup", 2, 4, 5, -1, FLAGS, SPFS_C_MPROTECT),
	SPFS_WP("do_vmi_align_munmap", 1, 3, 4, -1, ADJUST, -1),
	SPFS_WP("mmap_region", -1, 1, -1, 2, ADJUST, -1),
	SPFS_WP("do_brk_flags", 1, 2, -1, 3, ADJUST, SPFS_C_BRK),
	SPFS_WP("move_vma", 0, 1, -1, 2, ADJUST, SPFS_C_MREMAP),
	SPFS_WP("copy_vma", -1, 1, -1, 2, ADJUST, SPFS_C_MREMAP),
	SPFS_WP("expand_downwards", 0, 1, -1, -1, STACK, SPFS_C_STACK),
	{ .symbol = "insert_vm_struct", .vma = 1, .mm = 0, .start = -1,
	  .end = -1, .len = -1, .range = SPFS_RANGE_VMA,
	  .op = SPFS_OP_ADJUST, .cause = -1 },
	SPFS_WP_VMA("unmap_page_range", 1, ZAP, -1),
	SPFS_WP_VMA("vma_set_page_prot", 0, FLAGS, -1),
#ifdef CONFIG_NUMA_BALANCING	/* not in PREEMPT_RT builds */
	SPFS_WP_VMA("change_prot_numa", 0, NUMA, SPFS_C_NUMA),
#endif
#ifdef CONFIG_TRANSPARENT_HUGEPAGE	/* not in PREEMPT_RT builds */
	SPFS_WP_VMA("pmdp_collapse_flush", 0, COLLAPSE, -1),
#endif
	SPFS_WP_MM("mpol_rebind_mm", 0, FLAGS, SPFS_C_MEMPOLICY),
	SPFS_WP_MM("ksm_enable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
	SPFS_WP_MM("ksm_disable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
};

#elif (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0))

/**
 * struct spfs_vmg - the head of 6.18's and 7.3's struct vma_merge_struct
 * @mm: the mm
 * @vmi: the VMA iterator
 * @prev: the VMA before the range
 * @middle: the VMA the range is part of, NULL for a new range
 * @next: the VMA after it
 * @target: the VMA that ends up with the merged range
 * @start: the merged range's start
 * @end: its end
 *
 * Offsets 0 to 56, the same in both kernels (pahole -C vma_merge_struct
 * on the BTF of Debian's 6.18.15 and 7.3.4 images).
 */
struct spfs_vmg {
	struct mm_struct *mm;
	void *vmi;
	struct vm_area_struct *prev, *middle, *next, *target;
	unsigned long start, end;
};

/*
 * The byte of the vmg's internal bit-fields, set by the merge before it
 * calls commit_merge(): 7.3 added anon_pgoff (offset 72), which moves it
 * by 8 bytes.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
#define SPFS_VMG_BITS_OFFSET	136	/* 6.18.y */
#else
#define SPFS_VMG_BITS_OFFSET	144	/* 7.3.y */
#endif
#define SPFS_VMG_ADJUST_MIDDLE_START	BIT(3)	/* __adjust_middle_start */
#define SPFS_VMG_ADJUST_NEXT_START	BIT(4)	/* __adjust_next_start */
#define SPFS_VMG_REMOVE_MIDDLE		BIT(5)	/* __remove_middle */
#define SPFS_VMG_REMOVE_NEXT		BIT(6)	/* __remove_next */

/*
 * commit_merge(vmg) (mm/vma.c; vma_merge_existing_range() and
 * vma_expand() call it): target takes [start, end) - or, with
 * __adjust_next_start, middle does and next's start moves down to end;
 * with __adjust_middle_start middle's start moves up to end; middle and
 * next go with __remove_middle and __remove_next.
 */
#define SPFS_VMG_ARG_VMAS	0

static inline struct mm_struct *spfs_vmg_read(const void *vmg,
					      struct vm_area_struct **vmas,
					      u64 *start, u64 *end)
{
	const struct spfs_vmg *v = vmg;
	u8 bits = *((const u8 *)vmg + SPFS_VMG_BITS_OFFSET);

	vmas[0] = bits & SPFS_VMG_ADJUST_NEXT_START ? v->middle : v->target;
	vmas[1] = bits & (SPFS_VMG_ADJUST_MIDDLE_START |
			  SPFS_VMG_REMOVE_MIDDLE) ? v->middle : NULL;
	vmas[2] = bits & (SPFS_VMG_ADJUST_NEXT_START | SPFS_VMG_REMOVE_NEXT) ?
		  v->next : NULL;
	*start = v->start;
	*end = v->end;
	return v->mm;
}

/*
 * 6.18 and 7.3 (their BTF and /proc/kallsyms): splits are __split_vma();
 * every merge, of a new range (mmap, brk, mremap's copy_vma(), through
 * vma_merge_new_range() and vma_expand()) or of part of an existing VMA
 * (the vma_modify*() family: mprotect, madvise, mlock, mbind,
 * userfaultfd, prctl's anon names), is one commit_merge(vmg) call;
 * mremap's in-place growth is vma_merge_extend().  move_vma() takes a
 * struct vma_remap_struct now: mremap's new range is copy_vma()'s, its old
 * one is unmapped through do_vmi_align_munmap().  7.3's zap is
 * __zap_vma_range().  The VMA write locks, which pvl's verdict reads, are
 * hooked apart (wrapper/vma_lock.h: SPFS_VMA_WRITE_LOCK_FN).
 */
static const struct spfs_vma_probe_def spfs_vma_probe_defs[] __maybe_unused = {
	SPFS_WP_VMA("__split_vma", 1, ADJUST, -1),
	{ .symbol = "commit_merge", .vma = -1, .mm = -1, .start = -1,
	  .end = -1, .len = -1, .range = SPFS_RANGE_MERGE,
	  .op = SPFS_OP_ADJUST, .cause = -1 },
	SPFS_WP_VMA("vma_merge_extend", 1, ADJUST, SPFS_C_MREMAP),
	SPFS_WP("vma_modify_flags", 2, 3, 4, -1, FLAGS, -1),
	SPFS_WP("vma_modify_name", 2, 3, 4, -1, FLAGS, -1),
	SPFS_WP("vma_modify_policy", 2, 3, 4, -1, FLAGS, SPFS_C_MEMPOLICY),
	SPFS_WP("vma_modify_flags_uffd", 2, 3, 4, -1, FLAGS, -1),
	SPFS_WP("mprotect_fixup", 2, 4, 5, -1, FLAGS, SPFS_C_MPROTECT),
	SPFS_WP("do_vmi_align_munmap", 1, 3, 4, -1, ADJUST, -1),
	SPFS_WP("mmap_region", -1, 1, -1, 2, ADJUST, -1),
	SPFS_WP("do_brk_flags", 1, 2, -1, 3, ADJUST, SPFS_C_BRK),
	SPFS_WP("copy_vma", -1, 1, -1, 2, ADJUST, SPFS_C_MREMAP),
	SPFS_WP("expand_downwards", 0, 1, -1, -1, STACK, SPFS_C_STACK),
	{ .symbol = "insert_vm_struct", .vma = 1, .mm = 0, .start = -1,
	  .end = -1, .len = -1, .range = SPFS_RANGE_VMA,
	  .op = SPFS_OP_ADJUST, .cause = -1 },
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
	SPFS_WP_VMA("unmap_page_range", 1, ZAP, -1),
#else /* LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0) */
	SPFS_WP_VMA("__zap_vma_range", 1, ZAP, -1),
#endif /* else LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0) */
	SPFS_WP_VMA("vma_set_page_prot", 0, FLAGS, -1),
#ifdef CONFIG_NUMA_BALANCING	/* not in PREEMPT_RT builds */
	SPFS_WP_VMA("change_prot_numa", 0, NUMA, SPFS_C_NUMA),
#endif
#ifdef CONFIG_TRANSPARENT_HUGEPAGE	/* not in PREEMPT_RT builds */
	SPFS_WP_VMA("pmdp_collapse_flush", 0, COLLAPSE, -1),
#endif
	SPFS_WP_MM("mpol_rebind_mm", 0, FLAGS, SPFS_C_MEMPOLICY),
	SPFS_WP_MM("ksm_enable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
	SPFS_WP_MM("ksm_disable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
};

#endif /* LINUX_VERSION_CODE ranges */

#endif /* _SPFS_WRAPPER_VMA_PROBES_H */
