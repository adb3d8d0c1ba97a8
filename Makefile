# SPDX-License-Identifier: GPL-2.0
# unmaptrace build.  `make` builds ./unmaptrace (BPF object, skeleton and
# user space); `make check` runs every test; `make V=1` shows commands.

VERSION := 0.1.0

OUTPUT ?= .output
CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
PREFIX ?= /usr/local
DESTDIR ?=

# The target architecture: the BPF side is compiled for it against its
# pinned vmlinux.h.  CROSS_COMPILE=aarch64-linux-gnu-: an arm64 collector
# built here, against the Debian :arm64 libraries of
# tests/vm/sysroot-arm64.sh (or SYSROOT=).
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ifneq ($(CROSS_COMPILE),)
CC := $(CROSS_COMPILE)gcc
ARCH := $(shell $(CC) -dumpmachine | sed -e 's/-.*//' -e 's/x86_64/x86/' \
	-e 's/aarch64/arm64/')
SYSROOT ?= $(shell tests/vm/sysroot-arm64.sh)
EXTRA_CFLAGS += -idirafter $(SYSROOT)/usr/include \
	-idirafter $(SYSROOT)/usr/include/$(shell $(CC) -dumpmachine)
EXTRA_LDFLAGS += -L$(SYSROOT)/usr/lib/$(shell $(CC) -dumpmachine)
endif
ifeq ($(filter x86 arm64,$(ARCH)),)
$(error unsupported ARCH '$(ARCH)': unmaptrace builds for x86 and arm64)
endif
VMLINUX_H := bpf/vmlinux/$(ARCH)/vmlinux.h

# Goals that build no BPF object, so run without the pinned header
NO_BPF_GOALS := clean deps vmlinux unit-bins install-scripts
ifeq ($(wildcard $(VMLINUX_H)),)
ifneq ($(filter-out $(NO_BPF_GOALS),$(or $(MAKECMDGOALS),all)),)
$(error ARCH=$(ARCH): $(VMLINUX_H) is missing; generate it from that \
architecture's kernel BTF with `make vmlinux ARCH=$(ARCH)` \
(scripts/gen-vmlinux.sh))
endif
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Werror=undef
CFLAGS ?= -g -O2
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -I$(OUTPUT) -Ilib -Icollect -Ibpf \
	-DUMT_VERSION='"$(VERSION)"' \
	-DUMT_LIBEXECDIR='"$(PREFIX)/libexec/unmaptrace"' $(EXTRA_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)

# STATIC=1: a binary that runs in a minimal initramfs (Debian's libelf
# needs zstd, see libbpf/bpftool#152).
ifeq ($(STATIC),1)
LIBS := -static -l:libbpf.a -l:libelf.a -l:libjansson.a -l:libz.a \
	-l:libzstd.a
else
LIBS := -lbpf -lelf -ljansson -lz
endif

# clang -target bpf misses the distro's asm/ includes without these
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
# lib/: trace format, model, report, compare (no libbpf, no BPF).
# collect/: the user half of the collector; its pure part (event decoding)
# links into the unit tests, plan.c and session.c include the skeleton.
# cmd/: the argp front ends.
LIB_SRCS := $(wildcard lib/*.c)
COLLECT_SRCS := $(wildcard collect/*.c)
CMD_SRCS := $(wildcard cmd/*.c)
OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS) $(COLLECT_SRCS) $(CMD_SRCS))
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
SKEL_USERS := $(shell grep -l '\.skel\.h"' $(COLLECT_SRCS) $(CMD_SRCS))
# what unit tests link: lib/ and collect/'s pure part (no libbpf calls)
COLLECT_PURE := collect/decode.c
UNIT_OBJS := $(LIB_OBJS) $(patsubst %.c,$(OUTPUT)/%.o,$(COLLECT_PURE))
HDRS := $(wildcard lib/*.h bpf/*.h collect/*.h cmd/*.h tests/unit/*.h)

.PHONY: all clean install install-scripts install-vm deps check test unit unit-bins vmtest demo vmlinux
.DELETE_ON_ERROR:
.SECONDARY:

BIN ?= unmaptrace
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

all: $(BIN)

$(BIN): $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ $(ALL_LDFLAGS) $(LIBS) -o $@

$(OUTPUT)/%.o: %.c $(HDRS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# only the files that include a skeleton wait for clang and bpftool
$(patsubst %.c,$(OUTPUT)/%.o,$(SKEL_USERS)): $(SKELS)

# unit tests link lib/ and collect/'s pure objects, never cmd/ or BPF
unit-bins: $(UNIT_BINS)

$(OUTPUT)/tests/%: tests/unit/%.c $(UNIT_OBJS) $(HDRS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $< $(UNIT_OBJS) $(ALL_LDFLAGS) $(LIBS) -o $@

# lib/umt_abi.h: the kinds, flags and slot types BPF and user space share
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) lib/umt_abi.h $(VMLINUX_H) \
		| $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) \
		-Ibpf -Ilib -Ibpf/vmlinux/$(ARCH) $(CLANG_BPF_SYS_INCLUDES) \
		-Wall -Werror -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT):
	$(Q)mkdir -p $@

# Regenerate the pinned vmlinux.h (never part of `all`): see
# scripts/gen-vmlinux.sh for where the BTF comes from.
vmlinux:
	scripts/gen-vmlinux.sh $(ARCH)

deps:
	@scripts/deps.sh build

# `unmaptrace vm` runs tests/vm's guest scripts: installed, it finds them
# in PREFIX/libexec/unmaptrace (install-scripts).  install-vm adds the
# static build the guests run (and the workloads); CROSS_COMPILE=
# aarch64-linux-gnu- the arm64 ones.
LIBEXEC := $(DESTDIR)$(PREFIX)/libexec/unmaptrace
VM_SCRIPTS := tests/vm/guest.sh tests/vm/kernels.sh tests/vm/KERNELS \
	tests/vm/KERNELS.arm64 tests/vm/sysroot-arm64.sh \
	tests/vm/ftrace-count.sh
VM_SFX := $(if $(filter arm64,$(ARCH)),-arm64)

install: $(BIN) install-scripts
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/unmaptrace
	install -D -m 0644 man/unmaptrace.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/unmaptrace.8

install-scripts:
	install -d $(LIBEXEC)/guest
	install -m 0755 $(VM_SCRIPTS) $(LIBEXEC)/
	chmod 0644 $(LIBEXEC)/KERNELS $(LIBEXEC)/KERNELS.arm64
	install -m 0755 tests/vm/guest/init tests/vm/guest/*.sh $(LIBEXEC)/guest/

install-vm: install-scripts
	$(MAKE) STATIC=1 OUTPUT=.output/static$(VM_SFX) \
		BIN=.output/static$(VM_SFX)/unmaptrace
	$(MAKE) -C tests/workloads $(if $(VM_SFX),CC=$(CC)) \
		OUT=$(CURDIR)/.output/static$(VM_SFX)
	install -D -m 0755 .output/static$(VM_SFX)/unmaptrace \
		$(LIBEXEC)/unmaptrace-static$(VM_SFX)
	install -D -m 0755 .output/static$(VM_SFX)/umt-workload \
		$(LIBEXEC)/umt-workload$(VM_SFX)

# The quick start's first command: set up, build, and replay the shipped
# default trace batched vs unbatched.
demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory $(BIN)
	./$(BIN) replay traces/default.umt

# The quick start's second command: every test, as CI runs it.
check:
	@scripts/deps.sh test
	@tests/run.sh

test: check

unit:
	@tests/run.sh unit

vmtest:
	@tests/run.sh vm-full

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) unmaptrace
