/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/kconfig.h>: the one macro the module's
 * headers use from it, __is_defined(), for the measurement-only build
 * knobs (module/spfs_ablate.h, SPFS_PROFILING()).  No knob is ever set in
 * userspace, but the expression must still compile to 0 or 1 there.
 *
 * __is_defined(X) is 1 when X is a macro defined to 1, else 0: pasting
 * X's value onto a prefix names a helper macro only when that value is 1;
 * that helper inserts an extra argument, which shifts which argument of a
 * selector is taken.
 */
#ifndef _SPFS_TOOLS_LINUX_KCONFIG_H
#define _SPFS_TOOLS_LINUX_KCONFIG_H

#define __SPFS_ARG_PLACEHOLDER_1		0,
#define __spfs_take_second(ignored, val, ...)	val
#define ___spfs_is_defined(arg_or_junk)		\
	__spfs_take_second(arg_or_junk 1, 0, 0)
#define __spfs_is_defined(val)			\
	___spfs_is_defined(__SPFS_ARG_PLACEHOLDER_##val)
#define __is_defined(x)				__spfs_is_defined(x)

#endif /* _SPFS_TOOLS_LINUX_KCONFIG_H */
