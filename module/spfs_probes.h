/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: attaching to the kernel (spfs_probes.c).
 */
#ifndef _SPFS_PROBES_H
#define _SPFS_PROBES_H

#include <linux/kprobes.h>
#include <linux/types.h>

#include "wrapper/fprobe.h"
#include "wrapper/vma_lock.h"

/**
 * struct spfs_probe_info - what one probe looks like from debugfs
 * @name: the probed symbol or tracepoint
 * @kind: "tracepoint", "ftrace", "kprobe", "kretprobe" or "fprobe"
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

static inline void spfs_info_kprobe(struct spfs_probe_info *info,
				    struct kprobe *kp, bool attached,
				    bool required)
{
	info->name = kp->symbol_name;
	info->kind = "kprobe";
	info->attached = attached;
	info->required = required;
	info->nmissed = kp->nmissed;
}

static inline void spfs_info_kretprobe(struct spfs_probe_info *info,
				       struct kretprobe *rp, bool attached,
				       bool required)
{
	spfs_info_kprobe(info, &rp->kp, attached, required);
	info->kind = "kretprobe";
	info->nmissed += rp->nmissed;
}

/*
 * The VMA write lock where it is out of line (spfs_probes_vlock.c, for
 * spfs_probes.c): the function and its vm_refcnt mark, listed there only.
 */
#define SPFS_NR_VLOCK	(2 * SPFS_HAVE_VMA_WRITE_LOCK_FN)

void spfs_vlock_register(int maxactive);
void spfs_vlock_unregister(void);
void spfs_vlock_info(unsigned int i, struct spfs_probe_info *info);

/*
 * T1 where vma_end_read() is inline (spfs_probes_t1.c, for spfs_probes.c):
 * a kprobe after each of handle_mm_fault()'s calls that handle the fault,
 * or, where they are not found, an fprobe on its return.
 */
#if SPFS_T1_AT_RETURN
int spfs_t1_register(void);
void spfs_t1_unregister(void);
unsigned int spfs_t1_count(void);
void spfs_t1_info(unsigned int i, struct spfs_probe_info *info);
#else
static inline int spfs_t1_register(void)
{
	return 0;
}

static inline void spfs_t1_unregister(void)
{
}

static inline unsigned int spfs_t1_count(void)
{
	return 0;
}

static inline void spfs_t1_info(unsigned int i, struct spfs_probe_info *info)
{
}
#endif

#endif /* _SPFS_PROBES_H */
