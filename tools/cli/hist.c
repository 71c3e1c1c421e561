// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the module's latency histograms (debugfs "latency"), read
 * and drawn as bars the way bpftrace's hist() prints them, so that the
 * two read alike:
 *
 *	[512, 1K)          43109 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
 *
 * The module's buckets are bpftrace's: log2, bucket i holding
 * [2^(i-1), 2^i), bucket 0 the zeros.
 */
#include "spf-shadow.h"	/* first: it defines _GNU_SOURCE */

#include <stdlib.h>
#include <string.h>

/* bpftrace's columns: label, count, then the bar between two '|'. */
#define HIST_LABEL_W	16
#define HIST_COUNT_W	8
#define HIST_BAR_W	52

/* What each histogram of a rule holds, by the suffix of its name. */
static const struct {
	const char *suffix;
	const char *what;
} spfs_hist_what[] = {
	{ "service_ns", "service window of would-be successes, ns" },
	{ "lock_wait_ns", "lock wait (TL - T0) of would-be successes, ns" },
};

/**
 * spfs_hists_parse() - the histograms of a latency file
 * @text: its text: a name line ("seed.service_ns") before the bucket
 *	  lines ("[512, 1024) 43109") of each histogram, empty ends left out
 * @hists: set to an array, to be freed with spfs_hists_free()
 *
 * Return: the number of histograms.  Lines of neither form are skipped.
 */
size_t spfs_hists_parse(const char *text, struct spfs_hist **hists)
{
	unsigned long long low, high, count;
	struct spfs_hist *h = NULL;
	size_t n = 0, len;
	const char *line, *end;

	*hists = NULL;
	for (line = text; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		len = end - line;
		if (sscanf(line, "[%llu, %llu) %llu", &low, &high, &count) == 3) {
			if (h && h->n < ARRAY_SIZE(h->b)) {
				h->b[h->n].low = low;
				h->b[h->n].high = high;
				h->b[h->n].count = count;
				h->n++;
			}
			continue;
		}
		if (!len || memchr(line, ' ', len))
			continue;
		*hists = spfs_realloc(*hists, (n + 1) * sizeof(**hists));
		h = &(*hists)[n++];
		memset(h, 0, sizeof(*h));
		h->name = strndup(line, len);
		if (!h->name)
			spfs_die("out of memory");
	}
	return n;
}

void spfs_hists_free(struct spfs_hist *hists, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(hists[i].name);
	free(hists);
}

/* A bucket bound as bpftrace writes it: 512, 1K, 2M, ... */
static void hist_bound(char *buf, size_t size, uint64_t v)
{
	static const char suffix[] = "KMGTPE";
	int s = -1;

	while (v >= 1024 && v % 1024 == 0 && s + 1 < (int)strlen(suffix)) {
		v /= 1024;
		s++;
	}
	if (s < 0)
		snprintf(buf, size, "%llu", (unsigned long long)v);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)v, suffix[s]);
}

/* The description of a histogram, by its name's last part. */
static const char *hist_what(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	for (i = 0; dot && i < ARRAY_SIZE(spfs_hist_what); i++)
		if (!strcmp(dot + 1, spfs_hist_what[i].suffix))
			return spfs_hist_what[i].what;
	return NULL;
}

/**
 * spfs_hist_print() - one histogram, as bars
 * @out: where to print it
 * @h: the histogram
 *
 * Its name and what it holds, then a line per bucket: "[low, high)" (or
 * "[v]" for a bucket of one value), the count, and a bar as long as the
 * count is to the largest, 52 columns at most.  A count too wide for its
 * column takes from the bar, so that lines stay below 80 columns.
 */
void spfs_hist_print(FILE *out, const struct spfs_hist *h)
{
	char lo[24], hi[24], label[56], count[32], bar[HIST_BAR_W + 1];
	const char *what = hist_what(h->name);
	uint64_t max = 0;
	int width, len;
	size_t i;

	fprintf(out, "%s%s%s\n", h->name, what ? ": " : "", what ? what : "");
	for (i = 0; i < h->n; i++)
		if (h->b[i].count > max)
			max = h->b[i].count;
	if (!max) {
		fprintf(out, "(no faults)\n");
		return;
	}
	for (i = 0; i < h->n; i++) {
		hist_bound(lo, sizeof(lo), h->b[i].low);
		hist_bound(hi, sizeof(hi), h->b[i].high);
		if (h->b[i].high == h->b[i].low + 1)
			snprintf(label, sizeof(label), "[%s]", lo);
		else
			snprintf(label, sizeof(label), "[%s, %s)", lo, hi);
		len = snprintf(count, sizeof(count), "%llu",
			       (unsigned long long)h->b[i].count);
		width = HIST_BAR_W - (len > HIST_COUNT_W ? len - HIST_COUNT_W : 0);
		memset(bar, '@', HIST_BAR_W);
		bar[(int)((double)h->b[i].count / max * width)] = '\0';
		fprintf(out, "%-*s%*s |%-*s|\n", HIST_LABEL_W, label,
			HIST_COUNT_W, count, width, bar);
	}
}
