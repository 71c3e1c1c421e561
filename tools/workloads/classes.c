// SPDX-License-Identifier: GPL-2.0
/*
 * classes - faults of one ineligibility class, chosen with --class.
 *
 * Every class runs the same way: per iteration the main thread sets up a
 * region (workers parked on a barrier), touches its first unit itself (so
 * that an anonymous VMA already has an anon_vma when the workers start),
 * then the workers (2 by default) each touch their own slice of the
 * remaining units, one touch per unit, while main waits on a barrier;
 * then main tears the region down.  A unit is a 4 KiB page, or a 2 MiB
 * huge page for hugetlb and thp.  Touches are stores unless --read.
 *
 *  file     private read faults on a regular file mapped MAP_PRIVATE,
 *           PROT_READ: a file of --size bytes created (and unlinked) in
 *           --dir, or an existing --file.  Always loads.  Page-cache hits:
 *           fault-around maps up to 16 pages per fault, so faults < touched.
 *           A file on tmpfs (or an overlay over tmpfs) gives shmem faults.
 *           -> ineligible.file
 *  shmem    MAP_SHARED|MAP_ANONYMOUS.                -> ineligible.shmem
 *  hugetlb  MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB, 2 MiB pages; needs
 *           /proc/sys/vm/nr_hugepages (exit 3 with a message if the mmap
 *           fails with ENOMEM).                      -> ineligible.hugetlb
 *  stack    each worker grows its own MAP_GROWSDOWN mapping downwards,
 *           one page per touch (every touch is below vm_start and expands
 *           the VMA).                                -> ineligible.stack
 *  uffd     anonymous region registered with userfaultfd (MISSING); a
 *           handler thread resolves each fault with UFFDIO_COPY (write
 *           fault) or UFFDIO_ZEROPAGE (read fault).  -> ineligible.uffd
 *  single   a single-threaded process (no thread is ever created) faulting
 *           anonymous pages.                   -> ineligible.single_thread
 *  thp      2 MiB aligned anonymous region with MADV_HUGEPAGE, one touch
 *           per 2 MiB: huge PMD faults; the summary gives AnonHugePages
 *           to confirm THP was used.                 -> ineligible.huge_pmd
 *
 * All the mappings except hugetlb and thp get MADV_NOHUGEPAGE.
 */
#include "wl_common.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif
#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#endif
#ifndef V9FS_MAGIC
#define V9FS_MAGIC		0x01021997
#endif

#define DEF_THREADS	2UL
#define DEF_ITERATIONS	1UL
#define DEF_SIZE	(8 * WL_MIB)
#define DEF_DIR		"/tmp"
#define EXIT_NO_HUGEPAGES	3

struct worker {
	pthread_t tid;
	unsigned int id;
	size_t first, nunits;	/* slice, in units from the region start */
	unsigned long touched;
	unsigned long faults;
};

struct class_desc {
	const char *name;
	size_t unit;			/* 0: a page */
	void (*init)(void);		/* once, before the workers start */
	void (*setup)(void);		/* per iteration, sets base and len */
	void (*touch)(struct worker *w);
	void (*teardown)(void);		/* per iteration */
	void (*fini)(void);		/* once, after the workers ended */
};

static struct {
	const struct class_desc *cls;
	unsigned long threads;
	bool threads_set;
	unsigned long iterations;
	size_t size;
	const char *dir;
	const char *file;
	bool read;
} opt = {
	.threads = DEF_THREADS,
	.iterations = DEF_ITERATIONS,
	.size = DEF_SIZE,
	.dir = DEF_DIR,
};

static pthread_barrier_t start_bar, done_bar;
static struct wl_region region;	/* for the classes that use one */
static char *base;		/* this iteration's region */
static size_t len, unit;
static char extra[160];		/* class-specific summary fields */

/* ---- generic touching ------------------------------------------------ */

static void touch_slice(struct worker *w)
{
	w->touched += wl_touch_stride(base + w->first * unit,
				      w->nunits * unit, unit, !opt.read);
}

static void touch_first_unit(void)
{
	wl_touch_stride(base, unit, unit, !opt.read);
}

static void setup_anon(bool huge)
{
	wl_map_isolated(&region, len, huge ? WL_PMD_SIZE : 0, huge);
	base = region.base;
}

static void teardown_isolated(void)
{
	wl_free_isolated(&region);
}

/* ---- file ------------------------------------------------------------ */

static int file_fd = -1;

