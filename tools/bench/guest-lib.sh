# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by the tools/bench/*-guest scripts, which run in the test VM.
# Source it; do not run it.  insn-profile sources it in a guest script
# run by sh: POSIX sh only.

# (For the scripts that source this file.)
# shellcheck disable=SC2034
dbg=/sys/kernel/debug/spf_shadow
# shellcheck disable=SC2034
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
