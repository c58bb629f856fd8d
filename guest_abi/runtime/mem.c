/*
 * memcpy, memmove, memset: overlapping fixed-size moves for short lengths,
 * rep movsb/stosb (fast on current CPUs) for long ones. No loops here, so
 * the compiler cannot turn one back into a call to the function itself.
 */
#include <stdint.h>
#include <string.h>

#undef memcpy
#undef memmove
#undef memset

/* Unaligned loads and stores; __builtin_memcpy of a constant size inlines
 * to a single move. */
#define LOAD(T, p) ({ T v_; __builtin_memcpy(&v_, (p), sizeof(T)); v_; })
#define STORE(T, p, v) ({ T v_ = (v); __builtin_memcpy((p), &v_, sizeof(T)); })

/*
 * Copies n <= 32 bytes by loading a head and a tail that may overlap, all
 * loads before any store, so it is also correct for overlapping buffers.
 */
static void move_small(unsigned char *d, const unsigned char *s, size_t n)
{
	if (n >= 16) {
		uint64_t a = LOAD(uint64_t, s), b = LOAD(uint64_t, s + 8);
		uint64_t c = LOAD(uint64_t, s + n - 16);
		uint64_t e = LOAD(uint64_t, s + n - 8);

		STORE(uint64_t, d, a);
		STORE(uint64_t, d + 8, b);
		STORE(uint64_t, d + n - 16, c);
		STORE(uint64_t, d + n - 8, e);
	} else if (n >= 8) {
		uint64_t a = LOAD(uint64_t, s), b = LOAD(uint64_t, s + n - 8);

		STORE(uint64_t, d, a);
		STORE(uint64_t, d + n - 8, b);
	} else if (n >= 4) {
		uint32_t a = LOAD(uint32_t, s), b = LOAD(uint32_t, s + n - 4);

		STORE(uint32_t, d, a);
		STORE(uint32_t, d + n - 4, b);
	} else if (n > 0) {
		unsigned char a = s[0], b = s[n / 2], c = s[n - 1];

		d[0] = a;
		d[n / 2] = b;
		d[n - 1] = c;
	}
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;

	if (n <= 32) {
		move_small(dst, src, n);
		return dst;
	}
	__asm__ volatile("rep movsb"
			 : "+D"(d), "+S"(src), "+c"(n)
			 :
			 : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (n <= 32) {
		move_small(d, s, n);
		return dst;
	}
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		/* dst is below src or the buffers are disjoint: a forward
		 * rep movsb is defined as successive byte moves, so safe. */
		__asm__ volatile("rep movsb"
				 : "+D"(d), "+S"(s), "+c"(n)
				 :
				 : "memory");
	} else {
		/* dst overlaps the tail of src: copy backwards. */
		d += n - 1;
		s += n - 1;
		__asm__ volatile("std\n\trep movsb\n\tcld"
				 : "+D"(d), "+S"(s), "+c"(n)
				 :
				 : "memory", "cc");
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t v = (unsigned char)c * 0x0101010101010101ULL;

	if (n >= 32) {
		__asm__ volatile("rep stosb"
				 : "+D"(d), "+c"(n)
				 : "a"(c)
				 : "memory");
	} else if (n >= 16) {
		STORE(uint64_t, d, v);
		STORE(uint64_t, d + 8, v);
		STORE(uint64_t, d + n - 16, v);
		STORE(uint64_t, d + n - 8, v);
	} else if (n >= 8) {
		STORE(uint64_t, d, v);
		STORE(uint64_t, d + n - 8, v);
	} else if (n >= 4) {
		STORE(uint32_t, d, (uint32_t)v);
		STORE(uint32_t, d + n - 4, (uint32_t)v);
	} else if (n > 0) {
		d[0] = (unsigned char)c;
		d[n / 2] = (unsigned char)c;
		d[n - 1] = (unsigned char)c;
	}
	return dst;
}
