// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: mmap_lock write cycles of a tracked mm.
 *
 * A cycle runs from the return of the writer's down_write() to its
 * up_write().  The VMA writes inside it are logged by the probes of the
 * write paths (spfs_writers.c); here is what belongs to the cycle as a
 * whole: its number, its cause, the fork that covers the whole mm, the
 * ranges its writers touched, and, on kernels with per-VMA locks, the
 * write locks it really took, for pvl's verdict: logged as 6.12's
 * down_write() of a VMA's lock shows them, or as they are taken where the
 * kernel takes them out of line (6.18 and 7.3: __vma_start_write(),
 * spfs_cycle_lock.c), and at the cycle's end those not seen so far.
 */

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "spfs_clock.h"
#include "spfs_settings.h"
#include "spfs_stats.h"
#include "spfs_trace.h"
#include "spfs_track.h"
#include "wrapper/vma_lock.h"

/**
 * spfs_cycle_of_current() - the tracked mm current is writing, if any
 *
 * For the probes on the VMA write paths and the rwsem calls: the writer
 * is usually the mm's own process; a writer from outside (khugepaged,
 * /proc/PID/clear_refs) is found by the mmap_lock it takes instead.
 * Call under RCU.
 *
 * Return: the &struct spfs_mm of current's mm if current holds its
 * mmap_lock for write, else NULL.
 */
struct spfs_mm *spfs_cycle_of_current(void)
{
	struct spfs_mm *smm;

	if (!current->mm)
		return NULL;
	smm = spfs_mm_lookup(current->mm);
	if (smm && READ_ONCE(smm->w_task) == current &&
	    READ_ONCE(smm->w_begin))
		return smm;
	return NULL;
}
NOKPROBE_SYMBOL(spfs_cycle_of_current);

/**
 * spfs_cycle_begin() - a tracked mm's mmap_lock was taken for write
 * @smm: the mm's state
 * @cause: what the writer is doing (&enum spfs_cause)
 *
 * Called by the writer, from the return of its down_write().  Fork takes
 * the parent's lock to copy every VMA: SPF's dufour write-begins each of
 * them until the copy ends, per-VMA locks write-lock each: one event
 * covering the whole mm stands for them, open until the cycle ends.  One
 * event per VMA would overflow the log at the first fork of a process
 * with more VMAs than the log holds.  dup_mmap() takes the VMA locks in
 * turn, in address order, and a fault on a VMA it has not reached yet
 * gets its lock: how far it has gone is kept in w_front
 * (spfs_cycle_fork_lock()), which each fault reads at T0.
 */
void spfs_cycle_begin(struct spfs_mm *smm, u8 cause)
{
	u64 now = spfs_now();

	smm->w_task = current;
	/*
	 * Cycles are numbered by the kernel's own count where it has one
	 * (the vm_lock_seq the cycle's VMA locks get), else by ours.
	 */
	if (SPFS_HAVE_VMA_LOCK && spfs_vma_lock_facts)
		smm->w_cycle = spfs_mm_cycle_lock_seq(smm->mm);
	else
		smm->w_cycle++;
	smm->w_first_seq = atomic64_read(&smm->seq) + 1;
	smm->w_cause = cause;
	smm->w_nlocks = 0;
	smm->w_nranges = 0;
	smm->w_all = false;
	smm->w_unfound = 0;
	smm->w_cursor = 0;
	smm->w_front = 0;
	WRITE_ONCE(smm->w_front_sem, NULL);
	smm->w_front_vma = NULL;
	smm->w_fork_slot = -1;
	if (SPFS_HAVE_VMA_LOCK)
		smm->w_lock_seq = spfs_mm_cycle_lock_seq(smm->mm);
	/* Last: a fault seeing w_begin set finds the rest in place. */
	smp_store_release(&smm->w_begin, now);
	if (cause == SPFS_C_FORK) {
		struct spfs_event ev = {
			.type = SPFS_EV_VMA, .kind = SPFS_OP_FORK,
			.t_begin = now, .start = 0, .end = ULONG_MAX,
			.cycle = smm->w_cycle, .cause = cause,
			.tid = current->pid,
		};

		smm->w_fork_slot = spfs_open_begin(smm, &ev, NULL);
		smm->w_all = true;
		/* dup_mmap() write-locks every VMA of the parent, in turn. */
		if (SPFS_HAVE_VMA_LOCK && spfs_vma_lock_facts) {
			ev.kind = SPFS_OP_VMA_LOCK;
			ev.t_end = now;
			spfs_log_append(smm, &ev);
			spfs_stat_inc(SPFS_STAT_EVENTS_VMA_LOCK);
			atomic_inc(&spfs_cycle_forks);
			WRITE_ONCE(smm->w_fork_counted, true);
		}
	}
}
NOKPROBE_SYMBOL(spfs_cycle_begin);

