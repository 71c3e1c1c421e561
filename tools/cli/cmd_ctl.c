// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow report, latency, target and reset: the module's totals and
 * histograms, and its two control files.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

const char spfs_report_usage[] =
"Usage: spf-shadow report [-r RULE] [--json]\n"
"\n"
"Show the module's totals since its counters were last reset, for every\n"
"process tracked meanwhile, as the table of 'spf-shadow stat' or as JSON,\n"
"on stdout.\n"
"\n"
"Options:\n"
"  -r, --rule RULE     show only RULE: seed, dufour, lespinasse or pvl\n"
"                      (may be repeated; default: all)\n"
"  -j, --json          print JSON instead of the table\n"
"  -d, --debugfs DIR   the module's debugfs directory\n"
"  -h, --help          show this help and exit\n";

const char spfs_latency_usage[] =
"Usage: spf-shadow latency [-r RULE]\n"
"\n"
"Show the module's latency histograms since its counters were last reset,\n"
"per rule: the service window and the lock wait, in nanoseconds, of the\n"
"faults the rule would have completed speculatively, drawn as bpftrace\n"
"draws a hist(), on stdout.\n"
"\n"
"Options:\n"
"  -r, --rule RULE     show only RULE: seed, dufour, lespinasse or pvl\n"
"                      (may be repeated; default: all)\n"
"  -d, --debugfs DIR   the module's debugfs directory\n"
"  -h, --help          show this help and exit\n";

const char spfs_target_usage[] =
"Usage: spf-shadow target [none | all | pid N | comm NAME]\n"
"\n"
"Without an argument, print what the module tracks.  With one, track:\n"
"  none        nothing\n"
"  all         every process\n"
"  pid N       process N and its threads\n"
"  comm NAME   the processes named NAME (its first 15 bytes, as the\n"
"              kernel keeps it)\n"
"A process is tracked from its next page fault.\n"
"\n"
"Options:\n"
"  -d, --debugfs DIR   the module's debugfs directory\n"
"  -h, --help          show this help and exit\n";

const char spfs_reset_usage[] =
"Usage: spf-shadow reset\n"
"\n"
"Zero the module's counters.\n"
"\n"
"Options:\n"
"  -d, --debugfs DIR   the module's debugfs directory\n"
"  -h, --help          show this help and exit\n";

/* Options of a command that takes only the common ones. */
static void ctl_parse_common(int argc, char **argv, const char *usage)
{
	static const struct option longopts[] = {
		SPFS_OPT_HELP,
		SPFS_OPT_DEBUGFS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, SPFS_COMMON_OPTS, longopts,
				  NULL)) != -1)
		spfs_common_opt(opt, argv, usage);
}

/* The heading of report and latency: what, and the target now. */
static void ctl_title(char *buf, size_t size, const char *what)
{
	char *target = spfs_target_read(false);

	snprintf(buf, size, "spf-shadow %s since the last reset (target: %s):",
		 what, target ? target : "unknown");
	free(target);
}

/* Options of report and latency: -r, and --json if @json is not NULL. */
static unsigned int ctl_parse_rules(int argc, char **argv, const char *usage,
				    bool *json)
{
	static const struct option longopts[] = {
		SPFS_OPT_HELP,
		SPFS_OPT_DEBUGFS,
		{ "rule", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int rules = 0;
	int opt;

	while ((opt = getopt_long(argc, argv,
				  json ? SPFS_COMMON_OPTS "r:j" :
					 SPFS_COMMON_OPTS "r:",
				  longopts, NULL)) != -1) {
		if (spfs_common_opt(opt, argv, usage))
			continue;
		if (opt == 'r')
			rules |= 1U << spfs_parse_rule(optarg);
		else if (opt == 'j' && json)
			*json = true;
		else
			spfs_usage_error("unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		spfs_usage_error("unexpected argument '%s'", argv[optind]);
	return rules ? rules : SPFS_ALL_RULES;
}

int spfs_cmd_report(int argc, char **argv)
{
	struct spfs_report r = { .elapsed = -1 };
	struct spfs_snap snap;
	char title[512];
	bool json = false;

	r.rules = ctl_parse_rules(argc, argv, spfs_report_usage, &json);
	spfs_dir_check();
	ctl_title(title, sizeof(title), "totals");
	spfs_snap_read(&snap);
	r.snap = &snap;
	r.title = title;
	if (json)
		spfs_report_json(stdout, &r);
	else
		spfs_report_table(stdout, &r);
	spfs_snap_free(&snap);
	return 0;
}

int spfs_cmd_latency(int argc, char **argv)
{
	unsigned int rules;
	struct spfs_hist *h;
	char title[512], prefix[64], *text;
	size_t n, i;
	int rule;

	rules = ctl_parse_rules(argc, argv, spfs_latency_usage, NULL);
	spfs_dir_check();
	ctl_title(title, sizeof(title), "latency");
	text = spfs_file_read("latency");
	if (!text)
		spfs_die("%s/latency: no such file", spfs_dir());
	n = spfs_hists_parse(text, &h);
	free(text);
	printf("\n %s\n", title);
	for (rule = 0; rule < SPFS_NR_RULES; rule++) {
		if (!(rules & (1U << rule)))
			continue;
		snprintf(prefix, sizeof(prefix), "%s.", spfs_rule_name(rule));
		for (i = 0; i < n; i++) {
			if (strncmp(h[i].name, prefix, strlen(prefix)))
				continue;
			printf("\n");
			spfs_hist_print(stdout, &h[i]);
		}
	}
	printf("\n");
	spfs_hists_free(h, n);
	return 0;
}

int spfs_cmd_target(int argc, char **argv)
{
	char value[256] = "", *target;
	size_t len = 0;
	int i;

	ctl_parse_common(argc, argv, spfs_target_usage);
	spfs_dir_check();
	if (optind == argc) {
		target = spfs_target_read(true);
		printf("%s\n", target);
		free(target);
		return 0;
	}
	for (i = optind; i < argc; i++) {
		len += snprintf(value + len, sizeof(value) - len, "%s%s",
				len ? " " : "", argv[i]);
		if (len >= sizeof(value))
			spfs_usage_error("target too long");
	}
	spfs_target_write(value);
	return 0;
}

int spfs_cmd_reset(int argc, char **argv)
{
	ctl_parse_common(argc, argv, spfs_reset_usage);
	if (optind < argc)
		spfs_usage_error("unexpected argument '%s'", argv[optind]);
	spfs_dir_check();
	spfs_reset();
	return 0;
}
