// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the verdict core (module/spfs_verdict.c): every
 * verdict and every ineligibility reason of every rule, from tables.
 *
 * Every expected value is checked: a verdict other than success and
 * real_retry always with its detail (cause, event or reason).  With
 * SPFS_MUTATE=N in the environment, case N's expectations are altered
 * (each rule's verdict and detail shifted by one) and the run must fail:
 * make check does that for every case, so that no row can pass whatever
 * the core says.
 */
#include <stdlib.h>
#include <string.h>

#include "spfs_core.h"
#include "ktap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_EVENTS 6

/* Verdict shorthands for the tables. */
#define OK	SPFS_V_SUCCESS
#define VMA	SPFS_V_RACE_VMA
#define BUSY	SPFS_V_RACE_VMA_BUSY
#define PT	SPFS_V_RACE_PGTABLE
#define MM	SPFS_V_RACE_MM
#define RETRY	SPFS_V_REAL_RETRY
#define NO	SPFS_V_INELIGIBLE

/* Detail shorthands: reasons, causes, page-table events. */
#define R(x)	SPFS_R_##x
#define C(x)	SPFS_C_##x
#define P(x)	SPFS_PT_##x
#define F(x)	SPFS_F(x)

/*
 * The fault every case judges: T0 = 1000, TL = 1500, T1 = 1700, so the
 * service window is [1000, 1200] and the full window [1000, 1700].
 */
#define T0	1000
#define TL	1500
#define T1	1700
#define VM_START 0x10000
#define VM_END	0x20000
#define ADDR	0x12345
#define TID	7
#define PMD	(2ULL << 20)
#define AW	(F(ANON) | F(WRITE))	/* an anonymous write fault */

/* A VMA operation of write cycle @cy, bracketed [b, e]. */
#define VMA_EV(op, b, e, s, en, c, cy) \
	{ .type = SPFS_EV_VMA, .kind = SPFS_OP_##op, .t_begin = (b), \
	  .t_end = (e), .start = (s), .end = (en), .cause = (c), \
	  .cycle = (cy), .tid = 99 }
/*
 * An out-of-line VMA write lock (6.18 on): asked for at b, marked by e -
 * the mark's probe, or the function's return (0: neither yet).
 */
#define ASKED_EV(b, e, c, cy) \
	{ .type = SPFS_EV_VMA, .kind = SPFS_OP_VMA_LOCK, .t_begin = (b), \
	  .t_end = (e), .start = VM_START, .end = VM_END, .cause = (c), \
	  .cycle = (cy), .tid = 99, .flags = SPFS_EVF_ASKED }
#define CYCLE_EV(b, e, c, cy) \
	{ .type = SPFS_EV_CYCLE, .t_begin = (b), .t_end = (e), .start = 0, \
	  .end = ~0ULL, .cause = (c), .cycle = (cy), .tid = 99 }
#define PT_EV(b, e, s, en, ev, t) \
	{ .type = SPFS_EV_PT, .kind = (ev), .t_begin = (b), .t_end = (e), \
	  .start = (s), .end = (en), .tid = (t) }

struct verdict_case {
	const char *name;
	u32 flags;
	enum spfs_pvl_profile pvl;
	/* The log, oldest first, and the events still in progress. */
	struct spfs_event ev[MAX_EVENTS];
	unsigned int nr_ev;
	struct spfs_event open[MAX_EVENTS];
	unsigned int nr_open;
	/* Expected per rule (seed, dufour, lespinasse, pvl), service window. */
	u8 service[SPFS_NR_RULES];
	u8 service_detail[SPFS_NR_RULES];
	/* Expected over the full window, if check_full. */
	bool check_full;
	u8 full[SPFS_NR_RULES];
	u8 full_detail[SPFS_NR_RULES];
	u64 stall;
	bool by_fault_end;
	bool vma_lock_facts;
	u64 t_vma_lock;
	u32 cycle_t0;
	u32 cycle_ta;
	u32 fork_cycle;
	u64 fork_front;
};

#define SERVICE(a, b, c, d)	.service = { a, b, c, d }
#define SDETAIL(a, b, c, d)	.service_detail = { a, b, c, d }
#define FULL(a, b, c, d)	.check_full = true, .full = { a, b, c, d }
#define FDETAIL(a, b, c, d)	.full_detail = { a, b, c, d }
#define LOG(...)		.ev = { __VA_ARGS__ }
#define OPEN(...)		.open = { __VA_ARGS__ }

static const struct verdict_case cases[] = {
	{ "quiet anonymous fault", AW, SPFS_PVL_6_12,
	  SERVICE(OK, OK, OK, OK), FULL(OK, OK, OK, OK) },
	{ "mprotect flags change inside the service window: not seed's",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(FLAGS, 1100, 1150, VM_START, VM_END, C(MPROTECT), 3),
	      CYCLE_EV(1050, 1160, C(MPROTECT), 3)), 2, {}, 0,
	  SERVICE(OK, VMA, MM, OK), SDETAIL(0, C(MPROTECT), C(MPROTECT), 0),
	  FULL(OK, VMA, MM, OK), FDETAIL(0, C(MPROTECT), C(MPROTECT), 0),
	  .stall = 100 },
	{ "split of the VMA inside the service window",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1100, 1110, VM_START, VM_END, C(MPROTECT), 3),
	      CYCLE_EV(1050, 1160, C(MPROTECT), 3)), 2, {}, 0,
	  SERVICE(VMA, VMA, MM, OK),
	  SDETAIL(C(MPROTECT), C(MPROTECT), C(MPROTECT), 0), .stall = 100 },
	{ "two writes of one cycle stall the pvl writer once",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1100, 1110, VM_START, VM_END, C(MUNMAP), 3),
	      VMA_EV(ADJUST, 1120, 1130, VM_START, VM_END, C(MUNMAP), 3),
	      CYCLE_EV(1050, 1160, C(MUNMAP), 3)), 3, {}, 0,
	  SERVICE(VMA, VMA, MM, OK),
	  SDETAIL(C(MUNMAP), C(MUNMAP), C(MUNMAP), 0), .stall = 100 },
	{ "VMA change after the service window, before TL",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1300, 1310, VM_START, VM_END, C(MUNMAP), 4),
	      CYCLE_EV(1250, 1400, C(MUNMAP), 4)), 2, {}, 0,
	  SERVICE(OK, OK, OK, OK),
	  FULL(VMA, VMA, MM, OK),
	  FDETAIL(C(MUNMAP), C(MUNMAP), C(MUNMAP), 0) },
	{ "VMA change exactly at the service window's end",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1200, 1210, VM_START + 0x1000,
		     VM_START + 0x2000, C(MADVISE), 0)), 1, {}, 0,
	  SERVICE(VMA, VMA, OK, OK), SDETAIL(C(MADVISE), C(MADVISE), 0, 0) },
	{ "write bracket under way at T0: busy for seed and dufour",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 900, 1100, VM_START, VM_END, C(MMAP), 2),
	      CYCLE_EV(850, 1150, C(MMAP), 2)), 2, {}, 0,
	  SERVICE(BUSY, BUSY, MM, BUSY),
	  SDETAIL(C(MMAP), C(MMAP), C(MMAP), C(MMAP)) },
	{ "bracket ended before T0, its cycle not: only pvl is locked out",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 900, 950, VM_START, VM_END, C(MPROTECT), 2),
	      CYCLE_EV(850, 1150, C(MPROTECT), 2)), 2, {}, 0,
	  SERVICE(OK, OK, MM, BUSY),
	  SDETAIL(0, 0, C(MPROTECT), C(MPROTECT)) },
	{ "write section still open (in progress)",
	  AW, SPFS_PVL_6_12, {}, 0,
	  OPEN(VMA_EV(ADJUST, 900, 0, VM_START, VM_END, C(MREMAP), 5)), 1,
	  SERVICE(BUSY, BUSY, OK, BUSY),
	  SDETAIL(C(MREMAP), C(MREMAP), 0, C(MREMAP)) },
	{ "cycle still open: its ended bracket still locks pvl out",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(FLAGS, 900, 950, VM_START, VM_END, C(MLOCK), 6)), 1,
	  OPEN(CYCLE_EV(850, 0, C(MLOCK), 6)), 1,
	  SERVICE(OK, OK, MM, BUSY),
	  SDETAIL(0, 0, C(MLOCK), C(MLOCK)) },
	{ "write cycle closed before T0", AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 900, 950, VM_START, VM_END, C(BRK), 1),
	      CYCLE_EV(850, 1000, C(BRK), 1)), 2, {}, 0,
	  SERVICE(OK, OK, OK, OK), FULL(OK, OK, OK, OK) },
	{ "change of another VMA: per-mm rule races only",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1100, 1150, 0x40000000, 0x40010000,
		     C(MPROTECT), 2),
	      CYCLE_EV(1050, 1150, C(MPROTECT), 2)), 2, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0) },
	{ "adjacent VMA change does not overlap", AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1100, 1150, VM_END, VM_END + 0x1000, C(MLOCK),
		     0)), 1, {}, 0,
	  SERVICE(OK, OK, OK, OK) },
	{ "zap of another part of the VMA: seed and dufour (VMA-wide)",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ZAP, 1100, 1120, VM_START, VM_END, C(MADVISE), 0),
	      PT_EV(1100, 1120, 0x1f000, 0x20000, P(CLEAR), 8)), 2, {}, 0,
	  SERVICE(VMA, VMA, OK, OK), SDETAIL(C(MADVISE), C(MADVISE), 0, 0) },
	{ "zap under way at the commit: lespinasse's PTL trylock fails",
	  AW, SPFS_PVL_6_12, {}, 0,
	  OPEN(PT_EV(1150, 0, 0x1f000, 0x20000, P(CLEAR), 8)), 1,
	  SERVICE(OK, OK, PT, OK), SDETAIL(0, 0, P(CLEAR), 0) },
	{ "zap ended before the commit: no PTL contention",
	  AW, SPFS_PVL_6_12,
	  LOG(PT_EV(1100, 1120, 0x1f000, 0x20000, P(UNMAP), 8)), 1, {}, 0,
	  SERVICE(OK, OK, OK, OK) },
	{ "PMD changed, an invalidation in the window explains it",
	  AW | F(PMD_CHANGED), SPFS_PVL_6_12,
	  LOG(PT_EV(1100, 1120, 0, 0x200000, P(MIGRATE), 8)), 1, {}, 0,
	  SERVICE(OK, PT, PT, OK), SDETAIL(0, P(MIGRATE), P(MIGRATE), 0),
	  FULL(OK, PT, PT, OK), FDETAIL(0, P(MIGRATE), P(MIGRATE), 0) },
	{ "PMD changed after the service window",
	  AW | F(PMD_CHANGED), SPFS_PVL_6_12,
	  LOG(PT_EV(1300, 1320, 0, 0x200000, P(CLEAR), 8)), 1, {}, 0,
	  SERVICE(OK, OK, OK, OK),
	  FULL(OK, PT, PT, OK), FDETAIL(0, P(CLEAR), P(CLEAR), 0) },
	{ "PMD changed, nothing explains it: both windows",
	  AW | F(PMD_CHANGED), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, PT, PT, OK), SDETAIL(0, P(OTHER), P(OTHER), 0),
	  FULL(OK, PT, PT, OK), FDETAIL(0, P(OTHER), P(OTHER), 0) },
	{ "invalidation in another PMD", AW | F(PMD_CHANGED),
	  SPFS_PVL_6_12, {}, 0,
	  OPEN(PT_EV(1100, 0, 0x400000, 0x401000, P(CLEAR), 8)), 1,
	  SERVICE(OK, PT, PT, OK), SDETAIL(0, P(OTHER), P(OTHER), 0) },
	{ "the fault's own notifier (wp_page_copy) is no race",
	  AW, SPFS_PVL_6_12, {}, 0,
	  OPEN(PT_EV(1100, 0, ADDR & ~0xfffULL, (ADDR & ~0xfffULL) + 0x1000,
		     P(CLEAR), TID)), 1,
	  SERVICE(OK, OK, OK, OK), FULL(OK, OK, OK, OK) },
	{ "the fault's own stack expansion is no race",
	  AW, SPFS_PVL_6_12,
	  LOG({ .type = SPFS_EV_VMA, .kind = SPFS_OP_STACK, .t_begin = 1010,
		.t_end = 1020, .start = VM_START, .end = VM_END,
		.cause = C(STACK), .cycle = 9, .tid = TID },
	      { .type = SPFS_EV_CYCLE, .t_begin = 1005, .t_end = 1030,
		.start = 0, .end = ~0ULL, .cause = C(STACK), .cycle = 9,
		.tid = TID }), 2, {}, 0,
	  SERVICE(OK, OK, OK, OK), FULL(OK, OK, OK, OK) },
	{ "VMA race outranks the mm race and the page-table race",
	  AW | F(PMD_CHANGED), SPFS_PVL_6_12,
	  LOG(PT_EV(1100, 1120, 0x12000, 0x13000, P(CLEAR), 8),
	      VMA_EV(ADJUST, 1110, 1150, VM_START, VM_END, C(MADVISE), 3),
	      CYCLE_EV(1105, 1160, C(MADVISE), 3)), 3, {}, 0,
	  SERVICE(VMA, VMA, MM, OK),
	  SDETAIL(C(MADVISE), C(MADVISE), C(MADVISE), 0), .stall = 90 },
	{ "busy outranks a later change", AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 900, 1050, VM_START, VM_END, C(MUNMAP), 2),
	      VMA_EV(ADJUST, 1100, 1150, VM_START, VM_END, C(MPROTECT), 2),
	      CYCLE_EV(850, 1160, C(MUNMAP), 2)), 3, {}, 0,
	  SERVICE(BUSY, BUSY, MM, BUSY),
	  SDETAIL(C(MUNMAP), C(MUNMAP), C(MUNMAP), C(MUNMAP)) },
	{ "the real fault retried", AW | F(REAL_RETRY), SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1100, 1150, VM_START, VM_END, C(MPROTECT), 0)),
	  1, {}, 0,
	  SERVICE(RETRY, RETRY, RETRY, RETRY) },
	{ "busy outranks the real fault's retry", AW | F(REAL_RETRY),
	  SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 900, 1100, VM_START, VM_END, C(MPROTECT), 2),
	      CYCLE_EV(850, 1150, C(MPROTECT), 2)), 2, {}, 0,
	  SERVICE(BUSY, BUSY, MM, BUSY),
	  SDETAIL(C(MPROTECT), C(MPROTECT), C(MPROTECT), C(MPROTECT)) },
	{ "fork: dufour and pvl see every VMA, seed none",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(FORK, 1050, 1150, 0, ~0ULL, C(FORK), 4),
	      CYCLE_EV(1040, 1150, C(FORK), 4)), 2, {}, 0,
	  SERVICE(OK, VMA, MM, OK), SDETAIL(0, C(FORK), C(FORK), 0),
	  .stall = 150 },
	{ "NUMA hinting: dufour only", AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(NUMA, 1100, 1120, VM_START, VM_END, C(NUMA), 0)), 1,
	  {}, 0, SERVICE(OK, VMA, OK, OK), SDETAIL(0, C(NUMA), 0, 0) },
	{ "collapse: dufour and pvl", AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(COLLAPSE, 900, 1100, VM_START, VM_END, C(KHUGEPAGED),
		     3),
	      CYCLE_EV(890, 1110, C(KHUGEPAGED), 3)), 2, {}, 0,
	  SERVICE(OK, BUSY, MM, BUSY),
	  SDETAIL(0, C(KHUGEPAGED), C(KHUGEPAGED), C(KHUGEPAGED)) },
	{ "collapse: dufour's section lasts to the cycle's end", AW,
	  SPFS_PVL_6_12,
	  LOG(VMA_EV(COLLAPSE, 900, 950, VM_START, VM_END, C(KHUGEPAGED), 3),
	      CYCLE_EV(890, 1110, C(KHUGEPAGED), 3)), 2, {}, 0,
	  SERVICE(OK, BUSY, MM, BUSY),
	  SDETAIL(0, C(KHUGEPAGED), C(KHUGEPAGED), C(KHUGEPAGED)) },
	{ "observed VMA locks stand for pvl; the operations do not",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(FLAGS, 900, 950, VM_START, VM_END, C(MPROTECT), 2),
	      VMA_EV(VMA_LOCK, 1050, 1060, VM_START, VM_END, C(MPROTECT), 2),
	      CYCLE_EV(850, 1100, C(MPROTECT), 2)), 3, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0),
	  .stall = 150, .vma_lock_facts = true },
	{ "observed VMA lock held at the attempt", AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 960, VM_START, VM_END, C(MMAP), 2),
	      CYCLE_EV(850, 1100, C(MMAP), 2)), 2, {}, 0,
	  SERVICE(OK, OK, MM, BUSY), SDETAIL(0, 0, C(MMAP), C(MMAP)),
	  .vma_lock_facts = true },
	{ "lock released before the real attempt", AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 960, VM_START, VM_END, C(MMAP), 2),
	      CYCLE_EV(850, 1030, C(MMAP), 2)), 2, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MMAP), 0),
	  .vma_lock_facts = true, .t_vma_lock = 1040 },
	{ "writer spinning for the lock at the attempt: the fault gets it",
	  AW, SPFS_PVL_6_12, {}, 0,
	  OPEN(VMA_EV(VMA_LOCK, 980, 0, VM_START, VM_END, C(MPROTECT), 11),
	       CYCLE_EV(900, 0, C(MPROTECT), 11)), 2,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0),
	  .stall = 200, .vma_lock_facts = true, .cycle_t0 = 11 },
	{ "writer got the lock after the fault's attempt: it waited",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 980, 1250, VM_START, VM_END, C(MPROTECT), 11),
	      CYCLE_EV(900, 1300, C(MPROTECT), 11)), 2, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0),
	  .stall = 200, .vma_lock_facts = true, .cycle_t0 = 11,
	  .t_vma_lock = 1000 },
	{ "out-of-line lock marked before the attempt: held, whatever the fault's end",
	  AW, SPFS_PVL_6_12,
	  LOG(ASKED_EV(980, 990, C(MPROTECT), 11),
	      CYCLE_EV(900, 1800, C(MPROTECT), 11)), 2, {}, 0,
	  SERVICE(OK, OK, MM, BUSY), SDETAIL(0, 0, C(MPROTECT), C(MPROTECT)),
	  .vma_lock_facts = true, .cycle_t0 = 11, .t_vma_lock = 1000 },
	{ "out-of-line lock asked before the attempt, cycle over before the fault: taken at it",
	  AW, SPFS_PVL_6_12,
	  LOG(ASKED_EV(980, 1010, C(MPROTECT), 11),
	      CYCLE_EV(900, 1300, C(MPROTECT), 11)), 2, {}, 0,
	  SERVICE(OK, OK, MM, BUSY), SDETAIL(0, 0, C(MPROTECT), C(MPROTECT)),
	  .by_fault_end = true, .vma_lock_facts = true, .cycle_t0 = 11,
	  .t_vma_lock = 1000 },
	{ "out-of-line lock asked before the attempt, fault over before the cycle: it got in",
	  AW, SPFS_PVL_6_12,
	  LOG(ASKED_EV(980, 1750, C(MPROTECT), 11),
	      CYCLE_EV(900, 1800, C(MPROTECT), 11)), 2, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0),
	  .stall = 200, .by_fault_end = true, .vma_lock_facts = true,
	  .cycle_t0 = 11, .t_vma_lock = 1000 },
	{ "out-of-line lock asked before the attempt, not marked, cycle under way at the fault's end: it got in",
	  AW, SPFS_PVL_6_12, {}, 0,
	  OPEN(ASKED_EV(980, 0, C(MPROTECT), 11),
	       CYCLE_EV(900, 0, C(MPROTECT), 11)), 2,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0),
	  .stall = 200, .by_fault_end = true, .vma_lock_facts = true,
	  .cycle_t0 = 11, .t_vma_lock = 1000 },
	{ "out-of-line lock asked after the attempt: the writer waits",
	  AW, SPFS_PVL_6_12,
	  LOG(ASKED_EV(1050, 1060, C(MPROTECT), 11),
	      CYCLE_EV(900, 1300, C(MPROTECT), 11)), 2, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0),
	  .stall = 150, .vma_lock_facts = true, .cycle_t0 = 11,
	  .t_vma_lock = 1000 },
	{ "fork under way at T0, its VMA locks not at the fault's VMA yet",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 950, 0, ~0ULL, C(FORK), 4),
	      VMA_EV(FORK, 950, 1150, 0, ~0ULL, C(FORK), 4),
	      CYCLE_EV(950, 1150, C(FORK), 4)), 3, {}, 0,
	  SERVICE(OK, BUSY, MM, OK), SDETAIL(0, C(FORK), C(FORK), 0),
	  .stall = 200, .vma_lock_facts = true, .fork_cycle = 4,
	  .fork_front = VM_START },
	{ "fork under way at T0, past the fault's VMA: locked",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 950, 0, ~0ULL, C(FORK), 4),
	      VMA_EV(FORK, 950, 1150, 0, ~0ULL, C(FORK), 4),
	      CYCLE_EV(950, 1150, C(FORK), 4)), 3, {}, 0,
	  SERVICE(OK, BUSY, MM, BUSY), SDETAIL(0, C(FORK), C(FORK), C(FORK)),
	  .vma_lock_facts = true, .fork_cycle = 4, .fork_front = VM_END },
	{ "fork waited for the VMA's lock, had it after the attempt",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 950, 0, ~0ULL, C(FORK), 4),
	      VMA_EV(VMA_LOCK, 960, 1100, VM_START, VM_END, C(FORK), 4),
	      CYCLE_EV(950, 1150, C(FORK), 4)), 3, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(FORK), 0),
	  .stall = 200, .vma_lock_facts = true, .fork_cycle = 4,
	  .fork_front = VM_START },
	{ "fork waited for the VMA's lock, had it before the attempt",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 950, 0, ~0ULL, C(FORK), 4),
	      VMA_EV(VMA_LOCK, 960, 990, VM_START, VM_END, C(FORK), 4),
	      CYCLE_EV(950, 1150, C(FORK), 4)), 3, {}, 0,
	  SERVICE(OK, OK, MM, BUSY), SDETAIL(0, 0, C(FORK), C(FORK)),
	  .vma_lock_facts = true, .fork_cycle = 4, .fork_front = VM_START },
	{ "fork begun after T0: it waits for the fault's VMA lock",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 1050, 1050, 0, ~0ULL, C(FORK), 5),
	      VMA_EV(FORK, 1050, 1150, 0, ~0ULL, C(FORK), 5),
	      CYCLE_EV(1050, 1150, C(FORK), 5)), 3, {}, 0,
	  SERVICE(OK, VMA, MM, OK), SDETAIL(0, C(FORK), C(FORK), 0),
	  .stall = 150, .vma_lock_facts = true, .fork_cycle = 4,
	  .fork_front = VM_END },
	{ "the kernel's count says the cycle was over at T0",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 960, VM_START, VM_END, C(MMAP), 7),
	      CYCLE_EV(850, 1100, C(MMAP), 7)), 2, {}, 0,
	  SERVICE(OK, OK, OK, OK), FULL(OK, OK, OK, OK),
	  .vma_lock_facts = true, .cycle_t0 = 9 },
	{ "the kernel's count says the cycle was under way at T0",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 960, VM_START, VM_END, C(MMAP), 9),
	      CYCLE_EV(850, 1100, C(MMAP), 9)), 2, {}, 0,
	  SERVICE(OK, OK, MM, BUSY), SDETAIL(0, 0, C(MMAP), C(MMAP)),
	  .vma_lock_facts = true, .cycle_t0 = 9 },
	{ "fork past the fault's VMA, its locks released before the attempt, its end stamped after",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 950, 0, ~0ULL, C(FORK), 5),
	      VMA_EV(FORK, 950, 1150, 0, ~0ULL, C(FORK), 5),
	      CYCLE_EV(950, 1150, C(FORK), 5)), 3, {}, 0,
	  SERVICE(OK, BUSY, MM, OK), SDETAIL(0, C(FORK), C(FORK), 0),
	  .vma_lock_facts = true, .cycle_t0 = 5, .cycle_ta = 7,
	  .t_vma_lock = 1000, .fork_cycle = 5, .fork_front = VM_END },
	{ "fork past the fault's VMA, the kernel's count under way at the attempt",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 950, 950, 0, ~0ULL, C(FORK), 5),
	      VMA_EV(FORK, 950, 1150, 0, ~0ULL, C(FORK), 5),
	      CYCLE_EV(950, 1150, C(FORK), 5)), 3, {}, 0,
	  SERVICE(OK, BUSY, MM, BUSY), SDETAIL(0, C(FORK), C(FORK), C(FORK)),
	  .vma_lock_facts = true, .cycle_t0 = 5, .cycle_ta = 5,
	  .t_vma_lock = 1000, .fork_cycle = 5, .fork_front = VM_END },
	{ "VMA lock released before the attempt by the kernel's count: no stall either",
	  AW, SPFS_PVL_6_12,
	  LOG(VMA_EV(VMA_LOCK, 980, 990, VM_START, VM_END, C(MPROTECT), 11),
	      CYCLE_EV(900, 1300, C(MPROTECT), 11)), 2, {}, 0,
	  SERVICE(OK, OK, MM, OK), SDETAIL(0, 0, C(MPROTECT), 0),
	  .vma_lock_facts = true, .cycle_t0 = 11, .cycle_ta = 13,
	  .t_vma_lock = 1000 },
	{ "no VMA: every rule", F(NO_VMA) | F(WRITE), SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1100, 1150, VM_START, VM_END, C(MUNMAP), 0)),
	  1, {}, 0,
	  SERVICE(NO, NO, NO, NO),
	  SDETAIL(R(NO_VMA), R(NO_VMA), R(NO_VMA), R(NO_VMA)) },
	{ "no page table yet: the three SPF designs", AW | F(NO_PAGE_TABLE),
	  SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(NO, NO, NO, OK),
	  SDETAIL(R(NO_PAGE_TABLE), R(NO_PAGE_TABLE), R(NO_PAGE_TABLE), 0) },
	{ "no page table, pvl as of 6.4", AW | F(NO_PAGE_TABLE),
	  SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(NO, NO, NO, OK),
	  SDETAIL(R(NO_PAGE_TABLE), R(NO_PAGE_TABLE), R(NO_PAGE_TABLE), 0) },
	{ "hugetlb", F(HUGETLB) | F(WRITE) | F(HUGE_PMD), SPFS_PVL_6_12,
	  {}, 0, {}, 0,
	  SERVICE(NO, NO, NO, OK),
	  SDETAIL(R(HUGE_PMD), R(HUGETLB), R(HUGETLB), 0) },
	{ "hugetlb first touch", F(HUGETLB) | F(WRITE) | F(NO_PAGE_TABLE),
	  SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(NO, NO, NO, NO),
	  SDETAIL(R(NO_PAGE_TABLE), R(HUGETLB), R(HUGETLB), R(HUGETLB)) },
	{ "THP (huge PMD)", AW | F(HUGE_PMD), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(NO, NO, NO, OK),
	  SDETAIL(R(HUGE_PMD), R(HUGE_PMD), R(HUGE_PMD), 0) },
	{ "pfnmap", F(PFNMAP) | F(NO_ANON_VMA), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, OK), SDETAIL(0, R(NO_ANON_VMA), R(PFNMAP), 0) },
	{ "pfnmap with an anon_vma", F(PFNMAP) | F(PTE_NONE),
	  SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, NO), SDETAIL(0, R(PFNMAP), R(PFNMAP), R(PFNMAP)) },
	{ "private file", F(FILE), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, OK), SDETAIL(0, R(FILE), R(FILE), 0) },
	{ "private file, pvl as of 6.4", F(FILE), SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, NO), SDETAIL(0, R(FILE), R(FILE), R(FILE)) },
	{ "shmem", F(SHMEM) | F(WRITE), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, OK), SDETAIL(0, R(SHMEM), R(SHMEM), 0) },
	{ "shmem, pvl as of 6.4", F(SHMEM), SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, NO), SDETAIL(0, R(SHMEM), R(SHMEM), R(SHMEM)) },
	{ "first write: no anon_vma", AW | F(NO_ANON_VMA) | F(PTE_NONE),
	  SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, OK), SDETAIL(0, R(NO_ANON_VMA), R(NO_ANON_VMA),
					   0) },
	{ "first read: lespinasse maps the zero page",
	  F(ANON) | F(NO_ANON_VMA) | F(PTE_NONE), SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, NO, OK, NO),
	  SDETAIL(0, R(NO_ANON_VMA), 0, R(NO_ANON_VMA)) },
	{ "userfaultfd missing, none PTE", AW | F(UFFD) | F(UFFD_MISSING) |
	  F(PTE_NONE), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, OK), SDETAIL(0, R(UFFD), R(UFFD), 0) },
	{ "userfaultfd missing, page present", AW | F(UFFD) |
	  F(UFFD_MISSING), SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, NO, OK, NO), SDETAIL(0, R(UFFD), 0, R(UFFD)) },
	{ "userfaultfd write-protect, write", AW | F(UFFD) | F(UFFD_WP),
	  SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, OK, NO, NO), SDETAIL(0, 0, R(UFFD), R(UFFD)) },
	{ "stack", AW | F(STACK), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, OK, OK), SDETAIL(0, R(STACK), 0, 0) },
	{ "stack growth: no VMA held the address at T0",
	  AW | F(STACK) | F(NO_VMA), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(NO, NO, NO, NO),
	  SDETAIL(R(NO_VMA), R(NO_VMA), R(NO_VMA), R(NO_VMA)) },
	{ "interleave policy: dufour only", AW | F(INTERLEAVE),
	  SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, OK, OK), SDETAIL(0, R(MEMPOLICY), 0, 0) },
	{ "swap-in", AW | F(SWAP), SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, OK), SDETAIL(0, R(SWAP), R(SWAP), 0) },
	{ "swap-in, pvl as of 6.4", AW | F(SWAP), SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, NO), SDETAIL(0, R(SWAP), R(SWAP), R(SWAP)) },
	{ "device-private entry", AW | F(SWAP) | F(DEVICE_PRIVATE),
	  SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, NO), SDETAIL(0, R(SWAP), R(SWAP), R(SWAP)) },
	{ "single-threaded", AW | F(SINGLE_THREAD), SPFS_PVL_6_12,
	  {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, OK),
	  SDETAIL(0, R(SINGLE_THREAD), R(SINGLE_THREAD), 0) },
	{ "first reason wins: single-threaded file fault",
	  F(FILE) | F(SINGLE_THREAD), SPFS_PVL_6_4, {}, 0, {}, 0,
	  SERVICE(OK, NO, NO, NO),
	  SDETAIL(0, R(SINGLE_THREAD), R(SINGLE_THREAD), R(FILE)) },
	{ "dufour's order: no anon_vma before the walk",
	  AW | F(NO_ANON_VMA) | F(NO_PAGE_TABLE) | F(PTE_NONE),
	  SPFS_PVL_6_12, {}, 0, {}, 0,
	  SERVICE(NO, NO, NO, OK),
	  SDETAIL(R(NO_PAGE_TABLE), R(NO_ANON_VMA), R(NO_PAGE_TABLE), 0) },
	{ "ineligible outranks races", F(FILE), SPFS_PVL_6_12,
	  LOG(VMA_EV(ADJUST, 1100, 1150, VM_START, VM_END, C(MPROTECT), 2),
	      CYCLE_EV(1050, 1150, C(MPROTECT), 2)), 2, {}, 0,
	  SERVICE(VMA, NO, NO, OK), SDETAIL(C(MPROTECT), R(FILE), R(FILE), 0),
	  .stall = 100 },
};

