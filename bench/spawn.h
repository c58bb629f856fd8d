/*
 * Child processes for whole-process timings (`mote run`, QEMU, gnuplot):
 * posix_spawn with chosen pipes, and reads bounded by a deadline.
 */
#ifndef MOTE_BENCH_SPAWN_H
#define MOTE_BENCH_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct child {
	pid_t pid;
	int out, err; /* read ends of stdout/stderr pipes, or -1 */
};

/*
 * Starts argv[0] (a path) with stdin from /dev/null and stdout/stderr to
 * pipes when asked, else to /dev/null. Returns 0 or a negative errno.
 */
int child_spawn(char *const argv[], bool pipe_out, bool pipe_err,
		struct child *c);

/*
 * Reads from fd into buf (NUL-terminated, at most cap - 1 bytes kept) until
 * EOF, until a byte equal to `until` (when >= 0) arrives, or deadline
 * (mono_ns). Returns the bytes read, -ETIMEDOUT or another negative errno.
 */
long child_read(int fd, char *buf, size_t cap, int until, uint64_t deadline);

/* Kills the child if asked, closes its pipes, reaps it; returns the wait
 * status, or a negative errno. */
int child_wait(struct child *c, bool kill_first);

#endif
