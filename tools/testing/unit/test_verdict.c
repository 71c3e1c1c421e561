// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the verdict core (module/spfs_verdict.c): every
 * verdict and every ineligibility reason of every rule, from tables.
 */
#include <string.h>

#include "spfs_core.h"
#include "ktap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_EVENTS 4

/* Verdict shorthands for the tables. */
#define OK	SPFS_V_SUCCESS
#define VMA	SPFS_V_RACE_VMA
#define BUSY	SPFS_V_RACE_VMA_BUSY
#define PT	SPFS_V_RACE_PGTABLE
#define MM	SPFS_V_RACE_MM
#define RETRY	SPFS_V_REAL_RETRY
#define NO	SPFS_V_INELIGIBLE

/* Reason shorthands: the detail of an ineligible verdict. */
#define R(x)	SPFS_R_##x

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

#define VMA_EV(b, e, s, en, c) \
	{ .type = SPFS_EV_VMA, .t_begin = (b), .t_end = (e), .start = (s), \
	  .end = (en), .cause = (c), .tid = 99 }
#define MMW_EV(b, e, c) \
	{ .type = SPFS_EV_MM_WRITE, .t_begin = (b), .t_end = (e), \
	  .start = 0, .end = ~0ULL, .cause = (c), .tid = 99 }
#define PT_EV(b, e, s, en, ev, t) \
	{ .type = SPFS_EV_PT, .t_begin = (b), .t_end = (e), .start = (s), \
	  .end = (en), .cause = (ev), .tid = (t) }

struct verdict_case {
	const char *name;
	u32 flags;
	enum spfs_pvl_profile pvl;
	struct spfs_event ev[MAX_EVENTS];
	unsigned int nr_ev;
	/* Expected per rule (seed, dufour, lespinasse, pvl), service window. */
	u8 service[SPFS_NR_RULES];
	u8 service_detail[SPFS_NR_RULES];
	/* Expected over the full window; all zero (success) if not given. */
	u8 full[SPFS_NR_RULES];
	bool check_full;
	u64 stall;
};

