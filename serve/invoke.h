/*
 * One invocation of a function, as the HTTP front end hands it to a
 * backend (the fleets in function.c, or a fake in the tests) and gets it
 * back: the body and environment in, the output and outcome out.
 */
#ifndef MOTE_SERVE_INVOKE_H
#define MOTE_SERVE_INVOKE_H

#include <stdbool.h>
#include <stdint.h>

#include "../monitor/err.h"
#include "../monitor/fleet.h"
#include "../monitor/vm.h"
#include "buf.h"

/* A guest's stderr kept for the log; the rest is counted, not kept. */
#define SERVE_STDERR_MAX 8192

struct serve_invocation {
	/* in: set by the front end before start */
	struct serve_buf body; /* the guest's stdin */
	char **envp;           /* NULL-terminated */
	uint64_t max_response; /* stdout bytes allowed */
	void (*done)(struct serve_invocation *inv); /* any thread, once */
	/* out: written by the backend (on one vCPU thread at a time) */
	struct serve_buf out;          /* stdout */
	bool out_overflow;             /* stdout went past max_response */
	bool out_oom;                  /* stdout could not be stored */
	char err[SERVE_STDERR_MAX];    /* stderr, first bytes */
	size_t err_len;
	uint64_t err_dropped;
	/* filled by collect(), on the server thread, after done() */
	struct mote_result res;
	struct mote_instance_stats st;
	/* the backend's own */
	struct serve_buf_cursor in;
	void *handle;
};

struct serve_backend {
	/*
	 * Starts inv on function fn; done(inv) follows exactly once, from
	 * any thread, also when the run fails. Returns 0, or a negative
	 * errno (then done is not called) with err filled.
	 */
	int (*start)(void *ctx, unsigned fn, struct serve_invocation *inv,
		     struct mote_err *err);
	/* After done, on the server thread: fills inv->res and inv->st. */
	void (*collect)(void *ctx, unsigned fn, struct serve_invocation *inv);
	/* VMs ready in fn's warm pool, and the pool's target. */
	unsigned (*pooled)(void *ctx, unsigned fn, unsigned *target);
	void *ctx;
};

/* The guest's streams over an invocation: stdin from the body, stdout
 * into out (bounded), stderr into err (bounded). Shared by backends. */
extern const struct mote_stdio serve_invocation_stdio;

#endif
