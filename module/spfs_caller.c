// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow: who releases a fault's lock.  T1 is the up_read() that
 * ends a fault, made by the fault handler or, for a shared write fault
 * that completes early, by fault_dirty_shared_page(): both are found
 * here, by name and bounds from kallsyms.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "spfs_caller.h"

/*
 * The function that calls handle_mm_fault() for user faults and releases
 * the lock after it (do_user_addr_fault() on x86): it is neither exported
 * nor probe-able, so TL learns it from its return address the first time
 * a user fault enters handle_mm_fault(), and kallsyms gives its bounds.
 * The name is checked.  Size 0: not known yet.
 */
static const char * const spfs_caller_names[] = {
	"do_user_addr_fault+",
	"exc_page_fault+",	/* should the compiler inline the former */
};
unsigned long spfs_caller_start, spfs_caller_size;
/*
 * fault_dirty_shared_page(): releases the lock of a write fault to a clean
 * shared page before it throttles on dirty pages, and its fault returns
 * VM_FAULT_COMPLETED; it calls up_read() for nothing else.  Found at load.
 */
unsigned long spfs_completer_start, spfs_completer_size;
static atomic_t spfs_caller_learning = ATOMIC_INIT(0);
/* Only one user at a time: the learner, or init before the hooks. */
static char spfs_caller_buf[KSYM_SYMBOL_LEN];

/* The bounds of the function around @ip, from "name+0xoff/0xsize". */
static int spfs_caller_bounds(unsigned long ip, unsigned long *start,
			      unsigned long *size)
{
	unsigned long off, len;
	const char *p;

	sprint_symbol(spfs_caller_buf, ip);
	p = strchr(spfs_caller_buf, '+');
	if (!p || sscanf(p, "+%lx/%lx", &off, &len) != 2 || off >= len ||
	    off > ip)
		return -ENOENT;
	*start = ip - off;
	*size = len;
	return 0;
}

/**
 * spfs_caller_learn() - learn the fault handler from a user fault's TL
 * @ret_ip: handle_mm_fault()'s return address
 *
 * Once: the first user fault that enters handle_mm_fault() names its
 * caller; one whose name is not the handler's lets the next one try.
 */
void spfs_caller_learn(unsigned long ret_ip)
{
	unsigned long start, size;
	unsigned int i;

	if (atomic_xchg(&spfs_caller_learning, 1))
		return;
	if (spfs_caller_bounds(ret_ip, &start, &size)) {
		pr_warn_once("no symbol for handle_mm_fault()'s caller %pS: faults judged at the next fault\n",
			     (void *)ret_ip);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(spfs_caller_names); i++)
		if (str_has_prefix(spfs_caller_buf, spfs_caller_names[i]))
			break;
	if (i == ARRAY_SIZE(spfs_caller_names)) {
		pr_warn_once("handle_mm_fault() called from %s for a user fault: not taken for the fault handler\n",
			     spfs_caller_buf);
		atomic_set(&spfs_caller_learning, 0);	/* the next may be */
		return;
	}
	spfs_caller_start = start;
	/* Pairs with spfs_t1(): a size seen means its start is too. */
	smp_store_release(&spfs_caller_size, size);
}
NOKPROBE_SYMBOL(spfs_caller_learn);

/**
 * spfs_symbol_address() - where a function is, by name
 * @name: the function
 *
 * Modules have no kallsyms_lookup_name(), but registering a kprobe
 * resolves its symbol.
 *
 * Return: its address, or 0 if there is no such function to probe.
 */
unsigned long spfs_symbol_address(const char *name)
{
	struct kprobe kp = { .symbol_name = name };
	unsigned long addr;

	if (register_kprobe(&kp))
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return addr;
}

/*
 * A direct call's target may be patched to just before the callee: call
 * depth tracking's thunks and FineIBT's preamble sit in the padding in
 * front of a function (CONFIG_FUNCTION_PADDING_BYTES, at most 64).
 */
#define SPFS_CALLEE_PADDING	64

/**
 * spfs_call_return_offset() - where a function goes on after calling another
 * @caller: the calling function
 * @callee: the called function
 *
 * Reads @caller's text for the first direct call (E8 rel32) of @callee.
 * A byte that only looks like one cannot mislead a probe: kprobes refuse
 * an address that is not an instruction boundary.  At load, before any
 * hook: the kallsyms buffer is shared with spfs_caller_learn().
 *
 * Return: the offset in @caller of the instruction after the call, or 0
 * if there is none.
 */