/* The log of a case: sequence n is ev[n - 1]; 0 is never used. */
static bool read_case(const void *ctx, u64 seq, struct spfs_event *ev)
{
	const struct verdict_case *c = ctx;

	if (!seq || seq > c->nr_ev)
		return false;
	*ev = c->ev[seq - 1];
	return true;
}

static unsigned int judge_case(const struct verdict_case *c,
			       const struct spfs_fault *f,
			       struct spfs_judgement *j)
{
	struct spfs_judge_src src = {
		.read = read_case, .ctx = c, .from = 1, .last = c->nr_ev,
		.open = c->open, .nr_open = c->nr_open,
		.vma_lock_facts = c->vma_lock_facts,
	};

	return spfs_judge(j, f, c->pvl, &src);
}

/* Does a verdict carry a detail (everything but success and retry)? */
static bool has_detail(u8 v)
{
	return v != OK && v != RETRY;
}

static void check_window(const struct verdict_case *c,
			 const struct spfs_judgement *j, int w,
			 const u8 *want, const u8 *want_detail, int mutate)
{
	const char *wname = w == SPFS_WIN_FULL ? " full" : "";
	int r;

	for (r = 0; r < SPFS_NR_RULES; r++) {
		u8 got = j->verdict[r][w], exp = want[r], exp_d =
			want_detail[r];

		if (mutate) {
			exp = (exp + 1) % SPFS_NR_VERDICTS;
			exp_d++;
		}
		EXPECT(got == exp, "%s: %s%s: %s, want %s", c->name,
		       spfs_rule_name(r), wname, spfs_verdict_name(got),
		       spfs_verdict_name(exp));
		if (got == exp && has_detail(got))
			EXPECT(j->detail[r][w] == exp_d,
			       "%s: %s%s: detail %u, want %u", c->name,
			       spfs_rule_name(r), wname, j->detail[r][w],
			       exp_d);
	}
}

