# Makefile fragment, included from the top-level Makefile at the repo root:
# builds the guest runtime (libmote.a) and the example guests (*.elf).

BUILD ?= build
GUEST_CC ?= gcc

GUEST_NAMES := hello exitcode compute crash spin hostile idle secret \
	wait-canary \
	blk-sum blk-write blk-bench blk-info blk-hostile \
	net-echo net-bench

GUEST_RT_DIR := guest_abi/runtime
GUEST_EX_DIR := guest_abi/examples
GUEST_RT_OBJDIR := $(BUILD)/guest_abi/runtime
GUEST_EX_OBJDIR := $(BUILD)/guest_abi/examples
GUEST_LIB := $(GUEST_RT_OBJDIR)/libmote.a
GUEST_LDSCRIPT := $(GUEST_RT_DIR)/mote.ld
GUEST_ELFS := $(GUEST_NAMES:%=$(BUILD)/guests/%.elf)

GUEST_RT_SRCS := $(wildcard $(GUEST_RT_DIR)/*.c $(GUEST_RT_DIR)/*.S)
GUEST_RT_OBJS := $(patsubst $(GUEST_RT_DIR)/%,$(GUEST_RT_OBJDIR)/%.o,\
	$(GUEST_RT_SRCS))

# Freestanding: only the compiler's own headers (stddef, stdint, stdarg,
# ...) and the runtime's, never the host libc's. Baseline x86-64 (SSE2,
# no AVX); no stack protector or PIE, as there is no libc or loader.
GUEST_CC_INCLUDE := $(shell $(GUEST_CC) -print-file-name=include)
GUEST_CFLAGS := -std=gnu11 -O2 -g0 -Wall -Wextra -Werror \
	-ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fcf-protection=none -march=x86-64 -mtune=generic \
	-ffunction-sections -fdata-sections \
	-nostdinc -isystem $(GUEST_RT_DIR)/include \
	-isystem $(GUEST_CC_INCLUDE) -Iguest_abi \
	-MD -MP
GUEST_LDFLAGS := -static -nostdlib -T $(GUEST_LDSCRIPT) \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--gc-sections \
	-Wl,--orphan-handling=error

.PHONY: guests
guests: $(GUEST_ELFS)

$(GUEST_RT_OBJDIR)/%.c.o: $(GUEST_RT_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_RT_OBJDIR)/%.S.o: $(GUEST_RT_DIR)/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_LIB): $(GUEST_RT_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(GUEST_EX_OBJDIR)/%.o: $(GUEST_EX_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_EX_OBJDIR)/%.o: $(GUEST_EX_DIR)/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

# libgcc after libmote supplies compiler helpers (e.g. 128-bit division).
# -static already means a non-PIE ET_EXEC (clang warns that -no-pie is unused).
$(GUEST_ELFS): $(BUILD)/guests/%.elf: $(GUEST_EX_OBJDIR)/%.o $(GUEST_LIB) \
		$(GUEST_LDSCRIPT)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_LDFLAGS) $(GUEST_LDFLAGS_$*) -o $@ $(filter %.o,$^) \
		$(GUEST_LIB) -lgcc

# Guests built from more than one source file: their extra objects.
$(BUILD)/guests/compute.elf: $(GUEST_EX_OBJDIR)/compute_kernel.o
$(BUILD)/guests/secret.elf: $(GUEST_EX_OBJDIR)/secret_entry.o

# Per-guest link flags. secret enters at its own stub, which records the
# registers it inherited before _start runs.
GUEST_LDFLAGS_secret := -Wl,-e,secret_entry

-include $(GUEST_RT_OBJS:.o=.d) \
	$(patsubst $(GUEST_EX_DIR)/%,$(GUEST_EX_OBJDIR)/%.d,\
		$(basename $(wildcard $(GUEST_EX_DIR)/*.c $(GUEST_EX_DIR)/*.S)))
