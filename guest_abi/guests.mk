# Makefile fragment, included from the top-level Makefile at the repo root:
# builds the guest platform layer (mote_platform.o, under musl), the device
# library (libmote.a), the staged SDK (sdk.mk) and the example guests, all
# compiled and linked by the SDK's mote-cc, as guests outside the tree are.

BUILD ?= build
GUEST_CC ?= gcc
MUSL_INC ?= /usr/include/x86_64-linux-musl
MUSL_LIB ?= /usr/lib/x86_64-linux-musl
DEB_LIB ?= /usr/lib/x86_64-linux-gnu

GUEST_NAMES := hello exitcode compute crash spin hostile idle secret \
	wait-canary \
	blk-sum blk-write blk-bench blk-info blk-hostile \
	net-echo net-bench \
	lua gzip catbench \
	echo cgi-status flood snap-probe

GUEST_RT_DIR := guest_abi/runtime
GUEST_PF_DIR := $(GUEST_RT_DIR)/platform
GUEST_EX_DIR := guest_abi/examples
GUEST_RT_OBJDIR := $(BUILD)/guest_abi/runtime
GUEST_PF_OBJDIR := $(GUEST_RT_OBJDIR)/platform
GUEST_EX_OBJDIR := $(BUILD)/guest_abi/examples
GUEST_LIB := $(GUEST_RT_OBJDIR)/libmote.a
GUEST_PLATFORM := $(GUEST_RT_OBJDIR)/mote_platform.o
GUEST_LDSCRIPT := $(GUEST_RT_DIR)/mote.ld
GUEST_ELFS := $(GUEST_NAMES:%=$(BUILD)/guests/%.elf)
CHECK_NO_SYSCALL := guest_abi/tools/check-no-syscall
# The staged SDK (its rules are in sdk.mk), under the guest tree: its
# objects belong to guests, never to a host program.
SDK := $(BUILD)/guest_abi/sdk
SDK_MOTE_CC := $(SDK)/bin/mote-cc
SDK_STAMP := $(SDK)/.stamp

