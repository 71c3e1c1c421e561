# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The spf-shadow command-line tool: stat, top, report, target, reset, its
# JSON against debugfs, and its errors.  Leaves the module loaded with the
# target it found (or, if it loaded the module, the one it loaded with).

CLI=$SPFS_TOOLS/spf-shadow
CLI_SAVED=/tmp/spfs-cli-target
CLI_OUT=/tmp/spfs-cli-out

# cli_narrow FILE: every line of FILE is below 80 columns.
cli_narrow() {
	local wide

	wide=$(awk 'length($0) >= 80 { print FNR ": " $0 }' "$1")
	[ -z "$wide" ] && return 0
	diag "lines of 80 columns or more in $1:"
	diag "$wide"
	return 1
}

# cli_row FILE NAME: the count of the first table row NAME, without commas.
cli_row() {
	awk -v n="$2" '$2 == n { gsub(",", "", $1); print $1; exit }' "$1"
}

# cli_rule_row FILE RULE NAME: the percentage in the row NAME of RULE.
cli_rule_row() {
	awk -v r="$2" -v n="$3" '
		$1 == r && /\):$/ { in_rule = 1; next }
		/^ [a-z]+ \(/ { in_rule = 0 }
		in_rule && $2 == n { for (i = 3; i <= NF; i++)
			if ($i == "#") { sub("%", "", $(i + 1)); print $(i + 1); exit } }
	' "$1"
}

# cli_json_matches JSON DIR: every number of the JSON is the one in DIR's
# stats and races, and every reason and cause there is in the JSON.
cli_json_matches() {
	python3 - "$1" "$2" "$SPFS_VERDICTS" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
verdicts = sys.argv[3].split()
kv = {}
for f in ("stats", "races"):
    for line in open(sys.argv[2] + "/" + f):
        k, v = line.split()
        kv[k] = int(v)
bad = []
def want(key, got):
    if kv.get(key) != got:
        bad.append("%s: json %s, debugfs %s" % (key, got, kv.get(key)))
def keys(prefix):
    return set(k[len(prefix):] for k in kv
               if k.startswith(prefix) and "." not in k[len(prefix):])
assert doc["version"] == 1
for k in ("faults", "faults_gup", "faults_untracked", "faults_kernel"):
    want(k, doc[k])
want("pvl.writer_stall_ns", doc["pvl_writer_stall_ns"])
for r, v in doc["rules"].items():
    for k in verdicts + ["wait_avoided_ns", "pt_overlap"]:
        want(r + "." + k, v[k])
    for reason, n in v["ineligible"].items():
        want(r + ".ineligible." + reason, n)
    if set(v["ineligible"]) != keys(r + ".ineligible."):
        bad.append(r + ": reasons differ from debugfs")
    for kind, causes in v["races_by_cause"].items():
        for cause, n in causes.items():
            want(r + "." + kind + "." + cause, n)
        if set(causes) != keys(r + "." + kind + "."):
            bad.append(r + "." + kind + ": causes differ from debugfs")
    if list(v["races_by_cause"]) != [k for k in verdicts
                                     if k.startswith("race_")]:
        bad.append(r + ": race kinds missing")
if "pvl_agreement" in doc:
    for k in ("agree", "disagree", "contested", "contested_agree",
              "by_fault_end", "by_fault_end_agree"):
        want("pvl." + k, doc["pvl_agreement"][k])
print("\n".join(bad[:10]) or "%d rules match" % len(doc["rules"]))
sys.exit(1 if bad else 0)
EOF
}

# cli_json_ok JSON DIR: cli_json_matches, its result as a diagnostic.
cli_json_ok() {
	local out rc

	out=$(cli_json_matches "$1" "$2")
	rc=$?
	diag "$out"
	return $rc
}

test_cli_load() {
	load_module || return 1
	cat "$SPFS_DBG/target" >"$CLI_SAVED" || return 1
	[ -x "$CLI" ] || { diag "$CLI not built"; return 1; }
	expect_eq "spf-shadow target" "$("$CLI" target)" "$(cat "$CLI_SAVED")"
}
t "cli: module loaded, spf-shadow target prints the target" test_cli_load

