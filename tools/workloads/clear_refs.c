// SPDX-License-Identifier: GPL-2.0
/*
 * clear_refs - soft-dirty clearing (/proc/self/clear_refs) under faults.
 *
 * Writing "4" to /proc/PID/clear_refs takes mmap_lock for write, clears
 * the VM_SOFTDIRTY flag of every VMA that has it (on 6.4+ write-locking
 * it), and write-protects every PTE for soft-dirty tracking.  A VMA has
 * VM_SOFTDIRTY from its mmap() until the first such clear, so each round
 * works on a fresh region.  In the measured phase, --iterations rounds of:
 *
 *  - main maps one private anonymous region, 2 MiB aligned, isolated
 *    (PROT_NONE guards), with MADV_NOHUGEPAGE, and writes the first page
 *    of every 2 MiB range (anon_vma, PTE tables), while the others wait;
 *  - T faulting threads write-touch the fresh pages of the region, each
 *    its own contiguous slice, in order;
 *  - one clearer thread waits until the faulters are a quarter through,
 *    then writes "4" to /proc/self/clear_refs in a tight loop until they
 *    are done: its first write of the round clears the region's
 *    VM_SOFTDIRTY while they fault;
 *  - main unmaps the region once they all wait again.
 *
 * Before the measured phase main checks that the kernel tracks soft-dirty
 * VMAs ("sd" in /proc/self/smaps VmFlags goes away with a clear).
 *
 * Designed outcome in spf-shadow: race_vma or race_vma_busy with cause
 * clear_refs for dufour (its VMA sequence covers the VM_SOFTDIRTY change)
 * and pvl (6.4+ write-locks the VMA); zero race_vma and race_vma_busy for
 * seed (a flags change is not its business); race_mm for lespinasse.
 */
#include "wl_common.h"

#include <sched.h>

#define DEF_THREADS	2UL
#define DEF_ITERATIONS	20UL
#define DEF_SIZE	(4 * WL_MIB)

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
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.size = DEF_SIZE,
};

static struct wl_measure measure;
static struct wl_region region;	/* this round's */
static pthread_barrier_t start_bar, done_bar;
static atomic_ulong progress;	/* pages touched this round */
static atomic_ulong faulters_left;
static unsigned long clears;
static int clear_refs_fd = -1;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of a fresh VMA per round while\n"
		"a clearer writes \"4\" (clear soft-dirty) to /proc/self/clear_refs\n"
		"in a loop.\n"
		"Designed outcome: race_vma or race_vma_busy (cause clear_refs) for\n"
		"dufour, none for seed.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -i, --iterations N       rounds, one fresh region each (default\n"
		"                           %lu)\n"
		"  -s, --size BYTES         region size (default %zuM, rounded up\n"
		"                           to 2M)\n",
		wl_prog, DEF_THREADS, DEF_ITERATIONS, DEF_SIZE / WL_MIB);
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
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:i:s:Sh", longopts,
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
			opt.size = wl_arg_size("--size", optarg, 1);
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
	if (opt.size / wl_page_size() - opt.size / WL_PMD_SIZE < opt.threads)
		wl_bad_usage("--size must give each thread at least one page");
}

static void clear_soft_dirty(void)
{
	if (write(clear_refs_fd, "4", 1) != 1)
		die("write 4 to /proc/self/clear_refs");
}

/* Does the VMA at addr have VmFlag flag in /proc/self/smaps? */
static bool smaps_vmflag(const void *addr, const char *flag)
{
	char line[512], head[32], want[8];
	bool in = false, has = false;
	FILE *f;

	snprintf(head, sizeof(head), "%lx-", (unsigned long)(uintptr_t)addr);
	snprintf(want, sizeof(want), " %s", flag);
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		die("open /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, head, strlen(head))) {
			in = true;
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			line[strcspn(line, "\n")] = ' ';
			has = strstr(line + 8, want) != NULL;
			break;
		}
	}
	fclose(f);
	return has;
}

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size(), per = WL_PMD_SIZE / ps, p;
	unsigned long it, f0;

	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (it = 0; it < opt.iterations; it++) {
		wl_barrier_wait(&start_bar);
		for (p = w->first; p < w->first + w->npages; p++) {
			if (!(p % per))	/* the first page of a range is main's */
				continue;
			w->touched += wl_touch(region.base + p * ps, ps, true);
			atomic_fetch_add(&progress, 1);
		}
		atomic_fetch_sub(&faulters_left, 1);
		wl_barrier_wait(&done_bar);
	}
	w->faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
}

static void *clearer_fn(void *arg)
{
	size_t quarter = opt.size / wl_page_size() / 4;
	unsigned long it;

	(void)arg;
	wl_measure_worker_ready(&measure);
	for (it = 0; it < opt.iterations; it++) {
		wl_barrier_wait(&start_bar);
		while (atomic_load(&progress) < quarter &&
		       atomic_load(&faulters_left))
			sched_yield();
		while (atomic_load(&faulters_left)) {
			clear_soft_dirty();
			clears++;
		}
		wl_barrier_wait(&done_bar);
	}
	wl_measure_worker_done(&measure);
	return NULL;
}

/* Main alone: a fresh region with VM_SOFTDIRTY, anon_vma, PTE tables. */
static void setup_round(void)
{
	wl_map_isolated(&region, opt.size, WL_PMD_SIZE, false);
	wl_touch_stride(region.base, region.len, WL_PMD_SIZE, true);
	atomic_store(&progress, 0);
	atomic_store(&faulters_left, opt.threads);
}

/* The kernel keeps VM_SOFTDIRTY on a new VMA and a clear removes it. */
static void check_soft_dirty(void)
{
	struct wl_region r;
	bool before, after;

	wl_map_isolated(&r, wl_page_size(), 0, false);
	before = smaps_vmflag(r.base, "sd");
	clear_soft_dirty();
	after = smaps_vmflag(r.base, "sd");
	wl_free_isolated(&r);
	if (!before || after)
		fail("no soft-dirty VMA tracking here (VmFlags sd: %d on a "
		     "new VMA, %d after a clear; CONFIG_MEM_SOFT_DIRTY?)",
		     before, after);
}

/* Split the region's pages into one contiguous slice per thread. */
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
	unsigned long t, it, touched = 0, faults = 0;
	pthread_t clearer;
	struct worker *w;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	assign_slices(w);
	clear_refs_fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (clear_refs_fd < 0)
		die("open /proc/self/clear_refs");
	check_soft_dirty();
	wl_barrier_init(&start_bar, opt.threads + 2);
	wl_barrier_init(&done_bar, opt.threads + 2);
	wl_measure_init(&measure, opt.threads + 1, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&clearer, clearer_fn, NULL);

	wl_measure_main_ready(&measure);
	wl_measure_main_go(&measure);
	for (it = 0; it < opt.iterations; it++) {
		setup_round();
		wl_barrier_wait(&start_bar);
		wl_barrier_wait(&done_bar);
		wl_free_isolated(&region);
	}
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	wl_thread_join(clearer);
	close(clear_refs_fd);

	printf("workload=clear_refs threads=%lu iterations=%lu size=%zu "
	       "touched=%lu faults=%lu clears=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.iterations, opt.size, touched, faults, clears,
	       wl_measure_ms(&measure));
	free(w);
	return 0;
}
