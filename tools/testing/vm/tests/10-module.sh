# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The module's life cycle and its debugfs interface.

# The tests after "module loads" read the module it loaded: loaded, for
# any of them selected alone.
test_module_ensure() {
	load_module
}
setup test_module_ensure

test_load() {
	unload_module || return 1
	insmod "$SPF_SHADOW_KO" || return 1
	module_loaded
}
t "module loads" test_load

test_debugfs_appears() {
	local f

	for f in stats probes reset; do
		[ -e "$SPFS_DBG/$f" ] || { diag "no $SPFS_DBG/$f"; return 1; }
	done
}
t "debugfs files appear" test_debugfs_appears

test_probe_attached() {
	{ grep -q '^handle_mm_fault ftrace attached required' "$SPFS_DBG/probes" &&
	  grep -q '^page_fault_user tracepoint attached required' \
		"$SPFS_DBG/probes"; } ||
		{ cat "$SPFS_DBG/probes"; return 1; }
	expect_eq "nmissed.down_write key" \
		"$(spfs_stat nmissed.down_write >/dev/null && echo present)" present
}
t "fault-path hooks attached, nmissed reported" test_probe_attached

# Where vma_end_read() is inline (6.15 on) T1 is a kprobe where
# handle_mm_fault()'s two calls join: its price (a jump, not an int3) is
# what tools/bench/budget counts on.  The kernel optimizes kprobes a few
# jiffies after registering them.
test_t1_kprobe_optimized() {
	local site _

	if grep -q '^handle_mm_fault fprobe ' "$SPFS_DBG/probes"; then
		diag "T1 fell back to the fprobe:"
		cat "$SPFS_DBG/probes"
		return 1
	fi
	site=$(awk '$1 ~ /^handle_mm_fault\+/ && $2 == "kprobe" &&
		$3 == "attached" { print $1 }' "$SPFS_DBG/probes")
	[ -n "$site" ] ||
		{ diag "T1 is up_read()'s hook on this kernel"; return 77; }
	[ "$(echo "$site" | wc -w)" = 1 ] ||
		{ diag "not one kprobe at the join:"; cat "$SPFS_DBG/probes"; return 1; }
	for _ in $(seq 50); do
		awk -v s="$site" '$3 == s && /\[OPTIMIZED\]/ { f = 1 }
			END { exit !f }' /sys/kernel/debug/kprobes/list && return 0
		sleep 0.1
	done
	diag "$site is not optimized:"
	grep -F "$site" /sys/kernel/debug/kprobes/list
	return 1
}
t "T1 where vma_end_read() is inline: one kprobe, optimized into a jump" \
	test_t1_kprobe_optimized

test_debugfs_modes() {
	local f want got rc=0

	# Root only: they name other users' processes and their layout.
	for f in stats races procs latency agreement disagreements probes \
		 target reset; do
		case $f in
		target) want=600 ;;
		reset) want=200 ;;
		*) want=400 ;;
		esac
		got=$(stat -c %a "$SPFS_DBG/$f") || return 1
		expect_eq "mode of $f" "$got" "$want" || rc=1
	done
	return $rc
}
t "debugfs files are root's only (0400, target 0600, reset 0200)" test_debugfs_modes

test_fault_count() {
	local before after out pages

	before=$(spfs_stat faults)
	out=$(workload faults --threads 1 --iterations 1 --size 8M) ||
		return 1
	after=$(spfs_stat faults)
	pages=$(kv touched "$out")
	diag "$out"
	expect_ge "pages touched" "$pages" 2000 &&
	expect_ge "faults counted for $pages fresh pages" \
		"$((after - before))" "$pages"
}
t "touching N fresh pages counts at least N faults" test_fault_count

test_reset_bad_input() {
	local before after in

	before=$(spfs_stat faults)
	for in in '' 0 2 foo '1 ' '11' '\n' '1\n\n' '1\0' 'all'; do
		write_fails "$SPFS_DBG/reset" "$in" "Invalid argument" || return 1
	done
	after=$(spfs_stat faults)
	expect_ge "faults after refused resets" "$after" "$before"
}
t "bad write to reset fails with EINVAL and changes nothing" test_reset_bad_input

test_reset() {
	local before after

	workload faults --threads 1 --iterations 1 --size 2M >/dev/null || return 1
	before=$(spfs_stat faults)
	echo 1 >"$SPFS_DBG/reset" || return 1
	after=$(spfs_stat faults)
	diag "faults before $before, after reset $after"
	# The shell's own few faults between the reset and the read count.
	[ "$after" -lt 200 ] && [ "$after" -lt "$before" ]
}
t "reset zeroes the counters" test_reset

test_unload() {
	rmmod spf_shadow || return 1
	! module_loaded || return 1
	[ ! -e "$SPFS_DBG" ] || { diag "$SPFS_DBG still there"; return 1; }
}
t "module unloads and debugfs disappears" test_unload

test_reload() {
	# Selected alone (run-tests PATTERN), it may follow "module loads".
	unload_module || return 1
	for _ in 1 2 3 4 5; do
		{ insmod "$SPF_SHADOW_KO" && rmmod spf_shadow; } || return 1
	done
	! module_loaded
}
t "module loads and unloads repeatedly" test_reload
