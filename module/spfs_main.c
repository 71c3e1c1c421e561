// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: shadow speculative page faults.
 *
 * For every user page fault of the tracked processes, would a speculative
 * (mmap_lock-free) fault handler have committed, raced, or not tried -
 * under the 2014 RFC, Dufour's SPF, Lespinasse's SPF and per-VMA locks?
 * See README.md for the user's view.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "spfs.h"

static char *target = "all";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "What to track from load: none, all, \"pid N\", \"comm NAME\" (default: all)");

static char *pvl_profile = "6.12";
module_param(pvl_profile, charp, 0444);
MODULE_PARM_DESC(pvl_profile, "Whose per-VMA-lock rules the pvl verdict follows: 6.4 or 6.12 (default: 6.12)");

static int spfs_parse_params(struct spfs_target *t)
{
	if (!strcmp(pvl_profile, "6.12")) {
		spfs_pvl = SPFS_PVL_6_12;
	} else if (!strcmp(pvl_profile, "6.4")) {
		spfs_pvl = SPFS_PVL_6_4;
	} else {
		pr_err("pvl_profile must be 6.4 or 6.12, not '%s'\n",
		       pvl_profile);
		return -EINVAL;
	}
	if (spfs_target_parse(target, strlen(target), t)) {
		pr_err("target must be none, all, \"pid N\" or \"comm NAME\", not '%s'\n",
		       target);
		return -EINVAL;
	}
	return 0;
}

static int __init spfs_init(void)
{
	struct spfs_target t;
	int ret;

	ret = spfs_parse_params(&t);
	if (ret)
		return ret;
	ret = spfs_stats_init();
	if (ret)
		return ret;
	ret = spfs_fault_init();
	if (ret)
		goto exit_stats;
	ret = spfs_track_init();
	if (ret)
		goto exit_fault;
	ret = spfs_target_set(&t);
	if (ret)
		goto exit_track;
	ret = spfs_debugfs_init();
	if (ret)
		goto exit_track;
	WRITE_ONCE(spfs_active, true);
	ret = spfs_probes_register();
	if (ret)
		goto remove_debugfs;
	pr_info("loaded, target '%s', pvl profile %s\n", target, pvl_profile);
	return 0;

remove_debugfs:
	spfs_debugfs_exit();
exit_track:
	spfs_track_exit();
exit_fault:
	spfs_fault_exit();
exit_stats:
	spfs_stats_exit();
	return ret;
}

static void __exit spfs_exit(void)
{
	spfs_probes_unregister();
	spfs_debugfs_exit();
	spfs_track_exit();
	spfs_fault_exit();
	spfs_stats_exit();
	pr_info("unloaded\n");
}

module_init(spfs_init);
module_exit(spfs_exit);

MODULE_DESCRIPTION("Shadow speculative page faults: would each fault have committed without mmap_lock?");
MODULE_AUTHOR("spf-shadow developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(SPFS_VERSION);
