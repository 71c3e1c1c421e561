/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow core: the kernel-independent part of the module.
 *
 * Everything declared here is plain C over fixed-width integers: it is
 * compiled into spf_shadow.ko and, unchanged, into the host unit tests
 * (tools/testing/unit/) and the CLI, for which tools/include/ stands in
 * for the two kernel headers included below.  Nothing here may include another kernel
 * header, take a lock or allocate.
 *
 * Every list of names - rules, verdicts, reasons, causes, operations,
 * page-table events, fault flags, real outcomes - is written once, below,
 * as an EM()/EMe() list (as include/trace/events/migrate.h does): the
 * enums, the name tables, the tracepoints' print tables and the names the
 * userspace tools check against are all expanded from it.
 */
#ifndef _SPFS_CORE_H
#define _SPFS_CORE_H

#include <linux/types.h>

/* Largest command accepted by a debugfs control file, NUL included. */
#define SPFS_CMD_MAX		64
/* The kernel's TASK_COMM_LEN, which this header cannot include. */
#define SPFS_COMM_LEN		16

/*
 * The name lists.  EM(symbol, "name") for every element, EMe() for the
 * last, so that a list can also expand into a comma-separated table.
 */
#define SPFS_RULE_LIST							\
	EM(SPFS_RULE_SEED,		"seed")				\
	EM(SPFS_RULE_DUFOUR,		"dufour")			\
	EM(SPFS_RULE_LESPINASSE,	"lespinasse")			\
	EMe(SPFS_RULE_PVL,		"pvl")

#define SPFS_VERDICT_LIST						\
	EM(SPFS_V_SUCCESS,		"success")			\
	EM(SPFS_V_RACE_VMA,		"race_vma")			\
	EM(SPFS_V_RACE_VMA_BUSY,	"race_vma_busy")		\
	EM(SPFS_V_RACE_PGTABLE,		"race_pgtable")			\
	EM(SPFS_V_RACE_MM,		"race_mm")			\
	EM(SPFS_V_REAL_RETRY,		"real_retry")			\
	EMe(SPFS_V_INELIGIBLE,		"ineligible")

/* Why a design would not even try a fault speculatively. */
#define SPFS_REASON_LIST						\
	EM(SPFS_R_NO_VMA,		"no_vma")			\
	EM(SPFS_R_NO_PAGE_TABLE,	"no_page_table")		\
	EM(SPFS_R_HUGETLB,		"hugetlb")			\
	EM(SPFS_R_HUGE_PMD,		"huge_pmd")			\
	EM(SPFS_R_PFNMAP,		"pfnmap")			\
	EM(SPFS_R_FILE,			"file")				\
	EM(SPFS_R_SHMEM,		"shmem")			\
	EM(SPFS_R_NO_ANON_VMA,		"no_anon_vma")			\
	EM(SPFS_R_UFFD,			"uffd")				\
	EM(SPFS_R_STACK,		"stack")			\
	EM(SPFS_R_MEMPOLICY,		"mempolicy")			\
	EM(SPFS_R_SWAP,			"swap")				\
	EMe(SPFS_R_SINGLE_THREAD,	"single_thread")

/* What the process (or the kernel on its behalf) was doing to its VMAs. */
#define SPFS_CAUSE_LIST							\
	EM(SPFS_C_MPROTECT,		"mprotect")			\
	EM(SPFS_C_MUNMAP,		"munmap")			\
	EM(SPFS_C_MMAP,			"mmap")				\
	EM(SPFS_C_MREMAP,		"mremap")			\
	EM(SPFS_C_BRK,			"brk")				\
	EM(SPFS_C_MADVISE,		"madvise")			\
	EM(SPFS_C_MLOCK,		"mlock")			\
	EM(SPFS_C_FORK,			"fork")				\
	EM(SPFS_C_STACK,		"stack")			\
	EM(SPFS_C_MEMPOLICY,		"mempolicy")			\
	EM(SPFS_C_PRCTL,		"prctl")			\
	EM(SPFS_C_KHUGEPAGED,		"khugepaged")			\
	EM(SPFS_C_CLEAR_REFS,		"clear_refs")			\
	EM(SPFS_C_NUMA,			"numa")				\
	EMe(SPFS_C_OTHER,		"other")

