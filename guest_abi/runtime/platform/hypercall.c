/*
 * The hypercall primitive and the mote.h calls that are one hypercall
 * each: WRITE, READ, ENTROPY, READY, SNAPSHOT. Each is an exit to the
 * monitor (tens of microseconds), so callers batch.
 */
#include <errno.h>
#include <string.h>

#include "mote.h"
#include "musl_private.h"
#include "platform.h"

extern char **__environ;

void mote_hypercall(unsigned nr, void *arg)
{
	/* The doorbell page has no memory behind it, so this store exits.
	 * The "memory" clobber makes the argument struct (and any buffer it
	 * names) visible to the monitor first, and re-read afterwards for
	 * results written back into it. */
	__asm__ volatile("movq %0, (%1)"
			 :
			 : "r"((uint64_t)(uintptr_t)arg),
			   "r"(MOTE_HC_GPA + 8 * (uint64_t)nr)
			 : "memory");
}

/* One hypercall moving at most MOTE_IO_MAX bytes; the struct is on the
 * stack, where the monitor can write `result` back. */
static long io(unsigned nr, uint64_t fd, const void *buf, size_t len)
{
	struct mote_hc_io hc = {
		.fd = fd,
		.buf = (uint64_t)(uintptr_t)buf,
		.len = len < MOTE_IO_MAX ? len : MOTE_IO_MAX,
		.result = -EIO,
	};

	mote_hypercall(nr, &hc);
	return (long)hc.result;
}

long mote_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		long r = io(MOTE_HC_WRITE, (uint64_t)fd, p + done, len - done);

		if (r < 0)
			return done ? (long)done : r;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (long)done;
}

long mote_read(void *buf, size_t len)
{
	return io(MOTE_HC_READ, 0, buf, len);
}

int mote_entropy(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		size_t n = len < MOTE_ENTROPY_MAX ? len : MOTE_ENTROPY_MAX;
		long r = io(MOTE_HC_ENTROPY, 0, p, n);

		if (r <= 0)
			return r < 0 ? (int)r : -EIO;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

void mote_ready(void)
{
	struct mote_hc_ready hc = {.reserved = 0};

	mote_hypercall(MOTE_HC_READY, &hc);
}

uint64_t mote_snapshot(void)
{
	struct mote_hc_snapshot hc = {.reserved = 0,
				      .result = MOTE_SNAPSHOT_NONE};

	mote_hypercall(MOTE_HC_SNAPSHOT, &hc);
	if (hc.result == MOTE_SNAPSHOT_CLONE) {
		/* A clone: its own environment and input. argc/argv are
		 * read from mote_boot_info() by the caller. */
		const struct mote_boot_info *bi = __mote_boot;

		__environ = (char **)(uintptr_t)bi->envp;
		__libc.auxv = (size_t *)(uintptr_t)bi->auxv;
		__mote_stdin_reset();
	}
	return hc.result;
}

void __mote_complain(const char *msg)
{
	mote_write(2, msg, strlen(msg));
}
