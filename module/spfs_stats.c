// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: per-CPU event counters.  The fault path only ever does a
 * this_cpu_inc() on its own CPU's line; readers sum over all CPUs.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>

#include "spfs.h"

DEFINE_PER_CPU(struct spfs_stats, spfs_stats);

static const char * const spfs_stat_names[SPFS_NR_STATS] = {
	[SPFS_STAT_FAULTS]	= "faults",
	[SPFS_STAT_REAL_RETRY]	= "real_retry",
	[SPFS_STAT_REAL_ERROR]	= "real_error",
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
 * spfs_stat_sum() - a counter summed over all CPUs
 * @s: the counter
 *
 * Not atomic with respect to concurrent increments: a reader may see a
 * sum that lags by the faults in flight, never one that goes backwards.
 *
 * Return: the sum.
 */
u64 spfs_stat_sum(enum spfs_stat s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(spfs_stats, cpu).count[s]);
	return sum;
}

/**
 * spfs_stats_reset() - zero every counter on every CPU
 *
 * Racy against faults in flight by design: a fault counted on one side of
 * the reset may have its outcome counted on the other.
 */
void spfs_stats_reset(void)
{
	int cpu, s;

	for_each_possible_cpu(cpu)
		for (s = 0; s < SPFS_NR_STATS; s++)
			WRITE_ONCE(per_cpu(spfs_stats, cpu).count[s], 0);
}
