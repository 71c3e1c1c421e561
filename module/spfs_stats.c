// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: per-CPU counters.  The fault path only ever increments its
 * own CPU's copy; readers sum over all CPUs.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "spfs.h"

struct spfs_stats __percpu *spfs_stats;

static const char * const spfs_stat_names[SPFS_NR_STATS] = {
	[SPFS_STAT_FAULTS]		= "faults",
	[SPFS_STAT_FAULTS_GUP]		= "faults_gup",
	[SPFS_STAT_FAULTS_UNTRACKED]	= "faults_untracked",
	[SPFS_STAT_RETRY_CALLS]		= "retry_calls",
	[SPFS_STAT_INFLIGHT_FULL]	= "inflight_full",
	[SPFS_STAT_LOG_OVERFLOW]	= "log_overflow",
	[SPFS_STAT_EVENTS_VMA]		= "events_vma",
	[SPFS_STAT_EVENTS_MM_WRITE]	= "events_mm_write",
	[SPFS_STAT_EVENTS_PT]		= "events_pt",
	[SPFS_STAT_TRACK_FAILED]	= "track_failed",
	[SPFS_STAT_FAULTS_KERNEL]	= "faults_kernel",
	[SPFS_STAT_PVL_AGREE]		= "pvl.agree",
	[SPFS_STAT_PVL_DISAGREE]	= "pvl.disagree",
	[SPFS_STAT_TRACE_DROPPED]	= "trace_dropped",
};

/**
 * spfs_stat_name() - the debugfs key of a counter
 * @s: the counter
 *
 * Return: its name.
 */
const char *spfs_stat_name(enum spfs_stat s)
{
	return spfs_stat_names[s];
}

/**
 * spfs_stats_reset() - zero every counter on every CPU
 *
 * Racy against faults in flight by design: a fault being accounted while
 * the counters are zeroed may be left half counted, so read after the
 * workload, not during it, when sums must match.
 */
void spfs_stats_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(spfs_stats, cpu), 0,
		       sizeof(struct spfs_stats));
}

/**
 * spfs_stats_init() - allocate the counters, zeroed
 *
 * Return: 0 or -ENOMEM.
 */
int spfs_stats_init(void)
{
	spfs_stats = alloc_percpu(struct spfs_stats);
	return spfs_stats ? 0 : -ENOMEM;
}

/**
 * spfs_stats_exit() - free the counters; nothing may count any more
 */
void spfs_stats_exit(void)
{
	free_percpu(spfs_stats);
	spfs_stats = NULL;
}
