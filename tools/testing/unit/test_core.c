// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the kernel-independent core (module/spfs_core.c),
 * compiled in userspace against the very same source as the module.
 */
#include <errno.h>
#include <string.h>

#include "spfs_core.h"
#include "ktap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *in;
	int ret;
	enum spfs_target_kind kind;
	int pid;
	const char *comm;
} target_cases[] = {
	{ "none",			0, SPFS_TARGET_NONE },
	{ "none\n",			0, SPFS_TARGET_NONE },
	{ "all",			0, SPFS_TARGET_ALL },
	{ "all\n",			0, SPFS_TARGET_ALL },
	{ "pid 1",			0, SPFS_TARGET_PID, 1 },
	{ "pid 4194304\n",		0, SPFS_TARGET_PID, 4194304 },
	{ "pid 2147483647",		0, SPFS_TARGET_PID, 2147483647 },
	{ "comm a",			0, SPFS_TARGET_COMM, 0, "a" },
	{ "comm stress-ng-vm\n",	0, SPFS_TARGET_COMM, 0, "stress-ng-vm" },
	{ "comm 123456789012345",	0, SPFS_TARGET_COMM, 0,
	  "123456789012345" },
	{ "",				-EINVAL },
	{ "\n",				-EINVAL },
	{ "\n\n",			-EINVAL },
	{ "al",				-EINVAL },
	{ "all ",			-EINVAL },
	{ " all",			-EINVAL },
	{ "ALL",			-EINVAL },
	{ "none\n\n",			-EINVAL },
	{ "pid",			-EINVAL },
	{ "pid ",			-EINVAL },
	{ "pid 0",			-EINVAL },
	{ "pid -1",			-EINVAL },
	{ "pid +1",			-EINVAL },
	{ "pid 12x",			-EINVAL },
	{ "pid 2147483648",		-EINVAL },
	{ "pid 99999999999999999999",	-EINVAL },
	{ "pid  1",			-EINVAL },
	{ "pid 1 ",			-EINVAL },
	{ "comm",			-EINVAL },
	{ "comm ",			-EINVAL },
	{ "comm a b",			-EINVAL },
	{ "comm 1234567890123456",	0, SPFS_TARGET_COMM, 0,
	  "123456789012345" },
	{ "comm madvise_dontneed",	0, SPFS_TARGET_COMM, 0,
	  "madvise_dontnee" },
	{ "comm\ta",			-EINVAL },
	{ "1",				-EINVAL },
	{ "0123456789012345678901234567890123456789012345678901234567890123",
	  -EINVAL },
};

static void test_target_parse(void)
{
	struct spfs_target t;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(target_cases); i++) {
		const char *in = target_cases[i].in;

		memset(&t, 0x5a, sizeof(t));
		ret = spfs_target_parse(in, strlen(in), &t);
		EXPECT(ret == target_cases[i].ret, "'%s': ret %d, want %d",
		       in, ret, target_cases[i].ret);
		if (ret) {
			/* An error must leave the old target untouched. */
			EXPECT(t.kind == (enum spfs_target_kind)0x5a5a5a5a,
			       "'%s': target changed on error", in);
			continue;
		}
		EXPECT(t.kind == target_cases[i].kind, "'%s': kind %d", in,
		       t.kind);
		if (t.kind == SPFS_TARGET_PID)
			EXPECT(t.pid == target_cases[i].pid, "'%s': pid %d",
			       in, t.pid);
		if (t.kind == SPFS_TARGET_COMM)
			EXPECT(!strcmp(t.comm, target_cases[i].comm),
			       "'%s': comm '%s'", in, t.comm);
	}
}

static void test_target_embedded_nul(void)
{
	struct spfs_target t;

	EXPECT(spfs_target_parse("all\0x", 5, &t) == -EINVAL,
	       "embedded NUL accepted");
	EXPECT(spfs_target_parse("comm a\0", 7, &t) == -EINVAL,
	       "trailing NUL accepted");
}

