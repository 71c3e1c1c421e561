// SPDX-License-Identifier: GPL-2.0
/*
 * faults - eligible anonymous faults with nothing to race against.
 *
 * N threads each write-touch every page of their own private anonymous
 * region.  Each iteration runs in two phases separated by barriers:
 *
 *  setup (main thread alone, workers parked on a barrier):
 *	one isolated region per thread (PROT_NONE guard pages on both
 *	sides, so no merging), MADV_NOHUGEPAGE, then main writes the first
 *	page of each region so that its VMA gets an anon_vma;
 *  fault (workers alone, main parked on a barrier):
 *	each worker writes the remaining pages of its region, in order.
 *
 * The regions are unmapped by main after the fault phase.  Nothing changes
 * a VMA, the page tables or the mm's mmap_lock (write) while any worker is
 * faulting - and a worker faults outside its region too: its start (stack,
 * TLS, libc) and its exit run libc code for the first time.  So main waits
 * for every worker to be ready before the first setup, and joins them
 * before it unmaps the last regions: a region's page-table zap shares a
 * PMD with the libc mapping next to it (seen on PREEMPT_RT as race_pgtable
 * against a worker's exit-path faults in libc text).
 *
 * Designed outcome in spf-shadow: every worker fault is eligible for every
 * rule and succeeds (~100% success, zero races of any kind).  The only
 * other faults are the first-page writes done by main during setup, one per
 * region (threads * iterations), which find no anon_vma
 * (ineligible.no_anon_vma for the rules that need one).
 */
#include "wl_common.h"

struct worker {
	pthread_t tid;
	unsigned int id;
	struct wl_region *regions;	/* one per iteration */
	unsigned long touched;
	unsigned long faults;
};

#define DEF_THREADS	4UL
#define DEF_ITERATIONS	10UL
#define DEF_SIZE	(4 * WL_MIB)

static struct {
	unsigned long threads;
	unsigned long iterations;
	size_t size;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.size = DEF_SIZE,
};

static pthread_barrier_t ready_bar, start_bar, done_bar;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of their own private anonymous\n"
		"region; no VMA change, zap or mmap_lock writer while they fault.\n"
		"Designed outcome: all rules ~100%% success, zero races.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -i, --iterations N       fresh regions per thread (default %lu)\n"
		"  -s, --size BYTES         region size per thread and iteration\n"
		"                           (default %zuM, at least 2 pages)\n",
		wl_prog, DEF_THREADS, DEF_ITERATIONS, DEF_SIZE / WL_MIB);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:i:s:h", longopts, NULL)) != -1) {
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
			opt.size = wl_arg_size("--size", optarg,
					       2 * wl_page_size());
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	wl_no_operands(argc, argv);
	opt.size = wl_pages_up(opt.size, 2);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size();
	unsigned long it, f0;

	wl_barrier_wait(&ready_bar);
	for (it = 0; it < opt.iterations; it++) {
		struct wl_region *r = &w->regions[it];

		wl_barrier_wait(&start_bar);
		f0 = wl_thread_faults();
		w->touched += wl_touch(r->base + ps, r->len - ps, true);
		w->faults += wl_thread_faults() - f0;
		wl_barrier_wait(&done_bar);
	}
	return NULL;
}

/* Main, workers parked: map this iteration's regions, give each an anon_vma. */
static void setup_regions(struct worker *w, unsigned long it)
{
	unsigned long t;

	for (t = 0; t < opt.threads; t++) {
		wl_map_isolated(&w[t].regions[it], opt.size, 0, false);
		wl_touch(w[t].regions[it].base, 1, true);
	}
}

static void free_regions(struct worker *w, unsigned long it)
{
	unsigned long t;

	for (t = 0; t < opt.threads; t++)
		wl_free_isolated(&w[t].regions[it]);
}

int main(int argc, char **argv)
{
	unsigned long t, it, touched = 0, faults = 0;
	struct worker *w;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	wl_barrier_init(&ready_bar, opt.threads + 1);
	wl_barrier_init(&start_bar, opt.threads + 1);
	wl_barrier_init(&done_bar, opt.threads + 1);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		w[t].regions = calloc(opt.iterations, sizeof(*w[t].regions));
		if (!w[t].regions)
			die("calloc");
		wl_thread_start(&w[t].tid, worker_fn, &w[t]);
	}

	wl_barrier_wait(&ready_bar);
	t0 = wl_now_ns();
	for (it = 0; it < opt.iterations; it++) {
		setup_regions(w, it);
		wl_barrier_wait(&start_bar);
		wl_barrier_wait(&done_bar);
		if (it == opt.iterations - 1)
			for (t = 0; t < opt.threads; t++)
				wl_thread_join(w[t].tid);
		free_regions(w, it);
	}
	for (t = 0; t < opt.threads; t++) {
		touched += w[t].touched;
		faults += w[t].faults;
		free(w[t].regions);
	}

	printf("workload=faults threads=%lu iterations=%lu size=%zu pages=%zu "
	       "touched=%lu faults=%lu first_touches=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.iterations, opt.size,
	       opt.size / wl_page_size(), touched, faults,
	       opt.threads * opt.iterations, wl_ms_since(t0));
	free(w);
	return 0;
}
