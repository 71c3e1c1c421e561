/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tb-count.c uses of qemu's TCG plugin API (version 1, qemu 7.2's
 * include/qemu/qemu-plugin.h, which Debian does not install): the same
 * functions and values, the typedefs of plugin ids and callbacks written
 * out.  The API is a stable C ABI: qemu refuses a plugin whose
 * qemu_plugin_version it does not support.
 */
#ifndef _TB_COUNT_QEMU_PLUGIN_H
#define _TB_COUNT_QEMU_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

struct qemu_plugin_tb;

enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };

void qemu_plugin_register_vcpu_tb_trans_cb(uint64_t id,
		void (*cb)(uint64_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
		void (*cb)(unsigned int vcpu_index, void *userdata),
		enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(uint64_t id,
		void (*cb)(uint64_t id, void *userdata), void *userdata);

#endif /* _TB_COUNT_QEMU_PLUGIN_H */
