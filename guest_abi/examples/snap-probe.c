/*
 * Probes what a snapshot's clone gets: `snap-probe [MODE]` initialises
 * (state in .data, the heap and TLS), reaches its snapshot point, then
 * reports in `key=value` lines what it found:
 *   init=   the state its initialisation left (the same in every clone)
 *   clone=  1 when it runs as a clone, 0 when the call returned at once
 *   leak=   0 when no earlier clone's writes are visible, else 1
 *   random= the AT_RANDOM bytes of this start (hex)
 *   entropy= 16 bytes of mote_entropy() (hex)
 *   mono_ns= the monotonic clock just before and after the point
 *   wall_ns= the wall clock after the point
 *   argv= / env= the clone's own command line and $PROBE
 * Modes: `inflight` makes a disk read available and does not kick or wait
 * before the snapshot point (it must be refused); `ready` calls mote_ready() at once
 * in a clone (for the restore benchmark) and prints nothing more; `idle
 * SECONDS` makes a clone wait that long without using CPU (for the
 * benchmark of clones' memory).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "mote.h"
#include "mote_blk.h"

#define MIB (1u << 20)

static unsigned long init_sum;        /* .bss, set by the initialisation */
static char written_by_clone[64];     /* zero at the snapshot point */
static __thread unsigned tls_value;   /* TLS, set by the initialisation */

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void hex(const char *key, const unsigned char *p, size_t n)
{
	printf("%s=", key);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned char *heap = malloc(8 * MIB), ent[16];
	static char disk_buf[4096] __attribute__((aligned(4096)));
	struct mote_blk *b;
	uint64_t before, after, result;
	int leak = 0;

	if (!heap)
		return 1;
	/* Initialisation: 8 MiB of heap and some state everywhere. */
	for (size_t i = 0; i < 8 * MIB; i++)
		heap[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < 8 * MIB; i += 4096)
		init_sum += heap[i + 1];
	tls_value = 4242;
	if (strcmp(mode, "inflight") == 0 && mote_blk_open(0, &b) == 0) {
		/* Made available, and the device not told: certainly not
		 * taken yet when the snapshot point comes. */
		mote_blk_submit(b, MOTE_BLK_READ, 0, disk_buf, sizeof(disk_buf),
				NULL);
	}
	fflush(stdout);
	before = mono();
	result = mote_snapshot();
	after = mono();
	if (result == MOTE_SNAPSHOT_CLONE && strcmp(mode, "ready") == 0) {
		mote_ready();
		return 0;
	}
	if (result == MOTE_SNAPSHOT_CLONE && strcmp(mode, "idle") == 0) {
		const struct mote_boot_info *bi = mote_boot_info();
		char **cargv = (char **)(uintptr_t)bi->argv;
		uint64_t secs = bi->argc > 2 ? strtoull(cargv[2], NULL, 10) : 10;

		mote_ready();
		sleep((unsigned)secs);
		return 0;
	}
	for (size_t i = 0; i < sizeof(written_by_clone); i++)
		leak |= written_by_clone[i] != 0;
	/* The heap as the initialisation left it, whatever earlier clones
	 * wrote over it (one byte in each 64 KiB, below). */
	for (size_t i = 0; i < 8 * MIB; i += 64 * 1024)
		leak |= heap[i] != (unsigned char)(i * 7);
	snprintf(written_by_clone, sizeof(written_by_clone), "clone of %p",
		 (void *)heap);
	printf("init=%lu,%u,%u\n", init_sum, tls_value, heap[8 * MIB - 1]);
	printf("clone=%d\n", result == MOTE_SNAPSHOT_CLONE);
	printf("leak=%d\n", leak);
	hex("random", (const unsigned char *)getauxval(AT_RANDOM), 16);
	if (mote_entropy(ent, sizeof(ent)) == 0)
		hex("entropy", ent, sizeof(ent));
	printf("mono_ns=%llu,%llu\n", (unsigned long long)before,
	       (unsigned long long)after);
	printf("wall_ns=%llu\n", (unsigned long long)mote_wall_ns());
	{
		const struct mote_boot_info *bi = mote_boot_info();
		char **cargv = (char **)(uintptr_t)bi->argv;
		const char *env = getenv("PROBE");

		printf("argv=");
		for (uint64_t i = 1; i < bi->argc; i++)
			printf("%s%s", i > 1 ? " " : "", cargv[i]);
		printf("\nenv=%s\n", env ? env : "");
	}
	/* Dirty the inherited heap: the next clone must not see it. */
	for (size_t i = 0; i < 8 * MIB; i += 64 * 1024)
		heap[i] = (unsigned char)~(i * 7);
	return 0;
}
