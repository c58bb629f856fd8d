/*
 * Clocks from the TSC with the boot info's calibration, entirely inside
 * the guest (an exit would cost ~35 us): musl's clock_gettime.o and
 * clock_getres.o. musl's time(), gettimeofday() and clock() call these.
 */
#include <errno.h>
#include <time.h>

#include "mote.h"
#include "platform.h"

#define NS_PER_SEC 1000000000ULL

int __clock_gettime(clockid_t id, struct timespec *ts);

/*
 * ticks * 1e9 / hz, exactly (truncated) and without overflow, and without
 * the slow 128-bit division a 128-bit product would need: whole seconds
 * and the remainder separately. rem < hz, so rem * 1e9 fits in 64 bits for
 * any TSC below 18 GHz.
 */
uint64_t __mote_ticks_to_ns(uint64_t ticks)
{
	uint64_t hz = __mote_boot->tsc_hz;

	if (hz == 0)
		return 0;
	return ticks / hz * NS_PER_SEC + ticks % hz * NS_PER_SEC / hz;
}

/* ns since tsc_base; tsc_base is sampled before the guest runs, but never
 * wrap to the far future should the TSC read below it. */
static uint64_t since_base_ns(void)
{
	uint64_t tsc = mote_rdtsc(), base = __mote_boot->tsc_base;

	return tsc > base ? __mote_ticks_to_ns(tsc - base) : 0;
}

uint64_t mote_monotonic_ns(void)
{
	return __mote_boot->mono_ns + since_base_ns();
}

uint64_t mote_wall_ns(void)
{
	return __mote_boot->wall_ns + since_base_ns();
}

/* CPU time: the guest has one vCPU and nothing else runs on it, so the
 * time since its first instruction. */
static uint64_t cpu_ns(void)
{
	return __mote_ticks_to_ns(mote_rdtsc() - __mote_entry_tsc_value);
}

int __clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t ns;

	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		ns = mote_wall_ns();
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		ns = mote_monotonic_ns();
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		ns = cpu_ns();
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	ts->tv_sec = (time_t)(ns / NS_PER_SEC);
	ts->tv_nsec = (long)(ns % NS_PER_SEC);
	return 0;
}
int clock_gettime(clockid_t id, struct timespec *ts)
	__attribute__((weak, alias("__clock_gettime")));

int clock_getres(clockid_t id, struct timespec *res)
{
	struct timespec ts;

	if (__clock_gettime(id, &ts) < 0)
		return -1;
	if (res)
		*res = (struct timespec){.tv_sec = 0, .tv_nsec = 1};
	return 0;
}
