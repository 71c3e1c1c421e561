// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: shadow speculative page faults.
 *
 * For every user page fault, would a speculative (mmap_lock-free) fault
 * handler have committed, raced, or not tried?  See README.md for the
 * user's view and DESIGN.md for the model.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include "spfs.h"

static int __init spfs_init(void)
{
	int ret;

	ret = spfs_debugfs_init();
	if (ret)
		return ret;
	ret = spfs_probes_register();
	if (ret)
		goto remove_debugfs;
	pr_info("loaded\n");
	return 0;

remove_debugfs:
	spfs_debugfs_exit();
	return ret;
}

static void __exit spfs_exit(void)
{
	spfs_probes_unregister();
	spfs_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(spfs_init);
module_exit(spfs_exit);

MODULE_DESCRIPTION("Shadow speculative page faults: would each fault have committed without mmap_lock?");
MODULE_AUTHOR("spf-shadow developers");
MODULE_LICENSE("GPL");
