// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the JSON document of stat --json and report --json.  Its
 * layout is documented in spf-shadow(8) and stays stable: a new field
 * may be added, none is renamed or removed without a new "version".
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <string.h>
#include <sys/utsname.h>

#define JSON_VERSION	1
#define JSON_MAX_DEPTH	8

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

static void json_string(struct json *j, const char *s)
{
	unsigned char c;

	fputc('"', j->out);
	for (; (c = *s); s++) {
		if (c == '"' || c == '\\')
			fprintf(j->out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(j->out, "\\u%04x", c);
		else
			fputc(c, j->out);
	}
	fputc('"', j->out);
}

/* The separator, indentation and "key": of the next member. */
static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	fprintf(j->out, "\n%*s", 2 * j->depth, "");
	json_string(j, key);
	fputs(": ", j->out);
}

static void json_open(struct json *j, const char *key)
{
	if (key)
		json_key(j, key);
	fputc('{', j->out);
	j->first[++j->depth] = true;
}

static void json_close(struct json *j)
{
	bool empty = j->first[j->depth--];

	if (!empty)
		fprintf(j->out, "\n%*s", 2 * j->depth, "");
	fputc('}', j->out);
}

static void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

static void json_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

static void json_str_array(struct json *j, const char *key,
			   char *const *argv)
{
	json_key(j, key);
	fputc('[', j->out);
	for (; *argv; argv++) {
		json_string(j, *argv);
		if (argv[1])
			fputs(", ", j->out);
	}
	fputc(']', j->out);
}

/* An object of the counters under a prefix, named by what follows it. */
static void json_counters(struct json *j, const char *key,
			  const struct spfs_kvset *kv, const char *prefix)
{
	const struct spfs_kv *e;
	size_t pos = 0, len = strlen(prefix);

	json_open(j, key);
	while ((e = spfs_kv_next(kv, prefix, &pos)))
		if (!strchr(e->key + len, '.'))
			json_u64(j, e->key + len, e->val);
	json_close(j);
}

static void json_rule(struct json *j, const struct spfs_kvset *kv, int rule)
{
	struct spfs_rule_sum sum;
	char prefix[64];
	int v;

	spfs_rule_sum(kv, rule, &sum);
	json_open(j, sum.rule);
	for (v = 0; v < SPFS_NR_VERDICTS; v++)
		if (v != SPFS_V_INELIGIBLE)
			json_u64(j, spfs_verdict_name(v), sum.verdict[v]);
	snprintf(prefix, sizeof(prefix), "%s.%s.", sum.rule,
		 spfs_verdict_name(SPFS_V_INELIGIBLE));
	json_counters(j, spfs_verdict_name(SPFS_V_INELIGIBLE), kv, prefix);
	json_open(j, "races_by_cause");
	for (v = 0; v < SPFS_NR_VERDICTS; v++) {
		if (!spfs_verdict_is_race(v))
			continue;
		snprintf(prefix, sizeof(prefix), "%s.%s.", sum.rule,
			 spfs_verdict_name(v));
		json_counters(j, spfs_verdict_name(v), kv, prefix);
	}
	json_close(j);
	json_u64(j, "wait_avoided_ns", sum.wait_avoided_ns);
	json_u64(j, "pt_overlap", sum.pt_overlap);
	json_close(j);
}

static void json_totals(struct json *j, const struct spfs_report *r)
{
	static const char *const keys[] = {
		"faults", "faults_gup", "faults_untracked", "faults_kernel",
	};
	static const char *const agreement[] = {
		"agree", "disagree", "contested", "contested_agree",
		"by_fault_end", "by_fault_end_agree",
	};
	const struct spfs_kvset *kv = &r->snap->kv;
	size_t i;
	int rule;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		json_u64(j, keys[i], spfs_kv_get(kv, "%s", keys[i]));
	json_open(j, "rules");
	for (rule = 0; rule < SPFS_NR_RULES; rule++)
		if (r->rules & (1U << rule))
			json_rule(j, kv, rule);
	json_close(j);
	json_u64(j, "pvl_writer_stall_ns",
		 spfs_kv_get(kv, "pvl.writer_stall_ns"));
	if (r->snap->agreement) {
		json_open(j, "pvl_agreement");
		for (i = 0; i < ARRAY_SIZE(agreement); i++)
			json_u64(j, agreement[i],
				 spfs_kv_get(kv, "pvl.%s", agreement[i]));
		json_close(j);
	}
}

/**
 * spfs_report_json() - the JSON document of stat and report
 * @out: where to print it
 * @r: what to print; the command, exit status and elapsed time only
 *     when @r->argv is set (stat)
 */
void spfs_report_json(FILE *out, const struct spfs_report *r)
{
	struct json j = { .out = out };
	struct utsname u;

	if (uname(&u))
		strcpy(u.release, "unknown");
	json_open(&j, NULL);
	json_u64(&j, "version", JSON_VERSION);
	json_str(&j, "kernel", u.release);
	if (r->argv) {
		json_str_array(&j, "command", r->argv);
		json_u64(&j, "exit_status", r->exit_status);
		json_u64(&j, "elapsed_ns", (uint64_t)(r->elapsed * 1e9));
	}
	json_totals(&j, r);
	json_close(&j);
	fputc('\n', out);
}
