# SPDX-License-Identifier: GPL-2.0
#
# spf-shadow.  The kernel module itself is described by Kbuild; this file
# drives the userspace tools and the test bench.
#
#   make              module for the running kernel (KDIR=...) and the tools
#   make check        set up, fetch the test kernels, run every test
#   make demo         set up, boot a test kernel, show a report
#   make bench        fault-path overhead, results/performance-data.md
#   make stress       long reliability runs (storms, fuzzing, lifetime)
#   make tools        userspace workloads and tools into .build/tools/
#   make unit         host unit tests of the kernel-independent core
#   make install      module for KDIR's kernel (skipped without headers),
#                     spf-shadow, its man page, the bpftrace tools;
#                     PREFIX=/usr/local, DESTDIR=
#   make uninstall    remove what make install installed
#   make dkms-install sources to /usr/src/spf_shadow-VERSION, then dkms
#                     add, build, install (rebuilt for each new kernel)
#   make dkms-uninstall
#   make clean

KDIR	?= /lib/modules/$(shell uname -r)/build
VERSION	:= $(shell cat VERSION)
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DATADIR	?= $(PREFIX)/share/spf-shadow
DESTDIR	?=
# The sources dkms builds from (dkms-source copies them there).
DKMS_SRC ?= /usr/src/spf_shadow-$(VERSION)
# Extra dkms options (scripts/test-dkms: private trees), and the kernel
# release to build for (default: the running kernel).
DKMS_FLAGS ?=
DKMS_KERNEL ?=
DKMS_K := $(if $(DKMS_KERNEL),-k $(DKMS_KERNEL))
# The test kernels (make check KERNELS=6.1-debug); unset, each script
# takes its default (scripts/common.sh).
export KERNELS

