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
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "spfs.h"
#include "spfs_trace.h"

bool spfs_active;

/* Tracked mms by mm pointer.  Writers hold spfs_mm_lock; probes use RCU. */
DEFINE_HASHTABLE(spfs_mm_hash, SPFS_MM_HASH_BITS);
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

/* ------------------------------------------------------------------ */
/* Target                                                               */

/**
 * spfs_target_matches() - is a task's process to be tracked
 * @task: the task
 *
 * Return: true if it matches the current target.
 */
bool spfs_target_matches(struct task_struct *task)
{
	struct spfs_target *t;
	bool match;

	rcu_read_lock();
	t = rcu_dereference(spfs_target_cur);
	match = t && spfs_target_match(t, task->tgid, task->comm);
	rcu_read_unlock();
	return match;
}

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
	queue_work(system_unbound_wq, &spfs_track_work);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The event log                                                        */

/**
 * spfs_log_append() - log an event of a tracked mm
 * @smm: the mm's state
 * @ev: the event
 *
 * Lock-free: VMA events are serialized by mmap_lock, but page-table events
 * come from any context.  A slot is invalidated (seq 0) while written, so
 * that readers never take a half-written event for a whole one.
 *
 * Return: the event's sequence number.
 */
u64 spfs_log_append(struct spfs_mm *smm, const struct spfs_event *ev)
{
	u64 seq = atomic64_inc_return(&smm->seq);
	struct spfs_log_entry *e = &smm->log[seq & (SPFS_LOG_SIZE - 1)];

	WRITE_ONCE(e->seq, 0);
	smp_wmb();	/* seq 0 before the contents; pairs with spfs_log_read */
	e->ev = *ev;
	/* The contents before the sequence; pairs with spfs_log_read(). */
	smp_store_release(&e->seq, seq);
	return seq;
}
NOKPROBE_SYMBOL(spfs_log_append);

/**
 * spfs_log_read() - read one logged event
 * @smm: the mm's state
 * @seq: its sequence number
 * @ev: where to copy it
 *
 * Return: false if the event was overwritten or is being written.
 */
bool spfs_log_read(struct spfs_mm *smm, u64 seq, struct spfs_event *ev)
{
	struct spfs_log_entry *e = &smm->log[seq & (SPFS_LOG_SIZE - 1)];

	/* The sequence before the contents; pairs with spfs_log_append(). */
	if (smp_load_acquire(&e->seq) != seq)
		return false;
	*ev = e->ev;
	smp_rmb();	/* the copy before the re-check */
	return READ_ONCE(e->seq) == seq;
}
NOKPROBE_SYMBOL(spfs_log_read);

/*
 * Close the VMA events still open when a write cycle ends at @now: all of
 * them, not only this cycle's, so that an event logged just before its
 * writer took the lock (dup_mmap()) cannot stay open for ever.
 */
static void spfs_log_close_vma_events(struct spfs_mm *smm, u64 now)
{
	struct spfs_log_entry *e;
	int i;

	for (i = 0; i < SPFS_LOG_SIZE; i++) {
		e = &smm->log[i];
		if (READ_ONCE(e->seq) && e->ev.type == SPFS_EV_VMA &&
		    !READ_ONCE(e->ev.t_end))
			WRITE_ONCE(e->ev.t_end, now);
	}
}

/**
 * spfs_cause_current() - what the current task is doing to its mm
 *
 * VMA changes are attributed to the system call in progress, or to stack
 * growth when made from a user fault.
 *
 * Return: an &enum spfs_cause.
 */
int spfs_cause_current(void)
{
	struct pt_regs *regs = task_pt_regs(current);

	/* In a fault, orig_ax holds the error code: the writer grows a stack. */
	if (spfs_in_user_fault(current))
		return SPFS_C_STACK;
	switch (syscall_get_nr(current, regs)) {
	case __NR_mprotect:
	case __NR_pkey_mprotect:
		return SPFS_C_MPROTECT;
	case __NR_munmap:
		return SPFS_C_MUNMAP;
	case __NR_mmap:
	case __NR_remap_file_pages:
		return SPFS_C_MMAP;
	case __NR_mremap:
		return SPFS_C_MREMAP;
	case __NR_brk:
		return SPFS_C_BRK;
	case __NR_madvise:
	case __NR_process_madvise:
		return SPFS_C_MADVISE;
	case __NR_mlock:
	case __NR_mlock2:
	case __NR_munlock:
	case __NR_mlockall:
	case __NR_munlockall:
		return SPFS_C_MLOCK;
	case __NR_clone:
	case __NR_clone3:
	case __NR_fork:
	case __NR_vfork:
		return SPFS_C_FORK;
	default:
		return SPFS_C_OTHER;
	}
}
NOKPROBE_SYMBOL(spfs_cause_current);

