/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: /sys/kernel/debug/spf_shadow/ (spfs_debugfs.c).
 */
#ifndef _SPFS_DEBUGFS_H
#define _SPFS_DEBUGFS_H

int spfs_debugfs_init(void);
void spfs_debugfs_exit(void);

#endif /* _SPFS_DEBUGFS_H */
