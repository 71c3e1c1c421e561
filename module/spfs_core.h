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
typedef uint8_t u8;
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
u64 spfs_hist_bucket_low(unsigned int bucket);

/**
 * spfs_hist_bucket() - the log2 bucket of a value
 * @value: e.g. a duration in ns
 *
 * Inline: the fault path takes two per fault.
 *
 * Return: 0 for 0, else the bit length of @value, capped at
 * SPFS_HIST_BUCKETS - 1 so that the last bucket collects all that is
 * larger.
 */
static inline unsigned int spfs_hist_bucket(u64 value)
{
	unsigned int b;

	if (!value)
		return 0;
	b = 64 - __builtin_clzll(value);
	return b < SPFS_HIST_BUCKETS ? b : SPFS_HIST_BUCKETS - 1;
}

/*
 * The verdict model (DESIGN.md sections 3 and 4).
 *
 * A fault is described by its timeline (T0 entry, TL lock held in
 * handle_mm_fault, T1 return), its address, the VMA it found at TL and a
 * set of class flags read under the lock.  Events of its mm - VMA writes,
 * mmap_lock write cycles, page-table invalidations - are fed one by one;
 * the judgement then gives one verdict per rule and window.
 */

/**
 * enum spfs_rule - the designs a fault is judged under
 * @SPFS_RULE_SEED: the 2014 RFC: per-VMA seqcount, validated at start and
 *		    at commit
 * @SPFS_RULE_DUFOUR: Dufour's SPF v11/v12: per-VMA seqcount and pmd_same
 *		      at commit, narrow eligibility
 * @SPFS_RULE_LESPINASSE: Lespinasse's SPF v2: a per-mm sequence, any
 *			  mmap_lock write cycle in the window aborts
 * @SPFS_RULE_PVL: per-VMA locks (6.4+): abort at start only if the VMA is
 *		   write-locked; later writers wait for the fault
 * @SPFS_NR_RULES: number of rules
 */
enum spfs_rule {
	SPFS_RULE_SEED,
	SPFS_RULE_DUFOUR,
	SPFS_RULE_LESPINASSE,
	SPFS_RULE_PVL,
	SPFS_NR_RULES,
};

/**
 * enum spfs_window - which window a verdict is judged over
 * @SPFS_WIN_SERVICE: [T0, T0 + (T1 - TL)]: the speculative fault does the
 *		      same work without waiting for the lock (the estimate)
 * @SPFS_WIN_FULL: [T0, T1], lock wait included (an upper bound on races)
 * @SPFS_NR_WINDOWS: number of windows
 */
enum spfs_window {
	SPFS_WIN_SERVICE,
	SPFS_WIN_FULL,
	SPFS_NR_WINDOWS,
};

/* Verdicts: for every rule and window they add up to the faults judged. */
enum spfs_verdict {
	SPFS_V_SUCCESS,
	SPFS_V_RACE_VMA,
	SPFS_V_RACE_VMA_BUSY,
	SPFS_V_RACE_PGTABLE,
	SPFS_V_RACE_MM,
	SPFS_V_REAL_RETRY,
	SPFS_V_INELIGIBLE,
	SPFS_NR_VERDICTS,
};

/* Why a design would not even try a fault speculatively. */
enum spfs_reason {
	SPFS_R_NO_VMA,
	SPFS_R_HUGETLB,
	SPFS_R_HUGE_PMD,
	SPFS_R_PFNMAP,
	SPFS_R_FILE,
	SPFS_R_SHMEM,
	SPFS_R_NO_ANON_VMA,
	SPFS_R_UFFD,
	SPFS_R_STACK,
	SPFS_R_MEMPOLICY,
	SPFS_R_SWAP,
	SPFS_R_SINGLE_THREAD,
	SPFS_NR_REASONS,
};

/* What changed a VMA or started an mmap_lock write cycle. */
enum spfs_cause {
	SPFS_C_MPROTECT,
	SPFS_C_MUNMAP,
	SPFS_C_MMAP,
	SPFS_C_MREMAP,
	SPFS_C_BRK,
	SPFS_C_MADVISE,
	SPFS_C_MLOCK,
	SPFS_C_FORK,
	SPFS_C_STACK,
	SPFS_C_OTHER,
	SPFS_NR_CAUSES,
};

/* Page-table events, numbered as the kernel's enum mmu_notifier_event. */
enum spfs_pt_event {
	SPFS_PT_UNMAP,
	SPFS_PT_CLEAR,
	SPFS_PT_PROTECTION_VMA,
	SPFS_PT_PROTECTION_PAGE,
	SPFS_PT_SOFT_DIRTY,
	SPFS_PT_RELEASE,
	SPFS_PT_MIGRATE,
	SPFS_PT_EXCLUSIVE,
	SPFS_PT_OTHER,
	SPFS_NR_PT_EVENTS,
};

