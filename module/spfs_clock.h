/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the clock faults and writer events are stamped with.
 */
#ifndef _SPFS_CLOCK_H
#define _SPFS_CLOCK_H

#include <linux/jiffies.h>
#include <linux/timekeeping.h>

#include "spfs_ablate.h"

/**
 * spfs_now() - the time faults and writer events are stamped with
 *
 * A fault's window (T0 to T1, on the faulting CPU) is compared with the
 * windows of VMA writers on other CPUs, so the clock must be monotonic
 * across CPUs, and readable from the fault tracepoint with interrupts
 * off and from ftrace callbacks: ktime_get_mono_fast_ns().  It costs what
 * the clocksource costs to read: a few nanoseconds with a synchronized
 * TSC, hundreds under emulation when a guest has fallen back to the HPET
 * or its vCPUs share the emulator's clock (results/performance.md).
 *
 * Return: CLOCK_MONOTONIC time in nanoseconds.
 */
static __always_inline u64 spfs_now(void)
{
	if (SPFS_ABLATING_CLOCK)
		return get_jiffies_64() * TICK_NSEC;
	if (SPFS_PROFILING(TWICE_CLOCK)) {
		u64 t = ktime_get_mono_fast_ns();

		OPTIMIZER_HIDE_VAR(t);
	}
	return ktime_get_mono_fast_ns();
}

#endif /* _SPFS_CLOCK_H */
