/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spf-shadow tracepoints, system "spf_shadow":
 *
 *   fault_verdict  one per judged fault: the verdict of every rule over the
 *		    service window, with its cause or reason
 *   vma_event	    a VMA write logged for a tracked process
 *   pt_event	    a page-table invalidation of a tracked process
 *
 * A disabled tracepoint costs a static branch; the arguments are values
 * the module computes anyway.  Verdicts, causes and reasons are numbers
 * (the enums of spfs_core.h); the text form prints their names.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM spf_shadow

#if !defined(_SPFS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SPFS_TRACE_H

#include <linux/tracepoint.h>

#include "spfs_core.h"

/* Export the enum values, so that perf and trace-cmd print names. */
TRACE_DEFINE_ENUM(SPFS_V_SUCCESS);
TRACE_DEFINE_ENUM(SPFS_V_RACE_VMA);
TRACE_DEFINE_ENUM(SPFS_V_RACE_VMA_BUSY);
TRACE_DEFINE_ENUM(SPFS_V_RACE_PGTABLE);
TRACE_DEFINE_ENUM(SPFS_V_RACE_MM);
TRACE_DEFINE_ENUM(SPFS_V_REAL_RETRY);
TRACE_DEFINE_ENUM(SPFS_V_INELIGIBLE);
TRACE_DEFINE_ENUM(SPFS_C_MPROTECT);
TRACE_DEFINE_ENUM(SPFS_C_MUNMAP);
TRACE_DEFINE_ENUM(SPFS_C_MMAP);
TRACE_DEFINE_ENUM(SPFS_C_MREMAP);
TRACE_DEFINE_ENUM(SPFS_C_BRK);
TRACE_DEFINE_ENUM(SPFS_C_MADVISE);
TRACE_DEFINE_ENUM(SPFS_C_MLOCK);
TRACE_DEFINE_ENUM(SPFS_C_FORK);
TRACE_DEFINE_ENUM(SPFS_C_STACK);
TRACE_DEFINE_ENUM(SPFS_C_OTHER);
TRACE_DEFINE_ENUM(SPFS_PT_UNMAP);
TRACE_DEFINE_ENUM(SPFS_PT_CLEAR);
TRACE_DEFINE_ENUM(SPFS_PT_PROTECTION_VMA);
TRACE_DEFINE_ENUM(SPFS_PT_PROTECTION_PAGE);
TRACE_DEFINE_ENUM(SPFS_PT_SOFT_DIRTY);
TRACE_DEFINE_ENUM(SPFS_PT_RELEASE);
TRACE_DEFINE_ENUM(SPFS_PT_MIGRATE);
TRACE_DEFINE_ENUM(SPFS_PT_EXCLUSIVE);
TRACE_DEFINE_ENUM(SPFS_PT_OTHER);

#define spfs_show_verdict(v)						\
	__print_symbolic(v,						\
		{ SPFS_V_SUCCESS,	"success" },			\
		{ SPFS_V_RACE_VMA,	"race_vma" },			\
		{ SPFS_V_RACE_VMA_BUSY,	"race_vma_busy" },		\
		{ SPFS_V_RACE_PGTABLE,	"race_pgtable" },		\
		{ SPFS_V_RACE_MM,	"race_mm" },			\
		{ SPFS_V_REAL_RETRY,	"real_retry" },			\
		{ SPFS_V_INELIGIBLE,	"ineligible" })

#define spfs_show_cause(c)						\
	__print_symbolic(c,						\
		{ SPFS_C_MPROTECT,	"mprotect" },			\
		{ SPFS_C_MUNMAP,	"munmap" },			\
		{ SPFS_C_MMAP,		"mmap" },			\
		{ SPFS_C_MREMAP,	"mremap" },			\
		{ SPFS_C_BRK,		"brk" },			\
		{ SPFS_C_MADVISE,	"madvise" },			\
		{ SPFS_C_MLOCK,		"mlock" },			\
		{ SPFS_C_FORK,		"fork" },			\
		{ SPFS_C_STACK,		"stack" },			\
		{ SPFS_C_OTHER,		"other" })

#define spfs_show_pt_event(e)						\
	__print_symbolic(e,						\
		{ SPFS_PT_UNMAP,		"unmap" },		\
		{ SPFS_PT_CLEAR,		"clear" },		\
		{ SPFS_PT_PROTECTION_VMA,	"protection_vma" },	\
		{ SPFS_PT_PROTECTION_PAGE,	"protection_page" },	\
		{ SPFS_PT_SOFT_DIRTY,		"soft_dirty" },		\
		{ SPFS_PT_RELEASE,		"release" },		\
		{ SPFS_PT_MIGRATE,		"migrate" },		\
		{ SPFS_PT_EXCLUSIVE,		"exclusive" },		\
		{ SPFS_PT_OTHER,		"other" })

