# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The shadow engine: targeting, and the designed outcome of each workload.

# Every test of this file starts from a module loaded with target=none,
# whichever of them are selected.
test_engine_load() {
	unload_module
	insmod "$SPF_SHADOW_KO" target=none || return 1
	expect_eq target "$(cat "$SPFS_DBG/target")" none
}
setup test_engine_load

test_probes_attached() {
	local missing

	missing=$(grep -v ' attached' "$SPFS_DBG/probes")
	[ -z "$missing" ] || { diag "not attached: $missing"; return 1; }
	{ grep -q '^up_write kprobe attached required' "$SPFS_DBG/probes" &&
	  [ "$(grep -cE ' kretprobe attached' "$SPFS_DBG/probes")" -ge 17 ]; } ||
		{ cat "$SPFS_DBG/probes"; return 1; }
}
t "probes: every probe of this kernel attached, listed with nmissed" test_probes_attached

test_target_values() {
	local in

	for in in all none "pid 1" "comm sleep" "pid 4194304"; do
		echo "$in" >"$SPFS_DBG/target" || return 1
		expect_eq "target after '$in'" "$(cat "$SPFS_DBG/target")" "$in" ||
			return 1
	done
	# Names are cut like the kernel's comm.
	echo "comm madvise_dontneed" >"$SPFS_DBG/target" || return 1
	expect_eq "long comm" "$(cat "$SPFS_DBG/target")" "comm madvise_dontnee"
}
t "target: none, all, pid N, comm NAME are taken and read back" test_target_values

test_target_bad_input() {
	local in

	echo "pid 42" >"$SPFS_DBG/target" || return 1
	for in in "" "\n" foo "pid" "pid 0" "pid -1" "pid 1x" "pid 1 2" \
		  "comm" "comm a b" "ALL" " all" "all " "none\n\n" \
		  "pid 99999999999" "all\\0" "\\0"; do
		write_fails "$SPFS_DBG/target" "$in" "Invalid argument" ||
			return 1
	done
	expect_eq "target after refused writes" "$(cat "$SPFS_DBG/target")" \
		"pid 42"
}
t "target: bad input fails with EINVAL and changes nothing" test_target_bad_input

test_target_pid() {
	local pid

	echo 1 >"$SPFS_DBG/reset"
	# The child stops itself; it is targeted before it runs the workload.
	( kill -STOP $BASHPID; exec "$SPFS_TOOLS/faults" -t 2 -i 1 -s 4M ) \
		>/dev/null &
	pid=$!
	sleep 0.2
	echo "pid $pid" >"$SPFS_DBG/target" || return 1
	kill -CONT "$pid"
	wait "$pid" || return 1
	snap
	expect_ge "faults of pid $pid" "$(sv faults)" 2046 && invariant
}
t "target: pid N tracks that process from its next fault" test_target_pid

# comm_start PROCESS THREAD PAGES: spfs_comm, stopped before its faults;
# COMM_PID is its pid.
comm_start() {
	"$SPFS_TOOLS/spfs_comm" "$@" >/dev/null &
	COMM_PID=$!
	wait_for "/proc/$COMM_PID/stat" ") T " 10 "$COMM_PID"
}

# comm_faults: let spfs_comm fault, until it stops again.
comm_faults() {
	kill -CONT "$COMM_PID"
	sleep 0.2
	wait_for "/proc/$COMM_PID/stat" ") T " 10 "$COMM_PID"
}

# comm_end: let spfs_comm run to its end (from either stop) and reap it.
comm_end() {
	for _ in $(seq 100); do
		grep -q ') [TS] ' "/proc/$COMM_PID/stat" 2>/dev/null || break
		kill -CONT "$COMM_PID"
		sleep 0.1
	done
	wait "$COMM_PID"
}

test_target_process_comm() {
	echo "comm spfsproc" >"$SPFS_DBG/target" || return 1
	echo 1 >"$SPFS_DBG/reset"
	# Named before any fault of its own: its thread, named otherwise,
	# is the first to fault.
	comm_start spfsproc spfsthread 512 || return 1
	comm_faults || { comm_end; return 1; }
	snap
	comm_end || return 1
	expect_ge "faults + untracked" \
		$(($(sv faults) + $(sv faults_untracked))) 512 &&
	expect_ge faults "$(sv faults)" 400 && invariant
}
t "target: comm NAME is the process's: a thread named otherwise is tracked" test_target_process_comm

test_procs_escaped() {
	local lines

	comm_start $'evil\n1 x 9 9 9' t 64 || return 1
	echo "pid $COMM_PID" >"$SPFS_DBG/target" || { comm_end; return 1; }
	comm_faults || { comm_end; return 1; }
	lines=$(grep -c . "$SPFS_DBG/procs")
	diag "$(cat "$SPFS_DBG/procs")"
	comm_end || return 1
	# The header and one line: the newline is written \012.
	expect_eq "procs lines" "$lines" 2
}
t "procs: a comm with a newline is escaped, it forges no line" test_procs_escaped

