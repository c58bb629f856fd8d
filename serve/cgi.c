/*
 * Strict parsing of a CGI header block: token names, no control characters
 * in values (no response splitting), no continuation lines, one Status:,
 * and none of the headers the server itself owns.
 */
#include "cgi.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 7230 tchar. */
static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool named(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* Headers whose value the server decides: framing, hop-by-hop, mote's own. */
static bool owned_by_server(const char *name, size_t n)
{
	static const char *const owned[] = {
		"Content-Length", "Transfer-Encoding", "Connection",
		"Keep-Alive",	  "Upgrade",	       "TE",
		"Trailer",	  "Date",	       "Server",
	};

	if (n >= 7 && strncasecmp(name, "X-Mote-", 7) == 0)
		return true;
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (named(name, n, owned[i]))
			return true;
	return false;
}

#define FAIL(...)                                                           \
	do {                                                                \
		snprintf(why, why_len, __VA_ARGS__);                        \
		return -1;                                                  \
	} while (0)

static int parse_status(const char *v, size_t n, unsigned *status, char *why,
			size_t why_len)
{
	unsigned s;

	if (n < 3 || v[0] < '1' || v[0] > '9' || v[1] < '0' || v[1] > '9' ||
	    v[2] < '0' || v[2] > '9' || (n > 3 && v[3] != ' '))
		FAIL("CGI Status '%.*s' does not start with a 3-digit code",
		     (int)(n > 40 ? 40 : n), v);
	s = (unsigned)(v[0] - '0') * 100 + (unsigned)(v[1] - '0') * 10 +
	    (unsigned)(v[2] - '0');
	if (s < 200 || s > 599)
		FAIL("CGI Status %u is outside 200-599", s);
	*status = s;
	return 0;
}

int cgi_parse(const char *buf, size_t len, struct cgi_response *r, char *why,
	      size_t why_len)
{
	size_t at = 0, limit = len < CGI_HEADER_MAX ? len : CGI_HEADER_MAX;
	bool have_status = false, have_location = false;

	memset(r, 0, sizeof(*r));
	for (unsigned line = 1;; line++) {
		const char *p = buf + at, *nl = memchr(p, '\n', limit - at);
		size_t n, name_len;
		const char *v, *end;

		if (!nl)
			FAIL("CGI header block has no blank line within its "
			     "first %zu bytes",
			     limit);
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		at = (size_t)(nl - buf) + 1;
		if (n == 0)
			break;
		if (p[0] == ' ' || p[0] == '\t')
			FAIL("CGI header line %u is a continuation line", line);
		for (name_len = 0; name_len < n && tchar((unsigned char)p[name_len]);
		     name_len++)
			;
		if (name_len == 0 || name_len == n || p[name_len] != ':')
			FAIL("CGI header line %u is not 'Name: value'", line);
		v = p + name_len + 1;
		end = p + n;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		for (const char *c = v; c < end; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
				FAIL("CGI header line %u has a control "
				     "character in its value",
				     line);
		if (named(p, name_len, "Status")) {
			if (have_status)
				FAIL("CGI Status given twice");
			if (parse_status(v, (size_t)(end - v), &r->status, why,
					 why_len) < 0)
				return -1;
			have_status = true;
			continue;
		}
		if (owned_by_server(p, name_len))
			FAIL("CGI header '%.*s' is set by the server",
			     (int)name_len, p);
		if (r->nheaders == CGI_MAX_HEADERS)
			FAIL("CGI header block has more than %d headers",
			     CGI_MAX_HEADERS);
		if (named(p, name_len, "Content-Type"))
			r->has_content_type = true;
		if (named(p, name_len, "Location"))
			have_location = true;
		r->headers[r->nheaders++] = (struct cgi_header){
			p, v, name_len, (size_t)(end - v)
		};
	}
	if (!have_status)
		r->status = have_location ? 302 : 200;
	r->body = at;
	return 0;
}
