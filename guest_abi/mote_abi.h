/*
 * mote guest ABI, version 2: the whole contract between the mote monitor
 * and a guest. Shared verbatim by both sides; guest_abi/README.md explains it.
 */
#ifndef MOTE_ABI_H
#define MOTE_ABI_H

#include <stdint.h>

#define MOTE_ABI_VERSION 2u
#define MOTE_BOOT_MAGIC 0x65746f6d32424f4fULL /* "OOB2mote" little-endian */

/*
 * Every image carries an ELF note saying which ABI it was built for: in a
 * PT_NOTE segment, name "mote" (with its NUL), type MOTE_NOTE_ABI, and a
 * 4-byte descriptor holding MOTE_ABI_VERSION. The runtime emits it. An
 * image without it, or for another version, is refused before any VM exists.
 */
#define MOTE_NOTE_NAME "mote"
#define MOTE_NOTE_ABI 1u

/*
 * Guest memory map (guest-physical == guest-virtual, identity mapped).
 *
 *   0x0000 - 0x0fff   unmapped (null pointer dereferences fault)
 *   0x1000 - 0x1fff   GDT, TSS, IDT: supervisor-only, guest cannot read/write
 *   0x2000 - 0x2fff   exception stubs: user read+exec, not writable
 *   0x3000 - 0x3fff   struct mote_boot_info, device table: user read-only
 *   0x4000 - 0x5fff   copy of the image's program headers (AT_PHDR): read-only
 *   0x6000 - 0xfffff  page tables and reserved: not mapped for the guest
 *   0x100000 -        image segments (MOTE_IMAGE_MIN)
 *   image end -       TLS block and thread control block, then the heap
 *   heap end          stack guard: MOTE_GUARD_SIZE bytes, unmapped
 *   top - stack_size  stack; argv, envp and auxv strings sit at its top
 *   0x100000000       hypercall page (MOTE_HC_GPA): user write-only doorbell
 *   0x100001000 -     virtio-mmio device windows (MOTE_DEVICE_GPA), one page each
 */
#define MOTE_PAGE_SIZE 0x1000ULL
#define MOTE_GDT_GPA 0x1000ULL
#define MOTE_STUBS_GPA 0x2000ULL
#define MOTE_BOOT_INFO_GPA 0x3000ULL
#define MOTE_PHDR_GPA 0x4000ULL
#define MOTE_PHDR_SIZE 0x2000ULL
#define MOTE_PT_GPA 0x6000ULL
#define MOTE_PT_END 0x100000ULL
#define MOTE_IMAGE_MIN 0x100000ULL
#define MOTE_STACK_SIZE 0x80000ULL /* 512 KiB, including the start block */
#define MOTE_GUARD_SIZE 0x10000ULL /* 64 KiB unmapped below the stack */
/* argv, envp and auxv (vectors and strings) at the top of the stack */
#define MOTE_START_MAX 0x10000ULL
/* The thread control block at the thread pointer: zero but for the two
 * fields below; the C library keeps its thread struct there. */
#define MOTE_TCB_SIZE 0x400ULL
#define MOTE_TCB_SELF 0x0   /* the thread pointer itself (x86-64 TLS ABI) */
#define MOTE_TCB_CANARY 0x28 /* the stack protector's canary */
/* Largest PT_TLS memory size and alignment accepted. */
#define MOTE_TLS_MAX 0x100000ULL
#define MOTE_TLS_ALIGN_MAX 0x1000ULL

/* Guest memory size limits, in bytes; the size must be a multiple of 2 MiB. */
#define MOTE_MEM_MIN (2ULL << 20)
#define MOTE_MEM_MAX (4ULL << 30)
#define MOTE_MEM_DEFAULT (16ULL << 20)

/*
 * Segment selectors in the monitor's GDT. The guest runs at CPL3 in 64-bit
 * mode: code at CPL0 would be emulated on PVM hosts, CPL3 runs natively.
 */
#define MOTE_SEL_CODE 0x1b /* 64-bit code, DPL 3 */
#define MOTE_SEL_DATA 0x23 /* data, DPL 3 */
#define MOTE_SEL_TSS 0x28

