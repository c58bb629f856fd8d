/*
 * The glibc-only fortified functions glibc_compat.c supplies, as Debian's
 * glibc-built static libraries call them; declared once, for the file
 * and its native test.
 */
#ifndef MOTE_GLIBC_COMPAT_H
#define MOTE_GLIBC_COMPAT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>

_Noreturn void __chk_fail(void);
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		   const char *fmt, ...);
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		    const char *fmt, va_list ap);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __vsprintf_chk(char *s, int flag, size_t slen, const char *fmt, va_list ap);
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen);
void *__memmove_chk(void *d, const void *s, size_t n, size_t dlen);
void *__memset_chk(void *d, int c, size_t n, size_t dlen);
char *__strcpy_chk(char *d, const char *s, size_t dlen);
char *__stpcpy_chk(char *d, const char *s, size_t dlen);
char *__strncpy_chk(char *d, const char *s, size_t n, size_t dlen);
char *__strcat_chk(char *d, const char *s, size_t dlen);
char *__strncat_chk(char *d, const char *s, size_t n, size_t dlen);
size_t __fread_chk(void *p, size_t plen, size_t size, size_t n, FILE *f);
char *__fgets_chk(char *s, size_t slen, int n, FILE *f);
ssize_t __read_chk(int fd, void *buf, size_t n, size_t blen);
_Noreturn void __longjmp_chk(jmp_buf env, int val);

#endif