/*
 * What a VMA write does, as the designs' own code sees it: which of them
 * bumps its VMA sequence count (seed, dufour) or write-locks the VMA (pvl)
 * for it is spfs_op_rules() (research: DESIGN.md section 3, README "Where
 * each design aborts").
 */
#define SPFS_OP_LIST							\
	EM(SPFS_OP_ADJUST,		"adjust")			\
	EM(SPFS_OP_ZAP,			"zap")				\
	EM(SPFS_OP_FLAGS,		"flags")			\
	EM(SPFS_OP_NUMA,		"numa")				\
	EM(SPFS_OP_COLLAPSE,		"collapse")			\
	EM(SPFS_OP_FORK,		"fork")				\
	EM(SPFS_OP_STACK,		"stack")			\
	EMe(SPFS_OP_VMA_LOCK,		"vma_lock")

/* Page-table events, numbered as the kernel's enum mmu_notifier_event. */
#define SPFS_PT_EVENT_LIST						\
	EM(SPFS_PT_UNMAP,		"unmap")			\
	EM(SPFS_PT_CLEAR,		"clear")			\
	EM(SPFS_PT_PROTECTION_VMA,	"protection_vma")		\
	EM(SPFS_PT_PROTECTION_PAGE,	"protection_page")		\
	EM(SPFS_PT_SOFT_DIRTY,		"soft_dirty")			\
	EM(SPFS_PT_RELEASE,		"release")			\
	EM(SPFS_PT_MIGRATE,		"migrate")			\
	EM(SPFS_PT_EXCLUSIVE,		"exclusive")			\
	EMe(SPFS_PT_OTHER,		"other")

/* Fault class flags, as bit numbers: read at T0, TL and T1. */
#define SPFS_FLAG_LIST							\
	EM(SPFS_FB_NO_VMA,		"no_vma")			\
	EM(SPFS_FB_ANON,		"anon")				\
	EM(SPFS_FB_NO_ANON_VMA,		"no_anon_vma")			\
	EM(SPFS_FB_FILE,		"file")				\
	EM(SPFS_FB_SHMEM,		"shmem")			\
	EM(SPFS_FB_HUGETLB,		"hugetlb")			\
	EM(SPFS_FB_HUGE_PMD,		"huge_pmd")			\
	EM(SPFS_FB_PFNMAP,		"pfnmap")			\
	EM(SPFS_FB_UFFD_MISSING,	"uffd_missing")			\
	EM(SPFS_FB_UFFD,		"uffd")				\
	EM(SPFS_FB_UFFD_WP,		"uffd_wp")			\
	EM(SPFS_FB_STACK,		"stack")			\
	EM(SPFS_FB_INTERLEAVE,		"interleave")			\
	EM(SPFS_FB_SWAP,		"swap")				\
	EM(SPFS_FB_DEVICE_PRIVATE,	"device_private")		\
	EM(SPFS_FB_SINGLE_THREAD,	"single_thread")		\
	EM(SPFS_FB_NO_PAGE_TABLE,	"no_page_table")		\
	EM(SPFS_FB_PTE_NONE,		"pte_none")			\
	EM(SPFS_FB_WRITE,		"write")			\
	EM(SPFS_FB_PMD_CHANGED,		"pmd_changed")			\
	EM(SPFS_FB_REAL_RETRY,		"real_retry")			\
	EM(SPFS_FB_COMPLETED,		"completed")			\
	EMe(SPFS_FB_LATE,		"late")

/* What a kernel with per-VMA locks really did with a fault (6.4+). */
#define SPFS_REAL_LIST							\
	EM(SPFS_REAL_LOCKED,		"vma_locked")			\
	EM(SPFS_REAL_LOCKED_RETRY,	"vma_locked_retry")		\
	EM(SPFS_REAL_MMAP,		"mmap_lock")			\
	EMe(SPFS_REAL_NONE,		"no_fault_handler")

