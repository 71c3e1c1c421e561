// SPDX-License-Identifier: GPL-2.0
/*
 * sparse_touch - one first touch per 2 MiB: every fault finds no PTE table.
 *
 * The main thread maps one private anonymous region of N + 1 PMD ranges
 * (2 MiB each), 2 MiB aligned, isolated (PROT_NONE guards), lying under
 * one PMD table (inside one 1 GiB range), with MADV_NOHUGEPAGE, and writes
 * one page of range 0.  That gives the VMA its anon_vma and makes the PMD
 * table exist, so that range 0 is the only one with a PTE table.  Then, in
 * the measured phase, the T worker threads each write one page in each of
 * their ranges 1..N (range k belongs to thread k % T): N faults, each the
 * first in its 2 MiB, each finding the PMD entry none.  The kernel
 * allocates one PTE table per fault and nothing else: the summary's
 * pte_tables is the growth of VmPTE (/proc/self/status, every page-table
 * page of the mm) over the measured phase, in 4 KiB pages.
 *
 * Designed outcome in spf-shadow: exactly N faults in the measured phase
 * (-S/--stop brackets it), every one ineligible.no_page_table for seed,
 * dufour and lespinasse (their lockless walk gives up on a none PMD entry:
 * they take one fault per PTE table under mmap_lock) and success for pvl
 * (both profiles: it allocates page tables under the VMA lock, and the
 * VMA has its anon_vma); pte_tables == pmds.
 */
#include "wl_common.h"

#define DEF_THREADS	2UL
#define DEF_PMDS	64UL
/* Range 0 and the N measured ranges fit under one PMD table. */
#define MAX_PMDS	(WL_PUD_SIZE / WL_PMD_SIZE - 1)

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long pmds;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.pmds = DEF_PMDS,
};

static struct wl_region region;
static struct wl_measure measure;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write one page in each of N fresh 2 MiB ranges of a VMA\n"
		"that has an anon_vma: every fault is the first of its PTE table.\n"
		"Designed outcome: N faults, ineligible.no_page_table for seed,\n"
		"dufour and lespinasse, success for pvl; pte_tables == pmds.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -n, --pmds N             2 MiB ranges touched (default %lu,\n"
		"                           at most %lu)\n",
		wl_prog, DEF_THREADS, DEF_PMDS, (unsigned long)MAX_PMDS);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "pmds", required_argument, NULL, 'n' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:n:Sh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 'n':
			opt.pmds = wl_arg_count("--pmds", optarg, 1, MAX_PMDS);
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
	unsigned long k, f0;

	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (k = 1 + w->id; k <= opt.pmds; k += opt.threads) {
		wl_touch_byte(region.base + k * WL_PMD_SIZE, true);
		w->touched++;
	}
	w->faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long t, touched = 0, faults = 0;
	long pte_kb0, pte_kb1;
	struct worker *w;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	wl_map_isolated_pud(&region, (opt.pmds + 1) * WL_PMD_SIZE);
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

	printf("workload=sparse_touch threads=%lu pmds=%lu touched=%lu "
	       "faults=%lu pte_tables=%ld elapsed_ms=%lu\n",
	       opt.threads, opt.pmds, touched, faults,
	       (pte_kb1 - pte_kb0) / 4, wl_measure_ms(&measure));
	free(w);
	return 0;
}
