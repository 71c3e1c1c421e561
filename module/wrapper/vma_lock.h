/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: per-VMA locks, in the kernel since 6.4.
 *
 * SPFS_HAVE_VMA_LOCK says whether the kernel takes the VMA lock on user
 * faults (CONFIG_PER_VMA_LOCK); SPFS_FAULT_FLAG_VMA_LOCK is the flag of a
 * handle_mm_fault() call made under it, 0 where there is none.
 */
#ifndef _SPFS_WRAPPER_VMA_LOCK_H
#define _SPFS_WRAPPER_VMA_LOCK_H

#include <linux/mm_types.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0) && \
	IS_ENABLED(CONFIG_PER_VMA_LOCK)
#define SPFS_HAVE_VMA_LOCK		1
#define SPFS_FAULT_FLAG_VMA_LOCK	FAULT_FLAG_VMA_LOCK
#else
#define SPFS_HAVE_VMA_LOCK		0
#define SPFS_FAULT_FLAG_VMA_LOCK	0
#endif

#endif /* _SPFS_WRAPPER_VMA_LOCK_H */