static void check_case(const struct verdict_case *c, int mutate)
{
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = c->flags,
		.tid = TID, .pmd_size = PMD, .t_vma_lock = c->t_vma_lock,
		.cycle_t0 = c->cycle_t0, .cycle_ta = c->cycle_ta,
		.fork_cycle = c->fork_cycle, .fork_front = c->fork_front,
	};
	struct spfs_judgement j;
	unsigned int lost;

	lost = judge_case(c, &f, &j);
	EXPECT(!lost, "%s: %u log entries unread", c->name, lost);
	check_window(c, &j, SPFS_WIN_SERVICE, c->service, c->service_detail,
		     mutate);
	if (c->check_full)
		check_window(c, &j, SPFS_WIN_FULL, c->full, c->full_detail,
			     mutate);
	EXPECT(j.pvl_by_fault_end == c->by_fault_end,
	       "%s: pvl verdict by the fault's end %d, want %d", c->name,
	       j.pvl_by_fault_end, c->by_fault_end);
	EXPECT(j.writer_stall[SPFS_WIN_SERVICE] == c->stall + (mutate ? 1 : 0),
	       "%s: pvl writer stall %llu, want %llu", c->name,
	       (unsigned long long)j.writer_stall[SPFS_WIN_SERVICE],
	       (unsigned long long)c->stall);
}