/**
 * spfs_cycle_range() - the write cycle in progress changes [start, end)
 * @smm: the mm's state, its cycle current's
 * @start: first address
 * @end: end of the range
 *
 * Kept for spfs_cycle_end(), which looks for the VMAs the cycle
 * write-locked there and next to it.  A range that overlaps or touches
 * one kept grows it: one write path's probes (an mprotect() of a page:
 * mprotect_fixup(), the splits, vma_set_page_prot(), ...) name the same
 * few VMAs again and again, and only more disjoint ranges than fit make
 * the cycle search the whole mm - for each lock it cannot place, which
 * in a process of 100,000 VMAs made each mprotect() cost milliseconds.
 * A wider range finds no other lock: each VMA there is checked against
 * the kernel's own record of the cycle's locks.
 */
void spfs_cycle_range(struct spfs_mm *smm, u64 start, u64 end)
{
	unsigned int i;

	if (smm->w_all)
		return;
	for (i = 0; i < smm->w_nranges; i++) {
		struct spfs_range *r = &smm->w_ranges[i];

		if (start <= r->end && end >= r->start) {
			r->start = min(r->start, start);
			r->end = max(r->end, end);
			return;
		}
	}
	if (smm->w_nranges == SPFS_CYCLE_RANGES) {
		smm->w_all = true;
		return;
	}
	smm->w_ranges[smm->w_nranges].start = start;
	smm->w_ranges[smm->w_nranges].end = end;
	smm->w_nranges++;
}
NOKPROBE_SYMBOL(spfs_cycle_range);

/*
 * A VMA write lock: asked for at t_begin, held from t_end (see
 * spfs_cycle_vma_locked(); the same for a lock seen only at the cycle's
 * end) to the end of the cycle.
 */
struct spfs_event spfs_cycle_lock_event(struct spfs_mm *smm,
					struct vm_area_struct *vma, u64 t)
{
	return (struct spfs_event){
		.type = SPFS_EV_VMA, .kind = SPFS_OP_VMA_LOCK,
		.t_begin = t, .t_end = t,
		.start = vma->vm_start, .end = vma->vm_end,
		.cycle = smm->w_cycle, .cause = smm->w_cause,
		.tid = current->pid,
	};
}
NOKPROBE_SYMBOL(spfs_cycle_lock_event);

void spfs_cycle_log_lock(struct spfs_mm *smm, const struct spfs_event *ev,
			 u64 seq)
{
	trace_vma_event(smm->tgid, ev->kind, ev->cause, ev->start, ev->end,
			seq);
	spfs_stat_inc(SPFS_STAT_EVENTS_VMA_LOCK);
}
NOKPROBE_SYMBOL(spfs_cycle_log_lock);

/*
 * The VMA whose lock is @sem, among those of [start, end) and its two
 * neighbours, or NULL.  find_vma_prev() is not exported: the walk starts
 * at the VMA that holds start - 1, if one does.
 */
static struct vm_area_struct *spfs_cycle_find_sem(struct spfs_mm *smm,
						  u64 start, u64 end,
						  const void *sem)
{
	struct vm_area_struct *vma;

	for (vma = find_vma(smm->mm, start ? start - 1 : 0); vma;
	     vma = find_vma(smm->mm, vma->vm_end)) {
		if (spfs_vma_lock_sem(vma) == sem)
			return vma;
		if (vma->vm_start >= end)
			break;
	}
	return NULL;
}

