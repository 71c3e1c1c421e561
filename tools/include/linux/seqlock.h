/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/seqlock.h> (see linux/percpu.h beside
 * it): one CPU and no concurrent reader, so the count is only counted.
 */
#ifndef _SPFS_TOOLS_LINUX_SEQLOCK_H
#define _SPFS_TOOLS_LINUX_SEQLOCK_H

struct spfs_seqcount {
	unsigned int sequence;
};

#define seqcount_t			struct spfs_seqcount

#define raw_write_seqcount_begin(s)	((s)->sequence++)
#define raw_write_seqcount_end(s)	((s)->sequence++)

#endif /* _SPFS_TOOLS_LINUX_SEQLOCK_H */
