/*
 * Progress of long benchmark runs on a terminal: one line on stderr,
 * redrawn at most ten times a second, and nothing at all off a terminal.
 */
#ifndef MOTE_BENCH_PROGRESS_H
#define MOTE_BENCH_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	bool tty;
	char what[96];
	uint64_t total, last_draw;
};

/* Starts a phase of `total` steps (0: unknown). Off a terminal, prints the
 * phase's name once unless quiet. */
void progress_begin(struct progress *p, bool quiet, uint64_t total,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void progress_step(struct progress *p, uint64_t done);
/* Clears the line. */
void progress_end(struct progress *p);

#endif
