/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow compat: creating a shmem file.
 *
 * 7.0 turned the flags of shmem_file_setup() from a vm_flags_t mask into
 * a vma_flags_t bitmap (Lorenzo Stoakes' "mm: update shmem_[kernel]_file_*()
 * functions to use vma_flags_t").
 */
#ifndef _SPFS_WRAPPER_SHMEM_H
#define _SPFS_WRAPPER_SHMEM_H

#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include <linux/version.h>

#include "wrapper/kernel_range.h"

/**
 * spfs_shmem_file_setup() - an unlinked, empty tmpfs file
 * @name: its name
 *
 * Its size is not accounted (no reserve): the module only wants its
 * address_space operations.
 *
 * Return: the file, or an ERR_PTR().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
static inline struct file *spfs_shmem_file_setup(const char *name)
{
	return shmem_file_setup(name, 0, mk_vma_flags(VMA_NORESERVE_BIT));
}
#else /* LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0) */
static inline struct file *spfs_shmem_file_setup(const char *name)
{
	return shmem_file_setup(name, 0, VM_NORESERVE);
}
#endif /* else LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0) */

#endif /* _SPFS_WRAPPER_SHMEM_H */