/*
 * Writers that write-lock VMAs all over the mm, one after the other in
 * address order, where the ranges their write paths say come late or not
 * at all: clear_refs' soft-dirty clear (vm_flags_clear() before
 * vma_set_page_prot()) and its page walk (PGWALK_WRLOCK: every VMA of the
 * mm, 6.12's fs/proc/task_mmu.c).  Each lock is logged as it is taken:
 * at the cycle's end, a VMA locked late in the walk would be taken as
 * locked from the start.
 */
static bool spfs_cycle_sweeps(const struct spfs_mm *smm)
{
	return smm->w_all || smm->w_cause == SPFS_C_CLEAR_REFS;
}

/*
 * The VMA whose lock is @sem, anywhere in the mm, or NULL.  The search
 * starts where the last one found its VMA and wraps around: a writer that
 * sweeps the mm in address order finds each lock at the next VMA.
 */
static struct vm_area_struct *spfs_cycle_sweep_sem(struct spfs_mm *smm,
						   const void *sem)
{
	struct vm_area_struct *vma;

	vma = spfs_cycle_find_sem(smm, smm->w_cursor, ULONG_MAX, sem);
	if (!vma && smm->w_cursor)
		vma = spfs_cycle_find_sem(smm, 0, smm->w_cursor, sem);
	if (vma)
		smm->w_cursor = vma->vm_end;
	return vma;
}

/*
 * A fork holds the locks of the VMAs below @end: published for the faults'
 * VMA lock attempts (spfs_fault_entry(), spfs_vma_lock_enter()).
 */
void spfs_cycle_fork_front(struct spfs_mm *smm, unsigned long end)
{
	if (end > READ_ONCE(smm->w_front))
		WRITE_ONCE(smm->w_front, end);
}
NOKPROBE_SYMBOL(spfs_cycle_fork_front);

/*
 * The fork has the lock it waited for (its down_write() returns): the
 * front moves on, and the lock is logged for its VMA, held from when the
 * fork queued or else the last fault in it left (the fork spun until
 * then: it takes the lock at once when the readers are gone), else from
 * now - so that a fault that tried the lock in between is judged against
 * the time, not the front it read.
 */
static void spfs_cycle_fork_taken(struct spfs_mm *smm)
{
	struct spfs_event ev = {
		.type = SPFS_EV_VMA, .kind = SPFS_OP_VMA_LOCK,
		.t_begin = smm->w_front_ask,
		.start = smm->w_front_start, .end = smm->w_front_next,
		.cycle = smm->w_cycle, .cause = SPFS_C_FORK,
		.tid = current->pid,
	};

	/* No release by a fault is noted after this. */
	WRITE_ONCE(smm->w_front_sem, NULL);
	ev.t_end = READ_ONCE(smm->w_front_held) ?: spfs_now();
	spfs_cycle_log_lock(smm, &ev, spfs_log_append(smm, &ev));
	spfs_cycle_fork_front(smm, ev.end);
}

/**
 * spfs_cycle_fork_read_unlock() - a fault leaves a VMA lock
 * @smm: the fault's mm's state
 * @sem: the lock, which the fault's up_read() is about to release
 *
 * If a fork that has not queued waits for it, it may take it now: the
 * last of these times before the fork has it is when it did.
 */
void spfs_cycle_fork_read_unlock(struct spfs_mm *smm, const void *sem)
{
	if (READ_ONCE(smm->w_front_sem) == sem && !smm->w_front_queued)
		WRITE_ONCE(smm->w_front_held, spfs_now());
}
NOKPROBE_SYMBOL(spfs_cycle_fork_read_unlock);

/*
 * A fork's down_write() of @sem: dup_mmap() write-locks each VMA of the
 * parent in address order before copying it, so the lock is the next
 * VMA's - or the one after, should one lock not be seen.  Its other
 * rwsems (anon_vma, i_mmap, the child's mmap_lock) are none of these.
 * A lock free now is the fork's from now, in its front; one that faults
 * hold is logged when the fork has it (spfs_cycle_fork_taken()), held
 * from when it queued for it or the last fault left it: until then the
 * fork spins, and faults still get the lock.  Measured on fork_many
 * (6.12), the alternatives were wrong more often: held from the ask, as
 * other writers' locks are, 255 of 1,634 contested faults in one run were
 * predicted to fail the lock they got; in the front from the taking,
 * faults came in the gap before the return probe, up to 13 of a run's 15
 * fallbacks; in the front from the first release, the spinning fork often
 * missed that moment under emulation and the faulting thread got in
 * again, 25 of 320 wrong in one run.
 *
 * Return: SPFS_CYCLE_FORK_PENDING if the fork waits for a VMA's lock,
 * else -1.
 */