/**
 * spfs_vma_event() - log a change to VMAs of a tracked mm
 * @mm: the mm
 * @start: start of the range of VMAs affected (before the change)
 * @end: its end
 * @cause: an &enum spfs_cause, or -1 for the current system call's
 *
 * Called from the probes on the VMA write paths, with mmap_lock held for
 * write.  The event stays open until the write cycle ends: that is when
 * SPF's vm_sequence and the VMA lock are released.
 */
void spfs_vma_event(struct mm_struct *mm, u64 start, u64 end, int cause)
{
	struct spfs_event ev = {
		.type = SPFS_EV_VMA, .start = start, .end = end,
	};
	struct spfs_mm *smm;

	if (cause == SPFS_C_STACK)
		spfs_fault_stack_growth();
	rcu_read_lock();
	smm = spfs_mm_lookup(mm);
	if (smm) {
		ev.t_begin = spfs_now();
		ev.tid = current->pid;
		ev.cause = cause < 0 ? spfs_cause_current() : cause;
		trace_vma_event(smm->tgid, ev.cause, start, end,
				spfs_log_append(smm, &ev));
		spfs_stat_inc(SPFS_STAT_EVENTS_VMA);
	}
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_vma_event);

/* ------------------------------------------------------------------ */
/* mmap_lock write cycles                                               */

static void spfs_write_begin(struct spfs_mm *smm)
{
	smm->w_task = current;
	smm->w_first_seq = atomic64_read(&smm->seq) + 1;
	smm->w_cause = spfs_cause_current();
	/* Last: a fault seeing w_begin set finds the rest in place. */
	smp_store_release(&smm->w_begin, spfs_now());
}
NOKPROBE_SYMBOL(spfs_write_begin);

static void spfs_write_end(struct spfs_mm *smm)
{
	struct spfs_event ev = {
		.type = SPFS_EV_MM_WRITE, .start = 0, .end = ULONG_MAX,
		.tid = current->pid, .cause = smm->w_cause,
	};

	ev.t_begin = smm->w_begin;
	ev.t_end = spfs_now();
	spfs_log_close_vma_events(smm, ev.t_end);
	spfs_log_append(smm, &ev);
	spfs_stat_inc(SPFS_STAT_EVENTS_MM_WRITE);
	smm->w_task = NULL;
	WRITE_ONCE(smm->w_begin, 0);
}
NOKPROBE_SYMBOL(spfs_write_end);

/**
 * spfs_mmap_lock_mm() - the tracked mm whose mmap_lock @sem is
 * @sem: any rw_semaphore
 *
 * Cheap for every other rwsem: nothing is dereferenced but the hash
 * table's own entries.
 *
 * Return: the &struct spfs_mm, or NULL.  Call under RCU.
 */
struct spfs_mm *spfs_mmap_lock_mm(struct rw_semaphore *sem)
{
	return spfs_mm_lookup(container_of(sem, struct mm_struct, mmap_lock));
}
NOKPROBE_SYMBOL(spfs_mmap_lock_mm);

/**
 * spfs_mmap_write_begin() - a tracked mm's mmap_lock was taken for write
 * @sem: the lock (down_write() and friends returned successfully)
 */
void spfs_mmap_write_begin(struct rw_semaphore *sem)
{
	struct spfs_mm *smm;

	rcu_read_lock();
	smm = spfs_mmap_lock_mm(sem);
	if (smm)
		spfs_write_begin(smm);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_mmap_write_begin);

/**
 * spfs_mmap_write_end() - a tracked mm's write cycle ends
 * @sem: the lock, being released (up_write()) or downgraded
 *	 (downgrade_write(): munmap and brk zap under the read lock)
 */
