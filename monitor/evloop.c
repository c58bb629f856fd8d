/*
 * The device event loop: a thread that submits and completes io_uring
 * operations, runs commands from other threads, and resumes waiters.
 */
#include "evloop.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "thread_hook.h"

/* Submission ring size, and so the bound on I/O in flight in the process. */
#define LOOP_SQ_ENTRIES 256u
/* Every doorbell of every VM may complete at once, besides the I/O. */
#define LOOP_CQ_ENTRIES 4096u
#define LOOP_STACK	(256 * 1024)

/* A function run on the loop thread for another thread, which waits until
 * the loop marks it done (at once, or later for a poll being stopped). */
struct ev_cmd {
	void (*fn)(struct evloop *l, struct ev_cmd *c);
	void *arg;
	bool done;
	struct ev_cmd *next;
};

struct evloop {
	struct io_uring ring;
	pthread_t thread;
	unsigned refs;	   /* under registry_lock */
	unsigned inflight; /* I/O operations in flight; loop thread only */
	struct ev_waiter *wait_head, *wait_tail; /* loop thread only */
	/* commands from other threads */
	pthread_mutex_t lock;
	pthread_cond_t cmd_done;
	struct ev_cmd *cmds, **cmds_tail;
	bool stop;
	bool started; /* the thread ran its start hook: start_rc says how */
	int start_rc;
	struct mote_err start_err;
	int wake_fd; /* written after queueing a command */
	struct ev_poll wake;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct evloop *the_loop;

/* An SQE, flushing the ring to the kernel when it is full. */
static struct io_uring_sqe *get_sqe(struct evloop *l)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe && io_uring_submit(&l->ring) >= 0)
		sqe = io_uring_get_sqe(&l->ring);
	return sqe;
}

struct io_uring_sqe *evloop_sqe(struct evloop *l, struct ev_op *op)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	if (!sqe)
		return NULL;
	io_uring_sqe_set_data(sqe, op);
	if (op->io)
		l->inflight++;
	return sqe;
}

bool evloop_room(const struct evloop *l)
{
	return l->inflight < LOOP_SQ_ENTRIES;
}

void evloop_wait_room(struct evloop *l, struct ev_waiter *w)
{
	if (w->queued)
		return;
	w->queued = true;
	w->next = NULL;
	w->prev = l->wait_tail;
	if (l->wait_tail)
		l->wait_tail->next = w;
	else
		l->wait_head = w;
	l->wait_tail = w;
}

static void unqueue(struct evloop *l, struct ev_waiter *w)
{
	if (!w->queued)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		l->wait_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		l->wait_tail = w->prev;
	w->queued = false;
}

/* Resumes waiters in order while there is room; one that runs out of room
 * again queues itself at the back. */
static void run_waiters(struct evloop *l)
{
	struct ev_waiter *last = l->wait_tail;

	while (l->wait_head && evloop_room(l)) {
		struct ev_waiter *w = l->wait_head;

		unqueue(l, w);
		w->fn(w);
		if (w == last)
			break;
	}
}

/* --- commands --- */

static void cmd_finish(struct evloop *l, struct ev_cmd *c)
{
	pthread_mutex_lock(&l->lock);
	c->done = true;
	pthread_cond_broadcast(&l->cmd_done);
	pthread_mutex_unlock(&l->lock);
}

static void call(struct evloop *l, void (*fn)(struct evloop *, struct ev_cmd *),
		 void *arg)
{
	struct ev_cmd c = {.fn = fn, .arg = arg};
	uint64_t one = 1;

	pthread_mutex_lock(&l->lock);
	*l->cmds_tail = &c;
	l->cmds_tail = &c.next;
	pthread_mutex_unlock(&l->lock);
	while (write(l->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&l->lock);
	while (!c.done)
		pthread_cond_wait(&l->cmd_done, &l->lock);
	pthread_mutex_unlock(&l->lock);
}

/* Runs queued commands; returns true when the loop is to stop. */
static bool run_commands(struct evloop *l)
{
	struct ev_cmd *c, *next;
	bool stop;

	pthread_mutex_lock(&l->lock);
	c = l->cmds;
	l->cmds = NULL;
	l->cmds_tail = &l->cmds;
	stop = l->stop;
	pthread_mutex_unlock(&l->lock);
	for (; c; c = next) {
		next = c->next; /* c may be gone once finished */
		c->fn(l, c);
	}
	return stop;
}

/* --- polls on eventfds --- */

static void poll_arm(struct evloop *l, struct ev_poll *p)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	if (!sqe)
		return; /* stays disarmed: the ring is beyond saving */
	if (p->oneshot)
		io_uring_prep_poll_add(sqe, p->fd, POLLIN);
	else
		io_uring_prep_poll_multishot(sqe, p->fd, POLLIN);
	io_uring_sqe_set_data(sqe, &p->op);
	p->armed = true;
}

void evloop_poll_rearm(struct evloop *l, struct ev_poll *p)
{
	if (!p->armed && !p->stopping)
		poll_arm(l, p);
}

static void poll_done(struct ev_op *op, int res, unsigned flags)
{
	struct ev_poll *p = (struct ev_poll *)op;
	struct evloop *l = p->loop;
	uint64_t v;

	if (!(flags & IORING_CQE_F_MORE))
		p->armed = false;
	if (res > 0 && !p->stopping && p->oneshot) {
		/* The user reads, then re-arms: a level check each time. */
		p->fn(p);
		return;
	}
	if (res > 0 && !p->stopping) {
		/* Reset the counter first: a write after this read fires
		 * the poll again, so none is lost. */
		while (read(p->fd, &v, sizeof(v)) < 0 && errno == EINTR)
			;
		p->fn(p);
	}
	if (p->armed)
		return;
	if (p->stopping)
		cmd_finish(l, p->stop_cmd);
	else if (res >= 0)
		poll_arm(l, p); /* the kernel ended the multishot poll */
}