static int spfs_cycle_fork_lock(struct spfs_mm *smm, const void *sem)
{
	struct vm_area_struct *vma = find_vma(smm->mm, smm->w_cursor);

	if (vma && spfs_vma_lock_sem(vma) != sem)
		vma = find_vma(smm->mm, vma->vm_end);
	if (!vma || spfs_vma_lock_sem(vma) != sem)
		return -1;
	smm->w_cursor = vma->vm_end;
	if (!spfs_vma_lock_busy(sem)) {
		spfs_cycle_fork_front(smm, vma->vm_end);
		return -1;
	}
	smm->w_front_start = vma->vm_start;
	smm->w_front_next = vma->vm_end;
	smm->w_front_held = 0;
	smm->w_front_queued = false;
	smm->w_front_ask = spfs_now();
	/* Pairs with spfs_cycle_fork_read_unlock()'s read: the rest first. */
	smp_store_release(&smm->w_front_sem, sem);
	return SPFS_CYCLE_FORK_PENDING;
}

/**
 * spfs_cycle_vma_lock() - the writer asks for a write lock
 * @smm: the mm's state, its cycle current's
 * @sem: the rw_semaphore the writer's down_write() takes
 *
 * On kernels with per-VMA locks, vma_start_write() takes the VMA's lock
 * out of line, here.  The VMAs around what the cycle changes so far (its
 * VMA write paths were entered before they lock) are looked through for
 * the one @sem belongs to: its lock is asked for now, for its range as it
 * is now - a split makes new VMAs of its parts later, the whole locked
 * already - and visible to faults while the writer waits for readers
 * (spfs_cycle_vma_locked() is when it has it).  A lock not found now (a
 * new VMA, or one locked before any write path said where) is kept, for
 * spfs_cycle_end() to find among the VMAs the cycle locked; the writer's
 * other rwsems (anon_vma, i_mmap) come here too and are never found.
 *
 * Return: the open slot of the lock's event, SPFS_CYCLE_FORK_PENDING for
 * a fork's lock to follow to its taking, or -1.
 */
int spfs_cycle_vma_lock(struct spfs_mm *smm, const void *sem)
{
	struct vm_area_struct *vma = NULL;
	struct spfs_event ev;
	unsigned int i;
	int slot = -1;
	u64 now;

	/* Where the VMA lock is no rw_semaphore, no down_write() is one. */
	if (!SPFS_HAVE_VMA_LOCK || !spfs_vma_lock_facts ||
	    SPFS_HAVE_VMA_WRITE_LOCK_FN)
		return -1;
	/* Fork locks every VMA: one event stands for them (cycle begin). */
	if (smm->w_cause == SPFS_C_FORK)
		return spfs_cycle_fork_lock(smm, sem);
	for (i = 0; i < smm->w_nlocks; i++)
		if (smm->w_locks[i].sem == sem)
			return -1;
	now = spfs_now();
	for (i = 0; !vma && !smm->w_all && i < smm->w_nranges; i++)
		vma = spfs_cycle_find_sem(smm, smm->w_ranges[i].start,
					  smm->w_ranges[i].end, sem);
	if (!vma && spfs_cycle_sweeps(smm))
		vma = spfs_cycle_sweep_sem(smm, sem);
	if (!vma && smm->w_unfound < U8_MAX)
		smm->w_unfound++;
	if (vma) {
		/* Stamped last: down_write() itself runs next. */
		ev = spfs_cycle_lock_event(smm, vma, spfs_now());
		ev.t_end = 0;
		slot = spfs_open_begin(smm, &ev, sem);
		if (slot < 0)	/* no room: seen as held from now */
			spfs_cycle_log_lock(smm, &ev,
					    spfs_log_append(smm, &ev));
	}
	if (smm->w_nlocks == SPFS_CYCLE_LOCKS)
		return slot;
	/* Seen, logged or not: the end of the cycle does not log it again. */
	smm->w_locks[smm->w_nlocks].sem = sem;
	smm->w_locks[smm->w_nlocks].t = vma ? 0 : now;
	smm->w_nlocks++;
	return slot;
}
NOKPROBE_SYMBOL(spfs_cycle_vma_lock);

