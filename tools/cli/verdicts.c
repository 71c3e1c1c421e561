// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: what the counters say per rule.  Everything here is over
 * the service window (the module's estimate); the full-window counters
 * (R.full.*) are not shown.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <string.h>

const char *const spfs_rules[SPFS_NR_RULES] = {
	"seed", "dufour", "lespinasse", "pvl",
};

/* What each design is, in a few words, for headings. */
const char *const spfs_rule_desc[SPFS_NR_RULES] = {
	"2014 RFC, per-VMA sequence count",
	"SPF v11/v12, per-VMA count, PTL trylock",
	"SPF v2, per-mm sequence",
	"per-VMA locks, 6.4+",
};

const char *const spfs_race_kinds[SPFS_NR_KINDS] = {
	"race_vma", "race_vma_busy", "race_pgtable", "race_mm",
};

/**
 * spfs_rule_sum() - one rule's verdicts
 * @kv: stats (and races)
 * @rule: index in spfs_rules
 * @sum: where to put them
 *
 * eligible is faults less the ineligible ones, of every reason.
 */
void spfs_rule_sum(const struct spfs_kvset *kv, int rule,
		   struct spfs_rule_sum *sum)
{
	const char *r = spfs_rules[rule];
	const struct spfs_kv *e;
	char prefix[64];
	size_t pos = 0, k;

	memset(sum, 0, sizeof(*sum));
	sum->rule = r;
	sum->faults = spfs_kv_get(kv, "faults");
	sum->success = spfs_kv_get(kv, "%s.success", r);
	for (k = 0; k < SPFS_NR_KINDS; k++)
		sum->race[k] = spfs_kv_get(kv, "%s.%s", r, spfs_race_kinds[k]);
	sum->real_retry = spfs_kv_get(kv, "%s.real_retry", r);
	sum->wait_avoided_ns = spfs_kv_get(kv, "%s.wait_avoided_ns", r);
	snprintf(prefix, sizeof(prefix), "%s.ineligible.", r);
	while ((e = spfs_kv_next(kv, prefix, &pos)))
		sum->ineligible += e->val;
	sum->eligible = sum->faults > sum->ineligible ?
			sum->faults - sum->ineligible : 0;
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