/*
 * Hypercalls: a 64-bit store (`movq %rax, (addr)`) of the guest address of
 * the argument struct to MOTE_HC_GPA + 8 * number. That page is mapped
 * user-writable but has no memory behind it, so the store exits to the
 * monitor on both PVM and hardware KVM. The monitor validates the address
 * (naturally aligned for the struct, in memory the guest's own page tables
 * let it read, and write where a result is written back), copies the
 * struct once and validates the copy; buffers are checked the same way.
 * Any bad value (unknown number, misaligned or unmapped address, length
 * overflow, any access to the doorbell but one aligned 8-byte store) stops
 * the VM with MOTE_STATUS_CRASH. Results are written back into the
 * argument struct; no register is clobbered.
 */
#define MOTE_HC_GPA 0x100000000ULL /* 4 GiB: just above the largest RAM */
enum mote_hypercall {
	MOTE_HC_RETIRED0 = 0, /* version 1's CONSOLE: a bad hypercall now */
	MOTE_HC_EXIT = 1,     /* struct mote_hc_exit: stop with a status */
	MOTE_HC_FAULT = 2,    /* used by the exception stubs; not for guests */
	MOTE_HC_WAIT = 3,     /* struct mote_hc_wait: block until deadline/event */
	MOTE_HC_READY = 4,    /* struct mote_hc_ready: the guest is ready */
	MOTE_HC_WRITE = 5,    /* struct mote_hc_io: write to stdout or stderr */
	MOTE_HC_READ = 6,     /* struct mote_hc_io: read from stdin */
	MOTE_HC_SNAPSHOT = 7, /* struct mote_hc_snapshot: the snapshot point */
	MOTE_HC_ENTROPY = 8,  /* struct mote_hc_io: fresh random bytes */
	MOTE_HC_COUNT
};

struct mote_hc_exit {
	int64_t status;     /* the monitor exits with (status & 0xff) */
	uint64_t entry_tsc; /* TSC read by the guest's first instruction, or 0 */
};

/*
 * WRITE: fd 1 (stdout) or 2 (stderr), len bytes at buf, at most
 * MOTE_IO_MAX. result: len, or a negative errno (-EPIPE: the reader is
 * gone; -EBADF: another fd). A guest whose output passes the monitor's
 * limit is stopped. READ: fd 0, up to len bytes into buf (guest-writable);
 * result: bytes read, 0 at end of input, or a negative errno; blocks the
 * guest (not the monitor) until input, its end, or the run's timeout.
 * ENTROPY: fd 0, len (at most MOTE_ENTROPY_MAX) random bytes from the
 * host's getrandom into buf; result: len.
 */
struct mote_hc_io {
	uint64_t fd;
	uint64_t buf;
	uint64_t len;
	int64_t result; /* out */
};
#define MOTE_IO_MAX (1u << 20)
#define MOTE_ENTROPY_MAX 256u

/*
 * Blocks the guest, using no host CPU, until the guest monotonic clock
 * reaches deadline_ns or an event for this VM arrives (e.g. a device
 * completion). A deadline in the past returns at once; UINT64_MAX waits
 * for an event only. The monitor writes the reason into `result`, so the
 * struct must lie in guest-writable memory.
 */
struct mote_hc_wait {
	uint64_t deadline_ns; /* in: guest monotonic ns */
	uint64_t result;      /* out: MOTE_WAIT_TIMEOUT or MOTE_WAIT_EVENT */
};
#define MOTE_WAIT_TIMEOUT 0u
#define MOTE_WAIT_EVENT 1u

/*
 * The guest says it is ready (initialised, about to serve or wait): the
 * monitor records the time of the first READY, for benchmarks and --stats,
 * and resumes the guest at once. `reserved` must be 0.
 */
struct mote_hc_ready {
	uint64_t reserved;
};

/*
 * The snapshot point: the guest's initialisation is done. When the run
 * asked for a snapshot, the monitor captures the guest here and every
 * clone resumes from this store with result MOTE_SNAPSHOT_CLONE, its own
 * argv, envp, stdin and random bytes in a rewritten boot info. Otherwise
 * it returns at once with MOTE_SNAPSHOT_NONE. `reserved` must be 0.
 */
struct mote_hc_snapshot {
	uint64_t reserved;
	uint64_t result; /* out */
};
#define MOTE_SNAPSHOT_NONE 0u
#define MOTE_SNAPSHOT_CLONE 1u

