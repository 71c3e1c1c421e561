# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers for the VM tests; sourced by run-tests inside the guest, under
# its set -uo pipefail (the policy of scripts/common.sh, less -e: see
# run-tests).

SPFS_DBG=/sys/kernel/debug/spf_shadow
SPFS_TOOLS=${SPFS_TOOLS:-$SPFS_TOP/.build/tools}

declare -a t_names t_funcs t_setup

# t NAME FUNCTION: register a test.  FUNCTION returns 0 (pass), 77 (skip,
# its last diagnostic is the reason) or anything else (fail).
t() {
	t_names+=("$1")
	t_funcs+=("$2")
	t_setup+=("")
}

# setup FUNCTION: register a step that is no test: run-tests runs
# FUNCTION, uncounted, before the first test after it that it runs -
# whichever a pattern selects - and fails that test if it fails.
setup() {
	t_names+=("")
	t_funcs+=("$1")
	t_setup+=(1)
}

# diag MESSAGE: a diagnostic line, shown with the test's result.
diag() {
	echo "$*"
}

# spfs_stat KEY: a value from debugfs stats (empty when the key is absent).
spfs_stat() {
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { exit !found }' \
		"$SPFS_DBG/stats"
}

# expect_ge WHAT GOT WANT: GOT >= WANT, or fail with a diagnostic.
expect_ge() {
	if [ -z "$2" ] || [ "$2" -lt "$3" ]; then
		diag "$1: got ${2:-nothing}, want >= $3"
		expect_hard=1
		return 1
	fi
}

# expect_le WHAT GOT WANT: GOT <= WANT, or fail with a diagnostic.
expect_le() {
	if [ -z "$2" ] || [ "$2" -gt "$3" ]; then
		diag "$1: got ${2:-nothing}, want <= $3"
		expect_hard=1
		return 1
	fi
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		diag "$1: got '${2}', want '$3'"
		expect_hard=1
		return 1
	fi
}

# write_fails FILE DATA ERRNO-TEXT: one write(2) of DATA (C escapes) to
# FILE is refused with the given error ("Invalid argument" for EINVAL).
write_fails() {
	local err

	if err=$("$SPFS_TOOLS/spfs_write" "$1" "$2" 2>&1); then
		diag "write of '$2' to $1 succeeded"
		return 1
	fi
	case $err in
	*"$3"*) return 0 ;;
	esac
	diag "write of '$2' to $1: '$err', want '$3'"
	return 1
}

# Kernel reports, and a debug kernel's detector banners that are none:
# the patterns scripts/vm-run applies to the guest console.
# (common.sh's assignments, of SPFS_TOP too, stay in these subshells.)
KLOG_BAD=$(. "$SPFS_TOP/scripts/common.sh" && echo "$SPFS_CONSOLE_BAD")
# shellcheck disable=SC2031
KLOG_BANNERS=$(. "$SPFS_TOP/scripts/common.sh" && echo "$SPFS_CONSOLE_BANNERS")

# klog_mark: a line in the kernel log that klog_clean reads from.
klog_mark() {
	KLOG_MARK="spfs-test: mark $$.$RANDOM"
	echo "$KLOG_MARK" >/dev/kmsg
}

# klog_clean: no kernel report in the kernel log since klog_mark; or
# show them (the first 60 lines) and fail.  A test that checks its own
# log names itself as the one that broke the console.
klog_clean() {
	local log

	log=$(dmesg | sed -n "/$KLOG_MARK\$/,\$p" | grep -vE "$KLOG_BANNERS")
	if [ -z "$log" ]; then
		diag "kernel log: '$KLOG_MARK' is gone (log wrapped?)"
		return 1
	fi
	# A here-string, not echo | grep -q: with pipefail, grep's early
	# exit on a match could fail echo's write, and the pipeline with it.
	grep -qE "$KLOG_BAD" <<<"$log" || return 0
	diag "kernel log since the mark:"
	diag "$(grep -E -A 16 "$KLOG_BAD" <<<"$log" | sed -n '1,60p')"
	return 1
}

module_loaded() {
	grep -q '^spf_shadow ' /proc/modules
}

load_module() {
	module_loaded || insmod "$SPF_SHADOW_KO" "$@"
}

unload_module() {
	! module_loaded || rmmod spf_shadow
}