/**
 * fault_verdict - a user fault of a tracked process, judged
 * @tgid: the process
 * @address: the faulting address
 * @flags: the fault's class, SPFS_F_* bits (anon 0x2, file 0x8, ...)
 * @v_*: the verdict of each rule over the service window
 * @d_*: the detail of each: the cause (&enum spfs_cause) of a VMA or mm
 *	 race, the notifier event (&enum spfs_pt_event) of a page-table race,
 *	 the reason (&enum spfs_reason) of an ineligible verdict
 * @window_ns: the service window, T1 - TL
 * @wait_ns: the lock wait, TL - T0
 */
TRACE_EVENT(fault_verdict,
	TP_PROTO(int tgid, u64 address, u32 flags,
		 const struct spfs_judgement *j, u64 window_ns, u64 wait_ns),
	TP_ARGS(tgid, address, flags, j, window_ns, wait_ns),
	TP_STRUCT__entry(
		__field(int, tgid)
		__field(u64, address)
		__field(u32, flags)
		__field(u8, v_seed)
		__field(u8, v_dufour)
		__field(u8, v_lespinasse)
		__field(u8, v_pvl)
		__field(u8, d_seed)
		__field(u8, d_dufour)
		__field(u8, d_lespinasse)
		__field(u8, d_pvl)
		__field(u64, window_ns)
		__field(u64, wait_ns)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->address = address;
		__entry->flags = flags;
		__entry->v_seed = j->verdict[SPFS_RULE_SEED][SPFS_WIN_SERVICE];
		__entry->v_dufour = j->verdict[SPFS_RULE_DUFOUR][SPFS_WIN_SERVICE];
		__entry->v_lespinasse =
			j->verdict[SPFS_RULE_LESPINASSE][SPFS_WIN_SERVICE];
		__entry->v_pvl = j->verdict[SPFS_RULE_PVL][SPFS_WIN_SERVICE];
		__entry->d_seed = j->detail[SPFS_RULE_SEED][SPFS_WIN_SERVICE];
		__entry->d_dufour = j->detail[SPFS_RULE_DUFOUR][SPFS_WIN_SERVICE];
		__entry->d_lespinasse =
			j->detail[SPFS_RULE_LESPINASSE][SPFS_WIN_SERVICE];
		__entry->d_pvl = j->detail[SPFS_RULE_PVL][SPFS_WIN_SERVICE];
		__entry->window_ns = window_ns;
		__entry->wait_ns = wait_ns;
	),
	TP_printk("tgid=%d address=0x%llx flags=0x%x seed=%s dufour=%s lespinasse=%s pvl=%s window_ns=%llu wait_ns=%llu",
		  __entry->tgid, __entry->address, __entry->flags,
		  spfs_show_verdict(__entry->v_seed),
		  spfs_show_verdict(__entry->v_dufour),
		  spfs_show_verdict(__entry->v_lespinasse),
		  spfs_show_verdict(__entry->v_pvl),
		  __entry->window_ns, __entry->wait_ns)
);

/**
 * vma_event - a VMA write in a tracked process
 * @tgid: the process whose VMAs change
 * @cause: &enum spfs_cause
 * @start: start of the range of VMAs affected
 * @end: its end
 * @seq: its sequence number in the process's event log
 */
TRACE_EVENT(vma_event,
	TP_PROTO(int tgid, u8 cause, u64 start, u64 end, u64 seq),
	TP_ARGS(tgid, cause, start, end, seq),
	TP_STRUCT__entry(
		__field(int, tgid)
		__field(u8, cause)
		__field(u64, start)
		__field(u64, end)
		__field(u64, seq)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->cause = cause;
		__entry->start = start;
		__entry->end = end;
		__entry->seq = seq;
	),
	TP_printk("tgid=%d cause=%s range=0x%llx-0x%llx seq=%llu",
		  __entry->tgid, spfs_show_cause(__entry->cause),
		  __entry->start, __entry->end, __entry->seq)
);

/**
 * pt_event - an mmu notifier invalidation in a tracked process
 * @tgid: the process
 * @event: &enum spfs_pt_event
 * @start: start of the range
 * @end: its end
 * @seq: its sequence number in the process's event log
 */
TRACE_EVENT(pt_event,
	TP_PROTO(int tgid, u8 event, u64 start, u64 end, u64 seq),
	TP_ARGS(tgid, event, start, end, seq),
	TP_STRUCT__entry(
		__field(int, tgid)
		__field(u8, event)
		__field(u64, start)
		__field(u64, end)
		__field(u64, seq)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->event = event;
		__entry->start = start;
		__entry->end = end;
		__entry->seq = seq;
	),
	TP_printk("tgid=%d event=%s range=0x%llx-0x%llx seq=%llu",
		  __entry->tgid, spfs_show_pt_event(__entry->event),
		  __entry->start, __entry->end, __entry->seq)
);

#endif /* _SPFS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE spfs_trace
#include <trace/define_trace.h>
