# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Packaging: the module as DKMS built and installed it on the host
# (scripts/test-dkms, run by make check before the VM tests), for the
# kernel the guest runs.

SPFS_DKMS=$SPFS_TOP/.build/dkms/$SPFS_KERNEL

# dkms_built: the dkms build for this kernel is there, or the reason.
dkms_built() {
	if [ ! -f "$SPFS_DKMS/spf_shadow.ko" ]; then
		diag "no dkms build for $SPFS_KERNEL at $SPFS_DKMS (run scripts/test-dkms)"
		return 1
	fi
}

test_dkms_module() {
	local ko=$SPFS_DKMS/spf_shadow.ko out f

	dkms_built || return 77
	expect_eq vermagic "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" \
		"$(uname -r)" || return 1
	unload_module || return 1
	insmod "$ko" target=none || return 1
	for f in stats races latency probes target reset; do
		[ -e "$SPFS_DBG/$f" ] || { diag "no $SPFS_DBG/$f"; rmmod spf_shadow; return 1; }
	done
	{ echo 1 >"$SPFS_DBG/reset" && echo "comm faults" >"$SPFS_DBG/target" &&
	  out=$(workload faults --threads 2 --iterations 1 --size 4M); } || {
		rmmod spf_shadow
		return 1
	}
	diag "$out"
	snap
	rmmod spf_shadow || return 1
	[ ! -e "$SPFS_DBG" ] || { diag "$SPFS_DBG still there"; return 1; }
	expect_ge "faults counted for $(kv touched "$out") pages touched" \
		"$(sv faults)" "$(kv touched "$out")" && invariant
}
t "packaging: the dkms-built module loads, counts a workload's faults, unloads" test_dkms_module

test_dkms_modprobe() {
	local root=$SPFS_DKMS/installed

	dkms_built || return 77
	unload_module || return 1
	modprobe -d "$root" spf_shadow || return 1
	{ module_loaded && [ -e "$SPFS_DBG/stats" ]; } ||
		{ diag "modprobe did not load it"; return 1; }
	modprobe -r -d "$root" spf_shadow || return 1
	! module_loaded
}
t "packaging: modprobe loads the dkms-installed module by name, and removes it" test_dkms_modprobe
