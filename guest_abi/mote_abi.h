/*
 * mote guest ABI, version 1: the whole contract between the mote monitor
 * and a guest. Shared verbatim by both sides; guest_abi/README.md explains it.
 */
#ifndef MOTE_ABI_H
#define MOTE_ABI_H

#include <stdint.h>

#define MOTE_ABI_VERSION 1u
#define MOTE_BOOT_MAGIC 0x65746f6d31424f4fULL /* "OOB1mote" little-endian */

/*
 * Guest memory map (guest-physical == guest-virtual, identity mapped).
 *
 *   0x0000 - 0x0fff   unmapped (null pointer dereferences fault)
 *   0x1000 - 0x1fff   GDT, TSS, IDT: supervisor-only, guest cannot read/write
 *   0x2000 - 0x2fff   exception stubs: user read+exec, not writable
 *   0x3000 - 0x3fff   struct mote_boot_info: user read-only
 *   0x4000 - 0x5fff   argv pointer array and strings: user read-only
 *   0x6000 - 0xfffff  page tables and reserved: not mapped for the guest
 *   0x100000 -        image segments (MOTE_IMAGE_MIN), then the heap
 *   top - stack_size  stack; the page just below it is an unmapped guard
 *   0x100000000       hypercall page (MOTE_HC_GPA): user write-only doorbell
 *   0x100001000 -     virtio-mmio device windows (MOTE_DEVICE_GPA), one page each
 */
#define MOTE_PAGE_SIZE 0x1000ULL
#define MOTE_GDT_GPA 0x1000ULL
#define MOTE_STUBS_GPA 0x2000ULL
#define MOTE_BOOT_INFO_GPA 0x3000ULL
#define MOTE_ARGS_GPA 0x4000ULL
#define MOTE_ARGS_SIZE 0x2000ULL
#define MOTE_PT_GPA 0x6000ULL
#define MOTE_PT_END 0x100000ULL
#define MOTE_IMAGE_MIN 0x100000ULL
#define MOTE_STACK_SIZE 0x40000ULL /* 256 KiB */

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
 * monitor on both PVM and hardware KVM (port I/O from CPL3 does not work on
 * PVM, which runs the guest with IOPL 0). The monitor validates the address
 * (naturally aligned for the struct, inside guest memory), copies the struct
 * once and validates the copy. Any bad value (unknown number, misaligned or
 * out-of-range address, length overflow, a load instead of a 64-bit store)
 * stops the VM with MOTE_STATUS_CRASH. Results, if any, are written back
 * into the argument struct; no register is clobbered.
 */
#define MOTE_HC_GPA 0x100000000ULL /* 4 GiB: just above the largest RAM */
enum mote_hypercall {
	MOTE_HC_CONSOLE = 0, /* struct mote_hc_console: write bytes to console */
	MOTE_HC_EXIT = 1,    /* struct mote_hc_exit: stop with a status */
	MOTE_HC_FAULT = 2,   /* used by the exception stubs; not for guests */
	MOTE_HC_WAIT = 3,    /* struct mote_hc_wait: block until deadline/event */
	MOTE_HC_READY = 4,   /* struct mote_hc_ready: the guest is ready */
	MOTE_HC_COUNT
};

struct mote_hc_console {
	uint64_t buf; /* guest address of bytes */
	uint64_t len; /* at most MOTE_CONSOLE_MAX */
};
#define MOTE_CONSOLE_MAX 4096u

struct mote_hc_exit {
	int64_t status;     /* the monitor exits with (status & 0xff) */
	uint64_t entry_tsc; /* TSC read by the guest's first instruction, or 0 */
};

/*
 * Blocks the guest, using no host CPU, until the guest monotonic clock
 * (ns since tsc_base, see mote_boot_info) reaches deadline_ns or an event
 * for this VM arrives (e.g. a device completion). A deadline in the past
 * returns at once; UINT64_MAX waits for an event only. The monitor writes
 * the reason into `result`, so the struct must lie in guest-writable memory
 * (a writable segment, the heap or the stack).
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
 * and resumes the guest at once. What "ready" means is the guest's call.
 * `reserved` must be 0; the struct is read only, never written back.
 */
struct mote_hc_ready {
	uint64_t reserved;
};

/*
 * The exception stub for vector v does `movl $v, %eax` and stores %rax to the
 * MOTE_HC_FAULT address: the monitor reports the vector and the faulting
 * rip from the frame the CPU pushed. Stubs sit in the user-executable page
 * MOTE_STUBS_GPA, MOTE_STUB_SIZE bytes apart, and never return.
 */
#define MOTE_STUB_SIZE 32u
#define MOTE_EXCEPTION_VECTORS 32u

/*
 * Boot information, at MOTE_BOOT_INFO_GPA; its address is also in %rdi at
 * entry. Clocks: the guest reads the TSC (rdtsc is allowed at CPL3) and
 * converts with tsc_hz; wall time = wall_ns + (tsc - tsc_base) / tsc_hz.
 */
struct mote_boot_info {
	uint64_t magic;       /* MOTE_BOOT_MAGIC */
	uint32_t abi_version; /* MOTE_ABI_VERSION */
	uint32_t argc;
	uint64_t argv; /* guest address of char *argv[argc + 1] */
	uint64_t mem_size;   /* bytes of guest memory */
	uint64_t heap_start; /* first free byte after the image, page aligned */
	uint64_t heap_end;   /* end of the heap (start of the stack guard) */
	uint64_t stack_top;  /* initial %rsp */
	uint64_t tsc_hz;     /* TSC frequency */
	uint64_t tsc_base;   /* guest TSC at the moment wall_ns was taken */
	uint64_t wall_ns;    /* host CLOCK_REALTIME at tsc_base, ns since 1970 */
	uint64_t devices;    /* guest address of struct mote_device[ndevices] */
	uint32_t ndevices;
	uint32_t reserved0;
	uint64_t reserved[4];
};

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
 * device that sets DEVICE_NEEDS_RESET is an event too. QueueNotify writes are caught
 * in the kernel (ioeventfd) and cost no exit to the monitor; other register
 * accesses do exit.
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
 * %rsp = stack_top (16-byte aligned); %rdi = address of mote_boot_info;
 * RFLAGS = 0x2 (interrupts off); SSE enabled (CR4.OSFXSR),
 * x87/SSE state at reset values; all other general registers zero.
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
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_console) == 16, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_exit) == 16, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_wait) == 16, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_hc_ready) == 8, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_boot_info) == 128, "abi");
MOTE_STATIC_ASSERT(sizeof(struct mote_device) == 16, "abi");
MOTE_STATIC_ASSERT(MOTE_DEVICE_TABLE_GPA - MOTE_BOOT_INFO_GPA +
			   MOTE_MAX_DEVICES * sizeof(struct mote_device) <=
		   MOTE_PAGE_SIZE,
		   "abi");
MOTE_STATIC_ASSERT(MOTE_STUB_SIZE * MOTE_EXCEPTION_VECTORS <= MOTE_PAGE_SIZE,
		   "abi");

#endif
