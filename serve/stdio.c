/*
 * A guest's standard streams over an invocation's buffers. These run on
 * vCPU threads: they only copy memory and allocate (no system calls
 * beyond malloc's), and a VM's calls never overlap.
 */
#include <errno.h>
#include <string.h>

#include "invoke.h"

static ssize_t inv_write(void *ctx, int fd, const void *buf, size_t len)
{
	struct serve_invocation *inv = ctx;

	if (fd == 2) {
		size_t room = SERVE_STDERR_MAX - inv->err_len;
		size_t k = len < room ? len : room;

		memcpy(inv->err + inv->err_len, buf, k);
		inv->err_len += k;
		inv->err_dropped += len - k;
		return (ssize_t)len;
	}
	if (inv->out_overflow || inv->out_oom)
		return -EPIPE;
	if (len > inv->max_response - inv->out.len) {
		/* The response cannot be whole: tell the guest its reader
		 * is gone; the request ends as output_limit. */
		inv->out_overflow = true;
		return -EPIPE;
	}
	if (serve_buf_append(&inv->out, buf, len) < 0) {
		inv->out_oom = true;
		return -ENOMEM;
	}
	return (ssize_t)len;
}

static ssize_t inv_read(void *ctx, void *buf, size_t len, uint64_t deadline)
{
	struct serve_invocation *inv = ctx;

	(void)deadline; /* the whole body is there before the guest starts */
	return (ssize_t)serve_buf_read(&inv->body, &inv->in, buf, len);
}

const struct mote_stdio serve_invocation_stdio = {
	.write = inv_write,
	.read = inv_read,
};
