// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow stat: run a command with the module targeting exactly its
 * process, then show its verdicts.
 *
 * The child stops itself before exec; meanwhile the parent targets its
 * pid, waits for the module to track it (procs lists it) and resets the
 * counters, then lets it run.  exec() gives the process a new mm, whose
 * first faults count as faults_untracked until the module's worker has
 * set up its tracking: the header shows them.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRACK_TIMEOUT_MS	5000
#define TRACK_POLL_MS		10

const char spfs_stat_usage[] =
"Usage: spf-shadow stat [-r RULE] [--json] [-o FILE] [--] COMMAND [ARGS]\n"
"\n"
"Run COMMAND with the module targeting exactly its process (and its\n"
"threads, not its children), then show what each design would have done\n"
"with its page faults: on stderr, like perf stat, or in FILE.  The module's\n"
"counters are reset first, and its previous target is put back at the\n"
"end.  The exit status is COMMAND's, 128+N if signal N killed it.\n"
"\n"
"Options:\n"
"  -r, --rule RULE     show only RULE: seed, dufour, lespinasse or pvl\n"
"                      (may be repeated; default: all)\n"
"  -j, --json          print JSON instead of the table\n"
"  -o, --output FILE   write the table or JSON to FILE\n"
"  -d, --debugfs DIR   the module's debugfs directory\n"
"  -h, --help          show this help and exit\n";

struct stat_opts {
	unsigned int rules;
	bool json;
	const char *output;
	char **argv;
};

/* The child, while it is stopped: killed if spf-shadow exits early. */
static pid_t stat_stopped_child;
static pid_t stat_child;

static void stat_parse(int argc, char **argv, struct stat_opts *o)
{
	static const struct option longopts[] = {
		SPFS_OPT_HELP,
		SPFS_OPT_DEBUGFS,
		{ "rule", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	while ((opt = getopt_long(argc, argv, SPFS_COMMON_OPTS "r:jo:",
				  longopts, NULL)) != -1) {
		if (spfs_common_opt(opt, argv, spfs_stat_usage))
			continue;
		if (opt == 'r')
			o->rules |= 1U << spfs_parse_rule(optarg);
		else if (opt == 'j')
			o->json = true;
		else if (opt == 'o')
			o->output = optarg;
	}
	if (optind >= argc)
		spfs_usage_error("no command to run");
	if (!o->rules)
		o->rules = SPFS_ALL_RULES;
	o->argv = argv + optind;
}

static void stat_kill_stopped(void)
{
	if (stat_stopped_child > 0)
		kill(stat_stopped_child, SIGKILL);
}

/*
 * From before the fork until the command ends, these signals do not stop
 * spf-shadow: the command decides.  Those from the terminal or the kernel
 * (Ctrl-C, hangup) reach the command by themselves; those another process
 * sent to spf-shadow with kill(2) (si_code <= 0) are passed on to it.
 */
static const int stat_sigs[] = {
	SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2,
};

static void stat_forward(int sig, siginfo_t *si, void *ucontext)
{
	(void)ucontext;
	if (stat_child > 0 && si->si_code <= 0)
		kill(stat_child, sig);
}

static void stat_signals(void)
{
	struct sigaction sa = {
		.sa_sigaction = stat_forward,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(stat_sigs); i++)
		sigaction(stat_sigs[i], &sa, NULL);
}

/* In the child: the command starts with the default dispositions. */
static void stat_signals_default(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stat_sigs); i++)
		signal(stat_sigs[i], SIG_DFL);
}

/*
 * Fork the command, stopped before its exec.  If exec fails, the child
 * writes its errno to @errfd[1] (close-on-exec: nothing on success).
 */
static pid_t stat_spawn(char **argv, int errfd[2])
{
	pid_t pid;
	int err;

	if (pipe2(errfd, O_CLOEXEC))
		spfs_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		spfs_die("fork: %s", strerror(errno));
	if (pid == 0) {
		stat_signals_default();
		close(errfd[0]);
		raise(SIGSTOP);
		execvp(argv[0], argv);
		err = errno;
		if (write(errfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(err == ENOENT ? 127 : 126);
	}
	close(errfd[1]);
	stat_child = pid;
	stat_stopped_child = pid;
	atexit(stat_kill_stopped);
	return pid;
}

static void stat_wait_stopped(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, WUNTRACED) < 0)
		if (errno != EINTR)
			spfs_die("waitpid: %s", strerror(errno));
	if (!WIFSTOPPED(status))
		spfs_die("the command's process ended before it could run");
}

