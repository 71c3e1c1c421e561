// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: per-CPU counters.  The fault path only ever increments its
 * own CPU's copy; readers take consistent snapshots summed over CPUs.
 */
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>

#include "spfs_clock.h"
#include "spfs_stats.h"

struct spfs_stats __percpu *spfs_stats;

/* In list order: each enum is made of the same list. */
#define EM(a, b)	b,
#define EMe(a, b)	b,
static const char * const spfs_stat_names[] = { SPFS_STAT_LIST };
#undef EM
#undef EMe

static_assert(ARRAY_SIZE(spfs_stat_names) == SPFS_NR_STATS);

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

/*
 * What a reset saw: reads subtract it.  Zeroing the counters instead
 * would race with the CPUs counting, and leave half-counted faults.
 */
static struct spfs_stats *spfs_stats_base;
static DEFINE_MUTEX(spfs_stats_mutex);

/*
 * One CPU's counters, each part copied between two of its faults: the
 * locked part and the fast one each hold whole faults.
 */
static void spfs_stats_read_cpu(int cpu, struct spfs_stats *copy)
{
	struct spfs_stats *st = per_cpu_ptr(spfs_stats, cpu);
	unsigned long flags;
	unsigned int seq;

	raw_spin_lock_irqsave(&st->lock, flags);
	memcpy(copy, st, offsetof(struct spfs_stats, fast_counts));
	raw_spin_unlock_irqrestore(&st->lock, flags);
	do {
		seq = read_seqcount_begin(&st->fast_seq);
		memcpy(&copy->fast_counts, &st->fast_counts,
		       sizeof(copy->fast_counts));
	} while (read_seqcount_retry(&st->fast_seq, seq));
}

/*
 * Add or subtract (@sign -1) every counter of @b to @a: the structure,
 * from @count on, is an array of u64 (see &struct spfs_stats).
 */
static void spfs_stats_add(struct spfs_stats *a, const struct spfs_stats *b,
			   int sign)
{
	u64 *pa = (u64 *)&a->count, *pb = (u64 *)&b->count;
	size_t i, n = (sizeof(*a) - offsetof(struct spfs_stats, count)) /
		      sizeof(u64);

	BUILD_BUG_ON((sizeof(*a) - offsetof(struct spfs_stats, count)) %
		     sizeof(u64));
	BUILD_BUG_ON(offsetof(struct spfs_stats, fast_facts_missed) !=
		     sizeof(*a) - sizeof(u64));
	for (i = 0; i < n; i++)
		pa[i] += sign * pb[i];
}

static void spfs_stats_sum_cpus(struct spfs_stats *sum, struct spfs_stats *tmp)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		spfs_stats_read_cpu(cpu, tmp);
		spfs_stats_add(sum, tmp, 1);
	}
}

/* Count the fast ones of @sum in with the other clean faults. */
static void spfs_stats_fold_fast(struct spfs_stats *sum)
{
	int b;

	sum->count[SPFS_STAT_FAULTS] += sum->fast;
	sum->clean += sum->fast;
	for (b = 0; b < SPFS_HIST_BUCKETS; b++) {
		sum->clean_hist_service[b] += sum->fast_hist_service[b];
		sum->clean_hist_wait[b] += sum->fast_hist_wait[b];
	}
	sum->clean_wait_ns += spfs_clock_ns(sum->fast_wait);
	sum->agreement[0][SPFS_V_SUCCESS][SPFS_REAL_LOCKED] +=
		sum->fast_pvl_agree;
	sum->count[SPFS_STAT_PVL_AGREE] += sum->fast_pvl_agree;
	sum->count[SPFS_STAT_PVL_FACTS_MISSED] += sum->fast_facts_missed;
	memset(&sum->fast_counts, 0, sizeof(sum->fast_counts));
}

/* Count the clean faults of @sum in with every rule's, and clear them. */
static void spfs_stats_fold_clean(struct spfs_stats *sum)
{
	int r, w, b;

	for (r = 0; r < SPFS_NR_RULES; r++) {
		for (w = 0; w < SPFS_NR_WINDOWS; w++)
			sum->verdict[r][w][SPFS_V_SUCCESS] += sum->clean;
		for (b = 0; b < SPFS_HIST_BUCKETS; b++) {
			sum->hist_service[r][b] += sum->clean_hist_service[b];
			sum->hist_wait[r][b] += sum->clean_hist_wait[b];
		}
		sum->wait_avoided_ns[r] += sum->clean_wait_ns;
	}
	sum->clean = 0;
	memset(sum->clean_hist_service, 0, sizeof(sum->clean_hist_service));
	memset(sum->clean_hist_wait, 0, sizeof(sum->clean_hist_wait));
	sum->clean_wait_ns = 0;
}

/**
 * spfs_stats_snapshot() - every counter, summed over CPUs, since the reset
 * @sum: where to put them
 *
 * Each CPU is read between two of its faults, so each rule's verdicts add
 * up to the faults in the result.  May sleep.
 */
void spfs_stats_snapshot(struct spfs_stats *sum)
{
	struct spfs_stats *tmp = kmalloc(sizeof(*tmp), GFP_KERNEL);

	mutex_lock(&spfs_stats_mutex);
	if (tmp)
		spfs_stats_sum_cpus(sum, tmp);
	else
		memset(sum, 0, sizeof(*sum));
	spfs_stats_add(sum, spfs_stats_base, -1);
	mutex_unlock(&spfs_stats_mutex);
	spfs_stats_fold_fast(sum);
	spfs_stats_fold_clean(sum);
	kfree(tmp);
}

/**
 * spfs_stats_reset() - start counting from zero
 *
 * Return: 0 or -ENOMEM.
 */
int spfs_stats_reset(void)
{
	struct spfs_stats *tmp = kmalloc(sizeof(*tmp), GFP_KERNEL);

	if (!tmp)
		return -ENOMEM;
	mutex_lock(&spfs_stats_mutex);
	spfs_stats_sum_cpus(spfs_stats_base, tmp);
	mutex_unlock(&spfs_stats_mutex);
	kfree(tmp);
	return 0;
}

/**
 * spfs_stats_init() - allocate the counters, zeroed
 *
 * Return: 0 or -ENOMEM.
 */
int spfs_stats_init(void)
{
	int cpu;

	spfs_stats_base = kzalloc(sizeof(*spfs_stats_base), GFP_KERNEL);
	if (!spfs_stats_base)
		return -ENOMEM;
	spfs_stats = alloc_percpu(struct spfs_stats);
	if (!spfs_stats) {
		kfree(spfs_stats_base);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		raw_spin_lock_init(&per_cpu_ptr(spfs_stats, cpu)->lock);
		seqcount_init(&per_cpu_ptr(spfs_stats, cpu)->fast_seq);
	}
	return 0;
}

/**
 * spfs_stats_exit() - free the counters; nothing may count any more
 */
void spfs_stats_exit(void)
{
	free_percpu(spfs_stats);
	spfs_stats = NULL;
	kfree(spfs_stats_base);
	spfs_stats_base = NULL;
}
