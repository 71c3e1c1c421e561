/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the clock faults and writer events are stamped with
 * (spfs_clock.c).
 */
#ifndef _SPFS_CLOCK_H
#define _SPFS_CLOCK_H

#include <linux/bitops.h>
#include <linux/jiffies.h>
#include <linux/jump_label.h>
#include <linux/timekeeping.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "spfs_ablate.h"

DECLARE_STATIC_KEY_FALSE(spfs_clock_tsc);
extern u32 spfs_clock_mult, spfs_clock_shift;
extern u64 spfs_clock_max;

u64 spfs_clock_ns_long(u64 delta);

/**
 * struct spfs_clock_bits - the differences of one bit length, for
 *			     spfs_clock_bucket()
 * @last: the largest still in the bucket of the smallest
 * @low: the bucket of the smallest; the rest are in the next one
 */
struct spfs_clock_bits {
	u64 last;
	u32 low;
};

/* Indexed by fls64() of a difference. */
extern struct spfs_clock_bits spfs_clock_bits[65];

/**
 * spfs_now() - the time faults and writer events are stamped with
 *
 * A fault's window (T0 to T1, on the faulting CPU) is compared with the
 * windows of VMA writers on other CPUs, so the clock must be monotonic
 * across CPUs, and readable from the fault tracepoint with interrupts
 * off and from ftrace callbacks.  Every fault reads it three or four
 * times, so where the kernel trusts the TSC to be one clock across CPUs
 * it is the raw TSC, in cycles (spfs_clock_init()): one rdtsc where
 * ktime_get_mono_fast_ns() adds its sequence count, clocksource call and
 * scaling, about 45 instructions.  Else the latter, in nanoseconds.
 * Stamps are only compared with each other and subtracted:
 * spfs_clock_ns() turns a difference into nanoseconds.
 *
 * Return: the time, in the units of spfs_clock_ns().
 */
static __always_inline u64 spfs_now(void)
{
	if (SPFS_ABLATING_CLOCK)
		return get_jiffies_64() * TICK_NSEC;
	if (SPFS_PROFILING(TWICE_CLOCK)) {
		u64 t = static_branch_likely(&spfs_clock_tsc) ?
			rdtsc_ordered() : ktime_get_mono_fast_ns();

		OPTIMIZER_HIDE_VAR(t);
	}
	/* rdtsc_ordered(): not taken before the loads that precede it. */
	if (static_branch_likely(&spfs_clock_tsc))
		return rdtsc_ordered();
	return ktime_get_mono_fast_ns();
}

/**
 * spfs_clock_ns() - a difference of two spfs_now() stamps in nanoseconds
 * @delta: the difference
 *
 * Return: @delta in nanoseconds.
 */
static __always_inline u64 spfs_clock_ns(u64 delta)
{
	if (SPFS_ABLATING_CLOCK || !static_branch_likely(&spfs_clock_tsc))
		return delta;
	/*
	 * In 64 bits while the product fits (600 s at least, as
	 * spfs_clock_init() chose the shift): a 128-bit product
	 * costs more at every fault than the arithmetic (and, with
	 * UBSAN, a stack frame for its shift check).
	 */
	if (likely(delta <= spfs_clock_max))
		return (delta * spfs_clock_mult) >> spfs_clock_shift;
	return spfs_clock_ns_long(delta);
}

/**
 * spfs_clock_bucket() - the histogram bucket of a difference of stamps
 * @delta: the difference, in spfs_now()'s units
 *
 * spfs_hist_bucket(spfs_clock_ns(@delta)) without the scaling: a range of
 * differences of one bit length spans at most two buckets of
 * nanoseconds, the second from a bound found at load
 * (spfs_clock_buckets_init()).  Inline: a clean fault's two histograms.
 *
 * Return: the bucket.
 */
static __always_inline unsigned int spfs_clock_bucket(u64 delta)
{
	/* fls64() is 64 at most: an index that needs no bounds check. */
	const struct spfs_clock_bits *b = spfs_clock_bits + fls64(delta);

	return b->low + (delta > b->last);
}

bool spfs_clock_init(void);

#endif /* _SPFS_CLOCK_H */