#define EM(a, b)	a,
#define EMe(a, b)	a,

/**
 * enum spfs_rule - the designs a fault is judged under
 * @SPFS_RULE_SEED: the 2014 RFC: per-VMA sequence count, validated at
 *		    start and at commit
 * @SPFS_RULE_DUFOUR: Dufour's SPF v12: per-VMA sequence count and
 *		      pmd_same() at commit, narrow eligibility
 * @SPFS_RULE_LESPINASSE: Lespinasse's SPF v2: a per-mm sequence; any
 *			  mmap_lock write cycle in the window aborts
 * @SPFS_RULE_PVL: per-VMA locks (6.4+): abort at start only if the VMA is
 *		   write-locked; later writers wait for the fault
 * @SPFS_NR_RULES: number of rules
 */
enum spfs_rule { SPFS_RULE_LIST SPFS_NR_RULES };

/* Verdicts: for every rule and window they add up to the faults judged. */
enum spfs_verdict { SPFS_VERDICT_LIST SPFS_NR_VERDICTS };
enum spfs_reason { SPFS_REASON_LIST SPFS_NR_REASONS };
enum spfs_cause { SPFS_CAUSE_LIST SPFS_NR_CAUSES };
enum spfs_op { SPFS_OP_LIST SPFS_NR_OPS };
enum spfs_pt_event { SPFS_PT_EVENT_LIST SPFS_NR_PT_EVENTS };
enum spfs_flag_bit { SPFS_FLAG_LIST SPFS_NR_FLAGS };

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
enum spfs_real { SPFS_REAL_LIST SPFS_NR_REALS };

#undef EM
#undef EMe

/* A fault class flag, by its name in SPFS_FLAG_LIST without the prefix. */
#define SPFS_F(name)		(1U << SPFS_FB_##name)

/**
 * enum spfs_target_kind - which processes are tracked
 * @SPFS_TARGET_NONE: nothing; the fault path returns at once
 * @SPFS_TARGET_ALL: every user process
 * @SPFS_TARGET_PID: one process (thread group) by its tgid
 * @SPFS_TARGET_COMM: every process whose command name (its main thread's)
 *		      equals a name
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
 * handle_mm_fault, T1 end), its address, the VMA it found at TL and a set
 * of class flags.  The events of its mm - VMA writes, mmap_lock write
 * cycles, page-table invalidations - are read from the mm's log and its
 * table of events in progress; spfs_judge() gives one verdict per rule and
 * window.
 */

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

/**
 * enum spfs_pvl_profile - which kernel's per-VMA-lock rules pvl follows
 * @SPFS_PVL_6_4: 6.4: anonymous VMAs with an anon_vma only; swap-in and
 *		  userfaultfd fall back to mmap_lock
 * @SPFS_PVL_6_12: 6.12: any VMA; what cannot be finished under the VMA
 *		   lock retries (the real fault's own retry)
 */
enum spfs_pvl_profile {
	SPFS_PVL_6_4,
	SPFS_PVL_6_12,
};

/**
 * struct spfs_fault - one fault as the judge sees it
 * @t0: entry, no lock held
 * @tl: handle_mm_fault() entered with the lock held
 * @t1: the fault's end: its lock released after handle_mm_fault()
 * @t_vma_lock: on a kernel with per-VMA locks, when the fault tried the
 *		VMA lock, else 0: pvl's attempt is then taken at T0
 * @addr: faulting address
 * @vm_start: start of the VMA found at TL (0 with SPFS_F(NO_VMA))
 * @vm_end: its end
 * @pmd_size: the span of a PMD entry (2 MiB on x86-64)
 * @flags: SPFS_F() class flags
 * @tid: the faulting thread, to ignore its own events
 * @cycle_t0: if not 0, the oldest write cycle not yet over at T0, as the
 *	      kernel's own count says (cycles are numbered in order, and
 *	      compared modulo 2^32): one older had released its locks by
 *	      T0, whatever the time its end was stamped with says
 * @cycle_ta: the same at the VMA lock attempt (@t_vma_lock), 0 if not
 *	      read: a cycle older than it had released its VMA locks when
 *	      the fault tried its VMA's
 * @fork_cycle: the write cycle of a fork under way at T0 (its number, as
 *		@cycle_t0's), if @fork_front is not 0
 * @fork_front: how far that fork had write-locked the VMAs at T0: those
 *		that start below it (dup_mmap() locks them in address
 *		order, at its own pace); 0 if no fork was locking them
 *
 * The times of faults and events are stamps of one clock, in any unit
 * (the module's is the TSC, or nanoseconds): the judge only compares and
 * subtracts them.
 */
