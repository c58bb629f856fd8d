/*
 * Request-to-environment mapping (RFC 3875 section 4.1). Header values are
 * passed as received (MHD has already refused control characters); repeated
 * headers are joined with ", " as section 4.1.18 asks.
 */
#include "env.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool serve_env_header_name(const char *h, char *dst, size_t n)
{
	size_t len = strlen(h);

	if (len == 0 || len + 6 > n || strcasecmp(h, "Content-Type") == 0 ||
	    strcasecmp(h, "Content-Length") == 0 || strcasecmp(h, "Proxy") == 0)
		return false;
	memcpy(dst, "HTTP_", 5);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '-')
			dst[5 + i] = '_';
		else if (isalnum(c))
			dst[5 + i] = (char)toupper(c);
		else
			return false;
	}
	dst[5 + len] = '\0';
	return true;
}

/* SERVER_NAME from Host without its port, if it looks like a host name or
 * an address; otherwise the listening address. */
static void server_name(const struct serve_request_meta *m, char *dst,
			size_t n)
{
	const char *host = NULL;
	size_t len;

	for (unsigned i = 0; i < m->nheaders && !host; i++)
		if (strcasecmp(m->headers[i].name, "Host") == 0)
			host = m->headers[i].value;
	if (host && host[0] == '[')
		len = strcspn(host, "]") + (strchr(host, ']') ? 1 : 0);
	else
		len = host ? strcspn(host, ":") : 0;
	for (size_t i = 0; host && i < len; i++)
		if (!isalnum((unsigned char)host[i]) &&
		    !strchr(".-:[]", host[i]))
			len = 0;
	if (!host || len == 0 || len >= n) {
		snprintf(dst, n, "%s", m->server_addr);
		return;
	}
	memcpy(dst, host, len);
	dst[len] = '\0';
}

struct env_builder {
	char **vars;
	size_t n, cap, bytes, max;
	bool too_big, oom;
};

static void put(struct env_builder *b, const char *name, const char *value)
{
	size_t len = strlen(name) + 1 + strlen(value) + 1;
	char *s;

	if (b->too_big || b->oom)
		return;
	if (b->bytes + len + sizeof(char *) > b->max) {
		b->too_big = true;
		return;
	}
	if (b->n + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char **v = realloc(b->vars, cap * sizeof(*v));

		if (!v) {
			b->oom = true;
			return;
		}
		b->vars = v;
		b->cap = cap;
	}
	s = malloc(len);
	if (!s) {
		b->oom = true;
		return;
	}
	snprintf(s, len, "%s=%s", name, value);
	b->vars[b->n++] = s;
	b->bytes += len + sizeof(char *);
}

/* The value of header i joined with later headers of the same name, or
 * NULL when an earlier one already carried it. */
static char *joined_value(const struct serve_request_meta *m, unsigned i)
{
	const char *name = m->headers[i].name;
	size_t len = 0;
	char *v, *p;

	for (unsigned k = 0; k < i; k++)
		if (strcasecmp(m->headers[k].name, name) == 0)
			return NULL;
	for (unsigned k = i; k < m->nheaders; k++)
		if (strcasecmp(m->headers[k].name, name) == 0)
			len += strlen(m->headers[k].value) + 2;
	v = malloc(len + 1);
	if (!v)
		return NULL;
	p = v;
	for (unsigned k = i; k < m->nheaders; k++)
		if (strcasecmp(m->headers[k].name, name) == 0)
			p += sprintf(p, "%s%s", p == v ? "" : ", ",
				     m->headers[k].value);
	return v;
}

int serve_env_build(const struct serve_request_meta *m, size_t max_bytes,
		    char ***out)
{
	struct env_builder b = { .max = max_bytes };
	const char *content_type = NULL;
	char name[300], num[32], *block, **vars, *p;
	size_t total;

	for (unsigned i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, "Content-Type") == 0)
			content_type = m->headers[i].value;
	put(&b, "GATEWAY_INTERFACE", "CGI/1.1");
	put(&b, "SERVER_SOFTWARE", "mote");
	put(&b, "SERVER_PROTOCOL", m->protocol);
	server_name(m, name, sizeof(name));
	put(&b, "SERVER_NAME", name);
	put(&b, "SERVER_PORT", m->server_port);
	put(&b, "REQUEST_METHOD", m->method);
	put(&b, "REQUEST_URI", m->request_uri);
	snprintf(name, sizeof(name), "/fn/%s", m->function);
	put(&b, "SCRIPT_NAME", name);
	put(&b, "PATH_INFO", m->path_info);
	put(&b, "QUERY_STRING", m->query);
	put(&b, "REMOTE_ADDR", m->remote_addr);
	if (m->remote_port)
		put(&b, "REMOTE_PORT", m->remote_port);
	if (content_type)
		put(&b, "CONTENT_TYPE", content_type);
	if (m->has_body) {
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)m->content_length);
		put(&b, "CONTENT_LENGTH", num);
	}
	put(&b, "MOTE_FUNCTION", m->function);
	put(&b, "MOTE_REQUEST_ID", m->request_id);
	for (unsigned i = 0; i < m->nheaders; i++) {
		char *v;

		if (!serve_env_header_name(m->headers[i].name, name,
					   sizeof(name)))
			continue;
		v = joined_value(m, i);
		if (v) {
			put(&b, name, v);
			free(v);
		}
	}
	for (unsigned i = 0; i < m->nextra; i++) {
		const char *eq = strchr(m->extra[i], '=');

		snprintf(name, sizeof(name), "%.*s",
			 (int)(eq ? eq - m->extra[i] : 0), m->extra[i]);
		put(&b, name, eq ? eq + 1 : "");
	}
	/* Into one block: the fleet copies it, the caller frees it once. */
	total = (b.n + 1) * sizeof(char *);
	for (size_t i = 0; i < b.n; i++)
		total += strlen(b.vars[i]) + 1;
	block = b.too_big || b.oom ? NULL : malloc(total);
	if (block) {
		vars = (char **)block;
		p = block + (b.n + 1) * sizeof(char *);
		for (size_t i = 0; i < b.n; i++) {
			size_t len = strlen(b.vars[i]) + 1;

			vars[i] = memcpy(p, b.vars[i], len);
			p += len;
		}
		vars[b.n] = NULL;
		*out = vars;
	}
	for (size_t i = 0; i < b.n; i++)
		free(b.vars[i]);
	free(b.vars);
	if (b.too_big)
		return -E2BIG;
	return block ? 0 : -ENOMEM;
}
