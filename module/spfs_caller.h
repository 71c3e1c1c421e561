/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow: the functions that end a fault (spfs_caller.c).
 */
#ifndef _SPFS_CALLER_H
#define _SPFS_CALLER_H

#include <linux/compiler.h>
#include <linux/types.h>

/* The fault handler's bounds; a size of 0 until learnt. */
extern unsigned long spfs_caller_start, spfs_caller_size;
/* fault_dirty_shared_page()'s bounds; 0 if not found. */
extern unsigned long spfs_completer_start, spfs_completer_size;

/*
 * A lock cmpxchg found in a function's text: where to probe - the next
 * instruction, or, @taken, the first one run only once it succeeded - and
 * its memory operand, base register (x86 numbering, REX.B included) plus
 * displacement, unchanged at that address.
 */
struct spfs_cmpxchg_site {
	unsigned long addr;
	s32 disp;
	u8 base;
	bool taken;
};

int spfs_caller_init(void);
int spfs_lock_cmpxchg_site(const char *fn, struct spfs_cmpxchg_site *site);
unsigned long spfs_call_return_offset(const char *caller, const char *callee);
unsigned long spfs_symbol_address(const char *name);
unsigned long spfs_call_join_offset(const char *caller, const char *main,
				    const char *other);
void spfs_caller_learn(unsigned long ret_ip);

/* TL's part: learn the caller from the first user fault that gets here. */
static __always_inline void spfs_caller_note(unsigned long ret_ip)
{
	/* A plain check: spfs_caller_learn() runs once. */
	if (!READ_ONCE(spfs_caller_size))
		spfs_caller_learn(ret_ip);
}

#endif /* _SPFS_CALLER_H */
