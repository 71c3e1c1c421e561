// SPDX-License-Identifier: GPL-2.0
/*
 * merge_head - the head of the faulted VMA merges into its neighbour and
 * back, over and over.
 *
 * The main thread maps one private anonymous read-write mapping of A + B
 * bytes (A = B = --size, 1 MiB) between PROT_NONE guard pages, with
 * MADV_NOHUGEPAGE, writes one page of A (the mapping gets its anon_vma)
 * and mprotect()s the upper part to PROT_READ: two VMAs, A (read-write)
 * below B (read-only), sharing one anon_vma, so that they may merge.  In
 * the measured phase, --iterations rounds of:
 *
 *  - T faulting threads read-touch the pages of B's upper half, each its
 *    own slice, in order (read faults of a private anonymous VMA map the
 *    zero page); then they park, and main empties that upper half
 *    (MADV_DONTNEED) for the next round while nobody faults;
 *
 * while one toggler thread, all the rounds long, mprotect()s B's first
 * --head bytes (64 KiB) to A's protection and back in a tight loop: the
 * first call merges B's head into A (A grows, B shrinks: vma_merge()'s
 * case 5 on 6.1), the second splits it off A and merges it back into B
 * (case 4).  The faulted pages are half of B away from the toggled ones;
 * B's bounds change with every call.
 *
 * Designed outcome in spf-shadow: faults in B judged race_vma or
 * race_vma_busy for seed, dufour and pvl (B's start moves: its sequence
 * changes, and the kernel write-locks B), race_mm for lespinasse; never
 * success alone.
 */
#include "wl_common.h"

#include <sched.h>

#define DEF_THREADS	2UL
#define DEF_ITERATIONS	20UL
#define DEF_SIZE	WL_MIB
#define DEF_HEAD	(64 * WL_KIB)

struct worker {
	pthread_t tid;
	unsigned int id;
	size_t first, npages;	/* slice, in pages from B's middle */
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long iterations;
	size_t size;
	size_t head;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.size = DEF_SIZE,
	.head = DEF_HEAD,
};

static struct wl_measure measure;
static pthread_barrier_t round_bar, rest_bar;
static char *resv, *a_base, *b_base;
static size_t resv_len;
static atomic_bool rounds_over;
static atomic_ulong toggles;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads read-touch fresh pages in the upper half of a read-only\n"
		"VMA B while a toggler mprotect()s B's head to the protection of\n"
		"the read-write VMA A below it and back: B's head merges into A.\n"
		"Designed outcome: race_vma or race_vma_busy for seed, dufour and\n"
		"pvl; race_mm for lespinasse.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -i, --iterations N       rounds over B's upper half (default\n"
		"                           %lu)\n"
		"  -s, --size BYTES         size of A and of B (default %zuM)\n"
		"  -m, --head BYTES         toggled head of B (default %zuK, at\n"
		"                           most a quarter of B)\n",
		wl_prog, DEF_THREADS, DEF_ITERATIONS, DEF_SIZE / WL_MIB,
		DEF_HEAD / WL_KIB);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "head", required_argument, NULL, 'm' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	size_t ps = wl_page_size();
	int c;

	while ((c = getopt_long(argc, argv, "t:i:s:m:Sh", longopts,
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
			opt.size = wl_arg_size("--size", optarg, 8 * ps);
			break;
		case 'm':
			opt.head = wl_arg_size("--head", optarg, ps);
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
	opt.size = wl_pages_up(opt.size, 8);
	opt.head = wl_pages_up(opt.head, 1);
	if (opt.head > opt.size / 4)
		wl_bad_usage("--head must be at most a quarter of --size");
	if (opt.size / 2 / ps < opt.threads)
		wl_bad_usage("--size must give each thread at least one page");
}

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size();
	char *half = b_base + WL_ALIGN_DOWN(opt.size / 2, ps);
	unsigned long it, f0;

	wl_measure_worker_ready(&measure);
	while (!atomic_load(&toggles))	/* start together */
		sched_yield();
	f0 = wl_thread_faults();
	for (it = 0; it < opt.iterations; it++) {
		w->touched += wl_touch(half + w->first * ps, w->npages * ps,
				       false);
		wl_barrier_wait(&round_bar);
		wl_barrier_wait(&rest_bar);
	}
	w->faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
}

static void *toggler_fn(void *arg)
{
	(void)arg;
	wl_measure_worker_ready(&measure);
	while (!atomic_load(&rounds_over)) {
		wl_mprotect(b_base, opt.head, PROT_READ | PROT_WRITE);
		wl_mprotect(b_base, opt.head, PROT_READ);
		atomic_fetch_add(&toggles, 2);
	}
	wl_measure_worker_done(&measure);
	return NULL;
}

/* [guard][A: RW][B: R][guard], one anon_vma. */
static void setup(void)
{
	size_t ps = wl_page_size();
	uintptr_t start, end;

	resv_len = 2 * opt.size + 2 * ps;
	resv = wl_reserve(resv_len);
	a_base = resv + ps;
	b_base = a_base + opt.size;
	wl_mmap(a_base, 2 * opt.size, PROT_READ | PROT_WRITE,
		MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	wl_nohuge(a_base, 2 * opt.size);
	wl_touch_byte(a_base, true);
	wl_mprotect(b_base, opt.size, PROT_READ);
	if (!wl_vma_bounds(b_base, &start, &end) ||
	    start != (uintptr_t)b_base || end != (uintptr_t)b_base + opt.size)
		fail("B is not a VMA of its own at %p", b_base);
	/* One toggle: B's head must merge into A. */
	wl_mprotect(b_base, opt.head, PROT_READ | PROT_WRITE);
	if (!wl_vma_bounds(a_base, &start, &end) ||
	    end != (uintptr_t)b_base + opt.head)
		fail("B's head did not merge into A");
	wl_mprotect(b_base, opt.head, PROT_READ);
}

/* Split the pages of B's upper half into one slice per thread. */
static void assign_slices(struct worker *w)
{
	size_t pages = opt.size / wl_page_size() -
		       WL_ALIGN_DOWN(opt.size / 2, wl_page_size()) /
		       wl_page_size();
	size_t per = pages / opt.threads, next = 0;
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
	size_t ps, half_off;
	pthread_t toggler;
	struct worker *w;

	wl_init(argv[0], usage);
	parse_args(argc, argv);
	ps = wl_page_size();
	half_off = WL_ALIGN_DOWN(opt.size / 2, ps);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	assign_slices(w);
	setup();
	wl_barrier_init(&round_bar, opt.threads + 1);
	wl_barrier_init(&rest_bar, opt.threads + 1);
	wl_measure_init(&measure, opt.threads + 1, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&toggler, toggler_fn, NULL);

	wl_measure_main_ready(&measure);
	wl_measure_main_go(&measure);
	for (it = 0; it < opt.iterations; it++) {
		wl_barrier_wait(&round_bar);
		/* Nobody faults now: empty the upper half for the next round. */
		wl_madvise(b_base + half_off, opt.size - half_off,
			   MADV_DONTNEED, "MADV_DONTNEED");
		if (it == opt.iterations - 1)
			atomic_store(&rounds_over, true);
		wl_barrier_wait(&rest_bar);
	}
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	wl_thread_join(toggler);
	wl_munmap(resv, resv_len);

	printf("workload=merge_head threads=%lu iterations=%lu size=%zu "
	       "head=%zu touched=%lu faults=%lu toggles=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.iterations, opt.size, opt.head, touched,
	       faults, atomic_load(&toggles), wl_measure_ms(&measure));
	free(w);
	return 0;
}
