// SPDX-License-Identifier: GPL-2.0
/*
 * policy_churn - VMA policy or flag changes under the faults of the VMA.
 *
 * The main thread maps one private anonymous region, 2 MiB aligned,
 * isolated (PROT_NONE guards, so that it stays one VMA whatever its policy
 * or flags), with MADV_NOHUGEPAGE, and writes the first page of every
 * 2 MiB range (anon_vma, PTE tables).  In the measured phase, together:
 *
 *  - T faulting threads write-touch the fresh pages of the region, each
 *    its own contiguous slice, in order, once the churner has begun;
 *  - one churner thread, in a tight loop until they are done:
 *    --mode mbind: mbind()s the whole region MPOL_BIND (to the first node
 *       allowed) and back to MPOL_DEFAULT: vma_replace_policy() under
 *       mmap_lock held for write (6.4+ write-locks the VMA), no split;
 *    --mode ksm: prctl(PR_SET_MEMORY_MERGE, 1) and 0 (6.4+): VM_MERGEABLE
 *       set on and cleared from every VMA of the process under mmap_lock
 *       held for write (write-locking each).  Exit status 3 if the kernel
 *       has no PR_SET_MEMORY_MERGE.
 *
 * The VMA keeps its bounds; MPOL_BIND is not MPOL_INTERLEAVE, so dufour's
 * mempolicy check lets the faults through.
 *
 * Designed outcome in spf-shadow: race_vma or race_vma_busy with cause
 * mbind (--mode mbind) or prctl (--mode ksm) for dufour and pvl; zero
 * race_vma and race_vma_busy for seed (policy and flags are not its
 * business); race_mm for lespinasse.
 */
#include "wl_common.h"

#include <linux/mempolicy.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE	67
#define PR_GET_MEMORY_MERGE	68
#endif

#define DEF_THREADS	2UL
#define DEF_SIZE	(8 * WL_MIB)
#define NODE_BITS	1024
#define EXIT_UNSUPPORTED	3

enum churn_mode { MODE_MBIND, MODE_KSM };

struct worker {
	pthread_t tid;
	unsigned int id;
	size_t first, npages;	/* slice, in pages from the region start */
	unsigned long touched;
	unsigned long faults;
};

static struct {
	enum churn_mode mode;
	unsigned long threads;
	size_t size;
	bool stop;
} opt = {
	.mode = MODE_MBIND,
	.threads = DEF_THREADS,
	.size = DEF_SIZE,
};

static struct wl_measure measure;
static struct wl_region region;
static unsigned long node_mask[NODE_BITS / (8 * sizeof(unsigned long))];
static atomic_ulong faulters_left;
static atomic_ulong churns;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Threads write-touch fresh pages of one VMA while a churner\n"
		"toggles its memory policy (mbind) or the process's KSM merging\n"
		"(prctl PR_SET_MEMORY_MERGE) in a loop.\n"
		"Designed outcome: race_vma or race_vma_busy (cause mbind or\n"
		"prctl) for dufour and pvl, none for seed.\n"
		"\n"
		"  -m, --mode MODE          mbind (default) or ksm (6.4+)\n"
		"  -t, --threads N          faulting threads (default %lu)\n"
		"  -s, --size BYTES         region size (default %zuM, rounded up\n"
		"                           to 2M)\n",
		wl_prog, DEF_THREADS, DEF_SIZE / WL_MIB);
	wl_usage_stop(out);
	wl_usage_common(out);
	fprintf(out, "Exit status 3: --mode ksm on a kernel without\n"
		"PR_SET_MEMORY_MERGE.\n");
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "m:t:s:Sh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "mbind"))
				opt.mode = MODE_MBIND;
			else if (!strcmp(optarg, "ksm"))
				opt.mode = MODE_KSM;
			else
				wl_bad_usage("unknown mode '%s'", optarg);
			break;
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

/* node_mask = the first node this process may allocate on. */
static void first_allowed_node(void)
{
	unsigned long allowed[WL_ARRAY_SIZE(node_mask)] = { 0 };
	size_t i;

	/* maxnode is one more than the bits: the kernel drops the last. */
	if (syscall(SYS_get_mempolicy, NULL, allowed, NODE_BITS + 1UL, NULL,
		    (unsigned long)MPOL_F_MEMS_ALLOWED))
		die("get_mempolicy(MPOL_F_MEMS_ALLOWED)");
	for (i = 0; i < WL_ARRAY_SIZE(allowed); i++) {
		if (allowed[i]) {
			node_mask[i] = allowed[i] & -allowed[i];
			return;
		}
	}
	fail("no memory node allowed");
}

static void mbind_region(int mode)
{
	bool bind = mode == MPOL_BIND;

	if (syscall(SYS_mbind, region.base, region.len, mode,
		    bind ? node_mask : NULL, bind ? NODE_BITS + 1UL : 0UL,
		    0U))
		die("mbind(%s)", bind ? "MPOL_BIND" : "MPOL_DEFAULT");
}

static void memory_merge(unsigned long on)
{
	if (prctl(PR_SET_MEMORY_MERGE, on, 0, 0, 0))
		die("prctl(PR_SET_MEMORY_MERGE, %lu)", on);
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
			w->touched += wl_touch(region.base + p * ps, ps, true);
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
		if (opt.mode == MODE_MBIND) {
			mbind_region(MPOL_BIND);
			mbind_region(MPOL_DEFAULT);
		} else {
			memory_merge(1);
			memory_merge(0);
		}
		atomic_fetch_add(&churns, 2);
	}
	wl_measure_worker_done(&measure);
	return NULL;
}

/* --mode ksm on a kernel without PR_SET_MEMORY_MERGE: say so, exit 3. */
static void check_ksm(void)
{
	int ret = prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0);

	if (ret >= 0)
		return;
	if (errno != EINVAL)
		die("prctl(PR_GET_MEMORY_MERGE)");
	fflush(stdout);
	fprintf(stderr, "%s: prctl(PR_GET_MEMORY_MERGE): %s: this kernel "
		"has no PR_SET_MEMORY_MERGE (6.4+ with CONFIG_KSM)\n",
		wl_prog, strerror(errno));
	exit(EXIT_UNSUPPORTED);
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
	pthread_t churner;
	struct worker *w;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	if (opt.mode == MODE_KSM)
		check_ksm();
	else
		first_allowed_node();
	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	assign_slices(w);
	wl_map_isolated(&region, opt.size, WL_PMD_SIZE, false);
	wl_touch_stride(region.base, region.len, WL_PMD_SIZE, true);
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
	wl_free_isolated(&region);

	printf("workload=policy_churn mode=%s threads=%lu size=%zu touched=%lu "
	       "faults=%lu churns=%lu elapsed_ms=%lu\n",
	       opt.mode == MODE_MBIND ? "mbind" : "ksm", opt.threads,
	       opt.size, touched, faults, atomic_load(&churns),
	       wl_measure_ms(&measure));
	free(w);
	return 0;
}
