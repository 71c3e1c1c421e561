# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# make bench in miniature: the benchmarks run and report (no timing is
# asserted under emulation), and the fault path allocates nothing.

test_bench_throughput() {
	local out cfg variant n

	unload_module
	out=$("$SPFS_TOP/tools/bench/run-guest" --quick 2>&1)
	local rc=$?
	diag "$out"
	[ $rc = 0 ] || return 1
	for variant in plain mmap; do
		for cfg in baseline target all bpftrace; do
			n=$(echo "$out" | awk -v c="$cfg" -v v="$variant" \
				'$1 == c && $2 == v { print $4 }')
			expect_gt "$cfg $variant faults/s" "${n:-0}" 0 || return 1
		done
	done
	load_module target=none
}
t "bench: throughput benchmark, quick form (make bench)" test_bench_throughput

test_bench_scaling() {
	local out rc

	unload_module
	out=$("$SPFS_TOP/tools/bench/scaling-guest" --quick 2>&1)
	rc=$?
	diag "$out"
	[ $rc = 0 ] || return 1
	expect_eq "scaling runs" "$(echo "$out" | grep -c '^scale ')" 8 &&
	expect_eq "runs with a rate" \
		"$(echo "$out" | awk '$1 == "scale" && $6 > 0' | wc -l)" 8 &&
	expect_eq "the 1000-VMA runs have more than 1000 VMAs" \
		"$(echo "$out" | awk '$3 == 1000 && substr($7, 6) > 1000' | wc -l)" 2 &&
	expect_ge "processes tracked in the memory run (of 10)" \
		"$(echo "$out" | awk '$1 == "memory" && $2 == "target" { print $3; exit }')" 9 &&
	load_module target=none
}
t "bench: scaling benchmark, quick form (make bench)" test_bench_scaling

# The module's kmalloc/kmem_cache_alloc calls, from the kmem trace events
# filtered on the module's text: none in a faulting task while its faults
# are followed; some in the worker when a new process gets tracked (the
# filter's positive control).
test_no_alloc_on_fault_path() {
	local T=/sys/kernel/tracing lo hi ev evs=() pid in_task in_worker rc=0

	load_module target=none || return 1
	mountpoint -q "$T" || mount -t tracefs none "$T" || return 1
	# The module's text symbols (not its per-CPU ones), as fixed-width
	# hex: sorted as text.
	read -r lo hi < <(awk '$4 == "[spf_shadow]" && $2 ~ /^[tT]$/ { print $1 }' /proc/kallsyms |
		sort | sed -n '1p;$p' | tr '\n' ' ')
	case $lo in
	''|0000000000000000) diag "no spf_shadow addresses in /proc/kallsyms"; return 1 ;;
	esac
	lo=0x$lo
	hi=$(printf '0x%x' $((0x$hi + 4096)))
	for ev in kmalloc kmalloc_node kmem_cache_alloc kmem_cache_alloc_node; do
		[ -d "$T/events/kmem/$ev" ] && evs+=("$ev")
	done
	# Enabling an event patches the kernel's text (its static key): done
	# before the load starts and undone after it ends (pin_cpu0), the
	# recording itself switched by tracing_on, which patches nothing.
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	for ev in "${evs[@]}"; do
		echo "call_site >= $lo && call_site < $hi" >"$T/events/kmem/$ev/filter" &&
		echo 1 >"$T/events/kmem/$ev/enable" || rc=1
	done
	echo 1 >"$SPFS_DBG/reset"
	echo "comm faults" >"$SPFS_DBG/target"
	"$SPFS_TOOLS/faults" -t 2 -i 100000 >/dev/null 2>&1 &
	pid=$!
	if wait_for "$SPFS_DBG/procs" "^$pid " 20; then
		echo 1 >"$T/tracing_on"
		sleep 2
		# A new tracked process: its registration allocates, in the
		# worker.
		"$SPFS_TOOLS/faults" -t 1 -i 1 >/dev/null 2>&1
		sleep 1
		echo 0 >"$T/tracing_on"
	else
		rc=1
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null
	for ev in "${evs[@]}"; do
		echo 0 >"$T/events/kmem/$ev/enable"
		echo 0 >"$T/events/kmem/$ev/filter"
	done
	in_task=$(grep -v '^#' "$T/trace" | grep -c ' faults-')
	in_worker=$(grep -v '^#' "$T/trace" | grep -c 'kworker')
	echo >"$T/trace"
	echo 1 >"$T/tracing_on"
	diag "module allocations: $in_task in faulting tasks, $in_worker in workers (${evs[*]})"
	snap
	[ $rc = 0 ] && expect_gt "faults followed" "$(sv faults)" 10000 &&
	expect_eq "allocations in faulting tasks" "$in_task" 0 &&
	expect_gt "allocations in the worker (the filter works)" "$in_worker" 0
}
t "bench: no allocation on the fault path" test_no_alloc_on_fault_path
