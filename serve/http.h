/*
 * The HTTP front end: libmicrohttpd daemons (one per listening socket) in
 * external-epoll mode, run by the calling thread together with the
 * completions of invocations and the stop signal. Requests wait suspended,
 * so requests in flight cost no thread.
 */
#ifndef MOTE_SERVE_HTTP_H
#define MOTE_SERVE_HTTP_H

#include "../monitor/err.h"
#include "config.h"
#include "invoke.h"
#include "listen.h"

struct serve_http;

struct serve_http_config {
	const struct serve_config *cfg;
	const int *listen_fds; /* bound and listening, one per cfg->listen */
	const struct serve_addr *addrs;
	unsigned nlisten;
	const struct serve_backend *backend;
	int signal_fd; /* readable: start draining; -1: none */
	int log_fd;    /* access log and guest stderr lines (2) */
};

/* Creates the daemons; they take the listening sockets over. */
int serve_http_create(const struct serve_http_config *hc,
		      struct serve_http **out, struct mote_err *err);

/*
 * Serves until a stop (signal_fd or serve_http_stop), then drains: no new
 * connections, every request in flight answered, until cfg->drain_ns.
 * Returns 0 when everything drained, 1 when requests were still running
 * at the deadline (then do not destroy: guests are still running).
 */
int serve_http_run(struct serve_http *h);

/* Starts the drain from any thread (the tests' SIGTERM). */
void serve_http_stop(struct serve_http *h);

void serve_http_destroy(struct serve_http *h);

#endif