static const char *fs_name(const char *path)
{
	struct statfs sfs;

	if (statfs(path, &sfs))
		die("statfs(%s)", path);
	switch ((unsigned long)sfs.f_type) {
	case TMPFS_MAGIC:		return "tmpfs";
	case OVERLAYFS_SUPER_MAGIC:	return "overlay";
	case V9FS_MAGIC:		return "9p";
	case EXT4_SUPER_MAGIC:		return "ext4";
	case XFS_SUPER_MAGIC:		return "xfs";
	case BTRFS_SUPER_MAGIC:		return "btrfs";
	default:			return "other";
	}
}

static void file_create(void)
{
	size_t chunk = WL_MIB, off, n;
	char path[PATH_MAX], *buf;

	if (snprintf(path, sizeof(path), "%s/spf-wl-classes.XXXXXX",
		     opt.dir) >= (int)sizeof(path))
		fail("--dir is too long");
	file_fd = mkstemp(path);
	if (file_fd < 0)
		die("mkstemp(%s)", path);
	if (unlink(path))
		die("unlink(%s)", path);
	buf = malloc(chunk);
	if (!buf)
		die("malloc");
	memset(buf, 0x5a, chunk);
	for (off = 0; off < len; off += n) {
		ssize_t r;

		n = len - off < chunk ? len - off : chunk;
		r = pwrite(file_fd, buf, n, (off_t)off);
		if (r < 0)
			die("write %s", path);
		n = (size_t)r;
	}
	free(buf);
}

static void file_open(void)
{
	struct stat st;

	file_fd = open(opt.file, O_RDONLY | O_CLOEXEC);
	if (file_fd < 0)
		die("open %s", opt.file);
	if (fstat(file_fd, &st))
		die("fstat %s", opt.file);
	if (!S_ISREG(st.st_mode))
		fail("--file %s is not a regular file", opt.file);
	len = WL_ALIGN_DOWN((size_t)st.st_size, wl_page_size());
	if (len > opt.size)
		len = opt.size;
	if (len < (opt.threads + 1) * wl_page_size())
		fail("--file %s is too small: need %lu pages", opt.file,
		     opt.threads + 1);
}

static void file_init(void)
{
	const char *fs;

	if (opt.file)
		file_open();
	else
		file_create();
	fs = fs_name(opt.file ? opt.file : opt.dir);
	if (!strcmp(fs, "tmpfs") || !strcmp(fs, "overlay"))
		fprintf(stderr, "%s: warning: the file is on %s: its faults "
			"may be shmem faults, not file faults\n", wl_prog, fs);
	snprintf(extra, sizeof(extra), " fs=%s", fs);
}

static void file_setup(void)
{
	base = wl_mmap(NULL, len, PROT_READ, 0, file_fd, 0);
	wl_nohuge(base, len);
}

static void plain_teardown(void)
{
	wl_munmap(base, len);
}

static void file_fini(void)
{
	close(file_fd);
}

/* ---- shmem ------------------------------------------------------------ */

static void shmem_setup(void)
{
	base = wl_mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	wl_nohuge(base, len);
}

/* ---- hugetlb ---------------------------------------------------------- */

static void hugetlb_setup(void)
{
	base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB,
		    -1, 0);
	if (base != MAP_FAILED)
		return;
	if (errno == ENOMEM) {
		fprintf(stderr,
			"%s: class hugetlb: no %zu free 2 MiB huge pages "
			"(mmap: ENOMEM).\n"
			"Reserve them first, e.g.: "
			"echo %zu > /proc/sys/vm/nr_hugepages\n",
			wl_prog, len / WL_PMD_SIZE, len / WL_PMD_SIZE);
		exit(EXIT_NO_HUGEPAGES);
	}
	die("mmap(MAP_HUGETLB, %zu)", len);
}

/* ---- stack ------------------------------------------------------------ */

/*
 * Per worker a slot of [PROT_NONE guard page][hole][MAP_GROWSDOWN page]
 * inside one reservation made by main.  The hole stays unmapped while the
 * workers run (nothing maps memory then), the guard is inaccessible, so the
 * kernel lets the stack VMA grow down over the whole hole.
 */
static char **stack_tops;	/* per worker: the initial growsdown page */
static size_t stack_pages;	/* per worker, including the initial page */

static void stack_init(void)
{
	stack_tops = calloc(opt.threads, sizeof(*stack_tops));
	if (!stack_tops)
		die("calloc");
	stack_pages = len / wl_page_size() / opt.threads;
	if (stack_pages < 2)
		fail("--size gives less than 2 pages of stack per thread");
}

