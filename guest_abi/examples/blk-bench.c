/*
 * Disk read benchmark: random 4 KiB reads at a given queue depth, or
 * sequential 1 MiB reads, for a given time; prints IOPS and MiB/s.
 */
#include "blk_common.h"
#include "mote.h"

#define RAND_BYTES     4096u
#define SEQ_BYTES      (1u << 20)
#define SEQ_DEFAULT_QD 4u
#define MAX_QD	       256u
#define HIST_US	       10000u /* latency histogram: 1 us buckets up to 10 ms */

static void usage(void)
{
	fputs("usage: blk-bench rand QD MS [-d DISK] [-s SPIN-US]\n"
	      "       blk-bench seq MS [QD] [-d DISK] [-s SPIN-US]\n",
	      stderr);
	exit(2);
}

/* xorshift64*: cheap, and good enough to spread offsets over the disk. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

struct bench {
	struct mote_blk *b;
	bool random;
	size_t req;	/* bytes per request */
	uint64_t units; /* request-sized units on the disk */
	uint64_t next;	/* sequential: the next unit */
	char *buf;
	uint64_t sent[MAX_QD];	    /* submit time of each slot's request */
	uint32_t hist[HIST_US + 1]; /* completion latencies; last: longer */
	uint64_t lat_max;
};

/* The latency (submit to completion seen) under which p of them fell. */
static unsigned percentile_us(const struct bench *x, uint64_t n, double p)
{
	uint64_t want = (uint64_t)((double)n * p), seen = 0;

	for (unsigned us = 0; us <= HIST_US; us++) {
		seen += x->hist[us];
		if (seen > want)
			return us;
	}
	return HIST_US;
}

static int submit(struct bench *x, unsigned slot)
{
	uint64_t unit = x->random ? rng() % x->units : x->next++ % x->units;

	x->sent[slot] = mote_monotonic_ns();
	return mote_blk_submit(x->b, MOTE_BLK_READ,
			       unit * (x->req / MOTE_BLK_SECTOR),
			       x->buf + (size_t)slot * x->req, x->req,
			       (void *)(uintptr_t)(slot + 1));
}

int main(int argc, char **argv)
{
	uint64_t disk = 0, qd = 0, ms = 0, spin_us = UINT64_MAX, done_n = 0;
	uint64_t t0, t1;
	const char *pos[3] = {NULL, NULL, NULL};
	unsigned npos = 0;
	static struct bench x; /* the histogram is big for the stack */
	double secs;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc &&
		    blk_parse_u64(argv[i + 1], 10, &disk) && disk < 1000)
			i++;
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc &&
			 blk_parse_u64(argv[i + 1], 10, &spin_us) &&
			 spin_us < 1000000)
			i++;
		else if (npos < 3 && argv[i][0] != '-')
			pos[npos++] = argv[i];
		else
			usage();
	}
	if (npos >= 1 && strcmp(pos[0], "rand") == 0 && npos == 3 &&
	    blk_parse_u64(pos[1], 10, &qd) && blk_parse_u64(pos[2], 10, &ms)) {
		x.random = true;
		x.req = RAND_BYTES;
	} else if (npos >= 2 && strcmp(pos[0], "seq") == 0 &&
		   blk_parse_u64(pos[1], 10, &ms) &&
		   (npos == 2 || blk_parse_u64(pos[2], 10, &qd))) {
		x.req = SEQ_BYTES;
		if (npos == 2)
			qd = SEQ_DEFAULT_QD;
	} else {
		usage();
	}
	if (qd < 1 || qd > MAX_QD || ms < 1 || ms > 3600000)
		usage();
	x.b = blk_open_or_say("blk-bench", (unsigned)disk);
	if (!x.b)
		return 1;
	if (spin_us != UINT64_MAX) /* else the runtime's default */
		mote_blk_set_spin(x.b, spin_us * 1000);
	if (qd > mote_blk_depth(x.b)) {
		fprintf(stderr,
			"blk-bench: queue depth %llu, device allows "
			"%u\n",
			(unsigned long long)qd, mote_blk_depth(x.b));
		return 1;
	}
	/* A device that splits 1 MiB gets the largest request it takes. */
	if (x.req > mote_blk_max_transfer(x.b))
		x.req = mote_blk_max_transfer(x.b) & ~(size_t)(RAND_BYTES - 1);
	x.units = blk_bytes(x.b) / x.req;
	if (x.req == 0 || x.units == 0) {
		fputs("blk-bench: disk smaller than one request\n", stderr);
		return 1;
	}
	x.buf = aligned_alloc(4096, (size_t)qd * x.req);
	if (!x.buf) {
		fputs("blk-bench: out of memory\n", stderr);
		return 1;
	}
	/* Touch every buffer page once: a first touch costs ~6 us on
	 * shadow-paging hosts and would be charged to the first requests. */
	memset(x.buf, 0, (size_t)qd * x.req);
	rng_state = mote_rdtsc() | 1;

	t0 = mote_monotonic_ns();
	t1 = t0 + ms * 1000000;
	for (unsigned s = 0; s < qd; s++)
		if ((r = submit(&x, s)) < 0)
			goto fail;
	for (;;) {
		struct mote_blk_done d[MAX_QD];
		int n = mote_blk_wait(x.b, d, MAX_QD, t1);
		uint64_t now = mote_monotonic_ns();

		if (n < 0) {
			r = n;
			goto fail;
		}
		for (int i = 0; i < n; i++) {
			unsigned slot = (unsigned)((uintptr_t)d[i].cookie - 1);
			uint64_t lat = now - x.sent[slot];

			if (d[i].error) {
				r = d[i].error;
				goto fail;
			}
			done_n++;
			x.hist[lat / 1000 < HIST_US ? lat / 1000 : HIST_US]++;
			if (lat > x.lat_max)
				x.lat_max = lat;
			if (now < t1 && (r = submit(&x, slot)) < 0)
				goto fail;
		}
		if (now >= t1)
			break;
	}
	secs = (double)(mote_monotonic_ns() - t0) / 1e9;
	printf("mode=%s qd=%llu req_bytes=%zu completed=%llu elapsed_ms=%.1f "
	       "notifies=%llu waits=%llu\n",
	       x.random ? "rand" : "seq", (unsigned long long)qd, x.req,
	       (unsigned long long)done_n, secs * 1e3,
	       (unsigned long long)mote_blk_notifies(x.b),
	       (unsigned long long)mote_blk_waits(x.b));
	printf("lat_p50_us=%u lat_p99_us=%u lat_max_us=%llu\n",
	       percentile_us(&x, done_n, 0.50), percentile_us(&x, done_n, 0.99),
	       (unsigned long long)(x.lat_max / 1000));
	printf("iops=%.0f\nbw_mib_s=%.1f\n", (double)done_n / secs,
	       (double)done_n * (double)x.req / secs / (1 << 20));
	return 0;
fail:
	fprintf(stderr, "blk-bench: read: %s\n", strerror(-r));
	return 1;
}
