// SPDX-License-Identifier: GPL-2.0
/*
 * pf_bench - page-fault throughput, in the style of will-it-scale's
 * page_fault1: each thread maps anonymous memory, touches every page (one
 * fault each: MADV_NOHUGEPAGE), unmaps it, and again, for a fixed time.
 * With --mmap-thread, one more thread maps and unmaps a small region of
 * its own in a loop: mmap_lock write cycles beside the faults.
 *
 * For the scaling runs, --vmas N first gives the process N more VMAs (one
 * page each, alternating protections so that they do not merge) and
 * --procs N forks N - 1 idle copies that fault a few times each (and are
 * so tracked by a module whose target is the benchmark) and sleep until
 * the benchmark ends.
 *
 * Prints one line: faults per second per faulting thread, and the totals;
 * then the same in time per fault - elapsed, and the CPU time of the
 * faulting threads alone (with --mmap-thread they share the CPUs with the
 * mapper) - and the mapper's CPU time per mmap/munmap cycle.  Under
 * "qemu -icount shift=0" (scripts/vm-run --icount) a guest nanosecond is
 * an instruction: those are instruction counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static unsigned long size = 8UL << 20;
static unsigned int threads = 1;
static unsigned int duration_ms = 2000;
static bool mmap_thread;
static unsigned long extra_vmas;
static unsigned int procs = 1;
static const char *ctl_fifo;
static bool sync_marks;
static atomic_bool stop;
static long page_size;

struct worker {
	pthread_t thread;
	unsigned long faults;
	double cpu;	/* the thread's CPU time (s) */
};

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "pf_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* The calling thread's CPU time: user, system and interrupts it took. */
static double thread_cpu(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

static void *faulter(void *arg)
{
	struct worker *w = arg;
	double cpu0 = thread_cpu();
	unsigned long off;
	char *p;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		/* EINVAL: a kernel without THP (PREEMPT_RT). */
		if (madvise(p, size, MADV_NOHUGEPAGE) && errno != EINVAL)
			die("madvise");
		for (off = 0; off < size; off += page_size)
			p[off] = 1;
		if (munmap(p, size))
			die("munmap");
		w->faults += size / page_size;
	}
	w->cpu = thread_cpu() - cpu0;
	return NULL;
}

/* mmap_lock write cycles on a region no faulter uses. */
static void *mapper(void *arg)
{
	struct worker *m = arg;
	double cpu0 = thread_cpu();
	void *p;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		p = mmap(NULL, 16 * page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		if (munmap(p, 16 * page_size))
			die("munmap");
		m->faults++;	/* cycles, not faults */
	}
	m->cpu = thread_cpu() - cpu0;
	return NULL;
}

