/*
 * KVM exit dispatch: hypercalls (validated here, through guest_mem only),
 * exception reports from the stubs, and every other exit as a crash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "../guest_abi/mote_abi.h"
#include "test_seams.h"
#include "timeutil.h"
#include "virtio_mmio.h"
#include "exits.h"
#include "snapshot_take.h"
#include "vm_struct.h"

static uint64_t guest_rip(struct mote_vm *vm)
{
	struct kvm_regs r;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0)
		return 0;
	return r.rip;
}

static void vcrash(struct mote_vm *vm, struct mote_result *res, uint64_t rip,
		   const char *fmt, va_list ap)
{
	char what[200];

	vsnprintf(what, sizeof(what), fmt, ap);
	res->outcome = MOTE_CRASHED;
	res->rip = rip;
	res->t_exit = mono_ns();
	snprintf(res->reason, sizeof(res->reason), "%s (rip 0x%llx)", what,
		 (unsigned long long)rip);
	(void)vm;
}

static void exits_crash(struct mote_vm *vm, struct mote_result *res,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void exits_crash(struct mote_vm *vm, struct mote_result *res,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcrash(vm, res, guest_rip(vm), fmt, ap);
	va_end(ap);
}

static void crash_at(struct mote_vm *vm, struct mote_result *res,
		     uint64_t rip, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void crash_at(struct mote_vm *vm, struct mote_result *res,
		     uint64_t rip, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcrash(vm, res, rip, fmt, ap);
	va_end(ap);
}

static const char *const vector_names[MOTE_EXCEPTION_VECTORS] = {
	[0] = "divide error (#DE)",
	[1] = "debug trap (#DB)",
	[2] = "NMI",
	[3] = "breakpoint (#BP)",
	[4] = "overflow (#OF)",
	[5] = "bound range exceeded (#BR)",
	[6] = "invalid opcode (#UD)",
	[7] = "device not available (#NM)",
	[8] = "double fault (#DF)",
	[10] = "invalid TSS (#TS)",
	[11] = "segment not present (#NP)",
	[12] = "stack fault (#SS)",
	[13] = "general protection fault (#GP)",
	[14] = "page fault (#PF)",
	[16] = "x87 floating-point error (#MF)",
	[17] = "alignment check (#AC)",
	[18] = "machine check (#MC)",
	[19] = "SIMD floating-point error (#XM)",
	[21] = "control protection (#CP)",
};

static int has_error_code(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	       v == 29 || v == 30;
}

/* Two bytes of guest code the guest itself can read, or -1. */
static int code_bytes(struct mote_vm *vm, uint64_t at, uint8_t out[2])
{
	const uint8_t *p = guest_mem_dma(&vm->gm, at, 2, 1, false);

	if (!p)
		return -1;
	memcpy(out, p, 2);
	return 0;
}

/*
 * A guest `syscall` (0f 05): on hardware KVM it raises #UD at the
 * instruction (EFER.SCE is clear); on PVM hosts it arrives as a #PF
 * executing address 0 with the return address in %rcx. Either way, name
 * it. rax is the guest's, saved by the stub before it used the register.
 */
static bool report_syscall(struct mote_vm *vm, struct mote_result *res,
			   uint64_t vector, uint64_t fault_rip,
			   const struct kvm_regs *r, const struct kvm_sregs *sr,
			   uint64_t rax)
{
	uint64_t at;
	uint8_t b[2];

	if (vector == 6)
		at = fault_rip;
	else if (vector == 14 && fault_rip == 0 && sr->cr2 == 0 && r->rcx >= 2)
		at = r->rcx - 2;
	else
		return false;
	if (code_bytes(vm, at, b) < 0 || b[0] != 0x0f || b[1] != 0x05)
		return false;
	crash_at(vm, res, at,
		 "guest crashed: system call %llu (syscall instruction at "
		 "0x%llx); guests have no system calls",
		 (unsigned long long)rax, (unsigned long long)at);
	return true;
}

