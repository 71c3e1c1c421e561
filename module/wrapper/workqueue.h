/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: the system's unbound workqueue.
 *
 * 6.17 added system_dfl_wq (commit 128ea9f6ccfb, "workqueue: Add
 * system_percpu_wq and system_dfl_wq") to replace system_unbound_wq,
 * which 7.x warns about when work is queued on it and will remove.
 */
#ifndef _SPFS_WRAPPER_WORKQUEUE_H
#define _SPFS_WRAPPER_WORKQUEUE_H

#include <linux/version.h>

#include "wrapper/kernel_range.h"
#include <linux/workqueue.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
static inline struct workqueue_struct *spfs_unbound_wq(void)
{
	return system_dfl_wq;
}
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0) */
static inline struct workqueue_struct *spfs_unbound_wq(void)
{
	return system_unbound_wq;
}
#endif /* else LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0) */

#endif /* _SPFS_WRAPPER_WORKQUEUE_H */
