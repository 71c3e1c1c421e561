// SPDX-License-Identifier: GPL-2.0
/*
 * task_lock - short-lived processes take their first faults while other
 * threads take their task_lock.
 *
 * One lane per CPU (or --lanes).  A lane is a forker thread and a hammer
 * thread, both pinned to the lane's CPU.  The forker runs SCHED_FIFO and
 * forks N / L children, one at a time; each child inherits its CPU and
 * policy, takes its start-up faults under the parent's name, renames
 * itself COMM (PR_SET_NAME) and waits until the hammer has gone round on
 * it.  The hammer, of the default policy, takes the lane's child's
 * task_lock (its alloc_lock) in a loop, with the calls chosen by --calls:
 *
 *	comm	read /proc/CHILD/comm	proc_task_name() -> __get_task_comm()
 *	stat	read /proc/CHILD/stat	the same, and get_task_mm()
 *	prlimit	prlimit(CHILD, RLIMIT_CORE) to its own value: do_prlimit()
 *
 * Then the child sleeps and writes one fresh page per wakeup, R times,
 * and exits.  Each wakeup preempts the hammer wherever it is: on
 * PREEMPT_RT, where task_lock is a sleeping lock and its sections are
 * preemptible, in about one wakeup in ten (under qemu) inside
 * task_lock(CHILD).  The child's first fault under COMM is the first
 * fault of a process matching the target "comm COMM": whatever
 * spf-shadow does at T0 (interrupts off) for a process it does not track
 * yet then runs while a task that is not running holds that lock.
 * Taking it there schedules: "BUG: scheduling while atomic".
 *
 * Designed outcome in spf-shadow (target "comm COMM"): a clean kernel
 * log; each child's first fault under COMM counted untracked
 * (faults_untracked >= children), most children tracked
 * (track_registered) and their later faults counted (faults).
 */
#include "wl_common.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define DEF_CHILDREN	400UL
#define DEF_ROUNDS	4UL
#define DEF_COMM	"task_lock_kid"
#define MAX_LANES	64
/* A child waits this long for its hammer before it gives up. */
#define ACK_TIMEOUT_S	10

enum {
	CALL_COMM	= 1 << 0,
	CALL_STAT	= 1 << 1,
	CALL_PRLIMIT	= 1 << 2,
};

/* One lane; in shared memory, as the children read it. */
struct lane {
	_Atomic pid_t child;		/* the child being hammered, or 0 */
	_Atomic pid_t ack;		/* the hammer has gone round on it (futex) */
	atomic_bool stop;
	int cpu;
	/* the parent's side */
	pthread_t forker, hammer;
	unsigned long children, faults, calls, failed;
} __attribute__((aligned(64)));

static struct {
	unsigned long children;
	unsigned long lanes;
	unsigned long rounds;
	const char *comm;
	unsigned int calls;
} opt = {
	.children = DEF_CHILDREN,
	.rounds = DEF_ROUNDS,
	.comm = DEF_COMM,
	.calls = CALL_COMM | CALL_STAT | CALL_PRLIMIT,
};

static struct lane *lanes;
static char *fresh;		/* R + 1 pages the parent never touches */
static struct rlimit core_limit;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: %s [OPTIONS]\n"
		"Forks N short-lived children, one at a time per lane (one lane\n"
		"per CPU), each renamed COMM before it writes R fresh pages, one\n"
		"per wakeup, while a thread on the same CPU takes the child's\n"
		"task_lock in a loop.  Target \"comm COMM\".  Designed outcome:\n"
		"a clean kernel log; faults_untracked >= children, most children\n"
		"tracked.  Needs CAP_SYS_NICE (SCHED_FIFO).\n"
		"\n"
		"  -n, --children N         children in all (default %lu)\n"
		"  -l, --lanes L            lanes (default: the CPUs we may run\n"
		"                           on, at most %d)\n"
		"  -r, --rounds R           pages each child writes (default %lu)\n"
		"  -c, --comm COMM          the children's name (default %s)\n"
		"  -k, --calls LIST         what takes the lock, comma-separated:\n"
		"                           comm, stat, prlimit (default all)\n",
		wl_prog, DEF_CHILDREN, MAX_LANES, DEF_ROUNDS, DEF_COMM);
	wl_usage_common(out);
	exit(status);
}

