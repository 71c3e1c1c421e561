// SPDX-License-Identifier: GPL-2.0
/*
 * fork_many - fork() of a process with many VMAs while a thread faults.
 *
 * The main thread maps V one-page private anonymous VMAs side by side,
 * alternately PROT_READ|PROT_WRITE and PROT_READ (so that none merges with
 * its neighbours), between PROT_NONE guard pages, and one big private
 * anonymous region, 2 MiB aligned, isolated, with MADV_NOHUGEPAGE, whose
 * first page of every 2 MiB range it writes (anon_vma, PTE tables).  In
 * the measured phase, together:
 *
 *  - one faulting thread write-touches the fresh pages of the big region,
 *    in order, then writes them over and over, while main is in fork(),
 *    until main has forked F times;
 *  - main fork()s, in a loop until the faulter is done, and reaps each
 *    child.  dup_mmap() copies all V + 5 or so VMAs under mmap_lock held
 *    for write (on 6.4+ it write-locks every one of them), and
 *    write-protects the pages already faulted (copy-on-write).
 *
 * The rewrites are what make every fork seen: a page is write-protected
 * by copy_page_range() while dup_mmap() still holds the lock, so the
 * faulter's next write to it faults inside the fork's write cycle (a
 * fresh-page fault lands inside one only when it happens to, the faulter
 * having one fault in flight at a time).  Only while main is in fork():
 * a write while the child lives copies the page, and each copy is a page
 * table invalidation in the log - a flood that a slow fault of main's
 * (its stack, after the fork) saw overflow the log with.  main says so in
 * a shared page: a store to a private one after fork() is a fault of its
 * own, copy-on-write, slow while the faulter copies pages.
 *
 * The child exits at once without touching memory: on x86-64 the fork and
 * the exit_group are one inline system-call sequence, so the child takes
 * no fault and never runs C code (a C child would take a copy-on-write
 * fault on its first store).
 *
 * Designed outcome in spf-shadow: log_overflow 0 (a fork is logged
 * without losing events however many VMAs it copies); race_vma or
 * race_vma_busy with cause fork for dufour and pvl (dup_mmap marks every
 * VMA), race_mm (fork) for lespinasse, and no race of cause fork for seed
 * (fork does not touch its VMA sequence).
 */
#include "wl_common.h"

#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define DEF_VMAS	300UL
#define DEF_SIZE	(16 * WL_MIB)
#define DEF_FORKS	16UL

static struct {
	unsigned long vmas;
	size_t size;
	unsigned long forks;
	bool stop;
} opt = {
	.vmas = DEF_VMAS,
	.size = DEF_SIZE,
	.forks = DEF_FORKS,
};

static struct wl_measure measure;
static struct wl_region big;
static char *small;		/* [guard][V one-page VMAs][guard] */
static size_t small_len;
static atomic_bool faulter_done;
static atomic_bool *forking;	/* in a MAP_SHARED page: no COW fault */
static atomic_ulong forks;
static unsigned long touched, rewrites, faults;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"A process with V VMAs forks in a loop (each child exits at once)\n"
		"while one of its threads write-touches fresh pages, then\n"
		"rewrites them during the forks until F forks are done.\n"
		"Designed outcome: log_overflow 0; fork races for dufour and pvl,\n"
		"none for seed.\n"
		"\n"
		"  -v, --vmas V             one-page VMAs besides the others\n"
		"                           (default %lu)\n"
		"  -s, --size BYTES         the faulted region (default %zuM,\n"
		"                           rounded up to 2M)\n"
		"  -f, --forks F            forks at least (default %lu)\n",
		wl_prog, DEF_VMAS, DEF_SIZE / WL_MIB, DEF_FORKS);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vmas", required_argument, NULL, 'v' },
		{ "size", required_argument, NULL, 's' },
		{ "forks", required_argument, NULL, 'f' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "v:s:f:Sh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			/* well under the default vm.max_map_count */
			opt.vmas = wl_arg_count("--vmas", optarg, 0, 60000);
			break;
		case 's':
			opt.size = wl_arg_size("--size", optarg, 1);
			break;
		case 'f':
			opt.forks = wl_arg_count("--forks", optarg, 1, 100000);
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
}

/*
 * fork(); the child exits with status 0 at once.  Returns the child's pid
 * in the parent, -1 with errno set on failure.
 */