static const struct verdict_case cases[] = {
	{ "quiet anonymous fault", SPFS_F_ANON, SPFS_PVL_6_12, {}, 0,
	  { OK, OK, OK, OK } },
	{ "mprotect of the VMA inside the service window",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(1100, 1150, VM_START, VM_END, SPFS_C_MPROTECT),
	    MMW_EV(1050, 1150, SPFS_C_MPROTECT) }, 2,
	  { VMA, VMA, MM, OK },
	  { SPFS_C_MPROTECT, SPFS_C_MPROTECT, SPFS_C_MPROTECT, 0 },
	  { VMA, VMA, MM, OK }, true, 100 },
	{ "VMA change after the service window, before TL",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(1300, 1400, VM_START, VM_END, SPFS_C_MUNMAP),
	    MMW_EV(1250, 1400, SPFS_C_MUNMAP) }, 2,
	  { OK, OK, OK, OK }, {},
	  { VMA, VMA, MM, OK }, true },
	{ "VMA change exactly at the service window's end",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(1200, 1250, VM_START + 0x1000, VM_START + 0x2000,
		   SPFS_C_MADVISE) }, 1,
	  { VMA, VMA, OK, OK }, { SPFS_C_MADVISE, SPFS_C_MADVISE } },
	{ "writer inside the VMA's write section at T0",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(900, 1100, VM_START, VM_END, SPFS_C_MMAP),
	    MMW_EV(850, 1100, SPFS_C_MMAP) }, 2,
	  { BUSY, BUSY, MM, BUSY },
	  { SPFS_C_MMAP, SPFS_C_MMAP, SPFS_C_MMAP, SPFS_C_MMAP } },
	{ "write section still open",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(900, 0, VM_START, VM_END, SPFS_C_MREMAP) }, 1,
	  { BUSY, BUSY, OK, BUSY } },
	{ "write section closed before T0", SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(900, 1000, VM_START, VM_END, SPFS_C_BRK),
	    MMW_EV(850, 1000, SPFS_C_BRK) }, 2,
	  { OK, OK, OK, OK }, {}, { OK, OK, OK, OK }, true },
	{ "change of another VMA: per-mm rule races only",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(1100, 1150, 0x40000000, 0x40010000, SPFS_C_MPROTECT),
	    MMW_EV(1050, 1150, SPFS_C_MPROTECT) }, 2,
	  { OK, OK, MM, OK }, { 0, 0, SPFS_C_MPROTECT, 0 } },
	{ "adjacent VMA change does not overlap", SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(1100, 1150, VM_END, VM_END + 0x1000, SPFS_C_MLOCK) }, 1,
	  { OK, OK, OK, OK } },
	{ "zap in the fault's PMD", SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(1100, 1120, ADDR & ~0xfffULL, (ADDR & ~0xfffULL) + 0x1000,
		  SPFS_PT_CLEAR, 8) }, 1,
	  { PT, PT, PT, PT },
	  { SPFS_PT_CLEAR, SPFS_PT_CLEAR, SPFS_PT_CLEAR, SPFS_PT_CLEAR } },
	{ "zap elsewhere in the same PMD", SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(1100, 1120, 0x1f0000, 0x1f1000, SPFS_PT_UNMAP, 8) }, 1,
	  { PT, PT, PT, PT } },
	{ "mprotect's page-table change: under pvl the writer waits",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { { .type = SPFS_EV_PT, .t_begin = 1100, .t_end = 1120,
	      .start = 0x12000, .end = 0x14000,
	      .cause = SPFS_PT_PROTECTION_VMA, .tid = 8,
	      .flags = SPFS_EVF_WRITER } }, 1,
	  { PT, PT, PT, OK },
	  { SPFS_PT_PROTECTION_VMA, SPFS_PT_PROTECTION_VMA,
	    SPFS_PT_PROTECTION_VMA } },
	{ "writer's page-table change outside the VMA still races under pvl",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { { .type = SPFS_EV_PT, .t_begin = 1100, .t_end = 1120,
	      .start = 0x30000, .end = 0x31000, .cause = SPFS_PT_UNMAP,
	      .tid = 8, .flags = SPFS_EVF_WRITER } }, 1,
	  { PT, PT, PT, PT } },
	{ "zap in another PMD", SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(1100, 1120, 0x400000, 0x401000, SPFS_PT_CLEAR, 8) }, 1,
	  { OK, OK, OK, OK } },
	{ "zap running at T0", SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(900, 0, 0, 0x200000, SPFS_PT_MIGRATE, 8) }, 1,
	  { PT, PT, PT, PT },
	  { SPFS_PT_MIGRATE, SPFS_PT_MIGRATE, SPFS_PT_MIGRATE,
	    SPFS_PT_MIGRATE } },
	{ "zap ended before T0", SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(900, 999, 0, 0x200000, SPFS_PT_CLEAR, 8) }, 1,
	  { OK, OK, OK, OK } },
	{ "the fault's own notifier (wp_page_copy) is no race",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(1600, 1610, ADDR & ~0xfffULL, (ADDR & ~0xfffULL) + 0x1000,
		  SPFS_PT_CLEAR, TID) }, 1,
	  { OK, OK, OK, OK }, {}, { OK, OK, OK, OK }, true },
	{ "another thread's zap while the fault runs: full window only",
	  SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(1600, 1610, 0x12000, 0x13000, SPFS_PT_CLEAR, 8) }, 1,
	  { OK, OK, OK, OK }, {}, { PT, PT, PT, PT }, true },
	{ "VMA race outranks page-table race", SPFS_F_ANON, SPFS_PVL_6_12,
	  { PT_EV(1100, 1120, 0x12000, 0x13000, SPFS_PT_CLEAR, 8),
	    VMA_EV(1110, 1150, VM_START, VM_END, SPFS_C_MADVISE) }, 2,
	  { VMA, VMA, PT, PT } },
	{ "busy outranks a later change", SPFS_F_ANON, SPFS_PVL_6_12,
	  { VMA_EV(1100, 1150, VM_START, VM_END, SPFS_C_MPROTECT),
	    VMA_EV(900, 1050, VM_START, VM_END, SPFS_C_MUNMAP) }, 2,
	  { BUSY, BUSY, OK, BUSY },
	  { SPFS_C_MUNMAP, SPFS_C_MUNMAP, 0, SPFS_C_MUNMAP } },
	{ "the real fault retried", SPFS_F_ANON | SPFS_F_REAL_RETRY,
	  SPFS_PVL_6_12,
	  { VMA_EV(1100, 1150, VM_START, VM_END, SPFS_C_MPROTECT) }, 1,
	  { RETRY, RETRY, RETRY, RETRY } },
	{ "no VMA: every rule", SPFS_F_NO_VMA, SPFS_PVL_6_12,
	  { VMA_EV(1100, 1150, VM_START, VM_END, SPFS_C_MUNMAP) }, 1,
	  { NO, NO, NO, NO },
	  { R(NO_VMA), R(NO_VMA), R(NO_VMA), R(NO_VMA) } },
	{ "hugetlb", SPFS_F_HUGETLB, SPFS_PVL_6_12, {}, 0,
	  { NO, NO, NO, OK }, { R(HUGETLB), R(HUGETLB), R(HUGETLB) } },
	{ "hugetlb, pvl as of 6.4", SPFS_F_HUGETLB, SPFS_PVL_6_4, {}, 0,
	  { NO, NO, NO, NO },
	  { R(HUGETLB), R(HUGETLB), R(HUGETLB), R(HUGETLB) } },
	{ "THP (huge PMD)", SPFS_F_ANON | SPFS_F_HUGE_PMD, SPFS_PVL_6_12, {},
	  0, { NO, NO, NO, OK }, { R(HUGE_PMD), R(HUGE_PMD), R(HUGE_PMD) } },
	{ "pfnmap", SPFS_F_PFNMAP, SPFS_PVL_6_12, {}, 0,
	  { OK, NO, NO, OK }, { 0, R(PFNMAP), R(PFNMAP) } },
	{ "private file", SPFS_F_FILE, SPFS_PVL_6_12, {}, 0,
	  { OK, NO, NO, OK }, { 0, R(FILE), R(FILE) } },
	{ "private file, pvl as of 6.4", SPFS_F_FILE, SPFS_PVL_6_4, {}, 0,
	  { OK, NO, NO, NO }, { 0, R(FILE), R(FILE), R(FILE) } },
	{ "shmem", SPFS_F_SHMEM, SPFS_PVL_6_12, {}, 0,
	  { OK, NO, NO, OK }, { 0, R(SHMEM), R(SHMEM) } },
	{ "shmem, pvl as of 6.4", SPFS_F_SHMEM, SPFS_PVL_6_4, {}, 0,
	  { OK, NO, NO, NO }, { 0, R(SHMEM), R(SHMEM), R(SHMEM) } },
	{ "first touch: no anon_vma", SPFS_F_ANON | SPFS_F_NO_ANON_VMA,
	  SPFS_PVL_6_12, {}, 0,
	  { OK, NO, NO, OK }, { 0, R(NO_ANON_VMA), R(NO_ANON_VMA) } },
	{ "first touch, pvl as of 6.4", SPFS_F_ANON | SPFS_F_NO_ANON_VMA,
	  SPFS_PVL_6_4, {}, 0,
	  { OK, NO, NO, NO },
	  { 0, R(NO_ANON_VMA), R(NO_ANON_VMA), R(NO_ANON_VMA) } },
	{ "userfaultfd missing", SPFS_F_ANON | SPFS_F_UFFD |
	  SPFS_F_UFFD_MISSING, SPFS_PVL_6_12, {}, 0,
	  { OK, NO, NO, OK }, { 0, R(UFFD), R(UFFD) } },
	{ "userfaultfd write-protect only", SPFS_F_ANON | SPFS_F_UFFD,
	  SPFS_PVL_6_4, {}, 0,
	  { OK, OK, NO, NO }, { 0, 0, R(UFFD), R(UFFD) } },
	{ "stack", SPFS_F_ANON | SPFS_F_STACK, SPFS_PVL_6_12, {}, 0,
	  { OK, NO, OK, OK }, { 0, R(STACK) } },
	{ "stack growth: no VMA held the address at T0",
	  SPFS_F_ANON | SPFS_F_STACK | SPFS_F_NO_VMA, SPFS_PVL_6_12, {}, 0,
	  { NO, NO, NO, NO },
	  { R(NO_VMA), R(STACK), R(NO_VMA), R(NO_VMA) } },
	{ "interleave policy", SPFS_F_ANON | SPFS_F_INTERLEAVE, SPFS_PVL_6_12,
	  {}, 0, { OK, NO, OK, OK }, { 0, R(MEMPOLICY) } },
	{ "swap-in", SPFS_F_ANON | SPFS_F_SWAP, SPFS_PVL_6_12, {}, 0,
	  { OK, OK, NO, OK }, { 0, 0, R(SWAP) } },
	{ "swap-in, pvl as of 6.4", SPFS_F_ANON | SPFS_F_SWAP, SPFS_PVL_6_4,
	  {}, 0, { OK, OK, NO, NO }, { 0, 0, R(SWAP), R(SWAP) } },
	{ "device-private entry", SPFS_F_ANON | SPFS_F_SWAP |
	  SPFS_F_DEVICE_PRIVATE, SPFS_PVL_6_12, {}, 0,
	  { OK, OK, NO, NO }, { 0, 0, R(SWAP), R(SWAP) } },
	{ "single-threaded", SPFS_F_ANON | SPFS_F_SINGLE_THREAD,
	  SPFS_PVL_6_12, {}, 0,
	  { OK, NO, NO, OK }, { 0, R(SINGLE_THREAD), R(SINGLE_THREAD) } },
	{ "first reason wins: single-threaded file fault",
	  SPFS_F_FILE | SPFS_F_SINGLE_THREAD, SPFS_PVL_6_4, {}, 0,
	  { OK, NO, NO, NO },
	  { 0, R(SINGLE_THREAD), R(SINGLE_THREAD), R(FILE) } },
	{ "ineligible outranks races", SPFS_F_FILE, SPFS_PVL_6_12,
	  { VMA_EV(1100, 1150, VM_START, VM_END, SPFS_C_MPROTECT),
	    MMW_EV(1050, 1150, SPFS_C_MPROTECT) }, 2,
	  { VMA, NO, NO, OK }, { SPFS_C_MPROTECT, R(FILE), R(FILE) } },
};

