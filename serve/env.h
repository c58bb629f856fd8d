/*
 * A request as the guest's environment: the CGI/1.1 meta-variables of
 * RFC 3875, HTTP_* for request headers, MOTE_FUNCTION, MOTE_REQUEST_ID,
 * then the function's configured variables.
 */
#ifndef MOTE_SERVE_ENV_H
#define MOTE_SERVE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct serve_header {
	const char *name, *value;
};

struct serve_request_meta {
	const char *method;
	const char *path_info;   /* decoded, after /fn/NAME ("" if none) */
	const char *query;       /* raw, after '?' ("" if none) */
	const char *request_uri; /* raw request target */
	const char *protocol;    /* "HTTP/1.1" */
	const char *function, *request_id;
	const char *remote_addr, *remote_port; /* remote_port may be NULL */
	const char *server_addr, *server_port; /* the listening socket's */
	const struct serve_header *headers;
	unsigned nheaders;
	bool has_body;          /* Content-Length or chunked body */
	uint64_t content_length; /* bytes actually received */
	char *const *extra;     /* the function's env, NAME=VALUE */
	unsigned nextra;
};

/*
 * Builds a NULL-terminated environment in one allocation (free it with
 * free). Returns 0, -E2BIG when it would exceed max_bytes (strings and
 * pointers), or -ENOMEM.
 */
int serve_env_build(const struct serve_request_meta *m, size_t max_bytes,
		    char ***out);

/*
 * The HTTP_* name of a header into dst ("X-Foo" -> "HTTP_X_FOO"), or
 * false when the header is not passed: Content-Type and Content-Length
 * (they have their own variables), Proxy (httpoxy), and names with
 * characters other than letters, digits and '-' (an '_' would let two
 * headers map to one name).
 */
bool serve_env_header_name(const char *header, char *dst, size_t n);

#endif
