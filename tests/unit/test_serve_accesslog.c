/*
 * Access-log and guest-stderr lines: one valid JSON object per line
 * whatever the request or the guest put in them.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "../../serve/accesslog.h"
#include "../jsonv.h"

static struct jv *parse_line(const char *line, size_t len)
{
	char err[128];
	struct jv *v;

	cr_assert_gt(len, 2);
	cr_assert_eq(line[len - 1], '\n', "one line");
	cr_assert_null(memchr(line, '\n', len - 1), "one line only");
	v = jv_parse(line, err, sizeof(err));
	cr_assert_not_null(v, "%s: %s", err, line);
	return v;
}

Test(serve_accesslog, a_request_line)
{
	struct serve_log_entry e = {
		.time_ms = 1796000000123ull,
		.id = "0000000100000002",
		.function = "echo",
		.method = "POST",
		.path = "/fn/echo/\"quoted\"\\\x01\xff",
		.status = 200,
		.outcome = "ok",
		.exit_status = 0,
		.bytes_in = 1024,
		.bytes_out = 1024,
		.queue_us = 1,
		.start_us = 180,
		.run_us = 250,
		.total_us = 500,
		.from_pool = 1,
	};
	char line[SERVE_LOG_LINE_MAX];
	size_t n = serve_accesslog_format(&e, line, sizeof(line));
	struct jv *v = parse_line(line, n);

	cr_assert_str_eq(jv_path(v, "id")->str, "0000000100000002");
	cr_assert_str_eq(jv_path(v, "function")->str, "echo");
	cr_assert_str_eq(jv_path(v, "outcome")->str, "ok");
	cr_assert_str_eq(jv_path(v, "time")->str, "2026-11-30T00:53:20.123Z");
	cr_assert_eq(jv_path(v, "status")->num, 200);
	cr_assert_eq(jv_path(v, "exit_status")->num, 0);
	cr_assert_eq(jv_path(v, "bytes_in")->num, 1024);
	cr_assert_eq(jv_path(v, "bytes_out")->num, 1024);
	cr_assert_eq(jv_path(v, "queue_us")->num, 1);
	cr_assert_eq(jv_path(v, "start_us")->num, 180);
	cr_assert_eq(jv_path(v, "run_us")->num, 250);
	cr_assert_eq(jv_path(v, "total_us")->num, 500);
	cr_assert_str_eq(jv_path(v, "pool")->str, "hit");
	/* a byte that is not UTF-8 becomes \u00ff (tests/jsonv.c reads it
	 * back as '?') */
	cr_assert_not_null(strstr(line, "\\u0001\\u00ff\""));
	cr_assert_eq(strncmp(jv_path(v, "path")->str,
			     "/fn/echo/\"quoted\"\\\x01", 19), 0);
	jv_free(v);
}

Test(serve_accesslog, a_request_that_ran_nothing)
{
	struct serve_log_entry e = {
		.id = "0000000100000003",
		.method = "GET",
		.path = "/nope",
		.status = 404,
		.outcome = "none",
		.exit_status = -1,
		.from_pool = -1,
	};
	char line[SERVE_LOG_LINE_MAX];
	size_t n = serve_accesslog_format(&e, line, sizeof(line));
	struct jv *v = parse_line(line, n);

	cr_assert_eq(jv_path(v, "function")->type, JV_NULL);
	cr_assert_eq(jv_path(v, "exit_status")->type, JV_NULL);
	cr_assert_eq(jv_path(v, "pool")->type, JV_NULL);
	jv_free(v);
}

Test(serve_accesslog, guest_stderr_line)
{
	static const char text[] = "line one\nline \"two\"\t\x1b[31m\n";
	char line[4096];
	size_t n = serve_accesslog_stderr(0, "00000001000000ff", "crash", text,
					  sizeof(text) - 1, 77, line,
					  sizeof(line));
	struct jv *v = parse_line(line, n);

	cr_assert_str_eq(jv_path(v, "stderr")->str, text);
	cr_assert_eq(jv_path(v, "dropped")->num, 77);
	cr_assert_str_eq(jv_path(v, "id")->str, "00000001000000ff");
	jv_free(v);
}

Test(serve_accesslog, a_long_stderr_is_cut_but_stays_json)
{
	static char text[8192], line[1024];
	size_t n;
	struct jv *v;

	memset(text, '"', sizeof(text));
	n = serve_accesslog_stderr(0, "1", "f", text, sizeof(text), 0, line,
				   sizeof(line));
	v = parse_line(line, n);
	cr_assert_lt(strlen(jv_path(v, "stderr")->str), sizeof(text));
	jv_free(v);
}

Test(serve_accesslog, timestamps_in_utc)
{
	struct serve_log_entry e = { .id = "1", .outcome = "none",
				     .exit_status = -1, .from_pool = -1 };
	char line[SERVE_LOG_LINE_MAX];

	serve_accesslog_format(&e, line, sizeof(line));
	cr_assert_not_null(strstr(line, "\"1970-01-01T00:00:00.000Z\""), "%s",
			   line);
	e.time_ms = 951782400999ull; /* a leap day */
	serve_accesslog_format(&e, line, sizeof(line));
	cr_assert_not_null(strstr(line, "\"2000-02-29T00:00:00.999Z\""), "%s",
			   line);
	e.time_ms = 4102444799000ull;
	serve_accesslog_format(&e, line, sizeof(line));
	cr_assert_not_null(strstr(line, "\"2099-12-31T23:59:59.000Z\""), "%s",
			   line);
}
