/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: counting judged faults (spfs_account.c): the per-CPU
 * counters, the process's own counts, the pvl agreement with the kernel,
 * the ring of recent disagreements and the fault_verdict tracepoint.
 */
#ifndef _SPFS_ACCOUNT_H
#define _SPFS_ACCOUNT_H

#include "spfs_core.h"

struct spfs_mm;

/**
 * struct spfs_outcome - what the kernel did with a fault, beside the model
 * @real: on kernels with per-VMA locks, &enum spfs_real
 * @facts: the kernel's VMA lock state was read for it
 * @vma_written: it says the fault's VMA was write-locked between T0 and TL
 */
struct spfs_outcome {
	u8 real;
	bool facts;
	bool vma_written;
};

void spfs_account(struct spfs_mm *smm, const struct spfs_fault *f,
		  const struct spfs_judgement *j,
		  const struct spfs_outcome *out);
bool spfs_account_clean(struct spfs_mm *smm, u64 t0, u64 tl, u64 t1,
			u8 real, bool facts_missed);

/**
 * struct spfs_disagreement - a fault whose pvl verdict missed
 * @seq: its number among disagreements, 0 while being written
 * @tgid: the process
 * @addr: the faulting address
 * @vm_start: the VMA at TL
 * @vm_end: its end
 * @flags: SPFS_F() class flags
 * @row: the shadow verdict, spfs_pvl_row()
 * @detail: its cause or reason
 * @real: &enum spfs_real
 * @contested: a write cycle overlapped the fault
 */
struct spfs_disagreement {
	u64 seq;
	pid_t tgid;
	u64 addr, vm_start, vm_end;
	u32 flags;
	u8 row, detail, real;
	bool contested;
};

#define SPFS_DISAGREEMENTS	64
bool spfs_disagreement_get(unsigned int i, struct spfs_disagreement *d);
void spfs_account_reset(void);
int spfs_account_init(void);
void spfs_account_exit(void);

#endif /* _SPFS_ACCOUNT_H */
