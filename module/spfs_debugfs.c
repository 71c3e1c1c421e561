// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the debugfs interface, /sys/kernel/debug/spf_shadow/.
 *
 *   stats	"key value" lines: fault counts, then per rule R the verdicts
 *		R.<verdict> and R.ineligible.<reason> over the service window
 *		(for each rule they add up to "faults"), R.wait_avoided_ns,
 *		R.pt_overlap, the same over the full window as R.full.*, the
 *		pvl writer stall, and the nmissed of every probe
 *   races	the races split by cause: R.race_vma.<cause>,
 *		R.race_vma_busy.<cause>, R.race_mm.<cause>,
 *		R.race_pgtable.<notifier event>, and R.full.* likewise
 *   procs	one line per tracked process
 *   latency	log2 histograms (ns) of the service window and of the lock
 *		wait of the faults that would have succeeded, per rule
 *   agreement	(kernels with per-VMA locks) the shadow pvl verdict against
 *		what the kernel really did, fault by fault: a matrix for the
 *		uncontested and one for the contested faults (a write cycle
 *		overlapped them), the agreement rates without the rows that
 *		agree by construction, the faults judged by their own end
 *		(kept apart), the abort prediction's precision and recall
 *   disagreements  the last faults whose pvl verdict missed, newest first
 *   probes	one line per probe: name, kind, attached or missing, nmissed
 *   target	what is tracked: none, all, pid N, comm NAME (read/write)
 *   reset	write 1 to zero the counters
 *
 * Writes to target and reset take the whole command in one write(2);
 * anything else fails with EINVAL and changes nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "spfs_account.h"
#include "spfs_debugfs.h"
#include "spfs_probes.h"
#include "spfs_stats.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"

static struct dentry *spfs_debugfs_dir;

static const char * const spfs_window_prefix[SPFS_NR_WINDOWS] = {
	[SPFS_WIN_SERVICE]	= "",
	[SPFS_WIN_FULL]		= "full.",
};

/* A consistent snapshot of the counters, or NULL; kfree() it. */
static struct spfs_stats *spfs_debugfs_snapshot(void)
{
	struct spfs_stats *st = kmalloc(sizeof(*st), GFP_KERNEL);

	if (st)
		spfs_stats_snapshot(st);
	return st;
}

static void stats_show_rule(struct seq_file *m, const struct spfs_stats *st,
			    int r, int w)
{
	const char *rule = spfs_rule_name(r), *wp = spfs_window_prefix[w];
	int v;

	for (v = 0; v < SPFS_NR_VERDICTS; v++) {
		if (v == SPFS_V_INELIGIBLE)
			continue;	/* by reason below: no double count */
		seq_printf(m, "%s.%s%s %llu\n", rule, wp, spfs_verdict_name(v),
			   st->verdict[r][w][v]);
	}
	for (v = 0; v < SPFS_NR_REASONS; v++)
		seq_printf(m, "%s.%sineligible.%s %llu\n", rule, wp,
			   spfs_reason_name(v), st->reason[r][w][v]);
	seq_printf(m, "%s.%spt_overlap %llu\n", rule, wp, st->pt_overlap[r][w]);
}

static int stats_show(struct seq_file *m, void *v)
{
	struct spfs_stats *st = spfs_debugfs_snapshot();
	struct spfs_probe_info info;
	unsigned int i;
	int s, r, w;

	if (!st)
		return -ENOMEM;
	for (s = 0; s < SPFS_NR_STATS; s++)
		seq_printf(m, "%s %llu\n", spfs_stat_name(s),
			   st->count[s]);
	seq_printf(m, "procs_tracked %u\n", spfs_track_count());
	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		for (r = 0; r < SPFS_NR_RULES; r++) {
			stats_show_rule(m, st, r, w);
			if (w == SPFS_WIN_SERVICE)
				seq_printf(m, "%s.wait_avoided_ns %llu\n",
					   spfs_rule_name(r),
					   st->wait_avoided_ns[r]);
		}
		seq_printf(m, "pvl.%swriter_stall_ns %llu\n",
			   spfs_window_prefix[w],
			   st->writer_stall_ns[w]);
	}
	for (i = 0; i < spfs_probes_count(); i++) {
		spfs_probe_info(i, &info);
		if (strcmp(info.kind, "tracepoint"))
			seq_printf(m, "nmissed.%s %lu\n", info.name,
				   info.nmissed);
	}
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static const char * const spfs_cause_kind_names[SPFS_NR_CAUSE_KINDS] = {
	[SPFS_CK_VMA]		= "race_vma",
	[SPFS_CK_VMA_BUSY]	= "race_vma_busy",
	[SPFS_CK_MM]		= "race_mm",
};

