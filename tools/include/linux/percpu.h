/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/percpu.h>, for the headers of the module
 * that userspace reads for their name lists (module/spfs_stats.h): one
 * CPU, so a per-CPU variable is the variable itself.
 */
#ifndef _SPFS_TOOLS_LINUX_PERCPU_H
#define _SPFS_TOOLS_LINUX_PERCPU_H

#define __percpu
#define this_cpu_ptr(ptr)		(ptr)
#define this_cpu_inc(pcp)		((pcp)++)
#define this_cpu_add(pcp, val)		((pcp) += (val))

#endif /* _SPFS_TOOLS_LINUX_PERCPU_H */
