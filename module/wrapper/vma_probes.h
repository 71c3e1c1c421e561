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
 * @SPFS_RANGE_MERGE: 6.12's commit_merge(vmg, adjust, remove, remove2):
 *		      every VMA a merge writes
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
	SPFS_WP_VMA("change_prot_numa", 0, NUMA, SPFS_C_NUMA),
	SPFS_WP_VMA("madvise_free_single_vma", 0, NUMA, SPFS_C_MADVISE),
	SPFS_WP_VMA("pmdp_collapse_flush", 0, COLLAPSE, -1),
	SPFS_WP_MM("mpol_rebind_mm", 0, FLAGS, SPFS_C_MEMPOLICY),
};

/* No commit_merge() in 6.1. */
static inline struct mm_struct *spfs_vmg_read(const void *vmg,
					      struct vm_area_struct **vma,
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

/* commit_merge()'s vmg: the mm, the VMA taking the range, the range. */
static inline struct mm_struct *spfs_vmg_read(const void *vmg,
					      struct vm_area_struct **vma,
					      u64 *start, u64 *end)
{
	const struct spfs_vmg *v = vmg;

	*vma = v->vma;
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
	SPFS_WP_VMA("change_prot_numa", 0, NUMA, SPFS_C_NUMA),
	SPFS_WP_VMA("pmdp_collapse_flush", 0, COLLAPSE, -1),
	SPFS_WP_MM("mpol_rebind_mm", 0, FLAGS, SPFS_C_MEMPOLICY),
	SPFS_WP_MM("ksm_enable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
	SPFS_WP_MM("ksm_disable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
};

#elif (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0))

/*
 * commit_merge() is commit_merge(vmg) on 6.18 and 7.3: the VMAs a merge
 * writes are in the vmg (prev 16, middle 24, next 32, target 40, start
 * 48, end 56 in both) and its __adjust and __remove bits, not in
 * arguments.  Not hooked yet.
 */
static inline struct mm_struct *spfs_vmg_read(const void *vmg,
					      struct vm_area_struct **vma,
					      u64 *start, u64 *end)
{
	return NULL;
}

/*
 * 6.18 and 7.3, provisional: 6.12's paths that these kernels still have
 * with the same arguments (their BTF, /proc/kallsyms): vma_modify_name()
 * for vma_modify_flags_name(); copy_vma() alone for mremap, move_vma()
 * taking a struct vma_remap_struct now (the old range is unmapped through
 * do_vmi_align_munmap()); 7.3's zap is __zap_vma_range().  Merges are
 * seen through the vma_modify*() family only, not a new mapping merged
 * into a neighbour; the VMA write lock, out of line here
 * (__vma_start_write(vma, ...)), is not hooked yet.
 */
static const struct spfs_vma_probe_def spfs_vma_probe_defs[] __maybe_unused = {
	SPFS_WP_VMA("__split_vma", 1, ADJUST, -1),
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
	SPFS_WP_VMA("change_prot_numa", 0, NUMA, SPFS_C_NUMA),
	SPFS_WP_VMA("pmdp_collapse_flush", 0, COLLAPSE, -1),
	SPFS_WP_MM("mpol_rebind_mm", 0, FLAGS, SPFS_C_MEMPOLICY),
	SPFS_WP_MM("ksm_enable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
	SPFS_WP_MM("ksm_disable_merge_any", 0, FLAGS, SPFS_C_PRCTL),
};

#endif /* LINUX_VERSION_CODE ranges */

#endif /* _SPFS_WRAPPER_VMA_PROBES_H */
