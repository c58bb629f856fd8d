/*
 * Listening addresses: "ADDR:PORT", "[ADDR6]:PORT" or "unix:PATH", parsed
 * and bound before the jail (nothing can be bound inside it).
 */
#ifndef MOTE_SERVE_LISTEN_H
#define MOTE_SERVE_LISTEN_H

#include <sys/socket.h>

#include "../monitor/err.h"

struct serve_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned port; /* 0 for a unix socket */
};

/* Parses spec; the error names it. Returns 0 or -EINVAL. */
int serve_listen_parse(const char *spec, struct serve_addr *a,
		       struct mote_err *err);

/* A non-blocking, close-on-exec socket bound to a and listening; a stale
 * unix socket file is replaced. Returns the fd or a negative errno. */
int serve_listen_open(const char *spec, const struct serve_addr *a,
		      struct mote_err *err);

#endif
