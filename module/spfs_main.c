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

#include "spfs_account.h"
#include "spfs_classify.h"
#include "spfs_clock.h"
#include "spfs_debugfs.h"
#include "spfs_hooks.h"
#include "spfs_probes.h"
#include "spfs_settings.h"
#include "spfs_slot.h"
#include "spfs_stats.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"

static char *target = "all";
module_param(target, charp, 0444);
MODULE_PARM_DESC(target, "What to track from load: none, all, \"pid N\", \"comm NAME\" (default: all)");

static char *pvl_profile = "6.12";
module_param(pvl_profile, charp, 0444);
MODULE_PARM_DESC(pvl_profile, "Whose per-VMA-lock rules the pvl verdict follows: 6.4 or 6.12 (default: 6.12)");

module_param_named(vma_lock_facts, spfs_vma_lock_facts, bool, 0444);
MODULE_PARM_DESC(vma_lock_facts, "Kernels with per-VMA locks: pvl's VMA write locks are those the kernel takes (1, default), or modelled from the VMA writes as on a kernel without them (0)");

module_param_named(vma_lock_timing, spfs_vma_lock_timing, bool, 0444);
MODULE_PARM_DESC(vma_lock_timing, "Kernels with per-VMA locks: hook lock_vma_under_rcu() for when a fault tries the VMA lock (1, default), or take it at the fault's entry (0)");

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
	bool tsc;
	int ret;

	ret = spfs_parse_params(&t);
	if (ret)
		return ret;
	tsc = spfs_clock_init();
	ret = spfs_stats_init();
	if (ret)
		return ret;
	ret = spfs_classify_init();
	if (ret)
		goto exit_stats;
	ret = spfs_account_init();
	if (ret)
		goto exit_stats;
	ret = spfs_fault_init();
	if (ret)
		goto exit_account;
	ret = spfs_track_init();
	if (ret)
		goto exit_account;
	ret = spfs_target_set(&t);
	if (ret)
		goto exit_track;
	ret = spfs_debugfs_init();
	if (ret)
		goto exit_track;
	static_branch_enable(&spfs_active);
	ret = spfs_probes_register();
	if (ret)
		goto remove_debugfs;
	spfs_track_start();
	pr_info("loaded, target '%s', pvl profile %s%s, clock %s\n", target,
		pvl_profile, !SPFS_HAVE_VMA_LOCK ? "" : spfs_vma_lock_facts ?
		", VMA lock facts" : ", VMA locks modelled",
		tsc ? "TSC" : "monotonic");
	return 0;

remove_debugfs:
	spfs_debugfs_exit();
exit_track:
	spfs_track_exit();
exit_account:
	spfs_account_exit();
	spfs_slot_exit();
exit_stats:
	spfs_stats_exit();
	return ret;
}

static void __exit spfs_exit(void)
{
	spfs_probes_unregister();
	spfs_debugfs_exit();
	spfs_track_exit();
	spfs_account_exit();
	spfs_slot_exit();
	spfs_stats_exit();
	pr_info("unloaded\n");
}

module_init(spfs_init);
module_exit(spfs_exit);

MODULE_DESCRIPTION("Shadow speculative page faults: would each fault have committed without mmap_lock?");
MODULE_AUTHOR("spf-shadow developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(SPFS_VERSION);
