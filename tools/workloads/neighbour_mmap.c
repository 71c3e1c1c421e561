// SPDX-License-Identifier: GPL-2.0
/*
 * neighbour_mmap - mmap()/munmap() churn right after the faulted VMA.
 *
 * The main thread maps a private anonymous read-write VMA A, 2 MiB
 * aligned, with a PROT_NONE guard page below it and, above it, a hole of
 * --neighbour bytes (64 KiB) followed by a PROT_NONE guard page.  It
 * writes the first page of every 2 MiB range of A: A gets its anon_vma and
 * every range its PTE table.  In the measured phase, together:
 *
 *  - T faulting threads write-touch the fresh pages of A, each its own
 *    contiguous slice, in order, once the churner has begun;
 *  - one churner thread, in a tight loop until they are done, maps the
 *    hole (MAP_FIXED_NOREPLACE at A's end) private anonymous PROT_READ -
 *    it can never merge with A - and unmaps it again.  Each call is an
 *    mmap_lock write cycle; A itself never changes.
 *
 * With --mergeable the churner maps the hole PROT_READ|PROT_WRITE with
 * A's flags: the new mapping merges into A (A grows), and the munmap()
 * splits it off again (A shrinks) - A's bounds change all the time.  So
 * that a fresh mapping can have A's flags, A gets no MADV_NOHUGEPAGE (a
 * VMA flag): the whole process runs with PR_SET_THP_DISABLE instead, in
 * both modes.  Before the measured phase main churns once and reads
 * /proc/self/maps: merged=1 in the summary if A grew, 0 if the neighbour
 * was a VMA of its own.
 *
 * Designed outcome in spf-shadow:
 *  - default: zero race_vma and race_vma_busy for seed, dufour and pvl
 *    (A never changes; a neighbour that cannot merge is not A's
 *    business), race_mm for lespinasse; on kernels with per-VMA locks the
 *    pvl verdict agrees with the kernel on >= 99% of the faults;
 *  - --mergeable: race_vma or race_vma_busy for seed, dufour and pvl.
 */
#include "wl_common.h"

#include <sched.h>
#include <sys/prctl.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define DEF_THREADS	2UL
#define DEF_SIZE	(8 * WL_MIB)
#define DEF_NEIGHBOUR	(64 * WL_KIB)

struct worker {
	pthread_t tid;
	unsigned int id;
	size_t first, npages;	/* slice, in pages from A's start */
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	size_t size;
	size_t neighbour;
	bool mergeable;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.size = DEF_SIZE,
	.neighbour = DEF_NEIGHBOUR,
};

static struct wl_measure measure;
static char *resv, *a_base, *a_end;
static size_t resv_len;
static atomic_ulong faulters_left;
static atomic_ulong churns;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of a VMA A while a churner\n"
		"mmap()s and munmap()s a read-only mapping right after A's end.\n"
		"Designed outcome: no VMA race for seed, dufour, pvl; race_mm for\n"
		"lespinasse; with --mergeable, VMA races for seed, dufour, pvl.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -s, --size BYTES         size of A (default %zuM, rounded up to\n"
		"                           2M)\n"
		"  -n, --neighbour BYTES    size of the churned mapping (default\n"
		"                           %zuK)\n"
		"  -m, --mergeable          map it read-write with A's flags: it\n"
		"                           merges into A, munmap() splits it off\n",
		wl_prog, DEF_THREADS, DEF_SIZE / WL_MIB,
		DEF_NEIGHBOUR / WL_KIB);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "neighbour", required_argument, NULL, 'n' },
		{ "mergeable", no_argument, NULL, 'm' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:s:n:mSh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 's':
			opt.size = wl_arg_size("--size", optarg, 1);
			break;
		case 'n':
			opt.neighbour = wl_arg_size("--neighbour", optarg, 1);
			break;
		case 'm':
			opt.mergeable = true;
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
	opt.size = WL_ALIGN_UP(opt.size, WL_PMD_SIZE);
	opt.neighbour = wl_pages_up(opt.neighbour, 1);
	if (opt.size / wl_page_size() - opt.size / WL_PMD_SIZE < opt.threads)
		wl_bad_usage("--size must give each thread at least one page");
}

