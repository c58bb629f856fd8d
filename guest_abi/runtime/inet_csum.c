/*
 * The RFC 1071 Internet checksum used by IPv4, ICMP and UDP, and the
 * RFC 768 pseudo-header sum that UDP adds to it.
 */
#include <stdint.h>
#include <string.h>

#include "mote_inet.h"

/* A ones' complement sum does not care how words are grouped (RFC 1071
 * 2(B)), since 2^16 = 1 modulo 2^16 - 1: a big-endian 32-bit word adds
 * the same as its two 16-bit halves. So take 4 bytes at a time into a
 * 64-bit accumulator and fold once at the end; 2^32 such words would be
 * needed to overflow it. */
uint32_t mote_inet_sum(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	while (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4); /* any alignment */
		acc += __builtin_bswap32(w);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += mote_inet_get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8; /* padded with a zero byte */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t mote_inet_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t mote_inet_csum(const void *data, size_t len)
{
	return mote_inet_fold(mote_inet_sum(0, data, len));
}

uint32_t mote_inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
			      uint16_t len)
{
	uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) +
		     (dst & 0xffff) + proto + len;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}
