/*
 * The guest runtime's SHA-256, compiled for the host and checked against
 * the FIPS 180-4 examples and other known digests.
 */
#include "../guest_names.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "../../guest_abi/runtime/sha256.c"

static void hex_of(const void *data, size_t len, char hex[65])
{
	struct mote_sha256 c;
	uint8_t d[MOTE_SHA256_BYTES];

	mote_sha256_init(&c);
	mote_sha256_update(&c, data, len);
	mote_sha256_final(&c, d);
	mote_sha256_hex(d, hex);
}

Test(sha256, digests_abc)
{
	char hex[65];

	hex_of("abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
			      "b00361a396177a9cb410ff61f20015ad");
}

Test(sha256, digests_the_empty_message)
{
	char hex[65];

	hex_of("", 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			      "27ae41e4649b934ca495991b7852b855");
}

/* 56 bytes: the padding no longer fits in the message's last block. */
Test(sha256, digests_the_two_block_fips_example)
{
	static const char m[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	hex_of(m, strlen(m), hex);
	cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
			      "a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, digests_one_mib_of_zeros)
{
	char *z = calloc(1, 1 << 20), hex[65];

	cr_assert_not_null(z);
	hex_of(z, 1 << 20, hex);
	cr_assert_str_eq(hex, "30e14955ebf1352266dc2ff8067e6810"
			      "4607e750abb9d3b36582b8af909fcb58");
	free(z);
}

/* Feeding in odd pieces must not change the digest: a million 'a's, in
 * chunks of 1, 63, 64, 65, ... bytes. */
Test(sha256, gives_the_same_digest_whatever_the_update_sizes)
{
	static const size_t steps[] = {1, 63, 64, 65, 127, 1000, 4096, 7};
	size_t n = 1000000, off = 0, k = 0;
	char *a = malloc(n), hex[65];
	struct mote_sha256 c;
	uint8_t d[MOTE_SHA256_BYTES];

	cr_assert_not_null(a);
	memset(a, 'a', n);
	mote_sha256_init(&c);
	while (off < n) {
		size_t len = steps[k++ % 8];

		if (len > n - off)
			len = n - off;
		mote_sha256_update(&c, a + off, len);
		off += len;
	}
	mote_sha256_final(&c, d);
	mote_sha256_hex(d, hex);
	cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
			      "f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Every length from 0 to 200 crosses each padding boundary once; split
 * and whole must agree. */
Test(sha256, split_and_whole_updates_agree_at_every_length)
{
	uint8_t m[200];

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(m); len++) {
		struct mote_sha256 c;
		uint8_t d1[MOTE_SHA256_BYTES], d2[MOTE_SHA256_BYTES];

		mote_sha256_init(&c);
		mote_sha256_update(&c, m, len);
		mote_sha256_final(&c, d1);
		mote_sha256_init(&c);
		mote_sha256_update(&c, m, len / 3);
		mote_sha256_update(&c, m + len / 3, len - len / 3);
		mote_sha256_final(&c, d2);
		cr_assert_arr_eq(d1, d2, sizeof(d1), "length %zu", len);
	}
}
