/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/kconfig.h> (see linux/percpu.h beside
 * it): __is_defined(), which module/spfs_ablate.h's SPFS_PROFILING()
 * is made of, as the kernel defines it.
 */
#ifndef _SPFS_TOOLS_LINUX_KCONFIG_H
#define _SPFS_TOOLS_LINUX_KCONFIG_H

#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)

#endif /* _SPFS_TOOLS_LINUX_KCONFIG_H */
