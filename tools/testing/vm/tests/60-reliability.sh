# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Reliability: bad input, load/unload storms under load, and the tracked
# processes' lifetime (exit, exec, OOM kill, unload mid-fault).  Short
# forms here; make stress raises SPFS_STORM_CYCLES and SPFS_FUZZ_WRITES.

# The "storm:" tests patch kernel text (ftrace, kprobes, tracepoints) while
# both vCPUs fault through it.  qemu 7.2's multi-threaded TCG can then run
# a stale translation of the patched site forever - the kernel's own
# function tracer soft-locks it the same way, without this module
# (results/reliability.md) - so scripts/check and scripts/stress boot
# them apart, under single-threaded TCG (vm-run --tcg single).
STORM_CYCLES=${SPFS_STORM_CYCLES:-8}
FUZZ_WRITES=${SPFS_FUZZ_WRITES:-10000}
FUZZ_LOADS=${SPFS_FUZZ_LOADS:-20}

test_rel_load() {
	unload_module
	insmod "$SPF_SHADOW_KO" target=none
}
setup test_rel_load

test_fuzz_debugfs() {
	local out

	out=$("$SPFS_TOOLS/spfs_fuzz" -n "$FUZZ_WRITES" -t 2 -d 3) || {
		diag "$out"
		return 1
	}
	diag "$out"
	expect_ge "writes" "$(kv writes "$out")" "$FUZZ_WRITES" &&
	expect_eq "unexpected errors" "$(kv other "$out")" 0 &&
	expect_eq "target changed by a failed write" \
		"$(kv changed_on_error "$out")" 0 &&
	expect_gt "EINVAL seen" "$(kv einval "$out")" 0 &&
	expect_gt "EFAULT seen" "$(kv efault "$out")" 0 &&
	snap && invariant
}
t "reliability: debugfs fuzz: random writes fail cleanly, change nothing" test_fuzz_debugfs

test_fuzz_params() {
	local i v loaded=0 refused=0

	unload_module
	for i in $(seq "$FUZZ_LOADS"); do
		# Random printable target values, some of them valid.
		case $((i % 5)) in
		0) v="pid $RANDOM" ;;
		1) v="comm x$RANDOM" ;;
		*) v=$(head -c 12 /dev/urandom | tr -dc 'a-z0-9 ' | head -c 8) ;;
		esac
		if insmod "$SPF_SHADOW_KO" "target=\"$v\"" 2>/dev/null; then
			loaded=$((loaded + 1))
			rmmod spf_shadow || return 1
		else
			refused=$((refused + 1))
		fi
	done
	for v in pvl_profile=x pvl_profile= pvl_profile=6.120 target=; do
		if insmod "$SPF_SHADOW_KO" "$v" 2>/dev/null; then
			rmmod spf_shadow
			diag "insmod $v loaded"
			return 1
		fi
	done
	diag "random targets: $loaded loaded, $refused refused"
	expect_gt "loaded" "$loaded" 0 && expect_gt "refused" "$refused" 0 &&
	insmod "$SPF_SHADOW_KO" target=none
}
t "reliability: module parameter fuzz: loads or refuses cleanly" test_fuzz_params

# load_start/load_stop: background faulting threads, VMA and page-table
# togglers (mprotect, madvise, mmap/mremap/munmap), fork/exit and exec
# loops, short-lived processes.  All at nice 19: the load keeps one vCPU
# faulting through the text being patched while the harness, which takes
# the other, gets to its next insmod or rmmod without waiting behind a
# dozen threads (a storm cycle took about 20 s under single-threaded TCG
# at nice 0).
load_start() {
	load_pids=()
	load_loop "$SPFS_TOOLS/faults" -t 2 -i 2
	load_loop "$SPFS_TOOLS/mprotect_same" -t 2 -i 1
	load_loop "$SPFS_TOOLS/madvise_dontneed" -t 2 -i 5
	load_loop sh -c 'exec /bin/true'
	nice -n 19 "$SPFS_TOOLS/spfs_churn" >/dev/null &
	load_pids+=($!)
	load_loop "$SPFS_TOOLS/first_touch" -t 2 -k 8 -p 2
}

# load_loop CMD...: run CMD over and over in the background, at nice 19.
load_loop() {
	( renice -n 19 $BASHPID >/dev/null
	  while :; do "$@" >/dev/null; done ) &
	load_pids+=($!)
}

