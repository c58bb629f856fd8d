# Benchmarks, included by the top-level Makefile: build/bench/boot,
# build/bench/compute-native, and `make bench`, which writes bench/results/.

BENCH_DIR := $(BUILD)/bench
BENCH_BOOT := $(BENCH_DIR)/boot
BENCH_NATIVE := $(BENCH_DIR)/compute-native
BENCH_BOOT_OBJS := $(patsubst %.c,$(BUILD)/%.o,\
	bench/boot.c bench/stats.c bench/floor.c)
BENCH_RESULTS := bench/results
# Extra flags for the boot benchmark, e.g. make bench BENCH_ARGS="--runs 50".
BENCH_ARGS ?=

# The native baseline must run the same machine code as the compute guest:
# its kernel is built by the guests' compiler with the guests' codegen
# flags (the include and freestanding-runtime flags do not change codegen).
BENCH_KERNEL_CFLAGS := $(filter -std=% -O% -march=% -mtune=% -f% -W%,\
	$(GUEST_CFLAGS))

$(BENCH_BOOT): $(BENCH_BOOT_OBJS) $(MONITOR_LIB)
	$(CC) $(LDFLAGS) $^ -lpthread -lm -o $@

$(BENCH_DIR)/native/compute_kernel.o: $(GUEST_EX_DIR)/compute_kernel.c \
		$(GUEST_EX_DIR)/compute_kernel.h
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_KERNEL_CFLAGS) -c $< -o $@

# -no-pie: the kernel object is compiled -fno-pic, like the guests.
$(BENCH_NATIVE): $(BUILD)/bench/compute_native.o \
		$(BENCH_DIR)/native/compute_kernel.o
	$(CC) $(LDFLAGS) -no-pie $^ -o $@

bench: $(BENCH_BOOT) $(BENCH_NATIVE) $(MOTE) $(BUILD)/guests/hello.elf \
		$(BUILD)/guests/compute.elf
	@mkdir -p $(BENCH_RESULTS)
	$(BENCH_BOOT) --hello $(BUILD)/guests/hello.elf \
		--compute $(BUILD)/guests/compute.elf --mote $(MOTE) \
		--native $(BENCH_NATIVE) --out $(BENCH_RESULTS)/boot.json \
		$(BENCH_ARGS)