# workload NAME ARGS...: run a workload from tools/workloads/.
workload() {
	local name=$1

	shift
	"$SPFS_TOOLS/$name" "$@"
}

# kv KEY LINE: the value of key=value in a workload's summary line.
kv() {
	echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}

SPFS_RULES="seed dufour lespinasse pvl"
SPFS_VERDICTS="success race_vma race_vma_busy race_pgtable race_mm real_retry"

declare -A S

# snap: load debugfs stats and races into the array S.
snap() {
	local k v

	S=()
	while read -r k v; do
		S[$k]=$v
	done < <(cat "$SPFS_DBG/stats" "$SPFS_DBG/races")
}

# sv KEY: a value from the last snap (0 if absent).
sv() {
	echo "${S[$1]:-0}"
}

# ineligible RULE [WINDOW-PREFIX]: the sum of RULE's ineligible reasons.
ineligible() {
	local k sum=0

	for k in "${!S[@]}"; do
		case $k in "$1.${2:-}ineligible."*) sum=$((sum + S[$k])) ;; esac
	done
	echo "$sum"
}

# invariant: for every rule and window, the verdicts add up to faults.
invariant() {
	local r w v sum faults=${S[faults]:-0} rc=0

	for r in $SPFS_RULES; do
		for w in "" full.; do
			sum=$(ineligible "$r" "$w")
			for v in $SPFS_VERDICTS; do
				sum=$((sum + ${S[$r.$w$v]:-0}))
			done
			if [ "$sum" != "$faults" ]; then
				diag "invariant: $r ${w:-service.}verdicts add up to $sum, faults $faults"
				rc=1
			fi
		done
	done
	return $rc
}

# run_wl NAME ARGS...: track only workload NAME, run it, snap the result
# and check the invariant.  Its summary line is in $wl_out.
run_wl() {
	local name=$1

	shift
	echo 1 >"$SPFS_DBG/reset" && echo "comm $name" >"$SPFS_DBG/target" ||
		return 1
	wl_out=$(workload "$name" "$@") || { diag "$name failed"; return 1; }
	diag "$wl_out"
	snap
	diag "faults $(sv faults): $(for r in $SPFS_RULES; do
		printf '%s ok=%s vma=%s busy=%s pt=%s mm=%s inel=%s; ' "$r" \
			"$(sv "$r.success")" "$(sv "$r.race_vma")" \
			"$(sv "$r.race_vma_busy")" "$(sv "$r.race_pgtable")" \
			"$(sv "$r.race_mm")" "$(ineligible "$r")"
	done)"
	invariant
}

# expect_gt WHAT GOT WANT: GOT > WANT.
expect_gt() {
	if [ -z "$2" ] || [ "$2" -le "$3" ]; then
		diag "$1: got ${2:-nothing}, want > $3"
		expect_hard=1
		return 1
	fi
}

# expect_seen WHAT GOT: GOT > 0, for an outcome that needs a race to
# happen: a fault inside a writer's window.  Under emulation on a busy
# host the two vCPUs may not run at once for a whole run; retried runs
# the test again then (and only then).
expect_seen() {
	if [ -z "$2" ] || [ "$2" -le 0 ]; then
		diag "$1: got ${2:-nothing}, want > 0 (a race not seen)"
		expect_unseen=1
		return 1
	fi
}

# expect_seen_n WHAT GOT MIN: GOT >= MIN, else the run did not see enough
# of what it measures (as expect_seen: retried() runs the test again).
expect_seen_n() {
	if [ -z "$2" ] || [ "$2" -lt "$3" ]; then
		diag "$1: got ${2:-nothing}, want >= $3 (too few seen)"
		expect_unseen=1
		return 1
	fi
}

# retried TEST: run the test function TEST; when it failed only because
# a race it needs was not seen (expect_seen), run it again, up to three
# times.  A failure of any other expectation is final.
retried() {
	local i rc

	for i in 1 2 3; do
		expect_unseen=0 expect_hard=0
		"$@"
		rc=$?
		[ $rc = 1 ] && [ $expect_unseen = 1 ] && [ $expect_hard = 0 ] ||
			return $rc
		diag "run $i: a race not seen; again"
	done
	return 1
}