/* Map the neighbour at A's end and unmap it: one churn. */
static void churn(void)
{
	int prot = opt.mergeable ? PROT_READ | PROT_WRITE : PROT_READ;
	void *p;

	p = wl_mmap(a_end, opt.neighbour, prot,
		    MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != a_end)
		fail("mmap(MAP_FIXED_NOREPLACE) placed the neighbour at %p, "
		     "not at %p", p, a_end);
	wl_munmap(p, opt.neighbour);
}

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size(), per = WL_PMD_SIZE / ps, p;
	unsigned long f0;

	wl_measure_worker_ready(&measure);
	while (!atomic_load(&churns))	/* start together */
		sched_yield();
	f0 = wl_thread_faults();
	for (p = w->first; p < w->first + w->npages; p++) {
		if (p % per)	/* the first page of a range is main's */
			w->touched += wl_touch(a_base + p * ps, ps, true);
	}
	w->faults = wl_thread_faults() - f0;
	atomic_fetch_sub(&faulters_left, 1);
	wl_measure_worker_done(&measure);
	return NULL;
}

static void *churner_fn(void *arg)
{
	(void)arg;
	wl_measure_worker_ready(&measure);
	while (atomic_load(&faulters_left)) {
		churn();
		atomic_fetch_add(&churns, 1);
	}
	wl_measure_worker_done(&measure);
	return NULL;
}

/* [guard][A][hole][guard]; returns whether a churned neighbour merges. */
static bool setup(void)
{
	size_t ps = wl_page_size();
	uintptr_t start, end;
	bool merged;
	void *p;

	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		die("prctl(PR_SET_THP_DISABLE)");
	resv_len = opt.size + WL_PMD_SIZE + opt.neighbour + 2 * ps;
	resv = wl_reserve(resv_len);
	a_base = (char *)WL_ALIGN_UP((uintptr_t)resv + ps, WL_PMD_SIZE);
	a_end = a_base + opt.size;
	wl_mmap(a_base, opt.size, PROT_READ | PROT_WRITE,
		MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	wl_munmap(a_end, opt.neighbour);
	wl_touch_stride(a_base, opt.size, WL_PMD_SIZE, true);

	p = wl_mmap(a_end, opt.neighbour,
		    opt.mergeable ? PROT_READ | PROT_WRITE : PROT_READ,
		    MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != a_end)
		fail("mmap(MAP_FIXED_NOREPLACE) placed the neighbour at %p, "
		     "not at %p", p, a_end);
	if (!wl_vma_bounds(a_base, &start, &end))
		fail("no VMA at %p in /proc/self/maps", a_base);
	merged = end == (uintptr_t)a_end + opt.neighbour;
	wl_munmap(a_end, opt.neighbour);
	if (merged != opt.mergeable)
		fail("the neighbour %s with A (A is %#lx-%#lx)",
		     merged ? "merged" : "did not merge",
		     (unsigned long)start, (unsigned long)end);
	return merged;
}

/* Split A's pages into one contiguous slice per thread. */
static void assign_slices(struct worker *w)
{
	size_t pages = opt.size / wl_page_size();
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
	unsigned long t, touched = 0, faults = 0;
	pthread_t churner;
	struct worker *w;
	bool merged;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	assign_slices(w);
	merged = setup();
	atomic_init(&faulters_left, opt.threads);
	wl_measure_init(&measure, opt.threads + 1, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&churner, churner_fn, NULL);

	wl_measure_main_ready(&measure);
	wl_measure_main_go(&measure);
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	wl_thread_join(churner);
	wl_munmap(resv, resv_len);

	printf("workload=neighbour_mmap threads=%lu size=%zu neighbour=%zu "
	       "mergeable=%d merged=%d touched=%lu faults=%lu churns=%lu "
	       "elapsed_ms=%lu\n",
	       opt.threads, opt.size, opt.neighbour, opt.mergeable, merged,
	       touched, faults, atomic_load(&churns), wl_measure_ms(&measure));
	free(w);
	return 0;
}
