/*
 * The function contract's status table: each way a run can end, its
 * label and its HTTP status.
 */
#include <criterion/criterion.h>

#include "../../serve/outcome.h"

static enum serve_outcome of(enum mote_outcome o, int status, bool overflow)
{
	struct mote_result r = { .outcome = o, .status = status };

	return serve_outcome_of(&r, overflow);
}

Test(serve_outcome, runs_map_to_statuses)
{
	struct {
		enum mote_outcome o;
		int status;
		bool overflow;
		const char *name;
		unsigned http;
	} t[] = {
		{ MOTE_EXITED, 0, false, "ok", 200 },
		{ MOTE_EXITED, 3, false, "exit_error", 500 },
		{ MOTE_EXITED, 255, false, "exit_error", 500 },
		{ MOTE_CRASHED, 0, false, "crashed", 502 },
		{ MOTE_TIMED_OUT, 0, false, "timeout", 504 },
		{ MOTE_OUTPUT_LIMIT, 0, false, "output_limit", 502 },
		{ MOTE_FAILED, 0, false, "failed", 503 },
		{ MOTE_EXITED, 0, true, "output_limit", 502 },
		{ MOTE_CRASHED, 0, true, "output_limit", 502 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum serve_outcome o = of(t[i].o, t[i].status, t[i].overflow);

		cr_assert_str_eq(serve_outcome_name(o), t[i].name, "row %zu", i);
		cr_assert_eq(serve_outcome_status(o), t[i].http, "row %zu", i);
	}
}

Test(serve_outcome, server_side_outcomes)
{
	cr_assert_eq(serve_outcome_status(SERVE_QUEUE_FULL), 503);
	cr_assert(serve_outcome_retryable(SERVE_QUEUE_FULL));
	cr_assert_eq(serve_outcome_status(SERVE_DRAINING), 503);
	cr_assert(serve_outcome_retryable(SERVE_DRAINING));
	cr_assert_eq(serve_outcome_status(SERVE_FAILED), 503);
	cr_assert(serve_outcome_retryable(SERVE_FAILED));
	cr_assert_eq(serve_outcome_status(SERVE_TOO_LARGE), 413);
	cr_assert_eq(serve_outcome_status(SERVE_BAD_REQUEST), 431);
	cr_assert_eq(serve_outcome_status(SERVE_BAD_CGI), 502);
	cr_assert(!serve_outcome_retryable(SERVE_CRASHED));
	cr_assert(!serve_outcome_retryable(SERVE_OK));
	for (int o = 0; o < SERVE_NOUTCOMES; o++)
		cr_assert_str_neq(serve_outcome_name((enum serve_outcome)o), "?");
}