static int mutated_case = -1;

static void test_verdict_table(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i], (int)i == mutated_case);
}

/*
 * Every verdict and every reason is reached by some case of the table,
 * and each verdict with a detail by a case whose detail is 0 and one
 * whose is not: a zero detail (mprotect, unmap, no_vma) is checked like
 * any other.
 */
static void test_verdict_coverage(void)
{
	bool verdict_seen[SPFS_NR_VERDICTS] = { false };
	bool any_reason[SPFS_NR_REASONS] = { false };
	bool zero_detail[SPFS_NR_VERDICTS] = { false };
	size_t i;
	int r, v;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (r = 0; r < SPFS_NR_RULES; r++) {
			v = cases[i].service[r];
			verdict_seen[v] = true;
			if (v == NO)
				any_reason[cases[i].service_detail[r]] = true;
			if (has_detail(v) && !cases[i].service_detail[r])
				zero_detail[v] = true;
		}
	}
	for (v = 0; v < SPFS_NR_VERDICTS; v++)
		EXPECT(verdict_seen[v], "no case for verdict %s",
		       spfs_verdict_name(v));
	for (v = 0; v < SPFS_NR_REASONS; v++)
		EXPECT(any_reason[v], "no case for reason %s",
		       spfs_reason_name(v));
	EXPECT(zero_detail[SPFS_V_RACE_VMA_BUSY] && zero_detail[NO] &&
	       zero_detail[MM], "no zero-detail case for busy, mm, ineligible");
}

