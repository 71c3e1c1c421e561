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
 * the module computes anyway.  Verdicts, causes, operations and events
 * are numbers (the enums of spfs_core.h); the text form prints their
 * names, from the same lists the enums are made of.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM spf_shadow

#if !defined(_SPFS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SPFS_TRACE_H

#include <linux/tracepoint.h>

#include "spfs_core.h"

/* Export the enum values, so that perf and trace-cmd print names. */
#undef EM
#undef EMe
#define EM(a, b)	TRACE_DEFINE_ENUM(a);
#define EMe(a, b)	TRACE_DEFINE_ENUM(a);

SPFS_VERDICT_LIST
SPFS_CAUSE_LIST
SPFS_OP_LIST
SPFS_PT_EVENT_LIST

#undef EM
#undef EMe
#define EM(a, b)	{ a, b },
#define EMe(a, b)	{ a, b }

/**
 * fault_verdict - a user fault of a tracked process, judged
 * @tgid: the process
 * @address: the faulting address
 * @flags: the fault's class, SPFS_F() bits (spfs_core.h, SPFS_FLAG_LIST)
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
		  __print_symbolic(__entry->v_seed, SPFS_VERDICT_LIST),
		  __print_symbolic(__entry->v_dufour, SPFS_VERDICT_LIST),
		  __print_symbolic(__entry->v_lespinasse, SPFS_VERDICT_LIST),
		  __print_symbolic(__entry->v_pvl, SPFS_VERDICT_LIST),
		  __entry->window_ns, __entry->wait_ns)
);

/**
 * spfs_event_class - an event logged for a tracked process (printed as
 *		      a VMA write; pt_event prints its own way)
 * @tgid: the process
 * @kind: &enum spfs_op of a VMA write, &enum spfs_pt_event of an
 *	  invalidation
 * @cause: &enum spfs_cause of a VMA write, 0 for an invalidation
 * @start: start of the range affected
 * @end: its end
 * @seq: its sequence number in the process's event log
 */
DECLARE_EVENT_CLASS(spfs_event_class,
	TP_PROTO(int tgid, u8 kind, u8 cause, u64 start, u64 end, u64 seq),
	TP_ARGS(tgid, kind, cause, start, end, seq),
	TP_STRUCT__entry(
		__field(int, tgid)
		__field(u8, kind)
		__field(u8, cause)
		__field(u64, start)
		__field(u64, end)
		__field(u64, seq)
	),
	TP_fast_assign(
		__entry->tgid = tgid;
		__entry->kind = kind;
		__entry->cause = cause;
		__entry->start = start;
		__entry->end = end;
		__entry->seq = seq;
	),
	TP_printk("tgid=%d op=%s cause=%s range=0x%llx-0x%llx seq=%llu",
		  __entry->tgid, __print_symbolic(__entry->kind, SPFS_OP_LIST),
		  __print_symbolic(__entry->cause, SPFS_CAUSE_LIST),
		  __entry->start, __entry->end, __entry->seq)
);

/* A VMA write: its operation and cause (the class's own format). */
DEFINE_EVENT(spfs_event_class, vma_event,
	TP_PROTO(int tgid, u8 kind, u8 cause, u64 start, u64 end, u64 seq),
	TP_ARGS(tgid, kind, cause, start, end, seq)
);

/* A page-table invalidation: its mmu notifier event. */
DEFINE_EVENT_PRINT(spfs_event_class, pt_event,
	TP_PROTO(int tgid, u8 kind, u8 cause, u64 start, u64 end, u64 seq),
	TP_ARGS(tgid, kind, cause, start, end, seq),
	TP_printk("tgid=%d event=%s range=0x%llx-0x%llx seq=%llu",
		  __entry->tgid,
		  __print_symbolic(__entry->kind, SPFS_PT_EVENT_LIST),
		  __entry->start, __entry->end, __entry->seq)
);

#undef EM
#undef EMe

#endif /* _SPFS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE spfs_trace
#include <trace/define_trace.h>