static void check_case(const struct verdict_case *c)
{
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = c->flags,
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_judgement j;
	unsigned int i;
	int r;

	spfs_judge_begin(&j, &f, c->pvl);
	for (i = 0; i < c->nr_ev; i++)
		spfs_judge_event(&j, &f, &c->ev[i]);

	for (r = 0; r < SPFS_NR_RULES; r++) {
		u8 got = j.verdict[r][SPFS_WIN_SERVICE];

		EXPECT(got == c->service[r], "%s: %s: %s, want %s", c->name,
		       spfs_rule_name(r), spfs_verdict_name(got),
		       spfs_verdict_name(c->service[r]));
		if (got == c->service[r] && got != OK && got != RETRY)
			EXPECT(j.detail[r][SPFS_WIN_SERVICE] ==
			       c->service_detail[r] ||
			       (!c->service_detail[r] && got != NO),
			       "%s: %s: detail %u, want %u", c->name,
			       spfs_rule_name(r),
			       j.detail[r][SPFS_WIN_SERVICE],
			       c->service_detail[r]);
		if (c->check_full)
			EXPECT(j.verdict[r][SPFS_WIN_FULL] == c->full[r],
			       "%s: %s full: %s, want %s", c->name,
			       spfs_rule_name(r),
			       spfs_verdict_name(j.verdict[r][SPFS_WIN_FULL]),
			       spfs_verdict_name(c->full[r]));
	}
	if (c->stall)
		EXPECT(j.writer_stall[SPFS_WIN_SERVICE] == c->stall,
		       "%s: pvl writer stall %llu, want %llu", c->name,
		       (unsigned long long)j.writer_stall[SPFS_WIN_SERVICE],
		       (unsigned long long)c->stall);
}