static unsigned int parse_calls(const char *arg)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} names[] = {
		{ "comm", CALL_COMM },
		{ "stat", CALL_STAT },
		{ "prlimit", CALL_PRLIMIT },
	};
	unsigned int calls = 0, i;
	const char *p = arg;
	size_t len;

	while (*p) {
		len = strcspn(p, ",");
		for (i = 0; i < WL_ARRAY_SIZE(names); i++)
			if (len == strlen(names[i].name) &&
			    !strncmp(p, names[i].name, len))
				break;
		if (i == WL_ARRAY_SIZE(names))
			wl_bad_usage("--calls wants comm, stat or prlimit, not '%s'",
				     arg);
		calls |= names[i].bit;
		p += len;
		if (*p)
			p++;
	}
	if (!calls)
		wl_bad_usage("--calls wants at least one call");
	return calls;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "children", required_argument, NULL, 'n' },
		{ "lanes", required_argument, NULL, 'l' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "comm", required_argument, NULL, 'c' },
		{ "calls", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:l:r:c:k:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			opt.children = wl_arg_count("--children", optarg, 1,
						    1000000);
			break;
		case 'l':
			opt.lanes = wl_arg_count("--lanes", optarg, 1,
						 MAX_LANES);
			break;
		case 'r':
			opt.rounds = wl_arg_count("--rounds", optarg, 1, 1000);
			break;
		case 'c':
			if (!*optarg || strlen(optarg) > 15)
				wl_bad_usage("--comm wants 1 to 15 bytes, not '%s'",
					     optarg);
			opt.comm = optarg;
			break;
		case 'k':
			opt.calls = parse_calls(optarg);
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	wl_no_operands(argc, argv);
}

/* Pin the calling thread to cpu. */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(CPU %d)", cpu);
}

/* /proc/PID/NAME opened for reading, or -1 (it may be gone already). */
static int open_proc(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read a /proc file of the child from its start; true if that worked. */
static bool reread(int fd)
{
	char buf[1024];

	return fd >= 0 && pread(fd, buf, sizeof(buf), 0) > 0;
}

static void count_call(struct lane *ln, bool ok)
{
	if (ok)
		ln->calls++;
	else
		ln->failed++;
}

/*
 * The hammer of a lane: takes the task_lock of the lane's child, over and
 * over, until told to stop.  Calls fail once the child has exited; they
 * are only counted.
 */
static void *hammer_fn(void *arg)
{
	struct lane *ln = arg;
	int comm_fd = -1, stat_fd = -1;
	struct rlimit old;
	pid_t cur = 0, p;

	pin(ln->cpu);
	while (!atomic_load(&ln->stop)) {
		p = atomic_load(&ln->child);
		if (p != cur) {
			close_fd(&comm_fd);
			close_fd(&stat_fd);
			if (p && (opt.calls & CALL_COMM))
				comm_fd = open_proc(p, "comm");
			if (p && (opt.calls & CALL_STAT))
				stat_fd = open_proc(p, "stat");
			cur = p;
		}
		if (!cur) {
			wl_sleep_us(50);
			continue;
		}
		if (opt.calls & CALL_COMM)
			count_call(ln, reread(comm_fd));
		if (opt.calls & CALL_STAT)
			count_call(ln, reread(stat_fd));
		/* The child's own value back: only the lock matters. */
		if (opt.calls & CALL_PRLIMIT)
			count_call(ln, !prlimit(cur, RLIMIT_CORE, &core_limit,
						&old));
		if (atomic_exchange(&ln->ack, cur) != cur &&
		    syscall(SYS_futex, &ln->ack, FUTEX_WAKE, INT_MAX, NULL) < 0)
			die("futex(FUTEX_WAKE)");
	}
	close_fd(&comm_fd);
	close_fd(&stat_fd);
	return NULL;
}

/* In the child: exit 1 with errno's story (no stdio after fork). */
static void __attribute__((noreturn)) child_fail(const char *what)
{
	char msg[160];
	int n;

	n = snprintf(msg, sizeof(msg), "%s: child: %s: %s\n", wl_prog, what,
		     strerror(errno));
	if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
		_exit(1);
	_exit(1);
}

static void child_sleep_us(unsigned long us)
{
	struct timespec ts = { .tv_nsec = (long)us * 1000L };

	while (nanosleep(&ts, &ts))
		if (errno != EINTR)
			child_fail("nanosleep");
}

/*
 * A child's life under COMM: wait until the hammer has gone round on it
 * (want is its pid), then write the R fresh pages, one right after each
 * wakeup; the sleeps vary so that the wakeups land anywhere in the
 * hammer's loop.  Dry, before the rename, it runs the same code through
 * without waiting and writes page 0 only: every page of code, library
 * and stack that the real run needs is then faulted in under the
 * parent's name, and the real run's only faults are the fresh pages.
 */
static void child_run(struct lane *ln, pid_t want, unsigned long seq,
		      bool dry)
{
	struct timespec timeout = { .tv_sec = ACK_TIMEOUT_S };
	unsigned long r, last = dry ? 0 : opt.rounds;
	size_t ps = wl_page_size();
	pid_t ack;

	while ((ack = atomic_load(&ln->ack)) != want || dry) {
		/* Dry: a value that is not there, EAGAIN at once. */
		if (syscall(SYS_futex, &ln->ack, FUTEX_WAIT,
			    dry ? ack ^ 1 : ack, &timeout) &&
		    errno != EAGAIN && errno != EINTR)
			child_fail("waiting for the hammer");
		if (dry)
			break;
	}
	for (r = dry ? 0 : 1; r <= last; r++) {
		child_sleep_us(200 + (seq * 7919 + r * 104729) % 1800);
		wl_touch_byte(fresh + r * ps, true);
	}
}

/* Child number seq of lane ln (its CPU and SCHED_FIFO inherited). */
static void __attribute__((noreturn)) child_main(struct lane *ln,
						 unsigned long seq)
{
	pid_t self = getpid();

	/* Should the parent fail, its children go with it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		child_fail("prctl(PR_SET_PDEATHSIG)");
	child_run(ln, self, seq, true);
	if (prctl(PR_SET_NAME, opt.comm))
		child_fail("prctl(PR_SET_NAME)");
	child_run(ln, self, seq, false);
	_exit(0);
}

static void *forker_fn(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	unsigned long i, n = opt.children / opt.lanes;
	struct lane *ln = arg;
	struct rusage ru;
	int status;
	pid_t pid;

	/* The remainder goes to the first lanes. */
	if ((unsigned long)(ln - lanes) < opt.children % opt.lanes)
		n++;
	pin(ln->cpu);
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		die("sched_setscheduler(SCHED_FIFO)");
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid)
			child_main(ln, i);
		atomic_store(&ln->child, pid);
		if (wait4(pid, &status, 0, &ru) != pid)
			die("wait4(%d)", (int)pid);
		atomic_store(&ln->child, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("child %d of lane %ld failed (status 0x%x) after %lu children",
			     (int)pid, (long)(ln - lanes), status,
			     ln->children);
		ln->children++;
		ln->faults += (unsigned long)(ru.ru_minflt + ru.ru_majflt);
	}
	return NULL;
}