static void stack_setup(void)
{
	size_t ps = wl_page_size(), slot = (stack_pages + 1) * ps;
	unsigned long t;
	char *s;

	region.resv_len = slot * opt.threads;
	region.resv = wl_reserve(region.resv_len);
	for (t = 0; t < opt.threads; t++) {
		s = region.resv + t * slot;
		wl_munmap(s + ps, (stack_pages - 1) * ps);
		stack_tops[t] = wl_mmap(s + stack_pages * ps, ps,
					PROT_READ | PROT_WRITE,
					MAP_ANONYMOUS | MAP_FIXED |
					MAP_GROWSDOWN, -1, 0);
		wl_nohuge(stack_tops[t], ps);
		wl_touch_stride(stack_tops[t], ps, ps, true);
	}
}

/* Grow the stack down one page per touch, from just below its start. */
static void stack_touch(struct worker *w)
{
	size_t ps = wl_page_size(), k;

	for (k = 1; k < stack_pages; k++) {
		wl_touch_byte(stack_tops[w->id] - k * ps, !opt.read);
		w->touched++;
	}
}

static void stack_teardown(void)
{
	wl_munmap(region.resv, region.resv_len);
}

static void stack_fini(void)
{
	free(stack_tops);
}

/* ---- uffd ------------------------------------------------------------- */

static int uffd = -1;
static bool uffd_user_mode_only;
static pthread_t uffd_tid;
static atomic_bool uffd_stop;
static char *uffd_src;		/* the page copied by UFFDIO_COPY */
static unsigned long uffd_copies, uffd_zeropages;

static void uffd_resolve(unsigned long addr, bool write)
{
	size_t ps = wl_page_size();
	struct uffdio_zeropage zp;
	struct uffdio_copy cp;
	int ret;

	addr &= ~(unsigned long)(ps - 1);
	do {
		if (write) {
			cp = (struct uffdio_copy){
				.dst = addr, .src = (uintptr_t)uffd_src,
				.len = ps,
			};
			ret = ioctl(uffd, UFFDIO_COPY, &cp);
		} else {
			zp = (struct uffdio_zeropage){
				.range = { .start = addr, .len = ps },
			};
			ret = ioctl(uffd, UFFDIO_ZEROPAGE, &zp);
		}
	} while (ret && errno == EAGAIN);
	if (ret && errno != EEXIST)
		die(write ? "UFFDIO_COPY at 0x%lx" : "UFFDIO_ZEROPAGE at 0x%lx",
		    addr);
	if (write)
		uffd_copies++;
	else
		uffd_zeropages++;
}

static void *uffd_handler_fn(void *arg)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	ssize_t r;
	int n;

	(void)arg;
	while (!atomic_load(&uffd_stop)) {
		n = poll(&pfd, 1, 50);
		if (n < 0 && errno != EINTR)
			die("poll(userfaultfd)");
		if (n <= 0)
			continue;
		r = read(uffd, &msg, sizeof(msg));
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			die("read(userfaultfd)");
		if (r != sizeof(msg))
			fail("short read from userfaultfd (%zd bytes)", r);
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			fail("unexpected userfaultfd event 0x%x", msg.event);
		uffd_resolve((unsigned long)msg.arg.pagefault.address,
			     msg.arg.pagefault.flags &
			     UFFD_PAGEFAULT_FLAG_WRITE);
	}
	return NULL;
}

static void uffd_init(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int flags = O_CLOEXEC | O_NONBLOCK;

	uffd = (int)syscall(__NR_userfaultfd, flags | UFFD_USER_MODE_ONLY);
	uffd_user_mode_only = uffd >= 0;
	if (uffd < 0 && errno == EINVAL)
		uffd = (int)syscall(__NR_userfaultfd, flags);
	if (uffd < 0)
		die("userfaultfd");
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	uffd_src = wl_mmap(NULL, wl_page_size(), PROT_READ | PROT_WRITE,
			   MAP_ANONYMOUS, -1, 0);
	memset(uffd_src, 0xa5, wl_page_size());
	wl_thread_start(&uffd_tid, uffd_handler_fn, NULL);
}

