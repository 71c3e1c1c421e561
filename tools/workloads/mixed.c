// SPDX-License-Identifier: GPL-2.0
/*
 * mixed - a bit of everything, for a demo table.
 *
 * For --duration-ms, all at once:
 *
 *  - T anonymous faulters (default 4) on one private anonymous VMA
 *    (2 MiB aligned, MADV_NOHUGEPAGE, first page written by main so it has
 *    an anon_vma).  Thread t owns the 2 MiB chunks c with c % T == t; it
 *    write-touches them all, then MADV_DONTNEEDs them itself to get fresh
 *    pages for the next pass, and so on;
 *  - one toggler that every --toggle-us mprotect()s a 64 KiB range in the
 *    middle of that VMA to RWX and back to RW (split + merge);
 *  - one zapper that every --zap-us MADV_DONTNEEDs one 2 MiB chunk of that
 *    VMA, round robin, under a faulter's feet;
 *  - one file reader that read-touches a MAP_PRIVATE PROT_READ file
 *    mapping (created in --dir, or an existing --file), MADV_DONTNEEDs it,
 *    and sleeps --file-us between passes.
 *
 * Designed outcome in spf-shadow: mostly success; some race_vma (mprotect)
 * and race_mm from the toggler, some race_pgtable from the zapper,
 * ineligible.file from the reader, one ineligible.no_anon_vma (main's first
 * write), a few faults of thread stacks.  Counts depend on timing; the kinds
 * do not.
 */
#include "wl_common.h"

#include <fcntl.h>

#define DEF_THREADS	4UL
#define DEF_DURATION_MS	2000UL
#define DEF_SIZE	(32 * WL_MIB)
#define DEF_TOGGLE_US	10000UL
#define DEF_ZAP_US	10000UL
#define DEF_FILE_US	10000UL
#define DEF_FILE_SIZE	(4 * WL_MIB)
#define DEF_DIR		"/tmp"
#define TOGGLE_RANGE	(64 * WL_KIB)

#define PROT_RW		(PROT_READ | PROT_WRITE)
#define PROT_RWX	(PROT_READ | PROT_WRITE | PROT_EXEC)

struct worker {
	pthread_t tid;
	unsigned int id;
	unsigned long touched;
	unsigned long faults;
	unsigned long ops;	/* zaps, toggles or passes, per role */
};

static struct {
	unsigned long threads;
	unsigned long duration_ms;
	size_t size;
	unsigned long toggle_us;
	unsigned long zap_us;
	unsigned long file_us;
	size_t file_size;
	const char *dir;
	const char *file;
} opt = {
	.threads = DEF_THREADS,
	.duration_ms = DEF_DURATION_MS,
	.size = DEF_SIZE,
	.toggle_us = DEF_TOGGLE_US,
	.zap_us = DEF_ZAP_US,
	.file_us = DEF_FILE_US,
	.file_size = DEF_FILE_SIZE,
	.dir = DEF_DIR,
};

static struct wl_region region;
static size_t nchunks;
static char *fmap;		/* the file mapping */
static size_t flen;
static pthread_barrier_t start_bar;
static atomic_bool stop;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Anonymous faulters, a slow mprotect toggler on their VMA, a slow\n"
		"MADV_DONTNEED zapper and a file reader, all at once.\n"
		"Designed outcome: mostly success, some race_vma/race_mm,\n"
		"some race_pgtable, some ineligible.file.\n"
		"\n"
		"  -t, --threads N          anonymous faulters (default %lu)\n"
		"  -d, --duration-ms N      run time (default %lu)\n"
		"  -s, --size BYTES         anonymous VMA size, rounded up to 2M,\n"
		"                           at least 2M per thread (default %zuM)\n"
		"      --toggle-us N        mprotect toggle period (default %lu)\n"
		"      --zap-us N           zap period (default %lu)\n"
		"      --file-us N          pause between file passes (default %lu)\n"
		"      --file-size BYTES    size of the created file (default %zuM)\n"
		"      --dir DIR            where to create it (default %s)\n"
		"      --file PATH          map this existing file read-only\n"
		"                           instead\n",
		wl_prog, DEF_THREADS, DEF_DURATION_MS, DEF_SIZE / WL_MIB,
		DEF_TOGGLE_US, DEF_ZAP_US, DEF_FILE_US, DEF_FILE_SIZE / WL_MIB,
		DEF_DIR);
	wl_usage_common(out);
	exit(status);
}

