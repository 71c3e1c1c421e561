/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: the return of handle_mm_fault(), where nothing out
 * of line ends a fault under the VMA lock.
 *
 * SPFS_T1_AT_RETURN says T1 is taken at the return of handle_mm_fault()
 * by an fprobe exit handler (spfs_t1_ret()), as on kernels whose
 * vma_end_read() is inline (wrapper/vma_lock.h: SPFS_VMA_END_READ_INLINE).
 * 6.15 rebuilt fprobe on the function-graph tracer: its exit handler is
 * given the ftrace_regs of the return, (fp, entry_ip, ret_ip, fregs,
 * entry_data), the same in 6.18.y and 7.3.y (include/linux/fprobe.h).
 */
#ifndef _SPFS_WRAPPER_FPROBE_H
#define _SPFS_WRAPPER_FPROBE_H

#include <linux/ftrace.h>
#include <linux/version.h>

#include "wrapper/kernel_range.h"
#include "wrapper/vma_lock.h"

#if ((LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 19, 0)) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(7, 3, 0) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(7, 4, 0))) && \
	SPFS_VMA_END_READ_INLINE && IS_ENABLED(CONFIG_FPROBE)

#include <linux/fprobe.h>

#define SPFS_T1_AT_RETURN	1

/* What the probed function returned, in its exit handler. */
static __always_inline unsigned long
spfs_fprobe_retval(struct ftrace_regs *fregs)
{
	return ftrace_regs_get_return_value(fregs);
}

#else /* 6.18.y, 7.3.y with CONFIG_FPROBE */

/* The fault handler's up_read() or vma_end_read() is T1 (spfs_t1()). */
#define SPFS_T1_AT_RETURN	0

#endif /* else 6.18.y, 7.3.y with CONFIG_FPROBE */

#endif /* _SPFS_WRAPPER_FPROBE_H */