BUILD	:= .build
CFLAGS_TOOLS := -O2 -g -Wall -Wextra -Wno-missing-field-initializers -Werror -pthread
# Userspace that includes the module's kernel-independent headers: the
# stand-ins of tools/include/ for the kernel headers they name.
CFLAGS_CORE := -Itools/include -Imodule
USER_HEADERS := $(wildcard tools/include/linux/*.h)
CFLAGS_UNIT := -O1 -g -Wall -Wextra -Wno-missing-field-initializers -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all $(CFLAGS_CORE)

WORKLOADS := $(patsubst tools/workloads/%.c,$(BUILD)/tools/%,\
	$(wildcard tools/workloads/*.c))
UNIT_TESTS := $(patsubst tools/testing/unit/%.c,$(BUILD)/unit/%,\
	$(wildcard tools/testing/unit/test_*.c))
CORE_SRC := module/spfs_core.c module/spfs_names.c module/spfs_rules.c \
	module/spfs_verdict.c

all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

TEST_TOOLS := $(BUILD)/tools/spfs_write $(BUILD)/tools/spfs_fuzz \
	$(BUILD)/tools/spfs_churn $(BUILD)/tools/spfs_comm \
	$(BUILD)/tools/pf_bench $(BUILD)/tools/tb-count.so
CLI := $(if $(wildcard tools/cli/*.c),$(BUILD)/tools/spf-shadow)

tools: $(WORKLOADS) $(TEST_TOOLS) $(CLI)

# The CLI takes its names from the module's lists (spfs_core.h) and their
# expansion (spfs_names.c), built as the unit tests build the core.
$(CLI): $(wildcard tools/cli/*.c tools/cli/*.h) module/spfs_names.c \
		module/spfs_core.h $(USER_HEADERS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -Itools/cli $(CFLAGS_CORE) \
		-DSPFS_CLI_VERSION=\"$(shell cat VERSION)\" -o $@ $(filter %.c,$^)

$(BUILD)/tools/spfs_%: tools/testing/vm/spfs_%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -o $@ $<

$(BUILD)/tools/pf_bench: tools/bench/pf_bench.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -o $@ $<

# A qemu plugin (tools/bench/insn-profile), run by qemu on the host.
$(BUILD)/tools/tb-count.so: tools/bench/tb-count.c tools/bench/qemu-plugin.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -Wno-unused-parameter -shared -fPIC -o $@ $<

$(BUILD)/tools/%: tools/workloads/%.c $(wildcard tools/workloads/*.h)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -o $@ $<

# The unit tests, and names (the module's name lists, for
# scripts/check-names).
$(BUILD)/unit/%: tools/testing/unit/%.c $(CORE_SRC) module/spfs_core.h \
		module/spfs_stats.h tools/testing/unit/ktap.h $(USER_HEADERS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_UNIT) -o $@ $< $(CORE_SRC)

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

check:
	@scripts/check

demo:
	@scripts/demo

bench:
	@scripts/bench --ablations --scaling --profile

stress:
	@scripts/stress

# The kernel release KDIR builds for (empty without headers); Debian's
# include/config/kernel.release holds the upstream version instead.
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
MAN := $(wildcard tools/cli/spf-shadow.8)
BPFTRACE := $(wildcard tools/bpftrace/*.bt)

install: install-module install-tools

# Into $(DESTDIR)/lib/modules/$(KREL)/extra or updates (the kernel's
# choice); depmod only for the live system (packages run it themselves).
install-module:
	@if [ -z "$(KREL)" ]; then \
		echo "spf-shadow: no kernel headers at $(KDIR): module not installed" \
			"(install linux-headers-$$(uname -r), or set KDIR)"; \
	else \
		$(MAKE) module && \
		$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
			modules_install && \
		{ [ -n "$(DESTDIR)" ] || depmod -a $(KREL); }; \
	fi

# What exists: the CLI only once tools/cli/ has sources.
install-tools: $(CLI)
	$(if $(CLI),install -d $(DESTDIR)$(BINDIR))
	$(if $(CLI),install -m 755 $(CLI) $(DESTDIR)$(BINDIR)/spf-shadow)
	$(if $(MAN),install -d $(DESTDIR)$(MANDIR)/man8)
	$(if $(MAN),install -m 644 $(MAN) $(DESTDIR)$(MANDIR)/man8/)
	$(if $(BPFTRACE),install -d $(DESTDIR)$(DATADIR)/bpftrace)
	$(if $(BPFTRACE),install -m 755 $(BPFTRACE) $(DESTDIR)$(DATADIR)/bpftrace/)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/spf-shadow $(DESTDIR)$(MANDIR)/man8/spf-shadow.8
	rm -rf $(DESTDIR)$(DATADIR)
	@if [ -n "$(KREL)" ]; then \
		rm -f $(DESTDIR)/lib/modules/$(KREL)/extra/spf_shadow.ko* \
			$(DESTDIR)/lib/modules/$(KREL)/updates/spf_shadow.ko*; \
		[ -n "$(DESTDIR)" ] || depmod -a $(KREL); \
	fi

# The module's sources, as dkms wants them, into DKMS_SRC: no objects
# of an in-tree build.
dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp Kbuild dkms.conf VERSION $(DKMS_SRC)/
	find module -name '*.[ch]' -exec cp --parents {} $(DKMS_SRC)/ \;

# Replaces an earlier dkms install of the same version.
dkms-install:
	@command -v dkms >/dev/null || \
		{ echo "spf-shadow: dkms missing (apt install dkms)" >&2; exit 1; }
	@$(MAKE) -s dkms-source
	@dkms remove -m spf_shadow -v $(VERSION) $(DKMS_FLAGS) --all \
		>/dev/null 2>&1 || true
	dkms add -m spf_shadow -v $(VERSION) $(DKMS_FLAGS) $(DKMS_K)
	dkms build -m spf_shadow -v $(VERSION) $(DKMS_FLAGS) $(DKMS_K)
	dkms install -m spf_shadow -v $(VERSION) $(DKMS_FLAGS) $(DKMS_K)

dkms-uninstall:
	-dkms remove -m spf_shadow -v $(VERSION) $(DKMS_FLAGS) --all
	rm -rf $(DKMS_SRC)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf $(BUILD)

.PHONY: all module tools unit check demo bench stress clean install install-module \
	install-tools uninstall dkms-source dkms-install dkms-uninstall