/*
 * The exception stub for vector v does `movl $v, %eax` and stores %rax to the
 * MOTE_HC_FAULT address: the monitor reports the vector and the faulting
 * rip from the frame the CPU pushed. Stubs sit in the user-executable page
 * MOTE_STUBS_GPA, MOTE_STUB_SIZE bytes apart, and never return.
 */
#define MOTE_STUB_SIZE 32u
#define MOTE_EXCEPTION_VECTORS 32u

/*
 * Boot information, at MOTE_BOOT_INFO_GPA, rewritten by the monitor at
 * every start (and for every snapshot clone). Clocks: the guest reads the
 * TSC (rdtsc is allowed at CPL3) and converts with tsc_hz:
 *   monotonic ns = mono_ns + (tsc - tsc_base) * 1e9 / tsc_hz
 *   wall ns      = wall_ns + (tsc - tsc_base) * 1e9 / tsc_hz
 */
struct mote_boot_info {
	uint64_t magic;       /* MOTE_BOOT_MAGIC */
	uint32_t abi_version; /* MOTE_ABI_VERSION */
	uint32_t flags;       /* MOTE_BOOT_* */
	uint64_t argc;
	uint64_t argv;       /* guest address of char *argv[argc + 1] */
	uint64_t envp;       /* guest address of char *envp[], NULL-terminated */
	uint64_t auxv;       /* guest address of the auxiliary vector */
	uint64_t mem_size;   /* bytes of guest memory */
	uint64_t heap_start; /* first free byte after the TCB, page aligned */
	uint64_t heap_end;   /* end of the heap (start of the stack guard) */
	uint64_t stack_top;  /* initial %rsp (points at argc) */
	uint64_t tsc_hz;     /* TSC frequency */
	uint64_t tsc_base;   /* guest TSC at the moment wall_ns was taken */
	uint64_t wall_ns;    /* host CLOCK_REALTIME at tsc_base, ns since 1970 */
	uint64_t mono_ns;    /* guest monotonic ns at tsc_base */
	uint64_t devices;    /* guest address of struct mote_device[ndevices] */
	uint32_t ndevices;
	uint32_t reserved0;
	uint64_t tp;         /* the thread pointer: FS base at entry */
	uint64_t random;     /* guest address of 16 random bytes (AT_RANDOM) */
	uint64_t reserved[7];
};
/* flags: the host end of stdout / stderr / stdin is a terminal. */
#define MOTE_BOOT_STDOUT_TTY 1u
#define MOTE_BOOT_STDERR_TTY 2u
#define MOTE_BOOT_STDIN_TTY 4u

/*
 * Auxiliary vector entries the monitor provides (Linux's numbering), so a
 * C library's start-up code works unchanged: AT_PHDR (MOTE_PHDR_GPA),
 * AT_PHENT, AT_PHNUM, AT_PAGESZ (4096), AT_ENTRY, AT_UID, AT_EUID, AT_GID,
 * AT_EGID (all 0), AT_SECURE (0), AT_HWCAP (CPUID.1:EDX), AT_HWCAP2
 * (bit 1: FSGSBASE usable), AT_RANDOM (16 bytes from the host's getrandom,
 * new at every start), AT_EXECFN (argv[0]), AT_PLATFORM ("x86_64"), and
 * MOTE_AT_BOOT_INFO (the boot info's address); AT_NULL ends it.
 */
#define MOTE_AT_BOOT_INFO 0x6d6f7465u /* "mote" */
/* Entries in the auxiliary vector, AT_NULL included. The start block
 * (argc, the argv and envp pointers with their NULLs, the auxv and the
 * strings) must fit MOTE_START_MAX:
 *   8 * (argc + envc + 3) + 16 * MOTE_AUXV_COUNT + string bytes. */
#define MOTE_AUXV_COUNT 18u

/*
 * Devices are virtio 1.x over virtio-mmio (register layout version 2), one
 * MOTE_DEVICE_SIZE window each from MOTE_DEVICE_GPA up, listed in boot info
 * at MOTE_DEVICE_TABLE_GPA. There are no interrupts: a guest polls its used
 * rings and, when idle, blocks in MOTE_HC_WAIT, which returns
 * MOTE_WAIT_EVENT when one of its devices used buffers since the last WAIT
 * (the event is remembered, so a completion between the guest's last look
 * at the used ring and the WAIT is not lost). As with virtio interrupts,
 * only buffers the driver asked to hear of count: past used_event with
 * VIRTIO_F_EVENT_IDX, else unless VRING_AVAIL_F_NO_INTERRUPT is set; a
 * device that sets DEVICE_NEEDS_RESET is an event too. QueueNotify writes
 * are caught in the kernel (ioeventfd) and cost no exit to the monitor;
 * other register accesses do exit.
 */
