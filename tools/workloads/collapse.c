// SPDX-License-Identifier: GPL-2.0
/*
 * collapse - a THP collapse (MADV_COLLAPSE) under the faults of its range.
 *
 * The main thread maps one private anonymous region of R PMD ranges
 * (2 MiB each), 2 MiB aligned, isolated (PROT_NONE guards), and writes the
 * first page of every range: the VMA gets its anon_vma and every range a
 * PTE table.  The region gets neither MADV_NOHUGEPAGE (MADV_COLLAPSE
 * refuses a VM_NOHUGEPAGE VMA) nor MADV_HUGEPAGE: with THP "enabled" set
 * to madvise or never, its faults then map 4 KiB pages and khugepaged
 * leaves it alone, while MADV_COLLAPSE, which ignores that setting, still
 * collapses it.  With "always" the first page of each range would be a
 * huge page and khugepaged would collapse the ranges before the measured
 * phase: the workload refuses to run (set madvise, as the VM test does).
 * In the measured phase, together:
 *
 *  - T faulting threads write-touch pages 1..511 of their ranges (range k
 *    belongs to thread k % T), in order, publishing their progress.
 *    After the first touch of a range a faulter waits until the collapser
 *    turns to that range, then goes on with a pause of --pace-us between
 *    touches while the collapse is under way: a collapse costs far more
 *    than a fault (drain the LRU caches, allocate, copy 2 MiB), and a
 *    faulter left alone would finish its range first;
 *  - one collapser thread takes the ranges in order and, as soon as the
 *    faulter of a range has begun it, calls
 *    madvise(MADV_COLLAPSE) on that range until it succeeds, or fails
 *    once more after the faulter has finished the range (EAGAIN: a
 *    freshly faulted page is not on the LRU yet).  collapse_huge_page()
 *    takes mmap_lock for write, clears the PMD entry, copies the pages
 *    into a huge page and installs a huge PMD: the PTE table the faulter
 *    was using is freed.
 *
 * A fault that began before the collapse cleared the PMD entry and ends
 * after it (it waited for mmap_lock) sees another PMD at its end; one
 * that begins while the entry is clear finds no PTE table; one whose walk
 * runs after the huge PMD is installed finds a huge PMD.  Touches after a
 * range was collapsed do not fault (faults < touched).  The summary gives
 * collapses (successful calls), ranges_cut (ranges collapsed while their
 * faulter was in them: it took some faults there, fewer than touches),
 * retries (EAGAIN) and huge_pmds (the huge pages in the VMA at the end,
 * from /proc/self/smaps AnonHugePages).
 *
 * Exit status 3 if the kernel has no MADV_COLLAPSE (before 6.1) or no
 * transparent huge pages (PREEMPT_RT).  Main checks that no range is
 * huge before the measured phase.
 *
 * Designed outcome in spf-shadow: pmd_changed > 0 (faults whose PMD entry
 * changed between T0 and T1); for seed, dufour and lespinasse faults
 * ineligible.no_page_table / huge_pmd around each collapse; dufour
 * race_vma or race_vma_busy (collapse bumps its VMA sequence; cause
 * madvise, or khugepaged should it collapse a range itself), lespinasse
 * race_mm, pvl race_vma_busy (the collapse write-locks the VMA).
 */
#include "wl_common.h"

#include <sched.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define DEF_THREADS	2UL
#define DEF_PMDS	8UL
#define DEF_PACE_US	100UL
#define EXIT_NO_COLLAPSE	3

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long touched;
	unsigned long faults;
	unsigned long cut;	/* ranges collapsed while it faulted them */
};

static struct {
	unsigned long threads;
	unsigned long pmds;
	unsigned long pace_us;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.pmds = DEF_PMDS,
	.pace_us = DEF_PACE_US,
};

static struct wl_region region;
static struct wl_measure measure;
static atomic_ulong *progress;	/* per range: pages touched by its faulter */
static atomic_bool *turned;	/* per range: the collapser turned to it */
static atomic_long collapsing = -1;	/* the range being collapsed */
static unsigned long collapses, retries;
static size_t per_range;		/* pages per 2 MiB */

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh 4 KiB pages of 2 MiB ranges while a\n"
		"collapser thread madvise(MADV_COLLAPSE)s the range being faulted.\n"
		"Designed outcome: faults whose PMD changed (pmd_changed),\n"
		"no_page_table/huge_pmd around collapses, dufour race_vma,\n"
		"lespinasse race_mm.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -n, --pmds N             2 MiB ranges (default %lu)\n"
		"  -p, --pace-us N          pause between touches while their\n"
		"                           range is being collapsed (default %lu)\n",
		wl_prog, DEF_THREADS, DEF_PMDS, DEF_PACE_US);
	wl_usage_stop(out);
	wl_usage_common(out);
	fprintf(out, "Needs transparent huge pages enabled=madvise or never.\n"
		"Exit status 3: no MADV_COLLAPSE or no transparent huge\n"
		"pages in this kernel.\n");
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "pmds", required_argument, NULL, 'n' },
		{ "pace-us", required_argument, NULL, 'p' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:n:p:Sh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 'n':
			opt.pmds = wl_arg_count("--pmds", optarg, 1, 4096);
			break;
		case 'p':
			opt.pace_us = wl_arg_count("--pace-us", optarg, 0,
						   1000000);
			break;
		case 'S':
			opt.stop = true;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	wl_no_operands(argc, argv);
}