static pid_t fork_exiting_child(void)
{
#ifdef __x86_64__
	/*
	 * The child returns from fork in registers only: rax == 0, then
	 * exit_group(0).  No store, no call: no fault in the child.
	 */
	long ret = SYS_fork;

	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "mov %[exit_group], %%eax\n\t"
		     "xor %%edi, %%edi\n\t"
		     "syscall\n"
		     "1:"
		     : "+a" (ret)
		     : [exit_group] "i" (SYS_exit_group)
		     : "rcx", "r11", "rdi", "memory");
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return (pid_t)ret;
#else
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	return pid;
#endif
}

/* Write one byte of each page of the big region but the range starts. */
static unsigned long write_pass(void)
{
	size_t ps = wl_page_size(), off;
	unsigned long n = 0;

	for (off = 0; off < big.len; off += ps) {
		if (off % WL_PMD_SIZE) {	/* range starts are main's */
			wl_touch_byte(big.base + off, true);
			n++;
		}
	}
	return n;
}

/*
 * Writes per fork(): a few before dup_mmap() begins, the rest meet it.
 * Bounded, for "while main is in fork()" lasts until main runs again,
 * and the child may run first and exit - unmapping its VMAs takes a
 * while - with the pages still shared: each write then copies its page,
 * a page-table invalidation in the log, and a fault of main's that the
 * host kept waiting (its vCPU descheduled) saw more of them than the log
 * holds (64 entries: a fork's own events and 40 copies fit).
 */
#define REWRITES_PER_FORK	40

/*
 * Write the pages in turn, each while main is in fork(), until F forks
 * are done.  Faults only where a fork has write-protected them again.
 */
static void rewrite_during_forks(void)
{
	size_t ps = wl_page_size(), off = 0;
	unsigned long f, seen = ~0UL, budget = 0;

	while ((f = atomic_load(&forks)) < opt.forks) {
		if (f != seen) {
			seen = f;
			budget = REWRITES_PER_FORK;
		}
		if (!budget || !atomic_load(forking))
			continue;
		if (off % WL_PMD_SIZE) {	/* range starts are main's */
			wl_touch_byte(big.base + off, true);
			rewrites++;
			budget--;
		}
		off = (off + ps) % big.len;
	}
}

static void *faulter_fn(void *arg)
{
	unsigned long f0;

	(void)arg;
	wl_measure_worker_ready(&measure);
	while (!atomic_load(&forks))	/* start together */
		sched_yield();
	f0 = wl_thread_faults();
	touched = write_pass();
	rewrite_during_forks();
	faults = wl_thread_faults() - f0;
	atomic_store(&faulter_done, true);
	wl_measure_worker_done(&measure);
	return NULL;
}

static void setup(void)
{
	size_t ps = wl_page_size();
	unsigned long i;
	int prot;

	small_len = (opt.vmas + 2) * ps;
	small = wl_reserve(small_len);
	for (i = 0; i < opt.vmas; i++) {
		prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
		wl_mmap(small + (i + 1) * ps, ps, prot,
			MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	forking = wl_mmap(NULL, ps, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	atomic_store(forking, false);
	wl_map_isolated(&big, opt.size, WL_PMD_SIZE, false);
	wl_touch_stride(big.base, big.len, WL_PMD_SIZE, true);
}

/* The VMAs of this process, from /proc/self/maps. */
static unsigned long count_vmas(void)
{
	unsigned long n = 0;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		die("open /proc/self/maps");
	while (fgets(line, sizeof(line), f))
		if (strchr(line, '\n'))
			n++;
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	unsigned long vmas;
	pthread_t faulter;
	int status;
	pid_t pid;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	setup();
	wl_measure_init(&measure, 1, opt.stop);
	wl_thread_start(&faulter, faulter_fn, NULL);

	wl_measure_main_ready(&measure);
	vmas = count_vmas();
	wl_measure_main_go(&measure);
	while (!atomic_load(&faulter_done)) {
		atomic_store(forking, true);
		pid = fork_exiting_child();
		atomic_store(forking, false);
		if (pid < 0)
			die("fork");
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid(%d)", (int)pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("child %d: wait status 0x%x", (int)pid, status);
		atomic_fetch_add(&forks, 1);
	}
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	wl_thread_join(faulter);
	wl_free_isolated(&big);
	wl_munmap(small, small_len);
	wl_munmap(forking, wl_page_size());

	printf("workload=fork_many vmas=%lu size=%zu forks=%lu touched=%lu "
	       "rewrites=%lu faults=%lu elapsed_ms=%lu\n",
	       vmas, opt.size, atomic_load(&forks), touched, rewrites, faults,
	       wl_measure_ms(&measure));
	return 0;
}
