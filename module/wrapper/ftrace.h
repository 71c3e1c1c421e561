/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: the arguments of a function hooked with ftrace_ops.
 *
 * Kernels with ftrace_regs_get_argument() (6.6+, a macro) give them
 * through it; before, x86's struct ftrace_regs is a struct pt_regs whose
 * argument registers are saved (DYNAMIC_FTRACE_WITH_ARGS, 5.11+).
 */
#ifndef _SPFS_WRAPPER_FTRACE_H
#define _SPFS_WRAPPER_FTRACE_H

#include <linux/ftrace.h>
#include <linux/ptrace.h>

static __always_inline unsigned long
spfs_ftrace_arg(struct ftrace_regs *fregs, unsigned int n)
{
#ifdef ftrace_regs_get_argument
	return ftrace_regs_get_argument(fregs, n);
#else
	return regs_get_kernel_argument(&fregs->regs, n);
#endif
}

#endif /* _SPFS_WRAPPER_FTRACE_H */
