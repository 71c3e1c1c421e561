// SPDX-License-Identifier: GPL-2.0
/*
 * mprotect_same - faults racing with mprotect() inside the faulted VMA.
 *
 * Each iteration the main thread maps one isolated private anonymous
 * region (MADV_NOHUGEPAGE, PROT_NONE guards so it cannot merge) and writes
 * its first page so that the VMA has an anon_vma.  Then, together:
 *
 *  - T faulting threads write-touch every other page of the region, each
 *    its own contiguous slice, in order;
 *  - one toggler thread mprotect()s a page range in the middle of that
 *    region to PROT_READ|PROT_WRITE|PROT_EXEC and back to
 *    PROT_READ|PROT_WRITE, in a tight loop, until the faulters are done.
 *
 * The first mprotect() of a pair splits the VMA in three, the second merges
 * the three back: the bounds and flags of the VMA being faulted change all
 * the time.  The range is always writable, so every touch succeeds.
 *
 * Designed outcome in spf-shadow: races of the VMA kind (race_vma, cause
 * mprotect, and race_vma_busy) for the per-VMA rules, race_mm for
 * lespinasse; the toggling also changes the PTEs of already-populated
 * pages in the middle range (mmu notifier PROTECTION_VMA), so some
 * race_pgtable for faults in that PMD.  No ineligible faults besides the
 * first-page writes of main (ineligible.no_anon_vma, one per iteration).
 */
#include "wl_common.h"

#define DEF_THREADS	4UL
#define DEF_ITERATIONS	4UL
#define DEF_SIZE	(16 * WL_MIB)
#define DEF_RANGE	(64 * WL_KIB)

#define PROT_RW		(PROT_READ | PROT_WRITE)
#define PROT_RWX	(PROT_READ | PROT_WRITE | PROT_EXEC)

struct worker {
	pthread_t tid;
	unsigned int id;
	size_t first, npages;	/* slice, in pages from the region start */
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long iterations;
	size_t size;
	size_t range;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.size = DEF_SIZE,
	.range = DEF_RANGE,
};

static struct wl_region region;		/* this iteration's region */
static pthread_barrier_t start_bar, done_bar;
static atomic_ulong faulters_left;
static unsigned long toggles;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of one private anonymous VMA\n"
		"while a toggler thread mprotect()s a range in its middle\n"
		"RW -> RWX -> RW in a tight loop (split/merge and flag churn).\n"
		"Designed outcome: race_vma (mprotect) for per-VMA rules, race_mm\n"
		"for lespinasse.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -i, --iterations N       fresh regions (default %lu)\n"
		"  -s, --size BYTES         region size (default %zuM)\n"
		"  -r, --range BYTES        toggled range in the middle of the\n"
		"                           region (default %zuK)\n",
		wl_prog, DEF_THREADS, DEF_ITERATIONS, DEF_SIZE / WL_MIB,
		DEF_RANGE / WL_KIB);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "range", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	size_t ps = wl_page_size();
	int c;

	while ((c = getopt_long(argc, argv, "t:i:s:r:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 'i':
			opt.iterations = wl_arg_count("--iterations", optarg,
						      1, 1000000);
			break;
		case 's':
			opt.size = wl_arg_size("--size", optarg, 4 * ps);
			break;
		case 'r':
			opt.range = wl_arg_size("--range", optarg, ps);
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	wl_no_operands(argc, argv);
	opt.size = wl_pages_up(opt.size, 4);
	opt.range = wl_pages_up(opt.range, 1);
	if (opt.range > opt.size - 2 * ps)
		wl_bad_usage("--range must leave at least one page of the "
			     "region on each side");
	if (opt.size / ps < opt.threads + 1)
		wl_bad_usage("--size must give each thread at least one page");
}

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size();
	unsigned long it, f0;

	for (it = 0; it < opt.iterations; it++) {
		wl_barrier_wait(&start_bar);
		f0 = wl_thread_faults();
		w->touched += wl_touch(region.base + w->first * ps,
				       w->npages * ps, true);
		w->faults += wl_thread_faults() - f0;
		atomic_fetch_sub(&faulters_left, 1);
		wl_barrier_wait(&done_bar);
	}
	return NULL;
}

static void *toggler_fn(void *arg)
{
	size_t ps = wl_page_size();
	unsigned long it;
	char *mid;

	(void)arg;
	for (it = 0; it < opt.iterations; it++) {
		wl_barrier_wait(&start_bar);
		mid = region.base +
		      WL_ALIGN_DOWN((region.len - opt.range) / 2, ps);
		while (atomic_load(&faulters_left)) {
			wl_mprotect(mid, opt.range, PROT_RWX);
			wl_mprotect(mid, opt.range, PROT_RW);
			toggles += 2;
		}
		wl_barrier_wait(&done_bar);
	}
	return NULL;
}

/* Split the region's pages (all but the first) into one slice per thread. */
static void assign_slices(struct worker *w)
{
	size_t pages = opt.size / wl_page_size() - 1;
	size_t per = pages / opt.threads, next = 1;
	unsigned long t;

	for (t = 0; t < opt.threads; t++) {
		w[t].first = next;
		w[t].npages = per + (t < pages % opt.threads ? 1 : 0);
		next += w[t].npages;
	}
}

int main(int argc, char **argv)
{
	unsigned long t, it, touched = 0, faults = 0;
	pthread_t toggler;
	struct worker *w;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	assign_slices(w);
	wl_barrier_init(&start_bar, opt.threads + 2);
	wl_barrier_init(&done_bar, opt.threads + 2);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&toggler, toggler_fn, NULL);

	t0 = wl_now_ns();
	for (it = 0; it < opt.iterations; it++) {
		wl_map_isolated(&region, opt.size, 0, false);
		wl_touch(region.base, 1, true);
		atomic_store(&faulters_left, opt.threads);
		wl_barrier_wait(&start_bar);
		wl_barrier_wait(&done_bar);
		wl_free_isolated(&region);
	}
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	wl_thread_join(toggler);

	printf("workload=mprotect_same threads=%lu iterations=%lu size=%zu "
	       "range=%zu touched=%lu faults=%lu toggles=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.iterations, opt.size, opt.range, touched,
	       faults, toggles, wl_ms_since(t0));
	free(w);
	return 0;
}
