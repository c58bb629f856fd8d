/*
 * The vCPU driving path: one step of KVM_RUN and exit dispatch, the end of
 * a WAIT, the run's deadline. The fleet's workers and the single-VM run
 * (mote_vm_run, below) both drive VMs only through drive().
 */
#include "drive.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "exits.h"
#include "kick.h"
#include "timeutil.h"
#include "vm_fleet.h"
#include "vm_struct.h"

enum step {
	STEP_DONE,   /* the run ended; res is filled (or the monitor failed) */
	STEP_WAIT,   /* the guest waits: vm->wait_until */
	STEP_KICKED, /* KVM_RUN was interrupted by the kick signal */
};

/* Runs the vCPU until done, a wait, or a kick. */
static enum step vm_step(struct mote_vm *vm, struct mote_result *res)
{
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				kick_drain();
				return STEP_KICKED;
			}
			res->outcome = MOTE_FAILED;
			res->t_exit = mono_ns();
			snprintf(res->reason, sizeof(res->reason),
				 "KVM_RUN: %s", strerror(errno));
			return STEP_DONE;
		}
		switch (exits_handle(vm, res)) {
		case EXIT_RESUME:
			continue;
		case EXIT_WAIT:
			return STEP_WAIT;
		case EXIT_DONE:
			return STEP_DONE;
		}
	}
}

static void timed_out(struct mote_vm *vm, struct mote_result *res)
{
	res->outcome = MOTE_TIMED_OUT;
	res->t_exit = mono_ns();
	snprintf(res->reason, sizeof(res->reason), "timed out after %llu ms",
		 (unsigned long long)(vm->run_timeout_ns / 1000000));
}

uint64_t drive_wake_at(const struct mote_vm *vm)
{
	return vm->wait_until < vm->run_deadline ? vm->wait_until
						 : vm->run_deadline;
}

enum drive_stop drive(struct mote_vm *vm, uint64_t until, timer_t *timer,
		      struct mote_result *res)
{
	uint64_t now = mono_ns(), end;
	enum step s;

	if (now >= vm->run_deadline) {
		timed_out(vm, res);
		return DRIVE_DONE;
	}
	/* A guest back from WAIT learns why: an event, or its deadline. */
	if (vm->wait_gpa) {
		if (vm_take_event(vm))
			exits_wait_done(vm, MOTE_WAIT_EVENT);
		else if (now >= vm->wait_until)
			exits_wait_done(vm, MOTE_WAIT_TIMEOUT);
		else
			return DRIVE_WAIT; /* woken early by nothing: wait on */
	}
	end = until < vm->run_deadline ? until : vm->run_deadline;
	if (timer && end != UINT64_MAX)
		kick_timer_arm(*timer, end);
	s = vm_step(vm, res);
	if (timer && end != UINT64_MAX) {
		kick_timer_arm(*timer, 0);
		kick_drain();
	}
	switch (s) {
	case STEP_DONE:
		return DRIVE_DONE;
	case STEP_WAIT:
		return DRIVE_WAIT;
	case STEP_KICKED:
		break;
	}
	if (mono_ns() >= vm->run_deadline) {
		timed_out(vm, res);
		return DRIVE_DONE;
	}
	return DRIVE_YIELD;
}

/*
 * Sleeps until a device event or `until` (CLOCK_MONOTONIC ns). The kick
 * signal stays blocked here, so a timeout that fires meanwhile waits
 * pending for the next KVM_RUN.
 */
static void wait_event_until(struct mote_vm *vm, uint64_t until)
{
	uint64_t now, v;

	while (!vm_event_pending(vm) && (now = mono_ns()) < until) {
		struct timespec ts;
		struct pollfd p = { .fd = vm->wake_fd, .events = POLLIN };

		if (vm->wake_fd < 0) {
			/* No device: only time can end the wait. */
			ts.tv_sec = (time_t)(until / 1000000000ull);
			ts.tv_nsec = (long)(until % 1000000000ull);
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
			continue;
		}
		ts.tv_sec = (time_t)((until - now) / 1000000000ull);
		ts.tv_nsec = (long)((until - now) % 1000000000ull);
		if (ppoll(&p, 1, &ts, NULL) > 0)
			while (read(vm->wake_fd, &v, sizeof(v)) < 0 &&
			       errno == EINTR)
				;
	}
}

int mote_vm_run(struct mote_vm *vm, uint64_t timeout_ns,
		struct mote_result *res)
{
	timer_t timer;
	bool have_timer = false;
	enum drive_stop d;

	memset(res, 0, sizeof(*res));
	res->t_start = mono_ns();
	vm_set_deadline(vm, timeout_ns ? res->t_start + timeout_ns : UINT64_MAX,
			timeout_ns);
	if (timeout_ns) {
		if (kick_timer_create(&timer) < 0) {
			res->outcome = MOTE_FAILED;
			snprintf(res->reason, sizeof(res->reason),
				 "cannot arm timeout: %s", strerror(errno));
			return -1;
		}
		have_timer = true;
	}
	/* Device events wake this thread, through wake_fd. */
	vm_set_waker(vm, NULL, NULL);
	/* Nothing else to run in this thread: between steps, sleep until an
	 * event, the guest's deadline or the run's. */
	while ((d = drive(vm, UINT64_MAX, have_timer ? &timer : NULL, res)) !=
	       DRIVE_DONE)
		if (d == DRIVE_WAIT)
			wait_event_until(vm, drive_wake_at(vm));
	if (have_timer) {
		timer_delete(timer);
		kick_drain();
	}
	return res->outcome == MOTE_FAILED ? -1 : 0;
}
