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
 *
 * make bench's profile (tools/bench/profile-builds) takes the fault path
 * apart further, in instructions per fault: a part taken out, or done
 * twice, costs the difference.  Each knob is -DSPFS_PROFILE_<KNOB>, read
 * as SPFS_PROFILING(KNOB):
 *
 *   HOOKS=MASK		attach only the hooks of MASK (SPFS_HOOK_*)
 *   EMPTY		every hook returns at once
 *   NO_COUNT		a judged fault is not counted (spfs_account())
 *   NO_STATS_LOCK	counted without its CPU's stats lock
 *   TWICE_CLOCK	every clock read done twice
 *   TWICE_LOOKUP	every fault's mm lookup (spfs_mm_find()) done twice
 *   TWICE_SLOT		every slot lookup done twice, and T0 claims its
 *			slot, frees it and claims it again
 *   TWICE_WALK		T0's page-table walk and T1's PMD read done twice
 *   TWICE_CLASSIFY	TL's VMA classification done twice
 *   INFLATE		T0 spins the module parameter "inflate" times:
 *			the control of make check's instruction budget
 */
#ifndef _SPFS_ABLATE_H
#define _SPFS_ABLATE_H

#include <linux/bits.h>
/* __is_defined(): forced on the kernel's files, not on userspace's. */
#include <linux/kconfig.h>

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

/* 1 if built with -DSPFS_PROFILE_<knob> (defined to 1), else 0. */
#define SPFS_PROFILING(knob)	__is_defined(SPFS_PROFILE_##knob)

#define SPFS_HOOK_T0		BIT(0)	/* exceptions:page_fault_user */
#define SPFS_HOOK_TL		BIT(1)	/* handle_mm_fault() */
#define SPFS_HOOK_T1		BIT(2)	/* up_read(), handle_mm_fault()'s return */
#define SPFS_HOOK_RWSEM		BIT(3)	/* the rwsem write calls, lock contention */
#define SPFS_HOOK_VMA_LOCK	BIT(4)	/* lock_vma_under_rcu() (6.4+) */
#define SPFS_HOOK_VMA		BIT(5)	/* the VMA write paths */
#define SPFS_HOOK_OTHER		BIT(6)	/* page_fault_kernel, process exit */

/* Whether a hook is attached: all of them but in a profile build. */
#ifdef SPFS_PROFILE_HOOKS
#define SPFS_HOOK_WANTED(h)	(!!((SPFS_PROFILE_HOOKS) & (h)))
#else
#define SPFS_HOOK_WANTED(h)	true
#endif

#endif /* _SPFS_ABLATE_H */
