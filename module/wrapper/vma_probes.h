/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: the kernel functions that write VMAs, per kernel.
 *
 * A VMA event is anything SPF's vm_sequence write sections cover: bounds,
 * flags, protection, policy, insertion and removal.  mmu notifiers see
 * none of it, so each write path is kprobed.  Each entry says where the
 * VMA and the affected range are among the function's arguments (x86-64
 * calling convention, see regs_get_kernel_argument()); -1 means "none".
 * The cause comes from the system call in progress unless given.
 *
 * A probe that cannot attach is reported in debugfs "probes"; the rules
 * are then judged without it.
 */
#ifndef _SPFS_WRAPPER_VMA_PROBES_H
#define _SPFS_WRAPPER_VMA_PROBES_H

#include <linux/version.h>

/**
 * struct spfs_vma_probe_def - one VMA write path
 * @symbol: the function
 * @vma: argument holding the VMA being changed, or -1
 * @mm: argument holding the mm, or -1 for the VMA's (or current's)
 * @start: argument holding the start of the affected range, or -1
 * @end: argument holding its end, or -1
 * @len: argument holding its length (with @start), or -1
 * @cause: an &enum spfs_cause, or -1 for the system call's
 * @widen: also cover the pages just outside the range, for paths that
 *	   may merge the new range into its neighbours without a probe of
 *	   their own
 */
struct spfs_vma_probe_def {
	const char *symbol;
	s8 vma, mm, start, end, len, cause;
	bool widen;
};

#define SPFS_VMA_PROBE(sym, v, s, e, l, c) \
	{ .symbol = sym, .vma = v, .mm = -1, .start = s, .end = e, .len = l, \
	  .cause = c }

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "spf-shadow supports kernels 6.1 to 6.12; add the VMA write paths of this kernel here"
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/*
 * 6.1, 6.2: every path that modifies [addr, end) of existing VMAs -
 * mprotect, madvise, mlock, mbind, userfaultfd, mremap - calls vma_merge()
 * first, even when it then changes the VMA in place; __vma_adjust() is
 * where every split, merge and expansion lands.
 */
static const struct spfs_vma_probe_def spfs_vma_probe_defs[] = {
	{ .symbol = "vma_merge", .vma = -1, .mm = 0, .start = 2, .end = 3,
	  .len = -1, .cause = -1 },
	SPFS_VMA_PROBE("__vma_adjust", 0, 1, 2, -1, -1),
	SPFS_VMA_PROBE("do_mas_align_munmap", 1, 3, 4, -1, -1),
	SPFS_VMA_PROBE("mmap_region", -1, 1, -1, 2, -1),
	SPFS_VMA_PROBE("do_brk_flags", 1, 2, -1, 3, SPFS_C_BRK),
	SPFS_VMA_PROBE("move_vma", 0, 1, -1, 2, SPFS_C_MREMAP),
	SPFS_VMA_PROBE("expand_downwards", 0, 1, -1, -1, SPFS_C_STACK),
	/* Every parent VMA on fork; also the new half of a split. */
	SPFS_VMA_PROBE("vm_area_dup", 0, -1, -1, -1, -1),
};
#else
/*
 * 6.12: the vma_modify*() family funnels mlock, madvise, mbind and
 * userfaultfd changes; merges of a new mapping into its neighbours happen
 * in vma_expand() and commit_merge(), whose arguments are internal
 * structures, so mmap_region() covers its neighbours instead.
 */
static const struct spfs_vma_probe_def spfs_vma_probe_defs[] = {
	SPFS_VMA_PROBE("__split_vma", 1, -1, -1, -1, -1),
	SPFS_VMA_PROBE("vma_merge_extend", 1, -1, -1, -1, -1),
	SPFS_VMA_PROBE("vma_modify_flags", 2, 3, 4, -1, -1),
	SPFS_VMA_PROBE("vma_modify_flags_name", 2, 3, 4, -1, -1),
	SPFS_VMA_PROBE("vma_modify_policy", 2, 3, 4, -1, -1),
	SPFS_VMA_PROBE("vma_modify_flags_uffd", 2, 3, 4, -1, -1),
	SPFS_VMA_PROBE("do_vmi_align_munmap", 1, 3, 4, -1, -1),
	{ .symbol = "mmap_region", .vma = -1, .mm = -1, .start = 1, .end = -1,
	  .len = 2, .cause = -1, .widen = true },
	SPFS_VMA_PROBE("do_brk_flags", 1, 2, -1, 3, SPFS_C_BRK),
	SPFS_VMA_PROBE("move_vma", 0, 1, -1, 2, SPFS_C_MREMAP),
	SPFS_VMA_PROBE("expand_downwards", 0, 1, -1, -1, SPFS_C_STACK),
	SPFS_VMA_PROBE("vm_area_dup", 0, -1, -1, -1, -1),
};
#endif

#endif /* _SPFS_WRAPPER_VMA_PROBES_H */
