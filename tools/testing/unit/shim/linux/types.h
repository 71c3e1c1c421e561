/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/types.h>, for the host unit tests: the
 * module's kernel-independent core (module/spfs_core.h) includes the
 * kernel header by name; built with -Itools/testing/unit/shim it gets
 * these fixed-width types instead, so the core needs no #ifdef.
 */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint16_t u16;
typedef uint8_t u8;

#endif /* _LINUX_TYPES_H */
