/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the command-line front end of the spf_shadow module.
 *
 *   main.c	command dispatch, global options, help, messages
 *   debugfs.c	finding /sys/kernel/debug/spf_shadow, reading and writing
 *		its files, parsing "key value" files and procs
 *   verdicts.c	per-rule summaries and top causes from the counters
 *   hist.c	the latency histograms, drawn as bars
 *   table.c	the perf-stat-like text table (stat, report)
 *   json.c	the JSON document (stat --json, report --json)
 *   cmd_stat.c, cmd_top.c, cmd_ctl.c (report, latency, target, reset)
 */
#ifndef SPF_SHADOW_H
#define SPF_SHADOW_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The module's core header, for its lists of names: rules, verdicts,
 * reasons (built with -Imodule -Itools/include; module/spfs_names.c is
 * linked in for the names).
 */
#include "spfs_core.h"

#ifndef SPFS_CLI_VERSION
#define SPFS_CLI_VERSION	"0.4.0"	/* as VERSION; -D may override */
#endif
#define SPFS_DEFAULT_DIR	"/sys/kernel/debug/spf_shadow"
#define SPFS_DEBUGFS_MNT	"/sys/kernel/debug"
#define SPFS_DIR_ENV		"SPF_SHADOW_DEBUGFS"

/* Text output stays below this many columns. */
#define SPFS_COLS		79

#define SPFS_ALL_RULES		((1U << SPFS_NR_RULES) - 1)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

extern const char *const spfs_rule_desc[SPFS_NR_RULES];

/* ---- main.c: messages and exit codes ---- */

#define SPFS_EXIT_FAIL		1
#define SPFS_EXIT_USAGE		2

extern const char *spfs_cmd;	/* "spf-shadow" or "spf-shadow stat" */

void __attribute__((noreturn, format(printf, 1, 2)))
spfs_die(const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2)))
spfs_usage_error(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) spfs_error(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) spfs_warn(const char *fmt, ...);
void *spfs_alloc(size_t size);
void *spfs_realloc(void *p, size_t size);
char *spfs_strdup(const char *s);

/*
 * Options every command takes; returns true if it handled @opt.  Commands
 * use it from their getopt_long() loop with SPFS_COMMON_OPTS,
 * SPFS_OPT_HELP and SPFS_OPT_DEBUGFS.
 */
#define SPFS_COMMON_OPTS	"+:hd:"
#define SPFS_OPT_HELP		{ "help", no_argument, NULL, 'h' }
#define SPFS_OPT_DEBUGFS	{ "debugfs", required_argument, NULL, 'd' }
bool spfs_common_opt(int opt, char **argv, const char *usage);
char *spfs_rule_list(char *buf, size_t size);
int spfs_parse_rule(const char *name);

/* ---- debugfs.c ---- */

/* One "key value" line. */
struct spfs_kv {
	char *key;
	uint64_t val;
};

/* The lines of one or more "key value" files, in file order. */
struct spfs_kvset {
	struct spfs_kv *v;
	size_t n, cap;
};

/* The counters at one moment: stats and races, and pvl agreement. */
struct spfs_snap {
	struct spfs_kvset kv;
	bool agreement;		/* the kernel has per-VMA locks */
};

/* One line of procs. */
struct spfs_proc {
	int tgid;
	char comm[64];
	uint64_t faults;
	uint64_t success[SPFS_NR_RULES];
	uint64_t races[SPFS_NR_RULES];
};

void spfs_dir_set(const char *dir);
const char *spfs_dir(void);
void spfs_dir_check(void);
char *spfs_file_read(const char *name);
int spfs_file_write(const char *name, const char *text);

void spfs_kv_parse(struct spfs_kvset *set, const char *text);
void spfs_kv_free(struct spfs_kvset *set);
uint64_t spfs_kv_get(const struct spfs_kvset *set, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const struct spfs_kv *spfs_kv_next(const struct spfs_kvset *set,
				   const char *prefix, size_t *pos);
void spfs_kv_delta(struct spfs_kvset *out, const struct spfs_kvset *now,
		   const struct spfs_kvset *before);

void spfs_snap_read(struct spfs_snap *snap);
void spfs_snap_free(struct spfs_snap *snap);

size_t spfs_procs_read(struct spfs_proc **procs);

char *spfs_target_read(bool required);
void spfs_target_write(const char *target);
void spfs_reset(void);

/* ---- verdicts.c ---- */

/* One rule's verdicts, service window. */
struct spfs_rule_sum {
	const char *rule;
	uint64_t faults;
	uint64_t eligible;
	uint64_t verdict[SPFS_NR_VERDICTS];	/* ineligible: all reasons */
	uint64_t wait_avoided_ns;
	uint64_t pt_overlap;
};

/* A cause or reason and its count. */
struct spfs_item {
	const char *name;
	uint64_t count;
};

void spfs_rule_sum(const struct spfs_kvset *kv, int rule,
		   struct spfs_rule_sum *sum);
size_t spfs_top_items(const struct spfs_kvset *kv, const char *prefix,
		      struct spfs_item *items, size_t max);
double spfs_pct(uint64_t part, uint64_t whole);

/* ---- hist.c ---- */

/* One histogram of debugfs "latency": its non-empty span of buckets. */
struct spfs_hist {
	char *name;			/* e.g. "seed.service_ns" */
	size_t n;
	struct {
		uint64_t low, high;	/* [low, high) */
		uint64_t count;
	} b[SPFS_HIST_BUCKETS];
};

size_t spfs_hists_parse(const char *text, struct spfs_hist **hists);
void spfs_hists_free(struct spfs_hist *hists, size_t n);
void spfs_hist_print(FILE *out, const struct spfs_hist *h);

/* ---- table.c and json.c: the stat and report output ---- */

struct spfs_report {
	const struct spfs_snap *snap;
	unsigned int rules;		/* mask of rules to show */
	const char *title;		/* table heading */
	char *const *argv;		/* stat: the command; else NULL */
	int exit_status;		/* stat only */
	double elapsed;			/* stat: seconds; else < 0 */
};

char *spfs_fmt_count(char *buf, size_t size, uint64_t v);
char *spfs_fmt_pct(char *buf, size_t size, double pct);
void spfs_fit(char *s, size_t width);
void spfs_report_table(FILE *out, const struct spfs_report *r);
void spfs_report_json(FILE *out, const struct spfs_report *r);

/* ---- commands: their help texts and entry points ---- */

extern const char spfs_stat_usage[];
extern const char spfs_top_usage[];
extern const char spfs_report_usage[];
extern const char spfs_latency_usage[];
extern const char spfs_target_usage[];
extern const char spfs_reset_usage[];

int spfs_cmd_stat(int argc, char **argv);
int spfs_cmd_top(int argc, char **argv);
int spfs_cmd_report(int argc, char **argv);
int spfs_cmd_latency(int argc, char **argv);
int spfs_cmd_target(int argc, char **argv);
int spfs_cmd_reset(int argc, char **argv);

#endif /* SPF_SHADOW_H */
