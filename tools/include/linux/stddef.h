/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/stddef.h> (see linux/percpu.h beside it):
 * struct_group(), as the kernel defines it without attributes.
 */
#ifndef _SPFS_TOOLS_LINUX_STDDEF_H
#define _SPFS_TOOLS_LINUX_STDDEF_H

#include <stddef.h>

#define struct_group(NAME, MEMBERS...)		\
	union {					\
		struct { MEMBERS };		\
		struct { MEMBERS } NAME;	\
	}

#endif /* _SPFS_TOOLS_LINUX_STDDEF_H */
