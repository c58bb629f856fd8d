/*
 * The device event loop: one io_uring and one thread shared by every VM of
 * the process. Doorbells (eventfds) and device I/O complete on it.
 */
#ifndef MOTE_EVLOOP_H
#define MOTE_EVLOOP_H

#include <liburing.h>
#include <stdbool.h>

#include "err.h"

struct evloop;
struct ev_cmd;

/* An operation on the ring; its completion calls done on the loop thread.
 * flags are the CQE's (IORING_CQE_F_MORE for multishot operations). */
struct ev_op {
	void (*done)(struct ev_op *op, int res, unsigned flags);
	bool io; /* counts against the loop's bound on I/O in flight */
};

/* Watches an eventfd: fn runs on the loop thread after each write to it
 * (several writes may make one call). With oneshot, fd is any pollable fd
 * (a tap): the loop does not read it, fn runs once when it is readable,
 * and the user re-arms with evloop_poll_rearm once it has read. */
struct ev_poll {
	struct ev_op op;
	int fd; /* an eventfd, non-blocking (oneshot: any pollable fd) */
	bool oneshot;
	void (*fn)(struct ev_poll *p);
	/* private to the loop */
	struct evloop *loop;
	bool armed, stopping;
	struct ev_cmd *stop_cmd;
};

/* A user of the loop waiting for room to submit I/O. */
struct ev_waiter {
	void (*fn)(struct ev_waiter *w);
	struct ev_waiter *next, *prev; /* private to the loop */
	bool queued;
};

/*
 * Takes a reference to the process's loop, starting its thread on the first
 * one. Returns 0 or a negative errno with the reason in err.
 */
int evloop_get(struct evloop **out, struct mote_err *err);

/* Drops a reference; the last one stops the thread. Nothing may still use
 * the loop (every poll stopped, no I/O in flight). */
void evloop_put(struct evloop *l);

/* Starts or stops watching p->fd; both return once done. Stopping returns
 * when p can no longer fire and may be freed. Not from the loop thread. */
void evloop_poll_start(struct evloop *l, struct ev_poll *p);
void evloop_poll_stop(struct evloop *l, struct ev_poll *p);

/* Removes w from the room waiters, if queued; returns once done. Not from
 * the loop thread. */
void evloop_cancel_wait(struct evloop *l, struct ev_waiter *w);

/* --- on the loop thread only --- */

/*
 * Whether one more I/O may be submitted: I/O in flight is bounded by the
 * submission ring's size, and above it a user stops taking work and waits
 * (evloop_wait_room).
 */
bool evloop_room(const struct evloop *l);

/* Re-arms a oneshot poll (not once it is being stopped). */
void evloop_poll_rearm(struct evloop *l, struct ev_poll *p);

/* Calls w->fn once room frees up (once, however often it is called). */
void evloop_wait_room(struct evloop *l, struct ev_waiter *w);

/*
 * An SQE for op, submitted with the loop's next batch. Callers check
 * evloop_room first; the loop goes over its bound only by what callers
 * took without checking.
 */
struct io_uring_sqe *evloop_sqe(struct evloop *l, struct ev_op *op);

#endif
