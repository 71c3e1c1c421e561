// SPDX-License-Identifier: GPL-2.0
/*
 * tb-count - a qemu TCG plugin counting the guest instructions executed
 * per translation block: where a guest's instructions go, exactly.
 *
 * Every block translated gets a counter, keyed by its guest address and
 * length (a block translated again at the same place, after its page
 * was flushed or its text patched, adds to the same counter); the
 * generated code adds one to it per execution, inline.  At exit the
 * plugin writes one line per kernel block executed: "ADDRESS INSNS
 * EXECUTIONS" (hex, decimal, decimal) to the file given as outfile=PATH,
 * after a line "user INSNS" (the user-space instructions, together).
 *
 * With mark=ADDRESS (hex, a kernel block's start: boot the guest with
 * nokaslr), only windows count: the block's odd executions zero the
 * counters, its even ones write them out, to PATH.1, PATH.2, ... - the
 * guest brackets what it measures with calls of a function it makes
 * nowhere else.
 * tools/bench/insn-profile boots a guest with it (scripts/vm-run
 * --plugin) and maps the addresses to the guest's symbols.
 *
 * Counts are per block, so an exception in the middle of a block counts
 * the block whole; rep-prefixed string instructions are one block each
 * and count one instruction per iteration, as -icount does.  Run with
 * one vCPU or single-threaded TCG: the inline additions are not atomic.
 *
 * qemu 7.2 installs no plugin header: qemu-plugin.h declares what this
 * plugin uses of its API.
 *
 * Build: gcc -O2 -shared -fPIC -o tb-count.so tb-count.c
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin.h"

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* Blocks below this address are user space: counted together. */
#define KERNEL_START	0xffff800000000000ULL

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;
	struct block *next;
};

#define HASH_BITS	20
static struct block *table[1U << HASH_BITS];
static uint64_t user_execs[1];	/* user blocks' instructions, not per block */
static const char *outfile;
static uint64_t mark;
static unsigned int marks_seen;

static void at_mark(unsigned int vcpu_index, void *userdata);

static unsigned int hash(uint64_t vaddr, uint64_t insns)
{
	return ((vaddr ^ (insns << 56)) * 0x9e3779b97f4a7c15ULL) >> (64 - HASH_BITS);
}

static struct block *block_get(uint64_t vaddr, uint64_t insns)
{
	unsigned int h = hash(vaddr, insns);
	struct block *b;

	for (b = table[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->insns == insns)
			return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->vaddr = vaddr;
	b->insns = insns;
	b->next = table[h];
	table[h] = b;
	return b;
}

static void tb_trans(uint64_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	uint64_t insns = qemu_plugin_tb_n_insns(tb);
	struct block *b;

	if (vaddr < KERNEL_START) {
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
				QEMU_PLUGIN_INLINE_ADD_U64, user_execs, insns);
		return;
	}
	if (mark && vaddr == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, at_mark,
						QEMU_PLUGIN_CB_NO_REGS, NULL);
	b = block_get(vaddr, insns);
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
				QEMU_PLUGIN_INLINE_ADD_U64, &b->execs, 1);
}

static void write_out(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned int i;
	struct block *b;

	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "user %llu\n", (unsigned long long)user_execs[0]);
	for (i = 0; i < 1U << HASH_BITS; i++)
		for (b = table[i]; b; b = b->next)
			if (b->execs)
				fprintf(f, "%llx %llu %llu\n",
					(unsigned long long)b->vaddr,
					(unsigned long long)b->insns,
					(unsigned long long)b->execs);
	fclose(f);
}

/* The mark's block: the window opens, then closes. */
static void at_mark(unsigned int vcpu_index, void *userdata)
{
	unsigned int i;
	struct block *b;

	char path[4096];

	if (++marks_seen % 2) {
		user_execs[0] = 0;
		for (i = 0; i < 1U << HASH_BITS; i++)
			for (b = table[i]; b; b = b->next)
				b->execs = 0;
	} else {
		snprintf(path, sizeof(path), "%s.%u", outfile, marks_seen / 2);
		write_out(path);
	}
}

static void at_exit(uint64_t id, void *userdata)
{
	if (!mark)
		write_out(outfile);
	else if (marks_seen % 2)
		fprintf(stderr, "tb-count: the last window was not closed\n");
}

__attribute__((visibility("default")))
int qemu_plugin_install(uint64_t id, const void *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "outfile=", 8))
			outfile = argv[i] + 8;
		else if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 16);
	if (!outfile) {
		fprintf(stderr, "tb-count: outfile=PATH wanted\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
