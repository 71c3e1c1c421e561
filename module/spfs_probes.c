// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: attaching to the kernel.
 *
 *   tracepoints  exceptions:page_fault_user (T0), page_fault_kernel,
 *		  sched_process_exit, lock:contention_begin (kernels with
 *		  per-VMA locks: a writer queued for a VMA lock)
 *   ftrace_ops   handle_mm_fault entry (TL); up_read, filtered to the
 *		  release of a fault's lock (T1); lock_vma_under_rcu's entry
 *		  where the kprobe below cannot be placed
 *   kretprobes   down_write and friends (the write-cycle envelope), and the
 *		  VMA write paths of this kernel (wrapper/vma_probes.h)
 *   kprobes	  up_write, downgrade_write; lock_vma_under_rcu after its
 *		  call of mas_walk() (kernels with per-VMA locks: the VMA
 *		  lock attempt)
 *
 * The VMA write lock where it is out of line is spfs_probes_vlock.c's;
 * T1 where vma_end_read() is inline, spfs_probes_t1.c's.
 *
 * The handlers are in spfs_fault.c and spfs_writers.c.  The tracepoints
 * are not exported to modules; they are found by name with
 * for_each_kernel_tracepoint().  What cannot attach is listed in debugfs
 * "probes"; only the probes without which no verdict can be reached fail
 * the load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/ftrace.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "spfs_ablate.h"
#include "spfs_caller.h"
#include "spfs_hooks.h"
#include "spfs_probes.h"
#include "spfs_settings.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"
#include "wrapper/vma_probes.h"

/* ------------------------------------------------------------------ */
/* Tracepoints                                                          */

struct spfs_tp {
	const char *name;
	void *probe;
	bool required;
	unsigned int hook;	/* SPFS_HOOK_*, for profile builds */
	struct tracepoint *tp;
	bool attached;
};

static struct spfs_tp spfs_tps[] = {
	{ "page_fault_user", spfs_fault_entry, true, SPFS_HOOK_T0 },
	{ "page_fault_kernel", spfs_fault_kernel, false, SPFS_HOOK_OTHER },
	{ "sched_process_exit", spfs_task_exit, false, SPFS_HOOK_OTHER },
	{ "contention_begin", spfs_lock_contended, false, SPFS_HOOK_RWSEM },
};

/* The last: listed only on kernels with per-VMA locks. */
#define SPFS_NR_TPS	(ARRAY_SIZE(spfs_tps) - !SPFS_HAVE_VMA_LOCK)

static void spfs_tp_lookup(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(spfs_tps); i++)
		if (!strcmp(tp->name, spfs_tps[i].name))
			spfs_tps[i].tp = tp;
}