# for_rules "RULES" KEY-SUFFIX CHECK WANT: expect_CHECK on each rule's key.
for_rules() {
	local r rc=0

	for r in $1; do
		"expect_$3" "$r.$2" "$(sv "$r.$2")" "$4" || rc=1
	done
	return $rc
}

# wait_for FILE TEXT SECONDS [PID]: wait until FILE contains TEXT; give
# up early if process PID (the writer) is gone.
wait_for() {
	local i

	for i in $(seq $((${3:-30} * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			grep -q "$2" "$1" 2>/dev/null && return 0
			diag "$4 exited before '$2' in $1"
			return 1
		fi
		sleep 0.1
	done
	diag "timed out waiting for '$2' in $1"
	return 1
}

# pin_cpu0, unpin_cpu: run this shell, and what it starts from then on,
# on CPU 0 only, or on every online CPU again.  bpftrace, perf and the
# trace events patch kernel text as they start and stop (static keys,
# kprobes): under qemu's multi-threaded TCG another vCPU can keep running
# a stale translation of the patched bytes and loop on the int3 for ever
# (a soft lockup in __mmap_lock_do_trace_acquire_returned() while a
# wait_for's grep faulted beside mmaplockwait.bt's start, seen in CI;
# results/reliability.md).  So the patching is done with the other vCPUs
# idle: the tool and the shell that polls for it on CPU 0, the workload
# alone on all of them.
pin_cpu0() {
	taskset -pc 0 "$BASHPID" >/dev/null
}

unpin_cpu() {
	taskset -pc "$(cat /sys/devices/system/cpu/online)" "$BASHPID" >/dev/null
}

# bpftrace prints "Attaching N probes..." and runs BEGIN before it attaches
# the other probes, one at a time, each program verified as it goes (seconds
# under emulation): the line below, a hook of bpftrace's own runtime tests
# (0.17 has it), is printed once the last probe is attached.
BT_ATTACHED='^__BPFTRACE_NOTIFY_PROBES_ATTACHED$'

# bt_interrupt PID WAIT: bpftrace ended as by Ctrl-C, also when 0.17 misses
# the SIGINT.
# shellcheck disable=SC2031 # SPFS_TOP is set before; see KLOG_BAD
. "$SPFS_TOP/tools/bpftrace/bt-lib.sh"

# bt_start OUT ARGS...: start bpftrace ARGS in the background, its output
# unbuffered into OUT, and wait (up to 600 s) until its probes are attached.
# BT_PID is its pid (also when it fails to attach).  OUT is removed first:
# the child truncates it only once forked, and a line left by an earlier
# bpftrace would be taken for this one's - the workload started before
# its probes are attached, a SIGINT sent before it handles one (started
# in the background by a shell without job control, it begins with
# SIGINT ignored).
bt_start() {
	local out=$1

	shift
	rm -f "$out"
	__BPFTRACE_NOTIFY_PROBES_ATTACHED=1 bpftrace -B none "$@" >"$out" 2>&1 &
	BT_PID=$!
	wait_for "$out" "$BT_ATTACHED" 600 "$BT_PID"
}

# has_vma_lock: the kernel runs per-VMA locks (the agreement is measured).
has_vma_lock() {
	grep -qw lock_vma_under_rcu /proc/kallsyms
}

# --- workloads with a measured phase (--stop) -------------------------

DESIGN_OUT=/tmp/spfs-design.out
DESIGN_TRACE_FILE=/tmp/spfs-design.trace
TRACING=/sys/kernel/tracing

# proc_state PID: the state letter of process PID, empty if it is gone.
proc_state() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 1
}

# wait_stopped PID: wait (up to 60 s) until process PID has stopped
# itself; fail at once if it exits instead.
wait_stopped() {
	local i

	for i in $(seq 600); do
		case $(proc_state "$1") in
		T) return 0 ;;
		Z|X|'') return 1 ;;
		esac
		sleep 0.1
	done
	diag "process $1 did not stop within 60 s"
	return 1
}

# design_trace on|off: the spf_shadow:vma_event trace, into
# DESIGN_TRACE_FILE when turned off.
design_trace() {
	local ev=$TRACING/events/spf_shadow/vma_event/enable

	[ -e "$ev" ] || { diag "no $ev"; return 1; }
	if [ "$1" = on ]; then
		echo 0 >"$ev" && : >"$TRACING/trace" && echo 1 >"$ev"
	else
		echo 0 >"$ev" && cat "$TRACING/trace" >"$DESIGN_TRACE_FILE"
	fi
}

