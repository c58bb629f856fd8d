/*
 * The CGI response header block (RFC 3875 section 6) a cgi=on function
 * may start its output with, parsed strictly: anything malformed is a 502.
 */
#ifndef MOTE_SERVE_CGI_H
#define MOTE_SERVE_CGI_H

#include <stdbool.h>
#include <stddef.h>

#define CGI_MAX_HEADERS 64
/* The header block and its blank line end within this many bytes. */
#define CGI_HEADER_MAX 8192

struct cgi_header {
	const char *name, *value; /* into the parsed buffer, not terminated */
	size_t name_len, value_len;
};

struct cgi_response {
	unsigned status; /* Status:, 302 for a bare Location:, else 200 */
	struct cgi_header headers[CGI_MAX_HEADERS]; /* all but Status */
	unsigned nheaders;
	bool has_content_type;
	size_t body; /* offset of the body after the blank line */
};

/*
 * Parses the header block at the start of buf[0..len). Returns 0, or -1
 * with a one-line reason in why (for the server's log, not the client).
 */
int cgi_parse(const char *buf, size_t len, struct cgi_response *r, char *why,
	      size_t why_len);

#endif