/* A fault whose T1 precedes TL (clock skew) gets an empty service window. */
static void test_verdict_clock_skew(void)
{
	static const struct verdict_case c = {
		"skew", AW, SPFS_PVL_6_12,
		LOG(VMA_EV(ADJUST, 1001, 1002, VM_START, VM_END, C(MPROTECT),
			   0)), 1,
	};
	struct spfs_fault f = {
		.t0 = 1000, .tl = 2000, .t1 = 1999, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = AW,
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_judgement j;

	judge_case(&c, &f, &j);
	EXPECT(j.verdict[SPFS_RULE_SEED][SPFS_WIN_SERVICE] == OK,
	       "service window not empty");
	EXPECT(j.verdict[SPFS_RULE_SEED][SPFS_WIN_FULL] == VMA,
	       "full window missed the change");
}

/* A log entry that cannot be read is counted, and skipped. */
static bool read_none(const void *ctx, u64 seq, struct spfs_event *ev)
{
	(void)ctx;
	(void)seq;
	(void)ev;
	return false;
}

static void test_verdict_lost(void)
{
	struct spfs_judge_src src = { .read = read_none, .from = 3, .last = 7 };
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = AW,
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_judgement j;

	EXPECT(spfs_judge(&j, &f, SPFS_PVL_6_12, &src) == 5, "lost count");
	EXPECT(spfs_judgement_clean(&j), "unread entries made it unclean");
}

/* Contested: a write cycle overlapped the full window, on any VMA. */
static void test_verdict_contested(void)
{
	static const struct verdict_case c = {
		"contested", AW, SPFS_PVL_6_12,
		LOG(CYCLE_EV(1600, 1650, C(MMAP), 1)), 1,
	}, before = {
		"before", AW, SPFS_PVL_6_12,
		LOG(CYCLE_EV(800, 999, C(MMAP), 1)), 1,
	};
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = AW,
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_judgement j;

	judge_case(&c, &f, &j);
	EXPECT(j.contested, "cycle in the full window: not contested");
	EXPECT(j.verdict[SPFS_RULE_LESPINASSE][SPFS_WIN_SERVICE] == OK,
	       "cycle after the service window raced");
	judge_case(&before, &f, &j);
	EXPECT(!j.contested && spfs_judgement_clean(&j),
	       "cycle before T0: contested");
}

/* pt_overlap: informational, eligible rules only. */
static void test_verdict_pt_overlap(void)
{
	static const struct verdict_case c = {
		"overlap", F(FILE), SPFS_PVL_6_12,
		LOG(PT_EV(1100, 1120, 0x1ff000, 0x200000, P(CLEAR), 8)), 1,
	};
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = F(FILE),
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_judgement j;

	judge_case(&c, &f, &j);
	EXPECT(j.pt_overlap[SPFS_WIN_SERVICE] ==
	       ((1U << SPFS_RULE_SEED) | (1U << SPFS_RULE_PVL)),
	       "pt_overlap %#x", j.pt_overlap[SPFS_WIN_SERVICE]);
	EXPECT(!spfs_judgement_clean(&j), "overlap judged clean");
}

static void test_names(void)
{
	int i;

	for (i = 0; i < SPFS_NR_RULES; i++)
		EXPECT(spfs_rule_name(i) && *spfs_rule_name(i), "rule %d", i);
	for (i = 0; i < SPFS_NR_VERDICTS; i++)
		EXPECT(spfs_verdict_name(i), "verdict %d", i);
	for (i = 0; i < SPFS_NR_REASONS; i++)
		EXPECT(spfs_reason_name(i), "reason %d", i);
	for (i = 0; i < SPFS_NR_CAUSES; i++)
		EXPECT(spfs_cause_name(i), "cause %d", i);
	for (i = 0; i < SPFS_NR_OPS; i++)
		EXPECT(spfs_op_name(i), "op %d", i);
	for (i = 0; i < SPFS_NR_PT_EVENTS; i++)
		EXPECT(spfs_pt_event_name(i), "pt event %d", i);
	for (i = 0; i < SPFS_NR_FLAGS; i++)
		EXPECT(spfs_flag_name(i), "flag %d", i);
	EXPECT(!strcmp(spfs_rule_name(SPFS_RULE_LESPINASSE), "lespinasse"),
	       "rule name");
	EXPECT(!strcmp(spfs_reason_name(SPFS_R_NO_PAGE_TABLE),
		       "no_page_table"), "reason name");
	EXPECT(spfs_verdict_is_race(SPFS_V_RACE_MM) &&
	       !spfs_verdict_is_race(SPFS_V_REAL_RETRY), "is_race");
	EXPECT(spfs_op_rules(SPFS_OP_ZAP) ==
	       ((1U << SPFS_RULE_SEED) | (1U << SPFS_RULE_DUFOUR)),
	       "zap rules");
	EXPECT(!spfs_op_rules(SPFS_NR_OPS), "rules of a bad op");
}

/*
 * Clean: success everywhere, nothing else noted.  A race in the full
 * window only, an ineligible rule, or a writer stalled under pvl is not
 * clean.
 */
static void test_judgement_clean(void)
{
	static const struct verdict_case late = {
		"late", AW, SPFS_PVL_6_12,
		LOG(VMA_EV(ADJUST, 1300, 1350, VM_START, VM_END, C(MPROTECT),
			   0)), 1,
	}, elsewhere = {
		"elsewhere", AW, SPFS_PVL_6_12,
		LOG(VMA_EV(ADJUST, 1100, 1150, VM_END, VM_END + 4096,
			   C(MPROTECT), 0)), 1,
	};
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = AW,
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_judgement j;

	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	EXPECT(spfs_judgement_clean(&j), "no event: not clean");
	judge_case(&elsewhere, &f, &j);
	EXPECT(spfs_judgement_clean(&j), "event in another VMA: not clean");
	judge_case(&late, &f, &j);
	EXPECT(!spfs_judgement_clean(&j), "full-window race: clean");
	EXPECT(j.verdict[SPFS_RULE_SEED][SPFS_WIN_SERVICE] == OK,
	       "late event in the service window");
	f.flags = F(FILE);
	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	EXPECT(!spfs_judgement_clean(&j), "file fault (ineligible): clean");
	f.flags = AW;
	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	j.writer_stall[SPFS_WIN_FULL] = 1;
	EXPECT(!spfs_judgement_clean(&j), "writer stalled: clean");
}

/*
 * The fault path's shortcut: for every set of flags and either pvl
 * profile, a fault without spfs_unclean_flags() is what judging without
 * events finds clean.  (A fault with one of them may be clean too: a
 * two-flag test such as lespinasse's write without an anon_vma is keyed
 * on its rarer flag.)
 */
static void test_fault_clean(void)
{
	struct spfs_judge_src none = { .read = read_none };
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .tid = TID,
		.pmd_size = PMD,
	};
	enum spfs_pvl_profile pvl;
	struct spfs_judgement j;
	unsigned int clean = 0;
	bool shortcut;
	u32 flags;

	for (pvl = SPFS_PVL_6_4; pvl <= SPFS_PVL_6_12; pvl++) {
		for (flags = 0; flags < 1U << SPFS_NR_FLAGS; flags += 7) {
			f.flags = flags;
			spfs_judge(&j, &f, pvl, &none);
			shortcut = !(flags & spfs_unclean_flags(pvl));
			if (shortcut && !spfs_judgement_clean(&j)) {
				EXPECT(0, "pvl %d flags %#x: shortcut %d", pvl,
				       flags, shortcut);
				return;
			}
			clean += shortcut;
		}
	}
	EXPECT(clean > 0, "no clean flags at all");
}

