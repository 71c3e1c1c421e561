// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow top: the tracked processes that faulted in the last
 * interval, busiest first, with each rule's success rate; totals from
 * stats above them.  Redraws the screen on a terminal, prints one block
 * per interval otherwise.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* Lines above the process rows. */
#define TOP_HEADER_LINES	6

const char spfs_top_usage[] =
"Usage: spf-shadow top [INTERVAL [COUNT]]\n"
"\n"
"Every INTERVAL seconds (default 1, fractions allowed), show the tracked\n"
"processes that faulted in the interval, busiest first: faults per second\n"
"and each rule's success rate (success / (success + races)), with totals\n"
"from stats above.  Stops after COUNT intervals (default: never).  On a\n"
"terminal the screen is redrawn; otherwise blocks follow each other.\n"
"\n"
"Options:\n"
"  -d, --debugfs DIR   the module's debugfs directory\n"
"  -h, --help          show this help and exit\n";

/* One sample of the module's counters. */
struct top_sample {
	struct spfs_snap snap;
	struct spfs_proc *procs;
	size_t nprocs;
	struct timespec when;
};

/* A process's activity in the interval. */
struct top_row {
	const struct spfs_proc *p;
	struct spfs_proc delta;
};

static void top_parse(int argc, char **argv, double *interval,
		      unsigned long *count)
{
	static const struct option longopts[] = {
		SPFS_OPT_HELP,
		SPFS_OPT_DEBUGFS,
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, SPFS_COMMON_OPTS, longopts,
				  NULL)) != -1)
		spfs_common_opt(opt, argv, spfs_top_usage);
	*interval = 1.0;
	*count = 0;
	if (optind < argc) {
		errno = 0;
		*interval = strtod(argv[optind], &end);
		if (errno || *end || !isfinite(*interval) ||
		    *interval < 0.1 || *interval > 86400)
			spfs_usage_error("the interval is seconds from 0.1 to 86400, not '%s'",
					 argv[optind]);
		optind++;
	}
	if (optind < argc) {
		errno = 0;
		*count = strtoul(argv[optind], &end, 10);
		if (errno || *end || !*count || argv[optind][0] == '-')
			spfs_usage_error("the count is a positive number, not '%s'",
					 argv[optind]);
		optind++;
	}
	if (optind < argc)
		spfs_usage_error("unexpected argument '%s'", argv[optind]);
}

static void top_sample_read(struct top_sample *s)
{
	spfs_snap_read(&s->snap);
	s->nprocs = spfs_procs_read(&s->procs);
	clock_gettime(CLOCK_MONOTONIC, &s->when);
}

static void top_sample_free(struct top_sample *s)
{
	spfs_snap_free(&s->snap);
	free(s->procs);
}

static double top_seconds(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static const struct spfs_proc *top_find(const struct top_sample *s, int tgid)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].tgid == tgid)
			return &s->procs[i];
	return NULL;
}

/* now - before, or now if the process is new (or its counts restarted). */
static void top_delta(const struct spfs_proc *now,
		      const struct spfs_proc *before, struct spfs_proc *d)
{
	int r;

	*d = *now;
	if (!before || before->faults > now->faults)
		return;
	d->faults -= before->faults;
	for (r = 0; r < SPFS_NR_RULES; r++) {
		d->success[r] -= before->success[r] <= now->success[r] ?
				 before->success[r] : 0;
		d->races[r] -= before->races[r] <= now->races[r] ?
			       before->races[r] : 0;
	}
}

static int top_row_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->delta.faults != y->delta.faults)
		return x->delta.faults < y->delta.faults ? 1 : -1;
	return x->p->tgid - y->p->tgid;
}

/* The processes that faulted in the interval, busiest first. */
static size_t top_rows(const struct top_sample *now,
		       const struct top_sample *before, struct top_row **rows)
{
	size_t i, n = 0;

	*rows = spfs_alloc(now->nprocs * sizeof(**rows));
	for (i = 0; i < now->nprocs; i++) {
		struct top_row *row = &(*rows)[n];

		row->p = &now->procs[i];
		top_delta(row->p, top_find(before, row->p->tgid), &row->delta);
		if (row->delta.faults)
			n++;
	}
	qsort(*rows, n, sizeof(**rows), top_row_cmp);
	return n;
}

static void top_rate(char *buf, size_t size, uint64_t v, double secs)
{
	spfs_fmt_count(buf, size, (uint64_t)(v / secs + 0.5));
}