test_cli_stat() {
	local touched faults seed

	echo none >"$SPFS_DBG/target"
	"$CLI" stat -o "$CLI_OUT" -- "$SPFS_TOOLS/faults" -t 2 -i 1 \
		>/tmp/spfs-cli-wl || { diag "stat failed"; return 1; }
	cat "$CLI_OUT"
	touched=$(kv touched "$(tail -n 1 /tmp/spfs-cli-wl)")
	faults=$(cli_row "$CLI_OUT" faults)
	seed=$(cli_rule_row "$CLI_OUT" seed success)
	expect_ge "faults" "$faults" "$touched" &&
	expect_ge "faults_untracked row" "$(cli_row "$CLI_OUT" faults_untracked)" 0 &&
	expect_ge "faults_kernel row" "$(cli_row "$CLI_OUT" faults_kernel)" 0 &&
	expect_ge "seed success %" "${seed%.*}" 99 &&
	expect_eq "rule blocks" "$(grep -cE '^ (seed|dufour|lespinasse|pvl) \(' \
		"$CLI_OUT")" 4 &&
	grep -q 'seconds time elapsed' "$CLI_OUT" &&
	grep -q 'msec wait_avoided' "$CLI_OUT" &&
	grep -q 'msec writer_stall' "$CLI_OUT" &&
	{ ! has_vma_lock ||
	  grep -qE '^ +[0-9,]+ +contested +# +(-|[0-9.]+%) under write cycles, [0-9,]+ disagree$' \
		"$CLI_OUT"; } &&
	expect_eq "target after stat" "$(cat "$SPFS_DBG/target")" none &&
	cli_narrow "$CLI_OUT"
}
t "cli: stat of a workload: faults >= touched, seed ~100% success" test_cli_stat

