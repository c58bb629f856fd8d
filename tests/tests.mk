# Makefile fragment, included from the top-level Makefile: builds the one
# Criterion test binary and runs it (`make test-unit`). The tests, by kind:
#   tests/unit/         one file's logic, no guest booted
#   tests/integration/  real guests under /dev/kvm, real files, taps, HTTP
#   tests/guest/        guest runtime code (drivers, IP stack) on the host
# and beside them the helpers they share, the fuzz targets (tests/fuzz/),
# native tests of the runtime under musl (tests/guest_rt/) and the Lua
# scripts compared with Debian's lua5.4 (tests/lua/).

TEST_SRCS := $(wildcard tests/unit/test_*.c tests/integration/test_*.c \
	tests/guest/test_*.c) tests/helpers.c tests/http_client.c tests/jsonv.c \
	tests/fake_virtio.c tests/mmio_driver.c
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
TEST_BIN := $(BUILD)/tests/mote-tests
TEST_LOG := $(BUILD)/tests/mote-tests.log

# The jail is tested on the plain build's binaries (tests/integration/test_jail.c):
# sanitizers cannot run jailed. mote-jailtest is mote plus escape attempts.
PLAIN_BUILD := $(abspath build)
JAILTEST := $(BUILD)/tests/mote-jailtest
$(TEST_OBJS): CFLAGS += -DPLAIN_BUILD=\"$(PLAIN_BUILD)\"

# The test seams (a console hook, a switch that leaves seccomp out) exist
# only in these objects, compiled again with MOTE_TEST_SEAMS; mote has none.
SEAM_OBJS := $(BUILD)/seams/monitor/exits.o $(BUILD)/seams/cli/confine.o
$(BUILD)/tests/jail_escape.o: CFLAGS += -DMOTE_TEST_SEAMS
$(BUILD)/seams/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DMOTE_TEST_SEAMS -MMD -MP -c $< -o $@

