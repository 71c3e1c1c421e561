# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Ground truth: the pvl verdict against real per-VMA locks, and the fault
# totals against perf and bpftrace.

test_gt_load() {
	unload_module
	insmod "$SPF_SHADOW_KO" target=none
}
setup test_gt_load

test_agreement_file() {
	load_module target=none || return 1
	if has_vma_lock; then
		grep -qE '^total [0-9]+ agree [0-9]+ disagree [0-9]+ rate ' \
			"$SPFS_DBG/agreement" || { cat "$SPFS_DBG/agreement"; return 1; }
	else
		# 6.1: no per-VMA locks, nothing to compare, and it says so.
		grep -q 'no per-VMA locks' "$SPFS_DBG/agreement" &&
		[ ! -s "$SPFS_DBG/disagreements" ]
	fi
}
t "agreement: a matrix with per-VMA locks, 'unavailable' without" test_agreement_file

# The workloads the agreement is measured over: every kind of fault and
# writer of the designed workloads (tools/workloads/README.md).
GT_WORKLOADS=(
	"faults --threads 2 --iterations 3 --size 4M"
	"mprotect_same --threads 2 --iterations 2 --size 8M"
	"mprotect_other --threads 2 --iterations 4"
	"madvise_dontneed --threads 2 --iterations 10"
	"first_touch --threads 2 --vmas 48 --pages 4"
	"classes --class shmem --threads 2 --size 8M"
	"classes --class uffd --threads 2 --size 4M"
	"classes --class stack --threads 2 --size 4M"
	"classes --class single --size 4M"
	"mixed --threads 4 --duration-ms 2000"
	# The designed workloads (25-designs.sh; issue 14: the ground truth
	# holds over them too), but those that need a kernel setting.
	"sparse_touch --threads 2 --pmds 32"
	"dense_touch --threads 2 --pages 2048"
	"neighbour_zap --threads 2 --pmds 16"
	"table_free --threads 2 --pmds 4 --passes 6"
	"interleave --threads 2 --size 8M"
	"policy_churn --mode mbind --threads 2 --size 8M"
	"neighbour_mmap --threads 2 --size 8M"
	"merge_head --threads 2 --iterations 20"
	"mprotect_same --threads 1 --iterations 2 --size 16M --range 4K"
	"clear_refs --threads 2 --iterations 12"
	"fork_many --vmas 300 --size 16M"
	"sigsegv --signals 20 --mprotect-in-handler"
)

# gt_run WORKLOAD ARGS...: run one workload alone, counters reset; print
# "agree disagree contested contested_agree by_fault_end".
gt_run() {
	local name=$1

	shift
	echo 1 >"$SPFS_DBG/reset" && echo "comm $name" >"$SPFS_DBG/target" ||
		return 1
	workload "$name" "$@" >/dev/null || { diag "$name failed"; return 1; }
	snap
	invariant || return 1
	echo "$(sv pvl.agree) $(sv pvl.disagree) $(sv pvl.contested)" \
		"$(sv pvl.contested_agree) $(sv pvl.by_fault_end)"
}

test_agreement_workloads() {
	local wl args out a d c ca e sum_a=0 sum_d=0 sum_c=0 sum_ca=0 sum_e=0
	local rc=0
	local goal bp

	load_module target=none || return 1
	has_vma_lock || { diag "no per-VMA locks on $(uname -r)"; return 77; }
	for wl in "${GT_WORKLOADS[@]}"; do
		read -ra args <<<"$wl"
		out=$(gt_run "${args[@]}") || return 1
		read -r a d c ca e <<<"$out"
		diag "$wl: agree $a disagree $d; contested $c agree $ca; by the fault's end $e"
		sum_a=$((sum_a + a)) sum_d=$((sum_d + d))
		sum_c=$((sum_c + c)) sum_ca=$((sum_ca + ca)) sum_e=$((sum_e + e))
		# Each workload >= 97%: a few races are timing under emulation.
		if [ $((a * 100)) -lt $(((a + d) * 97)) ]; then
			diag "$wl: agreement below 97%"
			rc=1
		fi
	done
	diag "all: agree $sum_a disagree $sum_d; contested $sum_c agree $sum_ca; by the fault's end $sum_e"
	grep -E '^(abort|lock_facts)' "$SPFS_DBG/agreement" | sed 's/^/last: /'
	# The prediction must be tested: contested faults there must be.
	# 99.5% where the VMA write lock is out of line (6.18 on: each lock
	# is logged as the writer takes it), 99% on 6.12.
	goal=990
	grep -qw __vma_start_write /proc/kallsyms && goal=995
	bp=$((sum_ca * 10000 / sum_c))
	diag "contested: $((bp / 100)).$(printf '%02d' $((bp % 100)))%, goal $((goal / 10)).$((goal % 10))%"
	# Faults judged by their own end are left out (6.18 on: a VMA lock
	# asked for, its mark not seen yet, at the attempt); they must stay
	# few, or the rate would leave out what it should measure.
	expect_ge "contested faults" "$sum_c" 200 &&
	expect_le "faults judged by their end" "$sum_e" \
		$(((sum_c + sum_e) / 20)) &&
	expect_ge "agreement over all workloads, per mille" \
		$((sum_a * 1000 / (sum_a + sum_d))) 990 &&
	expect_ge "agreement over contested faults, per mille" \
		$((sum_ca * 1000 / sum_c)) "$goal" && return $rc
}
t "agreement: pvl >= 99% right over the step-2 and designed workloads, and over their contested faults (99.5% from 6.18)" test_agreement_workloads