test_reset_procs() {
	echo "comm spfsproc" >"$SPFS_DBG/target" || return 1
	comm_start spfsproc spfsthread 256 || return 1
	comm_faults || { comm_end; return 1; }
	awk '$2 == "spfsproc" && $3 > 0 { f = 1 } END { exit !f }' \
		"$SPFS_DBG/procs" || { cat "$SPFS_DBG/procs"; comm_end; return 1; }
	echo 1 >"$SPFS_DBG/reset"
	awk '$2 == "spfsproc" && $3 == 0 { f = 1 } END { exit !f }' \
		"$SPFS_DBG/procs" || { cat "$SPFS_DBG/procs"; comm_end; return 1; }
	comm_end
}
t "reset: a tracked process's own counts start from zero" test_reset_procs

test_load_tracks_existing() {
	unload_module
	comm_start spfsproc spfsthread 1 || return 1
	insmod "$SPF_SHADOW_KO" target='"comm spfsproc"' ||
		{ comm_end; return 1; }
	# Tracked at load, before it faults again.
	for _ in $(seq 50); do
		grep -q "^$COMM_PID spfsproc" "$SPFS_DBG/procs" && break
		sleep 0.1
	done
	grep -q "^$COMM_PID spfsproc" "$SPFS_DBG/procs" ||
		{ diag "not tracked: $(cat "$SPFS_DBG/procs")"; comm_end; return 1; }
	comm_end
	rmmod spf_shadow && insmod "$SPF_SHADOW_KO" target=none
}
t "load: a process matching the load-time target is tracked at once" test_load_tracks_existing

test_track_registration() {
	local n ns

	echo "comm spfsproc" >"$SPFS_DBG/target" || return 1
	echo 1 >"$SPFS_DBG/reset"
	comm_start spfsproc spfsthread 64 || return 1
	comm_faults || { comm_end; return 1; }
	snap
	comm_end || return 1
	n=$(sv track_registered)
	ns=$(sv track_register_ns)
	diag "registrations $n, $ns ns in all"
	# One mmu notifier registration (mm_take_all_locks()) per process
	# tracked, and what it cost, in the counters a user reads.
	expect_eq track_registered "$n" 1 && expect_gt track_register_ns "$ns" 0
}
t "tracking a process: one notifier registration, its time counted" test_track_registration

test_task_lock() {
	local out n=100

	# Children renamed task_lock_kid start faulting while a thread of
	# the parent, on their CPU, takes their task_lock: the first fault
	# of an untracked target must not take it (a sleeping lock on
	# PREEMPT_RT, and T0 runs with interrupts off).
	load_module target=none || return 1
	echo "comm task_lock_kid" >"$SPFS_DBG/target" || return 1
	echo 1 >"$SPFS_DBG/reset"
	klog_mark
	if ! out=$(workload task_lock --children "$n" --comm task_lock_kid); then
		diag "task_lock failed"
		klog_clean
		return 1
	fi
	diag "$out"
	snap
	diag "faults $(sv faults) untracked $(sv faults_untracked) registered $(sv track_registered) failed $(sv track_failed)"
	klog_clean || return 1
	expect_eq children "$(kv children "$out")" "$n" &&
	# Each child's first fault under that name is untracked; most are
	# tracked in time for the faults of their later wakeups.
	expect_ge faults_untracked "$(sv faults_untracked)" "$n" &&
	expect_ge track_registered "$(sv track_registered)" $((n / 2)) &&
	expect_ge faults "$(sv faults)" $((n / 2)) && invariant
}
t "target: processes start under task_lock contention: tracked, kernel log clean" test_task_lock

test_faults_only() {
	local r elig rc=0

	run_wl faults --threads 2 --iterations 3 --size 4M || return 1
	for r in $SPFS_RULES; do
		elig=$(($(sv faults) - $(ineligible "$r")))
		# success >= 99.9% of eligible faults
		if [ $(($(sv "$r.success") * 1000)) -lt $((elig * 999)) ]; then
			diag "$r: success $(sv "$r.success") of $elig eligible"
			rc=1
		fi
	done
	# Each fault's end is seen (T1): hardly any judged at the next fault.
	expect_ge "0.1% of faults, against faults_late" \
		$(($(sv faults) / 1000)) "$(sv faults_late)" || rc=1
	for_rules "$SPFS_RULES" race_vma eq 0 &&
	for_rules "$SPFS_RULES" race_vma_busy eq 0 &&
	for_rules "$SPFS_RULES" race_mm eq 0 &&
	for_rules "$SPFS_RULES" race_pgtable eq 0 && return $rc
}
t "faults only: every rule >= 99.9% success, zero races, ends seen" test_faults_only