# reasons RULE: RULE's ineligible reasons that are not 0, "reason=N ...".
reasons() {
	local k out=

	for k in "${!S[@]}"; do
		case $k in
		"$1.ineligible."*)
			[ "${S[$k]}" = 0 ] || out="$out ${k#"$1.ineligible."}=${S[$k]}"
			;;
		esac
	done
	echo "${out# }"
}

# design_summary: the verdicts of the last snap.
design_summary() {
	local r

	diag "faults $(sv faults) late $(sv faults_late) kernel $(sv faults_kernel) pmd_changed $(sv pmd_changed) log_overflow $(sv log_overflow)"
	for r in $SPFS_RULES; do
		diag "  $r: ok=$(sv "$r.success") vma=$(sv "$r.race_vma") busy=$(sv "$r.race_vma_busy") retry=$(sv "$r.real_retry") pt=$(sv "$r.race_pgtable") mm=$(sv "$r.race_mm") pt_overlap=$(sv "$r.pt_overlap") ineligible: $(reasons "$r")"
	done
	has_vma_lock &&
		diag "  pvl agreement: agree $(sv pvl.agree) disagree $(sv pvl.disagree)"
	return 0
}

# design_abort PID WHY: a run_design step failed: kill the workload,
# say why, fail.
design_abort() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	diag "$2: $(cat "$DESIGN_OUT")"
	return 1
}

# run_design NAME ARGS...: run workload NAME --stop ARGS, tracked by comm,
# and snap the counters of its measured phase into S (with DESIGN_TRACE=1
# also trace its VMA events).  Its summary line is in $wl_out.  Returns
# 77 (skip) if the workload exits with status 3 (the kernel lacks what it
# needs), 1 if it fails or the verdicts do not add up.
run_design() {
	local name=$1 pid rc i

	shift
	load_module target=none || return 1
	echo "comm $name" >"$SPFS_DBG/target" || return 1
	"$SPFS_TOOLS/$name" --stop "$@" >"$DESIGN_OUT" 2>&1 &
	pid=$!
	if ! wait_stopped "$pid"; then
		wait "$pid"
		rc=$?
		[ "$rc" = 3 ] && { diag "$name $*: $(cat "$DESIGN_OUT")"; return 77; }
		design_abort "$pid" "$name $* did not reach its measured phase"
		return
	fi
	# Tracked since its first fault (exec): listed in procs.
	for i in $(seq 50); do
		awk -v p="$pid" '$1 == p { f = 1 } END { exit !f }' \
			"$SPFS_DBG/procs" && break
		[ "$i" = 50 ] && diag "$name ($pid) is not in procs"
		sleep 0.1
	done
	echo 1 >"$SPFS_DBG/reset"
	if [ "${DESIGN_TRACE:-0}" = 1 ] && ! design_trace on; then
		design_abort "$pid" "$name: no trace"
		return
	fi
	kill -CONT "$pid"
	if ! wait_stopped "$pid"; then
		design_abort "$pid" "$name $* failed in its measured phase"
		return
	fi
	snap
	if [ "${DESIGN_TRACE:-0}" = 1 ] && ! design_trace off; then
		design_abort "$pid" "$name: no trace"
		return
	fi
	kill -CONT "$pid"
	wait "$pid" || { diag "$name $* failed: $(cat "$DESIGN_OUT")"; return 1; }
	wl_out=$(tail -n 1 "$DESIGN_OUT")
	diag "$wl_out"
	design_summary
	invariant
}

# races RULE KIND CAUSES...: the sum of RULE.KIND.CAUSE over the causes.
races() {
	local r=$1 k=$2 c sum=0

	shift 2
	for c in "$@"; do
		sum=$((sum + $(sv "$r.$k.$c")))
	done
	echo "$sum"
}

# vma_races RULE CAUSES...: race_vma + race_vma_busy of RULE with one of
# CAUSES; with no cause, all of them.
vma_races() {
	local r=$1

	shift
	if [ $# = 0 ]; then
		echo $(($(sv "$r.race_vma") + $(sv "$r.race_vma_busy")))
	else
		echo $(($(races "$r" race_vma "$@") + $(races "$r" race_vma_busy "$@")))
	fi
}

