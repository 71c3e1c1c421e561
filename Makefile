# SPDX-License-Identifier: GPL-2.0
#
# spf-shadow.  The kernel module itself is described by Kbuild; this file
# drives the userspace tools and the test bench.
#
#   make              module for the running kernel (KDIR=...) and the tools
#   make check        set up, fetch the test kernels, run every test
#   make demo         set up, boot a test kernel, show a report
#   make tools        userspace workloads and tools into .build/tools/
#   make unit         host unit tests of the kernel-independent core
#   make clean

KDIR	?= /lib/modules/$(shell uname -r)/build
KERNELS	?= 6.1 6.12
export KERNELS

BUILD	:= .build
CFLAGS_TOOLS := -O2 -g -Wall -Wextra -Wno-missing-field-initializers -Werror -pthread
CFLAGS_UNIT := -O1 -g -Wall -Wextra -Wno-missing-field-initializers -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -Imodule

WORKLOADS := $(patsubst tools/workloads/%.c,$(BUILD)/tools/%,\
	$(wildcard tools/workloads/*.c))
UNIT_TESTS := $(patsubst tools/testing/unit/%.c,$(BUILD)/unit/%,\
	$(wildcard tools/testing/unit/test_*.c))
CORE_SRC := module/spfs_core.c module/spfs_verdict.c

all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

TEST_TOOLS := $(BUILD)/tools/spfs_write
CLI := $(if $(wildcard tools/cli/*.c),$(BUILD)/tools/spf-shadow)

tools: $(WORKLOADS) $(TEST_TOOLS) $(CLI)

$(CLI): $(wildcard tools/cli/*.c tools/cli/*.h)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -Itools/cli -o $@ $(filter %.c,$^)

$(BUILD)/tools/spfs_write: tools/testing/vm/spfs_write.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -o $@ $<

$(BUILD)/tools/%: tools/workloads/%.c $(wildcard tools/workloads/*.h)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_TOOLS) -o $@ $<

$(BUILD)/unit/%: tools/testing/unit/%.c $(CORE_SRC) module/spfs_core.h \
		tools/testing/unit/ktap.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS_UNIT) -o $@ $< $(CORE_SRC)

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

check:
	@scripts/check

demo:
	@scripts/demo

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf $(BUILD)

.PHONY: all module tools unit check demo clean
