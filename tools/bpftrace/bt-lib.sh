# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Ending bpftrace as Ctrl-C does, reliably with bpftrace 0.17 (Debian 12).
# Sourced by the scripts that run bpftrace in the test VM; do not run it.
#
# 0.17 misses a SIGINT that comes while it is out of epoll_wait(): its
# handler sets exitsig_recv, but the poll loop looks at the flag only when
# epoll_wait() fails with EINTR, or when a perf event (a printf) comes in
# (src/bpftrace.cpp, poll_perf_events() and perf_event_printer()).  A tool
# whose output is maps gets no events: it polls on, every 100 ms, for
# ever.  epoll_wait() returns 0, not EINTR, when its timeout has expired
# before the signal came - the tool woken by its timer but not yet run,
# as when it shares a CPU with a busy shell or workload.  Upstream stops
# on the flag since 67d4bd7c7 ("support ringbuf", v0.19).

# bt_in_poll PID: bpftrace PID's main thread is in epoll_wait() (x86-64
# epoll_wait, epoll_pwait, epoll_pwait2).
bt_in_poll() {
	local nr

	read -r nr _ <"/proc/$1/syscall" 2>/dev/null || return 1
	case $nr in
	232 | 281 | 441) return 0 ;;
	esac
	return 1
}

# bt_interrupt PID WAIT [sent]: send bpftrace PID a SIGINT (with "sent":
# it has had one) and wait up to WAIT seconds for it to exit; 1 if it did
# not.  Found in epoll_wait() at three looks two seconds apart, it missed
# the signal and gets another.  Not while it prints its maps: that comes
# after its loop, with SIGINT's default action back (a second SIGINT would
# kill it).
bt_interrupt() {
	local pid=$1 end=$((SECONDS + $2)) polls=0

	[ "${3:-}" = sent ] || kill -INT "$pid" 2>/dev/null || return 0
	while [ $SECONDS -lt "$end" ]; do
		timeout 2 tail -f /dev/null --pid="$pid" -s 1 && return 0
		if bt_in_poll "$pid"; then
			polls=$((polls + 1))
		else
			polls=0
		fi
		[ $polls -ge 3 ] || continue
		echo "bpftrace $pid missed its SIGINT (0.17): sent again" >&2
		kill -INT "$pid" 2>/dev/null
		polls=0
	done
	! kill -0 "$pid" 2>/dev/null
}
