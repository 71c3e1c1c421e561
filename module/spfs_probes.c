// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: attaching to the kernel.
 *
 *   tracepoints  exceptions:page_fault_user (T0), page_fault_kernel,
 *		  sched_process_exit
 *   ftrace_ops   handle_mm_fault entry (TL) and up_read, filtered to the
 *		  fault handler's release of the fault's lock (T1): see
 *		  spfs_fault.c
 *   kprobes	  the rwsem write calls, filtered to tracked mms' mmap_lock
 *		  (the write-cycle envelope; the mmap_lock tracepoints would
 *		  cost every lock operation a memcg path lookup), and the VMA
 *		  write paths of this kernel (wrapper/vma_probes.h)
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
/* TL and T1 (spfs_fault.c)                                             */

static bool spfs_fault_hooks_attached;
/* Bit i set: probe i of its table is registered. */
static unsigned long spfs_wlock_attached, spfs_wunlock_attached;

/* Where a kernel with per-VMA locks tries the VMA lock of a user fault. */
static bool spfs_vma_lock_attached;

/* ------------------------------------------------------------------ */
/* The mmap_lock write envelope                                         */

/*
 * mmap_write_lock() and friends are inline: their rwsem calls are the
 * hooks.  Faults only take the read side, so none of this runs on the
 * fault path; other rwsems cost a hash lookup that misses.
 */
static int spfs_wlock_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct rw_semaphore *sem =
		(struct rw_semaphore *)regs_get_kernel_argument(regs, 0);
	bool tracked;

	if (!READ_ONCE(spfs_active))
		return 1;
	rcu_read_lock();
	tracked = spfs_mmap_lock_mm(sem);
	rcu_read_unlock();
	if (!tracked)
		return 1;
	*(struct rw_semaphore **)ri->data = sem;
	return 0;
}
NOKPROBE_SYMBOL(spfs_wlock_entry);

/* down_write() returns nothing; down_write_killable() 0 on success. */
static int spfs_wlock_ret_zero(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	if (!regs_return_value(regs))
		spfs_mmap_write_begin(*(struct rw_semaphore **)ri->data);
	return 0;
}
NOKPROBE_SYMBOL(spfs_wlock_ret_zero);

static int spfs_wlock_ret_void(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	spfs_mmap_write_begin(*(struct rw_semaphore **)ri->data);
	return 0;
}
NOKPROBE_SYMBOL(spfs_wlock_ret_void);

/* down_write_trylock() returns 1 on success. */
static int spfs_wlock_ret_one(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	if (regs_return_value(regs) == 1)
		spfs_mmap_write_begin(*(struct rw_semaphore **)ri->data);
	return 0;
}
NOKPROBE_SYMBOL(spfs_wlock_ret_one);

static int spfs_wunlock_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (READ_ONCE(spfs_active))
		spfs_mmap_write_end((struct rw_semaphore *)
				    regs_get_kernel_argument(regs, 0));
	return 0;
}
NOKPROBE_SYMBOL(spfs_wunlock_pre);

#define SPFS_WLOCK(sym, ret)						\
	{ .kp.symbol_name = sym, .entry_handler = spfs_wlock_entry,	\
	  .handler = ret, .data_size = sizeof(struct rw_semaphore *) }

static struct kretprobe spfs_wlock_probes[] = {
	SPFS_WLOCK("down_write", spfs_wlock_ret_void),
	SPFS_WLOCK("down_write_killable", spfs_wlock_ret_zero),
	SPFS_WLOCK("down_write_trylock", spfs_wlock_ret_one),
};

static struct kprobe spfs_wunlock_probes[] = {
	{ .symbol_name = "up_write", .pre_handler = spfs_wunlock_pre },
	{ .symbol_name = "downgrade_write", .pre_handler = spfs_wunlock_pre },
};