void spfs_mmap_write_end(struct rw_semaphore *sem)
{
	struct spfs_mm *smm;

	rcu_read_lock();
	smm = spfs_mmap_lock_mm(sem);
	if (smm && READ_ONCE(smm->w_begin))
		spfs_write_end(smm);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(spfs_mmap_write_end);

/* ------------------------------------------------------------------ */
/* The mmu notifier                                                     */

static int spfs_mn_invalidate_start(struct mmu_notifier *mn,
				    const struct mmu_notifier_range *range)
{
	struct spfs_mm *smm = container_of(mn, struct spfs_mm, mn);
	struct spfs_event ev = {
		.type = SPFS_EV_PT, .start = range->start, .end = range->end,
		.tid = current->pid,
	};

	ev.cause = (int)range->event < SPFS_PT_OTHER ? (int)range->event :
							  SPFS_PT_OTHER;
	if (READ_ONCE(smm->w_begin) && READ_ONCE(smm->w_task) == current)
		ev.flags = SPFS_EVF_WRITER;
	ev.t_begin = spfs_now();
	atomic_inc(&smm->pt_open);
	trace_pt_event(smm->tgid, ev.cause, ev.start, ev.end,
		       spfs_log_append(smm, &ev));
	spfs_stat_inc(SPFS_STAT_EVENTS_PT);
	return 0;
}

/* Close the matching open page-table event, looking back a little. */
static void spfs_mn_invalidate_end(struct mmu_notifier *mn,
				   const struct mmu_notifier_range *range)
{
	struct spfs_mm *smm = container_of(mn, struct spfs_mm, mn);
	u64 last = atomic64_read(&smm->seq), seq, now = spfs_now();
	struct spfs_log_entry *e;

	for (seq = last; seq && last - seq < SPFS_LOG_SIZE; seq--) {
		e = &smm->log[seq & (SPFS_LOG_SIZE - 1)];
		if (READ_ONCE(e->seq) != seq || e->ev.type != SPFS_EV_PT ||
		    e->ev.tid != current->pid || e->ev.start != range->start ||
		    e->ev.end != range->end || READ_ONCE(e->ev.t_end))
			continue;
		WRITE_ONCE(e->ev.t_end, now);
		break;
	}
	atomic_dec(&smm->pt_open);
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

static struct mmu_notifier *spfs_mn_alloc(struct mm_struct *mm)
{
	struct spfs_mm *smm = kzalloc(sizeof(*smm), GFP_KERNEL);

	if (!smm)
		return ERR_PTR(-ENOMEM);
	smm->mm = mm;
	atomic_inc(&spfs_mm_live);
	return &smm->mn;
}

/* After SRCU: no notifier callback runs; RCU readers (probes) may. */
static void spfs_mn_free(struct mmu_notifier *mn)
{
	struct spfs_mm *smm = container_of(mn, struct spfs_mm, mn);

	kfree_rcu(smm, rcu);
	if (atomic_dec_and_test(&spfs_mm_live))
		wake_up_var(&spfs_mm_live);
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
	get_task_comm(req->comm, current);
	llist_add(&req->node, &spfs_requests);
	queue_work(system_unbound_wq, &spfs_track_work);
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

	spfs_target_get(&t);
	if (!spfs_target_match(&t, tgid, comm))
		return;
	if (!mmget_not_zero(mm))
		return;		/* exiting: nothing to track */
	mn = mmu_notifier_get(&spfs_mn_ops, mm);
	if (IS_ERR(mn)) {
		spfs_stat_inc(SPFS_STAT_TRACK_FAILED);
		goto out;
	}
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
		get_task_comm(comm, p);
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

	if (xchg(&spfs_retarget, false) && READ_ONCE(spfs_active)) {
		spfs_track_retarget();
		spfs_track_existing();
	}
	list = llist_del_all(&spfs_requests);
	llist_for_each_entry_safe(req, tmp, list, node) {
		if (READ_ONCE(spfs_active))
			spfs_track_mm(req->mm, req->tgid, req->comm);
		mmdrop(req->mm);
		kfree(req);
	}
	if (READ_ONCE(spfs_active))
		spfs_stash_refill();
}

/* ------------------------------------------------------------------ */

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

	WRITE_ONCE(spfs_active, false);
	cancel_work_sync(&spfs_track_work);
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