test_mprotect_same() {
	local r rc=0

	# pvl's only VMA race is a fault that begins while mprotect() is in
	# its write section: rare where the scheduler runs the toggler alone
	# (one PREEMPT_RT run had none in 4,161 faults), and under a loaded
	# host a run may have few toggles (14 in one): a race not seen is
	# run again (retried), up to three runs.
	run_wl mprotect_same --threads 2 --iterations 2 --size 8M || return 1
	for r in seed dufour pvl; do
		expect_seen "$r.race_vma + race_vma_busy" \
			$(($(sv "$r.race_vma") + $(sv "$r.race_vma_busy"))) ||
			rc=1
	done
	expect_seen "seed.race_vma.mprotect + busy" \
		$(($(sv seed.race_vma.mprotect) + $(sv seed.race_vma_busy.mprotect))) &&
	return $rc
}
t "mprotect in the faulting VMA: VMA races for seed, dufour, pvl" "retried test_mprotect_same"

test_mprotect_other() {
	run_wl mprotect_other --threads 2 --iterations 4 || return 1
	for_rules "seed dufour pvl" race_vma eq 0 &&
	for_rules "seed dufour pvl" race_vma_busy eq 0 &&
	expect_gt lespinasse.race_mm "$(sv lespinasse.race_mm)" 0
}
t "changes to another VMA: no VMA race per-VMA, race_mm for lespinasse" test_mprotect_other

test_madvise_dontneed() {
	run_wl madvise_dontneed --threads 2 --iterations 20 || return 1
	# A zap bumps the VMA sequence of seed and dufour (unmap_page_range()
	# in their write section), VMA-wide; pvl's VMA lock serialises with it
	# on the PTE lock; lespinasse's mm sequence does not see it (read lock).
	expect_gt "seed race_vma + busy" \
		$(($(sv seed.race_vma) + $(sv seed.race_vma_busy))) 0 &&
	expect_gt seed.race_vma_busy.madvise \
		"$(sv seed.race_vma_busy.madvise)" 0 &&
	expect_gt "dufour race_vma + busy" \
		$(($(sv dufour.race_vma) + $(sv dufour.race_vma_busy))) 0 &&
	for_rules "seed pvl" race_pgtable eq 0 &&
	for_rules "lespinasse pvl" race_vma_busy eq 0 &&
	for_rules "lespinasse pvl" race_vma eq 0 &&
	for_rules "lespinasse" race_mm eq 0 &&
	expect_gt pvl.pt_overlap "$(sv pvl.pt_overlap)" 0
}
t "madvise(DONTNEED) on the faulting VMA: race_vma for seed and dufour, none for pvl" test_madvise_dontneed

# class_test CLASS REASON RULES MIN ARGS...: the class's faults are
# ineligible for REASON under each of RULES, at least MIN of them.
class_test() {
	local class=$1 reason=$2 rules=$3 min=$4

	shift 4
	run_wl classes --class "$class" "$@" || return 1
	for_rules "$rules" "ineligible.$reason" ge "$min"
}

test_class_file() {
	class_test file file "dufour lespinasse" 20 --threads 2 \
		--file /usr/lib/x86_64-linux-gnu/libc.so.6
}
t "file-backed faults: ineligible.file (dufour, lespinasse)" test_class_file

test_class_shmem() {
	class_test shmem shmem "dufour lespinasse" 2048 --threads 2 --size 8M
}
t "shared memory faults: ineligible.shmem (dufour, lespinasse)" test_class_shmem

test_class_hugetlb() {
	local old rc

	old=$(cat /proc/sys/vm/nr_hugepages)
	echo 8 >/proc/sys/vm/nr_hugepages
	# The seed has no VM_HUGETLB test: its walk stops at the empty PMD.
	class_test hugetlb hugetlb "dufour lespinasse" 4 --threads 2 \
		--size 8M &&
	for_rules seed ineligible.no_page_table ge 4
	rc=$?
	echo "$old" >/proc/sys/vm/nr_hugepages
	return $rc
}
t "hugetlb faults: ineligible.hugetlb (dufour, lespinasse), no_page_table (seed)" test_class_hugetlb

test_class_thp() {
	[ -d /sys/kernel/mm/transparent_hugepage ] ||
		{ diag "no transparent huge pages in this kernel"; return 77; }
	# First touches of empty 2 MiB ranges: the walk finds no PTE table.
	class_test thp no_page_table "seed lespinasse" 3 --threads 2 \
		--size 8M &&
	expect_eq "pvl ineligible" "$(ineligible pvl)" 0
}
t "THP first touches: ineligible.no_page_table (seed, lespinasse), pvl tries" test_class_thp