/* What is formatted must parse back to the same target. */
static void test_target_roundtrip(void)
{
	static const char * const in[] = {
		"none", "all", "pid 1", "pid 2147483647", "comm x",
		"comm 123456789012345",
	};
	struct spfs_target t, u;
	char buf[SPFS_CMD_MAX];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		EXPECT(!spfs_target_parse(in[i], strlen(in[i]), &t),
		       "'%s' rejected", in[i]);
		n = spfs_target_format(&t, buf, sizeof(buf));
		EXPECT(n == (int)strlen(in[i]) && !strcmp(buf, in[i]),
		       "'%s' formats as '%s' (%d)", in[i], buf, n);
		EXPECT(!spfs_target_parse(buf, n, &u) && u.kind == t.kind,
		       "'%s' does not parse back", buf);
	}
	EXPECT(spfs_target_format(&t, buf, 4) == -EINVAL,
	       "short buffer accepted");
	EXPECT(spfs_target_format(&t, buf, 0) == -EINVAL,
	       "empty buffer accepted");
}

static void test_target_match(void)
{
	static const struct {
		const char *target;
		int tgid;
		const char *comm;
		bool match;
	} cases[] = {
		{ "none",	1,	"init",		false },
		{ "all",	1,	"init",		true },
		{ "pid 42",	42,	"x",		true },
		{ "pid 42",	43,	"x",		false },
		{ "comm init",	1,	"init",		true },
		{ "comm init",	1,	"initx",	false },
		{ "comm init",	1,	"ini",		false },
		{ "comm 123456789012345", 1, "123456789012345", true },
	};
	struct spfs_target t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		spfs_target_parse(cases[i].target, strlen(cases[i].target),
				  &t);
		EXPECT(spfs_target_match(&t, cases[i].tgid, cases[i].comm) ==
		       cases[i].match, "'%s' vs %d/%s", cases[i].target,
		       cases[i].tgid, cases[i].comm);
	}
}

static void test_parse_reset(void)
{
	static const struct {
		const char *in;
		int ret;
	} cases[] = {
		{ "1", 0 }, { "1\n", 0 }, { "0", -EINVAL }, { "", -EINVAL },
		{ "11", -EINVAL }, { "1 ", -EINVAL }, { "yes", -EINVAL },
		{ "1\n\n", -EINVAL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		EXPECT(spfs_parse_reset(cases[i].in, strlen(cases[i].in)) ==
		       cases[i].ret, "'%s'", cases[i].in);
}

static void test_hist_bucket(void)
{
	static const struct {
		u64 v;
		unsigned int bucket;
	} cases[] = {
		{ 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 2 }, { 4, 3 }, { 1023, 10 },
		{ 1024, 11 }, { 1ULL << 38, 39 }, { 1ULL << 39, 39 },
		{ ~0ULL, SPFS_HIST_BUCKETS - 1 },
	};
	unsigned int b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		EXPECT(spfs_hist_bucket(cases[i].v) == cases[i].bucket,
		       "%llu -> %u, want %u", (unsigned long long)cases[i].v,
		       spfs_hist_bucket(cases[i].v), cases[i].bucket);
	/* Each bucket's low bound falls in that bucket. */
	for (b = 0; b < SPFS_HIST_BUCKETS; b++)
		EXPECT(spfs_hist_bucket(spfs_hist_bucket_low(b)) == b,
		       "low bound of %u", b);
}

int main(void)
{
	ktap_begin();
	ktap_case("target_parse", test_target_parse);
	ktap_case("target_embedded_nul", test_target_embedded_nul);
	ktap_case("target_roundtrip", test_target_roundtrip);
	ktap_case("target_match", test_target_match);
	ktap_case("parse_reset", test_parse_reset);
	ktap_case("hist_bucket", test_hist_bucket);
	return ktap_end();
}
