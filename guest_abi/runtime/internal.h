/*
 * Declarations shared between the runtime's own files; not for guests.
 * Internal names start with __mote_ so they cannot clash with guest code.
 */
#ifndef MOTE_RT_INTERNAL_H
#define MOTE_RT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "mote_abi.h"

/* Set by start.S (entry TSC) and __mote_init (boot info). */
extern uint64_t __mote_entry_tsc_value;
extern const struct mote_boot_info *__mote_boot;

/*
 * Where formatted output goes: a string buffer or a FILE. The engine hands
 * over runs of bytes rather than single characters to keep copies cheap.
 */
struct __mote_sink {
	void (*put)(struct __mote_sink *sink, const char *p, size_t n);
};

/* Printf conversion spec, as parsed by format.c. Flag bit i stands for
 * character i of "-0+ #". */
struct __mote_spec {
	unsigned flags;
	int width;
	int prec; /* -1 when absent */
	char conv;
};
#define __MOTE_F_MINUS 1u
#define __MOTE_F_ZERO 2u
#define __MOTE_F_PLUS 4u
#define __MOTE_F_SPACE 8u
#define __MOTE_F_HASH 16u

/* Returns the number of bytes produced (saturating at INT_MAX). */
int __mote_vformat(struct __mote_sink *sink, const char *fmt, va_list ap);

/* Formats one %f/%e/%g conversion; returns the bytes produced. */
size_t __mote_format_double(struct __mote_sink *sink,
			    const struct __mote_spec *spec, double x);

/* Emits n copies of c (used for padding); returns n. */
size_t __mote_pad(struct __mote_sink *sink, char c, size_t n);

#endif
