/*
 * Helpers of the stand-alone benchmark programs, linked into each of them
 * and kept out of libbench: mote has no use for a die() that exits.
 */
#include "tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

static const char *tool_name = "bench";

void tool_init(const char *name)
{
	tool_name = name;
}

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

void tool_options(struct opt *t, size_t n, int argc, char **argv,
		  void (*usage)(FILE *f))
{
	struct mote_err err = {""};
	bool help;
	int first = opt_parse(t, n, argc, argv, 1, &help, &err);

	if (help) {
		usage(stdout);
		exit(0);
	}
	if (first >= 0 && first < argc)
		err_set(&err, EINVAL, "unexpected argument '%s'", argv[first]);
	if (first < 0 || first < argc) {
		fprintf(stderr, "%s: %s\n", tool_name, err.msg);
		exit(2);
	}
}