test_agreement_classes() {
	has_vma_lock || { diag "no per-VMA locks on $(uname -r)"; return 77; }
	echo 1 >"$SPFS_DBG/reset"
	echo "comm mprotect_same" >"$SPFS_DBG/target"
	workload mprotect_same --threads 2 --iterations 2 >/dev/null || return 1
	# Aborts at start are seen for real: the kernel fell back to mmap_lock.
	awk '$1 == "race_vma_busy" { print $4 }' "$SPFS_DBG/agreement" |
		grep '^[1-9]' >/dev/null || { cat "$SPFS_DBG/agreement"; return 1; }
}
t "agreement: predicted aborts at start match real mmap_lock fallbacks" test_agreement_classes

totals_run() {
	local pid perfpid btpid perf_pf bt_u bt_k faults untracked kernel

	# The file's setup loaded it; a test before this one may have
	# unloaded it.
	load_module target=none || return 1
	( kill -STOP $BASHPID; exec "$SPFS_TOOLS/faults" -t 2 -i 2 ) \
		>/dev/null &
	pid=$!
	# Target and count from when the child has stopped itself.
	{ wait_for "/proc/$pid/stat" ") T " 10 &&
	  echo "pid $pid" >"$SPFS_DBG/target"; } ||
		{ kill -KILL "$pid"; wait "$pid"; return 1; }
	echo 1 >"$SPFS_DBG/reset"
	"$SPFS_PERF" stat -e page-faults -x, -p "$pid" -o /tmp/perf.out &
	perfpid=$!
	bt_start /tmp/bt.out -e "tracepoint:exceptions:page_fault_user /pid == $pid/ { @u = count(); }
		tracepoint:exceptions:page_fault_kernel /pid == $pid/ { @k = count(); }" ||
		{ kill -KILL "$pid" "$BT_PID" "$perfpid"; return 1; }
	btpid=$BT_PID
	kill -CONT "$pid"
	wait "$pid" || return 1
	kill -INT "$perfpid"
	bt_interrupt "$btpid" 600 ||
		{ diag "bpftrace did not end within 600 s"
		  kill -KILL "$perfpid" "$btpid"; wait "$perfpid" "$btpid"
		  return 1; }
	wait "$perfpid" "$btpid"
	perf_pf=$(awk -F, '$3 == "page-faults" { print $1 }' /tmp/perf.out)
	bt_u=$(awk '$1 == "@u:" { print $2 }' /tmp/bt.out)
	bt_k=$(awk '$1 == "@k:" { print $2 }' /tmp/bt.out)
	snap
	faults=$(sv faults)
	untracked=$(sv faults_untracked)
	kernel=$(sv faults_kernel)
	diag "perf page-faults $perf_pf; bpftrace user ${bt_u:-0} kernel ${bt_k:-0}; faults $faults untracked $untracked kernel $kernel"
	# Exactly explained: perf counts every fault exception of the
	# process, user and kernel mode; the tracepoint only user mode.
	expect_eq "bpftrace user faults = faults + untracked" "${bt_u:-0}" \
		$((faults + untracked)) &&
	expect_eq "bpftrace kernel faults = faults_kernel" "${bt_k:-0}" \
		"$kernel" &&
	expect_eq "perf page-faults = faults + untracked + kernel" \
		"$perf_pf" $((faults + untracked + kernel)) &&
	# And the headline number itself is within 0.5% of perf.
	expect_ge "faults within 0.5% of perf" $((faults * 1000)) \
		$((perf_pf * 995)) &&
	invariant
}
# perf and bpftrace patch kernel text as they start and stop (static keys in
# __schedule() among others): qemu's multi-threaded TCG can let the other
# vCPU run a stale translation of it (an int3 Oops in __schedule(), seen
# twice, the second time with everything on CPU 0: the idle vCPU's
# kworkers ran it).  So make check runs this test in its single-threaded
# boot (SPFS_TCG_SINGLE_TESTS, scripts/common.sh), and, run anywhere, all
# of it - perf, bpftrace, the workload - stays on CPU 0 (pin_cpu0).
test_totals() {
	( pin_cpu0 && totals_run )
}
t "totals: faults agree with perf page-faults and bpftrace, exactly explained" test_totals
