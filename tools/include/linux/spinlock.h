/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/spinlock.h> (see linux/percpu.h beside
 * it): a raw spinlock is a mutex, as in the kernel's own tools/include.
 */
#ifndef _SPFS_TOOLS_LINUX_SPINLOCK_H
#define _SPFS_TOOLS_LINUX_SPINLOCK_H

#include <pthread.h>

#define raw_spinlock_t			pthread_mutex_t
#define raw_spin_lock(lock)		pthread_mutex_lock(lock)
#define raw_spin_unlock(lock)		pthread_mutex_unlock(lock)

#endif /* _SPFS_TOOLS_LINUX_SPINLOCK_H */