#define SPFS_NR_WLOCK	ARRAY_SIZE(spfs_wlock_probes)
#define SPFS_NR_WUNLOCK	ARRAY_SIZE(spfs_wunlock_probes)

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

	/* The write envelope before TL and T1: no fault judged without it. */
	for (i = 0; i < SPFS_NR_WLOCK; i++)
		spfs_wlock_probes[i].maxactive = max_t(int, 64,
						       4 * num_possible_cpus());
	for (i = 0; i < SPFS_NR_WLOCK; i++) {
		ret = register_kretprobe(&spfs_wlock_probes[i]);
		if (ret) {
			pr_err("cannot probe %s: %d\n",
			       spfs_wlock_probes[i].kp.symbol_name, ret);
			goto unregister;
		}
		spfs_wlock_attached |= BIT(i);
	}
	for (i = 0; i < SPFS_NR_WUNLOCK; i++) {
		ret = register_kprobe(&spfs_wunlock_probes[i]);
		if (ret) {
			pr_err("cannot probe %s: %d\n",
			       spfs_wunlock_probes[i].symbol_name, ret);
			goto unregister;
		}
		spfs_wunlock_attached |= BIT(i);
	}

	ret = spfs_fault_hooks_register();
	if (ret) {
		pr_err("cannot hook handle_mm_fault: %d\n", ret);
		goto unregister;
	}
	spfs_fault_hooks_attached = true;

	if (SPFS_HAVE_VMA_LOCK) {
		ret = spfs_vma_lock_hook_register();
		if (ret)
			pr_info("lock_vma_under_rcu not hooked (%d)\n", ret);
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
		spfs_vma_lock_hook_unregister();
	spfs_vma_lock_attached = false;
	if (spfs_fault_hooks_attached)
		spfs_fault_hooks_unregister();
	spfs_fault_hooks_attached = false;
	for (i = 0; i < SPFS_NR_WUNLOCK; i++)
		if (spfs_wunlock_attached & BIT(i))
			unregister_kprobe(&spfs_wunlock_probes[i]);
	spfs_wunlock_attached = 0;
	for (i = 0; i < SPFS_NR_WLOCK; i++)
		if (spfs_wlock_attached & BIT(i))
			unregister_kretprobe(&spfs_wlock_probes[i]);
	spfs_wlock_attached = 0;
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
	return ARRAY_SIZE(spfs_tps) + 2 + SPFS_NR_WLOCK + SPFS_NR_WUNLOCK +
	       SPFS_HAVE_VMA_LOCK + ARRAY_SIZE(spfs_vma_probes);
}

static void spfs_info_kprobe(struct spfs_probe_info *info, struct kprobe *kp,
			     bool attached, bool required)
{
	info->name = kp->symbol_name;
	info->kind = "kprobe";
	info->attached = attached;
	info->required = required;
	info->nmissed = kp->nmissed;
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
	if (i < 2) {
		info->name = "handle_mm_fault";
		info->kind = "ftrace";
		if (i)
			info->name = spfs_t1_hook(&info->kind);
		info->attached = spfs_fault_hooks_attached;
		info->required = true;
		info->nmissed = 0;
		return;
	}
	i -= 2;
	if (i < SPFS_NR_WLOCK) {
		spfs_info_kprobe(info, &spfs_wlock_probes[i].kp,
				 spfs_wlock_attached & BIT(i), true);
		info->kind = "kretprobe";
		info->nmissed += spfs_wlock_probes[i].nmissed;
		return;
	}
	i -= SPFS_NR_WLOCK;
	if (i < SPFS_NR_WUNLOCK) {
		spfs_info_kprobe(info, &spfs_wunlock_probes[i],
				 spfs_wunlock_attached & BIT(i), true);
		return;
	}
	i -= SPFS_NR_WUNLOCK;
	if (SPFS_HAVE_VMA_LOCK && !i) {
		info->name = "lock_vma_under_rcu";
		info->kind = "ftrace";
		info->attached = spfs_vma_lock_attached;
		info->required = false;
		info->nmissed = 0;
		return;
	}
	i -= SPFS_HAVE_VMA_LOCK;
	spfs_info_kprobe(info, &spfs_vma_probes[i].kp,
			 spfs_vma_probes[i].attached, false);
}
