/*
 * Console stdio under musl's: stdin, stdout and stderr themselves (in
 * place of musl's stdin.o, stdout.o, stderr.o) with 64 KiB buffers, and
 * the leaves musl's stdio calls to move bytes (__stdio_write.o,
 * __stdout_write.o, __stdio_read.o, __stdio_seek.o, __stdio_close.o),
 * each one MOTE_HC_WRITE or MOTE_HC_READ per up to MOTE_IO_MAX bytes.
 */
#include <errno.h>
#include <string.h>

#include "mote.h"
#include "musl_private.h"
#include "platform.h"

#define STDIO_BUF (64u * 1024)

size_t __stdio_read(FILE *f, unsigned char *buf, size_t len);
size_t __stdio_write(FILE *f, const unsigned char *buf, size_t len);
size_t __stdout_write(FILE *f, const unsigned char *buf, size_t len);
off_t __stdio_seek(FILE *f, off_t off, int whence);
int __stdio_close(FILE *f);
int __aio_close(int fd);

static unsigned char stdin_buf[MUSL_UNGET + STDIO_BUF];
static unsigned char stdout_buf[MUSL_UNGET + STDIO_BUF];
static unsigned char stderr_buf[MUSL_UNGET];

/* stdout starts fully buffered; __mote_stdio_init line-buffers it when
 * its host end is a terminal. stderr is unbuffered, as C requires. */
struct musl_file __stdin_FILE = {
	.buf = stdin_buf + MUSL_UNGET,
	.buf_size = STDIO_BUF,
	.fd = 0,
	.flags = MUSL_F_PERM | MUSL_F_NOWR,
	.read = __stdio_read,
	.seek = __stdio_seek,
	.close = __stdio_close,
	.lock = -1,
};
struct musl_file __stdout_FILE = {
	.buf = stdout_buf + MUSL_UNGET,
	.buf_size = STDIO_BUF,
	.fd = 1,
	.flags = MUSL_F_PERM | MUSL_F_NORD,
	.lbf = -1,
	.write = __stdio_write,
	.seek = __stdio_seek,
	.close = __stdio_close,
	.lock = -1,
};
struct musl_file __stderr_FILE = {
	.buf = stderr_buf + MUSL_UNGET,
	.buf_size = 0,
	.fd = 2,
	.flags = MUSL_F_PERM | MUSL_F_NORD,
	.lbf = -1,
	.write = __stdio_write,
	.seek = __stdio_seek,
	.close = __stdio_close,
	.lock = -1,
};
FILE *const stdin = (FILE *)&__stdin_FILE;
FILE *const stdout = (FILE *)&__stdout_FILE;
FILE *const stderr = (FILE *)&__stderr_FILE;
FILE *volatile __stdin_used = (FILE *)&__stdin_FILE;
FILE *volatile __stdout_used = (FILE *)&__stdout_FILE;
FILE *volatile __stderr_used = (FILE *)&__stderr_FILE;

void __mote_stdio_init(void)
{
	if (__mote_boot->flags & MOTE_BOOT_STDOUT_TTY)
		__stdout_FILE.lbf = '\n';
}

void __mote_stdin_reset(void)
{
	__stdin_FILE.rpos = __stdin_FILE.rend = 0;
	__stdin_FILE.flags &= ~(MUSL_F_EOF | MUSL_F_ERR);
}

/* Writes n bytes at p; on failure marks f as musl does and returns the
 * negative errno. */
static long put(struct musl_file *f, const void *p, size_t n)
{
	long r = n ? mote_write(f->fd, p, n) : 0;

	if (r >= 0 && (size_t)r == n)
		return r;
	f->wpos = f->wbase = f->wend = 0;
	f->flags |= MUSL_F_ERR;
	errno = r < 0 ? (int)-r : EIO;
	return r < 0 ? r : -EIO;
}

/* musl's contract: write out the buffer (wbase..wpos), then len bytes at
 * buf; return len once all is out. A short tail joins the buffered bytes
 * so that a line-buffered flush is one exit, not two. */
size_t __stdio_write(FILE *file, const unsigned char *buf, size_t len)
{
	struct musl_file *f = (struct musl_file *)file;
	size_t pending = (size_t)(f->wpos - f->wbase), want = len;

	if (pending && len && f->wend && (size_t)(f->wend - f->wpos) >= len) {
		memcpy(f->wpos, buf, len);
		f->wpos += len;
		pending += len;
		len = 0;
	}
	if (put(f, f->wbase, pending) < 0)
		return 0;
	f->wend = f->buf + f->buf_size;
	f->wpos = f->wbase = f->buf;
	if (put(f, buf, len) < 0)
		return 0;
	f->wend = f->buf + f->buf_size;
	f->wpos = f->wbase = f->buf;
	return want;
}

size_t __stdout_write(FILE *f, const unsigned char *buf, size_t len)
{
	return __stdio_write(f, buf, len);
}

/* musl's contract: return the bytes stored at buf (0 at end or error,
 * with F_EOF or F_ERR set); anything more read goes to rpos..rend. Reads
 * of a buffer's size or more go straight to the caller's memory. */
size_t __stdio_read(FILE *file, unsigned char *buf, size_t len)
{
	struct musl_file *f = (struct musl_file *)file;
	int direct = len >= f->buf_size;
	long r = mote_read(direct ? buf : f->buf, direct ? len : f->buf_size);

	if (r <= 0) {
		f->flags |= r ? MUSL_F_ERR : MUSL_F_EOF;
		if (r < 0)
			errno = (int)-r;
		return 0;
	}
	if (direct)
		return (size_t)r;
	size_t k = (size_t)r < len ? (size_t)r : len;

	memcpy(buf, f->buf, k);
	f->rpos = f->buf + k;
	f->rend = f->buf + r;
	return k;
}

/* The console is a stream: like a pipe, it cannot seek. */
off_t __stdio_seek(FILE *f, off_t off, int whence)
{
	(void)f, (void)off, (void)whence;
	errno = ESPIPE;
	return -1;
}

int __stdio_close(FILE *f)
{
	(void)f;
	return 0;
}

int __aio_close(int fd)
{
	return fd;
}

/* musl's getc.o, fgetc.o, getchar.o, putc.o, fputc.o and putchar.o carry
 * a futex wake for locked files; single-threaded, the unlocked forms do. */
int getc(FILE *f)
{
	return getc_unlocked(f);
}
int _IO_getc(FILE *f);
int _IO_getc(FILE *f)
{
	return getc_unlocked(f);
}
int fgetc(FILE *f)
{
	return getc_unlocked(f);
}
int getchar(void)
{
	return getc_unlocked(stdin);
}
int putc(int c, FILE *f)
{
	return putc_unlocked(c, f);
}
int _IO_putc(int c, FILE *f);
int _IO_putc(int c, FILE *f)
{
	return putc_unlocked(c, f);
}
int fputc(int c, FILE *f)
{
	return putc_unlocked(c, f);
}
int putchar(int c)
{
	return putc_unlocked(c, stdout);
}