load_stop() {
	local p

	for p in "${load_pids[@]}"; do
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

# slab_active CACHE: active objects of a slab cache.
slab_active() {
	awk -v c="$1" '$1 == c { print $2 }' /proc/slabinfo
}

test_storm() {
	local i before after rc=0 reads=0 faults=0

	unload_module
	sync
	before=$(slab_active kmalloc-4k)
	load_start
	for i in $(seq "$STORM_CYCLES"); do
		if [ $((i % 2)) = 0 ]; then
			insmod "$SPF_SHADOW_KO" target=all || { rc=1; break; }
		else
			insmod "$SPF_SHADOW_KO" target=none || { rc=1; break; }
			echo "pid ${load_pids[0]}" >"$SPFS_DBG/target"
			echo "comm faults" >"$SPFS_DBG/target"
		fi
		sleep 0.$((RANDOM % 4))
		snap
		invariant || rc=1
		reads=$((reads + 1)) faults=$((faults + $(sv faults)))
		rmmod spf_shadow || { rc=1; break; }
	done
	load_stop
	sleep 1
	after=$(slab_active kmalloc-4k)
	diag "$STORM_CYCLES load/unload cycles under load, $reads invariant reads, $faults faults judged; kmalloc-4k active $before -> $after"
	# The load at nice 19 still faults while the module comes and goes.
	expect_gt "faults judged in the cycles" "$faults" 0 || rc=1
	# Each tracked process holds one kmalloc-4k object: a leak would
	# grow this by processes x cycles.
	expect_ge "kmalloc-4k objects not leaked (before + 64)" \
		$((before + 64)) "$after" && [ $rc = 0 ] &&
	insmod "$SPF_SHADOW_KO" target=none
}
t "storm: load/unload under load: clean, invariant, no leak" test_storm

test_exit_mid_fault() {
	local pid

	echo 1 >"$SPFS_DBG/reset"
	echo "comm faults" >"$SPFS_DBG/target"
	"$SPFS_TOOLS/faults" -t 4 -i 1000 >/dev/null &
	pid=$!
	sleep 1
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	sleep 0.5
	grep -q "^$pid " "$SPFS_DBG/procs" && { diag "$pid still tracked"; return 1; }
	snap
	expect_gt "faults judged" "$(sv faults)" 0 && invariant
}
t "lifetime: the target killed while faulting" test_exit_mid_fault

test_exec_target() {
	local pid

	echo 1 >"$SPFS_DBG/reset"
	# A process that execs itself a few times, then faults.
	( kill -STOP $BASHPID
	  exec sh -c 'exec sh -c "exec $0 -t 2 -i 1"' "$SPFS_TOOLS/faults" ) \
		>/dev/null &
	pid=$!
	wait_for "/proc/$pid/stat" ") T " 10 || return 1
	echo "pid $pid" >"$SPFS_DBG/target"
	kill -CONT "$pid"
	wait "$pid" || return 1
	snap
	expect_ge "faults after three execs" "$(sv faults)" 2000 && invariant
}
t "lifetime: the target execs: tracked through each new mm" test_exec_target

test_oom_kill() {
	local cg=/sys/fs/cgroup/spfs-oom rc

	[ -f /sys/fs/cgroup/cgroup.controllers ] ||
		{ diag "no cgroup v2"; return 77; }
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p "$cg" || return 1
	echo 48M >"$cg/memory.max" || { rmdir "$cg"; diag "no memory controller"; return 77; }
	echo 0 >"$cg/memory.swap.max" 2>/dev/null
	echo 1 >"$SPFS_DBG/reset"
	echo "comm classes" >"$SPFS_DBG/target"
	# The OOM killer's own report (a stack dump at warning level) is
	# expected here: keep it off the console the badness scan reads.
	local printk
	printk=$(cut -f1 /proc/sys/kernel/printk)
	echo 4 >/proc/sys/kernel/printk
	( echo $BASHPID >"$cg/cgroup.procs" &&
	  exec "$SPFS_TOOLS/classes" --class single --size 256M ) >/dev/null 2>&1
	rc=$?
	echo "$printk" >/proc/sys/kernel/printk
	rmdir "$cg"
	diag "exit status $rc"
	expect_eq "killed by the OOM killer (SIGKILL)" "$rc" 137 || return 1
	grep -q ' classes$' "$SPFS_DBG/procs" && { diag "still tracked"; return 1; }
	snap
	expect_gt "faults judged" "$(sv faults)" 1000 && invariant
}
t "lifetime: the target OOM-killed in a memory cgroup" test_oom_kill

test_unload_in_flight() {
	local i

	load_module target=none || return 1
	for i in 1 2 3; do
		echo all >"$SPFS_DBG/target"
		# nice 19, as the storm's load (load_start)
		nice -n 19 "$SPFS_TOOLS/faults" -t 4 -i 200 >/dev/null &
		nice -n 19 "$SPFS_TOOLS/madvise_dontneed" -t 2 -i 200 >/dev/null &
		sleep 0.$((3 + i * 2))
		# Faults in flight and notifier callbacks running.
		rmmod spf_shadow || return 1
		insmod "$SPF_SHADOW_KO" target=all || return 1
		sleep 0.2
		rmmod spf_shadow || return 1
		insmod "$SPF_SHADOW_KO" target=none || return 1
		kill %1 %2 2>/dev/null
		wait
	done
	module_loaded
}
t "storm: unload while faults and notifier callbacks are in flight" test_unload_in_flight