/* Fault class flags, read under the real fault's lock. */
#define SPFS_F_NO_VMA		(1U << 0)	/* never reached handle_mm_fault */
#define SPFS_F_ANON		(1U << 1)	/* private anonymous: no vm_ops */
#define SPFS_F_NO_ANON_VMA	(1U << 2)	/* no anon_vma yet */
#define SPFS_F_FILE		(1U << 3)	/* file-backed (vm_ops->fault) */
#define SPFS_F_SHMEM		(1U << 4)	/* shmem / shared anonymous */
#define SPFS_F_HUGETLB		(1U << 5)
#define SPFS_F_HUGE_PMD		(1U << 6)	/* huge or devmap p*d */
#define SPFS_F_PFNMAP		(1U << 7)	/* VM_PFNMAP, VM_MIXEDMAP, VM_IO */
#define SPFS_F_UFFD_MISSING	(1U << 8)
#define SPFS_F_UFFD		(1U << 9)	/* any userfaultfd mode armed */
#define SPFS_F_STACK		(1U << 10)	/* VM_GROWSDOWN or VM_GROWSUP */
#define SPFS_F_INTERLEAVE	(1U << 11)	/* MPOL_INTERLEAVE policy */
#define SPFS_F_SWAP		(1U << 12)	/* the PTE holds a swap entry */
#define SPFS_F_SINGLE_THREAD	(1U << 13)	/* mm has one user */
#define SPFS_F_REAL_RETRY	(1U << 14)	/* RETRY or error returned */
#define SPFS_F_DEVICE_PRIVATE	(1U << 15)	/* device-private swap entry */
/* No page table at TL: the fault may map a huge page. */
#define SPFS_F_PMD_NONE		(1U << 16)

/**
 * enum spfs_pvl_profile - which kernel's per-VMA-lock rules pvl follows
 * @SPFS_PVL_6_4: 6.4: anonymous VMAs with an anon_vma only; swap-in and
 *		  userfaultfd fall back to mmap_lock
 * @SPFS_PVL_6_12: 6.12: any VMA; a missing anon_vma is prepared under an
 *		   mmap_lock trylock
 */
enum spfs_pvl_profile {
	SPFS_PVL_6_4,
	SPFS_PVL_6_12,
};

/**
 * struct spfs_fault - one fault as the judge sees it
 * @t0: entry, no lock held (ns)
 * @tl: handle_mm_fault() entered with the lock held (ns)
 * @t1: handle_mm_fault() returned (ns)
 * @addr: faulting address
 * @vm_start: start of the VMA found at TL (0 with SPFS_F_NO_VMA)
 * @vm_end: its end
 * @flags: SPFS_F_* class flags
 * @tid: the faulting thread, to ignore its own page-table events
 * @pmd_size: the PMD span, for page-table overlap (2 MiB on x86-64)
 * @t_vma_lock: on a kernel with per-VMA locks, when the fault tried the
 *		VMA lock (ns), else 0
 */
struct spfs_fault {
	u64 t0, tl, t1;
	u64 t_vma_lock;
	u64 addr;
	u64 vm_start, vm_end;
	u32 flags;
	s32 tid;
	u64 pmd_size;
};

/* Event types in a per-mm log. */
enum spfs_ev_type {
	SPFS_EV_VMA,		/* a VMA write: bounds, flags, anon_vma, ... */
	SPFS_EV_MM_WRITE,	/* a whole mmap_lock write cycle */
	SPFS_EV_PT,		/* an mmu notifier invalidation */
};

/**
 * struct spfs_event - one entry of a per-mm event log
 * @t_begin: when it started (ns)
 * @t_end: when it ended, 0 while still open.  A VMA event stays open until
 *	   the write cycle it belongs to releases mmap_lock: that is when
 *	   SPF's vm_sequence and the VMA write lock are released.
 * @start: first address of the affected range
 * @end: end of the range (exclusive)
 * @tid: the thread that caused it
 * @type: &enum spfs_ev_type
 * @cause: &enum spfs_cause for VMA and MM_WRITE, &enum spfs_pt_event for PT
 * @flags: SPFS_EVF_* bits
 */
struct spfs_event {
	u64 t_begin, t_end;
	u64 start, end;
	s32 tid;
	u8 type;
	u8 cause;
	u8 flags;
};

/*
 * A page-table event of the mm's mmap_lock writer (mprotect, munmap,
 * mremap): it write-locked the VMAs it changes first, so under per-VMA
 * locks it waits for the faults in them instead of racing with them.
 */
#define SPFS_EVF_WRITER		(1U << 0)

