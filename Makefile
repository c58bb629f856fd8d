# mote: build the monitor, the guest runtime and example guests, the tests
# and the benchmarks. `make help` lists the targets.

BUILD ?= build
CC ?= gcc
PKGS := liburing-dev libseccomp-dev libcriterion-dev pkg-config gcc make fio \
	gnuplot-nox iputils-ping iproute2 clang libclang-rt-14-dev zlib1g-dev \
	libmicrohttpd-dev libconfig-dev prometheus wrk busybox curl musl-tools \
	musl-dev liblua5.4-dev lua5.4
CFLAGS_COMMON := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes \
	-D_GNU_SOURCE \
	-I. -Imonitor
SAN ?=
ifeq ($(SAN),1)
CFLAGS_COMMON += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS ?=
CFLAGS += $(CFLAGS_COMMON)
# Libraries of the monitor library: everything linking it needs them.
MONITOR_LDLIBS := -luring -lz -lm -lpthread
LDLIBS := $(MONITOR_LDLIBS)

# The core library: VMs, the fleet, the transport and the devices. It
# knows nothing of the command line, the jail or the benchmarks.
MONITOR_SRCS := $(wildcard monitor/*.c) $(wildcard blk/*.c) $(wildcard net/*.c)
MONITOR_OBJS := $(MONITOR_SRCS:%.c=$(BUILD)/%.o)
MONITOR_LIB := $(BUILD)/monitor/libmonitor.a
# The jail, configured through its own struct (jail/jail.h).
JAIL_SRCS := $(filter-out jail/gen_filters.c,$(wildcard jail/*.c))
JAIL_OBJS := $(JAIL_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/jail/filters.o
JAIL_LIB := $(BUILD)/jail/libjail.a
# The command line on top: options, output, the jail's glue, `main`.
CLI_SRCS := $(filter-out cli/main.c,$(wildcard cli/*.c))
CLI_LIB := $(BUILD)/cli/libcli.a
# Every front end links these, in this order (each uses only those after).
FRONT_LIBS = $(CLI_LIB) $(JAIL_LIB) $(MONITOR_LIB)
# `mote bench` (bench/*.c), linked into mote; built by bench/bench.mk.
BENCH_LIB := $(BUILD)/bench/libbench.a
MOTE := $(BUILD)/mote
# `mote serve` (serve/*.c), on top of the monitor library like the CLI.
SERVE_SRCS := $(wildcard serve/*.c)
SERVE_LIB := $(BUILD)/serve/libserve.a
SERVE_LDLIBS := -lmicrohttpd -lconfig

.PHONY: all help deps demo check check-clang test test-unit test-asan bench \
	clean format
all: $(MOTE) guests

help:
	@echo "make            build build/mote and build/guests/*.elf"
	@echo "make demo       install missing packages, build, boot the examples"
	@echo "make check      install missing packages, build, run every test"
	@echo "                (plain build, then AddressSanitizer + UBSan build)"
	@echo "make bench      run the benchmarks: bench/results/latest.{json,md}"
	@echo "make clean      remove build outputs"

# Installs missing Debian packages as root; otherwise prints the command.
deps:
	@missing=""; for p in $(PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
			grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				$$missing >/dev/null || exit 1; \
		else \
			echo "missing packages; run: sudo apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# seccomp filters are compiled at build time (libseccomp, in a host tool)
# and loaded as ready BPF at run time (jail/seccomp.c).
$(BUILD)/jail/gen_filters: jail/gen_filters.c jail/allowlist.c jail/allowlist.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) jail/gen_filters.c jail/allowlist.c -lseccomp -o $@

$(BUILD)/jail/filters.c: $(BUILD)/jail/gen_filters
	$< $@

$(BUILD)/jail/filters.o: $(BUILD)/jail/filters.c jail/filters.h
	$(CC) $(CFLAGS) -c $< -o $@

# Made anew, so an object whose source is gone does not linger in it.
$(MONITOR_LIB): $(MONITOR_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(JAIL_LIB): $(JAIL_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(CLI_LIB): $(CLI_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(SERVE_LIB): $(SERVE_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(MOTE): $(BUILD)/cli/main.o $(SERVE_LIB) $(BENCH_LIB) $(FRONT_LIBS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(SERVE_LDLIBS) -lm -o $@

include guest_abi/guests.mk
include guest_abi/sdk.mk
include tests/tests.mk
include bench/bench.mk
include bench/serve.mk

# Without /dev/kvm on the host, in tools/kvmbox's VM (see tests/tests.mk).
demo: deps
	$(MAKE) all
ifeq ($(wildcard /dev/kvm),)
	@echo "demo: no /dev/kvm here; running it in tools/kvmbox's emulated VM," \
		"where every time is 10-50x what real hardware takes"
	tools/kvmbox/setup
	tools/kvmbox/run 'bash guest_abi/examples/demo.sh $(BUILD)'
else
	bash guest_abi/examples/demo.sh $(BUILD)
endif

# The whole tree built with clang, which must be as warning-free as gcc;
# the layers; the guest runtime's native checks (no syscall anywhere in
# musl as linked, the glibc compatibility functions, the musl layouts);
# then every test, twice: a plain build, then AddressSanitizer + UBSan;
# then each fuzz target for a bounded time.
check: deps
	$(MAKE) check-clang
	$(MAKE) check-layers
	$(MAKE) guest-rt-check
	+$(CHECK_TESTS)
	$(MAKE) fuzz-check

ifeq ($(wildcard /dev/kvm),)
# In tools/kvmbox (tests/tests.mk) each VM emulates one vCPU on one host
# core, so the two suites run side by side, each in its own VM, once both
# builds are done.
CHECK_TESTS = tools/kvmbox/setup && tools/kvmbox/selftest && \
	$(MAKE) all build/tests/mote-tests build/tests/mote-jailtest && \
	$(MAKE) BUILD=build-asan SAN=1 all build-asan/tests/mote-tests \
		build-asan/tests/mote-jailtest && \
	$(MAKE) -j2 test-unit test-asan
else
CHECK_TESTS = $(MAKE) test-unit && $(MAKE) test-asan
endif

# Calls go down the layers: no two objects of the core, of the front ends
# or of the benchmarks may need each other (tools/layers, from nm).
.PHONY: check-layers
check-layers: $(MONITOR_OBJS) $(JAIL_OBJS) $(CLI_SRCS:%.c=$(BUILD)/%.o) \
		$(BUILD)/cli/main.o $(SERVE_SRCS:%.c=$(BUILD)/%.o) \
		$(BENCH_LIB_OBJS)
	@tools/layers core $(MONITOR_OBJS)
	@tools/layers front-ends $(JAIL_OBJS) $(CLI_SRCS:%.c=$(BUILD)/%.o) \
		$(BUILD)/cli/main.o $(SERVE_SRCS:%.c=$(BUILD)/%.o) \
		$(BENCH_LIB_OBJS) $(MONITOR_OBJS)
	@tools/layers bench $(BENCH_LIB_OBJS)

check-clang:
	$(MAKE) CC=clang GUEST_CC=clang BUILD=build-clang all \
		build-clang/tests/mote-tests build-clang/tests/mote-jailtest

test: check

# The jail tests use the plain build's mote and mote-jailtest.
test-asan:
	$(MAKE) all build/tests/mote-jailtest
	$(MAKE) BUILD=build-asan SAN=1 test-unit

clean:
	rm -rf build build-asan build-clang

format:
	clang-format -i monitor/*.[ch] cli/*.[ch] serve/*.[ch] jail/*.[ch] \
		blk/*.[ch] net/*.[ch] tests/*.c tests/*/*.c bench/*.c guest_abi/*.h \
		guest_abi/runtime/*.[ch] guest_abi/examples/*.c

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