test_cli_stat_json() {
	local copy=/tmp/spfs-cli-after

	echo none >"$SPFS_DBG/target"
	"$CLI" stat --json -o "$CLI_OUT" -- "$SPFS_TOOLS/mixed" -t 2 -d 500 \
		>/dev/null || { diag "stat failed"; return 1; }
	# Nothing is tracked any more: debugfs holds what stat read.
	rm -rf "$copy" && mkdir "$copy" &&
	cat "$SPFS_DBG/stats" >"$copy/stats" &&
	cat "$SPFS_DBG/races" >"$copy/races" || return 1
	python3 -c 'import json, sys; json.load(sys.stdin)' <"$CLI_OUT" ||
		{ cat "$CLI_OUT"; return 1; }
	cli_json_ok "$CLI_OUT" "$copy" || return 1
	python3 - "$CLI_OUT" "$SPFS_TOOLS/mixed" "$(has_vma_lock && echo 1)" \
		"$SPFS_RULES" <<'EOF' || { cat "$CLI_OUT"; return 1; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == [sys.argv[2], "-t", "2", "-d", "500"], d["command"]
assert d["exit_status"] == 0 and d["elapsed_ns"] > 0
assert list(d["rules"]) == sys.argv[4].split(), list(d["rules"])
assert d["faults"] > 1000, d["faults"]
assert ("pvl_agreement" in d) == bool(sys.argv[3])
EOF
	"$CLI" stat -r dufour --json -o "$CLI_OUT" -- true || return 1
	python3 -c 'import json, sys
d = json.load(sys.stdin)
assert list(d["rules"]) == ["dufour"], d["rules"].keys()' <"$CLI_OUT"
}
t "cli: stat --json parses, numbers match debugfs, -r selects rules" test_cli_stat_json

test_cli_exit_status() {
	local rc err pid

	"$CLI" stat -o /dev/null -- sh -c 'exit 3'
	expect_eq "exit status of 'exit 3'" "$?" 3 || return 1
	"$CLI" stat -o /dev/null -- sh -c 'kill -9 $$'
	expect_eq "exit status of a SIGKILLed command" "$?" 137 || return 1
	err=$("$CLI" stat -o /dev/null -- /nonexistent/cmd 2>&1)
	rc=$?
	expect_eq "exit status of a missing command" "$rc" 127 &&
	expect_eq "message" "$err" \
		"spf-shadow: cannot run '/nonexistent/cmd': No such file or directory" ||
		return 1
	# SIGTERM sent to spf-shadow goes to the command; the table follows.
	"$CLI" stat -o "$CLI_OUT" -- sleep 20 &
	pid=$!
	for _ in $(seq 100); do
		pgrep -P "$pid" -x sleep >/dev/null && break
		sleep 0.1
	done
	kill -TERM "$pid"
	wait "$pid"
	expect_eq "exit status after kill -TERM" "$?" 143 &&
	grep -q 'seconds time elapsed' "$CLI_OUT" &&
	expect_eq "target after stat" "$(cat "$SPFS_DBG/target")" none
}
t "cli: stat passes the exit status through, and SIGTERM on" test_cli_exit_status

test_cli_report() {
	local fake=/tmp/spfs-cli-fake f

	rm -rf "$fake" && mkdir "$fake" || return 1
	for f in stats races agreement target procs; do
		cat "$SPFS_DBG/$f" >"$fake/$f" || return 1
	done
	"$CLI" report >"$CLI_OUT" || return 1
	cli_narrow "$CLI_OUT" || return 1
	grep -q "^ spf-shadow totals since the last reset (target: none):" \
		"$CLI_OUT" || { cat "$CLI_OUT"; return 1; }
	# A fake directory: the numbers shown are the files'.
	sed -i 's/^faults .*/faults 123456789/;
		s/^seed\.success .*/seed.success 61728394/;
		s/^\(seed\.ineligible\.[a-z_]*\) .*/\1 0/' "$fake/stats"
	"$CLI" -d "$fake" report --json >"$CLI_OUT" || return 1
	cli_json_ok "$CLI_OUT" "$fake" || return 1
	SPF_SHADOW_DEBUGFS=$fake "$CLI" report -r seed >"$CLI_OUT" ||
		return 1
	expect_eq "faults row" "$(grep -c '^  *123,456,789  *faults ' "$CLI_OUT")" 1 &&
	expect_eq "seed success" "$(cli_rule_row "$CLI_OUT" seed success)" 50.00 &&
	expect_eq "rules shown" "$(grep -cE '^ [a-z]+ \(' "$CLI_OUT")" 1
}
t "cli: report as a table and as JSON, also of a fake directory" test_cli_report

# cli_hist_sum FILE NAME: the counts of histogram NAME in FILE, summed.
cli_hist_sum() {
	awk -v h="$2:" '
		$1 == h { in_h = 1; next }
		in_h && /^\[/ { split($0, a, "|"); n = split(a[1], f, " ");
				s += f[n]; next }
		in_h { exit }
		END { print s + 0 }' "$1"
}

test_cli_latency() {
	local fake=/tmp/spfs-cli-fake-latency r h rc=0

	echo none >"$SPFS_DBG/target"
	"$CLI" stat -o /dev/null -- "$SPFS_TOOLS/faults" -t 2 -i 1 \
		>/dev/null || return 1
	"$CLI" latency >"$CLI_OUT" || return 1
	snap
	# Each would-be success is in both histograms of its rule.
	for r in $SPFS_RULES; do
		for h in service_ns lock_wait_ns; do
			expect_eq "$r.$h" "$(cli_hist_sum "$CLI_OUT" "$r.$h")" \
				"$(sv "$r.success")" || rc=1
		done
	done
	# bpftrace's bars: the largest bucket's is 52 wide.
	expect_ge "full bars" "$(grep -cE '^\[[0-9]+[KMGT]?, [0-9]+[KMGT]?\) +[0-9]+ \|@{52}\|$' \
		"$CLI_OUT")" $((2 * $(wc -w <<<"$SPFS_RULES"))) || rc=1
	{ [ $rc = 0 ] && cli_narrow "$CLI_OUT"; } || { cat "$CLI_OUT"; return 1; }
	# A fake file: one-value buckets, a count wider than its column (the
	# bar gives way), an empty histogram.
	rm -rf "$fake" && mkdir "$fake" && touch "$fake/stats" &&
	echo none >"$fake/target" || return 1
	printf '%s\n' seed.service_ns '[0, 1) 1' '[1, 2) 5' \
		'[1024, 2048) 123456789012' seed.lock_wait_ns \
		dufour.service_ns '[8, 16) 2' >"$fake/latency"
	"$CLI" -d "$fake" latency -r seed >"$CLI_OUT" || return 1
	cat >"$fake/want" <<'EOF'

 spf-shadow latency since the last reset (target: none):

seed.service_ns: service window of would-be successes, ns
[0]                    1 |                                                    |
[1]                    5 |                                                    |
[1K, 2K)        123456789012 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

seed.lock_wait_ns: lock wait (TL - T0) of would-be successes, ns
(no faults)

EOF
	diff -u "$fake/want" "$CLI_OUT" || return 1
}
t "cli: latency draws each rule's histograms as bars, every success in them" test_cli_latency

test_cli_target() {
	local err rc bad argv

	"$CLI" target comm faults || return 1
	expect_eq "target after 'target comm faults'" \
		"$(cat "$SPFS_DBG/target")" "comm faults" || return 1
	"$CLI" target "pid 1" && "$CLI" target pid 1 || return 1
	expect_eq "spf-shadow target" "$("$CLI" target)" "pid 1" || return 1
	for bad in "pid 0" "pid x" "bogus" "comm a b"; do
		read -ra argv <<<"$bad"
		err=$("$CLI" target "${argv[@]}" 2>&1)
		rc=$?
		expect_eq "exit status of 'target $bad'" "$rc" 2 || return 1
		case $err in
		"spf-shadow target: invalid target '$bad': want none, all, pid N or comm NAME"*) ;;
		*) diag "message: $err"; return 1 ;;
		esac
	done
	expect_eq "target after refused values" "$(cat "$SPFS_DBG/target")" \
		"pid 1" && "$CLI" target none
}
t "cli: target shows and sets the target; bad values are refused" test_cli_target