static void test_verdict_table(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i]);
}

/* Every verdict and every reason is reached by some case of the table. */
static void test_verdict_coverage(void)
{
	bool verdict_seen[SPFS_NR_VERDICTS] = { false };
	bool reason_seen[SPFS_NR_RULES][SPFS_NR_REASONS] = { { false } };
	bool any_reason[SPFS_NR_REASONS] = { false };
	size_t i;
	int r, v;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (r = 0; r < SPFS_NR_RULES; r++) {
			verdict_seen[cases[i].service[r]] = true;
			if (cases[i].service[r] == NO) {
				reason_seen[r][cases[i].service_detail[r]] = true;
				any_reason[cases[i].service_detail[r]] = true;
			}
		}
	}
	for (v = 0; v < SPFS_NR_VERDICTS; v++)
		EXPECT(verdict_seen[v], "no case for verdict %s",
		       spfs_verdict_name(v));
	for (v = 0; v < SPFS_NR_REASONS; v++)
		EXPECT(any_reason[v], "no case for reason %s",
		       spfs_reason_name(v));
	for (r = 0; r < SPFS_NR_RULES; r++)
		EXPECT(reason_seen[r][SPFS_R_NO_VMA], "%s: no no_vma case",
		       spfs_rule_name(r));
}

/*
 * Where the kernel says when the fault tried the VMA lock, a writer that
 * left between T0 and then does not stop pvl; one still there does.
 */
