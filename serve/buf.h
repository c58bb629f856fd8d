/*
 * A byte buffer in chunks that never move: appending never reallocates,
 * so a guest's output can grow on a vCPU thread without mremap, and a
 * reader keeps its place with a cursor.
 */
#ifndef MOTE_SERVE_BUF_H
#define MOTE_SERVE_BUF_H

#include <stddef.h>
#include <stdint.h>

/* The first chunk's size: a CGI header block must end inside it. */
#define SERVE_BUF_FIRST (16u << 10)
#define SERVE_BUF_CHUNK (64u << 10)

struct serve_chunk;

struct serve_buf {
	struct serve_chunk *head, *tail;
	uint64_t len;
};

/* Where a sequential reader is. Zero-initialised: the start. */
struct serve_buf_cursor {
	const struct serve_chunk *chunk;
	size_t at;     /* offset in chunk */
	uint64_t pos;  /* offset in the whole buffer */
};

/* Appends n bytes; 0 or -ENOMEM (then nothing was appended). */
int serve_buf_append(struct serve_buf *b, const void *p, size_t n);

/* Copies up to n bytes from the cursor on and advances it; returns the count. */
size_t serve_buf_read(const struct serve_buf *b, struct serve_buf_cursor *c,
		      void *dst, size_t n);

/* Moves the cursor to offset pos (at most b->len). */
void serve_buf_seek(const struct serve_buf *b, struct serve_buf_cursor *c,
		    uint64_t pos);

/* The first chunk's bytes (NULL and 0 when empty). */
const char *serve_buf_first(const struct serve_buf *b, size_t *len);

void serve_buf_free(struct serve_buf *b);

#endif
