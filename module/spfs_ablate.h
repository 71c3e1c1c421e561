/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: measurement-only builds.
 *
 * make bench (scripts/bench) builds the module a few more times with one
 * of these defined (KCFLAGS=-DSPFS_ABLATE_T0, ...) to tell apart what the
 * hooks, the following of faults, the judging and the clock cost.  In a
 * normal build every constant here is 0 and the compiler drops the code
 * it guards, which stays compiled and type-checked all the same.
 *
 *   SPFS_ABLATING_T0     T0 follows no fault: TL and T1 are hooked and
 *			  find nothing to do
 *   SPFS_ABLATING_JUDGE  faults are followed from T0 to T1, not judged
 *   SPFS_ABLATING_CLOCK  jiffies instead of a nanosecond clock: what the
 *			  clock reads cost (stamps coarse, races misjudged)
 */
#ifndef _SPFS_ABLATE_H
#define _SPFS_ABLATE_H

#ifdef SPFS_ABLATE_T0
#define SPFS_ABLATING_T0	1
#else
#define SPFS_ABLATING_T0	0
#endif

#ifdef SPFS_ABLATE_JUDGE
#define SPFS_ABLATING_JUDGE	1
#else
#define SPFS_ABLATING_JUDGE	0
#endif

#ifdef SPFS_ABLATE_CLOCK
#define SPFS_ABLATING_CLOCK	1
#else
#define SPFS_ABLATING_CLOCK	0
#endif

#endif /* _SPFS_ABLATE_H */
