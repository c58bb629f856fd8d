/*
 * %f, %e and %g: exact decimal expansion of the double in a big integer,
 * then round-half-even at the requested digit, so output matches glibc.
 */
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* The longest expansion is a subnormal's: under 800 significant digits.
 * Limbs hold 9 decimal digits each. */
#define LIMBS 96
#define LIMB_BASE 1000000000u
#define MAX_DIGITS (LIMBS * 9)

/* |x| = 0.d[0]d[1]...d[n-1] * 10^dp, no leading or trailing zero digits;
 * n == 0 means zero. */
struct decimal {
	char d[MAX_DIGITS];
	long n;
	long dp;
};

struct bignum {
	uint32_t limb[LIMBS]; /* little-endian, base 1e9 */
	int n;
};

static const uint32_t pow5[14] = {
	1, 5, 25, 125, 625, 3125, 15625, 78125, 390625, 1953125, 9765625,
	48828125, 244140625, 1220703125,
};

static void big_mul(struct bignum *b, uint32_t m)
{
	uint64_t carry = 0;

	for (int i = 0; i < b->n; i++) {
		uint64_t t = (uint64_t)b->limb[i] * m + carry;

		b->limb[i] = (uint32_t)(t % LIMB_BASE);
		carry = t / LIMB_BASE;
	}
	for (; carry; carry /= LIMB_BASE)
		b->limb[b->n++] = (uint32_t)(carry % LIMB_BASE);
}

static void strip_zeros(struct decimal *v)
{
	while (v->n > 0 && v->d[v->n - 1] == '0')
		v->n--;
}

/* Exact decimal digits of |x|; x must be finite. */
static void expand(double x, struct decimal *v)
{
	uint64_t bits;
	struct bignum b;

	memcpy(&bits, &x, sizeof(bits));
	int biased = (int)((bits >> 52) & 0x7ff);
	uint64_t mant = bits & ((1ULL << 52) - 1);
	int e2 = biased ? biased - 1075 : -1074;

	v->n = 0;
	v->dp = 1; /* so that zero prints with exponent 0 */
	if (biased)
		mant |= 1ULL << 52;
	if (mant == 0)
		return;
	while (!(mant & 1)) { /* smaller numbers, fewer multiplications */
		mant >>= 1;
		e2++;
	}

	b.n = 0;
	for (; mant; mant /= LIMB_BASE)
		b.limb[b.n++] = (uint32_t)(mant % LIMB_BASE);

	/* x = mant * 2^e2. For e2 < 0 that is mant * 5^-e2 / 10^-e2: the
	 * digits of an integer with the decimal point moved left. */
	long shift10 = 0;

	if (e2 >= 0) {
		for (; e2 >= 29; e2 -= 29)
			big_mul(&b, 1u << 29);
		big_mul(&b, 1u << e2);
	} else {
		shift10 = -e2;
		for (int k = -e2; k > 0; k -= 13)
			big_mul(&b, pow5[k < 13 ? k : 13]);
	}

	/* Most significant limb without padding, the rest as 9 digits. */
	char top[10];
	int t = 0;

	for (uint32_t l = b.limb[b.n - 1]; l; l /= 10)
		top[t++] = (char)('0' + l % 10);
	while (t > 0)
		v->d[v->n++] = top[--t];
	for (int i = b.n - 2; i >= 0; i--) {
		uint32_t l = b.limb[i];

		for (int k = 8; k >= 0; k--, l /= 10)
			v->d[v->n + k] = (char)('0' + l % 10);
		v->n += 9;
	}
	v->dp = v->n - shift10;
	strip_zeros(v);
}

/*
 * Keeps the digits before position r (counted from the first significant
 * digit; r may be <= 0 or past the end), rounding to nearest, ties to even
 * as glibc does in the default rounding mode.
 */
static void round_at(struct decimal *v, long r)
{
	if (r >= v->n)
		return;
	if (r < 0) {
		v->n = 0;
		return;
	}
	char c = v->d[r];
	int up = c > '5' ||
		 (c == '5' && (r + 1 < v->n || (r > 0 && (v->d[r - 1] & 1))));

	v->n = r;
	if (up) {
		long i = r - 1;

		while (i >= 0 && v->d[i] == '9')
			i--;
		if (i < 0) {
			/* 999.. carried out: becomes 1 at the next power. */
			v->d[0] = '1';
			v->n = 1;
			v->dp++;
			return;
		}
		v->d[i]++;
		v->n = i + 1;
	}
	strip_zeros(v);
}

/* Emits digit positions [from, from + count), zeros outside the digits. */
static void put_digits(struct __mote_sink *sink, const struct decimal *v,
		       long from, long count)
{
	long end = from + count;

	if (from < 0) {
		long z = (end < 0 ? end : 0) - from;

		__mote_pad(sink, '0', (size_t)z);
		from += z;
	}
	if (from < v->n && from < end) {
		long k = (end < v->n ? end : v->n) - from;

		sink->put(sink, v->d + from, (size_t)k);
		from += k;
	}
	if (from < end)
		__mote_pad(sink, '0', (size_t)(end - from));
}

