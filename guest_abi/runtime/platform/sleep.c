/*
 * Sleeping without burning host CPU: MOTE_HC_WAIT, in place of musl's
 * clock_nanosleep.o; musl's nanosleep, usleep and sleep call it.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "mote.h"
#include "platform.h"

#define NS_PER_SEC 1000000000ULL

int __clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
		      struct timespec *rem);

uint64_t mote_wait_until(uint64_t deadline_ns)
{
	/* On the stack, not const or static: the monitor writes `result`
	 * back and refuses a struct the guest could not write itself. */
	struct mote_hc_wait hc = {
		.deadline_ns = deadline_ns,
		.result = MOTE_WAIT_TIMEOUT,
	};

	mote_hypercall(MOTE_HC_WAIT, &hc);
	return hc.result;
}

/* An event ends a wait early, and the monitor's clock may round
 * differently from ours: only our own clock says the time has passed. */
void __mote_sleep_until(uint64_t deadline_ns)
{
	while (mote_monotonic_ns() < deadline_ns)
		mote_wait_until(deadline_ns);
}

/* a + b, saturating one short of UINT64_MAX, which would mean "wait for
 * an event only" rather than a (584-year) deadline. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t d;

	if (__builtin_add_overflow(a, b, &d) || d == UINT64_MAX)
		d = UINT64_MAX - 1;
	return d;
}

static uint64_t ts_ns(const struct timespec *ts)
{
	uint64_t ns;

	if (__builtin_mul_overflow((uint64_t)ts->tv_sec, NS_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, (uint64_t)ts->tv_nsec, &ns))
		ns = UINT64_MAX;
	return ns;
}

/* Returns an error number, as clock_nanosleep does. There are no
 * signals, so a sleep is never interrupted and `rem` is never written. */
int __clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
		      struct timespec *rem)
{
	(void)rem;
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L)
		return EINVAL;
	uint64_t now = mote_monotonic_ns(), ns = ts_ns(req), deadline;

	switch (clk) {
	case CLOCK_REALTIME:
		if (flags & TIMER_ABSTIME) {
			/* Wall time moves with the monotonic clock here. */
			uint64_t wall = mote_wall_ns();

			deadline = ns > wall ? add_sat(now, ns - wall) : now;
			break;
		}
		/* fall through */
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
		deadline = (flags & TIMER_ABSTIME) ? ns : add_sat(now, ns);
		if (deadline == UINT64_MAX)
			deadline--;
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return EINVAL;
	default:
		return EINVAL;
	}
	__mote_sleep_until(deadline);
	return 0;
}
int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
		    struct timespec *rem)
	__attribute__((weak, alias("__clock_nanosleep")));
