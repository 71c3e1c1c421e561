// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: attaching T1 where the fault's VMA lock is released inline
 * (vma_end_read() from 6.15 on: wrapper/fprobe.h, SPFS_T1_AT_RETURN).
 *
 *   kprobe   handle_mm_fault() where its calls of __handle_mm_fault() and
 *	      hugetlb_fault() join, or else one right after each, found in
 *	      the running kernel's text (spfs_call_join_offset(),
 *	      spfs_call_return_offset()): the fault handled, its lock still
 *	      held, its vm_fault_t in eax
 *   fprobe   handle_mm_fault()'s return, where those calls are not found
 *
 * The kprobe is the choice for its price: at the join the kernel
 * optimizes it into a jump to a detour, where the fprobe's exit hook costs
 * every handle_mm_fault() call a function-graph entry, a shadow-stack
 * frame and two lookups of its handler, and a kprobe right after a call,
 * which a jump lands inside, stays an int3 (results/performance.md).
 * The handlers are in spfs_fault.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>

#include "spfs_ablate.h"
#include "spfs_caller.h"
#include "spfs_hooks.h"
#include "spfs_probes.h"
#include "wrapper/fprobe.h"

#if SPFS_T1_AT_RETURN

/*
 * The calls that handle a fault in handle_mm_fault(); hugetlb_fault()
 * exists only with CONFIG_HUGETLB_PAGE, and is then required too.
 */
#define SPFS_NR_T1_CALLS	2

static const char * const spfs_t1_callees[SPFS_NR_T1_CALLS] = {
	"__handle_mm_fault",
	"hugetlb_fault",
};

static struct kprobe spfs_t1_kprobes[SPFS_NR_T1_CALLS];
static char spfs_t1_kprobe_names[SPFS_NR_T1_CALLS][40];
static unsigned long spfs_t1_kprobes_attached;	/* bit i: kprobe i */

static struct fprobe spfs_t1_fprobe = { .exit_handler = spfs_t1_ret };
static bool spfs_t1_fprobe_attached;

static void spfs_t1_kprobes_unregister(void)
{
	unsigned int i;

	for (i = 0; i < SPFS_NR_T1_CALLS; i++)
		if (spfs_t1_kprobes_attached & BIT(i))
			unregister_kprobe(&spfs_t1_kprobes[i]);
	spfs_t1_kprobes_attached = 0;
}

static int spfs_t1_kprobe_register(unsigned int i, unsigned long offset)
{
	struct kprobe *kp = &spfs_t1_kprobes[i];
	int ret;

	/* Afresh: a failed registration leaves its address behind. */
	*kp = (struct kprobe){
		.symbol_name = "handle_mm_fault",
		.offset = offset,
		.pre_handler = spfs_t1_handled,
	};
	ret = register_kprobe(kp);
	if (ret)
		return ret;
	snprintf(spfs_t1_kprobe_names[i], sizeof(spfs_t1_kprobe_names[i]),
		 "handle_mm_fault+%#lx", offset);
	spfs_t1_kprobes_attached |= BIT(i);
	return 0;
}

/*
 * One kprobe where the two calls' paths join, if the code has that shape
 * (spfs_call_join_offset()); else one after each call the kernel makes.
 * At load, before TL is hooked (spfs_call_return_offset()).
 */
static int spfs_t1_kprobes_register(void)
{
	unsigned long offset;
	unsigned int i;
	int ret;

	offset = spfs_call_join_offset("handle_mm_fault", spfs_t1_callees[0],
				       spfs_t1_callees[1]);
	if (offset && !spfs_t1_kprobe_register(0, offset))
		return 0;
	for (i = 0; i < SPFS_NR_T1_CALLS; i++) {
		if (i > 0 && !spfs_symbol_address(spfs_t1_callees[i]))
			continue;	/* no hugetlb_fault(): no such call */
		offset = spfs_call_return_offset("handle_mm_fault",
						 spfs_t1_callees[i]);
		ret = offset ? spfs_t1_kprobe_register(i, offset) : -ENOENT;
		if (ret)
			goto unregister;
	}
	return 0;

unregister:
	pr_info("no probe after handle_mm_fault()'s call of %s() (%d): T1 at its return\n",
		spfs_t1_callees[i], ret);
	spfs_t1_kprobes_unregister();
	return ret;
}

/**
 * spfs_t1_register() - attach T1 where vma_end_read() is inline
 *
 * Required: no fault under the VMA lock ends without it.  At load, before
 * TL is hooked.
 *
 * Return: 0, or the fprobe's error where the kprobes cannot be placed.
 */
int spfs_t1_register(void)
{
	int ret;

	if (!SPFS_HOOK_WANTED(SPFS_HOOK_T1) || !spfs_t1_kprobes_register())
		return 0;
	ret = register_fprobe(&spfs_t1_fprobe, "handle_mm_fault", NULL);
	if (ret) {
		pr_err("cannot fprobe handle_mm_fault: %d\n", ret);
		return ret;
	}
	spfs_t1_fprobe_attached = true;
	return 0;
}

/**
 * spfs_t1_unregister() - detach T1's probes
 */
void spfs_t1_unregister(void)
{
	spfs_t1_kprobes_unregister();
	if (spfs_t1_fprobe_attached)
		unregister_fprobe(&spfs_t1_fprobe);
	spfs_t1_fprobe_attached = false;
}

/**
 * spfs_t1_count() - how many probes spfs_t1_info() describes
 *
 * The kprobes in use, or else the fprobe, attached or not.
 *
 * Return: the number of T1's probes listed.
 */
unsigned int spfs_t1_count(void)
{
	return spfs_t1_kprobes_attached ? hweight_long(spfs_t1_kprobes_attached) :
					  1;
}

/**
 * spfs_t1_info() - describe T1's probe @i, below spfs_t1_count()
 * @i: the probe
 * @info: filled in
 */
void spfs_t1_info(unsigned int i, struct spfs_probe_info *info)
{
	unsigned int k;

	for (k = 0; k < SPFS_NR_T1_CALLS; k++) {
		if (!(spfs_t1_kprobes_attached & BIT(k)) || i--)
			continue;
		spfs_info_kprobe(info, &spfs_t1_kprobes[k], true, true);
		info->name = spfs_t1_kprobe_names[k];
		return;
	}
	info->name = "handle_mm_fault";
	info->kind = "fprobe";
	info->attached = spfs_t1_fprobe_attached;
	info->required = true;
	info->nmissed = spfs_t1_fprobe.nmissed;
}

#endif /* SPFS_T1_AT_RETURN */
