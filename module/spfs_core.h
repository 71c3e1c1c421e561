/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow core: the kernel-independent part of the module.
 *
 * Everything declared here is plain C over fixed-width integers: it is
 * compiled into spf_shadow.ko and, unchanged, into the host unit tests
 * under tools/testing/unit/.  Nothing here may include a kernel header
 * other than <linux/types.h>, take a lock or allocate.
 */
#ifndef _SPFS_CORE_H
#define _SPFS_CORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint64_t u64;
typedef uint32_t u32;
typedef int32_t s32;
#endif

/* Largest command accepted by a debugfs control file, NUL included. */
#define SPFS_CMD_MAX		64
/* Same as the kernel's TASK_COMM_LEN, which this header cannot include. */
#define SPFS_COMM_LEN		16

/**
 * enum spfs_target_kind - which processes are tracked
 * @SPFS_TARGET_NONE: nothing; the fault path returns at once
 * @SPFS_TARGET_ALL: every user process
 * @SPFS_TARGET_PID: one process (thread group) by its tgid
 * @SPFS_TARGET_COMM: every process whose comm equals a name
 */
enum spfs_target_kind {
	SPFS_TARGET_NONE,
	SPFS_TARGET_ALL,
	SPFS_TARGET_PID,
	SPFS_TARGET_COMM,
};

/**
 * struct spfs_target - a parsed target
 * @kind: see &enum spfs_target_kind
 * @pid: the tgid for %SPFS_TARGET_PID
 * @comm: the NUL-terminated name for %SPFS_TARGET_COMM
 */
struct spfs_target {
	enum spfs_target_kind kind;
	s32 pid;
	char comm[SPFS_COMM_LEN];
};

int spfs_target_parse(const char *buf, size_t len, struct spfs_target *t);
int spfs_target_format(const struct spfs_target *t, char *buf, size_t size);
bool spfs_target_match(const struct spfs_target *t, s32 tgid,
		       const char *comm);

int spfs_parse_reset(const char *buf, size_t len);

/* log2 histograms: bucket i holds values in [2^(i-1), 2^i), bucket 0 holds 0. */
#define SPFS_HIST_BUCKETS	40
unsigned int spfs_hist_bucket(u64 value);
u64 spfs_hist_bucket_low(unsigned int bucket);

#endif /* _SPFS_CORE_H */
