// SPDX-License-Identifier: GPL-2.0
/*
 * first_touch - the first fault of many fresh anonymous VMAs.
 *
 * Per iteration the main thread reserves one PROT_NONE area and maps K
 * private anonymous read-write VMAs of P pages each inside it, every one
 * flanked by a PROT_NONE guard page (so none can merge with another), with
 * MADV_NOHUGEPAGE, and touches none of them.  Then the T worker threads
 * (main parked on a barrier) each write-touch every page of their VMAs
 * (VMA k belongs to thread k % T), in order; then main unmaps it all.
 *
 * The first touch of each VMA faults in a VMA without an anon_vma (the
 * fault itself attaches one); the other P - 1 touches fault in a VMA that
 * has one.  No VMA is changed by anyone else while the workers fault.
 *
 * Designed outcome in spf-shadow: exactly K * iterations faults with
 * ineligible.no_anon_vma for the rules that need an anon_vma (dufour,
 * lespinasse, pvl; seed does not list it); all other faults
 * (K * (P - 1) * iterations) success, zero races.
 */
#include "wl_common.h"

#define DEF_THREADS	2UL
#define DEF_ITERATIONS	1UL
#define DEF_VMAS	64UL
#define DEF_PAGES	16UL

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long iterations;
	unsigned long vmas;
	unsigned long pages;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.vmas = DEF_VMAS,
	.pages = DEF_PAGES,
};

static pthread_barrier_t start_bar, done_bar;
static char *resv;
static size_t resv_len;
static char **vmas;		/* this iteration's VMAs */

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch the pages of K fresh, separate private\n"
		"anonymous VMAs; the first touch of each finds no anon_vma.\n"
		"Designed outcome: K * iterations ineligible.no_anon_vma, the\n"
		"rest success, zero races.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -i, --iterations N       fresh sets of VMAs (default %lu)\n"
		"  -k, --vmas K             VMAs per iteration (default %lu)\n"
		"  -p, --pages P            pages touched per VMA (default %lu)\n",
		wl_prog, DEF_THREADS, DEF_ITERATIONS, DEF_VMAS, DEF_PAGES);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "vmas", required_argument, NULL, 'k' },
		{ "pages", required_argument, NULL, 'p' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:i:k:p:Sh", longopts,
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
		case 'k':
			/* two VMAs each (region + guard) under max_map_count */
			opt.vmas = wl_arg_count("--vmas", optarg, 1, 30000);
			break;
		case 'p':
			opt.pages = wl_arg_count("--pages", optarg, 1,
						 1UL << 20);
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
	size_t len = opt.pages * wl_page_size();
	unsigned long it, k, f0;

	for (it = 0; it < opt.iterations; it++) {
		wl_barrier_wait(&start_bar);
		f0 = wl_thread_faults();
		for (k = w->id; k < opt.vmas; k += opt.threads)
			w->touched += wl_touch(vmas[k], len, true);
		w->faults += wl_thread_faults() - f0;
		wl_barrier_wait(&done_bar);
	}
	return NULL;
}

/* [guard][VMA 0][guard][VMA 1]...[VMA K-1][guard], all untouched. */
static void map_vmas(void)
{
	size_t ps = wl_page_size(), len = opt.pages * ps;
	unsigned long k;

	resv_len = opt.vmas * (len + ps) + ps;
	resv = wl_reserve(resv_len);
	for (k = 0; k < opt.vmas; k++) {
		vmas[k] = wl_mmap(resv + ps + k * (len + ps), len,
				  PROT_READ | PROT_WRITE,
				  MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		wl_nohuge(vmas[k], len);
	}
}

int main(int argc, char **argv)
{
	unsigned long t, it, touched = 0, faults = 0;
	struct worker *w;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	vmas = calloc(opt.vmas, sizeof(*vmas));
	if (!w || !vmas)
		die("calloc");
	wl_barrier_init(&start_bar, opt.threads + 1);
	wl_barrier_init(&done_bar, opt.threads + 1);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, worker_fn, &w[t]);
	}

	t0 = wl_now_ns();
	for (it = 0; it < opt.iterations; it++) {
		map_vmas();
		/* --stop: around the faults, the workers parked (wl_common.h). */
		if (opt.stop && !it)
			raise(SIGSTOP);
		wl_barrier_wait(&start_bar);
		wl_barrier_wait(&done_bar);
		if (opt.stop && it == opt.iterations - 1)
			raise(SIGSTOP);
		wl_munmap(resv, resv_len);
	}
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}

	printf("workload=first_touch threads=%lu iterations=%lu vmas=%lu "
	       "pages=%lu touched=%lu faults=%lu first_touches=%lu "
	       "elapsed_ms=%lu\n",
	       opt.threads, opt.iterations, opt.vmas, opt.pages, touched,
	       faults, opt.vmas * opt.iterations, wl_ms_since(t0));
	free(vmas);
	free(w);
	return 0;
}