/**
 * struct spfs_judgement - the verdicts of one fault
 * @verdict: per rule and window, an &enum spfs_verdict
 * @detail: per rule and window, the &enum spfs_reason of an ineligible
 *	    verdict, the &enum spfs_cause of a VMA or mm race, or the
 *	    &enum spfs_pt_event of a page-table race
 * @writer_stall: per window, how long writers would have waited for this
 *		  fault under pvl (ns)
 */
struct spfs_judgement {
	u8 verdict[SPFS_NR_RULES][SPFS_NR_WINDOWS];
	u8 detail[SPFS_NR_RULES][SPFS_NR_WINDOWS];
	u64 writer_stall[SPFS_NR_WINDOWS];
};

void spfs_judge_begin(struct spfs_judgement *j, const struct spfs_fault *f,
		      enum spfs_pvl_profile pvl);
bool spfs_judgement_clean(const struct spfs_judgement *j);
u32 spfs_unclean_flags(enum spfs_pvl_profile pvl);
void spfs_judge_event(struct spfs_judgement *j, const struct spfs_fault *f,
		      const struct spfs_event *ev);

const char *spfs_rule_name(enum spfs_rule r);
const char *spfs_verdict_name(enum spfs_verdict v);
const char *spfs_reason_name(enum spfs_reason r);
const char *spfs_cause_name(enum spfs_cause c);
const char *spfs_pt_event_name(enum spfs_pt_event e);
bool spfs_verdict_is_race(enum spfs_verdict v);
bool spfs_elig_tables_valid(void);

/**
 * enum spfs_real - what a kernel with per-VMA locks really did (6.4+)
 * @SPFS_REAL_LOCKED: lock_vma_under_rcu() locked the VMA and the fault
 *		      completed under it
 * @SPFS_REAL_LOCKED_RETRY: the VMA was locked but the fault returned
 *			    VM_FAULT_RETRY (or an error) under it
 * @SPFS_REAL_MMAP: lock_vma_under_rcu() failed: mmap_lock from the start
 * @SPFS_REAL_NONE: the fault never reached handle_mm_fault() (no VMA,
 *		    or an access error)
 * @SPFS_NR_REALS: number of outcomes
 */
enum spfs_real {
	SPFS_REAL_LOCKED,
	SPFS_REAL_LOCKED_RETRY,
	SPFS_REAL_MMAP,
	SPFS_REAL_NONE,
	SPFS_NR_REALS,
};

/*
 * The shadow pvl verdict as a row of the agreement matrix: a verdict
 * other than ineligible, or SPFS_NR_VERDICTS + the ineligibility reason.
 */
#define SPFS_NR_PVL_ROWS	(SPFS_NR_VERDICTS + SPFS_NR_REASONS)

const char *spfs_real_name(enum spfs_real r);
const char *spfs_pvl_row_name(unsigned int row);

/**
 * spfs_pvl_row() - the agreement-matrix row of a pvl verdict
 * @verdict: the &enum spfs_verdict
 * @detail: its detail (the reason, for ineligible)
 *
 * Return: a row below SPFS_NR_PVL_ROWS.
 */
static inline unsigned int spfs_pvl_row(u8 verdict, u8 detail)
{
	return verdict == SPFS_V_INELIGIBLE ? SPFS_NR_VERDICTS + detail :
					      verdict;
}

/**
 * spfs_pvl_agrees() - does the shadow pvl verdict predict what happened
 * @row: the verdict, as spfs_pvl_row() gives it
 * @real: what the kernel did
 *
 * A fault predicted to succeed (a page-table race only wastes the work:
 * the lock itself held) must have completed under the VMA lock; one
 * predicted to abort at start must have fallen back to mmap_lock; one
 * the real fault retried must have retried under the VMA lock; and a
 * fault without a VMA never gets the VMA lock.
 *
 * Return: true if the prediction held.
 */
static inline bool spfs_pvl_agrees(unsigned int row, enum spfs_real real)
{
	switch (row) {
	case SPFS_V_SUCCESS:
	case SPFS_V_RACE_PGTABLE:
		return real == SPFS_REAL_LOCKED;
	case SPFS_V_REAL_RETRY:
		return real == SPFS_REAL_LOCKED_RETRY;
	case SPFS_V_RACE_VMA_BUSY:
		return real == SPFS_REAL_MMAP;
	case SPFS_NR_VERDICTS + SPFS_R_NO_VMA:
		return real == SPFS_REAL_MMAP || real == SPFS_REAL_NONE;
	default:
		/* Other reasons: the fault retries under the VMA lock. */
		return row >= SPFS_NR_VERDICTS &&
		       real == SPFS_REAL_LOCKED_RETRY;
	}
}

#endif /* _SPFS_CORE_H */
