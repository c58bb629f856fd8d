/*
 * Reads a whole disk with the queued virtio-blk API, several requests in
 * flight, and prints the SHA-256 of its contents and its size in bytes.
 */
#include "blk_common.h"
#include "mote_sha256.h"

#define CHUNK (256u << 10) /* bytes per request */
#define NBUF  8u	   /* requests in flight */

static void usage(void)
{
	fputs("usage: blk-sum [-d DISK]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t disk = 0, size, submitted = 0, hashed = 0, nchunks;
	struct mote_sha256 sha;
	uint8_t digest[MOTE_SHA256_BYTES];
	char hex[2 * MOTE_SHA256_BYTES + 1];
	bool done[NBUF] = {false};
	struct mote_blk *b;
	size_t chunk;
	unsigned nbuf;
	char *buf;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc &&
		    blk_parse_u64(argv[i + 1], 10, &disk) && disk < 1000)
			i++;
		else
			usage();
	}
	b = blk_open_or_say("blk-sum", (unsigned)disk);
	if (!b)
		return 1;
	size = blk_bytes(b);
	chunk = mote_blk_max_transfer(b) < CHUNK ? mote_blk_max_transfer(b)
						 : CHUNK;
	nbuf = mote_blk_depth(b) < NBUF ? mote_blk_depth(b) : NBUF;
	nchunks = (size + chunk - 1) / chunk;
	buf = aligned_alloc(4096, (size_t)nbuf * chunk);
	if (!buf) {
		fputs("blk-sum: out of memory\n", stderr);
		return 1;
	}
	mote_sha256_init(&sha);
	/* Chunk c goes to buffer c % nbuf. Completions may come back in any
	 * order, but the hash must see the disk in order: a buffer is hashed
	 * once all chunks before it are, and only then reused. */
	while (hashed < nchunks) {
		struct mote_blk_done d[NBUF];
		int n;

		while (submitted < nchunks && submitted - hashed < nbuf) {
			uint64_t off = submitted * chunk;
			size_t len = size - off < chunk ? size - off : chunk;
			unsigned slot = (unsigned)(submitted % nbuf);
			int r = mote_blk_submit(b, MOTE_BLK_READ,
						off / MOTE_BLK_SECTOR,
						buf + (size_t)slot * chunk, len,
						(void *)(uintptr_t)(slot + 1));

			if (r == -EAGAIN)
				break;
			if (r < 0) {
				fprintf(stderr, "blk-sum: read at %llu: %s\n",
					(unsigned long long)off, strerror(-r));
				return 1;
			}
			done[slot] = false;
			submitted++;
		}
		n = mote_blk_wait(b, d, NBUF, UINT64_MAX);
		if (n == 0 && mote_blk_inflight(b) == 0)
			n = -EIO; /* nothing to wait for: cannot progress */
		if (n < 0) {
			fprintf(stderr, "blk-sum: device failed: %s\n",
				strerror(-n));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			unsigned slot = (unsigned)((uintptr_t)d[i].cookie - 1);

			if (d[i].error) {
				fprintf(stderr, "blk-sum: read failed: %s\n",
					strerror(-d[i].error));
				return 1;
			}
			done[slot] = true;
		}
		while (hashed < submitted && done[hashed % nbuf]) {
			uint64_t off = hashed * chunk;
			size_t len = size - off < chunk ? size - off : chunk;

			mote_sha256_update(
				&sha, buf + (size_t)(hashed % nbuf) * chunk,
				len);
			done[hashed % nbuf] = false;
			hashed++;
		}
	}
	mote_sha256_final(&sha, digest);
	mote_sha256_hex(digest, hex);
	printf("sha256=%s\nbytes=%llu\n", hex, (unsigned long long)size);
	return 0;
}
