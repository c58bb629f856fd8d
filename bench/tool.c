/*
 * Helpers of the stand-alone benchmark programs, linked into each of them
 * and kept out of libbench: mote has no use for a die() that exits.
 */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", tool_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

unsigned parse_uint(const char *s, unsigned lo, unsigned hi,
		    const char *flag)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || s[0] == '-' || v < lo || v > hi)
		die("%s: expected a number from %u to %u, got '%s'", flag, lo,
		    hi, s);
	return (unsigned)v;
}

void tool_other_opt(int c, void (*usage)(FILE *f))
{
	if (c == 'h') {
		usage(stdout);
		exit(0);
	}
	usage(stderr);
	exit(2);
}

void tool_no_operands(int argc, void (*usage)(FILE *f))
{
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}
