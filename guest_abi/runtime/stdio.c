/*
 * stdout and stderr and the printf/puts family that writes to them. Each
 * flush is one MOTE_HC_CONSOLE exit, so output is batched in the guest.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "mote.h"

enum buffering { LINE_BUFFERED, FLUSH_EVERY_CALL };

struct __mote_file {
	char *buf;
	size_t len;
	enum buffering mode;
	int saw_newline; /* during the current call */
};

/* One console hypercall carries at most this much, so a full buffer
 * flushes in exactly one exit. */
#define FILE_BUF MOTE_CONSOLE_MAX

static char stdout_buf[FILE_BUF], stderr_buf[FILE_BUF];
static struct __mote_file stdout_file = { stdout_buf, 0, LINE_BUFFERED, 0 };
static struct __mote_file stderr_file = { stderr_buf, 0, FLUSH_EVERY_CALL, 0 };
FILE *const stdout = &stdout_file;
FILE *const stderr = &stderr_file;

static void flush(FILE *f)
{
	if (f->len > 0)
		mote_console_write(f->buf, f->len);
	f->len = 0;
}

static void file_write(FILE *f, const char *p, size_t n)
{
	if (!f->saw_newline && memchr(p, '\n', n))
		f->saw_newline = 1;
	while (n > 0) {
		if (f->len == 0 && n >= FILE_BUF) {
			/* Whole buffers' worth: skip the copy. */
			size_t k = n - n % FILE_BUF;

			mote_console_write(p, k);
			p += k;
			n -= k;
			continue;
		}
		size_t k = FILE_BUF - f->len < n ? FILE_BUF - f->len : n;

		memcpy(f->buf + f->len, p, k);
		f->len += k;
		p += k;
		n -= k;
		if (f->len == FILE_BUF)
			flush(f);
	}
}

/* Every stdio call is bracketed by these. stderr output must not overtake
 * stdout output printed before it, so stdout is flushed first. */
static void call_begin(FILE *f)
{
	if (f == stderr)
		flush(stdout);
}

static void call_end(FILE *f)
{
	/* Line buffering, but one exit per call rather than per line. */
	if (f->mode == FLUSH_EVERY_CALL || f->saw_newline)
		flush(f);
	f->saw_newline = 0;
}

struct file_sink {
	struct __mote_sink sink;
	FILE *f;
};

static void file_put(struct __mote_sink *sink, const char *p, size_t n)
{
	file_write(((struct file_sink *)sink)->f, p, n);
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct file_sink s = { { file_put }, f };

	call_begin(f);
	int n = __mote_vformat(&s.sink, fmt, ap);

	call_end(f);
	return n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);

	va_end(ap);
	return n;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);

	va_end(ap);
	return n;
}

size_t fwrite(const void *restrict ptr, size_t size, size_t nmemb,
	      FILE *restrict f)
{
	size_t n;

	if (size == 0 || nmemb == 0)
		return 0;
	if (__builtin_mul_overflow(size, nmemb, &n))
		return 0;
	call_begin(f);
	file_write(f, ptr, n);
	call_end(f);
	return nmemb;
}

int fputs(const char *restrict s, FILE *restrict f)
{
	call_begin(f);
	file_write(f, s, strlen(s));
	call_end(f);
	return 0;
}

int puts(const char *s)
{
	call_begin(stdout);
	file_write(stdout, s, strlen(s));
	file_write(stdout, "\n", 1);
	call_end(stdout);
	return 0;
}

int fputc(int c, FILE *f)
{
	char ch = (char)c;

	call_begin(f);
	file_write(f, &ch, 1);
	call_end(f);
	return (unsigned char)ch;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fflush(FILE *f)
{
	if (f) {
		flush(f);
	} else {
		flush(stdout);
		flush(stderr);
	}
	return 0;
}
