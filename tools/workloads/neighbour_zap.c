// SPDX-License-Identifier: GPL-2.0
/*
 * neighbour_zap - faults in PTE tables whose other pages are being zapped.
 *
 * The main thread maps one private anonymous region of R PMD ranges
 * (2 MiB each), 2 MiB aligned, isolated (PROT_NONE guards), with
 * MADV_NOHUGEPAGE.  In each range the first Z pages are the zapper's, and
 * main writes page Z, so that every range has its PTE table and the VMA
 * its anon_vma before the measured phase.  In it, together:
 *
 *  - T faulting threads write-touch the pages after page Z of their ranges
 *    (range k belongs to thread k % T), fresh pages, in order, each
 *    publishing the range it is in, once the zapper has begun;
 *  - one zapper thread, in a tight loop until the faulters are done,
 *    takes the range each faulter is in and populates its Z zapper pages
 *    (MADV_POPULATE_WRITE: faults by get_user_pages, not user faults) and
 *    zaps them (MADV_DONTNEED): an mmu-notifier invalidation and a PTL
 *    holder in the very PTE table being faulted, never on a faulter's
 *    page.
 *
 * Both madvise() calls take mmap_lock for read; no VMA changes bounds or
 * flags, no PTE table is freed (MADV_DONTNEED leaves them) and no PMD entry
 * changes.
 *
 * With --other-vma main first mprotect()s the zapper pages of every range
 * to PROT_READ|PROT_WRITE|PROT_EXEC: they become VMAs of their own that
 * cannot merge with the faulted ones (PROT_READ|PROT_WRITE), sharing the
 * PTE tables with them.  Same zaps, other VMAs.
 *
 * Designed outcome in spf-shadow:
 *  - seed and dufour: race_vma with cause madvise (their VMA sequence is
 *    bumped by unmap_page_range on the VMA, VMA-wide); with --other-vma
 *    zero race_vma and race_vma_busy;
 *  - pvl: zero race_vma, race_vma_busy and race_pgtable (zaps serialise
 *    with the fault on the PTL; the VMA lock is not taken);
 *  - lespinasse: zero race_mm (no mmap_lock writer), some race_pgtable
 *    possible (its PTL trylock fails while a zap holds the lock);
 *  - seed: zero race_pgtable (it takes the PTL, never tries it);
 *  - R.pt_overlap > 0 for every rule, in both modes.
 */
#include "wl_common.h"

#include <sched.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define DEF_THREADS	2UL
#define DEF_PMDS	8UL
#define DEF_ZAP_PAGES	16UL

#define PROT_RW		(PROT_READ | PROT_WRITE)
#define PROT_RWX	(PROT_READ | PROT_WRITE | PROT_EXEC)

struct worker {
	pthread_t tid;
	unsigned int id;
	atomic_long range;	/* the range being faulted, -1 if none */
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long pmds;
	unsigned long zap_pages;
	bool other_vma;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.pmds = DEF_PMDS,
	.zap_pages = DEF_ZAP_PAGES,
};

static struct wl_region region;
static struct wl_measure measure;
static atomic_ulong faulters_left;
static atomic_ulong zaps;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of one VMA while a zapper\n"
		"populates and MADV_DONTNEEDs other pages of the same PTE tables.\n"
		"Designed outcome: race_vma (madvise) for seed and dufour, no race\n"
		"for pvl, no race_mm, no seed race_pgtable, pt_overlap > 0.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -n, --pmds N             2 MiB ranges (default %lu)\n"
		"  -z, --zap-pages N        zapper pages at the start of each\n"
		"                           range (default %lu, 1 to 256)\n"
		"  -o, --other-vma          the zapper pages are VMAs of their own\n"
		"                           (PROT_EXEC added): no seed/dufour\n"
		"                           race_vma\n",
		wl_prog, DEF_THREADS, DEF_PMDS, DEF_ZAP_PAGES);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "pmds", required_argument, NULL, 'n' },
		{ "zap-pages", required_argument, NULL, 'z' },
		{ "other-vma", no_argument, NULL, 'o' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:n:z:oSh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 'n':
			opt.pmds = wl_arg_count("--pmds", optarg, 1, 4096);
			break;
		case 'z':
			opt.zap_pages = wl_arg_count("--zap-pages", optarg, 1,
						     256);
			break;
		case 'o':
			opt.other_vma = true;
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
	size_t ps = wl_page_size(), skip = (opt.zap_pages + 1) * ps;
	unsigned long k, f0;

	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (k = w->id; k < opt.pmds; k += opt.threads) {
		atomic_store(&w->range, (long)k);
		while (!atomic_load(&zaps))	/* start together */
			sched_yield();
		w->touched += wl_touch(range_base(k) + skip,
				       WL_PMD_SIZE - skip, true);
	}
	atomic_store(&w->range, -1L);
	w->faults = wl_thread_faults() - f0;
	atomic_fetch_sub(&faulters_left, 1);
	wl_measure_worker_done(&measure);
	return NULL;
}

static void *zapper_fn(void *arg)
{
	size_t len = opt.zap_pages * wl_page_size();
	struct worker *w = arg;
	unsigned long t;
	long k;

	wl_measure_worker_ready(&measure);
	while (atomic_load(&faulters_left)) {
		for (t = 0; t < opt.threads; t++) {
			k = atomic_load(&w[t].range);
			if (k < 0)
				continue;
			wl_madvise(range_base(k), len, MADV_POPULATE_WRITE,
				   "MADV_POPULATE_WRITE");
			wl_madvise(range_base(k), len, MADV_DONTNEED,
				   "MADV_DONTNEED");
			atomic_fetch_add(&zaps, 1);
		}
		sched_yield();
	}
	wl_measure_worker_done(&measure);
	return NULL;
}

static void setup_region(void)
{
	size_t ps = wl_page_size();
	unsigned long k;

	wl_map_isolated(&region, opt.pmds * WL_PMD_SIZE, WL_PMD_SIZE, false);
	for (k = 0; k < opt.pmds; k++)
		wl_touch_byte(range_base(k) + opt.zap_pages * ps, true);
	if (opt.other_vma)
		for (k = 0; k < opt.pmds; k++)
			wl_mprotect(range_base(k), opt.zap_pages * ps,
				    PROT_RWX);
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
	setup_region();
	atomic_init(&faulters_left, opt.threads);
	wl_measure_init(&measure, opt.threads + 1, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		atomic_init(&w[t].range, -1L);
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&zapper, zapper_fn, w);

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

	printf("workload=neighbour_zap threads=%lu pmds=%lu zap_pages=%lu "
	       "other_vma=%d touched=%lu faults=%lu zaps=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.pmds, opt.zap_pages, opt.other_vma, touched,
	       faults, atomic_load(&zaps), wl_measure_ms(&measure));
	free(w);
	return 0;
}
