/*
 * The checked guest memory accessor: every way a guest address, length or
 * alignment can be wrong is rejected, and reads copy exactly what is there.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "guest_mem.h"

#define SIZE  0x10000ULL
#define FLOOR 0x3000ULL

static _Alignas(4096) uint8_t backing[SIZE];
static struct guest_mem gm;

static void setup(void)
{
	for (uint64_t i = 0; i < SIZE; i++)
		backing[i] = (uint8_t)(i * 7 + 3);
	gm = (struct guest_mem){.host = backing, .size = SIZE, .floor = FLOOR};
}

TestSuite(guest_mem, .init = setup);

Test(guest_mem, returns_the_host_address_of_an_in_range_access)
{
	cr_assert_eq(guest_mem_ptr(&gm, 0x4000, 16, 1), backing + 0x4000);
	cr_assert_eq(guest_mem_ptr(&gm, 0x4000, 16, 8), backing + 0x4000);
	cr_assert_eq(guest_mem_ptr(&gm, 0x4001, 1, 1), backing + 0x4001);
}

Test(guest_mem, accepts_the_floor_and_the_whole_range_above_it)
{
	cr_assert_eq(guest_mem_ptr(&gm, FLOOR, 1, 1), backing + FLOOR);
	cr_assert_eq(guest_mem_ptr(&gm, FLOOR, SIZE - FLOOR, 4096),
		     backing + FLOOR);
}

Test(guest_mem, accepts_the_last_byte)
{
	cr_assert_eq(guest_mem_ptr(&gm, SIZE - 1, 1, 1), backing + SIZE - 1);
	cr_assert_eq(guest_mem_ptr(&gm, SIZE - 16, 16, 16),
		     backing + SIZE - 16);
}

Test(guest_mem, rejects_one_byte_past_the_end)
{
	cr_assert_null(guest_mem_ptr(&gm, SIZE, 1, 1));
	cr_assert_null(guest_mem_ptr(&gm, SIZE - 1, 2, 1));
	cr_assert_null(guest_mem_ptr(&gm, SIZE - 16, 17, 1));
	cr_assert_null(guest_mem_ptr(&gm, FLOOR, SIZE - FLOOR + 1, 1));
}

Test(guest_mem, rejects_addresses_far_outside)
{
	cr_assert_null(guest_mem_ptr(&gm, 1ULL << 32, 8, 8));
	cr_assert_null(guest_mem_ptr(&gm, UINT64_MAX - 7, 8, 8));
}

Test(guest_mem, rejects_address_plus_length_overflow)
{
	cr_assert_null(guest_mem_ptr(&gm, 0x4000, UINT64_MAX, 1));
	cr_assert_null(guest_mem_ptr(&gm, UINT64_MAX, 1, 1));
	cr_assert_null(guest_mem_ptr(&gm, UINT64_MAX, 2, 1));
	cr_assert_null(guest_mem_ptr(&gm, 0x4000, UINT64_MAX - 0x3fff, 1));
	cr_assert_null(guest_mem_ptr(&gm, 0x4000, UINT64_MAX - 0x4000 + 1, 1));
	cr_assert_null(guest_mem_ptr(&gm, 0x8000000000000000ULL,
				     0x8000000000000000ULL, 1));
}

Test(guest_mem, rejects_zero_length)
{
	cr_assert_null(guest_mem_ptr(&gm, 0x4000, 0, 1));
	cr_assert_null(guest_mem_ptr(&gm, SIZE, 0, 1));
}

Test(guest_mem, rejects_addresses_below_the_floor)
{
	cr_assert_null(guest_mem_ptr(&gm, FLOOR - 1, 1, 1));
	cr_assert_null(guest_mem_ptr(&gm, FLOOR - 8, 16, 8));
	cr_assert_null(guest_mem_ptr(&gm, 0, 8, 8));
	cr_assert_null(guest_mem_ptr(&gm, 0, SIZE, 1));
}

Test(guest_mem, rejects_misaligned_addresses)
{
	for (uint64_t off = 1; off < 8; off++)
		cr_assert_null(guest_mem_ptr(&gm, 0x4000 + off, 8, 8),
			       "offset %llu", (unsigned long long)off);
	cr_assert_not_null(guest_mem_ptr(&gm, 0x4008, 8, 8));
	cr_assert_null(guest_mem_ptr(&gm, 0x4004, 16, 16));
	cr_assert_null(guest_mem_ptr(&gm, 0x4800, 8, 4096));
}

Test(guest_mem, rejects_alignments_that_are_not_powers_of_two)
{
	cr_assert_null(guest_mem_ptr(&gm, 0x4000, 8, 0));
	cr_assert_null(guest_mem_ptr(&gm, 0x4000, 8, 3));
	cr_assert_null(guest_mem_ptr(&gm, 0x6000, 8, 6));
	cr_assert_null(guest_mem_ptr(&gm, 0x6000, 8, 24));
	cr_assert_null(guest_mem_ptr(&gm, 0x4000, 8, UINT64_MAX));
	cr_assert_not_null(guest_mem_ptr(&gm, 0x4000, 8, 1ULL << 14));
}

Test(guest_mem, read_copies_the_guest_bytes)
{
	uint8_t dst[32];

	memset(dst, 0, sizeof(dst));
	cr_assert_eq(guest_mem_read(&gm, 0x5000, dst, sizeof(dst), 8), 0);
	cr_assert_arr_eq(dst, backing + 0x5000, sizeof(dst));
	memset(dst, 0, sizeof(dst));
	cr_assert_eq(guest_mem_read(&gm, SIZE - 3, dst, 3, 1), 0);
	cr_assert_arr_eq(dst, backing + SIZE - 3, 3);
	cr_assert_eq(dst[3], 0);
}

Test(guest_mem, read_fails_with_efault_without_touching_the_destination)
{
	static const struct {
		uint64_t gpa, len, align;
	} bad[] = {
		{SIZE - 4, 8, 1},   {SIZE, 1, 1},
		{FLOOR - 1, 2, 1},  {0x4004, 8, 8},
		{0x4000, 0, 1},	    {0x4000, 8, 3},
		{UINT64_MAX, 1, 1}, {0x4000, UINT64_MAX, 1},
	};
	uint8_t dst[16], want[16];

	memset(want, 0xee, sizeof(want));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(dst, want, sizeof(dst));
		cr_assert_eq(guest_mem_read(&gm, bad[i].gpa, dst, bad[i].len,
					    bad[i].align),
			     -EFAULT, "case %zu", i);
		cr_assert_arr_eq(dst, want, sizeof(dst), "case %zu", i);
	}
}
