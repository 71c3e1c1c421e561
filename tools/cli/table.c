// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the text table of stat and report, perf stat style: one row
 * per counter, "COUNT [UNIT] NAME # COMMENT", below SPFS_COLS columns.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <string.h>

/* Columns: count, unit, name, then "# " and the comment. */
#define COUNT_W		13
#define UNIT_W		4
#define NAME_W		16
#define COMMENT_COL	(COUNT_W + 1 + UNIT_W + 1 + NAME_W + 3)

/* Cause and reason lists, at most this long. */
#define TOP_ITEMS	8
/* Reasons shown as rows of their own under "ineligible". */
#define TOP_REASONS	3

/* v with thousands separators: 1,234,567. */
char *spfs_fmt_count(char *buf, size_t size, uint64_t v)
{
	char digits[32];
	size_t len, i, o = 0;

	len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A percentage, 7 wide ("100.00%"), or "-" when there is no whole. */
char *spfs_fmt_pct(char *buf, size_t size, double pct)
{
	if (pct < 0)
		snprintf(buf, size, "%7s", "-");
	else
		snprintf(buf, size, "%6.2f%%", pct);
	return buf;
}

/* Nanoseconds as milliseconds with two decimals: 1,234.56. */
static char *spfs_fmt_ms(char *buf, size_t size, uint64_t ns)
{
	uint64_t cs = (ns + 5000) / 10000;	/* hundredths of a ms */
	char whole[32];

	snprintf(buf, size, "%s.%02u",
		 spfs_fmt_count(whole, sizeof(whole), cs / 100),
		 (unsigned int)(cs % 100));
	return buf;
}

/* Cut @s to @width columns, ending in "..." if anything was cut. */
void spfs_fit(char *s, size_t width)
{
	if (strlen(s) <= width)
		return;
	if (width >= 3)
		strcpy(s + width - 3, "...");
	else
		s[width] = '\0';
}

/* Print a line cut to the width, without trailing blanks. */
static void spfs_line(FILE *out, char *line)
{
	size_t len;

	spfs_fit(line, SPFS_COLS);
	len = strlen(line);
	while (len && line[len - 1] == ' ')
		line[--len] = '\0';
	fprintf(out, "%s\n", line);
}

static void row(FILE *out, const char *count, const char *unit,
		const char *name, const char *comment)
{
	char line[512];

	snprintf(line, sizeof(line), "%*s %-*s %-*s %s%s", COUNT_W, count,
		 UNIT_W, unit, NAME_W, name, *comment ? "# " : "", comment);
	spfs_line(out, line);
}

static void row_count(FILE *out, uint64_t v, const char *name,
		      const char *comment)
{
	char count[32];

	row(out, spfs_fmt_count(count, sizeof(count), v), "", name, comment);
}

static void row_ms(FILE *out, uint64_t ns, const char *name,
		   const char *comment)
{
	char ms[48];

	row(out, spfs_fmt_ms(ms, sizeof(ms), ns), "msec", name, comment);
}

/* "mprotect 14, munmap 3" into @buf, as many items as fit in @room. */
static void spfs_items_text(char *buf, size_t room,
			    const struct spfs_item *items, size_t n)
{
	char count[32], item[128];
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(item, sizeof(item), "%s%s %s", i ? ", " : "",
			 items[i].name,
			 spfs_fmt_count(count, sizeof(count), items[i].count));
		/* Leave room for ", ..." unless this is the last one. */
		if (len + strlen(item) + (i + 1 < n ? 5 : 0) > room) {
			strcpy(buf + len, i ? ", ..." : "...");
			return;
		}
		strcpy(buf + len, item);
		len += strlen(item);
	}
}

