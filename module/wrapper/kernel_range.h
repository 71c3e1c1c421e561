/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: the kernels this module is written and tested for.
 *
 * Every header of wrapper/ gives one kernel API for exactly these ranges;
 * a kernel outside them fails to build here rather than build a module
 * that silently misses events.  To support another kernel, add its range
 * below and a branch for it to each wrapper/ header that has one per
 * range (vma_lock.h, vma_probes.h); the others (fprobe.h, ftrace.h,
 * pgtable.h, shmem.h, swapops.h, userfaultfd.h, workqueue.h) follow an
 * API change by its version.
 */
#ifndef _SPFS_WRAPPER_KERNEL_RANGE_H
#define _SPFS_WRAPPER_KERNEL_RANGE_H

#include <linux/version.h>

#ifndef CONFIG_X86_64
#error "spf-shadow hooks the x86-64 fault handler and its calling convention: x86-64 only"
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define SPFS_KERNEL_TESTED	1	/* Debian 12's 6.1.y */
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 88) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define SPFS_KERNEL_TESTED	1	/* bookworm-backports' 6.12.y */
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)
#define SPFS_KERNEL_TESTED	1	/* trixie-backports' 6.18.y */
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0)
#define SPFS_KERNEL_TESTED	1	/* trixie-backports' 7.3.y */
#else
#error "spf-shadow is tested on 6.1.y, 6.12.y (6.12.88 on), 6.18.y and 7.3.y: add this kernel's range here, in module/wrapper/, and a branch for it to each wrapper/ header"
#endif

#endif /* _SPFS_WRAPPER_KERNEL_RANGE_H */
