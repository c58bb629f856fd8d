/*
 * Guest clocks: TSC readings converted with the boot info's calibration,
 * entirely inside the guest (an exit to the monitor would cost ~35 us).
 */
#include <errno.h>
#include <time.h>

#include "internal.h"
#include "mote.h"

#define NS_PER_SEC 1000000000ULL

/*
 * ticks * 1e9 / hz, exactly (truncated) and without overflow, and without
 * the slow 128-bit division a 128-bit product would need: whole seconds
 * and the remainder separately. rem < hz, so rem * 1e9 fits in 64 bits for
 * any TSC below 18 GHz.
 */
static uint64_t ticks_to_ns(uint64_t ticks)
{
	uint64_t hz = __mote_boot->tsc_hz;

	if (hz == 0)
		return 0;
	return ticks / hz * NS_PER_SEC + ticks % hz * NS_PER_SEC / hz;
}

/* ns since tsc_base, as the ABI defines the monotonic clock. */
uint64_t mote_monotonic_ns(void)
{
	uint64_t tsc = mote_rdtsc(), base = __mote_boot->tsc_base;

	/* tsc_base is sampled before the guest starts; never wrap to the far
	 * future should it not be. */
	return tsc > base ? ticks_to_ns(tsc - base) : 0;
}

uint64_t mote_wall_ns(void)
{
	return __mote_boot->wall_ns + mote_monotonic_ns();
}

static uint64_t since_entry_ns(void)
{
	return ticks_to_ns(mote_rdtsc() - __mote_entry_tsc_value);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t ns;

	switch (id) {
	case CLOCK_REALTIME:
		ns = mote_wall_ns();
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
		ns = mote_monotonic_ns();
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		ns = since_entry_ns();
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	ts->tv_sec = (time_t)(ns / NS_PER_SEC);
	ts->tv_nsec = (long)(ns % NS_PER_SEC);
	return 0;
}

time_t time(time_t *out)
{
	time_t t = (time_t)(mote_wall_ns() / NS_PER_SEC);

	if (out)
		*out = t;
	return t;
}

clock_t clock(void)
{
	return (clock_t)(since_entry_ns() / (NS_PER_SEC / CLOCKS_PER_SEC));
}
