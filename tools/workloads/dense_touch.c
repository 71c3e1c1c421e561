// SPDX-License-Identifier: GPL-2.0
/*
 * dense_touch - first touch of N contiguous pages: one walk abort per
 * PTE table the kernel allocates.
 *
 * The main thread maps one private anonymous region of 2 MiB (range 0)
 * plus the N pages to touch, 2 MiB aligned, isolated (PROT_NONE guards),
 * lying under one PMD table (inside one 1 GiB range), with
 * MADV_NOHUGEPAGE, and writes one page of range 0: the VMA gets its
 * anon_vma and the PMD table exists.  In the measured phase the T worker
 * threads write every one of the N pages that follow range 0, in order,
 * each thread whole 2 MiB ranges of them (range k belongs to thread
 * (k - 1) % T): two threads never fault in the same PTE table, so exactly
 * one fault per range - its first - finds the PMD entry none, and the
 * kernel allocates exactly one PTE table per range.
 *
 * The summary gives pmd_ranges = ceil(N / 512) and pte_tables, the growth
 * of VmPTE (/proc/self/status) over the measured phase in 4 KiB pages.
 * VmPTE counts every page-table page of the mm, PMD and PUD tables too;
 * the region lies under a PMD table that range 0's page already made, so
 * the only page-table pages the phase can allocate are PTE tables and
 * pte_tables == pmd_ranges checks that against the kernel.
 *
 * Designed outcome in spf-shadow: exactly N faults in the measured phase
 * (-S/--stop brackets it); ineligible.no_page_table == pmd_ranges ==
 * pte_tables for seed, dufour and lespinasse, their other N - pmd_ranges
 * faults success; pvl success for all N.  Zero races.
 */
#include "wl_common.h"

#define DEF_THREADS	2UL
#define DEF_PAGES	4096UL

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long pages;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.pages = DEF_PAGES,
};

static struct wl_region region;
static struct wl_measure measure;
static unsigned long ranges;	/* 2 MiB ranges the N pages span */
static unsigned long max_pages;	/* what fits under one PMD table */

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write N contiguous fresh pages of a VMA that has an\n"
		"anon_vma, each thread whole 2 MiB ranges.\n"
		"Designed outcome: ineligible.no_page_table == pmd_ranges ==\n"
		"pte_tables for seed, dufour, lespinasse, the rest success.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -p, --pages N            pages to touch (default %lu, at most\n"
		"                           %lu)\n",
		wl_prog, DEF_THREADS, DEF_PAGES, max_pages);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "pages", required_argument, NULL, 'p' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:p:Sh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 'p':
			opt.pages = wl_arg_count("--pages", optarg, 1,
						 max_pages);
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

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size(), per = WL_PMD_SIZE / ps, first, n;
	unsigned long k, f0;

	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (k = 1 + w->id; k <= ranges; k += opt.threads) {
		first = (k - 1) * per;
		n = opt.pages - first < per ? opt.pages - first : per;
		w->touched += wl_touch(region.base + k * WL_PMD_SIZE, n * ps,
				       true);
	}
	w->faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long t, touched = 0, faults = 0;
	size_t per_range;
	long pte_kb0, pte_kb1;
	struct worker *w;

	wl_init(argv[0], usage);
	per_range = WL_PMD_SIZE / wl_page_size();
	max_pages = (WL_PUD_SIZE - WL_PMD_SIZE) / wl_page_size();
	parse_args(argc, argv);
	ranges = (opt.pages + per_range - 1) / per_range;

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	wl_map_isolated_pud(&region, WL_PMD_SIZE +
			    opt.pages * wl_page_size());
	wl_touch_byte(region.base, true);
	wl_measure_init(&measure, opt.threads, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, worker_fn, &w[t]);
	}

	wl_measure_main_ready(&measure);
	pte_kb0 = wl_status_kb("VmPTE");
	wl_measure_main_go(&measure);
	wl_measure_main_done(&measure);
	pte_kb1 = wl_status_kb("VmPTE");
	wl_measure_main_release(&measure);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	if (pte_kb0 < 0 || pte_kb1 < 0)
		fail("no VmPTE in /proc/self/status");
	wl_free_isolated(&region);

	printf("workload=dense_touch threads=%lu pages=%lu pmd_ranges=%lu "
	       "touched=%lu faults=%lu pte_tables=%ld elapsed_ms=%lu\n",
	       opt.threads, opt.pages, ranges, touched, faults,
	       (pte_kb1 - pte_kb0) / 4, wl_measure_ms(&measure));
	free(w);
	return 0;
}
