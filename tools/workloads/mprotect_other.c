// SPDX-License-Identifier: GPL-2.0
/*
 * mprotect_other - faults while another VMA, far away, keeps changing.
 *
 * The faulting side is exactly the faults workload: per iteration, main
 * maps one isolated private anonymous region per thread (MADV_NOHUGEPAGE,
 * PROT_NONE guards), writes its first page (anon_vma), and the threads
 * write-touch the rest; no VMA of theirs changes while they fault.
 *
 * Meanwhile, from before the first iteration to after the last, a toggler
 * thread cycles a small chunk of a distant "arena" through
 *
 *	mmap(MAP_FIXED, RW) -> mprotect(R) -> mprotect(RW) -> munmap
 *	-> mmap(MAP_FIXED, PROT_NONE)
 *
 * The arena sits in the middle of a PROT_NONE reservation of
 * gap + arena + gap bytes (gap defaults to 1 GiB), made before any faulting
 * region exists, so every faulting VMA is at least gap bytes away from
 * anything the toggler touches and can never be adjacent to it or merge
 * with it.  The toggler never touches its chunk (no faults of its own),
 * and pauses while main maps the regions of an iteration (the munmap step
 * leaves a short-lived hole that a new region must not fall into).
 *
 * Designed outcome in spf-shadow: zero race_vma / race_vma_busy for the
 * per-VMA rules (seed, dufour, pvl: ~100% success), but race_mm for the
 * per-mm rule (lespinasse): every toggler call is an mmap_lock write cycle.
 * No race_pgtable (nothing is zapped near the faulting regions).
 */
#include "wl_common.h"

#include <sched.h>

#define DEF_THREADS	4UL
#define DEF_ITERATIONS	10UL
#define DEF_SIZE	(4 * WL_MIB)
#define DEF_GAP		WL_GIB
#define ARENA_SIZE	(2 * WL_MIB)
#define CHUNK_SIZE	(64 * WL_KIB)

struct worker {
	pthread_t tid;
	struct wl_region *regions;	/* one per iteration */
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long iterations;
	size_t size;
	size_t gap;
	unsigned long delay_us;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.size = DEF_SIZE,
	.gap = DEF_GAP,
};

