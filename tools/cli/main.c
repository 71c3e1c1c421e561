// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: command dispatch, global options, help and messages.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *spfs_cmd = "spf-shadow";

static const char main_usage[] =
"Usage: spf-shadow [-d DIR] COMMAND [ARGS]\n"
"\n"
"What four speculative page fault designs would have done with the page\n"
"faults of a workload, from the spf_shadow kernel module.\n"
"\n"
"Commands:\n"
"  stat      run a command and show its verdicts per rule\n"
"  top       live per-process view\n"
"  report    the current totals, as a table or JSON\n"
"  latency   the current latency histograms\n"
"  target    show or set which processes the module tracks\n"
"  reset     zero the module's counters\n"
"  help      show the help of a command\n"
"\n"
"Options:\n"
"  -d, --debugfs DIR   the module's debugfs directory (default\n"
"                      $SPF_SHADOW_DEBUGFS, else " SPFS_DEFAULT_DIR ")\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the version and exit\n"
"\n"
"'spf-shadow COMMAND --help' shows the options of a command; see\n"
"spf-shadow(8).\n";

static const struct spfs_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} spfs_commands[] = {
	{ "stat",	spfs_cmd_stat,		spfs_stat_usage },
	{ "top",	spfs_cmd_top,		spfs_top_usage },
	{ "report",	spfs_cmd_report,	spfs_report_usage },
	{ "latency",	spfs_cmd_latency,	spfs_latency_usage },
	{ "target",	spfs_cmd_target,	spfs_target_usage },
	{ "reset",	spfs_cmd_reset,		spfs_reset_usage },
};

static void spfs_vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* A runtime error: "spf-shadow: MESSAGE". */
void spfs_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spfs_vmsg("spf-shadow", fmt, ap);
	va_end(ap);
}

/* The same, then exit 1. */
void spfs_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spfs_vmsg("spf-shadow", fmt, ap);
	va_end(ap);
	exit(SPFS_EXIT_FAIL);
}

/* A bad command line: one line naming the command and the help, exit 2. */
void spfs_usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", spfs_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", spfs_cmd);
	exit(SPFS_EXIT_USAGE);
}

void spfs_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spfs_vmsg("spf-shadow: warning", fmt, ap);
	va_end(ap);
}

void *spfs_realloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		spfs_die("out of memory");
	return p;
}

void *spfs_alloc(size_t size)
{
	return spfs_realloc(NULL, size);
}

char *spfs_strdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(spfs_alloc(len), s, len);
}

/* The option getopt_long() just refused, as the user wrote it. */
static const char *spfs_bad_option(char **argv)
{
	static char opt[3] = "-";

	if (!optopt || argv[optind - 1][1] == '-')
		return argv[optind - 1];
	opt[1] = optopt;
	return opt;
}

/**
 * spfs_common_opt() - handle an option every command takes
 * @opt: what getopt_long() returned
 * @argv: the argv it scans
 * @usage: the command's help text
 *
 * -h prints @usage and exits 0, -d sets the debugfs directory; unknown
 * options and missing arguments are usage errors.
 *
 * Return: true if @opt was handled, false if it is the command's own.
 */
bool spfs_common_opt(int opt, char **argv, const char *usage)
{
	switch (opt) {
	case 'h':
		fputs(usage, stdout);
		exit(0);
	case 'd':
		spfs_dir_set(optarg);
		return true;
	case ':':
		spfs_usage_error("option '%s' needs a value",
				 spfs_bad_option(argv));
	case '?':
		spfs_usage_error("unknown option '%s'", spfs_bad_option(argv));
	}
	return false;
}

/**
 * spfs_rule_list() - the rules' names as a phrase
 * @buf: where to put it
 * @size: its size
 *
 * Return: @buf, e.g. "seed, dufour, lespinasse or pvl".
 */
char *spfs_rule_list(char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < SPFS_NR_RULES && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s",
				!i ? "" : i + 1 < SPFS_NR_RULES ? ", " : " or ",
				spfs_rule_name(i));
	return buf;
}

/**
 * spfs_parse_rule() - a rule by its name
 * @name: a rule's name, as the module has it
 *
 * Return: the rule (&enum spfs_rule); a usage error for anything else.
 */
int spfs_parse_rule(const char *name)
{
	char rules[256];
	int i;

	for (i = 0; i < SPFS_NR_RULES; i++)
		if (!strcmp(name, spfs_rule_name(i)))
			return i;
	spfs_usage_error("unknown rule '%s': want %s", name,
			 spfs_rule_list(rules, sizeof(rules)));
}

static const struct spfs_command *spfs_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(spfs_commands); i++)
		if (!strcmp(name, spfs_commands[i].name))
			return &spfs_commands[i];
	return NULL;
}

static int spfs_run(const struct spfs_command *c, int argc, char **argv)
{
	static char name[64];

	snprintf(name, sizeof(name), "spf-shadow %s", c->name);
	spfs_cmd = name;
	optind = 0;	/* a fresh getopt_long() scan of the command's argv */
	return c->fn(argc, argv);
}

/* "help [COMMAND]": the main help, or that of COMMAND. */
static int spfs_help(int argc, char **argv)
{
	const struct spfs_command *c;

	if (argc < 2) {
		fputs(main_usage, stdout);
		return 0;
	}
	c = spfs_find_command(argv[1]);
	if (!c)
		spfs_usage_error("no command '%s'", argv[1]);
	fputs(c->usage, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		SPFS_OPT_HELP,
		SPFS_OPT_DEBUGFS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct spfs_command *c;
	const char *env = getenv(SPFS_DIR_ENV);
	int opt;

	if (env && *env)
		spfs_dir_set(env);
	while ((opt = getopt_long(argc, argv, SPFS_COMMON_OPTS "V", longopts,
				  NULL)) != -1) {
		if (spfs_common_opt(opt, argv, main_usage))
			continue;
		if (opt == 'V') {
			printf("spf-shadow %s\n", SPFS_CLI_VERSION);
			return 0;
		}
	}
	if (optind >= argc)
		spfs_usage_error("no command given");
	if (!strcmp(argv[optind], "help"))
		return spfs_help(argc - optind, argv + optind);
	c = spfs_find_command(argv[optind]);
	if (!c)
		spfs_usage_error("no command '%s'", argv[optind]);
	return spfs_run(c, argc - optind, argv + optind);
}
