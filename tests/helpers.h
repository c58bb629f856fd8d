/*
 * Helpers shared by the integration tests: run build/mote as a child and
 * collect what it printed, and match its messages and JSON without a library.
 */
#ifndef MOTE_TESTS_HELPERS_H
#define MOTE_TESTS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#define GUEST(name)	 GUEST_DIR "/" name ".elf"
#define OUT_MAX		 (64 * 1024)

/* CLOCK_MONOTONIC in seconds. */
double now_s(void);

/*
 * How much slower than real hardware the tests run: MOTE_TEST_TIME_SCALE,
 * a whole number from 1 (the default) to 100; tools/kvmbox, which runs
 * the suite under software emulation, sets it. Tests multiply the time
 * limits they give guests, servers and clients by it, so that a limit
 * means "hung", not "slow"; never a bound on what a test measures.
 */
unsigned time_scale(void);

/* How long the harness lets one run of mote take before it kills it:
 * 20 s times time_scale(). */
double child_deadline_s(void);

/* What one run of the mote binary produced. */
struct run {
	int status; /* exit status, or 128 + signal */
	char out[OUT_MAX], err[OUT_MAX];
	size_t out_len, err_len;
	double secs;
};

/*
 * Runs MOTE_BIN with args (NULL-terminated), collecting stdout and stderr
 * until both close, then reaps it. A child still running after
 * child_deadline_s() is killed and the test fails.
 */
void run_mote_argv(struct run *r, char *const args[]);

#define RUN(r, ...) run_mote_argv((r), (char *const[]){__VA_ARGS__, NULL})

/* The same for another binary (e.g. the test-only jail monitor). */
void run_bin_argv(struct run *r, const char *bin, char *const args[]);

/* Asserts the exit status, printing what mote said when it differs. */
void expect_status(const struct run *r, int status);

/*
 * Matches s against pat, where each "%x" in pat stands for one or more
 * lowercase hex digits and everything else is literal. The values found go
 * to vals (up to nvals). No regular expressions: the messages are exact.
 */
bool match(const char *s, const char *pat, uint64_t *vals, int nvals);

/* The value of the first "key": after json, parsed with strtod; asserts
 * that it is there and is a number. */
double json_number(const char *json, const char *key);

/* A guest's console collected in process (mote_vm_set_console, or a
 * fleet start's console): what fits, always NUL-terminated. */
struct capture {
	char buf[1024];
	size_t len;
};
/* A struct mote_stdio write that keeps stdout and stderr, in order. */
ssize_t capture_console(void *ctx, int fd, const void *buf, size_t len);

#endif