GUEST_RT_SRCS := $(wildcard $(GUEST_RT_DIR)/*.c)
GUEST_RT_OBJS := $(patsubst $(GUEST_RT_DIR)/%.c,$(GUEST_RT_OBJDIR)/%.o,\
	$(GUEST_RT_SRCS))
GUEST_PF_SRCS := $(wildcard $(GUEST_PF_DIR)/*.c $(GUEST_PF_DIR)/*.S)
GUEST_PF_OBJS := $(patsubst $(GUEST_PF_DIR)/%,$(GUEST_PF_OBJDIR)/%.o,\
	$(GUEST_PF_SRCS))

# The runtime is built like guest code (mote-cc's flags, see
# guest_abi/tools/mote-cc) but from the source tree's headers. The
# platform's start-up code runs before, and changes, the stack canary.
GUEST_CC_INCLUDE := $(shell $(GUEST_CC) -print-file-name=include)
GUEST_RT_CFLAGS := -std=gnu11 -O2 -g0 -Wall -Wextra -Werror \
	-nostdinc -isystem $(GUEST_RT_DIR)/include -isystem $(MUSL_INC) \
	-isystem $(GUEST_CC_INCLUDE) -Iguest_abi \
	-march=x86-64 -mtune=generic -fno-pic -fno-pie \
	-fstack-protector-strong -fstack-clash-protection \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-ffunction-sections -fdata-sections -MD -MP
GUEST_PF_CFLAGS := $(GUEST_RT_CFLAGS) -fno-stack-protector -D_GNU_SOURCE

.PHONY: guests
guests: $(GUEST_ELFS)

$(GUEST_RT_OBJDIR)/%.o: $(GUEST_RT_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_RT_CFLAGS) -c -o $@ $<

$(GUEST_PF_OBJDIR)/%.c.o: $(GUEST_PF_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_PF_CFLAGS) -c -o $@ $<

$(GUEST_PF_OBJDIR)/%.S.o: $(GUEST_PF_DIR)/%.S
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_PF_CFLAGS) -c -o $@ $<

# The platform is one relocatable object, linked whole into every guest
# before musl's libc.a: its definitions are always there first, so the
# linker never pulls the musl objects they replace (a symbol it still
# needed from one would be a duplicate definition, an error).
# --gc-sections later drops what a guest does not use.
$(GUEST_PLATFORM): $(GUEST_PF_OBJS)
	ld -r -o $@ $^

$(GUEST_LIB): $(GUEST_RT_OBJS)
	@rm -f $@
	ar rcs $@ $^

# `make guest-enosys`: regenerate the stubs for musl's remaining system
# call objects after a musl upgrade (then review and commit enosys.S).
.PHONY: guest-enosys
guest-enosys: $(filter-out %/enosys.S.o,$(GUEST_PF_OBJS))
	guest_abi/tools/gen-enosys $(MUSL_LIB)/libc.a $^ >$(GUEST_PF_DIR)/enosys.S

# ---- example guests, through the staged SDK's mote-cc (sdk.mk) ----
GUEST_EX_CFLAGS := -std=gnu11 -O2 -g0 -Wall -Wextra -Werror -MD -MP

$(GUEST_EX_OBJDIR)/%.o: $(GUEST_EX_DIR)/%.c $(SDK_STAMP)
	@mkdir -p $(@D)
	$(SDK_MOTE_CC) $(GUEST_EX_CFLAGS) -c -o $@ $<

$(GUEST_EX_OBJDIR)/%.o: $(GUEST_EX_DIR)/%.S $(SDK_STAMP)
	@mkdir -p $(@D)
	$(SDK_MOTE_CC) $(GUEST_EX_CFLAGS) -c -o $@ $<

$(GUEST_ELFS): $(BUILD)/guests/%.elf: $(GUEST_EX_OBJDIR)/%.o $(SDK_STAMP)
	@mkdir -p $(@D)
	$(SDK_MOTE_CC) $(GUEST_LDFLAGS_$*) -o $@ $(filter %.o,$^) \
		$(GUEST_LIBS_$*)

# Guests built from more than one source file: their extra objects.
$(BUILD)/guests/compute.elf: $(GUEST_EX_OBJDIR)/compute_kernel.o
$(BUILD)/guests/secret.elf: $(GUEST_EX_OBJDIR)/secret_entry.o

# Per-guest link flags. secret enters at its own stub, which records the
# registers it inherited before _start runs. hostile's `syscall` mode
# executes one on purpose, in that one function.
GUEST_LDFLAGS_secret := -Wl,-e,secret_entry
GUEST_LDFLAGS_hostile := --allow-syscall-in=hostile_raw_syscall
# Debian's static libraries (built against glibc; glibc_compat.c in
# libmote.a covers the fortify calls they make).
GUEST_LIBS_lua := $(DEB_LIB)/liblua5.4.a
GUEST_LIBS_gzip := $(DEB_LIB)/libz.a
# Their headers, without the rest of /usr/include (glibc's): Lua's have a
# directory of their own; zlib's and Lua's multiarch header are linked
# into one.
GUEST_DEB_INC := $(BUILD)/guest_abi/deb-include
$(GUEST_EX_OBJDIR)/lua.o: GUEST_EX_CFLAGS += -I/usr/include/lua5.4 \
	-I$(GUEST_DEB_INC)
$(GUEST_EX_OBJDIR)/gzip.o: GUEST_EX_CFLAGS += -I$(GUEST_DEB_INC)
$(GUEST_EX_OBJDIR)/lua.o $(GUEST_EX_OBJDIR)/gzip.o: $(GUEST_DEB_INC)/.stamp
$(GUEST_DEB_INC)/.stamp:
	@mkdir -p $(@D)
	ln -sf /usr/include/zlib.h /usr/include/zconf.h \
		/usr/include/x86_64-linux-gnu/lua5.4-deb-multiarch.h $(@D)/
	@touch $@

# catbench natively too (plain musl-gcc), for the stdio throughput
# comparison: the same source as build/guests/catbench.elf.
CATBENCH_NATIVE := $(BUILD)/guests/catbench-native
guests: $(CATBENCH_NATIVE)
$(CATBENCH_NATIVE): $(GUEST_EX_DIR)/catbench.c
	@mkdir -p $(@D)
	musl-gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

-include $(GUEST_RT_OBJS:.o=.d) $(GUEST_PF_OBJS:.o=.d) \
	$(patsubst $(GUEST_EX_DIR)/%,$(GUEST_EX_OBJDIR)/%.d,\
		$(basename $(wildcard $(GUEST_EX_DIR)/*.c $(GUEST_EX_DIR)/*.S)))

# ---- `make guest-rt-check`: the runtime's checks that need no KVM ----
# compat_test: glibc_compat.c natively against musl; offsets_test: the
# musl layouts in platform/musl_private.h against the real musl; libc-reach:
# every function of musl's libc.a linked (no --gc-sections) through
# mote-cc, whose check must find no system call left; and every guest
# carries the ABI note.
GUEST_RT_TEST_DIR := $(BUILD)/tests/guest_rt
GUEST_RT_NATIVE_CFLAGS := -static -O1 -Wall -Wextra -Werror -fno-builtin \
	-Itests/guest_rt

$(GUEST_RT_TEST_DIR)/compat_test: tests/guest_rt/compat_test.c \
		tests/guest_rt/check.h $(GUEST_RT_DIR)/glibc_compat.c
	@mkdir -p $(@D)
	musl-gcc $(GUEST_RT_NATIVE_CFLAGS) -o $@ $(filter %.c,$^)

$(GUEST_RT_TEST_DIR)/offsets_test: tests/guest_rt/offsets_test.c \
		tests/guest_rt/check.h $(GUEST_PF_DIR)/musl_private.h
	@mkdir -p $(@D)
	musl-gcc $(GUEST_RT_NATIVE_CFLAGS) -D_GNU_SOURCE -I$(GUEST_PF_DIR) \
		-o $@ $(filter %.c,$^)

$(GUEST_RT_TEST_DIR)/libc-reach.S: $(MUSL_LIB)/libc.a
	@mkdir -p $(@D)
	{ printf '\t.section .data.reach, "aw"\n\t.globl reach_table\nreach_table:\n'; \
	  nm -g --defined-only $< 2>/dev/null | \
		awk 'NF == 3 && ($$2 == "T" || $$2 == "W") { print $$3 }' | \
		grep -v '^_start\|^_dl\|^__dl' | sort -u | \
		sed 's/^/\t.quad /'; \
	  printf '\t.text\n\t.globl main\nmain:\n\txorl %%eax, %%eax\n\tret\n'; \
	  printf '\t.section .note.GNU-stack, "", @progbits\n'; } >$@

$(GUEST_RT_TEST_DIR)/libc-reach.elf: $(GUEST_RT_TEST_DIR)/libc-reach.S \
		$(SDK_STAMP)
	$(SDK_MOTE_CC) -Wl,-u,reach_table -Wl,--no-gc-sections -o $@ $<

.PHONY: guest-rt-check
guest-rt-check: $(GUEST_RT_TEST_DIR)/compat_test \
		$(GUEST_RT_TEST_DIR)/offsets_test \
		$(GUEST_RT_TEST_DIR)/libc-reach.elf $(GUEST_ELFS)
	$(GUEST_RT_TEST_DIR)/compat_test </dev/null
	$(GUEST_RT_TEST_DIR)/offsets_test </dev/null
	@echo "libc-reach: every libc.a function linked, no system call"
	@for g in $(GUEST_ELFS) $(GUEST_RT_TEST_DIR)/libc-reach.elf; do \
		readelf -nW $$g | grep -q 'mote .*0x00000004' || \
			{ echo "$$g: no mote ABI note" >&2; exit 1; }; \
	done; echo "every guest has the mote ABI note"
