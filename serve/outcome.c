/*
 * The outcome table: one row per outcome, its label and its status.
 */
#include "outcome.h"

static const struct {
	const char *name;
	unsigned status;
} table[SERVE_NOUTCOMES] = {
	[SERVE_OK] = { "ok", 200 },
	[SERVE_EXIT_ERROR] = { "exit_error", 500 },
	[SERVE_CRASHED] = { "crashed", 502 },
	[SERVE_TIMEOUT] = { "timeout", 504 },
	[SERVE_OUTPUT_LIMIT] = { "output_limit", 502 },
	[SERVE_BAD_CGI] = { "bad_cgi", 502 },
	[SERVE_FAILED] = { "failed", 503 },
	[SERVE_QUEUE_FULL] = { "queue_full", 503 },
	[SERVE_DRAINING] = { "draining", 503 },
	[SERVE_TOO_LARGE] = { "too_large", 413 },
	[SERVE_BAD_REQUEST] = { "bad_request", 431 },
};

const char *serve_outcome_name(enum serve_outcome o)
{
	return o < SERVE_NOUTCOMES ? table[o].name : "?";
}

unsigned serve_outcome_status(enum serve_outcome o)
{
	return o < SERVE_NOUTCOMES ? table[o].status : 500;
}

enum serve_outcome serve_outcome_of(const struct mote_result *r,
				    bool stdout_overflow)
{
	/* Past max-response the body is incomplete, however the guest ended. */
	if (stdout_overflow)
		return SERVE_OUTPUT_LIMIT;
	switch (r->outcome) {
	case MOTE_EXITED:
		return r->status == 0 ? SERVE_OK : SERVE_EXIT_ERROR;
	case MOTE_CRASHED:
		return SERVE_CRASHED;
	case MOTE_TIMED_OUT:
		return SERVE_TIMEOUT;
	case MOTE_OUTPUT_LIMIT:
		return SERVE_OUTPUT_LIMIT;
	default:
		return SERVE_FAILED;
	}
}

bool serve_outcome_retryable(enum serve_outcome o)
{
	return o == SERVE_FAILED || o == SERVE_QUEUE_FULL || o == SERVE_DRAINING;
}
