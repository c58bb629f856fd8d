# Benchmarks, included by the top-level Makefile: build/bench/boot,
# build/bench/compute-native, build/bench/density, and `make bench`, which
# writes bench/results/.

BENCH_DIR := $(BUILD)/bench
BENCH_BOOT := $(BENCH_DIR)/boot
BENCH_NATIVE := $(BENCH_DIR)/compute-native
BENCH_DENSITY := $(BENCH_DIR)/density
# stats.c lives in the monitor library, which both link.
BENCH_BOOT_OBJS := $(patsubst %.c,$(BUILD)/%.o,bench/boot.c bench/floor.c)
BENCH_DENSITY_OBJS := $(patsubst %.c,$(BUILD)/%.o,\
	bench/density.c bench/floor.c bench/machine.c)
BENCH_RESULTS := bench/results
# Extra flags for the boot benchmark, e.g. make bench BENCH_ARGS="--runs 50",
# and for the density benchmark, e.g. DENSITY_ARGS="--vms 500".
BENCH_ARGS ?=
DENSITY_ARGS ?=

# The native baseline must run the same machine code as the compute guest:
# its kernel is built by the guests' compiler with the guests' codegen
# flags (the include and freestanding-runtime flags do not change codegen).
BENCH_KERNEL_CFLAGS := $(filter -std=% -O% -march=% -mtune=% -f% -W%,\
	$(GUEST_CFLAGS))

$(BENCH_BOOT): $(BENCH_BOOT_OBJS) $(MONITOR_LIB)
	$(CC) $(LDFLAGS) $^ -lpthread -lm -o $@

$(BENCH_DENSITY): $(BENCH_DENSITY_OBJS) $(MONITOR_LIB)
	$(CC) $(LDFLAGS) $^ -lpthread -lm -o $@

$(BENCH_DIR)/native/compute_kernel.o: $(GUEST_EX_DIR)/compute_kernel.c \
		$(GUEST_EX_DIR)/compute_kernel.h
	@mkdir -p $(@D)
	$(GUEST_CC) $(BENCH_KERNEL_CFLAGS) -c $< -o $@

# -no-pie: the kernel object is compiled -fno-pic, like the guests.
$(BENCH_NATIVE): $(BUILD)/bench/compute_native.o \
		$(BENCH_DIR)/native/compute_kernel.o
	$(CC) $(LDFLAGS) -no-pie $^ -o $@

bench: $(BENCH_BOOT) $(BENCH_NATIVE) $(BENCH_DENSITY) $(MOTE) \
		$(BUILD)/guests/hello.elf $(BUILD)/guests/compute.elf \
		$(BUILD)/guests/idle.elf
	@mkdir -p $(BENCH_RESULTS)
	$(BENCH_BOOT) --hello $(BUILD)/guests/hello.elf \
		--compute $(BUILD)/guests/compute.elf --mote $(MOTE) \
		--native $(BENCH_NATIVE) --out $(BENCH_RESULTS)/boot.json \
		$(BENCH_ARGS)
	$(BENCH_DENSITY) --idle $(BUILD)/guests/idle.elf \
		--hello $(BUILD)/guests/hello.elf \
		--out $(BENCH_RESULTS)/density.json $(DENSITY_ARGS)
