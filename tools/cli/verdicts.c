// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: what the counters say per rule.  Everything here is over
 * the service window (the module's estimate); the full-window counters
 * (R.full.*) are not shown.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <string.h>

/*
 * What each design is, in a few words, for headings; the names themselves
 * are the module's (spfs_rule_name()).
 */
const char *const spfs_rule_desc[] = {
	[SPFS_RULE_SEED]	= "2014 RFC, per-VMA sequence count",
	[SPFS_RULE_DUFOUR]	= "SPF v11/v12, per-VMA count, PTL trylock",
	[SPFS_RULE_LESPINASSE]	= "SPF v2, per-mm sequence",
	[SPFS_RULE_PVL]		= "per-VMA locks, 6.4+",
};
/* A rule added to the module's list needs its words here. */
_Static_assert(ARRAY_SIZE(spfs_rule_desc) == SPFS_NR_RULES,
	       "a description per rule");

/**
 * spfs_rule_sum() - one rule's verdicts
 * @kv: stats (and races)
 * @rule: the rule
 * @sum: where to put them
 *
 * The ineligible verdict is the sum of every reason; eligible is faults
 * less that.
 */
void spfs_rule_sum(const struct spfs_kvset *kv, int rule,
		   struct spfs_rule_sum *sum)
{
	const char *r = spfs_rule_name(rule);
	const struct spfs_kv *e;
	char prefix[64];
	size_t pos = 0;
	int v;

	memset(sum, 0, sizeof(*sum));
	sum->rule = r;
	sum->faults = spfs_kv_get(kv, "faults");
	for (v = 0; v < SPFS_NR_VERDICTS; v++)
		if (v != SPFS_V_INELIGIBLE)
			sum->verdict[v] = spfs_kv_get(kv, "%s.%s", r,
						      spfs_verdict_name(v));
	sum->wait_avoided_ns = spfs_kv_get(kv, "%s.wait_avoided_ns", r);
	sum->pt_overlap = spfs_kv_get(kv, "%s.pt_overlap", r);
	snprintf(prefix, sizeof(prefix), "%s.%s.", r,
		 spfs_verdict_name(SPFS_V_INELIGIBLE));
	while ((e = spfs_kv_next(kv, prefix, &pos)))
		sum->verdict[SPFS_V_INELIGIBLE] += e->val;
	sum->eligible = sum->faults > sum->verdict[SPFS_V_INELIGIBLE] ?
			sum->faults - sum->verdict[SPFS_V_INELIGIBLE] : 0;
}

/**
 * spfs_top_items() - the largest non-zero counters under a prefix
 * @kv: the counters
 * @prefix: e.g. "seed.race_vma." (causes) or "seed.ineligible." (reasons)
 * @items: where to put them, largest first (ties in file order); their
 *	   names point into @kv
 * @max: room in @items
 *
 * Return: how many were stored.
 */
size_t spfs_top_items(const struct spfs_kvset *kv, const char *prefix,
		      struct spfs_item *items, size_t max)
{
	size_t pos = 0, n = 0, i, len = strlen(prefix);
	const struct spfs_kv *e;

	while ((e = spfs_kv_next(kv, prefix, &pos))) {
		if (!e->val || strchr(e->key + len, '.'))
			continue;
		/* Insertion sort, descending; the smallest falls off. */
		for (i = n; i > 0 && items[i - 1].count < e->val; i--)
			if (i < max)
				items[i] = items[i - 1];
		if (i < max) {
			items[i].name = e->key + len;
			items[i].count = e->val;
		}
		if (n < max)
			n++;
	}
	return n;
}

/* part as a percentage of whole; negative when whole is 0. */
double spfs_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : -1.0;
}
