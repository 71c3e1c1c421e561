/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: declarations shared by the module's files.  The core logic
 * that does not depend on the kernel is in spfs_core.h.
 */
#ifndef _SPFS_H
#define _SPFS_H

#include <linux/percpu.h>
#include <linux/types.h>

#include "spfs_core.h"

/**
 * enum spfs_stat - per-CPU event counters, shown in debugfs "stats"
 * @SPFS_STAT_FAULTS: user faults seen by handle_mm_fault()
 * @SPFS_STAT_REAL_RETRY: of those, the ones that returned VM_FAULT_RETRY
 * @SPFS_STAT_REAL_ERROR: of those, the ones that returned an error
 * @SPFS_NR_STATS: number of counters
 */
enum spfs_stat {
	SPFS_STAT_FAULTS,
	SPFS_STAT_REAL_RETRY,
	SPFS_STAT_REAL_ERROR,
	SPFS_NR_STATS,
};

struct spfs_stats {
	u64 count[SPFS_NR_STATS];
};

DECLARE_PER_CPU(struct spfs_stats, spfs_stats);

static inline void spfs_stat_inc(enum spfs_stat s)
{
	this_cpu_inc(spfs_stats.count[s]);
}

const char *spfs_stat_name(enum spfs_stat s);
u64 spfs_stat_sum(enum spfs_stat s);
void spfs_stats_reset(void);

/**
 * struct spfs_probe_info - what one probe looks like from debugfs
 * @name: the probed symbol or tracepoint
 * @kind: "kretprobe", "kprobe" or "tracepoint"
 * @attached: whether it is registered
 * @nmissed: hits it could not handle (kretprobe instances exhausted, or
 *	     recursion)
 */
struct spfs_probe_info {
	const char *name;
	const char *kind;
	bool attached;
	unsigned long nmissed;
};

int spfs_probes_register(void);
void spfs_probes_unregister(void);
unsigned int spfs_probes_count(void);
void spfs_probe_info(unsigned int i, struct spfs_probe_info *info);

int spfs_debugfs_init(void);
void spfs_debugfs_exit(void);

#endif /* _SPFS_H */