/* An exception stub ran: report the vector and the faulting rip. */
static void handle_fault(struct mote_vm *vm, struct mote_result *res,
			 uint64_t vector)
{
	struct kvm_regs r;
	struct kvm_sregs sr;
	/* The stub pushed rax, then rdx; above them the CPU's frame:
	 * [error code,] rip. */
	uint64_t frame[4], stub_end = MOTE_STUBS_GPA + MOTE_PAGE_SIZE, rip;
	const char *name;
	char extra[96] = "";
	bool code;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0) {
		exits_crash(vm, res, "exception %llu", (unsigned long long)vector);
		return;
	}
	/* Only the stubs may use this doorbell; anyone else is lying. */
	if (r.rip < MOTE_STUBS_GPA || r.rip >= stub_end ||
	    vector >= MOTE_EXCEPTION_VECTORS ||
	    (r.rip - MOTE_STUBS_GPA) / MOTE_STUB_SIZE != vector) {
		crash_at(vm, res, r.rip,
			 "bad hypercall: FAULT is reserved for exception "
			 "stubs");
		return;
	}
	name = vector_names[vector] ? vector_names[vector] : "exception";
	/* Read that frame once, checked, from the guest's own stack. */
	if (guest_mem_read(&vm->gm, r.rsp, frame, sizeof(frame), 8) < 0) {
		crash_at(vm, res, 0, "guest crashed: %s with an unreadable "
			 "exception frame", name);
		return;
	}
	code = has_error_code(vector);
	rip = code ? frame[3] : frame[2];
	if (report_syscall(vm, res, vector, rip, &r, &sr, frame[1]))
		return;
	if (vector == 14)
		snprintf(extra, sizeof(extra), " %s address 0x%llx",
			 (frame[2] & 0x10)   ? "executing"
			 : (frame[2] & 0x02) ? "writing"
					     : "reading",
			 (unsigned long long)sr.cr2);
	crash_at(vm, res, rip, "guest crashed: %s%s", name, extra);
}

/*
 * Reads a hypercall's argument struct once, from memory the guest's own
 * page tables let it read (and write, when a result goes back into it);
 * a bad address stops the VM.
 */
static bool read_arg(struct mote_vm *vm, struct mote_result *res,
		     const char *hc, uint64_t gpa, void *a, size_t len,
		     bool written_back)
{
	const void *p = guest_mem_dma(&vm->gm, gpa, len, 8, written_back);

	if (p) {
		memcpy(a, p, len);
		return true;
	}
	exits_crash(vm, res,
		    "bad hypercall: %s argument at 0x%llx is not 8-byte "
		    "aligned %s memory",
		    hc, (unsigned long long)gpa,
		    written_back ? "guest-writable" : "guest-readable");
	return false;
}

/* Writes a hypercall's result back into its (checked) argument struct. */
static void put_result(struct mote_vm *vm, uint64_t gpa, size_t off,
		       uint64_t v)
{
	uint64_t *p = guest_mem_dma(&vm->gm, gpa + off, 8, 8, true);

	if (p)
		*p = v;
}

/* A hypercall's buffer: guest memory it may read (or write), or crash. */
static void *io_buffer(struct mote_vm *vm, struct mote_result *res,
		       const char *hc, const struct mote_hc_io *a, uint64_t max,
		       bool write)
{
	void *p;

	if (a->len > max) {
		exits_crash(vm, res, "bad hypercall: %s length %llu exceeds %llu",
			    hc, (unsigned long long)a->len,
			    (unsigned long long)max);
		return NULL;
	}
	if (!a->len)
		return vm->mem; /* not touched: nothing to move */
	p = guest_mem_dma(&vm->gm, a->buf, a->len, 1, write);
	if (!p)
		exits_crash(vm, res,
			    "bad hypercall: %s buffer 0x%llx+%llu is not "
			    "guest-%s memory",
			    hc, (unsigned long long)a->buf,
			    (unsigned long long)a->len,
			    write ? "writable" : "readable");
	return p;
}

/* WRITE: stdout or stderr, bounded by the run's output limit. */
static void hc_write(struct mote_vm *vm, struct mote_result *res,
		     uint64_t gpa, enum exit_action *next)
{
	struct mote_hc_io a;
	const void *buf;
	int64_t r = 0;

	if (!read_arg(vm, res, "WRITE", gpa, &a, sizeof(a), true))
		return;
	buf = io_buffer(vm, res, "WRITE", &a, MOTE_IO_MAX, false);
	if (!buf)
		return;
	if (a.fd != 1 && a.fd != 2) {
		r = -EBADF;
	} else if (vm->io.max_output &&
		   a.len > vm->io.max_output - vm->out_bytes) {
		res->outcome = MOTE_OUTPUT_LIMIT;
		res->t_exit = mono_ns();
		snprintf(res->reason, sizeof(res->reason),
			 "guest output exceeded the limit of %llu bytes; "
			 "stopped",
			 (unsigned long long)vm->io.max_output);
		return;
	} else if (a.len) {
#ifdef MOTE_TEST_SEAMS
		mote_test_console_hook();
#endif
		vm->out_bytes += a.len;
		r = vm->io.write(vm->io.ctx, (int)a.fd, buf, a.len);
	}
	put_result(vm, gpa, offsetof(struct mote_hc_io, result), (uint64_t)r);
	*next = EXIT_RESUME;
}

