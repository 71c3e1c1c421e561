# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the spf-shadow scripts.  Source it; do not run it.

SPFS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPFS_CACHE=${SPFS_CACHE:-$SPFS_TOP/.cache}
SPFS_BUILD=${SPFS_BUILD:-$SPFS_TOP/.build}
# The kernels tested by default, by short name.
SPFS_DEFAULT_KERNELS="6.1 6.12"
# The kernels make check and make stress test: those and Debian's
# PREEMPT_RT 6.1 (experiments and make bench keep to the two above).
SPFS_TEST_KERNELS="$SPFS_DEFAULT_KERNELS 6.1-rt"
SPFS_KERNELS_GIVEN=${KERNELS:+1}
KERNELS=${KERNELS:-$SPFS_DEFAULT_KERNELS}

# Kernel badness on a guest console, and the boot lines of a debug kernel
# that name a detector without being a report of it.
SPFS_CONSOLE_BAD='BUG:|WARNING:|Oops|Call Trace|KASAN|lockdep|general protection|ODEBUG|INFO: task .* blocked|Unrecoverable'
SPFS_CONSOLE_BANNERS='RCU lockdep checking is enabled|Lock dependency validator|MAX_LOCKDEP|KernelAddressSanitizer initialized|Kernel memory leak detector initialized'

die() {
	echo "spf-shadow: $*" >&2
	exit 1
}

# Progress for long steps goes to stderr so that command output stays clean.
step() {
	echo ">> $*" >&2
}

# Run a command quietly; on failure show its output and die with a reason.
quiet() {
	local why=$1 log
	shift
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		rm -f "$log"
		die "$why"
	fi
	rm -f "$log"
}

need_root() {
	[ "$(id -u)" = 0 ] || die "$1 needs root (apt-get); run it as root"
}

# kernel_dir NAME: where the unpacked test kernel NAME lives.
kernel_dir() {
	echo "$SPFS_CACHE/kernels/$1"
}

# kernel_release NAME: the uname -r of a fetched kernel.
kernel_release() {
	local f
	f=$(kernel_dir "$1")/release
	[ -s "$f" ] || die "kernel $1 not fetched (run: scripts/fetch-kernel $1)"
	cat "$f"
}

# module_path NAME: the spf_shadow.ko built for kernel NAME.
module_path() {
	echo "$SPFS_BUILD/$1/spf_shadow.ko"
}

first_kernel() {
	set -- $KERNELS
	echo "$1"
}
