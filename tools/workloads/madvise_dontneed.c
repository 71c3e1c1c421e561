// SPDX-License-Identifier: GPL-2.0
/*
 * madvise_dontneed - faults racing with MADV_DONTNEED zaps of their PMD.
 *
 * The main thread maps one isolated private anonymous region, 2 MiB
 * aligned and a whole number of 2 MiB chunks (MADV_NOHUGEPAGE), and writes
 * its first page so that the VMA has an anon_vma.  Then, together:
 *
 *  - T faulting threads loop write-touching every page of their own chunks
 *    (chunk c belongs to thread c % T), until told to stop;
 *  - one zapper thread calls madvise(MADV_DONTNEED) on each whole 2 MiB
 *    chunk in turn, --iterations passes over the region, then stops them.
 *    Before zapping a chunk it waits until a faulter has started a new
 *    pass over that chunk since its last zap: the chunk was empty, so the
 *    faulter is faulting inside it when the zap lands.
 *
 * Every zap empties the PTEs of a chunk that a faulter is re-populating,
 * so the faulter's next touches fault again, inside the very PMD range
 * being (or just) invalidated.  MADV_DONTNEED takes mmap_lock for read
 * only and changes no VMA.
 *
 * Designed outcome in spf-shadow: race_pgtable (notifier event UNMAP/CLEAR
 * of the zap) for the rules that check page tables, zero race_vma, zero
 * race_vma_busy, zero race_mm; everything else success.  The faults counted
 * are only the re-faults (a touch of a present page does not fault).
 */
#include "wl_common.h"

#include <sched.h>

#define DEF_THREADS	2UL
#define DEF_ITERATIONS	50UL
#define DEF_SIZE	(8 * WL_MIB)

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	unsigned long iterations;
	size_t size;
	unsigned long delay_us;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.size = DEF_SIZE,
};

static struct wl_region region;
static size_t nchunks;
static atomic_ulong *passes;	/* per chunk: passes started by its faulter */
static pthread_barrier_t start_bar;
static atomic_bool stop;
static unsigned long zaps;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads keep write-touching their 2 MiB chunks of one private\n"
		"anonymous VMA while a zapper thread MADV_DONTNEEDs the same\n"
		"chunks, so pages are zapped and re-faulted.\n"
		"Designed outcome: race_pgtable, no VMA races, no race_mm.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -i, --iterations N       zap passes over the region (default %lu)\n"
		"  -s, --size BYTES         region size, rounded up to 2M, at\n"
		"                           least 2M per thread (default %zuM)\n"
		"  -D, --delay-us N         pause of the zapper after each zap\n"
		"                           (default 0: tight loop)\n",
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
		{ "delay-us", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:i:s:D:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 'i':
			opt.iterations = wl_arg_count("--iterations", optarg,
						      1, 100000000);
			break;
		case 's':
			opt.size = wl_arg_size("--size", optarg, 1);
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
	opt.size = WL_ALIGN_UP(opt.size, WL_PMD_SIZE);
	nchunks = opt.size / WL_PMD_SIZE;
	if (nchunks < opt.threads)
		wl_bad_usage("--size must be at least 2M per thread");
}

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long f0;
	size_t c;

	wl_barrier_wait(&start_bar);
	f0 = wl_thread_faults();
	while (!atomic_load(&stop)) {
		for (c = w->id; c < nchunks; c += opt.threads) {
			atomic_fetch_add(&passes[c], 1);
			w->touched += wl_touch(region.base + c * WL_PMD_SIZE,
					       WL_PMD_SIZE, true);
		}
	}
	w->faults = wl_thread_faults() - f0;
	return NULL;
}

/* Wait until the faulter of chunk c starts a pass after the last zap. */
static void wait_new_pass(size_t c, unsigned long *seen)
{
	unsigned long now;

	while ((now = atomic_load(&passes[c])) == seen[c])
		sched_yield();
	seen[c] = now;
}

static void *zapper_fn(void *arg)
{
	unsigned long it, *seen;
	size_t c;

	(void)arg;
	seen = calloc(nchunks, sizeof(*seen));
	if (!seen)
		die("calloc");
	wl_barrier_wait(&start_bar);
	for (it = 0; it < opt.iterations; it++) {
		for (c = 0; c < nchunks; c++) {
			wait_new_pass(c, seen);
			wl_madvise(region.base + c * WL_PMD_SIZE, WL_PMD_SIZE,
				   MADV_DONTNEED, "MADV_DONTNEED");
			zaps++;
			if (opt.delay_us)
				wl_sleep_us(opt.delay_us);
		}
	}
	atomic_store(&stop, true);
	free(seen);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long t, touched = 0, faults = 0;
	pthread_t zapper;
	struct worker *w;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	passes = calloc(nchunks, sizeof(*passes));
	if (!passes)
		die("calloc");
	for (t = 0; t < nchunks; t++)
		atomic_init(&passes[t], 0);
	wl_map_isolated(&region, opt.size, WL_PMD_SIZE, false);
	wl_touch(region.base, 1, true);
	wl_barrier_init(&start_bar, opt.threads + 1);

	t0 = wl_now_ns();
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&zapper, zapper_fn, NULL);
	wl_thread_join(zapper);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	wl_free_isolated(&region);

	printf("workload=madvise_dontneed threads=%lu iterations=%lu size=%zu "
	       "chunks=%zu touched=%lu faults=%lu zaps=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.iterations, opt.size, nchunks, touched,
	       faults, zaps, wl_ms_since(t0));
	free(passes);
	free(w);
	return 0;
}
