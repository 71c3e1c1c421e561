// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow report, target and reset: the module's totals, and its two
 * control files.
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
"                      (may be repeated; default all four)\n"
"  -j, --json          print JSON instead of the table\n"
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

int spfs_cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		SPFS_OPT_HELP,
		SPFS_OPT_DEBUGFS,
		{ "rule", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct spfs_report r = { .elapsed = -1 };
	struct spfs_snap snap;
	char title[512], *target;
	bool json = false;
	int opt;

	while ((opt = getopt_long(argc, argv, SPFS_COMMON_OPTS "r:j",
				  longopts, NULL)) != -1) {
		if (spfs_common_opt(opt, argv, spfs_report_usage))
			continue;
		if (opt == 'r')
			r.rules |= 1U << spfs_parse_rule(optarg);
		else if (opt == 'j')
			json = true;
	}
	if (optind < argc)
		spfs_usage_error("unexpected argument '%s'", argv[optind]);
	spfs_dir_check();

	target = spfs_target_read(false);
	snprintf(title, sizeof(title),
		 "spf-shadow totals since the last reset (target: %s):",
		 target ? target : "unknown");
	free(target);
	spfs_snap_read(&snap);
	r.snap = &snap;
	r.rules = r.rules ? r.rules : SPFS_ALL_RULES;
	r.title = title;
	if (json)
		spfs_report_json(stdout, &r);
	else
		spfs_report_table(stdout, &r);
	spfs_snap_free(&snap);
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
