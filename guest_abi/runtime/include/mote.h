/*
 * mote-specific guest API: boot info, raw hypercalls, console, clocks, waits.
 * Everything else a guest needs comes from the standard-named headers here.
 */
#ifndef MOTE_H
#define MOTE_H

#include <stddef.h>
#include <stdint.h>

#include "mote_abi.h"

/* The monitor's boot info (argc/argv, memory layout, TSC calibration). */
const struct mote_boot_info *mote_boot_info(void);

/*
 * Raw hypercall number nr with the argument struct at arg: one 64-bit store
 * of arg to the doorbell at MOTE_HC_GPA + 8 * nr. Each is an exit to the
 * monitor (tens of microseconds), so batch work per call.
 */
void mote_hypercall(unsigned nr, void *arg);

/* Write bytes straight to the console, bypassing stdout's buffer. */
void mote_console_write(const char *buf, size_t len);

/* Clocks computed from the TSC in the guest, without exiting to the monitor. */
uint64_t mote_monotonic_ns(void);
uint64_t mote_wall_ns(void);

/*
 * One MOTE_HC_WAIT: blocks, using no host CPU, until mote_monotonic_ns()
 * reaches deadline_ns or an event for this VM arrives, and returns why
 * (MOTE_WAIT_TIMEOUT or MOTE_WAIT_EVENT). A past deadline returns at once;
 * UINT64_MAX waits for an event only. It does not loop: callers that need
 * the time to have passed check the clock and call again.
 */
uint64_t mote_wait_until(uint64_t deadline_ns);

/*
 * Tells the monitor that the guest is ready (initialised, about to do its
 * work or wait): one MOTE_HC_READY. `mote bench` times boots to this point.
 */
void mote_ready(void);

/* TSC value read by the very first instruction of _start. */
uint64_t mote_entry_tsc(void);

static inline uint64_t mote_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
