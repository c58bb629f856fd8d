/*
 * The console as file descriptors 0, 1 and 2 (musl's read.o, write.o,
 * isatty.o, ioctl.o): read(0) is MOTE_HC_READ, write(1 or 2) is
 * MOTE_HC_WRITE; isatty and TIOCGWINSZ follow the boot info's flags.
 * Every other descriptor is EBADF: a guest opens no files.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mote.h"
#include "platform.h"

ssize_t read(int fd, void *buf, size_t len)
{
	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	long r = mote_read(buf, len);

	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	long r = mote_write(fd, buf, len);

	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static int is_tty(int fd)
{
	uint32_t flags = __mote_boot->flags;

	return (fd == 1 && (flags & MOTE_BOOT_STDOUT_TTY)) ||
	       (fd == 2 && (flags & MOTE_BOOT_STDERR_TTY));
}

int isatty(int fd)
{
	if (is_tty(fd))
		return 1;
	errno = (fd >= 0 && fd <= 2) ? ENOTTY : EBADF;
	return 0;
}

int ioctl(int fd, int req, ...)
{
	if (fd < 0 || fd > 2) {
		errno = EBADF;
		return -1;
	}
	if (req == TIOCGWINSZ && is_tty(fd)) {
		va_list ap;

		va_start(ap, req);
		struct winsize *ws = va_arg(ap, struct winsize *);
		va_end(ap);
		/* The monitor does not pass the terminal's size on. */
		*ws = (struct winsize){.ws_row = 24, .ws_col = 80};
		return 0;
	}
	errno = ENOTTY;
	return -1;
}
