# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared helpers for the spf-shadow scripts.  Source it; do not run it.
#
# The scripts' safety policy, set here for every script of scripts/ (each
# sources this file first; the guest jobs too) and by the line itself in
# the scripts elsewhere (.ci/run, tools/):
#
#   set -euo pipefail
#
# A command that fails, a variable used unset and a pipeline any stage of
# which fails end the script.  So that this holds no surprise:
# - a command allowed to fail says so: `cmd || rc=$?`, `cmd || true`,
#   `if cmd`, never `cmd; rc=$?` (the script ends at cmd);
# - a variable that may be unset (an optional knob from the environment,
#   an optional argument) is read as ${VAR:-} or ${VAR:-default};
# - the reader of a pipeline whose writer may still be writing reads all
#   of it: `grep PATTERN >/dev/null`, not `grep -q`; awk without `exit`;
#   no `head`.  Else the writer dies of SIGPIPE and pipefail fails the
#   pipeline though the reader found what it wanted;
# - `grep -c` of nothing, `local v=$(cmd)` (local's status hides cmd's),
#   a function whose last command is a false `[ ... ] && ...`: written
#   so that their status is what is meant.
#
# Where a script cannot take all of it, it sets what it can and says why
# beside its set line:
# - tools/testing/vm/run-tests, lib.sh and tests/*.sh: set -uo pipefail.
#   A test's failure is its result, not the end of the run: run-tests
#   runs each test function in a subshell and records its status.
# - scripts/vm-guest-init (the guest's PID 1): set -uo pipefail, without
#   this file.  It must report a status and power the guest off whatever
#   fails before.
set -euo pipefail

SPFS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPFS_CACHE=${SPFS_CACHE:-$SPFS_TOP/.cache}
SPFS_BUILD=${SPFS_BUILD:-$SPFS_TOP/.build}
# The kernels tested by default, by short name.
SPFS_DEFAULT_KERNELS="6.1 6.12"
# (The variables below are for the scripts that source this file.)
# The kernels make check and make stress test: those and Debian's
# PREEMPT_RT 6.1 (experiments and make bench keep to the two above).
# shellcheck disable=SC2034
SPFS_TEST_KERNELS="$SPFS_DEFAULT_KERNELS 6.1-rt"
# shellcheck disable=SC2034
SPFS_KERNELS_GIVEN=${KERNELS:+1}
KERNELS=${KERNELS:-$SPFS_DEFAULT_KERNELS}

# Kernel badness on a guest console, and the boot lines of a debug kernel
# that name a detector without being a report of it.
# shellcheck disable=SC2034
SPFS_CONSOLE_BAD='BUG:|WARNING:|Oops|Call Trace|KASAN|lockdep|general protection|ODEBUG|INFO: task .* blocked|Unrecoverable'
# shellcheck disable=SC2034
SPFS_CONSOLE_BANNERS='RCU lockdep checking is enabled|Lock dependency validator|MAX_LOCKDEP|KernelAddressSanitizer initialized|Kernel memory leak detector initialized'

die() {
	echo "spf-shadow: $*" >&2
	exit 1
}

# Progress for long steps goes to stderr so that command output stays clean.
step() {
	echo ">> $*" >&2
}

# grep_any ARGS...: grep, for which finding nothing is no failure (an
# error, status 2, still is).
grep_any() {
	grep "$@" || [ $? = 1 ]
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

# The apt suites list the machine already has, one "URI SUITE" per line,
# from both the one-line and the deb822 formats.
apt_uris_suites() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			print $i, $(i + 1) }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uris = ""; suites = ""; deb = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^Types:.*(^|[ \t])deb([ \t]|$)/) deb = 1
				if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
				if ($i ~ /^Suites:/) { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
			}
			if (!deb) next
			n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
			for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) print u[a], s[b]
		}' "$f"
	done
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
	local ks

	read -ra ks <<<"$KERNELS"
	echo "${ks[0]:-}"
}

# kernel_root NAME: the build root kernel NAME needs, empty for none.
# Debian 12 cannot build for kernels made with trixie's gcc-14: their
# headers and linux-kbuild need trixie's compiler and libc, so the module
# is built in a trixie root (scripts/mkroot), which is also their guest's
# userspace (scripts/vm-run).
kernel_root() {
	case $1 in
	6.18 | 7.x) echo trixie ;;
	esac
}

# root_dir ROOT: where the build root ROOT lives.
root_dir() {
	echo "$SPFS_CACHE/roots/$1"
}

# kernel_run NAME COMMAND [ARGS...]: run COMMAND where the module is built
# for kernel NAME: in its build root (in_root), or here.
kernel_run() {
	local r

	r=$(cat "$(kernel_dir "$1")/buildroot" 2>/dev/null) || r=
	shift
	if [ -n "$r" ]; then
		in_root "$r" "$@"
	else
		"$@"
	fi
}

# in_root ROOT COMMAND [ARGS...]: run COMMAND as root inside the build
# root ROOT, with /proc, /sys and /dev, a fresh /tmp, and the project,
# cache and build directories at the same absolute paths as here.  The
# mounts live in a private mount namespace: nothing is left mounted when
# COMMAND ends, however it ends.
in_root() {
	local dir

	dir=$(root_dir "$1")
	shift
	mkdir -p "$SPFS_BUILD"
	# The script is sh's, its variables expanded there.
	# shellcheck disable=SC2016
	unshare --mount --propagation private /bin/sh -euc '
		r=$1 top=$2 cache=$3 build=$4
		shift 4
		mount -t proc proc "$r/proc"
		mount --bind /sys "$r/sys"
		mount --bind /dev "$r/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
		for d in "$top" "$cache" "$build"; do
			mkdir -p "$r$d"
			mount --bind "$d" "$r$d"
		done
		exec chroot "$r" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive "$@"
	' in_root "$dir" "$SPFS_TOP" "$SPFS_CACHE" "$SPFS_BUILD" "$@"
}

# The VM tests that run in a boot of their own under single-threaded TCG
# (scripts/vm-run --tcg single), by name: those that patch kernel text
# while vCPUs run through it - the load/unload storms, and the totals,
# which start perf and bpftrace (static keys in __schedule()).  Under
# multi-threaded TCG another vCPU can run a stale translation of the
# patched text (results/reliability.md); the boots that run the rest
# leave these out.
# shellcheck disable=SC2034 # for scripts/check, scripts/debug-kernel-check
SPFS_TCG_SINGLE_TESTS='^(storm|totals):'
