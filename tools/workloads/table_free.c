// SPDX-License-Identifier: GPL-2.0
/*
 * table_free - faults in PTE tables that a zapper empties, and frees.
 *
 * The main thread maps one private anonymous region of R PMD ranges
 * (2 MiB each), 2 MiB aligned, isolated (PROT_NONE guards), with
 * MADV_NOHUGEPAGE, and writes its first page so that the VMA has an
 * anon_vma.  In the measured phase, together:
 *
 *  - T faulting threads write-touch every page of their ranges (range k
 *    belongs to thread k % T), pass after pass;
 *  - one zapper thread MADV_DONTNEEDs whole ranges, each in turn, in a
 *    tight loop until the faulters are done.
 *
 * A zap of a whole range leaves its PTE table empty.  Kernels with
 * CONFIG_PT_RECLAIM (6.14 on; Debian's 6.18 and 7.x) then free the table
 * under the mmap read lock, with no VMA change: a fault whose walk read the
 * PMD before the free finds it changed at commit.  Older kernels keep the
 * empty table.
 *
 * Designed outcome in spf-shadow:
 *  - seed and dufour: race_vma (cause madvise): a zap is in their VMA
 *    write section (unmap_page_range()), and dufour checks the VMA before
 *    the PMD (pte_map_lock());
 *  - lespinasse: race_pgtable where PT_RECLAIM frees tables (pmd_same()
 *    fails), and never race_mm (no mmap_lock writer);
 *  - pvl: success: the fault holds the VMA lock, the zap serialises with it
 *    on the PTE table's lock;
 *  - pmd_changed > 0 with PT_RECLAIM, 0 without.
 */
#include "wl_common.h"

#include <sched.h>

#define DEF_THREADS	2UL
#define DEF_PMDS	4UL
#define DEF_PASSES	8UL

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long pmds;
	unsigned long passes;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.pmds = DEF_PMDS,
	.passes = DEF_PASSES,
};

static struct wl_region region;
static struct wl_measure measure;
static atomic_ulong faulters_left;
static atomic_ulong zaps;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write every page of their 2 MiB ranges, pass after\n"
		"pass, while a zapper MADV_DONTNEEDs whole ranges: their PTE\n"
		"tables are emptied, and freed on kernels with PT_RECLAIM.\n"
		"Designed outcome: race_vma (madvise) for seed and dufour,\n"
		"race_pgtable for lespinasse where tables are freed, success for\n"
		"pvl, never race_mm.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -n, --pmds N             2 MiB ranges (default %lu)\n"
		"  -p, --passes N           passes over each range (default %lu)\n",
		wl_prog, DEF_THREADS, DEF_PMDS, DEF_PASSES);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "pmds", required_argument, NULL, 'n' },
		{ "passes", required_argument, NULL, 'p' },
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
			opt.passes = wl_arg_count("--passes", optarg, 1,
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
	unsigned long k, p, f0;

	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (p = 0; p < opt.passes; p++)
		for (k = w->id; k < opt.pmds; k += opt.threads)
			w->touched += wl_touch(range_base(k), WL_PMD_SIZE,
					       true);
	w->faults = wl_thread_faults() - f0;
	atomic_fetch_sub(&faulters_left, 1);
	wl_measure_worker_done(&measure);
	return NULL;
}

static void *zapper_fn(void *arg)
{
	unsigned long k = 0;

	(void)arg;
	wl_measure_worker_ready(&measure);
	while (atomic_load(&faulters_left)) {
		wl_madvise(range_base(k), WL_PMD_SIZE, MADV_DONTNEED,
			   "MADV_DONTNEED");
		atomic_fetch_add(&zaps, 1);
		k = (k + 1) % opt.pmds;
		sched_yield();
	}
	wl_measure_worker_done(&measure);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long t, touched = 0, faults = 0;
	pthread_t zapper;
	struct worker *w;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	wl_map_isolated(&region, opt.pmds * WL_PMD_SIZE, WL_PMD_SIZE, false);
	wl_touch_byte(region.base, true);
	atomic_init(&faulters_left, opt.threads);
	wl_measure_init(&measure, opt.threads + 1, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&zapper, zapper_fn, NULL);

	wl_measure_main_ready(&measure);
	wl_measure_main_go(&measure);
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	wl_thread_join(zapper);
	wl_free_isolated(&region);

	printf("workload=table_free threads=%lu pmds=%lu passes=%lu touched=%lu faults=%lu zaps=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.pmds, opt.passes, touched, faults,
	       atomic_load(&zaps), wl_measure_ms(&measure));
	free(w);
	return 0;
}