static bool stat_tracked(pid_t pid)
{
	struct spfs_proc *procs;
	size_t n, i;
	bool found = false;

	n = spfs_procs_read(&procs);
	for (i = 0; i < n && !found; i++)
		found = procs[i].tgid == pid;
	free(procs);
	return found;
}

/* Target the stopped child, wait until the module tracks it, reset. */
static void stat_track(pid_t pid)
{
	struct timespec poll = { 0, TRACK_POLL_MS * 1000000L };
	char target[32];
	int waited;

	snprintf(target, sizeof(target), "pid %d", (int)pid);
	spfs_target_write(target);
	for (waited = 0; !stat_tracked(pid); waited += TRACK_POLL_MS) {
		if (waited >= TRACK_TIMEOUT_MS) {
			spfs_warn("pid %d not tracked after %d s; its first faults count as faults_untracked",
				  (int)pid, TRACK_TIMEOUT_MS / 1000);
			break;
		}
		nanosleep(&poll, NULL);
	}
	spfs_reset();
}

static double stat_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Let the child run; its exec error, or 0 once it has exec'd. */
static int stat_run(pid_t pid, int errfd)
{
	ssize_t n;
	int err = 0;

	kill(pid, SIGCONT);
	stat_stopped_child = 0;
	do {
		n = read(errfd, &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(errfd);
	return n == sizeof(err) ? err : 0;
}

/* Wait for the child to end; its exit status, 128 + N for signal N. */
static int stat_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			spfs_die("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static void stat_title(char *buf, size_t size, char **argv, pid_t pid)
{
	char cmd[256] = "", tail[32];
	size_t len = 0;

	for (; *argv && len + 1 < sizeof(cmd); argv++)
		len += snprintf(cmd + len, sizeof(cmd) - len, "%s%s",
				len ? " " : "", *argv);
	snprintf(tail, sizeof(tail), "' (pid %d):", (int)pid);
	spfs_fit(cmd, SPFS_COLS - strlen(" spf-shadow stats for '") -
		 strlen(tail) - 1);
	snprintf(buf, size, "spf-shadow stats for '%s%s", cmd, tail);
}

static FILE *stat_output(const char *path)
{
	FILE *f;

	if (!path)
		return stderr;
	f = fopen(path, "we");
	if (!f)
		spfs_die("cannot open %s: %s", path, strerror(errno));
	return f;
}

static void stat_print(FILE *out, const struct stat_opts *o,
		       const struct spfs_report *r)
{
	if (o->json)
		spfs_report_json(out, r);
	else
		spfs_report_table(out, r);
	if (out != stderr && fclose(out))
		spfs_die("cannot write %s: %s", o->output, strerror(errno));
}

int spfs_cmd_stat(int argc, char **argv)
{
	struct spfs_report r = { 0 };
	struct stat_opts o;
	struct spfs_snap snap;
	char title[512], *old_target;
	int errfd[2], err;
	double start;
	FILE *out;
	pid_t pid;

	stat_parse(argc, argv, &o);
	spfs_dir_check();
	out = stat_output(o.output);
	old_target = spfs_target_read(true);

	stat_signals();
	pid = stat_spawn(o.argv, errfd);
	stat_wait_stopped(pid);
	stat_track(pid);
	start = stat_now();
	err = stat_run(pid, errfd[0]);
	r.exit_status = stat_wait(pid);
	r.elapsed = stat_now() - start;
	if (!err)
		spfs_snap_read(&snap);
	spfs_target_write(old_target);
	free(old_target);
	if (err) {
		spfs_error("cannot run '%s': %s", o.argv[0], strerror(err));
		return r.exit_status;
	}

	stat_title(title, sizeof(title), o.argv, pid);
	r.snap = &snap;
	r.rules = o.rules;
	r.title = title;
	r.argv = o.argv;
	stat_print(out, &o, &r);
	spfs_snap_free(&snap);
	return r.exit_status;
}