/* READ: stdin, into memory the guest may write. */
static void hc_read(struct mote_vm *vm, struct mote_result *res,
		    uint64_t gpa, enum exit_action *next)
{
	struct mote_hc_io a;
	void *buf;
	int64_t r = 0;

	if (!read_arg(vm, res, "READ", gpa, &a, sizeof(a), true))
		return;
	buf = io_buffer(vm, res, "READ", &a, MOTE_IO_MAX, true);
	if (!buf)
		return;
	if (a.fd != 0)
		r = -EBADF;
	else if (a.len)
		r = vm->io.read(vm->io.ctx, buf, a.len, vm->run_deadline);
	/* The run's time is up while the guest waited for input: the
	 * pending kick ends the run as soon as the guest is resumed. */
	if (r == -ETIMEDOUT)
		r = -EINTR;
	put_result(vm, gpa, offsetof(struct mote_hc_io, result), (uint64_t)r);
	*next = EXIT_RESUME;
}

/* ENTROPY: fresh random bytes, e.g. to reseed after a snapshot. */
static void hc_entropy(struct mote_vm *vm, struct mote_result *res,
		       uint64_t gpa, enum exit_action *next)
{
	struct mote_hc_io a;
	void *buf;
	ssize_t n = 0;

	if (!read_arg(vm, res, "ENTROPY", gpa, &a, sizeof(a), true))
		return;
	buf = io_buffer(vm, res, "ENTROPY", &a, MOTE_ENTROPY_MAX, true);
	if (!buf)
		return;
	if (a.fd == 0 && a.len)
		n = getrandom(buf, a.len, 0);
	put_result(vm, gpa, offsetof(struct mote_hc_io, result),
		   (uint64_t)(a.fd != 0		      ? -EBADF
			      : n == (ssize_t)a.len ? (int64_t)a.len
						    : -EIO));
	*next = EXIT_RESUME;
}

/* The guest blocks until its deadline (guest monotonic ns) or an event. */
static void hc_wait(struct mote_vm *vm, struct mote_result *res, uint64_t gpa,
		    enum exit_action *next)
{
	struct mote_hc_wait a;

	/* The result is written back: never into the guest's read-only
	 * pages (its code, boot info), which it could not write itself. */
	if (!read_arg(vm, res, "WAIT", gpa, &a, sizeof(a), true))
		return;
	/* From here until exits_wait_done the VM has a WAIT outstanding:
	 * whoever resumes it writes the result at wait_gpa first. */
	vm->wait_gpa = gpa;
	/* An event since the last WAIT ends this one at once: it may be the
	 * completion the guest missed just before it decided to wait. */
	if (vm_take_event(vm)) {
		exits_wait_done(vm, MOTE_WAIT_EVENT);
		*next = EXIT_RESUME;
		return;
	}
	/* Guest monotonic time starts at mono_offset for this VM (later
	 * than 0 in a snapshot's clone). */
	if (a.deadline_ns < vm->mono_offset)
		vm->wait_until = vm->mono_base;
	else if (__builtin_add_overflow(vm->mono_base,
					a.deadline_ns - vm->mono_offset,
					&vm->wait_until))
		vm->wait_until = UINT64_MAX;
	if (vm->wait_until <= mono_ns()) {
		exits_wait_done(vm, MOTE_WAIT_TIMEOUT);
		*next = EXIT_RESUME;
		return;
	}
	*next = EXIT_WAIT;
}

void exits_wait_done(struct mote_vm *vm, uint64_t result)
{
	/* hc_wait checked the address: in memory and guest-writable */
	put_result(vm, vm->wait_gpa, offsetof(struct mote_hc_wait, result),
		   result);
	/* The WAIT is over. Left set, the next resume of this VM (after a
	 * time slice, say) would write a result again, into what is by then
	 * some other part of the guest's stack. */
	vm->wait_gpa = 0;
}

/*
 * The snapshot point. Without a request it returns NONE at once (one
 * exit); with one, the guest is captured and the run ends: clones carry
 * on from here.
 */