/*
 * Whether spfs_cycle_vma_write_lock() sees every VMA write lock: its probe
 * on SPFS_VMA_WRITE_LOCK_FN is attached (spfs_probes.c).
 */
static bool spfs_cycle_write_lock_hooked;

/**
 * spfs_cycle_write_lock_hook() - say whether the VMA write lock is hooked
 * @hooked: the probe on SPFS_VMA_WRITE_LOCK_FN is attached
 *
 * Before the probes that log write cycles are attached, or after they
 * are gone.
 */
void spfs_cycle_write_lock_hook(bool hooked)
{
	spfs_cycle_write_lock_hooked = hooked;
}


/**
 * spfs_cycle_vma_queued() - the writer waits for a VMA lock it asked for
 * @smm: the mm's state, its cycle current's
 * @sem: the lock
 *
 * From lock:contention_begin: the writer stopped spinning and queued (the
 * rwsem's waiters flag is set), and from now readers' trylock fails, as if
 * it held the lock.  Its event, still open, is held from now; a fork's
 * lock moves the fork's front.
 */
void spfs_cycle_vma_queued(struct spfs_mm *smm, const void *sem)
{
	struct spfs_open_slot *o;
	unsigned long st;
	int slot;

	if (smm->w_cause == SPFS_C_FORK) {
		if (sem == smm->w_front_sem && !smm->w_front_queued) {
			smm->w_front_queued = true;
			WRITE_ONCE(smm->w_front_held, spfs_now());
		}
		return;
	}
	slot = spfs_open_find(smm, sem);
	if (slot < 0 || smm->open[slot].ev.kind != SPFS_OP_VMA_LOCK)
		return;
	o = &smm->open[slot];
	st = READ_ONCE(o->state);
	/* Readers drop what they copy meanwhile: see spfs_open_snapshot(). */
	WRITE_ONCE(o->state, (st & ~SPFS_OPEN_PHASE) | SPFS_OPEN_BUSY);
	smp_wmb();	/* invalid before rewritten; pairs with the snapshot */
	o->ev.t_end = spfs_now();
	/* A new generation, the contents first. */
	smp_store_release(&o->state, (st & ~SPFS_OPEN_PHASE) + 4 +
			  SPFS_OPEN_VALID);
}
NOKPROBE_SYMBOL(spfs_cycle_vma_queued);

/**
 * spfs_cycle_vma_locked() - the writer has the VMA lock it asked for
 * @smm: the mm's state, its cycle current's
 * @slot: the lock's open slot, from spfs_cycle_vma_lock()
 *
 * Readers were out of the VMA from when the writer queued, if it did, else
 * from its ask: an uncontended down_write() takes the lock a few
 * instructions after the entry probe's stamp, where its return probe
 * comes a trampoline later - under emulation that gap let many faults
 * fail a lock the log did not hold yet (the toggle workload of
 * results/accuracy.md: about 1% of its contested faults, a tenth of that
 * from the ask).  Held to the end of the cycle: the event is logged with
 * that time as its t_end.  (A writer that found the lock held and spun
 * until its readers left rather than queue had it only at the end of its
 * spin; taken as held from the ask all the same: measured on the toggle
 * workload, held from the return instead missed more faults in that
 * trampoline's gap, 6 to 24 per run against 2 to 7.)  A fork's lock
 * (SPFS_CYCLE_FORK_PENDING) moves the fork's front now: see
 * spfs_cycle_fork_lock().
 */