/* The CPUs this process may run on, in order; returns how many. */
static unsigned long allowed_cpus(int *cpus, unsigned long max)
{
	unsigned long n = 0;
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		die("sched_getaffinity");
	for (cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	return n;
}

int main(int argc, char **argv)
{
	unsigned long l, ncpus, children = 0, faults = 0, calls = 0;
	unsigned long failed = 0;
	int cpus[MAX_LANES];
	size_t fresh_len;
	uint64_t t0;

	wl_init(argv[0], usage);
	parse_args(argc, argv);
	if (!strncmp(wl_prog, opt.comm, 15))
		wl_bad_usage("--comm must differ from this program's name");

	ncpus = allowed_cpus(cpus, MAX_LANES);
	if (!ncpus)
		fail("no CPU to run on");
	if (!opt.lanes)
		opt.lanes = ncpus;
	if (getrlimit(RLIMIT_CORE, &core_limit))
		die("getrlimit(RLIMIT_CORE)");

	lanes = wl_mmap(NULL, opt.lanes * sizeof(*lanes),
			PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	fresh_len = (opt.rounds + 1) * wl_page_size();
	fresh = wl_mmap(NULL, fresh_len, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS, -1, 0);
	wl_nohuge(fresh, fresh_len);

	t0 = wl_now_ns();
	for (l = 0; l < opt.lanes; l++) {
		lanes[l].cpu = cpus[l % ncpus];
		wl_thread_start(&lanes[l].hammer, hammer_fn, &lanes[l]);
	}
	for (l = 0; l < opt.lanes; l++)
		wl_thread_start(&lanes[l].forker, forker_fn, &lanes[l]);
	for (l = 0; l < opt.lanes; l++) {
		wl_thread_join(lanes[l].forker);
		atomic_store(&lanes[l].stop, true);
		wl_thread_join(lanes[l].hammer);
		children += lanes[l].children;
		faults += lanes[l].faults;
		calls += lanes[l].calls;
		failed += lanes[l].failed;
	}

	printf("workload=task_lock lanes=%lu children=%lu rounds=%lu comm=%s "
	       "touched=%lu faults=%lu lock_calls=%lu failed_calls=%lu "
	       "elapsed_ms=%lu\n",
	       opt.lanes, children, opt.rounds, opt.comm,
	       children * (opt.rounds + 1), faults, calls, failed,
	       wl_ms_since(t0));
	return 0;
}
