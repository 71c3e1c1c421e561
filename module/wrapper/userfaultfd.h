/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: a VMA's userfaultfd registration.
 *
 * Up to 6.18, userfaultfd_missing(), userfaultfd_wp() and
 * userfaultfd_armed() test vma->vm_flags against VM_UFFD_* masks.  7.0
 * made them test the VMA's flag bitmap (vma_test_any_mask(), Lorenzo
 * Stoakes' vma_flags_t conversion), whose masks gcc-14 builds on the
 * stack at run time, under a stack protector: on 7.3 the fault path's
 * VMA classification cost twice what it costs on 6.18.  The bits are the
 * same, and lie in the bitmap's first word, which vm_flags still is (a
 * union while the flags are converted): one read serves all three.
 */
#ifndef _SPFS_WRAPPER_USERFAULTFD_H
#define _SPFS_WRAPPER_USERFAULTFD_H

#include <linux/mm.h>
#include <linux/userfaultfd_k.h>
#include <linux/version.h>

#include "wrapper/kernel_range.h"

/*
 * spfs_uffd_missing(), spfs_uffd_wp(), spfs_uffd_armed() - as the
 * kernel's userfaultfd_missing(), userfaultfd_wp(), userfaultfd_armed()
 * @vma: the VMA
 * @vm_flags: its vm_flags, read once by the caller
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
static __always_inline bool spfs_uffd_missing(struct vm_area_struct *vma,
					      unsigned long vm_flags)
{
	return IS_ENABLED(CONFIG_USERFAULTFD) && (vm_flags & VM_UFFD_MISSING);
}

static __always_inline bool spfs_uffd_wp(struct vm_area_struct *vma,
					 unsigned long vm_flags)
{
	return IS_ENABLED(CONFIG_USERFAULTFD) && (vm_flags & VM_UFFD_WP);
}

static __always_inline bool spfs_uffd_armed(struct vm_area_struct *vma,
					    unsigned long vm_flags)
{
	return IS_ENABLED(CONFIG_USERFAULTFD) && (vm_flags & __VM_UFFD_FLAGS);
}
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0) */
static __always_inline bool spfs_uffd_missing(struct vm_area_struct *vma,
					      unsigned long vm_flags)
{
	return userfaultfd_missing(vma);
}

static __always_inline bool spfs_uffd_wp(struct vm_area_struct *vma,
					 unsigned long vm_flags)
{
	return userfaultfd_wp(vma);
}

static __always_inline bool spfs_uffd_armed(struct vm_area_struct *vma,
					    unsigned long vm_flags)
{
	return userfaultfd_armed(vma);
}
#endif /* else LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0) */

#endif /* _SPFS_WRAPPER_USERFAULTFD_H */