static char *range_base(unsigned long k)
{
	return region.base + k * WL_PMD_SIZE;
}

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size(), i;
	unsigned long k, f0, fk;

	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (k = w->id; k < opt.pmds; k += opt.threads) {
		fk = wl_thread_faults();
		for (i = 1; i < per_range; i++) {
			wl_touch_byte(range_base(k) + i * ps, true);
			atomic_store(&progress[k], i);
			while (i == 1 && !atomic_load(&turned[k]))
				sched_yield();
			if (opt.pace_us && atomic_load(&collapsing) == (long)k)
				wl_sleep_us(opt.pace_us);
		}
		w->touched += per_range - 1;
		fk = wl_thread_faults() - fk;
		if (fk && fk < per_range - 1)
			w->cut++;
	}
	w->faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
}

/* No MADV_COLLAPSE, or no THP for this VMA: say so and exit 3. */
static void __attribute__((noreturn)) no_collapse(const char *what)
{
	int err = errno;

	fflush(stdout);
	fprintf(stderr, "%s: %s: %s: this kernel cannot collapse the region "
		"into transparent huge pages (MADV_COLLAPSE needs 6.1+ and "
		"THP)\n", wl_prog, what, strerror(err));
	exit(EXIT_NO_COLLAPSE);
}

static void *collapser_fn(void *arg)
{
	unsigned long k;
	bool finished;

	(void)arg;
	wl_measure_worker_ready(&measure);
	for (k = 0; k < opt.pmds; k++) {
		while (!atomic_load(&progress[k]))
			sched_yield();
		atomic_store(&collapsing, (long)k);
		atomic_store(&turned[k], true);
		for (;;) {
			finished = atomic_load(&progress[k]) == per_range - 1;
			if (!madvise(range_base(k), WL_PMD_SIZE,
				     MADV_COLLAPSE)) {
				collapses++;
				break;
			}
			if (errno != EAGAIN)
				die("madvise(MADV_COLLAPSE) of range %lu", k);
			retries++;
			if (finished)
				break;
		}
		atomic_store(&collapsing, -1L);
	}
	wl_measure_worker_done(&measure);
	return NULL;
}

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/* THP "enabled" must not be always (see above); exit 3 without THP. */
static void check_thp_mode(void)
{
	char buf[128] = "";
	FILE *f;

	f = fopen(THP_ENABLED, "r");
	if (!f) {
		errno = ENOENT;
		no_collapse(THP_ENABLED);
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (strstr(buf, "[always]"))
		fail("transparent huge pages are enabled=always: the first "
		     "touch of each range would map a huge page and khugepaged "
		     "would collapse the region before its faulters reach it; "
		     "echo madvise > %s", THP_ENABLED);
}

static void setup_region(void)
{
	size_t ps = wl_page_size();

	check_thp_mode();
	wl_map_isolated(&region, opt.pmds * WL_PMD_SIZE, WL_PMD_SIZE, true);
	wl_touch_stride(region.base, region.len, WL_PMD_SIZE, true);
	/* Less than 2 MiB: checks that the kernel would, collapses nothing. */
	if (madvise(region.base, ps, MADV_COLLAPSE))
		no_collapse("madvise(MADV_COLLAPSE)");
}

int main(int argc, char **argv)
{
	unsigned long t, touched = 0, faults = 0, cut = 0;
	pthread_t collapser;
	struct worker *w;
	long huge_kb;

	wl_init(argv[0], usage);
	parse_args(argc, argv);
	per_range = WL_PMD_SIZE / wl_page_size();

	w = calloc(opt.threads, sizeof(*w));
	progress = calloc(opt.pmds, sizeof(*progress));
	turned = calloc(opt.pmds, sizeof(*turned));
	if (!w || !progress || !turned)
		die("calloc");
	for (t = 0; t < opt.pmds; t++) {
		atomic_init(&progress[t], 0);
		atomic_init(&turned[t], false);
	}
	setup_region();
	wl_measure_init(&measure, opt.threads + 1, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&collapser, collapser_fn, NULL);

	wl_measure_main_ready(&measure);
	if (wl_smaps_anon_huge_kb(region.base) != 0)
		fail("the region has huge pages before the measured phase");
	wl_measure_main_go(&measure);
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
		cut += w[t].cut;
	}
	wl_thread_join(collapser);
	huge_kb = wl_smaps_anon_huge_kb(region.base);
	wl_free_isolated(&region);

	printf("workload=collapse threads=%lu pmds=%lu pace_us=%lu touched=%lu "
	       "faults=%lu collapses=%lu ranges_cut=%lu retries=%lu "
	       "huge_pmds=%ld elapsed_ms=%lu\n",
	       opt.threads, opt.pmds, opt.pace_us, touched, faults,
	       collapses, cut, retries,
	       huge_kb < 0 ? -1 : huge_kb / (long)(WL_PMD_SIZE / WL_KIB),
	       wl_measure_ms(&measure));
	free(turned);
	free(progress);
	free(w);
	return 0;
}