static pthread_barrier_t start_bar, done_bar;
static atomic_bool stop;
/* Held by main while it maps regions, so none lands in a toggler hole. */
static pthread_mutex_t layout_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool layout_wanted;	/* main waits for layout_lock */
static char *resv, *arena;
static size_t resv_len;
static unsigned long toggler_calls;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of their own private anonymous\n"
		"regions while a toggler thread does mmap/mprotect/munmap on a\n"
		"VMA at least --gap bytes away.\n"
		"Designed outcome: zero VMA races for the per-VMA rules, race_mm\n"
		"for the per-mm rule (lespinasse).\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -i, --iterations N       fresh regions per thread (default %lu)\n"
		"  -s, --size BYTES         region size per thread and iteration\n"
		"                           (default %zuM, at least 2 pages)\n"
		"  -g, --gap BYTES          minimum distance between the faulting\n"
		"                           regions and the toggled VMA (default\n"
		"                           %zuG, at least 1G)\n"
		"  -D, --delay-us N         pause of the toggler between cycles\n"
		"                           (default 0: tight loop)\n",
		wl_prog, DEF_THREADS, DEF_ITERATIONS, DEF_SIZE / WL_MIB,
		DEF_GAP / WL_GIB);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "gap", required_argument, NULL, 'g' },
		{ "delay-us", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:i:s:g:D:h", longopts,
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
			opt.size = wl_arg_size("--size", optarg,
					       2 * wl_page_size());
			break;
		case 'g':
			opt.gap = wl_arg_size("--gap", optarg, WL_GIB);
			break;
		case 'D':
			opt.delay_us = wl_arg_count("--delay-us", optarg, 0,
						    10000000);
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
	opt.gap = WL_ALIGN_UP(opt.gap, WL_PMD_SIZE);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size();
	unsigned long it, f0;

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

/* One cycle of VMA changes on a chunk of the arena: five mmap_lock writes. */
static void toggle_chunk(char *c)
{
	wl_mmap(c, CHUNK_SIZE, PROT_READ | PROT_WRITE,
		MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	wl_mprotect(c, CHUNK_SIZE, PROT_READ);
	wl_mprotect(c, CHUNK_SIZE, PROT_READ | PROT_WRITE);
	wl_munmap(c, CHUNK_SIZE);
	wl_mmap(c, CHUNK_SIZE, PROT_NONE,
		MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

static void *toggler_fn(void *arg)
{
	unsigned long n = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		while (atomic_load(&layout_wanted))
			sched_yield();
		pthread_mutex_lock(&layout_lock);
		toggle_chunk(arena + (n % (ARENA_SIZE / CHUNK_SIZE)) *
				     CHUNK_SIZE);
		pthread_mutex_unlock(&layout_lock);
		toggler_calls += 5;
		n++;
		if (opt.delay_us)
			wl_sleep_us(opt.delay_us);
	}
	return NULL;
}

/* Reserve gap + arena + gap, arena in the middle, before any region. */
static void reserve_arena(void)
{
	resv_len = 2 * opt.gap + ARENA_SIZE;
	resv = wl_reserve(resv_len);
	arena = resv + opt.gap;
}

/* Distance from [p, p + len) to the arena; fail if below the gap. */
static uintptr_t check_distance(const struct wl_region *r)
{
	uintptr_t a0 = (uintptr_t)arena, a1 = a0 + ARENA_SIZE;
	uintptr_t r0 = (uintptr_t)r->resv, r1 = r0 + r->resv_len;
	uintptr_t d = r1 <= a0 ? a0 - r1 : r0 - a1;

	if (!(r1 <= a0 || r0 >= a1) || d < opt.gap)
		fail("region %p is only %lu bytes away from the arena %p",
		     r->base, (unsigned long)d, (void *)arena);
	return d;
}

static uintptr_t setup_regions(struct worker *w, unsigned long it)
{
	uintptr_t d, dmin = UINTPTR_MAX;
	unsigned long t;

	for (t = 0; t < opt.threads; t++) {
		wl_map_isolated(&w[t].regions[it], opt.size, 0, false);
		d = check_distance(&w[t].regions[it]);
		if (d < dmin)
			dmin = d;
		wl_touch(w[t].regions[it].base, 1, true);
	}
	return dmin;
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
	uintptr_t d, dmin = UINTPTR_MAX;
	pthread_t toggler;
	struct worker *w;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	wl_barrier_init(&start_bar, opt.threads + 1);
	wl_barrier_init(&done_bar, opt.threads + 1);
	for (t = 0; t < opt.threads; t++) {
		w[t].regions = calloc(opt.iterations, sizeof(*w[t].regions));
		if (!w[t].regions)
			die("calloc");
		wl_thread_start(&w[t].tid, worker_fn, &w[t]);
	}
	reserve_arena();
	wl_thread_start(&toggler, toggler_fn, NULL);

	t0 = wl_now_ns();
	for (it = 0; it < opt.iterations; it++) {
		atomic_store(&layout_wanted, true);
		pthread_mutex_lock(&layout_lock);
		d = setup_regions(w, it);
		pthread_mutex_unlock(&layout_lock);
		atomic_store(&layout_wanted, false);
		if (d < dmin)
			dmin = d;
		wl_barrier_wait(&start_bar);
		wl_barrier_wait(&done_bar);
		free_regions(w, it);
	}
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
		free(w[t].regions);
	}
	atomic_store(&stop, true);
	wl_thread_join(toggler);
	wl_munmap(resv, resv_len);

	printf("workload=mprotect_other threads=%lu iterations=%lu size=%zu "
	       "touched=%lu faults=%lu first_touches=%lu toggler_calls=%lu "
	       "min_distance_mb=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.iterations, opt.size, touched, faults,
	       opt.threads * opt.iterations, toggler_calls,
	       (unsigned long)(dmin / WL_MIB), wl_ms_since(t0));
	free(w);
	return 0;
}