static void uffd_setup(void)
{
	struct uffdio_register reg;

	setup_anon(false);
	reg = (struct uffdio_register){
		.range = { .start = (uintptr_t)base, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
}

static void uffd_fini(void)
{
	atomic_store(&uffd_stop, true);
	wl_thread_join(uffd_tid);
	close(uffd);
	snprintf(extra, sizeof(extra),
		 " uffd_user_mode_only=%d uffd_copies=%lu uffd_zeropages=%lu",
		 uffd_user_mode_only, uffd_copies, uffd_zeropages);
}

/* ---- single, thp ------------------------------------------------------ */

static void anon_setup(void)
{
	setup_anon(false);
}

static long thp_huge_kb;

static void thp_setup(void)
{
	setup_anon(true);
	wl_madvise(base, len, MADV_HUGEPAGE, "MADV_HUGEPAGE");
}

static void thp_teardown(void)
{
	long kb = wl_smaps_anon_huge_kb(base);

	if (kb > 0)
		thp_huge_kb += kb;
	wl_free_isolated(&region);
}

static void thp_fini(void)
{
	long want = opt.read ? 0 : (long)(len / WL_KIB * opt.iterations);

	/* A read maps the huge zero page, which smaps does not count. */
	if (!opt.read && thp_huge_kb < want)
		fprintf(stderr, "%s: warning: only %ld of %ld kB were mapped "
			"by huge pages (THP disabled or no huge page free?)\n",
			wl_prog, thp_huge_kb, want);
	snprintf(extra, sizeof(extra), " anon_huge_kb=%ld expected_kb=%ld",
		 thp_huge_kb, want);
}

/* ---- the table -------------------------------------------------------- */

static const struct class_desc classes[] = {
	{ "file", 0, file_init, file_setup, touch_slice, plain_teardown,
	  file_fini },
	{ "shmem", 0, NULL, shmem_setup, touch_slice, plain_teardown, NULL },
	{ "hugetlb", WL_PMD_SIZE, NULL, hugetlb_setup, touch_slice,
	  plain_teardown, NULL },
	{ "stack", 0, stack_init, stack_setup, stack_touch, stack_teardown,
	  stack_fini },
	{ "uffd", 0, uffd_init, uffd_setup, touch_slice, teardown_isolated,
	  uffd_fini },
	{ "single", 0, NULL, anon_setup, touch_slice, teardown_isolated,
	  NULL },
	{ "thp", WL_PMD_SIZE, NULL, thp_setup, touch_slice, thp_teardown,
	  thp_fini },
};

static bool is_class(const char *name)
{
	return opt.cls && !strcmp(opt.cls->name, name);
}

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s --class NAME [OPTIONS]\n"
		"Faults of one class that speculative designs would not try,\n"
		"in a multi-threaded process (except single).\n"
		"\n"
		"  -c, --class NAME         file, shmem, hugetlb, stack, uffd,\n"
		"                           single or thp (required):\n"
		"      file     MAP_PRIVATE PROT_READ file   -> ineligible.file\n"
		"      shmem    MAP_SHARED|MAP_ANONYMOUS     -> ineligible.shmem\n"
		"      hugetlb  MAP_HUGETLB 2M pages         -> ineligible.hugetlb\n"
		"      stack    MAP_GROWSDOWN growth         -> ineligible.stack\n"
		"      uffd     userfaultfd MISSING          -> ineligible.uffd\n"
		"      single   one-threaded process   -> ineligible.single_thread\n"
		"      thp      MADV_HUGEPAGE, 2M aligned    -> ineligible.huge_pmd\n"
		"  -t, --threads N          faulting threads (default %lu; single\n"
		"                           runs one)\n"
		"  -i, --iterations N       fresh regions (default %lu)\n"
		"  -s, --size BYTES         region size per iteration (default\n"
		"                           %zuM; file: at most this much of --file;\n"
		"                           hugetlb/thp: rounded up to 2M)\n"
		"  -d, --dir DIR            where the file class creates its file\n"
		"                           (default %s; it is unlinked at once)\n"
		"  -f, --file PATH          file class: map this existing file\n"
		"                           read-only instead of creating one\n"
		"  -r, --read               touch with loads instead of stores\n",
		wl_prog, DEF_THREADS, DEF_ITERATIONS, DEF_SIZE / WL_MIB,
		DEF_DIR);
	wl_usage_common(out);
	fprintf(out, "Exit status 3: hugetlb found no free huge pages (set\n"
		"/proc/sys/vm/nr_hugepages).\n");
	exit(status);
}

