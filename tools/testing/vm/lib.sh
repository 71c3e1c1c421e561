# SPDX-License-Identifier: GPL-2.0
# Helpers for the VM tests; sourced by run-tests inside the guest.

SPFS_DBG=/sys/kernel/debug/spf_shadow
SPFS_TOOLS=${SPFS_TOOLS:-$SPFS_TOP/.build/tools}

declare -a t_names t_funcs

# t NAME FUNCTION: register a test.  FUNCTION returns 0 (pass), 77 (skip,
# its last diagnostic is the reason) or anything else (fail).
t() {
	t_names+=("$1")
	t_funcs+=("$2")
}

# diag MESSAGE: a diagnostic line, shown with the test's result.
diag() {
	echo "$*"
}

# stat KEY: a value from debugfs stats (empty when the key is absent).
stat() {
	awk -v k="$1" '$1 == k { print $2; found = 1 } END { exit !found }' \
		"$SPFS_DBG/stats"
}

# expect_ge WHAT GOT WANT: GOT >= WANT, or fail with a diagnostic.
expect_ge() {
	if [ -z "$2" ] || [ "$2" -lt "$3" ]; then
		diag "$1: got ${2:-nothing}, want >= $3"
		return 1
	fi
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		diag "$1: got '${2}', want '$3'"
		return 1
	fi
}

# write_fails FILE DATA ERRNO-TEXT: a write(2) of DATA to FILE is refused
# with the given error ("Invalid argument" for EINVAL).
write_fails() {
	local err tmp

	# One write(2) of the whole input: the shell's printf may split it.
	tmp=$(mktemp)
	printf '%b' "$2" >"$tmp"
	if err=$(dd if="$tmp" of="$1" bs="$(wc -c <"$tmp")" count=1 \
		    status=none 2>&1); then
		rm -f "$tmp"
		diag "write of '$2' to $1 succeeded"
		return 1
	fi
	rm -f "$tmp"
	case $err in
	*"$3"*) return 0 ;;
	esac
	diag "write of '$2' to $1: '$err', want '$3'"
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