/* A race verdict's row: its share of eligible faults and top causes. */
static void row_race(FILE *out, const struct spfs_report *r,
		     const struct spfs_rule_sum *sum, int v)
{
	struct spfs_item items[TOP_ITEMS];
	char prefix[64], pct[16], causes[128], comment[192];
	size_t n;

	snprintf(prefix, sizeof(prefix), "%s.%s.", sum->rule,
		 spfs_verdict_name(v));
	n = spfs_top_items(&r->snap->kv, prefix, items, TOP_ITEMS);
	spfs_fmt_pct(pct, sizeof(pct), spfs_pct(sum->verdict[v], sum->eligible));
	spfs_items_text(causes, SPFS_COLS - COMMENT_COL - strlen(pct) - 2,
			items, n);
	snprintf(comment, sizeof(comment), "%s  %s", pct, causes);
	row_count(out, sum->verdict[v], spfs_verdict_name(v), comment);
}

/* "ineligible" and its top reasons as indented rows, % of faults. */
static void rows_ineligible(FILE *out, const struct spfs_report *r,
			    const struct spfs_rule_sum *sum)
{
	const char *name = spfs_verdict_name(SPFS_V_INELIGIBLE);
	uint64_t others = sum->verdict[SPFS_V_INELIGIBLE];
	struct spfs_item items[TOP_ITEMS];
	char prefix[64], pct[16], comment[64], reason[64];
	size_t n, i;

	spfs_fmt_pct(pct, sizeof(pct), spfs_pct(others, sum->faults));
	snprintf(comment, sizeof(comment), "%s of faults", pct);
	row_count(out, others, name, comment);

	snprintf(prefix, sizeof(prefix), "%s.%s.", sum->rule, name);
	n = spfs_top_items(&r->snap->kv, prefix, items, TOP_ITEMS);
	for (i = 0; i < n && i < TOP_REASONS; i++) {
		snprintf(reason, sizeof(reason), "  %s", items[i].name);
		row_count(out, items[i].count, reason,
			  spfs_fmt_pct(pct, sizeof(pct),
				       spfs_pct(items[i].count, sum->faults)));
		others -= items[i].count;
	}
	if (others)
		row_count(out, others, "  (others)",
			  spfs_fmt_pct(pct, sizeof(pct),
				       spfs_pct(others, sum->faults)));
}

/* One agreement row: @agree of @agree + @disagree faults. */
static void row_agree(FILE *out, uint64_t agree, uint64_t disagree,
		      const char *name, const char *what)
{
	char pct[16], count[32], comment[128];

	snprintf(comment, sizeof(comment), "%s %s, %s disagree",
		 spfs_fmt_pct(pct, sizeof(pct),
			      spfs_pct(agree, agree + disagree)), what,
		 spfs_fmt_count(count, sizeof(count), disagree));
	row_count(out, agree, name, comment);
}

/*
 * pvl only: the writer stall, and the agreement with real VMA locks:
 * over all faults, then over the contested ones (a write cycle
 * overlapped them), on which a prediction can go wrong at all.
 */
static void rows_pvl(FILE *out, const struct spfs_report *r)
{
	const struct spfs_kvset *kv = &r->snap->kv;
	uint64_t contested, cagree, bfe;

	row_ms(out, spfs_kv_get(kv, "pvl.writer_stall_ns"), "writer_stall",
	       "writers waiting for in-flight faults");
	if (!r->snap->agreement)
		return;
	row_agree(out, spfs_kv_get(kv, "pvl.agree"),
		  spfs_kv_get(kv, "pvl.disagree"), "agree",
		  "vs real VMA locks");
	contested = spfs_kv_get(kv, "pvl.contested");
	cagree = spfs_kv_get(kv, "pvl.contested_agree");
	row_agree(out, cagree, contested > cagree ? contested - cagree : 0,
		  "  contested", "under write cycles");
	/* 6.18 on: faults whose verdict was read from their own end. */
	bfe = spfs_kv_get(kv, "pvl.by_fault_end");
	if (bfe)
		row_count(out, bfe, "  by_fault_end",
			  "judged by their own end, not in the rates");
}

