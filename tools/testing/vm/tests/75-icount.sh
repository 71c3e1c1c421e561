# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The module's cost on the fault path, in instructions: make check runs
# these in a boot of their own whose clock counts instructions
# (scripts/vm-run --icount), where the count is exact and repeatable, so a
# cost can be asserted without flakiness.  The budget of each kernel is in
# tools/bench/budget.

ICOUNT_BUDGET=$SPFS_TOP/tools/bench/budget
# Guest time per run: 500 ms is about 60,000 faults, and a figure that
# repeats to a few instructions across boots.
ICOUNT_MS=500
# The guard's tolerance, in percent of the budget.
ICOUNT_TOLERANCE=10
# Rounds, each a run without the module and one with it, back to back;
# the added instructions are the median of the rounds' differences.  A
# round is disturbed now and then: whatever else the guest runs (a
# kworker woken by the host's I/O, whose timing the instruction count
# does not govern) only adds, and 6.1-rt's page allocator moves between
# levels about 385 instructions apart as the runs before leave it
# (results/data/icount-6.1-rt-pairs.md).  The fewest of each column, the
# guard's first rule, once set a baseline run of 8,288 against module runs
# of 9,019: +731 for a module that adds 489.  The median of five rounds
# stands two disturbed ones.
ICOUNT_RUNS=5

# icount_precheck: 0 if this boot counts instructions and the kernel has
# a budget (printed), else 77 with the reason.
icount_precheck() {
	local b

	if [ -z "$SPFS_VM_ICOUNT" ]; then
		diag "not an icount boot (scripts/vm-run --icount)"
		return 77
	fi
	b=$(awk -v k="$SPFS_KERNEL" '$1 == k { print $2 }' "$ICOUNT_BUDGET")
	if [ -z "$b" ]; then
		diag "no budget for $SPFS_KERNEL in tools/bench/budget"
		return 77
	fi
	echo "$b"
}

# icount_warm_up: the boot's first pf_bench costs a little more (its
# binary read, the allocator's lists filled): a short run, unmeasured.
icount_warm_up() {
	unload_module && "$SPFS_TOOLS/pf_bench" --duration-ms 100 >/dev/null
}

# icount_per_fault [KO [PARAM...]]: instructions per fault of pf_bench (one
# thread), without the module or with KO (target = pf_bench).
icount_per_fault() {
	local out

	unload_module || return 1
	if [ $# -gt 0 ]; then
		insmod "$@" target=none || return 1
		echo "comm pf_bench" >"$SPFS_DBG/target" || return 1
	fi
	out=$("$SPFS_TOOLS/pf_bench" --duration-ms "$ICOUNT_MS") || return 1
	unload_module || return 1
	kv ns_per_fault "$out"
}

# icount_added KO [PARAM...]: the instructions KO adds per fault, the
# median over ICOUNT_RUNS rounds of a run with it less the run without it
# just before; "BASE MOD ADDED EACH" printed: the median round's two runs,
# its difference, and every round's.
icount_added() {
	local i b m rounds=''

	for ((i = 0; i < ICOUNT_RUNS; i++)); do
		b=$(icount_per_fault) || return 1
		m=$(icount_per_fault "$@") || return 1
		rounds+="$b $m"$'\n'
	done
	printf '%s' "$rounds" | awk '
		{ b[NR] = $1; m[NR] = $2; d[NR] = $2 - $1; o[NR] = NR }
		END {
			for (i = 2; i <= NR; i++)
				for (j = i; j > 1 && d[o[j - 1]] > d[o[j]]; j--) {
					t = o[j]; o[j] = o[j - 1]; o[j - 1] = t
				}
			k = o[int((NR + 1) / 2)]
			for (i = 1; i <= NR; i++)
				each = each (i > 1 ? "," : "") sprintf("%+.0f", d[i])
			printf "%s %s %.0f %s\n", b[k], m[k], d[k], each
		}'
}

# icount_within ADDED BUDGET: ADDED within ICOUNT_TOLERANCE% of BUDGET.
icount_within() {
	awk -v a="$1" -v b="$2" -v t="$ICOUNT_TOLERANCE" \
		'BEGIN { exit !(a >= b * (1 - t / 100) && a <= b * (1 + t / 100)) }'
}

# The module's added instructions per fault against the budget, both ways:
# more is a regression; less than 90% means the budget should come down
# to the new figure (tools/bench/budget says how it is measured).
test_icount_budget() {
	local budget base mod added each

	budget=$(icount_precheck) || { diag "$budget"; return 77; }
	icount_warm_up || return 1
	read -r base mod added each < <(icount_added "$SPF_SHADOW_KO") &&
		[ -n "$added" ] || return 1
	diag "instructions per fault, the median round of $ICOUNT_RUNS ($each): $base without the module, $mod with it: +$added; budget $budget +-$ICOUNT_TOLERANCE%"
	icount_within "$added" "$budget" && return
	if [ "$added" -gt "$budget" ]; then
		diag "over the budget: the fault path does more than it did (make bench's profile says where)"
	else
		diag "under the budget: lower the line of $SPFS_KERNEL in tools/bench/budget to $added"
	fi
	return 1
}
t "icount: the module's added instructions per fault within 10% of tools/bench/budget" \
	test_icount_budget

# The guard's control: the module built with SPFS_PROFILE_INFLATE spins
# budget / 5 times at every followed fault (at least two instructions a
# spin: 40% over the budget, and more) and must be outside it.
test_icount_control() {
	local budget ko base mod added each

	budget=$(icount_precheck) || { diag "$budget"; return 77; }
	ko=$SPFS_TOP/.build/$SPFS_KERNEL-inflate/spf_shadow.ko
	if [ ! -f "$ko" ]; then
		diag "no control build at .build/$SPFS_KERNEL-inflate (SPFS_MODULE_VARIANT=inflate scripts/build-module $SPFS_KERNEL -- KCFLAGS=-DSPFS_PROFILE_INFLATE)"
		return 77
	fi
	icount_warm_up || return 1
	read -r base mod added each < <(icount_added "$ko" inflate=$((budget / 5))) &&
		[ -n "$added" ] || return 1
	diag "inflated build, the median round of $ICOUNT_RUNS ($each): $base without it, $mod with it: +$added instructions per fault; budget $budget +-$ICOUNT_TOLERANCE%"
	if icount_within "$added" "$budget"; then
		diag "the guard let an inflated build through"
		return 1
	fi
}
t "icount: a build inflated by a fifth of the budget fails the guard" \
	test_icount_control
