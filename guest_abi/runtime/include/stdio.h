/*
 * mote guest libc: <stdio.h>, output only. stdout is line buffered in the
 * guest; stderr goes out at the end of every call. There is no stdin.
 */
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)
#define BUFSIZ 4096

typedef struct __mote_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;
#define stdout stdout
#define stderr stderr

#define __mote_printf(f, a) __attribute__((format(printf, f, a)))

int printf(const char *restrict fmt, ...) __mote_printf(1, 2);
int fprintf(FILE *restrict f, const char *restrict fmt, ...)
	__mote_printf(2, 3);
int sprintf(char *restrict buf, const char *restrict fmt, ...)
	__mote_printf(2, 3);
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
	__mote_printf(3, 4);
int vprintf(const char *restrict fmt, va_list ap) __mote_printf(1, 0);
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
	__mote_printf(2, 0);
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
	__mote_printf(2, 0);
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap) __mote_printf(3, 0);

int putchar(int c);
int puts(const char *s);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int fputs(const char *restrict s, FILE *restrict f);
size_t fwrite(const void *restrict ptr, size_t size, size_t nmemb,
	      FILE *restrict f);
int fflush(FILE *f);
void perror(const char *s);

#endif
