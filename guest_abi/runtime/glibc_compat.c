/*
 * The glibc-only symbols that Debian's static libraries (built against
 * glibc with _FORTIFY_SOURCE) call and musl lacks: the fortified _chk
 * variants, which check a length against the object size the compiler
 * knew, then do the plain call, and __longjmp_chk. A failed check aborts
 * as glibc does ("*** buffer overflow detected ***"; the guest exits
 * 134). No hypercalls here: tests/guest_rt/compat_test.c runs this file
 * natively against musl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glibc_compat.h"


_Noreturn void __chk_fail(void)
{
	fputs("*** buffer overflow detected ***: terminated\n", stderr);
	abort();
}

/* `flag` asks glibc for extra %n checks; musl's printf is used as is. */
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		    const char *fmt, va_list ap)
{
	(void)flag;
	if (maxlen > slen)
		__chk_fail();
	return vsnprintf(s, maxlen, fmt, ap);
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
	va_end(ap);
	return r;
}

int __vsprintf_chk(char *s, int flag, size_t slen, const char *fmt, va_list ap)
{
	(void)flag;
	if (slen == 0)
		__chk_fail();
	int r = vsnprintf(s, slen, fmt, ap);

	if (r >= 0 && (size_t)r >= slen)
		__chk_fail();
	return r;
}

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = __vsprintf_chk(s, flag, slen, fmt, ap);
	va_end(ap);
	return r;
}

int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	return vfprintf(f, fmt, ap);
}

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = __vfprintf_chk(f, flag, fmt, ap);
	va_end(ap);
	return r;
}

int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	return __vfprintf_chk(stdout, flag, fmt, ap);
}

int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = __vfprintf_chk(stdout, flag, fmt, ap);
	va_end(ap);
	return r;
}

void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen)
{
	if (n > dlen)
		__chk_fail();
	return memcpy(d, s, n);
}

void *__memmove_chk(void *d, const void *s, size_t n, size_t dlen)
{
	if (n > dlen)
		__chk_fail();
	return memmove(d, s, n);
}

void *__memset_chk(void *d, int c, size_t n, size_t dlen)
{
	if (n > dlen)
		__chk_fail();
	return memset(d, c, n);
}

char *__strcpy_chk(char *d, const char *s, size_t dlen)
{
	size_t n = strlen(s) + 1;

	if (n > dlen)
		__chk_fail();
	return memcpy(d, s, n);
}

char *__stpcpy_chk(char *d, const char *s, size_t dlen)
{
	size_t n = strlen(s);

	if (n + 1 > dlen)
		__chk_fail();
	memcpy(d, s, n + 1);
	return d + n;
}

char *__strncpy_chk(char *d, const char *s, size_t n, size_t dlen)
{
	if (n > dlen)
		__chk_fail();
	return strncpy(d, s, n);
}

char *__strcat_chk(char *d, const char *s, size_t dlen)
{
	size_t dl = strlen(d), sl = strlen(s);

	if (dl + sl + 1 > dlen)
		__chk_fail();
	memcpy(d + dl, s, sl + 1);
	return d;
}

char *__strncat_chk(char *d, const char *s, size_t n, size_t dlen)
{
	size_t dl = strlen(d), sl = strnlen(s, n);

	if (dl + sl + 1 > dlen)
		__chk_fail();
	memcpy(d + dl, s, sl);
	d[dl + sl] = 0;
	return d;
}

size_t __fread_chk(void *p, size_t plen, size_t size, size_t n, FILE *f)
{
	size_t total;

	if (__builtin_mul_overflow(size, n, &total) || total > plen)
		__chk_fail();
	return fread(p, size, n, f);
}

char *__fgets_chk(char *s, size_t slen, int n, FILE *f)
{
	if (n < 0 || (size_t)n > slen)
		__chk_fail();
	return fgets(s, n, f);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t blen)
{
	if (n > blen)
		__chk_fail();
	return read(fd, buf, n);
}

/* glibc also checks that the jump goes up the stack; musl's longjmp is
 * the same jump otherwise, and the jmp_buf layouts agree (8 registers
 * first, 200 bytes in all). */
_Noreturn void __longjmp_chk(jmp_buf env, int val)
{
	longjmp(env, val);
}