static void top_header(const struct top_sample *now,
		       const struct top_sample *before, double secs,
		       size_t active)
{
	struct spfs_kvset d = { 0 };
	struct spfs_rule_sum sum;
	char clock[16], f[32], u[32], k[32], g[32], pct[16], *target;
	time_t t = time(NULL);
	int r;

	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&t));
	target = spfs_target_read(false);
	printf("spf-shadow top - %s  interval %.1f s  target: %.20s\n",
	       clock, secs, target ? target : "unknown");
	free(target);
	spfs_kv_delta(&d, &now->snap.kv, &before->snap.kv);
	top_rate(f, sizeof(f), spfs_kv_get(&d, "faults"), secs);
	top_rate(u, sizeof(u), spfs_kv_get(&d, "faults_untracked"), secs);
	top_rate(k, sizeof(k), spfs_kv_get(&d, "faults_kernel"), secs);
	top_rate(g, sizeof(g), spfs_kv_get(&d, "faults_gup"), secs);
	printf("faults/s %s  untracked/s %s  kernel/s %s  gup/s %s\n",
	       f, u, k, g);
	printf("processes: %zu tracked, %zu faulting\n", now->nprocs, active);
	printf("success:");
	for (r = 0; r < SPFS_NR_RULES; r++) {
		spfs_rule_sum(&d, r, &sum);
		spfs_fmt_pct(pct, sizeof(pct),
			     spfs_pct(sum.verdict[SPFS_V_SUCCESS], sum.eligible));
		printf("  %s %s", spfs_rule_name(r), pct + strspn(pct, " "));
	}
	printf("\n\n");
	spfs_kv_free(&d);
}

static void top_print_row(const struct top_row *row, double secs)
{
	const struct spfs_proc *d = &row->delta;
	char rate[32], pct[16];
	int r;

	top_rate(rate, sizeof(rate), d->faults, secs);
	printf("%7d %-16.16s %10s", row->p->tgid, row->p->comm, rate);
	for (r = 0; r < SPFS_NR_RULES; r++)
		printf(" %10s",
		       spfs_fmt_pct(pct, sizeof(pct),
				    spfs_pct(d->success[r],
					     d->success[r] + d->races[r])));
	printf("\n");
}

/* Rows that fit on the terminal, or all of them. */
static size_t top_max_rows(bool tty)
{
	struct winsize ws;

	if (!tty || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_row)
		return (size_t)-1;
	return ws.ws_row > TOP_HEADER_LINES + 1 ?
	       ws.ws_row - TOP_HEADER_LINES - 1 : 1;
}

static void top_print(const struct top_sample *now,
		      const struct top_sample *before, bool tty)
{
	double secs = top_seconds(&before->when, &now->when);
	size_t n, i, max = top_max_rows(tty);
	struct top_row *rows;
	int r;

	n = top_rows(now, before, &rows);
	if (tty)
		printf("\033[H\033[2J");
	top_header(now, before, secs, n);
	printf("%7s %-16s %10s", "TGID", "COMM", "FAULTS/S");
	for (r = 0; r < SPFS_NR_RULES; r++)
		printf(" %10s", spfs_rule_name(r));
	printf("\n");
	for (i = 0; i < n && i < max; i++)
		top_print_row(&rows[i], secs);
	if (!tty)
		printf("\n");
	fflush(stdout);
	free(rows);
}

static void top_sleep_until(struct timespec *deadline, double interval)
{
	long ns = (long)((interval - (long)interval) * 1e9);

	deadline->tv_sec += (time_t)interval + (deadline->tv_nsec + ns) /
			    1000000000L;
	deadline->tv_nsec = (deadline->tv_nsec + ns) % 1000000000L;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline,
			       NULL) == EINTR)
		;
}

int spfs_cmd_top(int argc, char **argv)
{
	struct top_sample a, b, *before = &a, *now = &b, *tmp;
	struct timespec deadline;
	bool tty = isatty(STDOUT_FILENO);
	unsigned long count, i;
	double interval;

	top_parse(argc, argv, &interval, &count);
	spfs_dir_check();
	top_sample_read(before);
	deadline = before->when;
	for (i = 0; !count || i < count; i++) {
		top_sleep_until(&deadline, interval);
		top_sample_read(now);
		top_print(now, before, tty);
		top_sample_free(before);
		tmp = before;
		before = now;
		now = tmp;
	}
	top_sample_free(before);
	return 0;
}
