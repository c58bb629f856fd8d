/*
 * Fills the first SECTORS sectors of a disk (default: all of it) with one
 * byte, flushes, prints "flushed", and exits 0; on a read-only disk, 1.
 */
#include "blk_common.h"
#include "mote.h"

#define CHUNK (256u << 10) /* bytes per write request */

static void usage(void)
{
	fputs("usage: blk-write BYTE-HEX [SECTORS] [-d DISK] [-w LINGER-MS]\n",
	      stderr);
	exit(2);
}

/* Sleeps ms after "flushed": a test kills the VM in that window, so what
 * it finds on disk cannot be owed to an orderly exit. */
static void linger(uint64_t ms)
{
	uint64_t end = mote_monotonic_ns() + ms * 1000000;

	while (mote_monotonic_ns() < end)
		mote_wait_until(end);
}

int main(int argc, char **argv)
{
	uint64_t byte = 0, sectors = 0, disk = 0, linger_ms = 0, total, off = 0;
	const char *pos[2] = {NULL, NULL};
	unsigned npos = 0, inflight = 0;
	struct mote_blk *b;
	size_t chunk;
	char *buf;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc &&
		    blk_parse_u64(argv[i + 1], 10, &disk) && disk < 1000)
			i++;
		else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc &&
			 blk_parse_u64(argv[i + 1], 10, &linger_ms) &&
			 linger_ms < 3600000)
			i++;
		else if (npos < 2 && argv[i][0] != '-')
			pos[npos++] = argv[i];
		else
			usage();
	}
	if (npos < 1 || !blk_parse_u64(pos[0], 16, &byte) || byte > 0xff ||
	    (npos == 2 && !blk_parse_u64(pos[1], 10, &sectors)))
		usage();
	b = blk_open_or_say("blk-write", (unsigned)disk);
	if (!b)
		return 1;
	if (mote_blk_read_only(b)) {
		fprintf(stderr, "blk-write: disk %u is read-only\n",
			(unsigned)disk);
		return 1;
	}
	if (npos < 2)
		sectors = mote_blk_sectors(b);
	if (sectors > mote_blk_sectors(b)) {
		fprintf(stderr,
			"blk-write: %llu sectors asked, disk has %llu\n",
			(unsigned long long)sectors,
			(unsigned long long)mote_blk_sectors(b));
		return 1;
	}
	total = sectors * MOTE_BLK_SECTOR;
	chunk = mote_blk_max_transfer(b) < CHUNK ? mote_blk_max_transfer(b)
						 : CHUNK;
	buf = aligned_alloc(4096, chunk);
	if (!buf) {
		fputs("blk-write: out of memory\n", stderr);
		return 1;
	}
	memset(buf, (int)byte, chunk);
	/* Every write carries the same bytes, so all requests in flight can
	 * share one buffer: the device only reads it. */
	while (off < total || inflight > 0) {
		struct mote_blk_done d[16];
		int n;

		while (off < total) {
			size_t len = total - off < chunk ? total - off : chunk;

			r = mote_blk_submit(b, MOTE_BLK_WRITE,
					    off / MOTE_BLK_SECTOR, buf, len,
					    (void *)(uintptr_t)(off + 1));
			if (r == -EAGAIN)
				break;
			if (r < 0)
				goto fail;
			inflight++;
			off += len;
		}
		n = mote_blk_wait(b, d, 16, UINT64_MAX);
		if (n < 0 ||
		    (n == 0 && inflight > 0 && mote_blk_inflight(b) == 0)) {
			r = n < 0 ? n : -EIO;
			goto fail;
		}
		for (int i = 0; i < n; i++) {
			inflight--;
			if (d[i].error) {
				r = d[i].error;
				goto fail;
			}
		}
	}
	r = mote_blk_flush(b);
	if (r < 0) {
		fprintf(stderr, "blk-write: flush: %s\n", strerror(-r));
		return 1;
	}
	printf("flushed\n");
	fflush(stdout);
	linger(linger_ms);
	return 0;
fail:
	fprintf(stderr, "blk-write: write: %s\n", strerror(-r));
	return 1;
}
