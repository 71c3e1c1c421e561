/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the spf-shadow synthetic workloads.
 *
 * Everything here is static inline so that each workload is one C file
 * plus this header, built with
 *
 *	gcc -O2 -g -Wall -Wextra -Werror -pthread -o NAME NAME.c
 *
 * Conventions used by every workload:
 *  - failures of system calls end the program with die() (exit 1) and a
 *    message naming the call and errno; bad command lines print the usage
 *    on stderr and exit 2; --help prints it on stdout and exits 0;
 *  - every anonymous mapping that is meant to take 4 KiB faults gets
 *    MADV_NOHUGEPAGE before it is touched (Debian defaults THP to always);
 *  - the last line on stdout is a key=value summary.  "touched" counts the
 *    page touches of the faulting threads (faults attempted), "faults" the
 *    minor+major faults those threads took (getrusage(RUSAGE_THREAD));
 *  - workloads with a measured phase (struct wl_measure) take -S/--stop:
 *    the process stops itself (SIGSTOP) just before and just after that
 *    phase, so that a test can reset and read spf-shadow's counters around
 *    exactly the faults the workload designed; their text and libraries
 *    are mapped in before it (wl_populate_text()).
 */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define WL_KIB		(1024UL)
#define WL_MIB		(1024UL * 1024)
#define WL_GIB		(1024UL * 1024 * 1024)
#define WL_PMD_SIZE	(2 * WL_MIB)
#define WL_PUD_SIZE	WL_GIB
#define WL_MAX_THREADS	1024

#define WL_ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#define WL_ALIGN_UP(x, a)	(((x) + (a) - 1) / (a) * (a))
#define WL_ALIGN_DOWN(x, a)	((x) / (a) * (a))

typedef void (*wl_usage_fn)(FILE *out, int status);

static const char *wl_prog = "workload";
static wl_usage_fn wl_usage;

/* Record the program name (for messages) and its usage printer. */
static inline void wl_init(const char *argv0, wl_usage_fn usage)
{
	const char *slash = strrchr(argv0, '/');

	wl_prog = slash ? slash + 1 : argv0;
	wl_usage = usage;
}

/* A system call failed: say which and why (errno), exit 1. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", wl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

/* Something other than a system call went wrong: say what, exit 1. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", wl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Bad command line: one line saying why, then the usage on stderr, exit 2. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
wl_bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", wl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (wl_usage)
		wl_usage(stderr, 2);
	exit(2);
}

/* The usage footer shared by all workloads. */
static inline void wl_usage_common(FILE *out)
{
	fprintf(out,
		"  -h, --help               show this help and exit\n"
		"\nSizes accept a K, M or G suffix (powers of 1024).\n"
		"The last line of output is a key=value summary.\n");
}

/* Parse a decimal count; false if it is not one or does not fit. */
static inline bool wl_parse_ulong(const char *s, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Parse "4096", "64K", "2M", "1G" (also "64k", "2MB", "2MiB"). */
static inline bool wl_parse_size(const char *s, size_t *out)
{
	unsigned long v, mult = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno)
		return false;
	switch (*end) {
	case 'k': case 'K':
		mult = WL_KIB;
		end++;
		break;
	case 'm': case 'M':
		mult = WL_MIB;
		end++;
		break;
	case 'g': case 'G':
		mult = WL_GIB;
		end++;
		break;
	}
	if (mult != 1 && *end == 'i')
		end++;
	if (mult != 1 && (*end == 'B' || *end == 'b'))
		end++;
	if (*end)
		return false;
	if (v > SIZE_MAX / mult)
		return false;
	*out = v * mult;
	return true;
}

/* Option value helpers: on a bad value, usage on stderr and exit 2. */
static inline unsigned long wl_arg_count(const char *opt, const char *arg,
					 unsigned long min, unsigned long max)
{
	unsigned long v;

	if (!wl_parse_ulong(arg, &v) || v < min || v > max)
		wl_bad_usage("%s wants a number from %lu to %lu, not '%s'",
			     opt, min, max, arg);
	return v;
}

static inline size_t wl_arg_size(const char *opt, const char *arg,
				 size_t min)
{
	size_t v;

	if (!wl_parse_size(arg, &v) || v < min)
		wl_bad_usage("%s wants a size of at least %zu bytes, not '%s'",
			     opt, min, arg);
	return v;
}

/* Reject leftover operands after getopt_long. */
static inline void wl_no_operands(int argc, char **argv)
{
	if (optind < argc)
		wl_bad_usage("unexpected argument '%s'", argv[optind]);
}

static inline size_t wl_page_size(void)
{
	static size_t ps;

	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);

		ps = v > 0 ? (size_t)v : 4096;
	}
	return ps;
}