/* Padding before the number: spaces, sign, or sign then zeros. */
static size_t pad_before(struct __mote_sink *sink,
			 const struct __mote_spec *spec, char sign,
			 size_t len, int zero_ok)
{
	size_t pad = 0;

	if (spec->width > 0 && (size_t)spec->width > len)
		pad = (size_t)spec->width - len;
	if (spec->flags & __MOTE_F_MINUS)
		pad = 0;
	int zeros = zero_ok && (spec->flags & __MOTE_F_ZERO);

	if (!zeros)
		__mote_pad(sink, ' ', pad);
	if (sign)
		sink->put(sink, &sign, 1);
	if (zeros)
		__mote_pad(sink, '0', pad);
	return pad;
}

static size_t pad_after(struct __mote_sink *sink,
			const struct __mote_spec *spec, size_t len)
{
	if (!(spec->flags & __MOTE_F_MINUS) || spec->width <= 0 ||
	    (size_t)spec->width <= len)
		return 0;
	return __mote_pad(sink, ' ', (size_t)spec->width - len);
}

/* Fraction digits to show: prec, or fewer when trailing zeros are cut. */
static long frac_digits(const struct decimal *v, long first, long prec,
			int trim)
{
	long have = v->n - first;

	if (!trim || have >= prec)
		return prec;
	return have > 0 ? have : 0;
}

static size_t put_fixed(struct __mote_sink *sink,
			const struct __mote_spec *spec, char sign,
			struct decimal *v, long prec, int trim)
{
	round_at(v, v->dp + prec);
	long frac = frac_digits(v, v->dp, prec, trim);
	int point = frac > 0 || (spec->flags & __MOTE_F_HASH);
	size_t len = (sign != 0) + (size_t)(v->dp > 0 ? v->dp : 1) +
		     (size_t)point + (size_t)frac;
	size_t pad = pad_before(sink, spec, sign, len, 1);

	if (v->dp > 0)
		put_digits(sink, v, 0, v->dp);
	else
		sink->put(sink, "0", 1);
	if (point)
		sink->put(sink, ".", 1);
	put_digits(sink, v, v->dp, frac);
	return len + pad + pad_after(sink, spec, len);
}

static size_t put_exp(struct __mote_sink *sink, const struct __mote_spec *spec,
		      char sign, struct decimal *v, long prec, int trim)
{
	round_at(v, prec + 1);
	long frac = frac_digits(v, 1, prec, trim);
	int point = frac > 0 || (spec->flags & __MOTE_F_HASH);
	long x = v->n > 0 ? v->dp - 1 : 0;
	char exp[8];
	int elen = 0;

	for (unsigned long e = (unsigned long)(x < 0 ? -x : x); e || elen < 2;
	     e /= 10)
		exp[elen++] = (char)('0' + e % 10);
	exp[elen++] = x < 0 ? '-' : '+';
	exp[elen++] = spec->conv == 'E' || spec->conv == 'G' ? 'E' : 'e';

	size_t len = (sign != 0) + 1 + (size_t)point + (size_t)frac +
		     (size_t)elen;
	size_t pad = pad_before(sink, spec, sign, len, 1);

	put_digits(sink, v, 0, 1);
	if (point)
		sink->put(sink, ".", 1);
	put_digits(sink, v, 1, frac);
	while (elen > 0)
		sink->put(sink, &exp[--elen], 1);
	return len + pad + pad_after(sink, spec, len);
}

size_t __mote_format_double(struct __mote_sink *sink,
			    const struct __mote_spec *spec, double x)
{
	char sign = 0;

	if (__builtin_signbit(x))
		sign = '-';
	else if (spec->flags & __MOTE_F_PLUS)
		sign = '+';
	else if (spec->flags & __MOTE_F_SPACE)
		sign = ' ';
	int upper = spec->conv >= 'A' && spec->conv <= 'Z';

	if (__builtin_isnan(x) || __builtin_isinf(x)) {
		const char *s = __builtin_isnan(x) ? (upper ? "NAN" : "nan")
						   : (upper ? "INF" : "inf");
		size_t len = (sign != 0) + 3;
		size_t pad = pad_before(sink, spec, sign, len, 0);

		sink->put(sink, s, 3);
		return len + pad + pad_after(sink, spec, len);
	}

	struct decimal v;
	long prec = spec->prec >= 0 ? spec->prec : 6;

	expand(x, &v);
	switch (spec->conv) {
	case 'f':
	case 'F':
		return put_fixed(sink, spec, sign, &v, prec, 0);
	case 'e':
	case 'E':
		return put_exp(sink, spec, sign, &v, prec, 0);
	default: {
		/* %g: P significant digits; fixed notation when the decimal
		 * exponent X (after rounding) satisfies -4 <= X < P. */
		long p = prec == 0 ? 1 : prec;
		int trim = !(spec->flags & __MOTE_F_HASH);

		round_at(&v, p);
		long x10 = v.n > 0 ? v.dp - 1 : 0;

		if (x10 >= -4 && x10 < p)
			return put_fixed(sink, spec, sign, &v, p - 1 - x10,
					 trim);
		return put_exp(sink, spec, sign, &v, p - 1, trim);
	}
	}
}