#define MOTE_DEVICE_GPA (MOTE_HC_GPA + MOTE_PAGE_SIZE)
#define MOTE_DEVICE_SIZE 0x1000ULL
#define MOTE_MAX_DEVICES 16u
#define MOTE_DEVICE_TABLE_GPA (MOTE_BOOT_INFO_GPA + 0x400)

struct mote_device {
	uint64_t base;      /* guest address of the virtio-mmio window */
	uint32_t device_id; /* VIRTIO_ID_BLOCK, VIRTIO_ID_NET, ... */
	uint32_t reserved;
};

/*
 * Entry state: 64-bit mode, CPL3, paging on; %rip = ELF e_entry;
 * %rsp = stack_top = mem_size - MOTE_START_MAX, pointing at the System V
 * initial stack (argc, argv pointers, NULL, envp pointers, NULL, auxv
 * pairs, AT_NULL) with the strings at the top of memory: the whole start
 * block lies in [mem_size - MOTE_START_MAX, mem_size), always, and the
 * guest's stack grows down from below it. %rdi = address of
 * mote_boot_info. FS base = tp, where (x86-64 TLS variant II, with
 * align = max(PT_TLS p_align, 64) and the image's end heap_base):
 *   tp = round_up(heap_base + round_up(p_memsz, p_align), align)
 * the PT_TLS block (initialised data, then zeros) is [tp -
 * round_up(p_memsz, p_align), tp), and the MOTE_TCB_SIZE bytes from tp
 * are zero but for the self pointer (tp) at 0 and the canary at 0x28:
 * the first 8 AT_RANDOM bytes with byte 1 set to zero. A zero-size or
 * missing PT_TLS gives an empty block. GS base 0; RFLAGS = 0x2; other
 * general registers zero.
 *
 * The CPU contract: CPUID is the host's filtered to what the guest may
 * use, and says the same as XCR0 and AT_HWCAP. x87, SSE to SSE4.2, POPCNT,
 * AES-NI, PCLMULQDQ, RDRAND, BMI1/2, and AVX, AVX2, FMA and F16C when the
 * host has AVX: XCR0 is then x87|SSE|AVX, else x87|SSE (CR4.OSXSAVE set
 * either way, so xgetbv works). AVX-512 and AMX are never enabled: their
 * CPUID bits are clear and the instructions fault. FSGSBASE: CR4.FSGSBASE
 * is set when the host has it (CPUID.7.EBX bit 0, AT_HWCAP2 bit 1), and
 * the guest may then change FS and GS base with wrfsbase/wrgsbase.
 * x87/SSE/AVX state at reset values (FCW 0x37f, MXCSR 0x1f80).
 */

/* Exit statuses of `mote run`, besides the guest's own 0-255. */
#define MOTE_STATUS_USAGE 2     /* bad command line */
#define MOTE_STATUS_TIMEOUT 124 /* --timeout expired; VM stopped */
#define MOTE_STATUS_ERROR 125   /* mote failed: bad image, KVM error, ... */
#define MOTE_STATUS_CRASH 126   /* guest crashed or made a bad hypercall */

#ifdef __cplusplus
#define MOTE_STATIC_ASSERT static_assert
#else
#define MOTE_STATIC_ASSERT _Static_assert
#endif
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_exit) == 16, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_io) == 32, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_wait) == 16, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_ready) == 8, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_snapshot) == 16, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_boot_info) == 200, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_device) == 16, "abi");
MOTE_STATIC_ASSERT(MOTE_DEVICE_TABLE_GPA - MOTE_BOOT_INFO_GPA +
			   MOTE_MAX_DEVICES * sizeof(struct mote_device) <=
		   MOTE_PAGE_SIZE,
		   "abi");
MOTE_STATIC_ASSERT(MOTE_STUB_SIZE * MOTE_EXCEPTION_VECTORS <= MOTE_PAGE_SIZE,
		   "abi");

#endif
