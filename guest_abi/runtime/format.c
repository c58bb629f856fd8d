/*
 * The printf engine: parses conversion specs and formats integers,
 * characters, strings and pointers into a sink; doubles go to
 * format_float.c. Used by every printf-family function.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T,
	      LEN_BIG_L };

size_t __mote_pad(struct __mote_sink *sink, char c, size_t n)
{
	static const char spaces[] = "                                ";
	static const char zeros[] = "00000000000000000000000000000000";
	const char *src = c == '0' ? zeros : spaces;

	const size_t chunk = sizeof(spaces) - 1;

	for (size_t left = n; left > 0;) {
		size_t k = left < chunk ? left : chunk;

		sink->put(sink, src, k);
		left -= k;
	}
	return n;
}

static size_t width_pad(const struct __mote_spec *spec, size_t len)
{
	return spec->width > 0 && (size_t)spec->width > len
		       ? (size_t)spec->width - len
		       : 0;
}

/* Emits s[0..len) padded to the field width with spaces. */
static size_t put_padded(struct __mote_sink *sink,
			 const struct __mote_spec *spec, const char *s,
			 size_t len)
{
	size_t pad = width_pad(spec, len);

	if (!(spec->flags & __MOTE_F_MINUS))
		__mote_pad(sink, ' ', pad);
	sink->put(sink, s, len);
	if (spec->flags & __MOTE_F_MINUS)
		__mote_pad(sink, ' ', pad);
	return len + pad;
}

static size_t format_int(struct __mote_sink *sink, struct __mote_spec *spec,
			 uintmax_t v, int negative)
{
	char buf[sizeof(uintmax_t) * 3 + 1]; /* octal needs 22 digits */
	char *end = buf + sizeof(buf), *p = end;
	const char *digits = spec->conv == 'X' ? "0123456789ABCDEF"
					       : "0123456789abcdef";
	unsigned base = 10;
	char prefix[2];
	size_t prefix_len = 0;

	if (spec->conv == 'o')
		base = 8;
	else if (spec->conv == 'x' || spec->conv == 'X')
		base = 16;
	for (; v != 0; v /= base)
		*--p = digits[v % base];
	size_t ndigits = (size_t)(end - p);

	/* A lone zero is printed unless precision 0 asks for no digits. */
	if (ndigits == 0 && spec->prec != 0)
		*--p = '0', ndigits = 1;

	if (negative)
		prefix[prefix_len++] = '-';
	else if (spec->conv == 'd' && (spec->flags & __MOTE_F_PLUS))
		prefix[prefix_len++] = '+';
	else if (spec->conv == 'd' && (spec->flags & __MOTE_F_SPACE))
		prefix[prefix_len++] = ' ';
	else if ((spec->flags & __MOTE_F_HASH) && base == 16 &&
		 ndigits > 0 && !(ndigits == 1 && *p == '0')) {
		prefix[prefix_len++] = '0';
		prefix[prefix_len++] = spec->conv;
	}

	size_t zeros = 0;

	if (spec->prec >= 0 && (size_t)spec->prec > ndigits)
		zeros = (size_t)spec->prec - ndigits;
	/* '#' with 'o' makes the first digit a zero. */
	if ((spec->flags & __MOTE_F_HASH) && base == 8 && zeros == 0 &&
	    (ndigits == 0 || *p != '0'))
		zeros = 1;
	/* '0' pads with zeros after the prefix, unless '-' or a precision. */
	size_t len = prefix_len + zeros + ndigits;

	if ((spec->flags & (__MOTE_F_ZERO | __MOTE_F_MINUS)) == __MOTE_F_ZERO &&
	    spec->prec < 0) {
		zeros += width_pad(spec, len);
		len = prefix_len + zeros + ndigits;
	}

	size_t pad = width_pad(spec, len);

	if (!(spec->flags & __MOTE_F_MINUS))
		__mote_pad(sink, ' ', pad);
	sink->put(sink, prefix, prefix_len);
	__mote_pad(sink, '0', zeros);
	sink->put(sink, p, ndigits);
	if (spec->flags & __MOTE_F_MINUS)
		__mote_pad(sink, ' ', pad);
	return len + pad;
}

static intmax_t signed_arg(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return va_arg(*ap, ptrdiff_t); /* signed size_t */
	case LEN_J: return va_arg(*ap, intmax_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
}

static uintmax_t unsigned_arg(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	case LEN_T: return (uintmax_t)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned);
	}
}

/* Parses a decimal field or '*'; returns the pointer past it. */
static const char *parse_num(const char *f, int *out, va_list *ap)
{
	if (*f == '*') {
		*out = va_arg(*ap, int);
		return f + 1;
	}
	long v = 0;

	for (; *f >= '0' && *f <= '9'; f++)
		if (v < INT_MAX)
			v = v * 10 + (*f - '0');
	*out = v < INT_MAX ? (int)v : INT_MAX;
	return f;
}

