/*
 * Sleeping without burning host CPU: the MOTE_HC_WAIT hypercall, and
 * nanosleep/usleep/sleep built on it with the guest's monotonic clock.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "mote.h"

#define NS_PER_SEC 1000000000ULL

uint64_t mote_wait_until(uint64_t deadline_ns)
{
	/* On the stack, not const or static: the monitor writes `result`
	 * back and refuses a struct the guest could not write itself. The
	 * hypercall's "memory" clobber makes the compiler re-read it. */
	struct mote_hc_wait hc = {
		.deadline_ns = deadline_ns,
		.result = MOTE_WAIT_TIMEOUT,
	};

	mote_hypercall(MOTE_HC_WAIT, &hc);
	return hc.result;
}

/* Waits until the guest monotonic clock reaches deadline_ns. An event
 * ends a wait early, and the monitor's clock may round differently from
 * ours, so only our own clock decides when the time has really passed. */
static void wait_until_passed(uint64_t deadline_ns)
{
	while (mote_monotonic_ns() < deadline_ns)
		mote_wait_until(deadline_ns);
}

/* now + ns, saturating one short of UINT64_MAX, which would mean "wait for
 * an event only" rather than a (584-year) deadline. */
static uint64_t deadline_after(uint64_t ns)
{
	uint64_t d;

	if (__builtin_add_overflow(mote_monotonic_ns(), ns, &d) ||
	    d == UINT64_MAX)
		d = UINT64_MAX - 1;
	return d;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	uint64_t ns;

	/* There are no signals, so a sleep is never interrupted and `rem`,
	 * written only on EINTR, is never touched. */
	(void)rem;
	if (req->tv_sec < 0 || req->tv_nsec < 0 ||
	    (unsigned long)req->tv_nsec >= NS_PER_SEC) {
		errno = EINVAL;
		return -1;
	}
	if (__builtin_mul_overflow((uint64_t)req->tv_sec, NS_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, (uint64_t)req->tv_nsec, &ns))
		ns = UINT64_MAX;
	wait_until_passed(deadline_after(ns));
	return 0;
}

int usleep(useconds_t usec)
{
	wait_until_passed(deadline_after((uint64_t)usec * 1000));
	return 0;
}

unsigned sleep(unsigned seconds)
{
	wait_until_passed(deadline_after((uint64_t)seconds * NS_PER_SEC));
	return 0;
}
