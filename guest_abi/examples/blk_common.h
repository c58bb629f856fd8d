/*
 * Small helpers shared by the blk-* example guests: number parsing, the
 * "-d DISK" option, opening a disk with a one-line error.
 */
#ifndef BLK_COMMON_H
#define BLK_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mote_blk.h"

/* Parses all of s as an unsigned number in `base`; false on junk, a sign
 * or overflow (strtoull alone accepts "-1" as a huge value). */
static inline bool blk_parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*out = strtoull(s, &end, base);
	return errno == 0 && *end == '\0';
}

/* Opens disk n or prints why not and returns NULL. */
static inline struct mote_blk *blk_open_or_say(const char *prog, unsigned n)
{
	struct mote_blk *b;
	int r = mote_blk_open(n, &b);

	if (r < 0) {
		fprintf(stderr, "%s: cannot open disk %u: %s\n", prog, n,
			r == -ENODEV && n >= mote_blk_count() ? "no such disk"
							      : strerror(-r));
		return NULL;
	}
	return b;
}

/* Whole disk in bytes. */
static inline uint64_t blk_bytes(const struct mote_blk *b)
{
	return mote_blk_sectors(b) * MOTE_BLK_SECTOR;
}

#endif
