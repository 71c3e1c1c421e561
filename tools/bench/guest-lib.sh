# SPDX-License-Identifier: GPL-2.0
# Shared by the tools/bench/*-guest scripts, which run in the test VM.
# Source it; do not run it.

dbg=/sys/kernel/debug/spf_shadow
bench=${SPFS_TOOLS:-$SPFS_TOP/.build/tools}/pf_bench

# unload: take the module out, if it is in.
unload() {
	! grep -q '^spf_shadow ' /proc/modules || rmmod spf_shadow
}

# boot_line: the kernel, its vCPUs (online, whatever this script's CPU
# affinity) and its clocksource - which prices the module's clock reads
# (spfs_now(); see results/performance.md).
boot_line() {
	local cs=/sys/devices/system/clocksource/clocksource0/current_clocksource

	echo "$(uname -r) cpus=$(getconf _NPROCESSORS_ONLN) clocksource=$(cat "$cs")"
}
