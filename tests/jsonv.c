/*
 * Recursive-descent JSON reader for the tests (RFC 8259 values; \u escapes
 * outside ASCII are kept as '?', which no test needs to read).
 */
#include "jsonv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct parser {
	const char *p;
	char *err;
	size_t errlen;
	int depth;
};

static struct jv *fail(struct parser *ps, const char *what)
{
	if (!ps->err[0])
		snprintf(ps->err, ps->errlen, "%s at \"%.20s\"", what, ps->p);
	return NULL;
}

static void ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' ||
	       *ps->p == '\r')
		ps->p++;
}

static struct jv *node(enum jv_type t)
{
	struct jv *v = calloc(1, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

static char *string(struct parser *ps)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (!s || *ps->p != '"')
		return free(s), NULL;
	ps->p++;
	while (*ps->p != '"') {
		char c = *ps->p++;

		if ((unsigned char)c < 0x20)
			return free(s), NULL;
		if (c == '\\') {
			c = *ps->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				unsigned u;

				if (sscanf(ps->p, "%4x", &u) != 1)
					return free(s), NULL;
				ps->p += 4;
				c = u < 0x80 ? (char)u : '?';
				break;
			}
			case '"':
			case '\\':
			case '/':
				break;
			default:
				return free(s), NULL;
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				return free(s), NULL;
			s = t;
		}
		s[n++] = c;
	}
	ps->p++;
	s[n] = '\0';
	return s;
}

static struct jv *value(struct parser *ps);

static bool push(struct jv *v, struct jv *item, char *key)
{
	struct jv **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	char **keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));

	if (items)
		v->items = items;
	if (keys)
		v->keys = keys;
	if (!items || !keys)
		return false;
	v->items[v->n] = item;
	v->keys[v->n] = key;
	v->n++;
	return true;
}

static struct jv *container(struct parser *ps, bool obj)
{
	struct jv *v = node(obj ? JV_OBJ : JV_ARR);
	char close = obj ? '}' : ']';

	if (!v || ++ps->depth > MAX_DEPTH)
		return jv_free(v), fail(ps, "too deep");
	ps->p++;
	ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jv *item;

		ws(ps);
		if (obj) {
			key = string(ps);
			ws(ps);
			if (!key || *ps->p++ != ':') {
				free(key);
				return jv_free(v), fail(ps, "bad object key");
			}
		}
		item = value(ps);
		if (!item || !push(v, item, key)) {
			free(key);
			jv_free(item);
			return jv_free(v), fail(ps, "bad value");
		}
		ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ != close)
			return jv_free(v), fail(ps, "expected , or close");
		ps->depth--;
		return v;
	}
}

static struct jv *value(struct parser *ps)
{
	struct jv *v;
	char *end;

	ws(ps);
	switch (*ps->p) {
	case '{':
		return container(ps, true);
	case '[':
		return container(ps, false);
	case '"':
		v = node(JV_STR);
		if (v && !(v->str = string(ps)))
			return jv_free(v), fail(ps, "bad string");
		return v;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};

		for (int i = 0; i < 3; i++)
			if (strncmp(ps->p, words[i], strlen(words[i])) == 0) {
				v = node(i == 2 ? JV_NULL : JV_BOOL);
				if (v)
					v->b = i == 0;
				ps->p += strlen(words[i]);
				return v;
			}
		return fail(ps, "bad literal");
	}
	default:
		if (*ps->p != '-' && !isdigit((unsigned char)*ps->p))
			return fail(ps, "unexpected character");
		v = node(JV_NUM);
		if (!v)
			return NULL;
		v->num = strtod(ps->p, &end);
		if (end == ps->p)
			return jv_free(v), fail(ps, "bad number");
		ps->p = end;
		return v;
	}
}

struct jv *jv_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = {text, err, errlen, 0};
	struct jv *v;

	err[0] = '\0';
	v = value(&ps);
	ws(&ps);
	if (v && *ps.p) {
		jv_free(v);
		return fail(&ps, "trailing text");
	}
	return v;
}

void jv_free(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jv_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

const struct jv *jv_path(const struct jv *v, const char *path)
{
	while (v && *path) {
		size_t len = strcspn(path, ".");
		const struct jv *next = NULL;

		if (v->type != JV_OBJ)
			return NULL;
		for (size_t i = 0; i < v->n && !next; i++)
			if (strlen(v->keys[i]) == len &&
			    strncmp(v->keys[i], path, len) == 0)
				next = v->items[i];
		v = next;
		path += len;
		if (*path == '.')
			path++;
	}
	return v;
}
