/*
 * IPv4 and MAC addresses as text: strict dotted-quad and CIDR parsing
 * for command lines, and formatting for messages.
 */
#include <errno.h>
#include <stdint.h>

#include "mote_inet.h"

/* Reads 1-3 decimal digits worth at most max; advances *s past them.
 * Strict on purpose: no signs, spaces or hex, which strtoul would take. */
static int number(const char **s, unsigned max, unsigned *out)
{
	const char *p = *s;
	unsigned v = 0, n = 0;

	while (*p >= '0' && *p <= '9' && n < 4) {
		v = v * 10 + (unsigned)(*p++ - '0');
		n++;
	}
	if (n == 0 || n > 3 || v > max)
		return -EINVAL;
	*s = p;
	*out = v;
	return 0;
}

/* Parses a dotted quad at *s and advances past it. */
static int quad(const char **s, uint32_t *addr)
{
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		unsigned part;

		if (i > 0 && *(*s)++ != '.')
			return -EINVAL;
		if (number(s, 255, &part) < 0)
			return -EINVAL;
		a = a << 8 | part;
	}
	*addr = a;
	return 0;
}

int mote_inet_parse_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a;

	if (!s || quad(&s, &a) < 0 || *s != '\0')
		return -EINVAL;
	*addr = a;
	return 0;
}

int mote_inet_parse_cidr(const char *s, uint32_t *addr, unsigned *prefix,
			 unsigned default_prefix)
{
	uint32_t a;
	unsigned p = default_prefix;

	if (!s || quad(&s, &a) < 0)
		return -EINVAL;
	if (*s == '/') {
		s++;
		if (number(&s, 32, &p) < 0)
			return -EINVAL;
	}
	if (*s != '\0' || p > 32)
		return -EINVAL;
	*addr = a;
	*prefix = p;
	return 0;
}

static char *decimal(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

char *mote_inet_format_ipv4(uint32_t addr, char buf[16])
{
	char *p = buf;

	for (int i = 3; i >= 0; i--) {
		p = decimal(p, (addr >> (8 * i)) & 0xff);
		if (i > 0)
			*p++ = '.';
	}
	*p = '\0';
	return buf;
}

char *mote_inet_format_mac(const uint8_t mac[MOTE_ETH_ALEN], char buf[18])
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;

	for (unsigned i = 0; i < MOTE_ETH_ALEN; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hex[mac[i] >> 4];
		*p++ = hex[mac[i] & 0xf];
	}
	*p = '\0';
	return buf;
}
