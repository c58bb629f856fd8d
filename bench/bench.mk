# Benchmarks, included by the top-level Makefile: libbench.a (`mote bench`,
# linked into mote), the QEMU baseline's PVH guests, the stand-alone
# helpers, and `make bench`, which writes bench/results/latest.{json,md}
# and the plots (bench/report.py, from the JSON) and puts the table into
# README.md.

BENCH_DIR := $(BUILD)/bench
# bench/report.py draws the table and plots from the JSON reports.
PKGS += python3
BENCH_RESULTS := bench/results
# Programs with their own main(); everything else in bench/ is the library.
BENCH_MAINS := bench/compute_native.c bench/floor_main.c bench/blk.c \
	bench/net.c
# What only the stand-alone programs link (its die() exits), not libbench.
BENCH_TOOL_SRCS := bench/tool.c
BENCH_LIB_SRCS := $(filter-out $(BENCH_MAINS) $(BENCH_TOOL_SRCS),\
	$(wildcard bench/*.c))
BENCH_LIB_OBJS := $(BENCH_LIB_SRCS:%.c=$(BUILD)/%.o) $(BENCH_DIR)/sha256.o
# What the reports say made them: mote's version (monitor/) and the
# commit (recompiled when HEAD moves; "unknown" outside a checkout).
BENCH_VERSION := $(shell awk '/define MOTE_VERSION "/ { gsub(/"/, "", $$3); \
	print $$3; exit }' $(wildcard monitor/version.h monitor/main.c))
BENCH_COMMIT := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
$(BUILD)/bench/ident.o: CFLAGS += -iquote guest_abi/runtime/include \
	-DMOTE_VERSION='"$(or $(BENCH_VERSION),unknown)"' \
	-DMOTE_GIT_COMMIT='"$(BENCH_COMMIT)"'
$(BUILD)/bench/ident.o: $(BENCH_DIR)/commit.txt
$(BENCH_DIR)/commit.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(BENCH_VERSION) $(BENCH_COMMIT)' | cmp -s - $@ || \
		echo '$(BENCH_VERSION) $(BENCH_COMMIT)' >$@
.PHONY: FORCE
FORCE:
# The reports hash images with the guest runtime's SHA-256, built for the
# host (as tests/guest/test_sha256.c does).
$(BENCH_DIR)/sha256.o: guest_abi/runtime/sha256.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -iquote guest_abi/runtime/include -c $< -o $@
# The one report formatter (Markdown table, gnuplot plots), fed the JSON;
# `mote bench --md/--plot` runs it from next to mote.
BENCH_REPORT := $(BENCH_DIR)/report.py
BENCH_NATIVE := $(BENCH_DIR)/compute-native
# The raw-KVM floor alone, to check what the harness adds to its figures.
BENCH_FLOOR := $(BENCH_DIR)/floor
BENCH_PVH := $(BENCH_DIR)/pvh-exit.elf $(BENCH_DIR)/pvh-idle.elf
BENCH_BLK := $(BENCH_DIR)/blk
BENCH_NET := $(BENCH_DIR)/net
# Extra flags for `mote bench all`, e.g. make bench BENCH_ARGS="--runs 50"
BENCH_ARGS ?=
# and for the disk benchmark, e.g. BLK_ARGS="--secs 2 --runs 1".
BLK_ARGS ?=
# and for the network benchmark, e.g. NET_ARGS="--pings 200 --secs 2".
NET_ARGS ?=

# A plain `make` builds what `mote bench` looks for next to mote.
all: $(BENCH_PVH) $(BENCH_NATIVE) $(BENCH_FLOOR) $(BENCH_REPORT)

$(BENCH_REPORT): bench/report.py
	@mkdir -p $(@D)
	cp $< $@

$(BENCH_LIB): $(BENCH_LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BENCH_FLOOR): $(BUILD)/bench/floor_main.o $(BUILD)/bench/floor.o \
		$(MONITOR_LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lm -o $@

# The PVH guests are 32-bit code, assembled and linked by the host's
# toolchain (no libraries, so no multilib is needed), without CFLAGS.
$(BENCH_DIR)/pvh-exit.o: bench/pvh.S
	@mkdir -p $(@D)
	$(CC) -m32 -c $< -o $@

$(BENCH_DIR)/pvh-idle.o: bench/pvh.S
	@mkdir -p $(@D)
	$(CC) -m32 -DIDLE -c $< -o $@

$(BENCH_DIR)/pvh-%.elf: $(BENCH_DIR)/pvh-%.o bench/pvh.ld
	$(LD) -m elf_i386 -T bench/pvh.ld --build-id=none $< -o $@

# The native baseline must run the same machine code as the compute guest:
# its kernel is built by the guests' compiler with the guests' codegen
# flags (the include and freestanding-runtime flags do not change codegen).
BENCH_KERNEL_CFLAGS := $(filter -std=% -O% -march=% -mtune=% -f% -W%,\
	$(GUEST_CFLAGS))

$(BENCH_DIR)/native/compute_kernel.o: $(GUEST_EX_DIR)/compute_kernel.c \
		$(GUEST_EX_DIR)/compute_kernel.h
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_KERNEL_CFLAGS) -c $< -o $@

# -no-pie: the kernel object is compiled -fno-pic, like the guests.
$(BENCH_NATIVE): $(BUILD)/bench/compute_native.o \
		$(BENCH_DIR)/native/compute_kernel.o
	$(CC) $(LDFLAGS) -no-pie $^ -o $@

# The disk benchmark runs mote and fio as child processes; it links the
# monitor library only for its statistics.
BENCH_TOOL_OBJS := $(BUILD)/bench/tool.o $(BUILD)/bench/opt.o \
	$(BUILD)/bench/ident.o $(BENCH_DIR)/sha256.o $(BUILD)/bench/json.o \
	$(BUILD)/bench/machine.o
$(BENCH_BLK): $(BUILD)/bench/blk.o $(BENCH_TOOL_OBJS) $(CLI_LIB) $(MONITOR_LIB)
	$(CC) $(LDFLAGS) $^ -luring -lz -lpthread -lm -o $@

# The network benchmark runs mote as child processes in a network
# namespace of its own; its host baseline writes to the tap via io_uring.
$(BENCH_NET): $(BUILD)/bench/net.o $(BENCH_TOOL_OBJS) $(CLI_LIB) $(MONITOR_LIB)
	$(CC) $(LDFLAGS) $^ -luring -lpthread -lm -o $@

# QEMU is only a baseline: install it when we can (root), else carry on
# and let the report say "not installed". `make check` never needs it.
.PHONY: bench-qemu
bench-qemu:
	@command -v qemu-system-x86_64 >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		qemu-system-x86 >/dev/null 2>&1; } || \
	echo "bench: qemu-system-x86_64 not installed; QEMU is left out"

# The standard suite. Other benchmarks with their own program write a JSON
# report first, and `mote bench all --include NAME=FILE` embeds it: the
# disk benchmark (bench/blk.c) when it exists.
BENCH_INCLUDES :=
BENCH_EXTRA :=
ifneq ($(wildcard bench/blk.c),)
BENCH_EXTRA += $(BENCH_BLK) $(BUILD)/guests/blk-bench.elf
BENCH_INCLUDES += --include blk=$(BENCH_RESULTS)/blk.json
endif
ifneq ($(wildcard bench/net.c),)
BENCH_EXTRA += $(BENCH_NET) $(BUILD)/guests/net-echo.elf \
	$(BUILD)/guests/net-bench.elf
BENCH_INCLUDES += --include net=$(BENCH_RESULTS)/net.json
endif

bench: deps bench-qemu
	$(MAKE) all $(BENCH_EXTRA)
	@mkdir -p $(BENCH_RESULTS)
ifneq ($(wildcard bench/blk.c),)
	$(BENCH_BLK) --mote $(MOTE) --guest $(BUILD)/guests/blk-bench.elf \
		--file $(BENCH_DIR)/blk-test.img --out $(BENCH_RESULTS)/blk.json \
		$(BLK_ARGS)
endif
ifneq ($(wildcard bench/net.c),)
	$(BENCH_NET) --mote $(MOTE) --echo $(BUILD)/guests/net-echo.elf \
		--bench $(BUILD)/guests/net-bench.elf \
		--out $(BENCH_RESULTS)/net.json $(NET_ARGS)
endif
	$(MOTE) bench all --json $(BENCH_RESULTS)/latest.json \
		--md $(BENCH_RESULTS)/latest.md --plot-dir $(BENCH_RESULTS) \
		$(BENCH_INCLUDES) $(BENCH_ARGS)
	python3 bench/report.py $(BENCH_RESULTS)/latest.json --readme README.md
