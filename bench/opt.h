/*
 * The one option parser of the benchmark programs (mote bench, blk, net):
 * a table says each long option's kind, bounds and destination, and
 * whether it changes the result, so the reports can record those.
 */
#ifndef MOTE_BENCH_OPT_H
#define MOTE_BENCH_OPT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "json.h"

enum opt_kind {
	OPT_STR,      /* const char ** */
	OPT_COUNT,    /* unsigned *, from lo to hi */
	OPT_SIZE,     /* uint64_t *, "16M" */
	OPT_SECONDS,  /* double *, more than 0, at most hi (0: 3600) */
	OPT_DURATION, /* uint64_t * ns, "500ms" */
	OPT_FLAG,     /* bool * */
};

struct opt {
	const char *name; /* without "--" */
	enum opt_kind kind;
	void *dst;
	unsigned lo, hi;
	bool result; /* changes what is measured: the report records it */
	bool seen;   /* set by opt_parse */
};

/*
 * Parses argv[first..] (getopt_long, options only, "-h"/"--help" sets
 * *help). Returns the index of the first operand, or a negative errno with
 * one line in err.
 */
int opt_parse(struct opt *t, size_t n, int argc, char **argv, int first,
	      bool *help, struct mote_err *err);

/* {"NAME": value, ...} of every result-changing option: its value, given or
 * default (null: not given and no default). */
void opt_json(struct jw *j, const char *key, const struct opt *t, size_t n);

#endif
