// SPDX-License-Identifier: GPL-2.0
/*
 * sigsegv - SIGSEGVs handled on a fresh alternate signal stack.
 *
 * A two-thread process.  The segv thread runs on its own sigaltstack, a
 * 64 KiB private anonymous mapping, and handles SIGSEGV there (SA_ONSTACK)
 * with a handler that siglongjmp()s back.  In the measured phase it
 * triggers K SIGSEGVs in a row, each by a store into a page with no VMA (a
 * hole between two PROT_NONE pages), after MADV_DONTNEED of the whole
 * altstack: every signal frame is written into a page that is not there,
 * so the kernel takes a fault of its own (kernel mode, on a user address)
 * to deliver each signal - the way Go, Rust and JVM runtimes run their
 * handlers.  The handler checks it was called for the hole (SEGV_MAPERR at
 * its address).  The other thread stays idle.
 *
 * With --mprotect-in-handler the handler also toggles the protection of
 * one page in the middle of a region R, RW <-> RWX, one mprotect() per
 * signal (splitting R in three, then merging it back), while the other
 * thread write-touches the fresh pages of R (every 2 MiB range of R has
 * its PTE table and R its anon_vma before the measured phase).
 *
 * The user faults on the hole never reach handle_mm_fault(): no VMA.  The
 * summary gives signals (K) and segv_faults, the faults of the segv thread
 * by getrusage, which counts the kernel's frame-writing faults (and the
 * handler's own faults on the altstack, if any) but not the SIGSEGV ones.
 *
 * Designed outcome in spf-shadow, in the measured phase (-S/--stop):
 * exactly K faults ineligible.no_vma for each of the four rules (none of
 * them success: the kernel's fault writing the signal frame is not their
 * end), and faults_kernel >= K.  With --mprotect-in-handler the VMA events
 * of the handler's mprotect() calls have cause mprotect, none stack.
 */
#include "wl_common.h"

#include <setjmp.h>

#define DEF_SIGNALS	20UL
#define DEF_SIZE	(4 * WL_MIB)
#define ALTSTACK_SIZE	(64 * WL_KIB)

#define PROT_RW		(PROT_READ | PROT_WRITE)
#define PROT_RWX	(PROT_READ | PROT_WRITE | PROT_EXEC)

static struct {
	unsigned long signals;
	bool mprotect;
	size_t size;
	bool stop;
} opt = {
	.signals = DEF_SIGNALS,
	.size = DEF_SIZE,
};

static struct wl_measure measure;
static char *hole;			/* no VMA here */
static char *hole_resv;			/* [PROT_NONE][hole][PROT_NONE] */
static struct wl_region alt_region;	/* the altstack */
static char *altstack;
static struct wl_region r_region;	/* R, for --mprotect-in-handler */
static char *toggle_page;
static sigjmp_buf segv_env;
/* Shared with the handler: lock-free atomics are async-signal-safe. */
static atomic_int toggled, handler_errno, wrong_signals;
/* Static, not automatic: their values survive the siglongjmp(). */
static unsigned long signals, segv_faults, touched, faults;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"One thread takes K SIGSEGVs (stores to an address with no VMA),\n"
		"handled on an alternate signal stack emptied before each one.\n"
		"Designed outcome: K faults ineligible.no_vma for every rule,\n"
		"faults_kernel >= K.\n"
		"\n"
		"  -k, --signals K          SIGSEGVs (default %lu)\n"
		"  -m, --mprotect-in-handler\n"
		"                           the handler toggles the protection of a\n"
		"                           page of a region R that the other\n"
		"                           thread write-touches: VMA events of\n"
		"                           cause mprotect, none of cause stack\n"
		"  -s, --size BYTES         size of R (default %zuM, rounded up to\n"
		"                           2M)\n",
		wl_prog, DEF_SIGNALS, DEF_SIZE / WL_MIB);
	wl_usage_stop(out);
	wl_usage_common(out);
	exit(status);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "signals", required_argument, NULL, 'k' },
		{ "mprotect-in-handler", no_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "stop", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "k:ms:Sh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'k':
			opt.signals = wl_arg_count("--signals", optarg, 1,
						   1000000);
			break;
		case 'm':
			opt.mprotect = true;
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
}

