/*
 * Helpers of the stand-alone benchmark programs (blk, net): fatal errors,
 * numeric options and the end of the option parsing they share.
 */
#ifndef MOTE_BENCH_TOOL_H
#define MOTE_BENCH_TOOL_H

#include <stdio.h>

/* Each program defines it: the prefix of its error messages, e.g. "bench
 * blk", so that a failure says which benchmark stopped. */
extern const char tool_name[];

/* Prints "tool_name: message" to stderr and exits 1 (atexit handlers run,
 * which is how the net benchmark removes its namespace). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The decimal number in s, from lo to hi, or die naming the flag. */
unsigned parse_uint(const char *s, unsigned lo, unsigned hi,
		    const char *flag);

/* The getopt_long cases no program handles itself: 'h' prints the usage to
 * stdout and exits 0, anything else prints it to stderr and exits 2. */
void tool_other_opt(int c, void (*usage)(FILE *f))
	__attribute__((noreturn));

/* After the options: the programs take no operands (usage, exit 2). */
void tool_no_operands(int argc, void (*usage)(FILE *f));

#endif