static void hc_snapshot(struct mote_vm *vm, struct mote_result *res,
			uint64_t gpa, enum exit_action *next)
{
	struct mote_hc_snapshot a;
	struct mote_err err = { "" };

	if (!read_arg(vm, res, "SNAPSHOT", gpa, &a, sizeof(a), true))
		return;
	if (a.reserved != 0) {
		exits_crash(vm, res, "bad hypercall: SNAPSHOT reserved field "
			    "is 0x%llx, not 0", (unsigned long long)a.reserved);
		return;
	}
	if (!vm->snap_out) {
		put_result(vm, gpa, offsetof(struct mote_hc_snapshot, result),
			   MOTE_SNAPSHOT_NONE);
		*next = EXIT_RESUME;
		return;
	}
	res->t_exit = mono_ns();
	if (snapshot_take(vm, gpa, &err) < 0) {
		res->outcome = MOTE_FAILED;
		snprintf(res->reason, sizeof(res->reason), "%s", err.msg);
		return;
	}
	res->outcome = MOTE_SNAPSHOT_TAKEN;
	snprintf(res->reason, sizeof(res->reason), "snapshot taken");
}

/* The guest says it is ready: note when (the first time only), carry on. */
static void hc_ready(struct mote_vm *vm, struct mote_result *res,
		     uint64_t gpa, enum exit_action *next)
{
	struct mote_hc_ready a;

	if (!read_arg(vm, res, "READY", gpa, &a, sizeof(a), false))
		return;
	/* Reserved for later use: only 0 means what READY means today. */
	if (a.reserved != 0) {
		exits_crash(vm, res, "bad hypercall: READY reserved field is "
			    "0x%llx, not 0", (unsigned long long)a.reserved);
		return;
	}
	if (!res->t_ready)
		res->t_ready = mono_ns();
	*next = EXIT_RESUME;
}

static void hc_exit(struct mote_vm *vm, struct mote_result *res, uint64_t gpa)
{
	struct mote_hc_exit a;
	uint64_t d;

	if (!read_arg(vm, res, "EXIT", gpa, &a, sizeof(a), false))
		return;
	res->outcome = MOTE_EXITED;
	res->status = (int)(a.status & 0xff);
	res->t_exit = mono_ns();
	/* Convert the guest's entry TSC to host time; ignore nonsense. A
	 * snapshot's clone has no entry of its own: the TSC it reports is
	 * from the run the snapshot was taken in, another VM's. */
	if (!vm->overlay && a.entry_tsc >= vm->tsc_base && vm->tsc_hz) {
		d = (uint64_t)((unsigned __int128)(a.entry_tsc - vm->tsc_base) *
			       1000000000u / vm->tsc_hz);
		if (vm->mono_base + d <= res->t_exit)
			res->t_first_insn = vm->mono_base + d;
	}
}

/* An access to a virtio-mmio window (QueueNotify stores never get here:
 * their ioeventfd takes them in the kernel). */
static enum exit_action handle_device(struct mote_vm *vm,
				      struct mote_result *res)
{
	struct kvm_run *run = vm->run;
	uint64_t off = run->mmio.phys_addr - MOTE_DEVICE_GPA;
	struct mote_err err = { "" };
	unsigned i = (unsigned)(off / MOTE_DEVICE_SIZE);

	if (virtio_mmio_access(vm->dev[i], off % MOTE_DEVICE_SIZE,
			       run->mmio.data, run->mmio.len,
			       run->mmio.is_write, &err) < 0) {
		exits_crash(vm, res, "bad device access: device %u: %s", i,
			    err.msg);
		return EXIT_DONE;
	}
	return EXIT_RESUME;
}

static bool rex_w(uint8_t b)
{
	return (b & 0xf8) == 0x48;
}

/*
 * Whether the doorbell store came from one `mov %r64, (%r64)` (REX.W 89
 * /r with a register-indirect operand). KVM splits a wider store (a
 * 16-byte SSE move, say) into 8-byte pieces that each look like a
 * hypercall; looking at the instruction refuses those. For a store, KVM
 * has completed the instruction before the exit, so rip is just past it:
 * the forms are matched backwards, without and with a SIB byte, without
 * and with a zero displacement (as a compiler encodes (%rbp) or (%r13)).
 */