void spfs_cycle_vma_locked(struct spfs_mm *smm, int slot)
{
	struct spfs_event ev;

	if (slot == SPFS_CYCLE_FORK_PENDING) {
		if (smm->w_front_sem)
			spfs_cycle_fork_taken(smm);
		return;
	}
	ev = smm->open[slot].ev;
	spfs_cycle_log_lock(smm, &ev,
			    spfs_open_end(smm, slot, ev.t_end ?: ev.t_begin));
}
NOKPROBE_SYMBOL(spfs_cycle_vma_locked);

/*
 * A VMA the cycle write-locked, at its end: logged already at its lock
 * (a kept time of 0), or now, from when its writer asked for the lock -
 * the start of the cycle if that was not kept.
 */
static void spfs_cycle_end_lock(struct spfs_mm *smm,
				struct vm_area_struct *vma)
{
	const void *sem = spfs_vma_lock_sem(vma);
	u64 t = smm->w_begin;
	struct spfs_event ev;
	unsigned int i;

	if (!spfs_vma_locked_in_cycle(vma, smm->w_lock_seq))
		return;
	for (i = 0; i < smm->w_nlocks; i++) {
		if (smm->w_locks[i].sem == sem) {
			if (!smm->w_locks[i].t)
				return;
			t = smm->w_locks[i].t;
			break;
		}
	}
	ev = spfs_cycle_lock_event(smm, vma, t);
	spfs_cycle_log_lock(smm, &ev, spfs_log_append(smm, &ev));
}

/* The write-locked VMAs of [start, end) and of its two neighbours. */
static void spfs_cycle_locks_in(struct spfs_mm *smm, u64 start, u64 end)
{
	struct vm_area_struct *vma;

	for (vma = find_vma(smm->mm, start ? start - 1 : 0); vma;
	     vma = find_vma(smm->mm, vma->vm_end)) {
		spfs_cycle_end_lock(smm, vma);
		if (vma->vm_start >= end)
			break;
	}
}

/*
 * Log the VMA write locks of the cycle ending at @now, before its
 * SPFS_EV_CYCLE entry (spfs_judge() meets the latter first).  The writer
 * still holds mmap_lock: the VMAs are stable.  Fork locked every VMA:
 * one event.  Where every lock was seen as it was taken, none is left.
 */
static void spfs_cycle_log_locks(struct spfs_mm *smm)
{
	unsigned int i;

	/*
	 * Every lock found as it was taken is logged already - the w_locks
	 * it did not fit in included - and where the kernel's out-of-line
	 * write lock is hooked, every lock was.
	 */
	if (smm->w_cause == SPFS_C_FORK || !smm->w_unfound ||
	    spfs_cycle_write_lock_hooked)
		return;
	if (smm->w_all) {
		spfs_cycle_locks_in(smm, 0, ULONG_MAX);
		return;
	}
	for (i = 0; i < smm->w_nranges; i++)
		spfs_cycle_locks_in(smm, smm->w_ranges[i].start,
				    smm->w_ranges[i].end);
}

/**
 * spfs_cycle_end() - a tracked mm's write cycle ends
 * @smm: the mm's state
 *
 * Called by the writer as it releases (up_write()) or downgrades
 * (downgrade_write(): munmap and brk zap under the read lock) its
 * mmap_lock, still holding it for write.
 */
void spfs_cycle_end(struct spfs_mm *smm)
{
	struct spfs_event ev = {
		.type = SPFS_EV_CYCLE, .start = 0, .end = ULONG_MAX,
		.tid = current->pid, .cause = smm->w_cause,
		.cycle = smm->w_cycle, .t_begin = smm->w_begin,
	};

	ev.t_end = spfs_now();
	if (SPFS_HAVE_VMA_LOCK && spfs_vma_lock_facts)
		spfs_cycle_log_locks(smm);
	if (smm->w_fork_slot >= 0)
		spfs_open_end(smm, smm->w_fork_slot, ev.t_end);
	spfs_cycle_fork_uncount(smm);
	spfs_log_append(smm, &ev);
	spfs_stat_inc(SPFS_STAT_EVENTS_MM_WRITE);
	smm->w_task = NULL;
	smm->w_fork_slot = -1;
	WRITE_ONCE(smm->w_begin, 0);
}
NOKPROBE_SYMBOL(spfs_cycle_end);
