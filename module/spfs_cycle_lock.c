// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: the VMA write locks a write cycle takes out of line (6.18
 * and 7.3: __vma_start_write()), for pvl's verdict.
 *
 * Each lock is an SPFS_OP_VMA_LOCK event asked for (SPFS_EVF_ASKED) at
 * the function's entry and open until the kernel marks the VMA's
 * vm_refcnt for the writer, from when new readers fail - or, the mark not
 * seen, until the function returns.  The rest of the cycle, and 6.12's
 * locks, are spfs_cycle.c's.
 */

#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>

#include "spfs_clock.h"
#include "spfs_settings.h"
#include "spfs_track.h"

/**
 * spfs_cycle_vma_write_lock() - the writer write-locks a VMA out of line
 * @smm: the mm's state, its cycle current's
 * @vma: the VMA, at the entry of SPFS_VMA_WRITE_LOCK_FN
 *
 * The kernel calls the function once per VMA and cycle: it marks the
 * VMA's reference count, from when new readers fail, waits for the
 * readers already in, and writes the VMA's lock sequence.  The lock is
 * asked for now and held to the end of the cycle, for the range the VMA
 * has now - a split or merge changes it later, within what is locked.
 * The event, asked for (SPFS_EVF_ASKED), stays open until the mark
 * (spfs_cycle_vma_lock_held()), its t_end: a reader that came in before it
 * is waited for, one that came after failed - or, the mark not seen,
 * until the function's return.  A reader that tried between the two
 * times cannot be placed against the mark from them, and is told by the
 * end of its fault (spfs_judge_vma()).
 * A VMA not attached yet (a new one, or a split's new half) is not
 * marked, and gets the lock as well, for its range as it stands.  With
 * this hook attached the cycle's end looks for no lock
 * (spfs_cycle_log_locks()).
 *
 * A fork's locks are one event, and its front (spfs_cycle_fork_front())
 * says which VMAs they hold: the VMA asked for joins them at its mark, as
 * a fault that tries it before gets in and the fork waits for it.
 *
 * Return: 0 if the lock's event is open (or, in a fork, the VMA is to
 * join the front), to be ended at its mark or by
 * spfs_cycle_vma_lock_held(), or -1 if there is nothing to follow
 * (logged already, asked for to the end, where the table is full, or not
 * a lock the log keeps).
 */
int spfs_cycle_vma_write_lock(struct spfs_mm *smm, struct vm_area_struct *vma)
{
	struct spfs_event ev;
	int slot;

	if (!spfs_vma_lock_facts)
		return -1;
	if (smm->w_cause == SPFS_C_FORK) {
		smm->w_front_next = vma->vm_end;
		smm->w_front_vma = vma;
		return 0;
	}
	ev = spfs_cycle_lock_event(smm, vma, spfs_now());
	ev.flags = SPFS_EVF_ASKED;
	ev.t_end = 0;
	slot = spfs_open_begin(smm, &ev, vma);
	if (slot >= 0)
		return 0;
	/* No room: when it was taken stays unknown. */
	spfs_cycle_log_lock(smm, &ev, spfs_log_append(smm, &ev));
	return -1;
}
NOKPROBE_SYMBOL(spfs_cycle_vma_write_lock);

/**
 * spfs_cycle_vma_lock_held() - a VMA's out-of-line write lock is held
 * @smm: the mm's state, its cycle current's
 * @vma: the VMA
 * @t: from when new readers fail
 *
 * From the instruction after the writer's mark of the VMA's reference
 * count, @t read first thing after it; or, the mark not seen, from
 * SPFS_VMA_WRITE_LOCK_FN's return, @t then (the readers it waited for
 * are out).  The open event of the VMA's lock, if it has one not ended
 * yet, is logged with @t as its t_end: at the mark its slot is free
 * again while the writer waits for the readers already in (a zap under a
 * VMA read lock holds slots meanwhile).  In a fork, the VMA joins the
 * front.
 */
void spfs_cycle_vma_lock_held(struct spfs_mm *smm, const void *vma, u64 t)
{
	struct spfs_event ev;
	int slot;

	if (smm->w_cause == SPFS_C_FORK) {
		if (vma == smm->w_front_vma) {
			spfs_cycle_fork_front(smm, smm->w_front_next);
			smm->w_front_vma = NULL;
		}
		return;
	}

	slot = spfs_open_find(smm, vma);
	if (slot < 0)
		return;
	ev = smm->open[slot].ev;
	if (ev.kind != SPFS_OP_VMA_LOCK || !(ev.flags & SPFS_EVF_ASKED))
		return;
	spfs_cycle_log_lock(smm, &ev, spfs_open_end(smm, slot, t));
}
NOKPROBE_SYMBOL(spfs_cycle_vma_lock_held);