static void test_verdict_vma_lock_time(void)
{
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .t_vma_lock = 1050, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = SPFS_F_ANON,
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_event gone = VMA_EV(900, 1020, VM_START, VM_END,
					SPFS_C_MPROTECT);
	struct spfs_event there = VMA_EV(900, 1060, VM_START, VM_END,
					 SPFS_C_MPROTECT);
	struct spfs_judgement j;

	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	spfs_judge_event(&j, &f, &gone);
	EXPECT(j.verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE] == OK,
	       "pvl: writer gone before the lock attempt: %s",
	       spfs_verdict_name(j.verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE]));
	EXPECT(j.verdict[SPFS_RULE_SEED][SPFS_WIN_SERVICE] == BUSY,
	       "seed: busy at T0 all the same");
	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	spfs_judge_event(&j, &f, &there);
	EXPECT(j.verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE] == BUSY,
	       "pvl: writer still there at the lock attempt: %s",
	       spfs_verdict_name(j.verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE]));
}

/* A fault whose T1 precedes TL (clock skew) gets an empty service window. */
static void test_verdict_clock_skew(void)
{
	struct spfs_fault f = {
		.t0 = 1000, .tl = 2000, .t1 = 1999, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = SPFS_F_ANON,
		.tid = TID, .pmd_size = PMD,
	};
	struct spfs_event ev = VMA_EV(1001, 1002, VM_START, VM_END,
				      SPFS_C_MPROTECT);
	struct spfs_judgement j;

	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	spfs_judge_event(&j, &f, &ev);
	EXPECT(j.verdict[SPFS_RULE_SEED][SPFS_WIN_SERVICE] == OK,
	       "service window not empty");
	EXPECT(j.verdict[SPFS_RULE_SEED][SPFS_WIN_FULL] == VMA,
	       "full window missed the change");
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
	for (i = 0; i < SPFS_NR_PT_EVENTS; i++)
		EXPECT(spfs_pt_event_name(i), "pt event %d", i);
	EXPECT(!strcmp(spfs_rule_name(SPFS_RULE_LESPINASSE), "lespinasse"),
	       "rule name");
	EXPECT(spfs_verdict_is_race(SPFS_V_RACE_MM) &&
	       !spfs_verdict_is_race(SPFS_V_REAL_RETRY), "is_race");
}

