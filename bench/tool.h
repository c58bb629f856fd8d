/*
 * Helpers of the stand-alone benchmark programs (blk, net): fatal errors
 * and their options, through the one option parser (opt.h).
 */
#ifndef MOTE_BENCH_TOOL_H
#define MOTE_BENCH_TOOL_H

#include <stdio.h>

#include "opt.h"

/* The prefix of error messages, e.g. "bench blk", so that a failure says
 * which benchmark stopped. */
void tool_init(const char *name);

/* Prints "NAME: message" to stderr and exits 1 (atexit handlers run,
 * which is how the net benchmark removes its namespace). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Parses the options (no operands): --help prints the usage and exits 0;
 * a bad command line prints one line and exits 2. */
void tool_options(struct opt *t, size_t n, int argc, char **argv,
		  void (*usage)(FILE *f));

#endif