/* Async-signal-safe: system calls only; errors are reported after. */
static void segv_handler(int sig, siginfo_t *si, void *ucontext)
{
	int on = atomic_load(&toggled);

	(void)sig;
	(void)ucontext;
	if (si->si_code != SEGV_MAPERR || si->si_addr != hole)
		atomic_fetch_add(&wrong_signals, 1);
	if (opt.mprotect) {
		if (mprotect(toggle_page, wl_page_size(),
			     on ? PROT_RW : PROT_RWX))
			atomic_store(&handler_errno, errno);
		atomic_store(&toggled, !on);
	}
	siglongjmp(segv_env, 1);
}

static void *segv_fn(void *arg)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = ALTSTACK_SIZE };
	unsigned long f0;

	(void)arg;
	if (sigaltstack(&ss, NULL))
		die("sigaltstack");
	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	while (signals < opt.signals) {
		wl_madvise(altstack, ALTSTACK_SIZE, MADV_DONTNEED,
			   "MADV_DONTNEED");
		if (!sigsetjmp(segv_env, 1)) {
			wl_touch_byte(hole, true);
			fail("a store to %p did not raise SIGSEGV", hole);
		}
		signals++;
	}
	segv_faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
}

/* The other thread: idle, or faults R's fresh pages (--mprotect-in-handler). */
static void *other_fn(void *arg)
{
	size_t ps = wl_page_size(), off;
	unsigned long f0;

	(void)arg;
	wl_measure_worker_ready(&measure);
	f0 = wl_thread_faults();
	for (off = ps; opt.mprotect && off < r_region.len; off += ps) {
		if (off % WL_PMD_SIZE) {	/* range starts are main's */
			wl_touch_byte(r_region.base + off, true);
			touched++;
		}
	}
	faults = wl_thread_faults() - f0;
	wl_measure_worker_done(&measure);
	return NULL;
}

static void setup(void)
{
	size_t ps = wl_page_size();
	struct sigaction sa = {
		.sa_sigaction = segv_handler,
		.sa_flags = SA_SIGINFO | SA_ONSTACK,
	};

	hole_resv = wl_reserve(3 * ps);
	hole = hole_resv + ps;
	wl_munmap(hole, ps);
	wl_map_isolated(&alt_region, ALTSTACK_SIZE, 0, false);
	altstack = alt_region.base;
	if (sigemptyset(&sa.sa_mask) || sigaction(SIGSEGV, &sa, NULL))
		die("sigaction(SIGSEGV)");
	if (opt.mprotect) {
		wl_map_isolated(&r_region, opt.size, WL_PMD_SIZE, false);
		wl_touch_stride(r_region.base, r_region.len, WL_PMD_SIZE,
				true);
		toggle_page = r_region.base +
			      WL_ALIGN_DOWN(r_region.len / 2, ps) + ps;
	}
}

int main(int argc, char **argv)
{
	pthread_t segv, other;

	wl_init(argv[0], usage);
	parse_args(argc, argv);

	setup();
	wl_measure_init(&measure, 2, opt.stop);
	wl_thread_start(&segv, segv_fn, NULL);
	wl_thread_start(&other, other_fn, NULL);

	wl_measure_main_ready(&measure);
	wl_measure_main_go(&measure);
	wl_measure_main_done(&measure);
	wl_measure_main_release(&measure);
	wl_thread_join(segv);
	wl_thread_join(other);
	if (atomic_load(&handler_errno)) {
		errno = atomic_load(&handler_errno);
		die("mprotect(%p) in the SIGSEGV handler", toggle_page);
	}
	if (atomic_load(&wrong_signals))
		fail("%d SIGSEGVs were not for the hole at %p",
		     atomic_load(&wrong_signals), hole);
	if (opt.mprotect)
		wl_free_isolated(&r_region);
	wl_free_isolated(&alt_region);
	wl_munmap(hole_resv, 3 * wl_page_size());

	printf("workload=sigsegv signals=%lu segv_faults=%lu "
	       "mprotect_in_handler=%d toggles=%lu touched=%lu faults=%lu "
	       "elapsed_ms=%lu\n",
	       signals, segv_faults, opt.mprotect,
	       opt.mprotect ? signals : 0, touched, faults,
	       wl_measure_ms(&measure));
	return 0;
}