/* Parses flags, width, precision and length after a '%'. */
static const char *parse_spec(const char *f, struct __mote_spec *spec,
			      enum length *len, va_list *ap)
{
	static const char flag_chars[] = "-0+ #"; /* bit i: flag_chars[i] */

	spec->flags = 0;
	for (;; f++) {
		const char *flag = strchr(flag_chars, *f);

		if (!*f || !flag)
			break;
		spec->flags |= 1u << (flag - flag_chars);
	}
	f = parse_num(f, &spec->width, ap);
	if (spec->width < 0) {
		/* A negative '*' width means left-justify. */
		spec->flags |= __MOTE_F_MINUS;
		spec->width = spec->width == INT_MIN ? INT_MAX : -spec->width;
	}
	spec->prec = -1;
	if (*f == '.') {
		f = parse_num(f + 1, &spec->prec, ap);
		if (spec->prec < 0)
			spec->prec = -1; /* negative '*' precision: none */
	}
	*len = LEN_NONE;
	switch (*f) {
	case 'h':
		*len = f[1] == 'h' ? LEN_HH : LEN_H;
		f += f[1] == 'h' ? 2 : 1;
		break;
	case 'l':
		*len = f[1] == 'l' ? LEN_LL : LEN_L;
		f += f[1] == 'l' ? 2 : 1;
		break;
	case 'q': *len = LEN_LL; f++; break;
	case 'z': *len = LEN_Z; f++; break;
	case 'j': *len = LEN_J; f++; break;
	case 't': *len = LEN_T; f++; break;
	case 'L': *len = LEN_BIG_L; f++; break;
	}
	spec->conv = *f;
	return f;
}

/* Formats one conversion; returns the bytes produced. */
static size_t convert(struct __mote_sink *sink, struct __mote_spec *spec,
		      enum length len, va_list *ap)
{
	switch (spec->conv) {
	case 'd':
	case 'i': {
		intmax_t v = signed_arg(ap, len);

		spec->conv = 'd';
		return format_int(sink, spec, v < 0 ? 0 - (uintmax_t)v
						    : (uintmax_t)v, v < 0);
	}
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		spec->flags &= ~(__MOTE_F_PLUS | __MOTE_F_SPACE);
		return format_int(sink, spec, unsigned_arg(ap, len), 0);
	case 'p': {
		void *v = va_arg(*ap, void *);

		if (!v) /* as glibc prints it */
			return put_padded(sink, spec, "(nil)", 5);
		spec->conv = 'x';
		spec->flags |= __MOTE_F_HASH;
		spec->flags &= ~(__MOTE_F_PLUS | __MOTE_F_SPACE);
		return format_int(sink, spec, (uintptr_t)v, 0);
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		return put_padded(sink, spec, &c, 1);
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (!s)
			s = "(null)";
		return put_padded(sink, spec, s,
				  spec->prec >= 0
					  ? strnlen(s, (size_t)spec->prec)
					  : strlen(s));
	}
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G': {
		double x = len == LEN_BIG_L ? (double)va_arg(*ap, long double)
					    : va_arg(*ap, double);

		return __mote_format_double(sink, spec, x);
	}
	default: /* '%', possibly with flags that do not apply */
		sink->put(sink, "%", 1);
		return 1;
	}
}

int __mote_vformat(struct __mote_sink *sink, const char *fmt, va_list ap)
{
	va_list args;
	size_t total = 0;

	/* Work on a copy reached through a pointer so helpers can consume
	 * arguments portably. */
	va_copy(args, ap);
	while (*fmt) {
		const char *lit = fmt;

		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt > lit) {
			sink->put(sink, lit, (size_t)(fmt - lit));
			total += (size_t)(fmt - lit);
		}
		if (!*fmt)
			break;
		if (fmt[1] == '%') {
			sink->put(sink, "%", 1);
			total++;
			fmt += 2;
			continue;
		}

		struct __mote_spec spec;
		enum length len;
		const char *start = fmt;

		fmt = parse_spec(fmt + 1, &spec, &len, &args);
		if (!*fmt || !strchr("diuxXopcsfFeEgG%", *fmt)) {
			/* Unknown or truncated: print it as it stands. */
			if (*fmt)
				fmt++;
			sink->put(sink, start, (size_t)(fmt - start));
			total += (size_t)(fmt - start);
			continue;
		}
		total += convert(sink, &spec, len, &args);
		fmt++;
	}
	va_end(args);
	return total > INT_MAX ? INT_MAX : (int)total;
}
