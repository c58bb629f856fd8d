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

#include "../guest_abi/mote_abi.h"
#include "timeutil.h"
#include "virtio_mmio.h"
#include "vm_internal.h"

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

void exits_crash(struct mote_vm *vm, struct mote_result *res, const char *fmt,
		 ...)
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

/* An exception stub ran: report the vector and the faulting rip. */
static void handle_fault(struct mote_vm *vm, struct mote_result *res,
			 uint64_t vector)
{
	struct kvm_regs r;
	struct kvm_sregs sr;
	uint64_t frame[2], stub_end = MOTE_STUBS_GPA + MOTE_PAGE_SIZE;
	const char *name;
	char extra[96] = "";

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0) {
		exits_crash(vm, res, "exception %llu", (unsigned long long)vector);
		return;
	}
	/* Only the stubs may use this port; anyone else is lying. */
	if (r.rip < MOTE_STUBS_GPA || r.rip >= stub_end ||
	    vector >= MOTE_EXCEPTION_VECTORS ||
	    (r.rip - MOTE_STUBS_GPA) / MOTE_STUB_SIZE != vector) {
		crash_at(vm, res, r.rip,
			 "bad hypercall: FAULT is reserved for exception "
			 "stubs");
		return;
	}
	name = vector_names[vector] ? vector_names[vector] : "exception";
	/* The CPU pushed [error code,] rip: read that frame once, checked. */
	if (guest_mem_read(&vm->gm, r.rsp, frame, sizeof(frame), 8) < 0) {
		crash_at(vm, res, 0, "guest crashed: %s with an unreadable "
			 "exception frame", name);
		return;
	}
	if (vector == 14)
		snprintf(extra, sizeof(extra), " %s address 0x%llx",
			 (frame[0] & 0x10)   ? "executing"
			 : (frame[0] & 0x02) ? "writing"
					     : "reading",
			 (unsigned long long)sr.cr2);
	crash_at(vm, res, has_error_code(vector) ? frame[1] : frame[0],
		 "guest crashed: %s%s", name, extra);
}

/* Reads a hypercall's argument struct once; a bad address stops the VM. */
static bool read_arg(struct mote_vm *vm, struct mote_result *res,
		     const char *hc, uint64_t gpa, void *a, size_t len)
{
	if (guest_mem_read(&vm->gm, gpa, a, len, 8) == 0)
		return true;
	exits_crash(vm, res,
		    "bad hypercall: %s argument at 0x%llx is outside guest "
		    "memory or misaligned",
		    hc, (unsigned long long)gpa);
	return false;
}

/*
 * Empty here; the test-only monitor (tests/jail_escape.c) overrides it to
 * try escapes from a jailed vCPU thread while a guest runs.
 */
__attribute__((weak)) void mote_test_console_hook(void)
{
}

static void hc_console(struct mote_vm *vm, struct mote_result *res,
		       uint64_t gpa, enum exit_action *next)
{
	struct mote_hc_console a;
	const char *buf;

	if (!read_arg(vm, res, "CONSOLE", gpa, &a, sizeof(a)))
		return;
	if (a.len > MOTE_CONSOLE_MAX) {
		exits_crash(vm, res,
			    "bad hypercall: CONSOLE length %llu exceeds %u",
			    (unsigned long long)a.len, MOTE_CONSOLE_MAX);
		return;
	}
	if (a.len == 0) {
		*next = EXIT_RESUME;
		return;
	}
	buf = guest_mem_ptr(&vm->gm, a.buf, a.len, 1);
	if (!buf) {
		exits_crash(vm, res,
			    "bad hypercall: CONSOLE buffer 0x%llx+%llu is "
			    "outside guest memory",
			    (unsigned long long)a.buf, (unsigned long long)a.len);
		return;
	}
	mote_test_console_hook();
	vm->console(vm->console_ctx, buf, a.len);
	*next = EXIT_RESUME;
}

/* The guest blocks until its deadline (guest monotonic ns) or an event. */
static void hc_wait(struct mote_vm *vm, struct mote_result *res, uint64_t gpa,
		    enum exit_action *next)
{
	struct mote_hc_wait a;

	if (!read_arg(vm, res, "WAIT", gpa, &a, sizeof(a)))
		return;
	/* The result is written back: never into the guest's read-only
	 * pages (its code, boot info), which it could not write itself. */
	if (!vm_guest_writable(vm, gpa, sizeof(a))) {
		exits_crash(vm, res,
			    "bad hypercall: WAIT argument at 0x%llx is not in "
			    "guest-writable memory",
			    (unsigned long long)gpa);
		return;
	}
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
	if (__builtin_add_overflow(vm->mono_base, a.deadline_ns,
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
	uint64_t *p = guest_mem_ptr(&vm->gm,
				    vm->wait_gpa +
					    offsetof(struct mote_hc_wait, result),
				    sizeof(*p), 8);

	if (p)
		*p = result;
	/* The WAIT is over. Left set, the next resume of this VM (after a
	 * time slice, say) would write a result again, into what is by then
	 * some other part of the guest's stack. */
	vm->wait_gpa = 0;
}

/* The guest says it is ready: note when (the first time only), carry on. */
static void hc_ready(struct mote_vm *vm, struct mote_result *res,
		     uint64_t gpa, enum exit_action *next)
{
	struct mote_hc_ready a;

	if (!read_arg(vm, res, "READY", gpa, &a, sizeof(a)))
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

	if (!read_arg(vm, res, "EXIT", gpa, &a, sizeof(a)))
		return;
	res->outcome = MOTE_EXITED;
	res->status = (int)(a.status & 0xff);
	res->t_exit = mono_ns();
	/* Convert the guest's entry TSC to host time; ignore nonsense. */
	if (a.entry_tsc >= vm->tsc_base && vm->tsc_hz) {
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
	memcpy(&value, run->mmio.data, sizeof(value));
	switch (nr) {
	case MOTE_HC_CONSOLE:
		hc_console(vm, res, value, &next);
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
