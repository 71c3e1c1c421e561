/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: attaching to the kernel (spfs_probes.c).
 */
#ifndef _SPFS_PROBES_H
#define _SPFS_PROBES_H

#include <linux/types.h>

/**
 * struct spfs_probe_info - what one probe looks like from debugfs
 * @name: the probed symbol or tracepoint
 * @kind: "tracepoint", "ftrace", "kprobe" or "kretprobe"
 * @attached: whether it is registered
 * @required: whether the module refuses to load without it
 * @nmissed: hits it could not handle (kretprobe instances exhausted, or
 *	     recursion)
 */
struct spfs_probe_info {
	const char *name;
	const char *kind;
	bool attached;
	bool required;
	unsigned long nmissed;
};

int spfs_probes_register(void);
void spfs_probes_unregister(void);
unsigned int spfs_probes_count(void);
void spfs_probe_info(unsigned int i, struct spfs_probe_info *info);

#endif /* _SPFS_PROBES_H */