struct spfs_fault {
	u64 t0, tl, t1;
	u64 t_vma_lock;
	u64 addr;
	u64 vm_start, vm_end;
	u64 pmd_size;
	u32 flags;
	s32 tid;
	u32 cycle_t0;
	u32 cycle_ta;
	u32 fork_cycle;
	u64 fork_front;
};

/**
 * enum spfs_ev_type - what an event of a per-mm log is
 * @SPFS_EV_VMA: a write to the VMAs of [start, end): an &enum spfs_op,
 *		 bracketed by the writing function's [t_begin, t_end]
 * @SPFS_EV_CYCLE: a whole mmap_lock write cycle [t_begin, t_end]
 * @SPFS_EV_PT: an mmu notifier invalidation of [start, end)
 */
enum spfs_ev_type {
	SPFS_EV_VMA,
	SPFS_EV_CYCLE,
	SPFS_EV_PT,
};

/**
 * struct spfs_event - one event of a tracked mm
 * @t_begin: when it began
 * @t_end: when it ended, 0 while in progress
 * @start: first address of the range it affects
 * @end: end of that range (exclusive)
 * @tag: the low 32 bits of its log sequence number, 0 while the log entry
 *	 is being written (the log's own; see spfs_log_read())
 * @cycle: the mmap_lock write cycle it belongs to (a per-mm count from 1),
 *	   0 for a VMA event outside any (a zap under the read lock)
 * @tid: the thread that caused it
 * @type: &enum spfs_ev_type
 * @kind: &enum spfs_op for a VMA event, &enum spfs_pt_event for PT
 * @cause: &enum spfs_cause for VMA and CYCLE events
 * @flags: SPFS_EVF_* bits
 *
 * 48 bytes: a tracked process's whole state stays in one 4 KiB block.
 */
struct spfs_event {
	u64 t_begin, t_end;
	u64 start, end;
	u32 tag;
	u32 cycle;
	s32 tid;
	u8 type;
	u8 kind;
	u8 cause;
	u8 flags;
};

/*
 * A page-table event of the mm's mmap_lock writer (mprotect, munmap,
 * mremap): informational, shown in the pt_event tracepoint.
 */
#define SPFS_EVF_WRITER		(1U << 0)
/*
 * An SPFS_OP_VMA_LOCK event of an out-of-line write lock: asked for at
 * t_begin, marked (held from then) at some time before t_end - the
 * mark's probe, or the function's return where it is not seen (0: not
 * yet).  A reader that came before the mark got in and is waited for.
 */
#define SPFS_EVF_ASKED		(1U << 1)

/**
 * struct spfs_judgement - the verdicts of one fault
 * @verdict: per rule and window, an &enum spfs_verdict
 * @detail: per rule and window, the &enum spfs_reason of an ineligible
 *	    verdict, the &enum spfs_cause of a VMA or mm race, or the
 *	    &enum spfs_pt_event of a page-table race
 * @pt_overlap: per window, the rules whose window an invalidation of the
 *		fault's PMD range overlapped (bit per rule; informational:
 *		PTE-table lock contention), eligible rules only
 * @contested: an mmap_lock write cycle overlapped the full window: the
 *	       faults on which a prediction of pvl's outcome can be wrong
 * @vma_lock_seen: a pvl write lock on the fault's VMA was under way
 *		   between T0 and TL: what the kernel's own lock state says
 *		   too, on kernels with per-VMA locks (a cross-check)
 * @pvl_by_fault_end: the pvl verdict rests on when the fault ended: an
 *		      out-of-line VMA write lock was asked for before the
 *		      fault's attempt, and whether the fault got in first is
 *		      read from whether it ended before the write cycle
 * @writer_stall: per window, how long writers would have waited for this
 *		  fault under pvl (a difference of the faults' times), once
 *		  per write cycle
 */
