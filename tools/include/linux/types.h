/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/types.h>.  The module's kernel-independent
 * core (module/spfs_core.h) includes the kernel header by name; userspace
 * that builds with it (the host unit tests, the CLI, the name lists'
 * printer) uses -Itools/include and gets the kernel's short fixed-width
 * types here, so the core needs no #ifdef.
 *
 * The C library's own headers include <linux/types.h> too (statx, for one)
 * and find this file first: the uapi header it stands in front of comes
 * first, and the short types are made of its __u64 and friends, as the
 * kernel's own are.
 */
#ifndef _SPFS_TOOLS_LINUX_TYPES_H
#define _SPFS_TOOLS_LINUX_TYPES_H

#include_next <linux/types.h>

#include <stdbool.h>
#include <stddef.h>

typedef __u64 u64;
typedef __s64 s64;
typedef __u32 u32;
typedef __s32 s32;
typedef __u16 u16;
typedef __u8 u8;

#endif /* _SPFS_TOOLS_LINUX_TYPES_H */