/*
 * Clean: success everywhere, no writer stalled.  A race in the full window
 * only, an ineligible rule, or a writer stalled under pvl is not clean.
 */
static void test_judgement_clean(void)
{
	struct spfs_fault f = {
		.t0 = T0, .tl = TL, .t1 = T1, .addr = ADDR,
		.vm_start = VM_START, .vm_end = VM_END, .flags = SPFS_F_ANON,
		.tid = TID, .pmd_size = PMD,
	};
	/* After the service window, inside the full one. */
	struct spfs_event late = VMA_EV(1300, 1350, VM_START, VM_END,
					SPFS_C_MPROTECT);
	struct spfs_event elsewhere = VMA_EV(1100, 1150, VM_END, VM_END + 4096,
					     SPFS_C_MPROTECT);
	struct spfs_judgement j;

	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	EXPECT(spfs_judgement_clean(&j), "no event: not clean");
	spfs_judge_event(&j, &f, &elsewhere);
	EXPECT(spfs_judgement_clean(&j), "event in another VMA: not clean");
	spfs_judge_event(&j, &f, &late);
	EXPECT(!spfs_judgement_clean(&j), "full-window race: clean");
	EXPECT(j.verdict[SPFS_RULE_SEED][SPFS_WIN_SERVICE] == OK,
	       "late event in the service window");
	f.flags = SPFS_F_FILE;
	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	EXPECT(!spfs_judgement_clean(&j), "file fault (ineligible): clean");
	f.flags = SPFS_F_ANON;
	spfs_judge_begin(&j, &f, SPFS_PVL_6_12);
	j.writer_stall[SPFS_WIN_FULL] = 1;
	EXPECT(!spfs_judgement_clean(&j), "writer stalled: clean");
}

/*
 * The fault path's shortcut: for every set of flags and either pvl
 * profile, a fault without spfs_unclean_flags() is what judging without
 * events finds clean, and only such a fault is.
 */
static void test_fault_clean(void)
{
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
		for (flags = 0; flags < 2 * SPFS_F_PMD_NONE; flags++) {
			f.flags = flags;
			spfs_judge_begin(&j, &f, pvl);
			shortcut = !(flags & spfs_unclean_flags(pvl));
			if (shortcut != spfs_judgement_clean(&j)) {
				EXPECT(0, "pvl %d flags %#x: shortcut %d", pvl,
				       flags, shortcut);
				return;
			}
			clean += shortcut;
		}
	}
	EXPECT(clean > 0, "no clean flags at all");
}

/* Each rule's union of ineligible flags, written out, matches its tests. */
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
}

int main(void)
{
	ktap_begin();
	ktap_case("verdict_table", test_verdict_table);
	ktap_case("verdict_coverage", test_verdict_coverage);
	ktap_case("verdict_clock_skew", test_verdict_clock_skew);
	ktap_case("verdict_vma_lock_time", test_verdict_vma_lock_time);
	ktap_case("names", test_names);
	ktap_case("pvl_agreement", test_pvl_agreement);
	ktap_case("elig_tables", test_elig_tables);
	ktap_case("judgement_clean", test_judgement_clean);
	ktap_case("fault_clean", test_fault_clean);
	return ktap_end();
}