static void cmd_poll_start(struct evloop *l, struct ev_cmd *c)
{
	struct ev_poll *p = c->arg;

	p->op.done = poll_done;
	p->op.io = false;
	p->loop = l;
	p->stopping = false;
	poll_arm(l, p);
	cmd_finish(l, c);
}

static void cmd_poll_stop(struct evloop *l, struct ev_cmd *c)
{
	struct ev_poll *p = c->arg;
	struct io_uring_sqe *sqe;

	/* A oneshot poll that is disarmed is not re-armed after this. */
	p->stopping = true;
	if (!p->armed || !(sqe = get_sqe(l))) {
		cmd_finish(l, c);
		return;
	}
	/* Finished by the poll's last completion, which follows this. */
	p->stop_cmd = c;
	io_uring_prep_poll_remove(sqe, (uint64_t)(uintptr_t)&p->op);
	io_uring_sqe_set_data(sqe, NULL);
}

static void cmd_cancel_wait(struct evloop *l, struct ev_cmd *c)
{
	unqueue(l, c->arg);
	cmd_finish(l, c);
}

void evloop_poll_start(struct evloop *l, struct ev_poll *p)
{
	call(l, cmd_poll_start, p);
}

void evloop_poll_stop(struct evloop *l, struct ev_poll *p)
{
	call(l, cmd_poll_stop, p);
}

void evloop_cancel_wait(struct evloop *l, struct ev_waiter *w)
{
	call(l, cmd_cancel_wait, w);
}

/* --- the thread --- */

static void reap(struct evloop *l)
{
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&l->ring, &cqe) == 0) {
		struct ev_op *op = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		unsigned flags = cqe->flags;

		io_uring_cqe_seen(&l->ring, cqe);
		if (!op)
			continue;
		if (op->io && !(flags & IORING_CQE_F_MORE))
			l->inflight--;
		op->done(op, res, flags);
	}
}

static void wake_fn(struct ev_poll *p)
{
	(void)p; /* commands run after every batch of completions */
}

static void *loop_main(void *arg)
{
	struct evloop *l = arg;
	struct mote_err err = {""};
	int rc = mote_thread_hook_run(MOTE_THREAD_IO, &err);

	pthread_mutex_lock(&l->lock);
	l->started = true;
	l->start_rc = rc;
	l->start_err = err;
	pthread_cond_broadcast(&l->cmd_done);
	pthread_mutex_unlock(&l->lock);
	if (rc)
		return NULL; /* a thread whose hook failed must not run */
	for (;;) {
		/* Submits what the last round prepared, then sleeps until
		 * something completes. */
		io_uring_submit_and_wait(&l->ring, 1);
		reap(l);
		if (run_commands(l))
			break;
		run_waiters(l);
	}
	return NULL;
}

static void loop_free(struct evloop *l)
{
	io_uring_queue_exit(&l->ring);
	close(l->wake_fd);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cmd_done);
	free(l);
}

static int loop_start(struct evloop **out, struct mote_err *err)
{
	struct io_uring_params params;
	struct evloop *l = calloc(1, sizeof(*l));
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	if (!l)
		return err_set(err, ENOMEM, "out of memory");
	l->cmds_tail = &l->cmds;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cmd_done, NULL);
	l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->wake_fd < 0) {
		rc = err_set(err, errno, "eventfd: %s", strerror(errno));
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->cmd_done);
		free(l);
		return rc;
	}
	memset(&params, 0, sizeof(params));
	params.flags = IORING_SETUP_CQSIZE;
	params.cq_entries = LOOP_CQ_ENTRIES;
	rc = io_uring_queue_init_params(LOOP_SQ_ENTRIES, &l->ring, &params);
	if (rc < 0) {
		close(l->wake_fd);
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->cmd_done);
		free(l);
		return err_set(err, -rc, "io_uring: %s", strerror(-rc));
	}
	/* Completions are never dropped when the CQ ring is full (5.5+). */
	if (!(params.features & IORING_FEAT_NODROP)) {
		loop_free(l);
		return err_set(
			err, ENOTSUP,
			"io_uring lacks IORING_FEAT_NODROP (Linux 5.5+)");
	}
	l->wake.fd = l->wake_fd;
	l->wake.fn = wake_fn;
	l->wake.op.done = poll_done;
	l->wake.loop = l;
	poll_arm(l, &l->wake);
	/* The loop takes no signal: the vCPU kick is for vCPU threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, LOOP_STACK);
	rc = pthread_create(&l->thread, &attr, loop_main, l);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		loop_free(l);
		return err_set(err, rc, "device loop thread: %s", strerror(rc));
	}
	pthread_mutex_lock(&l->lock);
	while (!l->started)
		pthread_cond_wait(&l->cmd_done, &l->lock);
	rc = l->start_rc;
	pthread_mutex_unlock(&l->lock);
	if (rc) {
		pthread_join(l->thread, NULL);
		if (err)
			*err = l->start_err;
		loop_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int evloop_get(struct evloop **out, struct mote_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&registry_lock);
	if (!the_loop)
		rc = loop_start(&the_loop, err);
	if (!rc) {
		the_loop->refs++;
		*out = the_loop;
	}
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

void evloop_put(struct evloop *l)
{
	uint64_t one = 1;

	pthread_mutex_lock(&registry_lock);
	if (--l->refs > 0) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_mutex_unlock(&l->lock);
	while (write(l->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(l->thread, NULL);
	the_loop = NULL;
	pthread_mutex_unlock(&registry_lock);
	loop_free(l);
}
