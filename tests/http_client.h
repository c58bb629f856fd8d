/*
 * The HTTP client side of the serve tests: curl for well-formed requests,
 * and a raw socket for the malformed ones curl will not send.
 */
#ifndef MOTE_TESTS_HTTP_CLIENT_H
#define MOTE_TESTS_HTTP_CLIENT_H

#include <stddef.h>

/* What one curl run got back: the header block and the body as bytes. */
struct http_reply {
	char head[8192], body[1 << 17];
	size_t body_len;
	unsigned status; /* 0 when no HTTP/1.1 status line came back */
};

/*
 * Runs `curl -s -D <file> ARGS`, ARGS being fmt formatted (a shell
 * fragment, so quote what needs it). curl gives up after 20 s times
 * time_scale().
 */
void http_curl(struct http_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The value of header name in r (case-blind), without the leading space,
 * or NULL. Points at a static buffer: copy it before the next call. */
const char *http_header(const struct http_reply *r, const char *name);

/*
 * Sends len bytes of req on a new connection to 127.0.0.1:port, then
 * collects what comes back until the server closes or wait_ms passes with
 * nothing more. out is always NUL-terminated; returns the bytes received.
 */
size_t http_raw(int port, const void *req, size_t len, char *out, size_t cap,
		int wait_ms);

/* http_raw() of a string literal, sent without its NUL: lengths of
 * hand-written requests are never counted by hand. */
#define HTTP_RAW_LIT(port, lit, out, cap, ms)                                 \
	http_raw((port), (lit), sizeof(lit) - 1, (out), (cap), (ms))

#endif
