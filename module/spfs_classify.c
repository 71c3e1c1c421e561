// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: fault classification, the parts out of the hooks' way: what
 * identifies a shmem mapping, learnt at load, and the PMD check's walk
 * from the top where the upper entries changed.  The hooks' own parts are
 * inline, in spfs_walk.h.
 */
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/shmem_fs.h>

#include "spfs_walk.h"
#include "wrapper/shmem.h"

/*
 * shmem_mapping() is not exported before 6.2 or so; the address space
 * operations of a shmem file made at load time identify shmem mappings
 * (shared anonymous memory included) on every kernel.
 */
const struct address_space_operations *spfs_shmem_aops __read_mostly;

/**
 * spfs_classify_init() - learn what identifies a shmem mapping
 *
 * Return: 0, or the error of creating a shmem file.
 */
int spfs_classify_init(void)
{
	struct file *f = spfs_shmem_file_setup(KBUILD_MODNAME);

	if (IS_ERR(f))
		return PTR_ERR(f);
	spfs_shmem_aops = f->f_mapping->a_ops;
	fput(f);
	return 0;
}

/**
 * spfs_pmd_walk_changed() - spfs_pmd_changed() where the upper entries
 *			     changed since T0's walk
 * @mm: the mm
 * @addr: the address
 * @pmd: the entry T0's walk found there, pointing to a PTE table
 * @path: the way that walk went down; updated
 *
 * The walk again, from the top, with the fault's lock held and
 * preemption off.
 *
 * Return: true if the entry over @addr is not @pmd, or no PTE table's.
 */
bool spfs_pmd_walk_changed(struct mm_struct *mm, unsigned long addr,
			   unsigned long pmd, struct spfs_path *path)
{
	u32 flags = 0;
	pmd_t pmdv;

	return !spfs_walk_ptes(mm, addr, &pmdv, &flags, path) ||
	       spfs_pmdv(pmdv) != pmd;
}
NOKPROBE_SYMBOL(spfs_pmd_walk_changed);

