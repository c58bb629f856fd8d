/*
 * The printf family that formats into memory: snprintf, vsnprintf,
 * sprintf and vsprintf, all over a bounded string sink.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct string_sink {
	struct __mote_sink sink;
	char *buf;
	size_t len; /* bytes stored so far */
	size_t cap; /* bytes that may be stored, excluding the NUL */
};

static void string_put(struct __mote_sink *sink, const char *p, size_t n)
{
	struct string_sink *s = (struct string_sink *)sink;
	size_t room = s->cap - s->len;
	size_t k = n < room ? n : room;

	memcpy(s->buf + s->len, p, k);
	s->len += k;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap)
{
	struct string_sink s = { { string_put }, buf, 0, size ? size - 1 : 0 };
	int n = __mote_vformat(&s.sink, fmt, ap);

	if (size)
		buf[s.len] = '\0';
	return n;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);

	va_end(ap);
	return n;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	/* Unbounded by definition; cap at what a pointer can address. */
	return vsnprintf(buf, SIZE_MAX - (uintptr_t)buf, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, SIZE_MAX - (uintptr_t)buf, fmt, ap);

	va_end(ap);
	return n;
}
