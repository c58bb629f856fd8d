/*
 * Running a vCPU: one step of the run loop, and the direct (single-thread)
 * run used by `mote run`.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "kick.h"
#include "timeutil.h"
#include "vm_internal.h"

enum step vm_step(struct mote_vm *vm, struct mote_result *res)
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

static void timed_out(struct mote_result *res, uint64_t timeout_ns)
{
	res->outcome = MOTE_TIMED_OUT;
	res->t_exit = mono_ns();
	snprintf(res->reason, sizeof(res->reason), "timed out after %llu ms",
		 (unsigned long long)(timeout_ns / 1000000));
}

int mote_vm_run(struct mote_vm *vm, uint64_t timeout_ns,
		struct mote_result *res)
{
	uint64_t deadline = UINT64_MAX;
	timer_t timer;
	int armed = 0;

	memset(res, 0, sizeof(*res));
	res->t_start = mono_ns();
	if (timeout_ns) {
		deadline = res->t_start + timeout_ns;
		if (kick_timer_create(&timer) < 0)
			goto no_timer;
		armed = 1;
		if (kick_timer_arm(timer, deadline) < 0)
			goto no_timer;
	}
	vm->run_deadline = deadline;
	/* Device events wake this thread, through wake_fd. */
	vm_set_waker(vm, NULL, NULL);
	for (;;) {
		enum step s = vm_step(vm, res);

		if (s == STEP_DONE)
			break;
		if (s == STEP_WAIT) {
			/* Nothing else to run in this thread: sleep until an
			 * event, the guest's deadline or the run's. */
			wait_event_until(vm, vm->wait_until < deadline
						     ? vm->wait_until
						     : deadline);
			if (vm_take_event(vm)) {
				exits_wait_done(vm, MOTE_WAIT_EVENT);
				continue;
			}
			if (mono_ns() >= vm->wait_until) {
				exits_wait_done(vm, MOTE_WAIT_TIMEOUT);
				continue;
			}
		}
		if (mono_ns() >= deadline) {
			timed_out(res, timeout_ns);
			break;
		}
	}
	if (armed) {
		timer_delete(timer);
		kick_drain();
	}
	return res->outcome == MOTE_FAILED ? -1 : 0;
no_timer:
	res->outcome = MOTE_FAILED;
	snprintf(res->reason, sizeof(res->reason), "cannot arm timeout: %s",
		 strerror(errno));
	if (armed)
		timer_delete(timer);
	return -1;
}