test_cli_reset() {
	"$CLI" target comm faults || return 1
	workload faults -t 2 -i 1 >/dev/null || return 1
	"$CLI" target none || return 1
	expect_gt "faults before reset" "$(spfs_stat faults)" 0 || return 1
	"$CLI" reset || return 1
	expect_eq "faults after reset" "$(spfs_stat faults)" 0
}
t "cli: reset zeroes the counters" test_cli_reset

test_cli_usage_errors() {
	local err rc args argv c

	for args in "stat -r foo -- true" "report -r foo" "latency -r foo"; do
		read -ra argv <<<"$args"
		err=$("$CLI" "${argv[@]}" 2>&1)
		rc=$?
		expect_eq "exit status of '$args'" "$rc" 2 || return 1
		case $err in
		*"unknown rule 'foo': want seed, dufour, lespinasse or pvl"*) ;;
		*) diag "message: $err"; return 1 ;;
		esac
	done
	for args in "" "bogus" "stat" "stat --bogus" "top 0" "top 1 x" \
		    "reset now" "latency --json" "latency x"; do
		read -ra argv <<<"$args"
		"$CLI" "${argv[@]}" >/dev/null 2>&1
		expect_eq "exit status of '$args'" "$?" 2 || return 1
	done
	"$CLI" --help >"$CLI_OUT" && "$CLI" --version >>"$CLI_OUT" || return 1
	for c in stat top report latency target reset; do
		"$CLI" "$c" --help >>"$CLI_OUT" || return 1
	done
	grep -q '^Usage: spf-shadow stat ' "$CLI_OUT" && cli_narrow "$CLI_OUT"
}
t "cli: bad rule and bad usage exit 2; --help of every command" test_cli_usage_errors