unsigned long spfs_call_return_offset(const char *caller, const char *callee)
{
	unsigned long start, size, target, off;
	u8 insn[5];
	s32 rel;

	target = spfs_symbol_address(callee);
	start = spfs_symbol_address(caller);
	if (!target || !start || spfs_caller_bounds(start, &start, &size))
		return 0;
	for (off = 0; off + sizeof(insn) <= size; off++) {
		unsigned long to;

		if (copy_from_kernel_nofault(insn, (void *)(start + off),
					     sizeof(insn)))
			return 0;
		if (insn[0] != 0xe8)
			continue;
		memcpy(&rel, &insn[1], sizeof(rel));
		to = start + off + sizeof(insn) + rel;
		if (to <= target && to + SPFS_CALLEE_PADDING >= target)
			return off + sizeof(insn);
	}
	return 0;
}

/*
 * The length of a "mov %eax, %r32" at @p (89 /r or 8B /r, a register
 * operand, REX.B or REX.R for r8d-r15d), or 0 if it is not one: how a
 * compiler keeps a call's return value.
 */
static unsigned int spfs_mov_from_eax(const u8 *p)
{
	unsigned int i = 0;
	u8 rex = 0;

	if ((p[0] & 0xf0) == 0x40) {
		rex = p[0];
		i = 1;
	}
	if (rex & 0x08)		/* REX.W: a 64-bit move, not of an int */
		return 0;
	if (p[i] == 0x89 && (p[i + 1] & 0xf8) == 0xc0 && !(rex & 0x04))
		return i + 2;	/* 89 /r: reg is eax, rm the copy */
	if (p[i] == 0x8b && (p[i + 1] & 0xc7) == 0xc0 && !(rex & 0x01))
		return i + 2;	/* 8B /r: rm is eax, reg the copy */
	return 0;
}

/**
 * spfs_call_join_offset() - where two calls' paths join, their value in eax
 * @caller: the calling function
 * @main: the callee of the path that falls through to the join
 * @other: the callee of the path that jumps to it
 *
 * Both calls' results go to one variable, so compilers end the branches
 * alike: "call @main; mov %eax, %reg" falls through to the join, "call
 * @other; mov %eax, %reg; jmp join" jumps there - with eax still the
 * value either call returned.  A probe at the join sees both paths and,
 * no jump target inside its first instructions, can be optimized into a
 * jump; one right after the call of @main cannot (the other path's jump
 * lands three bytes on).  At load, as spfs_call_return_offset().
 *
 * Return: the join's offset in @caller, or 0 if the code has another
 * shape.
 */
unsigned long spfs_call_join_offset(const char *caller, const char *main,
				    const char *other)
{
	unsigned long start, size, ret_main, ret_other, join;
	unsigned int len;
	u8 b[8];

	ret_main = spfs_call_return_offset(caller, main);
	ret_other = spfs_call_return_offset(caller, other);
	/* The symbol's start, not where a kprobe on it goes (past ENDBR). */
	start = spfs_symbol_address(caller);
	if (!start || spfs_caller_bounds(start, &start, &size) ||
	    !ret_main || !ret_other ||
	    copy_from_kernel_nofault(b, (void *)(start + ret_main), sizeof(b)))
		return 0;
	len = spfs_mov_from_eax(b);
	if (!len)
		return 0;
	join = ret_main + len;
	if (copy_from_kernel_nofault(b, (void *)(start + ret_other), sizeof(b)))
		return 0;
	len = spfs_mov_from_eax(b);
	if (!len)
		return 0;
	if (b[len] == 0xeb)
		return ret_other + len + 2 + (s8)b[len + 1] == join ? join : 0;
	if (b[len] == 0xe9 && len + 5 <= sizeof(b)) {
		s32 rel;

		memcpy(&rel, &b[len + 1], sizeof(rel));
		return ret_other + len + 5 + rel == join ? join : 0;
	}
	return 0;
}

/*
 * After a cmpxchg, compilers test its outcome: a setcc of the flag, kept
 * (REX 0F 9x, to a register other than the operand's base), then a jne
 * to the retry (75 rel8, 0F 85 rel32).  The instruction after those runs
 * only once the cmpxchg succeeded: the site moves there if the code has
 * that shape, else stays right after the cmpxchg, where ZF says.
 */
