/*
 * String to integer conversions: the strto* family with C semantics
 * (base 0 and 2..36, 0x prefixes, ERANGE saturation) and the ato* wrappers.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * Parses the magnitude and sign. *overflow is set if the magnitude exceeds
 * unsigned long long; *end gets the first unparsed character, or s itself
 * when there were no digits at all.
 */
static unsigned long long parse(const char *s, char **end, int base,
				int *neg, int *overflow)
{
	const char *p = s;
	unsigned long long v = 0;
	int any = 0;

	*neg = 0;
	*overflow = 0;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		if (end)
			*end = (char *)s;
		return 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (int d; (d = digit_value((unsigned char)*p)) < base; p++) {
		any = 1;
		if (__builtin_mul_overflow(v, (unsigned)base, &v) ||
		    __builtin_add_overflow(v, (unsigned)d, &v))
			*overflow = 1;
	}
	if (end)
		*end = (char *)(any ? p : s);
	return *overflow ? ULLONG_MAX : v;
}

/* Signed result clamped to [min, max], as strtol/strtoll require. */
static long long to_signed(const char *s, char **end, int base,
			   long long min, long long max)
{
	int neg, overflow;
	unsigned long long v = parse(s, end, base, &neg, &overflow);
	unsigned long long limit = neg ? 0ULL - (unsigned long long)min
				       : (unsigned long long)max;

	if (overflow || v > limit) {
		errno = ERANGE;
		return neg ? min : max;
	}
	return neg ? (long long)(0ULL - v) : (long long)v;
}

/* Unsigned result; a leading '-' negates modulo 2^bits as C specifies. */
static unsigned long long to_unsigned(const char *s, char **end, int base,
				      unsigned long long max)
{
	int neg, overflow;
	unsigned long long v = parse(s, end, base, &neg, &overflow);

	if (overflow || v > max) {
		errno = ERANGE;
		return max;
	}
	return neg ? (0ULL - v) & max : v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return (long)to_signed(s, end, base, LONG_MIN, LONG_MAX);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	return to_signed(s, end, base, LLONG_MIN, LLONG_MAX);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return (unsigned long)to_unsigned(s, end, base, ULONG_MAX);
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base)
{
	return to_unsigned(s, end, base, ULLONG_MAX);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}
