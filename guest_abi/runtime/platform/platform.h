/*
 * Declarations shared by the platform layer's files (the part of the
 * runtime that sits under musl); not for guests. Names start with __mote_.
 */
#ifndef MOTE_PLATFORM_H
#define MOTE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "mote_abi.h"

/* Set by start.S (entry TSC) and __mote_start (boot info). */
extern uint64_t __mote_entry_tsc_value;
extern const struct mote_boot_info *__mote_boot;

/* TSC ticks to ns with the boot info's calibration (truncating). */
uint64_t __mote_ticks_to_ns(uint64_t ticks);

/* Sets up stdin/stdout/stderr buffering from the boot flags. */
void __mote_stdio_init(void);
/* Drops whatever stdin had buffered (a snapshot clone has new input). */
void __mote_stdin_reset(void);

/* Blocks until the guest monotonic clock reaches deadline_ns. */
void __mote_sleep_until(uint64_t deadline_ns);

/* One line to stderr through MOTE_HC_WRITE, bypassing stdio. */
void __mote_complain(const char *msg);

#endif