/* N more VMAs: N pages, every other one read-only. */
static void add_vmas(unsigned long n)
{
	unsigned long i;
	char *p;

	p = mmap(NULL, n * page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap (--vmas; see vm.max_map_count)");
	for (i = 1; i < n; i += 2)
		if (mprotect(p + i * page_size, page_size, PROT_READ))
			die("mprotect (--vmas; see vm.max_map_count)");
}

static unsigned long count_vmas(void)
{
	unsigned long n = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/*
 * N - 1 idle processes: each faults a few times, reports it through @ready and
 * blocks reading @release until the benchmark closes it (or dies).
 */
static void fork_idle(unsigned int n, int *release_w)
{
	int ready[2], release[2];
	unsigned int i, j;
	char c;

	if (pipe(ready) || pipe(release))
		die("pipe");
	for (i = 1; i < n; i++) {
		switch (fork()) {
		case -1:
			die("fork");
		case 0: {
			char *p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			close(release[1]);
			if (p == MAP_FAILED)
				_exit(1);
			/*
			 * A few faults over a while: a module tracks a new
			 * process from a worker, asked at one of its faults.
			 */
			for (j = 0; j < 10; j++) {
				p[0] = 1;
				usleep(20000);
				madvise(p, page_size, MADV_DONTNEED);
			}
			p[0] = 1;
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			while (read(release[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		}
	}
	close(ready[1]);
	close(release[0]);
	for (i = 1; i < n; i++)
		if (read(ready[0], &c, 1) != 1)
			die("an idle process failed");
	close(ready[0]);
	*release_w = release[1];
}

/*
 * Tell a "perf record -D -1 --control fifo:PATH" that the measured phase
 * starts or ends, so that its samples leave out the setup (thousands of
 * VMAs made, processes forked) and the teardown.
 */
static void perf_ctl(int fd, const char *cmd)
{
	if (fd >= 0 && write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		die("write to the perf control fifo");
}

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: pf_bench [-t THREADS] [-s SIZE_MB] [-d DURATION_MS] [--mmap-thread]\n"
		"Page-fault throughput (page_fault1 style).\n"
		"  -t, --threads N      faulting threads (default 1)\n"
		"  -s, --size MB        region per thread and pass (default 8)\n"
		"  -d, --duration-ms N  run time (default 2000)\n"
		"  -m, --mmap-thread    add a thread doing mmap/munmap\n"
		"  -v, --vmas N         give the process N more VMAs first\n"
		"  -p, --procs N        N processes: N - 1 idle ones that fault once\n"
		"  -c, --ctl-fifo PATH  write enable/disable around the measured phase\n"
		"                       to perf record's --control fifo\n"
		"  -S, --sync-marks     call sync(2) before the faulting threads start\n"
		"                       and after they end (tools/bench/insn-profile)\n"
		"  -h, --help           this help\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "mmap-thread", no_argument, NULL, 'm' },
		{ "vmas", required_argument, NULL, 'v' },
		{ "procs", required_argument, NULL, 'p' },
		{ "ctl-fifo", required_argument, NULL, 'c' },
		{ "sync-marks", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct worker *w, mt = { 0 };
	unsigned long total = 0;
	double t0, t, cpu = 0;
	unsigned int i;
	int c, release = -1, ctl = -1;

	while ((c = getopt_long(argc, argv, "t:s:d:mv:p:c:Sh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'd':
			duration_ms = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			mmap_thread = true;
			break;
		case 'v':
			extra_vmas = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			procs = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			ctl_fifo = optarg;
			break;
		case 'S':
			sync_marks = true;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (!threads || threads > 1024 || !size || !duration_ms ||
	    !procs || procs > 100000 || extra_vmas > 10000000)
		usage(stderr, 2);
	page_size = sysconf(_SC_PAGESIZE);
	if (procs > 1)
		fork_idle(procs, &release);
	if (extra_vmas)
		add_vmas(extra_vmas);
	w = calloc(threads, sizeof(*w));
	if (!w)
		die("calloc");
	if (ctl_fifo) {
		ctl = open(ctl_fifo, O_WRONLY);
		if (ctl < 0)
			die(ctl_fifo);
	}

	/*
	 * insn-profile's plugin counts between two sync() calls: every fault
	 * counted below, none of the setup (VMAs made, processes forked).
	 */
	if (sync_marks)
		sync();
	perf_ctl(ctl, "enable\n");
	t0 = now();
	for (i = 0; i < threads; i++)
		if (pthread_create(&w[i].thread, NULL, faulter, &w[i]))
			die("pthread_create");
	if (mmap_thread && pthread_create(&mt.thread, NULL, mapper, &mt))
		die("pthread_create");
	usleep(duration_ms * 1000UL);
	perf_ctl(ctl, "disable\n");
	atomic_store(&stop, true);
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].faults;
		cpu += w[i].cpu;
	}
	if (mmap_thread)
		pthread_join(mt.thread, NULL);
	t = now() - t0;
	if (sync_marks)
		sync();
	if (!total)
		total = 1;	/* no division by zero on a guest too slow */
	printf("faults_per_sec_per_thread=%.0f faults=%lu threads=%u seconds=%.3f mmap_cycles=%lu vmas=%lu procs=%u ns_per_fault=%.1f cpu_ns_per_fault=%.1f mapper_ns_per_cycle=%.1f\n",
	       total / t / threads, total, threads, t, mt.faults, count_vmas(),
	       procs, t * 1e9 * threads / total, cpu * 1e9 / total,
	       mt.faults ? mt.cpu * 1e9 / mt.faults : 0);
	if (release >= 0)
		close(release);	/* the idle processes exit */
	return 0;
}