$(JAILTEST): $(BUILD)/cli/main.o $(BUILD)/tests/jail_escape.o $(SEAM_OBJS) \
		$(SERVE_LIB) $(BENCH_LIB) $(FRONT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ $(MONITOR_LDLIBS) $(SERVE_LDLIBS) -o $@

# The integration tests run this build's mote on this build's guests.
$(TEST_OBJS): CFLAGS += -DMOTE_BIN=\"$(abspath $(MOTE))\" \
	-DGUEST_DIR=\"$(abspath $(BUILD)/guests)\"

# Host unit tests of guest runtime sources: "..." includes also find the
# runtime's headers, while <...> ones still mean the host's libc.
GUEST_RT_TEST_OBJS := $(patsubst %,$(BUILD)/tests/%.o,\
	guest/test_sha256 guest/test_guest_blk guest/test_virtio_layout \
	fake_virtio)
$(GUEST_RT_TEST_OBJS): CFLAGS += -iquote guest_abi/runtime/include \
	-iquote guest_abi

# ---- guest network stack and virtio-net driver, compiled for the host ----
# test_netstack.c #includes the runtime's protocol and IP stack sources
# (inet_*.c, arp_cache.c, ipstack.c, udp.c) over a fake driver, and
# test_guest_net.c the virtio-net driver (net.c, virtqueue.c) over a fake
# device; the same include paths as the block above.
NET_TEST_OBJS := $(BUILD)/tests/guest/test_netstack.o \
	$(BUILD)/tests/guest/test_guest_net.o
$(NET_TEST_OBJS): CFLAGS += -iquote guest_abi/runtime/include \
	-iquote guest_abi

$(TEST_BIN): $(TEST_OBJS) $(SERVE_LIB) $(BENCH_LIB) $(FRONT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -lcriterion $(MONITOR_LDLIBS) $(SERVE_LDLIBS) -lm -o $@

# Sanitizer settings for SAN=1 builds (ignored otherwise). Criterion runs
# each test in a forked worker, and LeakSanitizer does work there, but a
# leak is only found when the worker exits, after Criterion has counted the
# test as passed, and the worker's exit status is ignored. So the output is
# also searched for sanitizer reports, and any report fails the run. In the
# mote children that the integration tests start, a report changes mote's
# exit status and stderr, which fails that test directly.
TEST_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
TEST_FLAGS := --jobs 2
SANITIZER_REPORT := ERROR: [A-Za-z]+Sanitizer|runtime error:


# A host without /dev/kvm (one that is itself a KVM guest, with no nested
# virtualisation) runs the tests inside tools/kvmbox's VM instead: QEMU
# emulating a CPU with AMD SVM, whose kernel gives a real /dev/kvm. The
# guests run 10-50x slower there, so the tests' time limits (never their
# bounds on what they measure) are scaled by KVMBOX_TIME_SCALE.
KVMBOX_TIME_SCALE ?= 10
ifeq ($(wildcard /dev/kvm),)
TEST_RUN = tools/kvmbox/setup && \
	tools/kvmbox/run 'MOTE_TEST_TIME_SCALE=$(KVMBOX_TIME_SCALE) \
		$(TEST_ENV) $(TEST_BIN) $(TEST_FLAGS)'
else
TEST_RUN = $(TEST_ENV) $(TEST_BIN) $(TEST_FLAGS)
endif

.PHONY: test-unit
test-unit: $(MOTE) guests $(TEST_BIN) $(JAILTEST)
	@rc=0; $(TEST_RUN) >$(TEST_LOG) 2>&1 || rc=$$?; \
	cat $(TEST_LOG); \
	if grep -Eq '$(SANITIZER_REPORT)' $(TEST_LOG); then \
		echo "test-unit: sanitizer reports above ($(TEST_LOG))" >&2; \
		rc=1; \
	fi; \
	exit $$rc

# Fuzzing: libFuzzer targets for each parser of hostile input, in
# tests/fuzz/: the virtqueue walker and virtio-blk request parsing
# (virtqueue.c) and the ELF loader (image.c). `make fuzz-check` (part of
# `make check`) runs each for FUZZ_CHECK_TIME seconds from a fixed seed
# on a copy of its seed corpus (tests/fuzz/corpus/NAME) and fails on any
# crash or sanitizer report; `make fuzz` runs them longer (FUZZ_TIME).
# Needs clang with its runtime (clang, libclang-rt-14-dev).
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_CHECK_TIME ?= 20
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_FLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I. -Imonitor -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_TARGETS := virtqueue image snapfile
FUZZ_SRCS_virtqueue := tests/fuzz/virtqueue.c monitor/virtqueue.c \
	monitor/guest_mem.c blk/request.c
FUZZ_SRCS_image := tests/fuzz/image.c monitor/image.c monitor/fdio.c monitor/layout.c \
	monitor/err.c
# The snapshot parser, with the VM code a snapshot's teardown links in.
FUZZ_SRCS_snapfile := tests/fuzz/snapfile.c monitor/snapfile.c \
	monitor/snapshot.c monitor/image.c monitor/fdio.c monitor/layout.c monitor/err.c \
	monitor/vm.c monitor/cpu.c monitor/cpuid.c monitor/kvm.c \
	monitor/kick.c monitor/guest_mem.c monitor/virtio_mmio.c \
	monitor/virtqueue.c monitor/evloop.c monitor/thread_hook.c
FUZZ_LIBS_snapfile := -luring -lz -lpthread
$(FUZZ_DIR)/fuzz-snapfile: FUZZ_FLAGS += \
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION

$(FUZZ_DIR)/fuzz-%: $(wildcard monitor/*.h blk/*.h guest_abi/*.h) \
		$(wildcard tests/fuzz/*.c monitor/*.c blk/*.c)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_SRCS_$*) $(FUZZ_LIBS_$*) -o $@

# One target's run: a fresh copy of its seeds, a fixed seed, bounded time.
define fuzz_run
	rm -rf $(FUZZ_DIR)/corpus-$(1) && mkdir -p $(FUZZ_DIR)/corpus-$(1) && \
	cp tests/fuzz/corpus/$(1)/* $(FUZZ_DIR)/corpus-$(1)/ && \
	$(FUZZ_DIR)/fuzz-$(1) -seed=1 -max_total_time=$(2) -max_len=16384 \
		-print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crash-$(1)- \
		$(FUZZ_DIR)/corpus-$(1) >$(FUZZ_DIR)/fuzz-$(1).log 2>&1 || \
	{ tail -40 $(FUZZ_DIR)/fuzz-$(1).log; \
	  echo "fuzz-check: $(1) failed (log: $(FUZZ_DIR)/fuzz-$(1).log)" >&2; \
	  exit 1; }; \
	grep -h "stat::number_of_executed_units" $(FUZZ_DIR)/fuzz-$(1).log | \
		sed 's/^/fuzz $(1): /'
endef

.PHONY: fuzz fuzz-check
fuzz-check: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)
	@$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_CHECK_TIME)) &&) true

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)
	@$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_TIME)) &&) true