static const struct class_desc *find_class(const char *name)
{
	size_t i;

	for (i = 0; i < WL_ARRAY_SIZE(classes); i++)
		if (!strcmp(classes[i].name, name))
			return &classes[i];
	wl_bad_usage("unknown class '%s'", name);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "file", required_argument, NULL, 'f' },
		{ "read", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:t:i:s:d:f:rh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			opt.cls = find_class(optarg);
			break;
		case 't':
			opt.threads = wl_arg_count("--threads", optarg, 1,
						   WL_MAX_THREADS);
			opt.threads_set = true;
			break;
		case 'i':
			opt.iterations = wl_arg_count("--iterations", optarg,
						      1, 1000000);
			break;
		case 's':
			opt.size = wl_arg_size("--size", optarg, 1);
			break;
		case 'd':
			opt.dir = optarg;
			break;
		case 'f':
			opt.file = optarg;
			break;
		case 'r':
			opt.read = true;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	wl_no_operands(argc, argv);
	if (!opt.cls)
		wl_bad_usage("--class is required");
	if (is_class("single")) {
		if (opt.threads_set && opt.threads != 1)
			wl_bad_usage("class single runs exactly one thread");
		opt.threads = 1;
	}
	if ((opt.file || strcmp(opt.dir, DEF_DIR)) && !is_class("file"))
		wl_bad_usage("--file and --dir are for the file class");
	if (is_class("file"))
		opt.read = true;
}

/* Region length: whole units, one for main plus at least one per worker. */
static void size_region(void)
{
	unit = opt.cls->unit ? opt.cls->unit : wl_page_size();
	len = WL_ALIGN_UP(opt.size, unit);
	if (len < (opt.threads + 1) * unit)
		len = (opt.threads + 1) * unit;
}

static void assign_slices(struct worker *w)
{
	size_t units = len / unit - 1;
	size_t per = units / opt.threads, next = 1;
	unsigned long t;

	for (t = 0; t < opt.threads; t++) {
		w[t].id = t;
		w[t].first = next;
		w[t].nunits = per + (t < units % opt.threads ? 1 : 0);
		next += w[t].nunits;
	}
}

static void setup_iteration(void)
{
	opt.cls->setup();
	if (!is_class("stack"))
		touch_first_unit();
}

static void run_once(struct worker *w)
{
	unsigned long f0 = wl_thread_faults();

	opt.cls->touch(w);
	w->faults += wl_thread_faults() - f0;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long it;

	for (it = 0; it < opt.iterations; it++) {
		wl_barrier_wait(&start_bar);
		run_once(w);
		wl_barrier_wait(&done_bar);
	}
	return NULL;
}

/* single: main does everything and never creates a thread. */
static void run_single(struct worker *w)
{
	unsigned long it;

	for (it = 0; it < opt.iterations; it++) {
		setup_iteration();
		run_once(w);
		opt.cls->teardown();
	}
}

static void run_threads(struct worker *w)
{
	unsigned long t, it;

	wl_barrier_init(&start_bar, opt.threads + 1);
	wl_barrier_init(&done_bar, opt.threads + 1);
	for (t = 0; t < opt.threads; t++)
		wl_thread_start(&w[t].tid, worker_fn, &w[t]);
	for (it = 0; it < opt.iterations; it++) {
		setup_iteration();
		wl_barrier_wait(&start_bar);
		wl_barrier_wait(&done_bar);
		opt.cls->teardown();
	}
	for (t = 0; t < opt.threads; t++)
		wl_thread_join(w[t].tid);
}

int main(int argc, char **argv)
{
	unsigned long t, touched = 0, faults = 0, elapsed_ms;
	struct worker *w;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);
	size_region();

	w = calloc(opt.threads, sizeof(*w));
	if (!w)
		die("calloc");
	if (opt.cls->init)
		opt.cls->init();
	assign_slices(w);

	t0 = wl_now_ns();
	if (is_class("single"))
		run_single(w);
	else
		run_threads(w);
	elapsed_ms = wl_ms_since(t0);
	for (t = 0; t < opt.threads; t++) {
		touched += w[t].touched;
		faults += w[t].faults;
	}
	if (opt.cls->fini)
		opt.cls->fini();

	printf("workload=classes class=%s threads=%lu iterations=%lu size=%zu "
	       "unit=%zu access=%s touched=%lu faults=%lu%s elapsed_ms=%lu\n",
	       opt.cls->name, opt.threads, opt.iterations, len, unit,
	       opt.read ? "read" : "write", touched, faults, extra,
	       elapsed_ms);
	free(w);
	return 0;
}
