/*
 * What happened to a request, as one label (metrics, access log) and one
 * HTTP status: the server's side of the function contract.
 */
#ifndef MOTE_SERVE_OUTCOME_H
#define MOTE_SERVE_OUTCOME_H

#include <stdbool.h>

#include "../monitor/vm.h"

enum serve_outcome {
	SERVE_OK,           /* exit 0 (CGI status, if any) */
	SERVE_EXIT_ERROR,   /* non-zero exit: 500 */
	SERVE_CRASHED,      /* fault or bad hypercall: 502 */
	SERVE_TIMEOUT,      /* per-function timeout: 504 */
	SERVE_OUTPUT_LIMIT, /* stdout past max-response, or output flood: 502 */
	SERVE_BAD_CGI,      /* malformed CGI header block: 502 */
	SERVE_FAILED,       /* the monitor could not run it (fds, memory): 503 */
	SERVE_QUEUE_FULL,   /* concurrency and queue both full: 503 */
	SERVE_DRAINING,     /* the server is shutting down: 503 */
	SERVE_TOO_LARGE,    /* body past max-request: 413 */
	SERVE_BAD_REQUEST,  /* too many headers, environment too large: 431 */
	SERVE_NOUTCOMES
};

/* "ok", "exit_error", "crashed", "timeout", "output_limit", "bad_cgi",
 * "failed", "queue_full", "draining", "too_large", "bad_request". */
const char *serve_outcome_name(enum serve_outcome o);

/* The HTTP status of an outcome (SERVE_OK: 200; a CGI status overrides). */
unsigned serve_outcome_status(enum serve_outcome o);

/* The outcome of a finished run; stdout_overflow: the guest wrote more
 * than max-response to stdout. */
enum serve_outcome serve_outcome_of(const struct mote_result *r,
				    bool stdout_overflow);

/* Whether a client may retry later (503s carry Retry-After). */
bool serve_outcome_retryable(enum serve_outcome o);

#endif
