// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the debugfs interface, /sys/kernel/debug/spf_shadow/.
 *
 *   stats	one "key value" per line: counters summed over CPUs, then the
 *		nmissed of every probe as "nmissed.<symbol>"
 *   probes	one line per probe: name, kind, attached or not, nmissed
 *   reset	write 1 to zero the counters; anything else is -EINVAL
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "spfs.h"

static struct dentry *spfs_debugfs_dir;

static int stats_show(struct seq_file *m, void *v)
{
	struct spfs_probe_info info;
	unsigned int i;
	int s;

	for (s = 0; s < SPFS_NR_STATS; s++)
		seq_printf(m, "%s %llu\n", spfs_stat_name(s), spfs_stat_sum(s));
	for (i = 0; i < spfs_probes_count(); i++) {
		spfs_probe_info(i, &info);
		seq_printf(m, "nmissed.%s %lu\n", info.name, info.nmissed);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int probes_show(struct seq_file *m, void *v)
{
	struct spfs_probe_info info;
	unsigned int i;

	for (i = 0; i < spfs_probes_count(); i++) {
		spfs_probe_info(i, &info);
		seq_printf(m, "%s %s %s nmissed=%lu\n", info.name, info.kind,
			   info.attached ? "attached" : "missing",
			   info.nmissed);
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
	spfs_stats_reset();
	return count;
}

static const struct file_operations reset_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= reset_write,
	.llseek	= noop_llseek,
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
	spfs_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(spfs_debugfs_dir)) {
		pr_warn("debugfs unavailable: %ld\n", PTR_ERR(spfs_debugfs_dir));
		return 0;
	}
	debugfs_create_file("stats", 0444, spfs_debugfs_dir, NULL, &stats_fops);
	debugfs_create_file("probes", 0444, spfs_debugfs_dir, NULL,
			    &probes_fops);
	debugfs_create_file("reset", 0200, spfs_debugfs_dir, NULL, &reset_fops);
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
