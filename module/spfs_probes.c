// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: attaching to the kernel.
 *
 *   tracepoints  exceptions:page_fault_user (T0), mmap_lock acquire and
 *		  release (the write-cycle envelope), sched_process_exit
 *   kretprobe	  handle_mm_fault (TL and T1)
 *   kprobes	  the VMA write paths of this kernel (wrapper/vma_probes.h)
 *
 * The tracepoints are not exported to modules; they are found by name
 * with for_each_kernel_tracepoint().  What cannot attach is listed in
 * debugfs "probes"; only the probes without which no verdict can be
 * reached fail the load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "spfs.h"
#include "wrapper/vma_lock.h"
#include "wrapper/vma_probes.h"

/* ------------------------------------------------------------------ */
/* Tracepoints                                                          */

struct spfs_tp {
	const char *name;
	void *probe;
	bool required;
	struct tracepoint *tp;
	bool attached;
};

static struct spfs_tp spfs_tps[] = {
	{ "page_fault_user", spfs_fault_entry, true },
	{ "page_fault_kernel", spfs_fault_kernel, false },
	{ "mmap_lock_acquire_returned", spfs_mmap_lock_acquired, true },
	{ "mmap_lock_released", spfs_mmap_lock_released, true },
	{ "sched_process_exit", spfs_task_exit, false },
};

static void spfs_tp_lookup(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(spfs_tps); i++)
		if (!strcmp(tp->name, spfs_tps[i].name))
			spfs_tps[i].tp = tp;
}

/* ------------------------------------------------------------------ */
/* handle_mm_fault                                                      */

/*
 * Instances for faults in flight at once.  A fault can sleep (reclaim,
 * I/O), so this is sized well above the CPU count; a fault that finds none
 * free is counted in nmissed and stays unjudged.
 */
#define SPFS_HMF_MAXACTIVE_PER_CPU	16
#define SPFS_HMF_MAXACTIVE_MIN		256

static struct kretprobe spfs_hmf_probe = {
	.kp.symbol_name	= "handle_mm_fault",
	.entry_handler	= spfs_hmf_entry,
	.handler	= spfs_hmf_return,
};

static bool spfs_hmf_attached;

/* Where a kernel with per-VMA locks tries the VMA lock of a user fault. */
static struct kprobe spfs_vma_lock_probe = {
	.symbol_name	= "lock_vma_under_rcu",
	.pre_handler	= spfs_vma_lock_pre,
};

static bool spfs_vma_lock_attached;

/* ------------------------------------------------------------------ */
/* VMA write paths                                                      */

struct spfs_vma_probe {
	struct kprobe kp;
	const struct spfs_vma_probe_def *def;
	bool attached;
};

static struct spfs_vma_probe spfs_vma_probes[ARRAY_SIZE(spfs_vma_probe_defs)];

static unsigned long spfs_arg(struct pt_regs *regs, int n)
{
	return n < 0 ? 0 : regs_get_kernel_argument(regs, n);
}
NOKPROBE_SYMBOL(spfs_arg);

static int spfs_vma_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct spfs_vma_probe_def *def =
		container_of(kp, struct spfs_vma_probe, kp)->def;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	u64 start, end;

	if (!READ_ONCE(spfs_active))
		return 0;
	vma = (struct vm_area_struct *)spfs_arg(regs, def->vma);
	if (def->mm >= 0)
		mm = (struct mm_struct *)spfs_arg(regs, def->mm);
	else
		mm = vma ? vma->vm_mm : current->mm;
	if (!mm)
		return 0;
	start = vma ? vma->vm_start : ULONG_MAX;
	end = vma ? vma->vm_end : 0;
	if (def->start >= 0) {
		u64 s = spfs_arg(regs, def->start);
		u64 e = def->end >= 0 ? spfs_arg(regs, def->end) :
			def->len >= 0 ? s + spfs_arg(regs, def->len) : s + 1;

		start = min(start, s);
		end = max(end, e);
	}
	if (start >= end)
		return 0;
	if (def->widen) {
		start = start >= PAGE_SIZE ? start - PAGE_SIZE : 0;
		end = end + PAGE_SIZE > end ? end + PAGE_SIZE : end;
	}
	spfs_vma_event(mm, start, end, def->cause);
	return 0;
}
NOKPROBE_SYMBOL(spfs_vma_pre);

/* ------------------------------------------------------------------ */

/**
 * spfs_probes_register() - attach everything
 *
 * Return: 0, or the error of a probe without which nothing can be judged.
 */