/* Each rule's any mask, written out, matches its tests. */
static void test_elig_tables(void)
{
	EXPECT(spfs_elig_tables_valid(), "a table's any is not its flags");
}

static void test_pvl_agreement(void)
{
	static const struct {
		u8 verdict, detail;
		enum spfs_real real;
		bool agrees;
	} cases[] = {
		{ OK, 0, SPFS_REAL_LOCKED, true },
		{ OK, 0, SPFS_REAL_MMAP, false },
		{ OK, 0, SPFS_REAL_LOCKED_RETRY, false },
		{ PT, SPFS_PT_CLEAR, SPFS_REAL_LOCKED, true },
		{ BUSY, SPFS_C_MPROTECT, SPFS_REAL_MMAP, true },
		{ BUSY, SPFS_C_MPROTECT, SPFS_REAL_LOCKED, false },
		{ RETRY, 0, SPFS_REAL_LOCKED_RETRY, true },
		{ RETRY, 0, SPFS_REAL_LOCKED, false },
		{ NO, SPFS_R_NO_VMA, SPFS_REAL_NONE, true },
		{ NO, SPFS_R_NO_VMA, SPFS_REAL_MMAP, true },
		{ NO, SPFS_R_NO_VMA, SPFS_REAL_LOCKED, false },
		{ NO, SPFS_R_SWAP, SPFS_REAL_LOCKED_RETRY, true },
		{ NO, SPFS_R_FILE, SPFS_REAL_LOCKED, false },
		{ VMA, SPFS_C_MPROTECT, SPFS_REAL_LOCKED, false },
	};
	static const char * const want[] = { "disagree", "agree" };
	unsigned int row;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		row = spfs_pvl_row(cases[i].verdict, cases[i].detail);
		EXPECT(row < SPFS_NR_PVL_ROWS, "row %u out of range", row);
		EXPECT(spfs_pvl_agrees(row, cases[i].real) == cases[i].agrees,
		       "%s vs %s: want %s", spfs_pvl_row_name(row),
		       spfs_real_name(cases[i].real),
		       want[cases[i].agrees]);
	}
	EXPECT(!strcmp(spfs_pvl_row_name(spfs_pvl_row(NO, SPFS_R_UFFD)),
		       "uffd"), "row name of ineligible.uffd");
	EXPECT(spfs_pvl_row_by_construction(RETRY) &&
	       spfs_pvl_row_by_construction(spfs_pvl_row(NO, R(NO_VMA))) &&
	       !spfs_pvl_row_by_construction(BUSY) &&
	       !spfs_pvl_row_by_construction(OK), "rows by construction");
}

int main(void)
{
	const char *m = getenv("SPFS_MUTATE");

	if (m)
		mutated_case = atoi(m);
	if (mutated_case >= (int)ARRAY_SIZE(cases)) {
		printf("# SPFS_MUTATE=%d: only %zu cases\n", mutated_case,
		       ARRAY_SIZE(cases));
		return 2;
	}
	ktap_begin();
	ktap_case("verdict_table", test_verdict_table);
	ktap_case("verdict_coverage", test_verdict_coverage);
	ktap_case("verdict_clock_skew", test_verdict_clock_skew);
	ktap_case("verdict_lost", test_verdict_lost);
	ktap_case("verdict_contested", test_verdict_contested);
	ktap_case("verdict_pt_overlap", test_verdict_pt_overlap);
	ktap_case("names", test_names);
	ktap_case("pvl_agreement", test_pvl_agreement);
	ktap_case("elig_tables", test_elig_tables);
	ktap_case("judgement_clean", test_judgement_clean);
	ktap_case("fault_clean", test_fault_clean);
	return ktap_end();
}