enum {
	OPT_TOGGLE = 256,
	OPT_ZAP,
	OPT_FILE_US,
	OPT_FILE_SIZE,
	OPT_DIR,
	OPT_FILE,
};

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "duration-ms", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "toggle-us", required_argument, NULL, OPT_TOGGLE },
		{ "zap-us", required_argument, NULL, OPT_ZAP },
		{ "file-us", required_argument, NULL, OPT_FILE_US },
		{ "file-size", required_argument, NULL, OPT_FILE_SIZE },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "file", required_argument, NULL, OPT_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	size_t ps = wl_page_size();
	int c;

	while ((c = getopt_long(argc, argv, "t:d:s:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			break;
		case 'd':
			opt.duration_ms = wl_arg_count("--duration-ms", optarg,
						       1, 86400000);
			break;
		case 's':
			opt.size = wl_arg_size("--size", optarg, 1);
			break;
		case OPT_TOGGLE:
			opt.toggle_us = wl_arg_count("--toggle-us", optarg, 1,
						     60000000);
			break;
		case OPT_ZAP:
			opt.zap_us = wl_arg_count("--zap-us", optarg, 1,
						  60000000);
			break;
		case OPT_FILE_US:
			opt.file_us = wl_arg_count("--file-us", optarg, 1,
						   60000000);
			break;
		case OPT_FILE_SIZE:
			opt.file_size = wl_arg_size("--file-size", optarg, ps);
			break;
		case OPT_DIR:
			opt.dir = optarg;
			break;
		case OPT_FILE:
			opt.file = optarg;
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
	opt.file_size = wl_pages_up(opt.file_size, 1);
}

static char *chunk(size_t c)
{
	return region.base + c * WL_PMD_SIZE;
}

static void *faulter_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long f0;
	size_t c;

	wl_barrier_wait(&start_bar);
	f0 = wl_thread_faults();
	while (!atomic_load(&stop)) {
		for (c = w->id; c < nchunks; c += opt.threads)
			w->touched += wl_touch(chunk(c), WL_PMD_SIZE, true);
		for (c = w->id; c < nchunks; c += opt.threads)
			wl_madvise(chunk(c), WL_PMD_SIZE, MADV_DONTNEED,
				   "MADV_DONTNEED");
		w->ops++;
	}
	w->faults = wl_thread_faults() - f0;
	return NULL;
}

static void *toggler_fn(void *arg)
{
	struct worker *w = arg;
	size_t off = WL_ALIGN_DOWN((opt.size - TOGGLE_RANGE) / 2,
				   wl_page_size());

	wl_barrier_wait(&start_bar);
	while (!atomic_load(&stop)) {
		wl_mprotect(region.base + off, TOGGLE_RANGE, PROT_RWX);
		wl_mprotect(region.base + off, TOGGLE_RANGE, PROT_RW);
		w->ops += 2;
		wl_sleep_us(opt.toggle_us);
	}
	return NULL;
}

static void *zapper_fn(void *arg)
{
	struct worker *w = arg;

	wl_barrier_wait(&start_bar);
	while (!atomic_load(&stop)) {
		wl_madvise(chunk(w->ops % nchunks), WL_PMD_SIZE, MADV_DONTNEED,
			   "MADV_DONTNEED");
		w->ops++;
		wl_sleep_us(opt.zap_us);
	}
	return NULL;
}

static void *reader_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long f0;

	wl_barrier_wait(&start_bar);
	f0 = wl_thread_faults();
	while (!atomic_load(&stop)) {
		w->touched += wl_touch(fmap, flen, false);
		wl_madvise(fmap, flen, MADV_DONTNEED, "MADV_DONTNEED");
		w->ops++;
		wl_sleep_us(opt.file_us);
	}
	w->faults = wl_thread_faults() - f0;
	return NULL;
}

/* A file of opt.file_size bytes in opt.dir, unlinked at once. */
static int create_file(void)
{
	char path[PATH_MAX], buf[64 * 1024];
	size_t off, n;
	ssize_t r;
	int fd;

	if (snprintf(path, sizeof(path), "%s/spf-wl-mixed.XXXXXX",
		     opt.dir) >= (int)sizeof(path))
		fail("--dir is too long");
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp(%s)", path);
	if (unlink(path))
		die("unlink(%s)", path);
	memset(buf, 0x5a, sizeof(buf));
	for (off = 0; off < opt.file_size; off += (size_t)r) {
		n = opt.file_size - off;
		if (n > sizeof(buf))
			n = sizeof(buf);
		r = pwrite(fd, buf, n, (off_t)off);
		if (r < 0)
			die("write %s", path);
	}
	flen = opt.file_size;
	return fd;
}

static int open_file(void)
{
	off_t size;
	int fd;

	fd = open(opt.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", opt.file);
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		die("lseek %s", opt.file);
	flen = WL_ALIGN_DOWN((size_t)size, wl_page_size());
	if (!flen)
		fail("--file %s is smaller than a page", opt.file);
	return fd;
}

static void map_file(void)
{
	int fd = opt.file ? open_file() : create_file();

	fmap = wl_mmap(NULL, flen, PROT_READ, 0, fd, 0);
	wl_nohuge(fmap, flen);
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned long t, touched = 0, faults = 0, passes = 0;
	struct worker *w, *toggler, *zapper, *reader;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	w = calloc(opt.threads + 3, sizeof(*w));
	if (!w)
		die("calloc");
	toggler = &w[opt.threads];
	zapper = &w[opt.threads + 1];
	reader = &w[opt.threads + 2];
	wl_map_isolated(&region, opt.size, WL_PMD_SIZE, false);
	wl_touch(region.base, 1, true);
	map_file();

	wl_barrier_init(&start_bar, opt.threads + 4);
	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		wl_thread_start(&w[t].tid, faulter_fn, &w[t]);
	}
	wl_thread_start(&toggler->tid, toggler_fn, toggler);
	wl_thread_start(&zapper->tid, zapper_fn, zapper);
	wl_thread_start(&reader->tid, reader_fn, reader);

	wl_barrier_wait(&start_bar);
	t0 = wl_now_ns();
	wl_sleep_us(opt.duration_ms * 1000UL);
	atomic_store(&stop, true);
	for (t = 0; t < opt.threads + 3; t++)
		wl_thread_join(w[t].tid);
	for (t = 0; t < opt.threads; t++) {
		touched += w[t].touched;
		faults += w[t].faults;
		passes += w[t].ops;
	}
	wl_free_isolated(&region);
	wl_munmap(fmap, flen);

	printf("workload=mixed threads=%lu duration_ms=%lu size=%zu "
	       "touched=%lu faults=%lu passes=%lu file_touched=%lu "
	       "file_faults=%lu toggles=%lu zaps=%lu elapsed_ms=%lu\n",
	       opt.threads, opt.duration_ms, opt.size, touched, faults,
	       passes, reader->touched, reader->faults, toggler->ops,
	       zapper->ops, wl_ms_since(t0));
	free(w);
	return 0;
}
