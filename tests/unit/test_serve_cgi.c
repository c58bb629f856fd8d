/*
 * The CGI response header block a cgi=on function may write: what is
 * accepted, and the reason for every rejection (each is a 502).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "../../serve/cgi.h"

static struct cgi_response r;
static char why[160];

static int parse(const char *s)
{
	return cgi_parse(s, strlen(s), &r, why, sizeof(why));
}

static void expect_bad(const char *s, const char *reason)
{
	cr_assert_eq(parse(s), -1, "accepted: %s", s);
	cr_assert_str_eq(why, reason);
}

static void expect_header(unsigned i, const char *name, const char *value)
{
	cr_assert_lt(i, r.nheaders);
	cr_assert_eq(r.headers[i].name_len, strlen(name));
	cr_assert(strncmp(r.headers[i].name, name, strlen(name)) == 0);
	cr_assert_eq(r.headers[i].value_len, strlen(value), "%.*s",
		     (int)r.headers[i].value_len, r.headers[i].value);
	cr_assert(strncmp(r.headers[i].value, value, strlen(value)) == 0);
}

Test(serve_cgi, status_headers_and_body)
{
	const char *s = "Status: 201 Created\r\nContent-Type: text/plain\r\n"
			"X-Example: yes\r\n\r\nbody";

	cr_assert_eq(parse(s), 0, "%s", why);
	cr_assert_eq(r.status, 201);
	cr_assert_eq(r.nheaders, 2);
	expect_header(0, "Content-Type", "text/plain");
	expect_header(1, "X-Example", "yes");
	cr_assert(r.has_content_type);
	cr_assert_str_eq(s + r.body, "body");
}

Test(serve_cgi, bare_newlines_and_no_status)
{
	const char *s = "X-A:1\nX-B:   two words  \n\n";

	cr_assert_eq(parse(s), 0, "%s", why);
	cr_assert_eq(r.status, 200);
	expect_header(0, "X-A", "1");
	expect_header(1, "X-B", "two words");
	cr_assert(!r.has_content_type);
	cr_assert_eq(r.body, strlen(s));
}

Test(serve_cgi, empty_block_and_status_without_reason)
{
	cr_assert_eq(parse("\nrest"), 0);
	cr_assert_eq(r.nheaders, 0);
	cr_assert_eq(r.body, 1);
	cr_assert_eq(parse("Status: 404\n\n"), 0);
	cr_assert_eq(r.status, 404);
	cr_assert_eq(parse("status: 599 x\n\n"), 0, "names are case-blind");
	cr_assert_eq(r.status, 599);
}

Test(serve_cgi, location_alone_is_a_redirect)
{
	cr_assert_eq(parse("Location: https://example.com/\n\n"), 0);
	cr_assert_eq(r.status, 302);
	cr_assert_eq(parse("Status: 307\nLocation: /x\n\n"), 0);
	cr_assert_eq(r.status, 307);
}

Test(serve_cgi, rejects_malformed_blocks)
{
	expect_bad("", "CGI header block has no blank line within its first 0 "
		       "bytes");
	expect_bad("Content-Type: text/plain\n",
		   "CGI header block has no blank line within its first 25 "
		   "bytes");
	expect_bad("hello world\n\n", "CGI header line 1 is not 'Name: value'");
	expect_bad("X-A: 1\n: v\n\n", "CGI header line 2 is not 'Name: value'");
	expect_bad("X A: 1\n\n", "CGI header line 1 is not 'Name: value'");
	expect_bad("X-A : 1\n\n", "CGI header line 1 is not 'Name: value'");
	expect_bad("X-A: 1\n continued\n\n",
		   "CGI header line 2 is a continuation line");
	expect_bad("X-A: a\rb\n\n",
		   "CGI header line 1 has a control character in its value");
	expect_bad("X-A: a\x01\n\n",
		   "CGI header line 1 has a control character in its value");
	expect_bad("Status: 20\n\n",
		   "CGI Status '20' does not start with a 3-digit code");
	expect_bad("Status: 2000\n\n",
		   "CGI Status '2000' does not start with a 3-digit code");
	expect_bad("Status: OK\n\n",
		   "CGI Status 'OK' does not start with a 3-digit code");
	expect_bad("Status: 101 Switching\n\n",
		   "CGI Status 101 is outside 200-599");
	expect_bad("Status: 600\n\n", "CGI Status 600 is outside 200-599");
	expect_bad("Status: 200\nStatus: 201\n\n", "CGI Status given twice");
	expect_bad("Content-Length: 5\n\n",
		   "CGI header 'Content-Length' is set by the server");
	expect_bad("transfer-encoding: chunked\n\n",
		   "CGI header 'transfer-encoding' is set by the server");
	expect_bad("Connection: close\n\n",
		   "CGI header 'Connection' is set by the server");
	expect_bad("X-Mote-Request-Id: 1\n\n",
		   "CGI header 'X-Mote-Request-Id' is set by the server");
}

Test(serve_cgi, rejects_a_block_past_its_limit)
{
	static char big[CGI_HEADER_MAX + 64];

	memset(big, 'a', sizeof(big));
	memcpy(big, "X-A: ", 5);
	big[sizeof(big) - 3] = '\n';
	big[sizeof(big) - 2] = '\n';
	cr_assert_eq(cgi_parse(big, sizeof(big) - 1, &r, why, sizeof(why)), -1);
	cr_assert_str_eq(why, "CGI header block has no blank line within its "
			      "first 8192 bytes");
}

Test(serve_cgi, rejects_too_many_headers)
{
	static char s[CGI_MAX_HEADERS * 8 + 16];
	size_t n = 0;

	for (int i = 0; i <= CGI_MAX_HEADERS; i++)
		n += (size_t)sprintf(s + n, "X-%d: 1\n", i);
	s[n++] = '\n';
	cr_assert_eq(cgi_parse(s, n, &r, why, sizeof(why)), -1);
	cr_assert_str_eq(why, "CGI header block has more than 64 headers");
}
