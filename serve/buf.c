/*
 * Chunked byte buffers (see buf.h): request bodies and guest output.
 */
#include "buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct serve_chunk {
	struct serve_chunk *next;
	size_t len, cap;
	char data[];
};

int serve_buf_append(struct serve_buf *b, const void *p, size_t n)
{
	const char *src = p;
	struct serve_chunk *first_new = NULL, *last = b->tail;
	size_t left = n, old_len = last ? last->len : 0;

	/* Fill the tail, then add chunks; on failure undo the new ones so
	 * the buffer is unchanged. */
	while (left) {
		struct serve_chunk *t = last;
		size_t k;

		if (!t || t->len == t->cap) {
			size_t cap = b->head ? SERVE_BUF_CHUNK : SERVE_BUF_FIRST;

			t = malloc(sizeof(*t) + cap);
			if (!t)
				goto fail;
			t->next = NULL;
			t->len = 0;
			t->cap = cap;
			if (last)
				last->next = t;
			else
				b->head = t;
			if (!first_new)
				first_new = t;
			last = t;
		}
		k = t->cap - t->len < left ? t->cap - t->len : left;
		memcpy(t->data + t->len, src, k);
		t->len += k;
		src += k;
		left -= k;
	}
	b->tail = last;
	b->len += n;
	return 0;
fail:
	/* Drop what was added: new chunks, and the old tail's new bytes. */
	while (first_new) {
		struct serve_chunk *next = first_new->next;

		free(first_new);
		first_new = next;
	}
	if (b->tail) {
		b->tail->next = NULL;
		b->tail->len = old_len;
	} else {
		b->head = NULL;
	}
	return -ENOMEM;
}

size_t serve_buf_read(const struct serve_buf *b, struct serve_buf_cursor *c,
		      void *dst, size_t n)
{
	char *out = dst;
	size_t done = 0;

	if (!c->chunk) {
		c->chunk = b->head;
		c->at = 0;
		c->pos = 0;
	}
	while (done < n && c->chunk) {
		size_t k = c->chunk->len - c->at;

		if (k == 0) {
			if (!c->chunk->next)
				break;
			c->chunk = c->chunk->next;
			c->at = 0;
			continue;
		}
		if (k > n - done)
			k = n - done;
		memcpy(out + done, c->chunk->data + c->at, k);
		c->at += k;
		c->pos += k;
		done += k;
	}
	return done;
}

void serve_buf_seek(const struct serve_buf *b, struct serve_buf_cursor *c,
		    uint64_t pos)
{
	c->chunk = b->head;
	c->at = 0;
	c->pos = 0;
	while (c->chunk && pos - c->pos > c->chunk->len - c->at) {
		c->pos += c->chunk->len;
		if (!c->chunk->next) {
			c->at = c->chunk->len;
			return;
		}
		c->chunk = c->chunk->next;
	}
	if (c->chunk) {
		c->at = (size_t)(pos - c->pos);
		c->pos = pos;
	}
}

const char *serve_buf_first(const struct serve_buf *b, size_t *len)
{
	*len = b->head ? b->head->len : 0;
	return b->head ? b->head->data : NULL;
}

void serve_buf_free(struct serve_buf *b)
{
	struct serve_chunk *c = b->head;

	while (c) {
		struct serve_chunk *next = c->next;

		free(c);
		c = next;
	}
	b->head = b->tail = NULL;
	b->len = 0;
}