static int spfs_tps_register(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(spfs_tp_lookup, NULL);
	for (i = 0; i < SPFS_NR_TPS; i++) {
		struct spfs_tp *t = &spfs_tps[i];

		if (!SPFS_HOOK_WANTED(t->hook))
			continue;
		ret = t->tp ? tracepoint_probe_register(t->tp, t->probe, NULL) :
			      -ENOENT;
		if (ret) {
			if (t->required) {
				pr_err("cannot attach to tracepoint %s: %d\n",
				       t->name, ret);
				return ret;
			}
			pr_info("tracepoint %s unavailable (%d)\n", t->name,
				ret);
			continue;
		}
		t->attached = true;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* ftrace_ops: TL, T1, the VMA lock attempt                             */

/**
 * struct spfs_fhook - a function hooked with an ftrace_ops
 * @name: the function
 * @ops: the ops, its callback set
 * @required: whether the module refuses to load without it
 * @hook: its SPFS_HOOK_* group, for profile builds (spfs_ablate.h)
 * @attached: whether it is registered
 */
struct spfs_fhook {
	const char *name;
	struct ftrace_ops ops;
	bool required;
	unsigned int hook;
	bool attached;
};

static struct spfs_fhook spfs_fhooks[] = {
	{ "handle_mm_fault", { .func = spfs_tl }, true, SPFS_HOOK_TL },
	{ "up_read", { .func = spfs_t1 }, true, SPFS_HOOK_T1 },
	{ "lock_vma_under_rcu", { .func = spfs_vma_lock_enter }, false,
	  SPFS_HOOK_VMA_LOCK },
};

/* The last: listed only on kernels with per-VMA locks. */
#define SPFS_FHOOK_VMA_LOCK	2
#define SPFS_NR_FHOOKS		(ARRAY_SIZE(spfs_fhooks) - !SPFS_HAVE_VMA_LOCK)

static int spfs_fhook_register(struct spfs_fhook *h)
{
	int ret;

	ret = ftrace_set_filter(&h->ops, (unsigned char *)h->name,
				strlen(h->name), 1);
	if (ret)
		return ret;
	ret = register_ftrace_function(&h->ops);
	if (ret)
		ftrace_free_filter(&h->ops);
	return ret;
}

static void spfs_fhook_unregister(struct spfs_fhook *h)
{
	if (!h->attached)
		return;
	unregister_ftrace_function(&h->ops);
	ftrace_free_filter(&h->ops);
	h->attached = false;
}

/*
 * The VMA lock attempt is timed where lock_vma_under_rcu() returns from
 * mas_walk(): vma_start_read(), inline, checks the lock right after.  The
 * kprobe stands in for the ftrace_ops on the function's entry, which
 * times it only where that call is not found; debugfs lists the one
 * attached.
 */
static struct kprobe spfs_vma_walk_probe = {
	.symbol_name = "lock_vma_under_rcu",
	.pre_handler = spfs_vma_lock_walked,
};
static bool spfs_vma_walk_attached;
static char spfs_vma_walk_name[40];

static int spfs_vma_walk_register(unsigned long offset)
{
	int ret;

	if (!offset)
		return -ENOENT;
	spfs_vma_walk_probe.offset = offset;
	ret = register_kprobe(&spfs_vma_walk_probe);
	if (ret)
		return ret;
	snprintf(spfs_vma_walk_name, sizeof(spfs_vma_walk_name), "%s+%#lx",
		 spfs_vma_walk_probe.symbol_name, offset);
	spfs_vma_walk_attached = true;
	return 0;
}

static int spfs_fhooks_register(void)
{
	unsigned long walk_offset = 0;
	unsigned int i;
	int ret;

	/* Before TL is hooked: TL's learner shares kallsyms' buffer. */
	if (SPFS_HAVE_VMA_LOCK && spfs_vma_lock_timing &&
	    SPFS_HOOK_WANTED(SPFS_HOOK_VMA_LOCK))
		walk_offset = spfs_call_return_offset("lock_vma_under_rcu",
						      "mas_walk");
	for (i = 0; i < SPFS_NR_FHOOKS; i++) {
		struct spfs_fhook *h = &spfs_fhooks[i];

		if ((i == SPFS_FHOOK_VMA_LOCK && !spfs_vma_lock_timing) ||
		    !SPFS_HOOK_WANTED(h->hook))
			continue;
		if (i == SPFS_FHOOK_VMA_LOCK) {
			ret = spfs_vma_walk_register(walk_offset);
			if (!ret)
				continue;
			pr_info("no probe after lock_vma_under_rcu()'s mas_walk() (%d): the VMA lock attempt is timed at its entry\n",
				ret);
		}
		ret = spfs_fhook_register(h);
		if (ret) {
			if (h->required) {
				pr_err("cannot hook %s: %d\n", h->name, ret);
				return ret;
			}
			pr_info("%s not hooked (%d)\n", h->name, ret);
			continue;
		}
		h->attached = true;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The mmap_lock write envelope                                         */

#define SPFS_WLOCK(sym, ret)						\
	{ .kp.symbol_name = sym, .entry_handler = spfs_wlock_entry,	\
	  .handler = ret, .data_size = sizeof(struct spfs_wlock) }

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

/* Bit i set: probe i of its table is registered. */
static unsigned long spfs_wlock_attached, spfs_wunlock_attached;

/*
 * Instances of a kretprobe in flight at once: one per writer blocked in
 * down_write() or inside a VMA write path (which may sleep) - a few per
 * CPU, with room for a burst of exits (each zaps its VMAs).
 */
static int spfs_maxactive(void)
{
	return max_t(int, 64, 4 * num_possible_cpus());
}

static int spfs_envelope_register(void)
{
	unsigned int i;
	int ret;

	if (!SPFS_HOOK_WANTED(SPFS_HOOK_RWSEM))
		return 0;
	for (i = 0; i < SPFS_NR_WLOCK; i++) {
		spfs_wlock_probes[i].maxactive = spfs_maxactive();
		ret = register_kretprobe(&spfs_wlock_probes[i]);
		if (ret) {
			pr_err("cannot probe %s: %d\n",
			       spfs_wlock_probes[i].kp.symbol_name, ret);
			return ret;
		}
		spfs_wlock_attached |= BIT(i);
	}
	for (i = 0; i < SPFS_NR_WUNLOCK; i++) {
		ret = register_kprobe(&spfs_wunlock_probes[i]);
		if (ret) {
			pr_err("cannot probe %s: %d\n",
			       spfs_wunlock_probes[i].symbol_name, ret);
			return ret;
		}
		spfs_wunlock_attached |= BIT(i);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* VMA write paths                                                      */

static struct spfs_vma_probe spfs_vma_probes[ARRAY_SIZE(spfs_vma_probe_defs)];

static void spfs_vma_probes_register(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(spfs_vma_probes); i++) {
		struct spfs_vma_probe *p = &spfs_vma_probes[i];

		p->def = &spfs_vma_probe_defs[i];
		p->rp.kp.symbol_name = p->def->symbol;
		p->rp.entry_handler = spfs_vma_write_entry;
		p->rp.handler = spfs_vma_write_ret;
		p->rp.data_size = spfs_vma_write_data_size();
		p->rp.maxactive = spfs_maxactive();
		if (!SPFS_HOOK_WANTED(SPFS_HOOK_VMA))
			continue;
		ret = register_kretprobe(&p->rp);
		if (ret) {
			pr_info("VMA write path %s not probed (%d)\n",
				p->def->symbol, ret);
			continue;
		}
		p->attached = true;
	}
}

/* ------------------------------------------------------------------ */

/**
 * spfs_probes_register() - attach everything
 *
 * The write envelope and the VMA write paths come before the fault hooks:
 * no fault is judged without them.
 *
 * Return: 0, or the error of a probe without which nothing can be judged.
 */
int spfs_probes_register(void)
{
	int ret;

	ret = spfs_envelope_register();
	if (ret)
		goto unregister;
	spfs_vlock_register(spfs_maxactive());
	spfs_vma_probes_register();
	ret = spfs_tps_register();
	if (ret)
		goto unregister;
	/* Before TL is hooked: it reads kallsyms' buffer, as TL's learner. */
	ret = spfs_t1_register();
	if (ret)
		goto unregister;
	ret = spfs_fhooks_register();
	if (ret)
		goto unregister;
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

	for (i = 0; i < ARRAY_SIZE(spfs_fhooks); i++)
		spfs_fhook_unregister(&spfs_fhooks[i]);
	if (spfs_vma_walk_attached)
		unregister_kprobe(&spfs_vma_walk_probe);
	spfs_vma_walk_attached = false;
	spfs_t1_unregister();
	for (i = 0; i < SPFS_NR_TPS; i++) {
		if (spfs_tps[i].attached)
			tracepoint_probe_unregister(spfs_tps[i].tp,
						    spfs_tps[i].probe, NULL);
		spfs_tps[i].attached = false;
	}
	for (i = 0; i < ARRAY_SIZE(spfs_vma_probes); i++) {
		struct spfs_vma_probe *p = &spfs_vma_probes[i];

		if (p->attached)
			unregister_kretprobe(&p->rp);
		p->attached = false;
	}
	spfs_vlock_unregister();
	for (i = 0; i < SPFS_NR_WUNLOCK; i++)
		if (spfs_wunlock_attached & BIT(i))
			unregister_kprobe(&spfs_wunlock_probes[i]);
	spfs_wunlock_attached = 0;
	for (i = 0; i < SPFS_NR_WLOCK; i++)
		if (spfs_wlock_attached & BIT(i))
			unregister_kretprobe(&spfs_wlock_probes[i]);
	spfs_wlock_attached = 0;
	tracepoint_synchronize_unregister();
}

/**
 * spfs_probes_count() - how many probes spfs_probe_info() describes
 *
 * Return: the number of probes.
 */
unsigned int spfs_probes_count(void)
{
	return SPFS_NR_TPS + SPFS_NR_FHOOKS + spfs_t1_count() +
	       SPFS_NR_WLOCK + SPFS_NR_WUNLOCK + SPFS_NR_VLOCK +
	       ARRAY_SIZE(spfs_vma_probes);
}

/**
 * spfs_probe_info() - describe one probe
 * @i: its index, below spfs_probes_count()
 * @info: filled in
 */
void spfs_probe_info(unsigned int i, struct spfs_probe_info *info)
{
	if (i < SPFS_NR_TPS) {
		info->name = spfs_tps[i].name;
		info->kind = "tracepoint";
		info->attached = spfs_tps[i].attached;
		info->required = spfs_tps[i].required;
		info->nmissed = 0;
		return;
	}
	i -= SPFS_NR_TPS;
	if (SPFS_HAVE_VMA_LOCK && i == SPFS_FHOOK_VMA_LOCK &&
	    spfs_vma_walk_attached) {
		spfs_info_kprobe(info, &spfs_vma_walk_probe, true, false);
		info->name = spfs_vma_walk_name;
		return;
	}
	if (i < SPFS_NR_FHOOKS) {
		info->name = spfs_fhooks[i].name;
		info->kind = "ftrace";
		info->attached = spfs_fhooks[i].attached;
		info->required = spfs_fhooks[i].required;
		info->nmissed = 0;	/* ftrace hooks do not miss */
		return;
	}
	i -= SPFS_NR_FHOOKS;
	if (i < spfs_t1_count()) {
		spfs_t1_info(i, info);
		return;
	}
	i -= spfs_t1_count();
	if (i < SPFS_NR_WLOCK) {
		spfs_info_kretprobe(info, &spfs_wlock_probes[i],
				    spfs_wlock_attached & BIT(i), true);
		return;
	}
	i -= SPFS_NR_WLOCK;
	if (i < SPFS_NR_WUNLOCK) {
		spfs_info_kprobe(info, &spfs_wunlock_probes[i],
				 spfs_wunlock_attached & BIT(i), true);
		return;
	}
	i -= SPFS_NR_WUNLOCK;
	if (i < SPFS_NR_VLOCK) {
		spfs_vlock_info(i, info);
		return;
	}
	i -= SPFS_NR_VLOCK;
	spfs_info_kretprobe(info, &spfs_vma_probes[i].rp,
			    spfs_vma_probes[i].attached, false);
}