static void rule_block(FILE *out, const struct spfs_report *r, int rule)
{
	struct spfs_rule_sum sum;
	char pct[16], comment[64], line[128];
	int v;

	spfs_rule_sum(&r->snap->kv, rule, &sum);
	snprintf(line, sizeof(line), " %s (%s):", sum.rule,
		 spfs_rule_desc[rule]);
	fprintf(out, "\n");
	spfs_line(out, line);

	spfs_fmt_pct(pct, sizeof(pct), spfs_pct(sum.eligible, sum.faults));
	snprintf(comment, sizeof(comment), "%s of faults", pct);
	row_count(out, sum.eligible, "eligible", comment);
	/* The verdicts in the module's order: success, races, real_retry. */
	for (v = 0; v < SPFS_NR_VERDICTS; v++) {
		if (spfs_verdict_is_race(v)) {
			row_race(out, r, &sum, v);
			continue;
		}
		if (v == SPFS_V_INELIGIBLE)
			continue;	/* last, with its reasons */
		snprintf(comment, sizeof(comment), "%s%s",
			 spfs_fmt_pct(pct, sizeof(pct),
				      spfs_pct(sum.verdict[v], sum.eligible)),
			 v == SPFS_V_SUCCESS ? " of eligible" : "");
		row_count(out, sum.verdict[v], spfs_verdict_name(v), comment);
	}
	rows_ineligible(out, r, &sum);
	row_ms(out, sum.wait_avoided_ns, "wait_avoided",
	       "lock wait of would-be successes");
	if (rule == SPFS_RULE_PVL)
		rows_pvl(out, r);
}

static void header(FILE *out, const struct spfs_report *r)
{
	const struct spfs_kvset *kv = &r->snap->kv;
	char line[512];

	snprintf(line, sizeof(line), " %s", r->title);
	fprintf(out, "\n");
	spfs_line(out, line);
	fprintf(out, "\n");
	row_count(out, spfs_kv_get(kv, "faults"), "faults",
		  "user faults judged");
	row_count(out, spfs_kv_get(kv, "faults_untracked"), "faults_untracked",
		  "before tracking was ready (exec)");
	row_count(out, spfs_kv_get(kv, "faults_kernel"), "faults_kernel",
		  "kernel-mode faults on user memory");
	row_count(out, spfs_kv_get(kv, "faults_gup"), "faults_gup",
		  "handle_mm_fault() without a user fault");
}

/* Counters that say part of the answer is missing, and what they mean. */
static const struct {
	const char *key;
	const char *what;
} spfs_notes[] = {
	{ "log_overflow", "faults judged with events lost" },
	{ "events_lost", "events not logged (open-event table full)" },
	{ "inflight_full", "faults not judged (in-flight table full)" },
	{ "track_failed", "processes could not be tracked" },
};

/* A note for each of those counters that is not 0. */
static void notes(FILE *out, const struct spfs_report *r)
{
	const struct spfs_kvset *kv = &r->snap->kv;
	const struct spfs_kv *e;
	uint64_t missed = 0, v;
	size_t pos = 0, i;
	char count[32];

	while ((e = spfs_kv_next(kv, "nmissed.", &pos)))
		missed += e->val;
	if (missed)
		fprintf(out, " note: %s probe hits missed (nmissed.*)\n",
			spfs_fmt_count(count, sizeof(count), missed));
	for (i = 0; i < ARRAY_SIZE(spfs_notes); i++) {
		v = spfs_kv_get(kv, "%s", spfs_notes[i].key);
		if (v)
			fprintf(out, " note: %s %s (%s)\n",
				spfs_fmt_count(count, sizeof(count), v),
				spfs_notes[i].what, spfs_notes[i].key);
	}
}

/**
 * spfs_report_table() - the perf-stat-like table of stat and report
 * @out: where to print it
 * @r: what to print
 */
void spfs_report_table(FILE *out, const struct spfs_report *r)
{
	int rule;

	header(out, r);
	for (rule = 0; rule < SPFS_NR_RULES; rule++)
		if (r->rules & (1U << rule))
			rule_block(out, r, rule);
	fprintf(out, "\n Service window; races and real_retry in %% of eligible faults.\n");
	notes(out, r);
	if (r->elapsed >= 0)
		fprintf(out, "\n %14.9f seconds time elapsed\n", r->elapsed);
	fprintf(out, "\n");
}