/* Round a byte count up to whole pages, at least min_pages of them. */
static inline size_t wl_pages_up(size_t len, size_t min_pages)
{
	size_t ps = wl_page_size();

	len = WL_ALIGN_UP(len, ps);
	if (len < min_pages * ps)
		len = min_pages * ps;
	return len;
}

static inline uint64_t wl_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline unsigned long wl_ms_since(uint64_t start_ns)
{
	return (unsigned long)((wl_now_ns() - start_ns) / 1000000ULL);
}

static inline void wl_sleep_us(unsigned long us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000UL),
		.tv_nsec = (long)(us % 1000000UL) * 1000L,
	};

	while (nanosleep(&ts, &ts))
		if (errno != EINTR)
			die("nanosleep");
}

/* Faults (minor + major) taken so far by the calling thread. */
static inline unsigned long wl_thread_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		die("getrusage(RUSAGE_THREAD)");
	return (unsigned long)(ru.ru_minflt + ru.ru_majflt);
}

/*
 * One store (of 1) or one load at p that the compiler may neither drop nor
 * merge with another: the access that faults, like WRITE_ONCE/READ_ONCE.
 */
static inline void wl_touch_byte(char *p, bool write)
{
	if (write)
		__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	else
		(void)__atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * Touch one byte every stride bytes of [addr, addr + len), in ascending
 * order: a store if write, else a load.  Returns the number of touches.
 */
static inline size_t wl_touch_stride(void *addr, size_t len, size_t stride,
				     bool write)
{
	char *p = addr;
	size_t off, n = 0;

	for (off = 0; off < len; off += stride, n++)
		wl_touch_byte(p + off, write);
	return n;
}

/* Touch every page of [addr, addr + len); returns the pages touched. */
static inline size_t wl_touch(void *addr, size_t len, bool write)
{
	return wl_touch_stride(addr, len, wl_page_size(), write);
}

/* madvise() that dies on failure. */
static inline void wl_madvise(void *addr, size_t len, int advice,
			      const char *what)
{
	if (madvise(addr, len, advice))
		die("madvise(%p, %zu, %s)", addr, len, what);
}

/*
 * No huge pages here.  A kernel without THP (PREEMPT_RT ones) refuses the
 * advice with EINVAL: there is nothing to turn off.
 */
static inline void wl_nohuge(void *addr, size_t len)
{
	if (madvise(addr, len, MADV_NOHUGEPAGE) && errno != EINVAL)
		die("madvise(%p, %zu, MADV_NOHUGEPAGE)", addr, len);
}

/* mmap() that dies on failure; flags get MAP_PRIVATE unless MAP_SHARED. */
static inline void *wl_mmap(void *addr, size_t len, int prot, int flags,
			    int fd, off_t off)
{
	void *p;

	if (!(flags & MAP_SHARED))
		flags |= MAP_PRIVATE;
	p = mmap(addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		die("mmap(%p, %zu, prot 0x%x, flags 0x%x)", addr, len, prot,
		    flags);
	return p;
}

static inline void wl_munmap(void *addr, size_t len)
{
	if (munmap(addr, len))
		die("munmap(%p, %zu)", addr, len);
}

static inline void wl_mprotect(void *addr, size_t len, int prot)
{
	if (mprotect(addr, len, prot))
		die("mprotect(%p, %zu, 0x%x)", addr, len, prot);
}

/* Reserve address space: PROT_NONE, no memory committed. */
static inline void *wl_reserve(size_t len)
{
	return wl_mmap(NULL, len, PROT_NONE,
		       MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

/*
 * An isolated private anonymous read-write VMA of len bytes (whole pages)
 * whose start is aligned to align (a power of two, at least a page): it
 * sits inside a PROT_NONE reservation with at least one PROT_NONE page on
 * each side, so it can never merge with a neighbour.  MADV_NOHUGEPAGE is
 * applied unless huge is true.  Free it with wl_free_isolated().
 */
struct wl_region {
	char *base;		/* the read-write VMA */
	size_t len;
	char *resv;		/* the whole reservation */
	size_t resv_len;
};

static inline void wl_map_isolated(struct wl_region *r, size_t len,
				   size_t align, bool huge)
{
	size_t ps = wl_page_size();
	uintptr_t start;

	if (align < ps)
		align = ps;
	r->len = WL_ALIGN_UP(len, ps);
	r->resv_len = r->len + align + 2 * ps;
	r->resv = wl_reserve(r->resv_len);
	start = WL_ALIGN_UP((uintptr_t)r->resv + ps, align);
	r->base = wl_mmap((void *)start, r->len, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (!huge)
		wl_nohuge(r->base, r->len);
}

static inline void wl_free_isolated(struct wl_region *r)
{
	wl_munmap(r->resv, r->resv_len);
	r->base = NULL;
	r->resv = NULL;
}

#define WL_STACK_SIZE	(256 * WL_KIB)

/*
 * pthread wrappers that die on failure.  Each thread runs on a stack that
 * is populated before it starts: creating a thread then neither maps
 * (an mmap_lock write cycle) nor faults while the other threads fault,
 * so a workload's faults are only the ones it means to take.
 */
static inline void wl_thread_start(pthread_t *t, void *(*fn)(void *),
				   void *arg)
{
	pthread_attr_t attr;
	void *stack;
	int ret;

	stack = mmap(NULL, WL_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (stack == MAP_FAILED)
		die("mmap thread stack");
	ret = pthread_attr_init(&attr);
	if (!ret)
		ret = pthread_attr_setstack(&attr, stack, WL_STACK_SIZE);
	if (!ret)
		ret = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (ret) {
		errno = ret;
		die("pthread_create");
	}
}

static inline void wl_thread_join(pthread_t t)
{
	int ret = pthread_join(t, NULL);

	if (ret) {
		errno = ret;
		die("pthread_join");
	}
}

/*
 * Start barrier: every participant (worker threads and main) calls
 * wl_barrier_wait(); nobody passes until all have arrived.
 */
static inline void wl_barrier_init(pthread_barrier_t *b, unsigned int n)
{
	int ret = pthread_barrier_init(b, NULL, n);

	if (ret) {
		errno = ret;
		die("pthread_barrier_init(%u)", n);
	}
}

static inline void wl_barrier_wait(pthread_barrier_t *b)
{
	int ret = pthread_barrier_wait(b);

	if (ret && ret != PTHREAD_BARRIER_SERIAL_THREAD) {
		errno = ret;
		die("pthread_barrier_wait");
	}
}

/*
 * The measured phase of a workload.  The threads that take part in it call
 * wl_measure_worker_ready() once their start-up is over (their own first
 * faults in libc, TLS and stack are done) and wl_measure_worker_done()
 * when their work is; they leave it only when main lets them, so that
 * their exit is outside the phase too.  Main brackets the phase:
 *
 *	wl_measure_main_ready()		every worker is parked and ready
 *	wl_measure_main_go()		(--stop: SIGSTOP) the workers start
 *	wl_measure_main_done()		every worker is done (--stop: SIGSTOP)
 *	wl_measure_main_release()	the workers may return
 *
 * Between main_ready() and main_go(), and between main_done() and
 * main_release(), no thread faults: main may read /proc/self files then.
 * With --stop the process stops itself at go and at done: a test resets
 * the counters at the first stop and reads them at the second (SIGCONT
 * resumes it), so they count the faults of the phase and nothing else.
 */
struct wl_measure {
	pthread_barrier_t ready, go, done, release;
	bool stop;
	uint64_t t_go, t_done;	/* the phase, stops left out */
};

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22	/* Linux 5.14 */
#endif

/*
 * Map every page of the program's text and its libraries' now: fault-around
 * maps only the file pages already in the page cache when a text fault
 * comes, so a page still being read then (the guests' 9p root, a loaded
 * host) is faulted again when the code on it first runs - once in a
 * measured phase, a file fault no design asked for.  Kernels before 5.14
 * have no MADV_POPULATE_READ: nothing done there.
 */
static inline void wl_populate_text(void)
{
	unsigned long start, end;
	char perms[5], path[PATH_MAX];
	char line[PATH_MAX + 128];
	FILE *maps;

	maps = fopen("/proc/self/maps", "r");
	if (!maps)
		die("fopen(/proc/self/maps)");
	while (fgets(line, sizeof(line), maps)) {
		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %s",
			   &start, &end, perms, path) < 3)
			continue;
		if (path[0] != '/' || perms[0] != 'r' || perms[2] != 'x')
			continue;
		if (madvise((void *)start, end - start, MADV_POPULATE_READ) &&
		    errno != EINVAL)
			die("madvise(%s, MADV_POPULATE_READ)", path);
	}
	fclose(maps);
}

static inline void wl_measure_init(struct wl_measure *m,
				   unsigned int workers, bool stop)
{
	wl_populate_text();
	/* The first clock_gettime() faults in the vDSO: not in the phase. */
	m->t_go = m->t_done = wl_now_ns();
	wl_barrier_init(&m->ready, workers + 1);
	wl_barrier_init(&m->go, workers + 1);
	wl_barrier_init(&m->done, workers + 1);
	wl_barrier_init(&m->release, workers + 1);
	m->stop = stop;
}

/* Stop the whole process (every thread) until a SIGCONT, if asked to. */
static inline void wl_stop_point(bool stop)
{
	if (stop && kill(getpid(), SIGSTOP))
		die("kill(SIGSTOP)");
}

static inline void wl_measure_worker_ready(struct wl_measure *m)
{
	wl_barrier_wait(&m->ready);
	wl_barrier_wait(&m->go);
}

static inline void wl_measure_worker_done(struct wl_measure *m)
{
	wl_barrier_wait(&m->done);
	wl_barrier_wait(&m->release);
}

static inline void wl_measure_main_ready(struct wl_measure *m)
{
	wl_barrier_wait(&m->ready);
}

static inline void wl_measure_main_go(struct wl_measure *m)
{
	wl_stop_point(m->stop);
	m->t_go = wl_now_ns();
	wl_barrier_wait(&m->go);
}

static inline void wl_measure_main_done(struct wl_measure *m)
{
	wl_barrier_wait(&m->done);
	m->t_done = wl_now_ns();
	wl_stop_point(m->stop);
}

/* How long the measured phase took, in ms. */
static inline unsigned long wl_measure_ms(const struct wl_measure *m)
{
	return (unsigned long)((m->t_done - m->t_go) / 1000000ULL);
}

static inline void wl_measure_main_release(struct wl_measure *m)
{
	wl_barrier_wait(&m->release);
}

/* The usage line of -S/--stop. */
static inline void wl_usage_stop(FILE *out)
{
	fprintf(out,
		"  -S, --stop               stop (SIGSTOP) just before and just\n"
		"                           after the measured phase\n");
}

/*
 * The value of a "Key:  N kB" line of /proc/self/status (key given
 * without the colon), e.g. VmPTE; -1 if there is no such line.  Read with
 * open/read into a static buffer, no stdio.
 */
static inline long wl_status_kb(const char *key)
{
	static char buf[8192];
	size_t klen = strlen(key), n = 0;
	char *p, *nl;
	ssize_t r;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /proc/self/status");
	while (n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read /proc/self/status");
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	for (p = buf; *p; p = nl + 1) {
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return strtol(p + klen + 1, NULL, 10);
		nl = strchr(p, '\n');
		if (!nl)
			break;
	}
	return -1;
}

/*
 * The bounds of the VMA that contains addr, from /proc/self/maps; false if
 * no VMA contains it.
 */
static inline bool wl_vma_bounds(const void *addr, uintptr_t *start,
				 uintptr_t *end)
{
	uintptr_t a = (uintptr_t)addr;
	unsigned long s, e;
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (!f)
		die("open /proc/self/maps");
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s <= a && a < e) {
			*start = s;
			*end = e;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * As wl_map_isolated(len, WL_PMD_SIZE, false), and the VMA also lies in
 * one naturally aligned 1 GiB range, i.e. under one PMD table: once one of
 * its pages has been touched, a first touch anywhere in it allocates one
 * page-table page, the PTE table of its 2 MiB range, and nothing more.
 * len is at most 1 GiB.
 */
static inline void wl_map_isolated_pud(struct wl_region *r, size_t len)
{
	size_t ps = wl_page_size();
	uintptr_t start;

	r->len = WL_ALIGN_UP(len, ps);
	if (r->len > WL_PUD_SIZE)
		fail("a region of %zu bytes does not fit in 1 GiB", r->len);
	r->resv_len = r->len + WL_PUD_SIZE + 2 * ps;
	r->resv = wl_reserve(r->resv_len);
	start = WL_ALIGN_UP((uintptr_t)r->resv + ps, WL_PMD_SIZE);
	if (start / WL_PUD_SIZE != (start + r->len - 1) / WL_PUD_SIZE)
		start = WL_ALIGN_UP(start, WL_PUD_SIZE);
	r->base = wl_mmap((void *)start, r->len, PROT_READ | PROT_WRITE,
			  MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	wl_nohuge(r->base, r->len);
}

/*
 * kB of AnonHugePages in the VMA starting at addr, from /proc/self/smaps;
 * -1 if the VMA or the field is not found.
 */
static inline long wl_smaps_anon_huge_kb(void *addr)
{
	char line[512], head[32];
	long kb = -1;
	bool in = false;
	FILE *f;

	snprintf(head, sizeof(head), "%lx-", (unsigned long)(uintptr_t)addr);
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		die("open /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, head, strlen(head))) {
			in = true;
		} else if (in && !strncmp(line, "AnonHugePages:", 14)) {
			kb = strtol(line + 14, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

#endif /* WL_COMMON_H */
