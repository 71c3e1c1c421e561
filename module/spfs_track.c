// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: which processes are tracked, and what happens to their mm.
 *
 * A tracked mm has an mmu notifier (page-table events) and an event log
 * fed by the probes on the VMA write paths and on mmap_lock.  Tracking
 * starts at a process's first fault that matches the target: the fault
 * path only files a request (it may not sleep, nor take mmap_lock); a
 * worker registers the notifier.  It ends when the mm is torn down (the
 * notifier's release), when the target stops matching, or at unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/kprobes.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "spfs_slot.h"
#include "spfs_stats.h"
#include "spfs_track.h"
#include "wrapper/workqueue.h"

DEFINE_STATIC_KEY_FALSE(spfs_active);

/* The core's comm length is the kernel's, which it cannot include. */
static_assert(SPFS_COMM_LEN == TASK_COMM_LEN);

/* Tracked mms by mm pointer.  Writers hold spfs_mm_lock; probes use RCU. */
DEFINE_HASHTABLE(spfs_mm_hash, SPFS_MM_HASH_BITS);
DEFINE_PER_CPU(struct spfs_mm *, spfs_mm_last);
static DEFINE_SPINLOCK(spfs_mm_lock);
static unsigned int spfs_mm_count;
/*
 * Live struct spfs_mm, freed or not yet: mmu_notifier_synchronize() waits
 * for callbacks in progress, not for the frees it queued, so unloading
 * waits for this to drop to zero.
 */
static atomic_t spfs_mm_live = ATOMIC_INIT(0);

/* The current target; replaced whole, read under RCU. */
static struct spfs_target __rcu *spfs_target_cur;
static DEFINE_MUTEX(spfs_target_mutex);

/*
 * Tracking requests from the fault path.  Each CPU keeps one request
 * preallocated so that the fault path never allocates; the worker refills
 * it.  A fault finding its CPU's slot empty just stays untracked, and the
 * process is picked up at a later fault.
 */
struct spfs_request {
	struct llist_node node;
	struct mm_struct *mm;
	pid_t tgid;
	char comm[TASK_COMM_LEN];
};

static DEFINE_PER_CPU(struct spfs_request *, spfs_request_stash);
static LLIST_HEAD(spfs_requests);
static void spfs_track_work_fn(struct work_struct *work);
static DECLARE_WORK(spfs_track_work, spfs_track_work_fn);
/* Set on target change: the worker drops what no longer matches. */
static bool spfs_retarget;
/*
 * The worker's own "active": it runs from before spfs_active is enabled
 * (spfs_target_set() queues it at load) to after probes are gone, so it
 * must not read the static key, whose every site is rewritten when the
 * key flips.  Text rewritten while another CPU runs it is safe on
 * hardware (text_poke_bp()) but not under qemu's multi-threaded TCG,
 * where a CPU has been seen to run a stale int3 of it (an "Oops: int3"
 * in this worker as the module loaded).
 */
static bool spfs_track_on;

/* ------------------------------------------------------------------ */
/* Target                                                               */

/*
 * A process's command name is its main thread's: a thread renamed with
 * pthread_setname_np() still belongs to it.  Copied without task_lock(),
 * which may sleep on PREEMPT_RT and is taken by readers of /proc: a name
 * changing meanwhile can be read half old, half new, which only delays
 * the match to the next fault.
 */
static void spfs_process_comm(struct task_struct *task, char *comm)
{
	memcpy(comm, READ_ONCE(task->group_leader)->comm, TASK_COMM_LEN);
	comm[TASK_COMM_LEN - 1] = '\0';
}
NOKPROBE_SYMBOL(spfs_process_comm);

/**
 * spfs_target_matches() - is a task's process to be tracked
 * @task: the task
 *
 * Return: true if its process matches the current target.
 */
bool spfs_target_matches(struct task_struct *task)
{
	char comm[TASK_COMM_LEN];
	struct spfs_target *t;
	bool match;

	rcu_read_lock();
	t = rcu_dereference(spfs_target_cur);
	if (t && t->kind == SPFS_TARGET_COMM)
		spfs_process_comm(task, comm);
	match = t && spfs_target_match(t, task->tgid, comm);
	rcu_read_unlock();
	return match;
}
NOKPROBE_SYMBOL(spfs_target_matches);

/**
 * spfs_target_get() - copy the current target
 * @t: where to put it
 */
void spfs_target_get(struct spfs_target *t)
{
	struct spfs_target *cur;

	rcu_read_lock();
	cur = rcu_dereference(spfs_target_cur);
	if (cur)
		*t = *cur;
	else
		t->kind = SPFS_TARGET_NONE;
	rcu_read_unlock();
}

/**
 * spfs_target_set() - change what is tracked
 * @t: the new target
 *
 * Processes tracked that do not match the new target stop being tracked
 * (asynchronously); new matching processes are tracked from their next
 * fault.
 *
 * Return: 0 or -ENOMEM.
 */
int spfs_target_set(const struct spfs_target *t)
{
	struct spfs_target *new, *old;

	new = kmemdup(t, sizeof(*t), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	mutex_lock(&spfs_target_mutex);
	old = rcu_replace_pointer(spfs_target_cur, new,
				  lockdep_is_held(&spfs_target_mutex));
	WRITE_ONCE(spfs_retarget, true);
	mutex_unlock(&spfs_target_mutex);
	synchronize_rcu();	/* rare: a user's write to debugfs */
	kfree(old);
	queue_work(spfs_unbound_wq(), &spfs_track_work);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The mmu notifier                                                     */

static int spfs_mn_invalidate_start(struct mmu_notifier *mn,
				    const struct mmu_notifier_range *range)
{
	spfs_pt_begin(container_of(mn, struct spfs_mm, mn), range);
	return 0;
}

static void spfs_mn_invalidate_end(struct mmu_notifier *mn,
				   const struct mmu_notifier_range *range)
{
	spfs_pt_end(container_of(mn, struct spfs_mm, mn), range);
}

static bool spfs_mm_unhash(struct spfs_mm *smm)
{
	bool was;

	spin_lock(&spfs_mm_lock);
	was = test_and_clear_bit(SPFS_MM_HASHED, &smm->flags);
	if (was) {
		hash_del_rcu(&smm->hnode);
		spfs_mm_count--;
	}
	spin_unlock(&spfs_mm_lock);
	return was;
}

/* Stop tracking: exactly one caller drops our notifier reference. */
static void spfs_mm_untrack(struct spfs_mm *smm)
{
	spfs_mm_unhash(smm);
	if (!test_and_set_bit(SPFS_MM_PUT, &smm->flags))
		mmu_notifier_put(&smm->mn);
}

/* The mm is being torn down (exit or exec): tracking ends here. */
static void spfs_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	spfs_mm_untrack(container_of(mn, struct spfs_mm, mn));
}

/* Ids of tracked mms: a fault that began in one knows it again. */
static atomic64_t spfs_mm_ids = ATOMIC64_INIT(0);
atomic_t spfs_cycle_forks = ATOMIC_INIT(0);

static struct mmu_notifier *spfs_mn_alloc(struct mm_struct *mm)
{
	struct spfs_mm *smm = kzalloc(sizeof(*smm), GFP_KERNEL);

	if (!smm)
		return ERR_PTR(-ENOMEM);
	smm->mm = mm;
	smm->id = atomic64_inc_return(&spfs_mm_ids);
	smm->w_fork_slot = -1;
	atomic_inc(&spfs_mm_live);
	return &smm->mn;
}

/*
 * A grace period after the free: every probe that could have found @smm
 * in the hash table, and so made it a CPU's last mm (spfs_mm_find()) or
 * a fault's (T0's slot), has ended.  Take it from the CPUs and slots that
 * name it, then free it after the probes that may have read it there.
 */
static void spfs_mm_forget(struct rcu_head *rcu)
{
	struct spfs_mm *smm = container_of(rcu, struct spfs_mm, rcu);
	int cpu;

	for_each_possible_cpu(cpu)
		cmpxchg(per_cpu_ptr(&spfs_mm_last, cpu), smm, NULL);
	spfs_slot_forget_mm(smm);
	kfree_rcu(smm, rcu);
	if (atomic_dec_and_test(&spfs_mm_live))
		wake_up_var(&spfs_mm_live);
}

/* After SRCU, unhashed: no notifier callback runs; probes may. */
static void spfs_mn_free(struct mmu_notifier *mn)
{
	struct spfs_mm *smm = container_of(mn, struct spfs_mm, mn);

	spfs_cycle_fork_uncount(smm);
	call_rcu(&smm->rcu, spfs_mm_forget);
}

static const struct mmu_notifier_ops spfs_mn_ops = {
	.release		= spfs_mn_release,
	.invalidate_range_start	= spfs_mn_invalidate_start,
	.invalidate_range_end	= spfs_mn_invalidate_end,
	.alloc_notifier		= spfs_mn_alloc,
	.free_notifier		= spfs_mn_free,
};

/* ------------------------------------------------------------------ */
/* Requests and the worker                                              */

/**
 * spfs_track_request() - ask for an mm to be tracked
 * @mm: current->mm of a task matching the target
 *
 * Called from the fault path: takes the CPU's preallocated request, if
 * any, and queues the worker.  Never sleeps nor allocates.
 */
void spfs_track_request(struct mm_struct *mm)
{
	struct spfs_request *req;

	req = xchg(this_cpu_ptr(&spfs_request_stash), NULL);
	if (!req)
		return;
	mmgrab(mm);
	req->mm = mm;
	req->tgid = current->tgid;
	spfs_process_comm(current, req->comm);
	llist_add(&req->node, &spfs_requests);
	queue_work(spfs_unbound_wq(), &spfs_track_work);
}
NOKPROBE_SYMBOL(spfs_track_request);

/*
 * Track @mm of process @tgid (@comm) if it still matches the target.
 * The caller holds a reference to @mm (mmgrab or mmget).
 */
static void spfs_track_mm(struct mm_struct *mm, pid_t tgid, const char *comm)
{
	struct mmu_notifier *mn;
	struct spfs_mm *smm;
	struct spfs_target t;
	u64 t0;

	spfs_target_get(&t);
	if (!spfs_target_match(&t, tgid, comm))
		return;
	if (!mmget_not_zero(mm))
		return;		/* exiting: nothing to track */
	/*
	 * Registering the first notifier of an mm takes mm_take_all_locks():
	 * the mm's mmap_lock for write, every anon_vma and i_mmap lock of it
	 * and, on 6.12, a write lock on every VMA - what a user pays, once
	 * per tracked process, while its faults wait.  The mm is not hashed
	 * yet: no fault or event of that cycle is judged.
	 */
	t0 = ktime_get_ns();
	mn = mmu_notifier_get(&spfs_mn_ops, mm);
	if (IS_ERR(mn)) {
		spfs_stat_inc(SPFS_STAT_TRACK_FAILED);
		goto out;
	}
	spfs_stat_add(SPFS_STAT_TRACK_REGISTER_NS, ktime_get_ns() - t0);
	spfs_stat_inc(SPFS_STAT_TRACK_REGISTERED);
	smm = container_of(mn, struct spfs_mm, mn);
	spin_lock(&spfs_mm_lock);
	if (!test_bit(SPFS_MM_HASHED, &smm->flags) &&
	    !test_bit(SPFS_MM_PUT, &smm->flags)) {
		smm->tgid = tgid;
		strscpy(smm->comm, comm, sizeof(smm->comm));
		set_bit(SPFS_MM_HASHED, &smm->flags);
		hash_add_rcu(spfs_mm_hash, &smm->hnode, (unsigned long)mm);
		spfs_mm_count++;
		mn = NULL;	/* the hash table keeps this reference */
	}
	spin_unlock(&spfs_mm_lock);
	if (mn)
		mmu_notifier_put(mn);	/* tracked already: a duplicate */
out:
	mmput(mm);
}

/*
 * Track the processes that match the target now, so that a process
 * targeted before it runs is tracked from its first fault.
 */
static void spfs_track_existing(void)
{
	struct task_struct *p;
	struct spfs_target t;
	struct mm_struct *mm;
	char comm[TASK_COMM_LEN];
	pid_t *tgids, tgid;
	unsigned int n = 0, max, i;

	spfs_target_get(&t);
	if (t.kind == SPFS_TARGET_NONE)
		return;
	/* Processes born between the passes are found by their first fault. */
	max = 0;
	rcu_read_lock();
	for_each_process(p)
		max++;
	rcu_read_unlock();
	tgids = kvmalloc_array(max, sizeof(*tgids), GFP_KERNEL);
	if (!tgids)
		return;
	rcu_read_lock();
	for_each_process(p) {
		if (n == max)
			break;
		if (!(p->flags & PF_KTHREAD) && p->mm &&
		    spfs_target_match(&t, p->tgid, p->comm))
			tgids[n++] = p->tgid;
	}
	rcu_read_unlock();

	for (i = 0; i < n; i++) {
		struct pid *pid = find_get_pid(tgids[i]);

		p = pid ? get_pid_task(pid, PIDTYPE_TGID) : NULL;
		put_pid(pid);
		if (!p)
			continue;
		mm = get_task_mm(p);
		tgid = p->tgid;
		spfs_process_comm(p, comm);
		put_task_struct(p);
		if (!mm)
			continue;
		spfs_track_mm(mm, tgid, comm);
		mmput(mm);
		cond_resched();
	}
	kvfree(tgids);
}

/* Drop the tracked mms that no longer match the target. */
static void spfs_track_retarget(void)
{
	struct spfs_target t;
	struct spfs_mm *smm;
	struct hlist_node *tmp;
	unsigned int bkt;
	LIST_HEAD(drop);

	spfs_target_get(&t);
	for (;;) {
		struct spfs_mm *victim = NULL;

		/* RCU keeps the victim alive if its mm exits meanwhile. */
		rcu_read_lock();
		spin_lock(&spfs_mm_lock);
		hash_for_each_safe(spfs_mm_hash, bkt, tmp, smm, hnode) {
			if (!spfs_target_match(&t, smm->tgid, smm->comm)) {
				victim = smm;
				break;
			}
		}
		spin_unlock(&spfs_mm_lock);
		if (victim)
			spfs_mm_untrack(victim);
		rcu_read_unlock();
		if (!victim)
			break;
		cond_resched();
	}
}

static void spfs_stash_refill(void)
{
	struct spfs_request *req;
	int cpu;

	for_each_possible_cpu(cpu) {
		if (READ_ONCE(*per_cpu_ptr(&spfs_request_stash, cpu)))
			continue;
		req = kzalloc(sizeof(*req), GFP_KERNEL);
		if (!req)
			return;
		if (cmpxchg(per_cpu_ptr(&spfs_request_stash, cpu), NULL, req))
			kfree(req);
	}
}

static void spfs_track_work_fn(struct work_struct *work)
{
	struct spfs_request *req, *tmp;
	struct llist_node *list;

	bool on = READ_ONCE(spfs_track_on);

	/* Before the module is active the flag waits: spfs_track_start(). */
	if (on && xchg(&spfs_retarget, false)) {
		spfs_track_retarget();
		spfs_track_existing();
	}
	list = llist_del_all(&spfs_requests);
	llist_for_each_entry_safe(req, tmp, list, node) {
		if (on)
			spfs_track_mm(req->mm, req->tgid, req->comm);
		mmdrop(req->mm);
		kfree(req);
	}
	if (on)
		spfs_stash_refill();
}

/* ------------------------------------------------------------------ */

/**
 * spfs_track_start() - the module is active: track what the target says
 *
 * Call once spfs_active is enabled; the processes matching the load-time
 * target are looked for then.
 */
void spfs_track_start(void)
{
	WRITE_ONCE(spfs_track_on, true);
	queue_work(spfs_unbound_wq(), &spfs_track_work);
}

static void spfs_reset_mm(struct spfs_mm *smm, void *arg)
{
	int r;

	atomic_long_set(&smm->faults, 0);
	for (r = 0; r < SPFS_NR_RULES; r++) {
		atomic_long_set(&smm->races[r], 0);
		atomic_long_set(&smm->others[r], 0);
	}
}

/**
 * spfs_track_reset_counts() - zero every tracked process's own counts
 *
 * A fault counted meanwhile may leave a process's successes a little
 * off; debugfs "procs" never shows them below 0.
 */
void spfs_track_reset_counts(void)
{
	spfs_track_for_each(spfs_reset_mm, NULL);
}

/**
 * spfs_track_count() - how many processes are tracked
 *
 * Return: the number of tracked mms.
 */
unsigned int spfs_track_count(void)
{
	return READ_ONCE(spfs_mm_count);
}

/**
 * spfs_track_for_each() - call a function for every tracked mm
 * @fn: the function; runs under rcu_read_lock(), must not sleep
 * @arg: passed to @fn
 */
void spfs_track_for_each(void (*fn)(struct spfs_mm *smm, void *arg),
			 void *arg)
{
	struct spfs_mm *smm;
	unsigned int bkt;

	rcu_read_lock();
	hash_for_each_rcu(spfs_mm_hash, bkt, smm, hnode)
		fn(smm, arg);
	rcu_read_unlock();
}

/**
 * spfs_track_init() - prepare tracking
 *
 * Return: 0 or -ENOMEM.
 */
int spfs_track_init(void)
{
	struct spfs_target none = { .kind = SPFS_TARGET_NONE };
	int ret;

	ret = spfs_target_set(&none);
	if (ret)
		return ret;
	spfs_stash_refill();
	return 0;
}

/**
 * spfs_track_exit() - stop tracking everything
 *
 * Call after the probes are gone: nothing files requests any more.  Waits
 * until no notifier callback of ours can run.
 */
void spfs_track_exit(void)
{
	struct spfs_request *req, *tmp;
	struct llist_node *list;
	struct spfs_mm *smm;
	struct hlist_node *htmp;
	unsigned int bkt;
	int cpu;

	/* The worker first: it must not run as the key flips. */
	WRITE_ONCE(spfs_track_on, false);
	cancel_work_sync(&spfs_track_work);
	static_branch_disable(&spfs_active);
	list = llist_del_all(&spfs_requests);
	llist_for_each_entry_safe(req, tmp, list, node) {
		mmdrop(req->mm);
		kfree(req);
	}
	for_each_possible_cpu(cpu)
		kfree(xchg(per_cpu_ptr(&spfs_request_stash, cpu), NULL));

	for (;;) {
		struct spfs_mm *victim = NULL;

		rcu_read_lock();
		spin_lock(&spfs_mm_lock);
		hash_for_each_safe(spfs_mm_hash, bkt, htmp, smm, hnode) {
			victim = smm;
			break;
		}
		spin_unlock(&spfs_mm_lock);
		if (victim)
			spfs_mm_untrack(victim);
		rcu_read_unlock();
		if (!victim)
			break;
		cond_resched();
	}
	/* Callbacks in progress finish; queued frees run. */
	mmu_notifier_synchronize();
	wait_var_event(&spfs_mm_live, !atomic_read(&spfs_mm_live));
	rcu_barrier();
	kfree(rcu_dereference_protected(spfs_target_cur, true));
	RCU_INIT_POINTER(spfs_target_cur, NULL);
}