static bool one_mov_store(struct mote_vm *vm)
{
	struct kvm_regs r;
	const uint8_t *p = NULL;
	uint8_t b[4];

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 || r.rip < 4)
		return false;
	if (r.rip >= MOTE_STUBS_GPA + 4 &&
	    r.rip <= MOTE_STUBS_GPA + MOTE_PAGE_SIZE)
		p = vm->mem + r.rip - 4; /* the monitor's own stubs */
	else
		p = guest_mem_dma(&vm->gm, r.rip - 4, 4, 1, false);
	if (!p)
		return false;
	memcpy(b, p, 4);
	/* REX.W 89 modrm, mod 00, rm neither SIB (100) nor rip (101) */
	if (rex_w(b[1]) && b[2] == 0x89 && (b[3] >> 6) == 0 &&
	    (b[3] & 7) != 4 && (b[3] & 7) != 5)
		return true;
	/* REX.W 89 modrm(mod 01, rm != 100) disp8 0 */
	if (rex_w(b[0]) && b[1] == 0x89 && (b[2] >> 6) == 1 &&
	    (b[2] & 7) != 4 && b[3] == 0)
		return true;
	/* REX.W 89 modrm(mod 00, rm 100) SIB(no index, base not 101) */
	return rex_w(b[0]) && b[1] == 0x89 && (b[2] >> 6) == 0 &&
	       (b[2] & 7) == 4 && ((b[3] >> 3) & 7) == 4 && (b[3] & 7) != 5;
}

/* A store to the hypercall page: the number is the slot, the value the
 * argument's guest address. */
static enum exit_action handle_mmio(struct mote_vm *vm,
				    struct mote_result *res)
{
	struct kvm_run *run = vm->run;
	uint64_t addr = run->mmio.phys_addr, value, nr;
	enum exit_action next = EXIT_DONE;

	if (addr >= MOTE_DEVICE_GPA &&
	    addr < MOTE_DEVICE_GPA + vm->ndev * MOTE_DEVICE_SIZE)
		return handle_device(vm, res);
	if (addr < MOTE_HC_GPA || addr >= MOTE_HC_GPA + MOTE_PAGE_SIZE) {
		exits_crash(vm, res,
			    "guest crashed: access to unbacked address 0x%llx",
			    (unsigned long long)addr);
		return EXIT_DONE;
	}
	nr = (addr - MOTE_HC_GPA) / 8;
	if (!run->mmio.is_write || run->mmio.len != 8 || (addr & 7)) {
		exits_crash(vm, res,
			    "bad hypercall: slot %llu needs one aligned 64-bit "
			    "store",
			    (unsigned long long)nr);
		return EXIT_DONE;
	}
	if (!one_mov_store(vm)) {
		exits_crash(vm, res,
			    "bad hypercall: slot %llu needs one 64-bit mov "
			    "store from a general register",
			    (unsigned long long)nr);
		return EXIT_DONE;
	}
	memcpy(&value, run->mmio.data, sizeof(value));
	switch (nr) {
	case MOTE_HC_WRITE:
		hc_write(vm, res, value, &next);
		break;
	case MOTE_HC_RETIRED0:
		exits_crash(vm, res,
			    "bad hypercall: 0 was guest ABI 1's CONSOLE; use "
			    "WRITE");
		break;
	case MOTE_HC_READ:
		hc_read(vm, res, value, &next);
		break;
	case MOTE_HC_ENTROPY:
		hc_entropy(vm, res, value, &next);
		break;
	case MOTE_HC_WAIT:
		hc_wait(vm, res, value, &next);
		break;
	case MOTE_HC_EXIT:
		hc_exit(vm, res, value);
		break;
	case MOTE_HC_READY:
		hc_ready(vm, res, value, &next);
		break;
	case MOTE_HC_SNAPSHOT:
		hc_snapshot(vm, res, value, &next);
		break;
	case MOTE_HC_FAULT:
		handle_fault(vm, res, value);
		break;
	default:
		exits_crash(vm, res, "bad hypercall: unknown number %llu",
			    (unsigned long long)nr);
		break;
	}
	return next;
}

enum exit_action exits_handle(struct mote_vm *vm, struct mote_result *res)
{
	struct kvm_run *run = vm->run;

	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		exits_crash(vm, res, "guest crashed: triple fault");
		return EXIT_DONE;
	case KVM_EXIT_MMIO:
		return handle_mmio(vm, res);
	case KVM_EXIT_IO:
		exits_crash(vm, res, "guest crashed: port I/O to 0x%x",
			    run->io.port);
		return EXIT_DONE;
	case KVM_EXIT_FAIL_ENTRY:
		exits_crash(vm, res, "guest crashed: VM entry failed (0x%llx)",
			    (unsigned long long)run->fail_entry
				    .hardware_entry_failure_reason);
		return EXIT_DONE;
	case KVM_EXIT_INTERNAL_ERROR:
		exits_crash(vm, res, "guest crashed: KVM internal error %u",
			    run->internal.suberror);
		return EXIT_DONE;
	default:
		exits_crash(vm, res, "guest crashed: unexpected exit %u",
			    run->exit_reason);
		return EXIT_DONE;
	}
}
