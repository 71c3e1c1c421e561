// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: attaching to the VMA write lock where the kernel takes it
 * out of line (6.18 on: wrapper/vma_lock.h).
 *
 *   kretprobe	SPFS_VMA_WRITE_LOCK_FN: the lock asked for at its entry,
 *		the return where the mark is not seen
 *   kprobe	the instruction after the lock cmpxchg that marks the VMA's
 *		vm_refcnt for the writer, found in the running kernel's text
 *		(spfs_lock_cmpxchg_site()): the lock held from there
 *
 * The handlers are in spfs_writers.c.  Without these probes pvl's verdict
 * looks for the locks at the end of each write cycle, as held from its
 * start (spfs_cycle_end()); without the mark's alone, the faults that
 * tried a lock between its ask and the function's return are judged by
 * their own end.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <linux/string.h>

#include "spfs_ablate.h"
#include "spfs_caller.h"
#include "spfs_hooks.h"
#include "spfs_probes.h"
#include "spfs_settings.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"

static struct kretprobe spfs_vlock_probe = {
	.kp.symbol_name = SPFS_VMA_WRITE_LOCK_FN,
	.entry_handler = spfs_vma_write_lock_entry,
	.handler = spfs_vma_write_lock_ret,
	.data_size = sizeof(struct spfs_vlock),
};
static bool spfs_vlock_attached;

/* Listed as "function+offset". */
static struct spfs_mark_probe spfs_vlock_mark_probe = {
	.kp.pre_handler = spfs_vma_mark_pre,
};
static bool spfs_vlock_mark_attached;
static char spfs_vlock_mark_name[64];

/* struct pt_regs offsets of the x86-64 registers, by encoding. */
static const unsigned short spfs_x86_reg_offset[16] = {
	offsetof(struct pt_regs, ax), offsetof(struct pt_regs, cx),
	offsetof(struct pt_regs, dx), offsetof(struct pt_regs, bx),
	offsetof(struct pt_regs, sp), offsetof(struct pt_regs, bp),
	offsetof(struct pt_regs, si), offsetof(struct pt_regs, di),
	offsetof(struct pt_regs, r8), offsetof(struct pt_regs, r9),
	offsetof(struct pt_regs, r10), offsetof(struct pt_regs, r11),
	offsetof(struct pt_regs, r12), offsetof(struct pt_regs, r13),
	offsetof(struct pt_regs, r14), offsetof(struct pt_regs, r15),
};

static void spfs_vlock_mark_register(void)
{
	struct spfs_cmpxchg_site site;
	int ret;

	ret = spfs_lock_cmpxchg_site(spfs_vlock_probe.kp.symbol_name, &site);
	if (!ret) {
		spfs_vlock_mark_probe.kp.addr = (kprobe_opcode_t *)site.addr;
		spfs_vlock_mark_probe.reg_offset =
			spfs_x86_reg_offset[site.base];
		spfs_vlock_mark_probe.disp = site.disp;
		spfs_vlock_mark_probe.taken = site.taken;
		ret = register_kprobe(&spfs_vlock_mark_probe.kp);
	}
	if (ret) {
		pr_info("no probe on %s's vm_refcnt mark (%d): its faults judged by their end\n",
			spfs_vlock_probe.kp.symbol_name, ret);
		return;
	}
	/* "function+offset", without sprint_symbol()'s "/size". */
	snprintf(spfs_vlock_mark_name, sizeof(spfs_vlock_mark_name), "%pS",
		 (void *)site.addr);
	spfs_vlock_mark_name[strcspn(spfs_vlock_mark_name, "/")] = '\0';
	spfs_vlock_mark_attached = true;
}

/**
 * spfs_vlock_register() - attach to the out-of-line VMA write lock
 * @maxactive: the kretprobe's instances
 *
 * Where the kernel has one, and the rwsem hooks are wanted; what cannot
 * attach is said and listed.  Before TL is hooked: the mark is looked
 * for in kallsyms' buffer, shared with TL's learner.
 */
void spfs_vlock_register(int maxactive)
{
	int ret;

	if (!SPFS_NR_VLOCK || !SPFS_HOOK_WANTED(SPFS_HOOK_RWSEM))
		return;
	/* Before the function's entry is patched by its kretprobe. */
	spfs_vlock_mark_register();
	spfs_vlock_probe.maxactive = maxactive;
	ret = register_kretprobe(&spfs_vlock_probe);
	if (ret) {
		pr_info("VMA write lock %s not probed (%d)\n",
			spfs_vlock_probe.kp.symbol_name, ret);
		return;
	}
	spfs_vlock_attached = true;
	spfs_cycle_write_lock_hook(true);
}

/**
 * spfs_vlock_unregister() - detach from the out-of-line VMA write lock
 */
void spfs_vlock_unregister(void)
{
	if (spfs_vlock_attached)
		unregister_kretprobe(&spfs_vlock_probe);
	spfs_vlock_attached = false;
	if (spfs_vlock_mark_attached)
		unregister_kprobe(&spfs_vlock_mark_probe.kp);
	spfs_vlock_mark_attached = false;
	spfs_cycle_write_lock_hook(false);
}

/**
 * spfs_vlock_info() - describe one of the two probes
 * @i: 0 for the function, 1 for its mark
 * @info: filled in
 */
void spfs_vlock_info(unsigned int i, struct spfs_probe_info *info)
{
	if (!i) {
		spfs_info_kretprobe(info, &spfs_vlock_probe,
				    spfs_vlock_attached, false);
		return;
	}
	spfs_info_kprobe(info, &spfs_vlock_mark_probe.kp,
			 spfs_vlock_mark_attached, false);
	info->name = spfs_vlock_mark_attached ? spfs_vlock_mark_name :
		     "vm_refcnt mark";
}