int spfs_probes_register(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(spfs_tp_lookup, NULL);
	for (i = 0; i < ARRAY_SIZE(spfs_tps); i++) {
		struct spfs_tp *t = &spfs_tps[i];

		ret = t->tp ? tracepoint_probe_register(t->tp, t->probe, NULL) :
			      -ENOENT;
		if (ret) {
			if (t->required) {
				pr_err("cannot attach to tracepoint %s: %d\n",
				       t->name, ret);
				goto unregister;
			}
			pr_info("tracepoint %s unavailable (%d)\n", t->name,
				ret);
			continue;
		}
		t->attached = true;
	}

	spfs_hmf_probe.maxactive = max_t(int, SPFS_HMF_MAXACTIVE_MIN,
					 SPFS_HMF_MAXACTIVE_PER_CPU *
					 num_possible_cpus());
	spfs_hmf_probe.data_size = spfs_hmf_data_size();
	ret = register_kretprobe(&spfs_hmf_probe);
	if (ret) {
		pr_err("cannot probe handle_mm_fault: %d\n", ret);
		goto unregister;
	}
	spfs_hmf_attached = true;

	if (SPFS_HAVE_VMA_LOCK) {
		ret = register_kprobe(&spfs_vma_lock_probe);
		if (ret)
			pr_info("lock_vma_under_rcu not probed (%d)\n", ret);
		spfs_vma_lock_attached = !ret;
	}

	for (i = 0; i < ARRAY_SIZE(spfs_vma_probes); i++) {
		struct spfs_vma_probe *p = &spfs_vma_probes[i];

		p->def = &spfs_vma_probe_defs[i];
		p->kp.symbol_name = p->def->symbol;
		p->kp.pre_handler = spfs_vma_pre;
		ret = register_kprobe(&p->kp);
		if (ret) {
			pr_info("VMA write path %s not probed (%d)\n",
				p->def->symbol, ret);
			continue;
		}
		p->attached = true;
	}
	return 0;

unregister:
	spfs_probes_unregister();
	return ret;
}

/**
 * spfs_probes_unregister() - detach everything
 *
 * On return no handler of ours runs or will run.
 */
void spfs_probes_unregister(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(spfs_vma_probes); i++) {
		struct spfs_vma_probe *p = &spfs_vma_probes[i];

		if (p->attached)
			unregister_kprobe(&p->kp);
		p->attached = false;
	}
	if (spfs_vma_lock_attached)
		unregister_kprobe(&spfs_vma_lock_probe);
	spfs_vma_lock_attached = false;
	if (spfs_hmf_attached)
		unregister_kretprobe(&spfs_hmf_probe);
	spfs_hmf_attached = false;
	for (i = 0; i < ARRAY_SIZE(spfs_tps); i++) {
		if (spfs_tps[i].attached)
			tracepoint_probe_unregister(spfs_tps[i].tp,
						    spfs_tps[i].probe, NULL);
		spfs_tps[i].attached = false;
	}
	tracepoint_synchronize_unregister();
}

/**
 * spfs_probes_count() - how many probes spfs_probe_info() describes
 *
 * Return: the number of probes.
 */
unsigned int spfs_probes_count(void)
{
	return ARRAY_SIZE(spfs_tps) + 1 + SPFS_HAVE_VMA_LOCK +
	       ARRAY_SIZE(spfs_vma_probes);
}

/**
 * spfs_probe_info() - describe one probe
 * @i: its index, below spfs_probes_count()
 * @info: filled in
 */
void spfs_probe_info(unsigned int i, struct spfs_probe_info *info)
{
	if (i < ARRAY_SIZE(spfs_tps)) {
		info->name = spfs_tps[i].name;
		info->kind = "tracepoint";
		info->attached = spfs_tps[i].attached;
		info->required = spfs_tps[i].required;
		info->nmissed = 0;
		return;
	}
	i -= ARRAY_SIZE(spfs_tps);
	if (!i) {
		info->name = spfs_hmf_probe.kp.symbol_name;
		info->kind = "kretprobe";
		info->attached = spfs_hmf_attached;
		info->required = true;
		info->nmissed = spfs_hmf_probe.nmissed +
				spfs_hmf_probe.kp.nmissed;
		return;
	}
	i--;
	if (SPFS_HAVE_VMA_LOCK && !i) {
		info->name = spfs_vma_lock_probe.symbol_name;
		info->kind = "kprobe";
		info->attached = spfs_vma_lock_attached;
		info->required = false;
		info->nmissed = spfs_vma_lock_probe.nmissed;
		return;
	}
	i -= SPFS_HAVE_VMA_LOCK;
	info->name = spfs_vma_probe_defs[i].symbol;
	info->kind = "kprobe";
	info->attached = spfs_vma_probes[i].attached;
	info->required = false;
	info->nmissed = spfs_vma_probes[i].kp.nmissed;
}
