/*
 * mote-specific guest API: boot info, raw hypercalls, console I/O, clocks,
 * waits, entropy and the snapshot point. The C library (musl) is the rest.
 */
#ifndef MOTE_H
#define MOTE_H

#include <stddef.h>
#include <stdint.h>

#include "mote_abi.h"

/* The monitor's boot info (memory layout, TSC calibration, devices). */
const struct mote_boot_info *mote_boot_info(void);

/*
 * Raw hypercall number nr with the argument struct at arg: one 64-bit store
 * of arg to the doorbell at MOTE_HC_GPA + 8 * nr. Each is an exit to the
 * monitor (tens of microseconds), so batch work per call.
 */
void mote_hypercall(unsigned nr, void *arg);

/*
 * Console I/O, bypassing stdio's buffers. mote_write writes len bytes to
 * fd 1 (stdout) or 2 (stderr), one MOTE_HC_WRITE per MOTE_IO_MAX bytes,
 * and returns len, or a negative errno (-EPIPE: the reader is gone) if
 * nothing was written. mote_read is one MOTE_HC_READ from stdin: up to
 * len bytes (at most MOTE_IO_MAX), 0 at end of input, or a negative
 * errno; it blocks until input arrives.
 */
long mote_write(int fd, const void *buf, size_t len);
long mote_read(void *buf, size_t len);

/* len fresh random bytes from the host (MOTE_HC_ENTROPY, MOTE_ENTROPY_MAX
 * per exit): 0, or a negative errno. getrandom() and getentropy() use it. */
int mote_entropy(void *buf, size_t len);

/* Clocks computed from the TSC in the guest, without exiting to the
 * monitor: the guest monotonic clock (that of MOTE_HC_WAIT deadlines,
 * CLOCK_MONOTONIC) and wall time (CLOCK_REALTIME), in ns. */
uint64_t mote_monotonic_ns(void);
uint64_t mote_wall_ns(void);

/*
 * One MOTE_HC_WAIT: blocks, using no host CPU, until mote_monotonic_ns()
 * reaches deadline_ns or an event for this VM arrives, and returns why
 * (MOTE_WAIT_TIMEOUT or MOTE_WAIT_EVENT). A past deadline returns at once;
 * UINT64_MAX waits for an event only. It does not loop: callers that need
 * the time to have passed check the clock and call again (nanosleep does).
 */
uint64_t mote_wait_until(uint64_t deadline_ns);

/*
 * Tells the monitor that the guest is ready (initialised, about to do its
 * work or wait): one MOTE_HC_READY. `mote bench` times boots to this point.
 */
void mote_ready(void);

/*
 * The snapshot point (MOTE_HC_SNAPSHOT): call it once initialisation is
 * done. Returns MOTE_SNAPSHOT_NONE when the run takes no snapshot, and
 * MOTE_SNAPSHOT_CLONE in each clone started from it. A clone has its own
 * arguments, environment and input: the runtime has then switched environ
 * to the new environment and dropped anything stdin had buffered; the new
 * arguments are mote_boot_info()->argc and argv. The stack protector's
 * canary stays the snapshot's (frames in use hold it).
 */
uint64_t mote_snapshot(void);

/* TSC value read by the very first instruction of _start. */
uint64_t mote_entry_tsc(void);

static inline uint64_t mote_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
