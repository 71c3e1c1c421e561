// SPDX-License-Identifier: GPL-2.0
/*
 * interleave - anonymous faults under a process-wide MPOL_INTERLEAVE.
 *
 * The main thread sets its task memory policy to MPOL_INTERLEAVE over
 * every node it may allocate on (what `numactl --interleave=all` does; a
 * single node is fine), before it creates any thread: the threads inherit
 * the policy, and each checks it has it.  It then maps one private
 * anonymous region, 2 MiB aligned, isolated (PROT_NONE guards), with
 * MADV_NOHUGEPAGE and no VMA policy, and writes the first page of every
 * 2 MiB range: the VMA gets its anon_vma and every range its PTE table.
 * In the measured phase the T worker threads write-touch the other pages,
 * each its own contiguous slice, in order.  Nothing changes a VMA.
 *
 * Designed outcome in spf-shadow: exactly touched faults in the measured
 * phase (-S/--stop brackets it); for dufour every one is
 * ineligible.mempolicy (its check falls back to the task's policy when the
 * VMA has none, and gives up on MPOL_INTERLEAVE); seed, lespinasse and pvl
 * (no mempolicy check) succeed on every one.
 */
#include "wl_common.h"

#include <linux/mempolicy.h>
#include <sys/syscall.h>

#define DEF_THREADS	2UL
#define DEF_SIZE	(8 * WL_MIB)
#define NODE_BITS	1024

struct worker {
	pthread_t tid;
	unsigned int id;
	size_t first, npages;	/* slice, in pages from the region start */
	unsigned long touched;
	unsigned long faults;
};

static struct {
	unsigned long threads;
	size_t size;
	bool stop;
} opt = {
	.threads = DEF_THREADS,
	.size = DEF_SIZE,
};

static struct wl_region region;
static struct wl_measure measure;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of one private anonymous VMA\n"
		"under a task memory policy of MPOL_INTERLEAVE on all nodes.\n"
		"Designed outcome: dufour ineligible.mempolicy for every fault;\n"
		"seed, lespinasse and pvl success.\n"
		"\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -s, --size BYTES         region size (default %zuM, rounded up\n"
		"                           to 2M)\n",
		wl_prog, DEF_THREADS, DEF_SIZE / WL_MIB);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:s:Sh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
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

/* The calling thread's policy mode. */
static int task_policy(void)
{
	int mode;

	if (syscall(SYS_get_mempolicy, &mode, NULL, 0UL, NULL, 0UL))
		die("get_mempolicy");
	return mode;
}

/* Interleave over the nodes allowed; returns how many there are. */
static unsigned int set_interleave(void)
{
	unsigned long mask[NODE_BITS / (8 * sizeof(unsigned long))] = { 0 };
	unsigned int nodes = 0;
	size_t i;

	/* maxnode is one more than the bits: the kernel drops the last. */
	if (syscall(SYS_get_mempolicy, NULL, mask, NODE_BITS + 1UL, NULL,
		    (unsigned long)MPOL_F_MEMS_ALLOWED))
		die("get_mempolicy(MPOL_F_MEMS_ALLOWED)");
	for (i = 0; i < WL_ARRAY_SIZE(mask); i++)
		nodes += (unsigned int)__builtin_popcountl(mask[i]);
	if (!nodes)
		fail("no memory node allowed");
	if (syscall(SYS_set_mempolicy, MPOL_INTERLEAVE, mask, NODE_BITS + 1UL))
		die("set_mempolicy(MPOL_INTERLEAVE)");
	return nodes;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	size_t ps = wl_page_size(), per = WL_PMD_SIZE / ps, p;
	unsigned long f0;

	if (task_policy() != MPOL_INTERLEAVE)
		fail("thread %u did not inherit MPOL_INTERLEAVE", w->id);
	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (p = w->first; p < w->first + w->npages; p++) {
		if (p % per)	/* the first page of a range is main's */
			w->touched += wl_touch(region.base + p * ps, ps, true);
	}
	w->faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
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
	unsigned long t, touched = 0, faults = 0;
	unsigned int nodes;
	struct worker *w;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	assign_slices(w);
	nodes = set_interleave();
	wl_map_isolated(&region, opt.size, WL_PMD_SIZE, false);
	wl_touch_stride(region.base, region.len, WL_PMD_SIZE, true);
	wl_measure_init(&measure, opt.threads, opt.stop);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, worker_fn, &w[t]);
	}

	wl_measure_main_ready(&measure);
	wl_measure_main_go(&measure);
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	for (t = 0; t < opt.threads; t++) {
		wl_thread_join(w[t].tid);
		touched += w[t].touched;
		faults += w[t].faults;
	}
	wl_free_isolated(&region);

	printf("workload=interleave threads=%lu size=%zu nodes=%u touched=%lu "
	       "faults=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.size, nodes, touched, faults,
	       wl_measure_ms(&measure));
	free(w);
	return 0;
}