test_class_stack() {
	# Below the stack VMA at T0: no design finds a VMA for the address.
	class_test stack no_vma "$SPFS_RULES" 2000 --threads 2 --size 8M
}
t "stack growth: ineligible.no_vma for every rule" test_class_stack

test_class_uffd() {
	class_test uffd uffd "dufour lespinasse" 2000 --threads 2 --size 8M
}
t "userfaultfd: ineligible.uffd (dufour, lespinasse)" test_class_uffd

test_class_single() {
	class_test single single_thread "dufour lespinasse" 2047 --size 8M &&
	expect_eq "dufour eligible" \
		$(($(sv faults) - $(ineligible dufour))) 0
}
t "single-threaded: ineligible.single_thread (dufour, lespinasse)" test_class_single

test_first_touch() {
	# Writes (lespinasse needs an anon_vma only where a page is made).
	run_design first_touch --threads 2 --vmas 48 --pages 4 || return 1
	# Lespinasse's walk comes first: a first touch that also finds no PTE
	# table (a VMA alone in a fresh PMD) ends there, as seed's does.
	# Dufour checks the anon_vma before walking.
	# A thread may also fault once on a page of the workload's own text
	# or libc (file-backed; dufour's class file): only anonymous faults
	# are the touches.
	local file
	file=$(sv dufour.ineligible.file)
	expect_eq dufour.ineligible.no_anon_vma \
		"$(sv dufour.ineligible.no_anon_vma)" 48 &&
	expect_eq "lespinasse no_anon_vma + no_page_table" \
		$(($(sv lespinasse.ineligible.no_anon_vma) + \
		   $(sv lespinasse.ineligible.no_page_table))) 48 &&
	expect_le "file faults" "$file" 16 &&
	expect_eq "anonymous faults" $(($(sv faults) - file)) 192
}
t "first touch of a fresh VMA: ineligible.no_anon_vma once per VMA" test_first_touch

test_faults_gup() {
	echo 1 >"$SPFS_DBG/reset"
	echo "comm dd" >"$SPFS_DBG/target" || return 1
	# read() into a fresh buffer: the kernel faults on user memory, with
	# no user fault entry (T0) - the same path as GUP.
	dd if=/dev/zero of=/dev/null bs=8M count=4 2>/dev/null || return 1
	dd if=/dev/zero of=/dev/null bs=8M count=4 2>/dev/null || return 1
	snap
	expect_gt faults_gup "$(sv faults_gup)" 0 && invariant
}
t "kernel accesses to fresh user memory count as faults_gup" test_faults_gup

test_procs_latency() {
	local pid line i

	echo 1 >"$SPFS_DBG/reset"
	echo "comm mixed" >"$SPFS_DBG/target" || return 1
	"$SPFS_TOOLS/mixed" --threads 2 --duration-ms 1500 >/dev/null &
	pid=$!
	# Listed with faults while it runs: looked for over its run, as a
	# loaded host may start it late (it runs 1.5 s from its start); a
	# zombie is not listed, but passes kill -0: 30 s at most.
	line=
	i=0
	while [ -z "$line" ] && [ $i -lt 150 ] && kill -0 "$pid" 2>/dev/null
	do
		sleep 0.2
		line=$(awk -v p="$pid" '$1 == p && $3 > 0' "$SPFS_DBG/procs")
		i=$((i + 1))
	done
	diag "procs: $line"
	wait "$pid" || return 1
	[ -n "$line" ] || { cat "$SPFS_DBG/procs"; return 1; }
	{ expect_eq "procs comm" "$(echo "$line" | awk '{ print $2 }')" mixed &&
	  expect_gt "procs faults" "$(echo "$line" | awk '{ print $3 }')" 0 &&
	  grep -q '^seed.service_ns' "$SPFS_DBG/latency" &&
	  grep -qE '^\[[0-9]+, [0-9]+\) [1-9]' "$SPFS_DBG/latency"; } ||
		{ cat "$SPFS_DBG/latency"; return 1; }
	snap
	invariant
}
t "procs lists a running target; latency has histograms" test_procs_latency

test_engine_unload() {
	echo all >"$SPFS_DBG/target"
	"$SPFS_TOOLS/faults" --threads 2 --iterations 1 >/dev/null &&
	rmmod spf_shadow && ! module_loaded
}
t "engine: unloads with target all after a workload" test_engine_unload

test_bad_params() {
	local p

	for p in target=bogus "target=pid" pvl_profile=6.5; do
		if insmod "$SPF_SHADOW_KO" "$p" 2>/dev/null; then
			rmmod spf_shadow
			diag "insmod with $p succeeded"
			return 1
		fi
	done
	insmod "$SPF_SHADOW_KO" pvl_profile=6.4 target=none || return 1
	rmmod spf_shadow
}
t "bad module parameters fail the load; pvl_profile=6.4 loads" test_bad_params