struct spfs_judgement {
	u8 verdict[SPFS_NR_RULES][SPFS_NR_WINDOWS];
	u8 detail[SPFS_NR_RULES][SPFS_NR_WINDOWS];
	u8 pt_overlap[SPFS_NR_WINDOWS];
	bool contested;
	bool vma_lock_seen;
	bool pvl_by_fault_end;
	u64 writer_stall[SPFS_NR_WINDOWS];
};

/**
 * struct spfs_judge_src - the events of a fault's mm, for spfs_judge()
 * @read: copies the log event of sequence @seq into @ev; false if it is
 *	  gone (overwritten) or being written
 * @ctx: passed to @read
 * @from: the first log sequence that may hold an event of the windows
 * @last: the last sequence logged
 * @open: events in progress when the fault ended, and the write cycle in
 *	  progress as an SPFS_EV_CYCLE event with t_end 0
 * @nr_open: their number
 * @vma_lock_facts: the kernel has real per-VMA locks and they were
 *		    observed: pvl's locks are the SPFS_OP_VMA_LOCK events,
 *		    other operations do not stand for them
 */
struct spfs_judge_src {
	bool (*read)(const void *ctx, u64 seq, struct spfs_event *ev);
	const void *ctx;
	u64 from, last;
	const struct spfs_event *open;
	unsigned int nr_open;
	bool vma_lock_facts;
};

/* A rule's bit in a mask of rules (spfs_op_rules(), pt_overlap). */
#define SPFS_RULE_BIT(r)	(1U << (r))

int spfs_rule_ineligible(enum spfs_rule r, enum spfs_pvl_profile pvl,
			 u32 flags);
void spfs_judge_begin(struct spfs_judgement *j, const struct spfs_fault *f,
		      enum spfs_pvl_profile pvl);
unsigned int spfs_judge(struct spfs_judgement *j, const struct spfs_fault *f,
			enum spfs_pvl_profile pvl,
			const struct spfs_judge_src *src);
bool spfs_judgement_clean(const struct spfs_judgement *j);
u32 spfs_unclean_flags(enum spfs_pvl_profile pvl);
u8 spfs_op_rules(enum spfs_op op);

const char *spfs_rule_name(enum spfs_rule r);
const char *spfs_verdict_name(enum spfs_verdict v);
const char *spfs_reason_name(enum spfs_reason r);
const char *spfs_cause_name(enum spfs_cause c);
const char *spfs_op_name(enum spfs_op op);
const char *spfs_pt_event_name(enum spfs_pt_event e);
const char *spfs_flag_name(enum spfs_flag_bit b);
bool spfs_verdict_is_race(enum spfs_verdict v);
bool spfs_elig_tables_valid(void);

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

/**
 * spfs_pvl_row_by_construction() - does a row agree whatever happens
 * @row: the verdict, as spfs_pvl_row() gives it
 *
 * The shadow's real_retry and the real vma_locked_retry both come from
 * the fault's own retry; its no_vma and the real no_fault_handler both
 * from a fault that never reached handle_mm_fault().  Such rows agree by
 * construction and are left out of the agreement rates.
 *
 * Return: true for those rows.
 */
static inline bool spfs_pvl_row_by_construction(unsigned int row)
{
	return row == SPFS_V_REAL_RETRY ||
	       row == SPFS_NR_VERDICTS + SPFS_R_NO_VMA;
}

#endif /* _SPFS_CORE_H */