test_cli_top() {
	local pid blocks rows

	"$CLI" reset && "$CLI" target comm mixed || return 1
	# Longer than top needs, even on a loaded VM: stopped once top is done.
	"$SPFS_TOOLS/mixed" -t 2 -d 30000 >/dev/null &
	pid=$!
	sleep 0.5
	"$CLI" top 1 2 >"$CLI_OUT"
	kill "$pid" || { diag "mixed ended before top"; return 1; }
	wait "$pid"
	"$CLI" target none
	cat "$CLI_OUT"
	blocks=$(grep -c '^spf-shadow top - ' "$CLI_OUT")
	rows=$(awk -v p="$pid" '$1 == p && $2 == "mixed" && $3 != "0"' \
		"$CLI_OUT" | wc -l)
	expect_eq "blocks" "$blocks" 2 &&
	expect_eq "rows of mixed (pid $pid)" "$rows" 2 &&
	expect_eq "escape sequences" "$(grep -c $'\033' "$CLI_OUT")" 0 &&
	grep -q '^   TGID COMM  *FAULTS/S  *seed  *dufour  *lespinasse  *pvl$' \
		"$CLI_OUT" && cli_narrow "$CLI_OUT"
}
t "cli: top 1 2 prints two blocks with the running workload" test_cli_top

test_cli_not_root() {
	local err

	err=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CLI" report 2>&1)
	expect_eq "exit status" "$?" 1 &&
	expect_eq "message" "$err" \
		"spf-shadow: must be run as root (debugfs is root-only)"
}
t "cli: error as non-root" test_cli_not_root

test_cli_no_debugfs() {
	local err rc

	# In a mount namespace of its own: the rest of the guest keeps it.
	# shellcheck disable=SC2016 # sh's script: "$0" is sh's
	err=$(unshare -m sh -c 'umount /sys/kernel/debug || exit 77
		exec "$0" report' "$CLI" 2>&1)
	rc=$?
	case $rc in
	77) diag "cannot unmount debugfs: $err"; return 77 ;;
	1) ;;
	*) diag "exit status $rc: $err"; return 1 ;;
	esac
	expect_eq "message" "$err" \
		"spf-shadow: debugfs is not mounted at /sys/kernel/debug (mount -t debugfs none /sys/kernel/debug)"
}
t "cli: error when debugfs is not mounted" test_cli_no_debugfs

test_cli_bad_dir() {
	local err

	err=$("$CLI" -d /nonexistent report 2>&1)
	expect_eq "exit status" "$?" 1 &&
	expect_eq "message" "$err" \
		"spf-shadow: /nonexistent: No such file or directory" || return 1
	err=$(SPF_SHADOW_DEBUGFS=/tmp "$CLI" report 2>&1)
	expect_eq "exit status" "$?" 1 &&
	expect_eq "message" "$err" \
		"spf-shadow: /tmp: not a spf_shadow debugfs directory (no stats file)"
}
t "cli: error for a directory that is not the module's" test_cli_bad_dir

test_cli_not_loaded() {
	local err rc

	unload_module || return 1
	err=$("$CLI" report 2>&1)
	rc=$?
	load_module target=none || return 1
	expect_eq "exit status" "$rc" 1 &&
	expect_eq "message" "$err" \
		"spf-shadow: the spf_shadow module is not loaded (insmod spf_shadow.ko)"
}
t "cli: error when the module is not loaded" test_cli_not_loaded

test_cli_restore() {
	load_module || return 1
	[ -s "$CLI_SAVED" ] || { diag "no saved target"; return 1; }
	"$CLI" target "$(cat "$CLI_SAVED")" &&
	expect_eq target "$(cat "$SPFS_DBG/target")" "$(cat "$CLI_SAVED")"
}
t "cli: module left loaded with the target it had" test_cli_restore