static void spfs_skip_to_success(struct spfs_cmpxchg_site *site)
{
	unsigned int i = 0, rex = 0;
	u8 b[10];

	if (copy_from_kernel_nofault(b, (void *)site->addr, sizeof(b)))
		return;
	if ((b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (b[i] == 0x0f && (b[i + 1] & 0xf0) == 0x90 && (b[i + 2] >> 6) == 3 &&
	    ((b[i + 2] & 7) | (rex & 1 ? 8 : 0)) != site->base)
		i += 3;
	else
		i = 0;
	if (b[i] == 0x75)
		i += 2;
	else if (b[i] == 0x0f && b[i + 1] == 0x85)
		i += 6;
	else
		return;
	site->addr += i;
	site->taken = true;
}

/*
 * The first memory-operand lock cmpxchg (F0 [REX] 0F B1 /r) in
 * [start, start + size), its operand a base register and a displacement
 * (no index register, not RIP-relative: the form a pointer to a field
 * takes).
 */
static int spfs_scan_lock_cmpxchg(unsigned long start, unsigned long size,
				  struct spfs_cmpxchg_site *site)
{
	unsigned long off;
	u8 b[9];

	for (off = 0; off + sizeof(b) <= size; off++) {
		unsigned int i = 1, mod, rm, rex = 0;

		if (copy_from_kernel_nofault(b, (void *)(start + off),
					     sizeof(b)))
			return -EFAULT;
		if (b[0] != 0xf0)
			continue;
		if ((b[i] & 0xf0) == 0x40)
			rex = b[i++];
		if (b[i] != 0x0f || b[i + 1] != 0xb1)
			continue;
		i += 2;
		mod = b[i] >> 6;
		rm = b[i] & 7;
		i++;
		if (mod == 3 || (mod == 0 && rm == 5))
			return -EOPNOTSUPP;
		/* A SIB byte without an index: how rsp and r12 are bases. */
		if (rm == 4) {
			if (((b[i] >> 3) & 7) != 4 || (rex & 2) ||
			    (mod == 0 && (b[i] & 7) == 5))
				return -EOPNOTSUPP;
			rm = b[i++] & 7;
		}
		site->base = rm | (rex & 1 ? 8 : 0);
		site->disp = 0;
		if (mod == 1) {
			site->disp = (s8)b[i];
			i += 1;
		} else if (mod == 2) {
			memcpy(&site->disp, &b[i], sizeof(s32));
			i += 4;
		}
		site->addr = start + off + i;
		site->taken = false;
		spfs_skip_to_success(site);
		return 0;
	}
	return -ENOENT;
}

/**
 * spfs_lock_cmpxchg_site() - the first lock cmpxchg a function runs
 * @fn: the function
 * @site: filled with the address of the instruction after it and its
 *	  memory operand
 *
 * Looks in @fn's text, then in the function of @fn's first direct call
 * (a static helper the compiler kept out of line).  A byte that only
 * looks like the instruction cannot mislead a probe: kprobes refuse an
 * address that is not an instruction boundary.  At load, before any hook
 * (see spfs_call_return_offset()).
 *
 * Return: 0, or a negative errno if there is none of that form.
 */
int spfs_lock_cmpxchg_site(const char *fn, struct spfs_cmpxchg_site *site)
{
	unsigned long start, size, off, target, tstart, tsize;
	u8 insn[5];
	s32 rel;
	int ret;

	start = spfs_symbol_address(fn);
	if (!start || spfs_caller_bounds(start, &start, &size))
		return -ENOENT;
	ret = spfs_scan_lock_cmpxchg(start, size, site);
	if (ret != -ENOENT)
		return ret;
	for (off = 0; off + sizeof(insn) <= size; off++) {
		if (copy_from_kernel_nofault(insn, (void *)(start + off),
					     sizeof(insn)))
			return -EFAULT;
		if (insn[0] != 0xe8)
			continue;
		memcpy(&rel, &insn[1], sizeof(rel));
		target = start + off + sizeof(insn) + rel;
		/* Not a call, or one to a trampoline (ftrace's, at entry). */
		if (spfs_caller_bounds(target, &tstart, &tsize) ||
		    tstart != target)
			continue;
		return spfs_scan_lock_cmpxchg(tstart, tsize, site);
	}
	return -ENOENT;
}

/**
 * spfs_caller_init() - check kallsyms and find the fault completer
 *
 * kallsyms must give bounds the way spfs_caller_learn() reads them; at
 * load, before any hook: TL's learner shares the buffer.
 *
 * Return: 0, or -ENOENT if kallsyms gives no bounds.
 */
int spfs_caller_init(void)
{
	unsigned long start, size, addr;

	if (spfs_caller_bounds((unsigned long)spfs_caller_init, &start,
			       &size) ||
	    start != (unsigned long)spfs_caller_init) {
		pr_err("kallsyms gives no symbol bounds: T1 cannot be found\n");
		return -ENOENT;
	}
	addr = spfs_symbol_address("fault_dirty_shared_page");
	if (addr && !spfs_caller_bounds(addr, &start, &size)) {
		spfs_completer_start = start;
		spfs_completer_size = size;
	} else {
		pr_info("fault_dirty_shared_page not found: shared write faults judged at the next fault\n");
	}
	return 0;
}
