// SPDX-License-Identifier: GPL-2.0
/*
 * Print every name list of the module - those of module/spfs_core.h and
 * module/spfs_stats.h - one element a line, as
 *
 *	LIST VALUE SYMBOL NAME
 *
 * e.g. "reason 1 SPFS_R_NO_PAGE_TABLE no_page_table" (a flag's value is
 * its bit number), and after each list its length as
 *
 *	nr LENGTH SYMBOL LIST
 *
 * e.g. "nr 13 SPFS_NR_REASONS reason".  scripts/check-names compares every copy of a list
 * that is still written out by hand (the bpftrace tools' tables, the VM
 * tests' lists, the README, the man page) with this output.
 */
#include <stdio.h>

#include "spfs_core.h"
#include "spfs_stats.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct name {
	unsigned int value;
	const char *symbol;
	const char *name;
};

/* Each element as the module's enums and name tables have it. */
#define EM(a, b)	{ a, #a, b },
#define EMe(a, b)	{ a, #a, b },

static const struct name rules[] = { SPFS_RULE_LIST };
static const struct name verdicts[] = { SPFS_VERDICT_LIST };
static const struct name reasons[] = { SPFS_REASON_LIST };
static const struct name causes[] = { SPFS_CAUSE_LIST };
static const struct name ops[] = { SPFS_OP_LIST };
static const struct name pt_events[] = { SPFS_PT_EVENT_LIST };
static const struct name flags[] = { SPFS_FLAG_LIST };
static const struct name reals[] = { SPFS_REAL_LIST };
static const struct name stats[] = { SPFS_STAT_LIST };

#undef EM
#undef EMe

/* A list, its elements and the enum constant that counts them. */
#define LIST(name, array, nr)						\
	{ name, array, ARRAY_SIZE(array), nr, #nr }

static const struct {
	const char *list;
	const struct name *names;
	size_t n;
	unsigned int nr;
	const char *nr_symbol;
} lists[] = {
	LIST("rule",		rules,		SPFS_NR_RULES),
	LIST("verdict",		verdicts,	SPFS_NR_VERDICTS),
	LIST("reason",		reasons,	SPFS_NR_REASONS),
	LIST("cause",		causes,		SPFS_NR_CAUSES),
	LIST("op",		ops,		SPFS_NR_OPS),
	LIST("pt_event",	pt_events,	SPFS_NR_PT_EVENTS),
	LIST("flag",		flags,		SPFS_NR_FLAGS),
	LIST("real",		reals,		SPFS_NR_REALS),
	LIST("stat",		stats,		SPFS_NR_STATS),
};

int main(void)
{
	size_t l, i;

	for (l = 0; l < ARRAY_SIZE(lists); l++) {
		for (i = 0; i < lists[l].n; i++)
			printf("%s %u %s %s\n", lists[l].list,
			       lists[l].names[i].value,
			       lists[l].names[i].symbol,
			       lists[l].names[i].name);
		printf("nr %u %s %s\n", lists[l].nr, lists[l].nr_symbol,
		       lists[l].list);
	}
	return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
