/*
 * SHA-256 (FIPS 180-4), streaming. Freestanding and hosted alike: the host
 * test suite compiles the same source to check it against test vectors.
 */
#ifndef MOTE_SHA256_H
#define MOTE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define MOTE_SHA256_BYTES 32

struct mote_sha256 {
	uint32_t h[8];
	uint64_t bytes;	   /* message length so far */
	uint8_t block[64]; /* a partial block */
	size_t used;	   /* bytes in block */
};

void mote_sha256_init(struct mote_sha256 *c);
void mote_sha256_update(struct mote_sha256 *c, const void *data, size_t len);
/* Writes the digest; c must be initialized again before reuse. */
void mote_sha256_final(struct mote_sha256 *c,
		       uint8_t digest[MOTE_SHA256_BYTES]);
/* The digest as 64 lowercase hex digits and a NUL. */
void mote_sha256_hex(const uint8_t digest[MOTE_SHA256_BYTES],
		     char hex[2 * MOTE_SHA256_BYTES + 1]);

#endif
