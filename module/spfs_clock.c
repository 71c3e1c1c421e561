// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the clock, the raw TSC where the kernel trusts it.
 *
 * The kernel marks the TSC unstable when its CPUs' counters are found
 * out of step at boot, when it stops in idle or changes with the CPU's
 * frequency, and when the clocksource watchdog sees it drift; until then
 * CLOCK_MONOTONIC itself is the TSC scaled, on every CPU alike.  The
 * module reads the TSC where ktime_get_mono_fast_ns() would read it and
 * leaves the scaling to the few places that need nanoseconds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/clocksource.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/math64.h>
#include <linux/time64.h>

#include "spfs_clock.h"
#include "spfs_core.h"

DEFINE_STATIC_KEY_FALSE(spfs_clock_tsc);
u32 spfs_clock_mult, spfs_clock_shift;
/* The longest difference whose product with the multiplier fits 64 bits. */
u64 spfs_clock_max;

struct spfs_clock_bits spfs_clock_bits[65] __read_mostly;

/**
 * spfs_clock_ns_long() - spfs_clock_ns() of a difference too long for it
 * @delta: the difference, in cycles, over spfs_clock_max
 *
 * spfs_clock_ns() multiplies in 64 bits while the product fits, which
 * spfs_clock_max bounds (600 s of cycles at least); past it the product
 * is taken whole, in 128 bits, here out of line.
 *
 * Return: @delta in nanoseconds.
 */
u64 spfs_clock_ns_long(u64 delta)
{
	return mul_u64_u32_shr(delta, spfs_clock_mult, spfs_clock_shift);
}
NOKPROBE_SYMBOL(spfs_clock_ns_long);

static unsigned int spfs_clock_ns_bucket(u64 delta)
{
	return spfs_hist_bucket(spfs_clock_ns(delta));
}

/*
 * The bounds of spfs_clock_bucket(), from spfs_clock_ns() itself: it is
 * monotonic, and the differences of one bit length span less than a
 * doubling of nanoseconds, so at most two log2 buckets.
 */
static void spfs_clock_buckets_init(void)
{
	unsigned int k, b;
	u64 lo, hi, mid;

	for (k = 0; k <= 64; k++) {
		lo = k ? 1ULL << (k - 1) : 0;
		hi = k ? lo + (lo - 1) : 0;
		b = spfs_clock_ns_bucket(lo);
		spfs_clock_bits[k].low = b;
		WARN_ON_ONCE(spfs_clock_ns_bucket(hi) > b + 1);
		/* The last difference of bucket b in [lo, hi]. */
		while (lo < hi) {
			mid = lo + (hi - lo + 1) / 2;
			if (spfs_clock_ns_bucket(mid) == b)
				lo = mid;
			else
				hi = mid - 1;
		}
		spfs_clock_bits[k].last = lo;
	}
}

/**
 * spfs_clock_init() - choose the clock, before any hook runs
 *
 * Chosen once: stamps of the two clocks cannot be compared, so a TSC
 * found unstable after the module's load (by the watchdog) is still
 * read until it is reloaded.
 *
 * Return: true if spfs_now() reads the TSC.
 */
bool spfs_clock_init(void)
{
	if (!boot_cpu_has(X86_FEATURE_TSC) || check_tsc_unstable() ||
	    !tsc_khz) {
		static_branch_disable(&spfs_clock_tsc);
		spfs_clock_buckets_init();
		return false;
	}
	/*
	 * Cycles to ns as the kernel scales them (cycles per ms is the
	 * frequency in kHz), the shift chosen so that 600 s of cycles times
	 * the multiplier fit 64 bits; longer differences take the whole
	 * product (spfs_clock_ns_long()), so none overflows.
	 */
	clocks_calc_mult_shift(&spfs_clock_mult, &spfs_clock_shift,
			       tsc_khz, NSEC_PER_MSEC, 600);
	spfs_clock_max = div_u64(U64_MAX, spfs_clock_mult);
	static_branch_enable(&spfs_clock_tsc);
	spfs_clock_buckets_init();
	return true;
}
