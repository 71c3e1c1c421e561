// SPDX-License-Identifier: GPL-2.0
/*
 * spf-shadow core: the names of everything counted, from the lists of
 * spfs_core.h.  Kernel-independent (see spfs_core.h).
 */
#include "spfs_core.h"

/* In list order: each enum is made of the same list. */
#define EM(a, b)	b,
#define EMe(a, b)	b,

static const char * const spfs_rule_names[] = { SPFS_RULE_LIST };
static const char * const spfs_verdict_names[] = { SPFS_VERDICT_LIST };
static const char * const spfs_reason_names[] = { SPFS_REASON_LIST };
static const char * const spfs_cause_names[] = { SPFS_CAUSE_LIST };
static const char * const spfs_op_names[] = { SPFS_OP_LIST };
static const char * const spfs_pt_event_names[] = { SPFS_PT_EVENT_LIST };
static const char * const spfs_flag_names[] = { SPFS_FLAG_LIST };
static const char * const spfs_real_names[] = { SPFS_REAL_LIST };

#undef EM
#undef EMe

/* Every name table is as long as its enum: nothing is left unnamed. */
_Static_assert(sizeof(spfs_rule_names) / sizeof(char *) == SPFS_NR_RULES,
	       "rule names");
_Static_assert(sizeof(spfs_verdict_names) / sizeof(char *) ==
	       SPFS_NR_VERDICTS, "verdict names");
_Static_assert(sizeof(spfs_reason_names) / sizeof(char *) == SPFS_NR_REASONS,
	       "reason names");
_Static_assert(sizeof(spfs_cause_names) / sizeof(char *) == SPFS_NR_CAUSES,
	       "cause names");
_Static_assert(sizeof(spfs_op_names) / sizeof(char *) == SPFS_NR_OPS,
	       "operation names");
_Static_assert(sizeof(spfs_pt_event_names) / sizeof(char *) ==
	       SPFS_NR_PT_EVENTS, "page-table event names");
_Static_assert(sizeof(spfs_flag_names) / sizeof(char *) == SPFS_NR_FLAGS,
	       "flag names");
_Static_assert(sizeof(spfs_real_names) / sizeof(char *) == SPFS_NR_REALS,
	       "real outcome names");
/* Flags live in a u32, verdicts, details and rule masks in a u8. */
_Static_assert(SPFS_NR_FLAGS <= 32, "flags fit a u32");
_Static_assert(SPFS_NR_RULES <= 8, "a rule mask fits a u8");
_Static_assert(SPFS_NR_REASONS <= 256 && SPFS_NR_CAUSES <= 256 &&
	       SPFS_NR_PT_EVENTS <= 256, "details fit a u8");
/* The event stays 48 bytes: see struct spfs_event. */
_Static_assert(sizeof(struct spfs_event) == 48, "event size");

/**
 * spfs_rule_name() - the name of a rule, as in debugfs keys
 * @r: the rule
 *
 * Return: its name.
 */
const char *spfs_rule_name(enum spfs_rule r)
{
	return spfs_rule_names[r];
}

/**
 * spfs_verdict_name() - the name of a verdict, as in debugfs keys
 * @v: the verdict
 *
 * Return: its name.
 */
const char *spfs_verdict_name(enum spfs_verdict v)
{
	return spfs_verdict_names[v];
}

/**
 * spfs_reason_name() - the name of an ineligibility reason
 * @r: the reason
 *
 * Return: its name.
 */
const char *spfs_reason_name(enum spfs_reason r)
{
	return spfs_reason_names[r];
}

/**
 * spfs_cause_name() - the name of a VMA-change cause
 * @c: the cause
 *
 * Return: its name.
 */
const char *spfs_cause_name(enum spfs_cause c)
{
	return spfs_cause_names[c];
}

/**
 * spfs_op_name() - the name of a VMA operation
 * @op: the operation
 *
 * Return: its name.
 */
const char *spfs_op_name(enum spfs_op op)
{
	return spfs_op_names[op];
}

/**
 * spfs_pt_event_name() - the name of a page-table event
 * @e: the event
 *
 * Return: its name.
 */
const char *spfs_pt_event_name(enum spfs_pt_event e)
{
	return spfs_pt_event_names[e];
}

/**
 * spfs_flag_name() - the name of a fault class flag
 * @b: its bit number
 *
 * Return: its name.
 */
const char *spfs_flag_name(enum spfs_flag_bit b)
{
	return spfs_flag_names[b];
}

/**
 * spfs_real_name() - the name of a real per-VMA-lock outcome
 * @r: the outcome
 *
 * Return: its name.
 */
const char *spfs_real_name(enum spfs_real r)
{
	return spfs_real_names[r];
}

/**
 * spfs_pvl_row_name() - the name of an agreement-matrix row
 * @row: the row
 *
 * Return: the verdict's name, or the reason's for an ineligible row.
 */
const char *spfs_pvl_row_name(unsigned int row)
{
	return row < SPFS_NR_VERDICTS ? spfs_verdict_name(row) :
					spfs_reason_name(row - SPFS_NR_VERDICTS);
}

/**
 * spfs_verdict_is_race() - is a verdict one of the race kinds
 * @v: the verdict
 *
 * Return: true for race_vma, race_vma_busy, race_pgtable and race_mm.
 */
bool spfs_verdict_is_race(enum spfs_verdict v)
{
	return v == SPFS_V_RACE_VMA || v == SPFS_V_RACE_VMA_BUSY ||
	       v == SPFS_V_RACE_PGTABLE || v == SPFS_V_RACE_MM;
}

