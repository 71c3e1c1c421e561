/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP output for the host unit tests: one "ok N name" or
 * "not ok N name" line per case, "# ..." diagnostics before a failure.
 */
#ifndef _SPFS_KTAP_H
#define _SPFS_KTAP_H

#include <stdarg.h>
#include <stdio.h>

static int ktap_n, ktap_failed, ktap_case_failed;

static inline void ktap_begin(void)
{
	printf("KTAP version 1\n");
}

/* Report a failed expectation inside the current case. */
static inline void ktap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	ktap_case_failed = 1;
}

#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond))						\
			ktap_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

static inline void ktap_case(const char *name, void (*fn)(void))
{
	ktap_case_failed = 0;
	fn();
	ktap_n++;
	ktap_failed += ktap_case_failed;
	printf("%sok %d %s\n", ktap_case_failed ? "not " : "", ktap_n, name);
}

static inline int ktap_end(void)
{
	printf("1..%d\n", ktap_n);
	return ktap_failed ? 1 : 0;
}

#endif /* _SPFS_KTAP_H */
