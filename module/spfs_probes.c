// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the probes on the kernel's fault path.
 *
 * handle_mm_fault(vma, address, flags, regs) is where every fault, user
 * or GUP, meets the memory-management core with mmap_lock (or, on 6.4+,
 * the VMA lock) held: its entry is TL and its return T1 of DESIGN.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/ptrace.h>

#include "spfs.h"

/*
 * Instances for faults in flight at once.  A fault can sleep (reclaim,
 * I/O), so this is sized well above the CPU count; a fault that finds none
 * free is counted in nmissed and its outcome is not seen.
 */
#define SPFS_HMF_MAXACTIVE_PER_CPU	16
#define SPFS_HMF_MAXACTIVE_MIN		256

static int spfs_hmf_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned int flags = regs_get_kernel_argument(regs, 2);

	if (!(flags & FAULT_FLAG_USER))
		return 1;	/* no return handler for kernel faults */
	spfs_stat_inc(SPFS_STAT_FAULTS);
	return 0;
}
NOKPROBE_SYMBOL(spfs_hmf_entry);

static int spfs_hmf_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	vm_fault_t ret = (__force vm_fault_t)regs_return_value(regs);

	if (ret & VM_FAULT_RETRY)
		spfs_stat_inc(SPFS_STAT_REAL_RETRY);
	else if (ret & VM_FAULT_ERROR)
		spfs_stat_inc(SPFS_STAT_REAL_ERROR);
	return 0;
}
NOKPROBE_SYMBOL(spfs_hmf_return);

static struct kretprobe spfs_hmf_probe = {
	.kp.symbol_name	= "handle_mm_fault",
	.entry_handler	= spfs_hmf_entry,
	.handler	= spfs_hmf_return,
};

static bool spfs_hmf_attached;

/**
 * spfs_probes_register() - attach the fault-path probes
 *
 * Return: 0, or the error of a probe without which nothing can be judged.
 */
int spfs_probes_register(void)
{
	int ret;

	spfs_hmf_probe.maxactive = max_t(int, SPFS_HMF_MAXACTIVE_MIN,
					 SPFS_HMF_MAXACTIVE_PER_CPU *
					 num_possible_cpus());
	ret = register_kretprobe(&spfs_hmf_probe);
	if (ret) {
		pr_err("cannot probe %s: %d\n", spfs_hmf_probe.kp.symbol_name,
		       ret);
		return ret;
	}
	spfs_hmf_attached = true;
	return 0;
}

/**
 * spfs_probes_unregister() - detach every probe
 *
 * On return no handler of ours runs any more (unregister_kretprobe()
 * waits for handlers in progress).
 */
void spfs_probes_unregister(void)
{
	if (spfs_hmf_attached)
		unregister_kretprobe(&spfs_hmf_probe);
	spfs_hmf_attached = false;
}

/**
 * spfs_probes_count() - how many probes spfs_probe_info() describes
 *
 * Return: the number of probes.
 */
unsigned int spfs_probes_count(void)
{
	return 1;
}

/**
 * spfs_probe_info() - describe one probe
 * @i: its index, below spfs_probes_count()
 * @info: filled in
 */
void spfs_probe_info(unsigned int i, struct spfs_probe_info *info)
{
	info->name = spfs_hmf_probe.kp.symbol_name;
	info->kind = "kretprobe";
	info->attached = spfs_hmf_attached;
	info->nmissed = spfs_hmf_probe.nmissed + spfs_hmf_probe.kp.nmissed;
}