static int races_show(struct seq_file *m, void *v)
{
	struct spfs_stats *st = spfs_debugfs_snapshot();
	int r, w, k, c;

	if (!st)
		return -ENOMEM;
	for (w = 0; w < SPFS_NR_WINDOWS; w++) {
		for (r = 0; r < SPFS_NR_RULES; r++) {
			const char *rule = spfs_rule_name(r);
			const char *wp = spfs_window_prefix[w];

			for (k = 0; k < SPFS_NR_CAUSE_KINDS; k++)
				for (c = 0; c < SPFS_NR_CAUSES; c++)
					seq_printf(m, "%s.%s%s.%s %llu\n", rule,
						   wp, spfs_cause_kind_names[k],
						   spfs_cause_name(c),
						   st->cause[r][w][k][c]);
			for (c = 0; c < SPFS_NR_PT_EVENTS; c++)
				seq_printf(m, "%s.%srace_pgtable.%s %llu\n",
					   rule, wp, spfs_pt_event_name(c),
					   st->pt_event[r][w][c]);
		}
	}
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(races);

/*
 * Successes are what is neither a race nor another verdict: of a process
 * still faulting, a read may catch a fault in its rule counts and not yet
 * in its total, so they are clamped at 0.
 */
static void procs_show_one(struct spfs_mm *smm, void *arg)
{
	struct seq_file *m = arg;
	long faults = atomic_long_read(&smm->faults), races, success;
	int r;

	/* A comm is any bytes a process chose: no forged fields or lines. */
	seq_printf(m, "%d ", smm->tgid);
	seq_escape(m, smm->comm, " \t\n\\");
	seq_printf(m, " %ld", faults);
	for (r = 0; r < SPFS_NR_RULES; r++) {
		races = atomic_long_read(&smm->races[r]);
		success = faults - races - atomic_long_read(&smm->others[r]);
		seq_printf(m, " %ld %ld", max(success, 0L), races);
	}
	seq_putc(m, '\n');
}

static int procs_show(struct seq_file *m, void *v)
{
	int r;

	seq_puts(m, "# tgid comm faults");
	for (r = 0; r < SPFS_NR_RULES; r++)
		seq_printf(m, " %s.success %s.races", spfs_rule_name(r),
			   spfs_rule_name(r));
	seq_putc(m, '\n');
	spfs_track_for_each(procs_show_one, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(procs);

/* One histogram, bpftrace style: [low, high) count, empty ends omitted. */
static void latency_show_hist(struct seq_file *m, const char *title,
			      const u64 *counts)
{
	int b, first = -1, last = -1;

	for (b = 0; b < SPFS_HIST_BUCKETS; b++) {
		if (counts[b]) {
			if (first < 0)
				first = b;
			last = b;
		}
	}
	seq_printf(m, "%s\n", title);
	for (b = first; first >= 0 && b <= last; b++)
		seq_printf(m, "[%llu, %llu) %llu\n", spfs_hist_bucket_low(b),
			   spfs_hist_bucket_low(b + 1), counts[b]);
}

static int latency_show(struct seq_file *m, void *v)
{
	struct spfs_stats *st = spfs_debugfs_snapshot();
	char title[64];
	int r;

	if (!st)
		return -ENOMEM;
	for (r = 0; r < SPFS_NR_RULES; r++) {
		snprintf(title, sizeof(title), "%s.service_ns",
			 spfs_rule_name(r));
		latency_show_hist(m, title, st->hist_service[r]);
		snprintf(title, sizeof(title), "%s.lock_wait_ns",
			 spfs_rule_name(r));
		latency_show_hist(m, title, st->hist_wait[r]);
	}
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(latency);

/* One matrix of the agreement file: rows seen, real outcomes across. */
static void agreement_show_matrix(struct seq_file *m,
				  const u64 (*cells)[SPFS_NR_REALS],
				  const char *title)
{
	unsigned int row, real;

	seq_printf(m, "# %s\n%-16s", title, "# pvl \\ real");
	for (real = 0; real < SPFS_NR_REALS; real++)
		seq_printf(m, " %16s", spfs_real_name(real));
	seq_puts(m, "  agrees\n");
	for (row = 0; row < SPFS_NR_PVL_ROWS; row++) {
		u64 sum = 0;

		for (real = 0; real < SPFS_NR_REALS; real++)
			sum += cells[row][real];
		if (!sum)
			continue;
		seq_printf(m, "%-16s", spfs_pvl_row_name(row));
		for (real = 0; real < SPFS_NR_REALS; real++)
			seq_printf(m, " %16llu", cells[row][real]);
		seq_puts(m, "  ");
		for (real = 0; real < SPFS_NR_REALS; real++)
			if (spfs_pvl_agrees(row, real))
				seq_printf(m, " %s", spfs_real_name(real));
		if (spfs_pvl_row_by_construction(row))
			seq_puts(m, " (by construction)");
		seq_putc(m, '\n');
	}
}

/* @a of @n as a percentage with two decimals. */
static void agreement_pct(struct seq_file *m, const char *what, u64 a, u64 n)
{
	seq_printf(m, " %s %llu.%02llu%%", what, n ? a * 100 / n : 0,
		   n ? a * 10000 / n % 100 : 0);
}

/*
 * The abort prediction: the faults predicted to fail the VMA lock at
 * start (race_vma_busy) against those that really fell back to
 * mmap_lock, over every row but those that agree by construction.
 */
static void agreement_show_abort(struct seq_file *m,
				 const struct spfs_stats *st)
{
	u64 tp = 0, fp = 0, fn = 0;
	unsigned int c, row, real;

	for (c = 0; c < 2; c++) {
		for (row = 0; row < SPFS_NR_PVL_ROWS; row++) {
			if (spfs_pvl_row_by_construction(row))
				continue;
			for (real = 0; real < SPFS_NR_REALS; real++) {
				u64 n = st->agreement[c][row][real];
				bool predicted = row == SPFS_V_RACE_VMA_BUSY;
				bool fell = real == SPFS_REAL_MMAP;

				tp += predicted && fell ? n : 0;
				fp += predicted && !fell ? n : 0;
				fn += !predicted && fell ? n : 0;
			}
		}
	}
	seq_printf(m, "abort predicted %llu fell back %llu both %llu", tp + fp,
		   tp + fn, tp);
	agreement_pct(m, "precision", tp, tp + fp);
	agreement_pct(m, "recall", tp, tp + fn);
	seq_putc(m, '\n');
}

static int agreement_show(struct seq_file *m, void *v)
{
	struct spfs_stats *st;
	u64 agree, n, contested, cagree, by_construction = 0;
	unsigned int c, row, real;

	if (!SPFS_HAVE_VMA_LOCK) {
		seq_puts(m, "unavailable: this kernel has no per-VMA locks; the pvl verdict is a prediction only\n");
		return 0;
	}
	st = spfs_debugfs_snapshot();
	if (!st)
		return -ENOMEM;
	agreement_show_matrix(m, st->agreement[0], "uncontested faults");
	agreement_show_matrix(m, st->agreement[1],
			      "contested faults (a write cycle overlapped them)");
	for (c = 0; c < 2; c++)
		for (row = 0; row < SPFS_NR_PVL_ROWS; row++)
			for (real = 0; real < SPFS_NR_REALS; real++)
				if (spfs_pvl_row_by_construction(row))
					by_construction +=
						st->agreement[c][row][real];
	agree = st->count[SPFS_STAT_PVL_AGREE];
	n = agree + st->count[SPFS_STAT_PVL_DISAGREE];
	contested = st->count[SPFS_STAT_PVL_CONTESTED];
	cagree = st->count[SPFS_STAT_PVL_CONTESTED_AGREE];
	seq_printf(m, "total %llu agree %llu disagree %llu", n, agree,
		   n - agree);
	agreement_pct(m, "rate", agree, n);
	seq_printf(m, "\ncontested %llu agree %llu disagree %llu", contested,
		   cagree, contested - cagree);
	agreement_pct(m, "rate", cagree, contested);
	seq_printf(m, "\nby_construction %llu (left out of the rates)\n",
		   by_construction);
	seq_printf(m, "by_fault_end %llu agree %llu (left out of the matrices and the rates)\n",
		   st->count[SPFS_STAT_PVL_BY_FAULT_END],
		   st->count[SPFS_STAT_PVL_BY_FAULT_END_AGREE]);
	agreement_show_abort(m, st);
	seq_printf(m, "lock_facts missed %llu extra %llu\n",
		   st->count[SPFS_STAT_PVL_FACTS_MISSED],
		   st->count[SPFS_STAT_PVL_FACTS_EXTRA]);
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(agreement);

static int disagreements_show(struct seq_file *m, void *v)
{
	struct spfs_disagreement d;
	unsigned int i, b;
	const char *sep;

	if (!SPFS_HAVE_VMA_LOCK)
		return 0;
	seq_puts(m, "# tgid address vma shadow real contested flags\n");
	for (i = 0; i < SPFS_DISAGREEMENTS; i++) {
		if (!spfs_disagreement_get(i, &d))
			continue;
		seq_printf(m, "%d 0x%llx 0x%llx-0x%llx %s", d.tgid, d.addr,
			   d.vm_start, d.vm_end, spfs_pvl_row_name(d.row));
		if (d.row == SPFS_V_RACE_VMA_BUSY)
			seq_printf(m, ".%s", spfs_cause_name(d.detail));
		else if (d.row == SPFS_V_RACE_PGTABLE)
			seq_printf(m, ".%s", spfs_pt_event_name(d.detail));
		seq_printf(m, " %s %d ", spfs_real_name(d.real), d.contested);
		sep = "";
		for (b = 0; b < SPFS_NR_FLAGS; b++) {
			if (d.flags & (1U << b)) {
				seq_printf(m, "%s%s", sep, spfs_flag_name(b));
				sep = ",";
			}
		}
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(disagreements);

static int probes_show(struct seq_file *m, void *v)
{
	struct spfs_probe_info info;
	unsigned int i;

	for (i = 0; i < spfs_probes_count(); i++) {
		spfs_probe_info(i, &info);
		seq_printf(m, "%s %s %s%s nmissed=%lu\n", info.name, info.kind,
			   info.attached ? "attached" : "missing",
			   info.required ? " required" : "", info.nmissed);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(probes);

/*
 * Control files take their whole command in one write() at offset 0:
 * a partial or appended write would make the meaning depend on how the
 * writer chunked it.
 */
static ssize_t spfs_copy_cmd(const char __user *ubuf, size_t count,
			     loff_t *ppos, char *buf)
{
	if (*ppos || !count || count >= SPFS_CMD_MAX)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	return count;
}

static ssize_t reset_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[SPFS_CMD_MAX];
	ssize_t ret;

	ret = spfs_copy_cmd(ubuf, count, ppos, buf);
	if (ret < 0)
		return ret;
	if (spfs_parse_reset(buf, count))
		return -EINVAL;
	ret = spfs_stats_reset();
	if (ret)
		return ret;
	spfs_account_reset();
	spfs_track_reset_counts();
	return count;
}

static const struct file_operations reset_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= reset_write,
	.llseek	= noop_llseek,
};

static int target_show(struct seq_file *m, void *v)
{
	struct spfs_target t;
	char buf[SPFS_CMD_MAX];

	spfs_target_get(&t);
	if (spfs_target_format(&t, buf, sizeof(buf)) >= 0)
		seq_printf(m, "%s\n", buf);
	return 0;
}

static int target_open(struct inode *inode, struct file *file)
{
	return single_open(file, target_show, inode->i_private);
}

static ssize_t target_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct spfs_target t;
	char buf[SPFS_CMD_MAX];
	ssize_t ret;

	ret = spfs_copy_cmd(ubuf, count, ppos, buf);
	if (ret < 0)
		return ret;
	if (spfs_target_parse(buf, count, &t))
		return -EINVAL;
	ret = spfs_target_set(&t);
	return ret ? ret : count;
}

static const struct file_operations target_fops = {
	.owner		= THIS_MODULE,
	.open		= target_open,
	.read		= seq_read,
	.write		= target_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/**
 * spfs_debugfs_init() - create /sys/kernel/debug/spf_shadow/
 *
 * debugfs reports no errors to its callers by design; a missing debugfs
 * leaves the module working but unreadable, which is logged.
 *
 * Return: 0.
 */
int spfs_debugfs_init(void)
{
	struct dentry *d;

	d = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(d)) {
		pr_warn("debugfs unavailable: %ld\n", PTR_ERR(d));
		return 0;
	}
	/*
	 * Root only: procs, disagreements and the rest name other users'
	 * processes, their fault addresses and their layout (ASLR).
	 */
	debugfs_create_file("stats", 0400, d, NULL, &stats_fops);
	debugfs_create_file("races", 0400, d, NULL, &races_fops);
	debugfs_create_file("procs", 0400, d, NULL, &procs_fops);
	debugfs_create_file("latency", 0400, d, NULL, &latency_fops);
	debugfs_create_file("agreement", 0400, d, NULL, &agreement_fops);
	debugfs_create_file("disagreements", 0400, d, NULL,
			    &disagreements_fops);
	debugfs_create_file("probes", 0400, d, NULL, &probes_fops);
	debugfs_create_file("target", 0600, d, NULL, &target_fops);
	debugfs_create_file("reset", 0200, d, NULL, &reset_fops);
	spfs_debugfs_dir = d;
	return 0;
}

/**
 * spfs_debugfs_exit() - remove the directory; waits for open files' calls
 */
void spfs_debugfs_exit(void)
{
	debugfs_remove(spfs_debugfs_dir);
	spfs_debugfs_dir = NULL;
}
