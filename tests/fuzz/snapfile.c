/*
 * libFuzzer target for the snapshot file parser: the input is a snapshot
 * file. Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, so that the
 * checksum does not stop the fuzzer before the fields behind it. Any input
 * is refused with one line, or yields a snapshot whose every extent lies
 * in guest-writable memory and whose pages are all there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snapfile.h"

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

/* The contract the seeds were written under (tests/fuzz/corpus). */
static const struct cpu_contract here = {
	.xcr0 = 7, .fsgsbase = true, .hwcap = 0x178bfbff, .hwcap2 = 2,
	.words = { 1, 2, 3, 4, 5, 6, 7 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct mote_snapshot *s = NULL;
	struct mote_err err = { "" };

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (snapfile_parse(copy, size, &here, &s, &err) == 0) {
		CHECK(s && s->img && s->ov.memfd >= 0);
		CHECK(s->ov.n <= OVERLAY_MAX_EXTENTS);
		for (unsigned i = 0; i < s->ov.n; i++) {
			CHECK(s->ov.ext[i].start < s->ov.ext[i].end);
			CHECK(s->ov.ext[i].end <= s->mem_size);
			CHECK(!i || s->ov.ext[i - 1].end <= s->ov.ext[i].start);
		}
		CHECK(s->ndev <= MOTE_MAX_DEVICES);
		mote_snapshot_free(s);
	} else {
		CHECK(!s);
		CHECK(err.msg[0] != '\0' && !strchr(err.msg, '\n'));
	}
	free(copy);
	return 0;
}
