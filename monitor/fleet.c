/*
 * The fleet: M:N scheduling of VMs on a few worker threads (a waiting guest
 * holds no thread), a warm pool refilled in the background, and teardown
 * off the workers' path.
 */
#include "fleet.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "drive.h"
#include "snapshot.h"
#include "evloop.h"
#include "kick.h"
#include "thread_hook.h"
#include "timeutil.h"
#include "vm_fleet.h"

/* A running guest yields its worker after this long if others wait. */
#define SLICE_NS (20 * 1000 * 1000ull)
#define WORKER_STACK (256 * 1024)
/* After a failed pool refill, wait this long before trying again. */
#define REFILL_BACKOFF_NS (100 * 1000 * 1000ull)

struct mote_instance {
	struct mote_fleet *fleet;
	struct mote_vm *vm;
	struct mote_start start; /* args point into argv_copy */
	struct mote_stdio stdio;
	char **argv_copy;
	uint64_t deadline; /* host ns; UINT64_MAX: none */
	uint64_t wake_at;  /* while parked */
	size_t heap_idx;   /* index in the parked heap, while parked */
	bool parked, done;
	struct mote_result res;
	struct mote_instance_stats st;
	struct mote_instance *next; /* run queue */
};

struct vm_list {
	struct mote_vm **v;
	size_t n, cap;
};

struct mote_fleet {
	struct mote_fleet_config cfg;
	pthread_mutex_t lock;
	pthread_cond_t work;  /* run queue non-empty or parked deadline */
	pthread_cond_t done;  /* an instance finished */
	pthread_cond_t house; /* housekeeper: refill or reap */
	pthread_cond_t pool_changed;
	struct mote_instance *head, *tail; /* run queue */
	struct mote_instance **parked;     /* min-heap on wake_at */
	size_t nparked, parked_cap;
	struct vm_list pool;  /* reset and ready */
	struct vm_list dirty; /* ran a guest that exited: reset, then pool */
	struct vm_list reap;  /* to be destroyed */
	unsigned creating;     /* pool VMs being created */
	unsigned pool_out;     /* pool VMs in use by instances */
	uint64_t refill_after; /* backoff after a failed refill */
	bool stopping;
	pthread_t *threads;
	unsigned nthreads;
	pthread_t housekeeper;
	bool have_housekeeper;
	struct evloop *loop; /* held while VMs have devices */
	/* threads report their start (thread hook) before the fleet is used */
	unsigned started, start_failed;
	struct mote_err start_err;
	pthread_cond_t start_cond;
};

static bool list_push(struct vm_list *l, struct mote_vm *vm)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct mote_vm **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = vm;
	return true;
}

/* --- run queue and parked heap (fleet lock held) --- */

static void queue_push(struct mote_fleet *f, struct mote_instance *i)
{
	i->next = NULL;
	if (f->tail)
		f->tail->next = i;
	else
		f->head = i;
	f->tail = i;
	pthread_cond_signal(&f->work);
}

static struct mote_instance *queue_pop(struct mote_fleet *f)
{
	struct mote_instance *i = f->head;

	if (i) {
		f->head = i->next;
		if (!f->head)
			f->tail = NULL;
	}
	return i;
}

static void heap_swap(struct mote_fleet *f, size_t a, size_t b)
{
	struct mote_instance *t = f->parked[a];

	f->parked[a] = f->parked[b];
	f->parked[b] = t;
	f->parked[a]->heap_idx = a;
	f->parked[b]->heap_idx = b;
}

static void heap_up(struct mote_fleet *f, size_t i)
{
	while (i > 0 && f->parked[(i - 1) / 2]->wake_at > f->parked[i]->wake_at) {
		heap_swap(f, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct mote_fleet *f, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < f->nparked && f->parked[l]->wake_at < f->parked[m]->wake_at)
			m = l;
		if (r < f->nparked && f->parked[r]->wake_at < f->parked[m]->wake_at)
			m = r;
		if (m == i)
			return;
		heap_swap(f, i, m);
		i = m;
	}
}

static bool heap_push(struct mote_fleet *f, struct mote_instance *i)
{
	if (f->nparked == f->parked_cap) {
		size_t cap = f->parked_cap ? f->parked_cap * 2 : 64;
		struct mote_instance **p =
			realloc(f->parked, cap * sizeof(*p));

		if (!p)
			return false;
		f->parked = p;
		f->parked_cap = cap;
	}
	i->heap_idx = f->nparked;
	f->parked[f->nparked++] = i;
	heap_up(f, i->heap_idx);
	i->parked = true;
	return true;
}

static void heap_remove(struct mote_fleet *f, struct mote_instance *i)
{
	size_t at = i->heap_idx;

	f->nparked--;
	if (at != f->nparked) {
		heap_swap(f, at, f->nparked);
		heap_down(f, at);
		heap_up(f, at);
	}
	i->parked = false;
}

/* Moves parked instances whose time has come to the run queue. */
static void wake_expired(struct mote_fleet *f, uint64_t now)
{
	while (f->nparked && f->parked[0]->wake_at <= now) {
		struct mote_instance *i = f->parked[0];

		heap_remove(f, i);
		queue_push(f, i);
	}
}

/*
 * A device event for a parked instance: back to the run queue, where
 * dispatch ends its WAIT with MOTE_WAIT_EVENT. One that is not parked yet
 * sees the event itself before it parks (park).
 */
static void instance_wake(void *ctx)
{
	struct mote_instance *i = ctx;
	struct mote_fleet *f = i->fleet;

	pthread_mutex_lock(&f->lock);
	if (i->parked) {
		heap_remove(f, i);
		queue_push(f, i);
	}
	pthread_mutex_unlock(&f->lock);
}

/* --- VMs: acquire, release --- */

/* A new VM with the fleet's devices. */
static int vm_new(struct mote_fleet *f, struct mote_vm **out,
		  struct mote_err *err)
{
	struct mote_vm *vm = NULL;
	int rc = mote_vm_create(f->cfg.mem_size, &vm, err);

	for (unsigned n = 0; !rc && n < f->cfg.ndevices; n++)
		rc = mote_vm_add_device(vm, &f->cfg.devices[n], err);
	if (rc) {
		if (vm)
			mote_vm_destroy(vm);
		return rc;
	}
	*out = vm;
	return 0;
}

static struct mote_vm *pool_take(struct mote_fleet *f)
{
	struct mote_vm *vm = NULL;

	pthread_mutex_lock(&f->lock);
	if (f->pool.n) {
		vm = f->pool.v[--f->pool.n];
		f->pool_out++;
		pthread_cond_signal(&f->house);
		pthread_cond_broadcast(&f->pool_changed);
	}
	pthread_mutex_unlock(&f->lock);
	return vm;
}

/* VMs that belong to the pool: ready, being reset, being made, in use. */
static size_t pool_owned(const struct mote_fleet *f)
{
	return f->pool.n + f->dirty.n + f->creating + f->pool_out;
}

/* Hands a VM to the housekeeper: clean ones are reset into the pool, the
 * rest destroyed. Workers never pay for a reset or a KVM teardown. */
static void vm_release(struct mote_fleet *f, struct mote_vm *vm, bool clean,
		       bool from_pool)
{
	pthread_mutex_lock(&f->lock);
	if (from_pool)
		f->pool_out--;
	/* The pool owns a fixed number of VMs; a clean cold-started VM may
	 * join it when it is short. */
	clean = clean && pool_owned(f) < f->cfg.pool;
	if (!list_push(clean ? &f->dirty : &f->reap, vm)) {
		pthread_mutex_unlock(&f->lock);
		mote_vm_destroy(vm); /* no memory for the list: do it here */
		return;
	}
	pthread_cond_signal(&f->house);
	pthread_mutex_unlock(&f->lock);
}

static void finish(struct mote_fleet *f, struct mote_instance *i)
{
	struct mote_vm *vm = i->vm;

	if (!i->res.t_exit)
		i->res.t_exit = mono_ns();
	if (vm) {
		/* After this no device event can reach i, which is freed
		 * once the instance is waited for. */
		vm_set_waker(vm, NULL, NULL);
		i->st.resident_bytes = vm_resident_bytes(vm);
		i->vm = NULL;
		/* Only a guest that exited by itself leaves the vCPU in a
		 * known state; anything else is not reused. */
		vm_release(f, vm, i->res.outcome == MOTE_EXITED,
			   i->st.from_pool);
		i->st.t_freed = mono_ns();
	}
	/* Read before done is set: after it the instance may be freed. */
	void (*on_done)(void *) = i->start.on_done;
	void *done_ctx = i->start.done_ctx;

	pthread_mutex_lock(&f->lock);
	i->done = true;
	pthread_cond_broadcast(&f->done);
	pthread_mutex_unlock(&f->lock);
	if (on_done)
		on_done(done_ctx);
}

static void fail(struct mote_fleet *f, struct mote_instance *i,
		 const char *what)
{
	i->res.outcome = MOTE_FAILED;
	snprintf(i->res.reason, sizeof(i->res.reason), "%s", what);
	finish(f, i);
}

/* First dispatch of an instance: get a VM and load the image into it. */
static bool boot(struct mote_fleet *f, struct mote_instance *i)
{
	struct mote_err err = { "" };

	i->vm = pool_take(f);
	i->st.from_pool = i->vm != NULL;
	if (!i->vm && vm_new(f, &i->vm, &err) < 0) {
		i->vm = NULL;
		fail(f, i, err.msg);
		return false;
	}
	i->st.t_vm = mono_ns();
	i->st.vm_id = vm_id(i->vm);
	mote_vm_set_stdio(i->vm, i->start.stdio ? &i->stdio : NULL);
	vm_set_waker(i->vm, instance_wake, i);
	vm_set_deadline(i->vm, i->deadline, i->start.timeout_ns);
	if (i->start.take_snapshot)
		mote_vm_request_snapshot(i->vm, i->start.take_snapshot);
	if ((i->start.snapshot
		     ? mote_vm_load_snapshot(i->vm, i->start.snapshot,
					     &i->start.args, &err)
		     : mote_vm_load(i->vm, i->start.img, &i->start.args,
				    &err)) < 0) {
		fail(f, i, err.msg);
		return false;
	}
	i->st.t_loaded = mono_ns();
	i->res.t_start = i->st.t_loaded;
	return true;
}

/*
 * Parks an instance in WAIT until its deadline, or requeues it at once if
 * a device event came first: instance_wake sets the event before it takes
 * the lock, so either this sees it, or it sees the instance parked.
 */
static void park(struct mote_fleet *f, struct mote_instance *i)
{
	i->wake_at = drive_wake_at(i->vm);
	pthread_mutex_lock(&f->lock);
	if (vm_event_pending(i->vm)) {
		queue_push(f, i);
	} else if (!heap_push(f, i)) {
		pthread_mutex_unlock(&f->lock);
		fail(f, i, "out of memory parking a waiting guest");
		return;
	}
	/* an idle worker may need to sleep less long now */
	pthread_cond_signal(&f->work);
	pthread_mutex_unlock(&f->lock);
}

/* Runs one instance for up to a slice; requeues, parks or finishes it. */
static void dispatch(struct mote_fleet *f, struct mote_instance *i,
		     timer_t timer)
{
	if (!i->vm && !boot(f, i))
		return;
	switch (drive(i->vm, mono_ns() + SLICE_NS, &timer, &i->res)) {
	case DRIVE_DONE:
		finish(f, i);
		return;
	case DRIVE_WAIT:
		park(f, i);
		return;
	case DRIVE_YIELD:
		pthread_mutex_lock(&f->lock);
		queue_push(f, i); /* round robin: others get the CPU */
		pthread_mutex_unlock(&f->lock);
		return;
	}
}

/* Runs the thread hook and tells mote_fleet_create how it went. */
static bool thread_start(struct mote_fleet *f, enum mote_thread_kind kind)
{
	struct mote_err err = { "" };
	int rc = mote_thread_hook_run(kind, &err);

	pthread_mutex_lock(&f->lock);
	f->started++;
	if (rc && !f->start_failed++)
		f->start_err = err;
	pthread_cond_broadcast(&f->start_cond);
	pthread_mutex_unlock(&f->lock);
	return rc == 0;
}

/*
 * A worker's kick timer outlives it: the thread that joins the worker
 * deletes it (mote_fleet_destroy), so that timer_delete need not be on the
 * vCPU threads' allowlist, which the jail keeps to 20 calls. glibc's
 * timer_t is a pointer, so it travels as the thread's result; a kernel
 * timer id of 0 makes a null one, so "no timer" is its own address.
 */
_Static_assert(__builtin_types_compatible_p(timer_t, void *),
	       "a timer_t is returned as a thread's result");
static char no_timer;

static void *worker_main(void *arg)
{
	struct mote_fleet *f = arg;
	timer_t timer;
	struct timespec ts;

	if (kick_timer_create(&timer) < 0) {
		thread_start(f, MOTE_THREAD_VCPU);
		return &no_timer; /* the fleet still has its other workers */
	}
	if (!thread_start(f, MOTE_THREAD_VCPU))
		return timer;
	pthread_mutex_lock(&f->lock);
	for (;;) {
		struct mote_instance *i;

		wake_expired(f, mono_ns());
		i = queue_pop(f);
		if (i) {
			pthread_mutex_unlock(&f->lock);
			dispatch(f, i, timer);
			pthread_mutex_lock(&f->lock);
			continue;
		}
		if (f->stopping)
			break;
		if (f->nparked) {
			uint64_t t = f->parked[0]->wake_at;

			ts.tv_sec = (time_t)(t / 1000000000ull);
			ts.tv_nsec = (long)(t % 1000000000ull);
			pthread_cond_timedwait(&f->work, &f->lock, &ts);
		} else {
			pthread_cond_wait(&f->work, &f->lock);
		}
	}
	pthread_mutex_unlock(&f->lock);
	return timer;
}

/* --- housekeeping: pool refill and teardown --- */

static void *housekeeper_main(void *arg)
{
	struct mote_fleet *f = arg;

	if (!thread_start(f, MOTE_THREAD_HOUSEKEEPER))
		return NULL;
	pthread_mutex_lock(&f->lock);
	for (;;) {
		bool refill = !f->stopping && pool_owned(f) < f->cfg.pool &&
			      mono_ns() >= f->refill_after;

		if (f->dirty.n) {
			struct mote_vm *vm = f->dirty.v[--f->dirty.n];
			struct mote_err err;
			int rc;

			pthread_mutex_unlock(&f->lock);
			rc = vm_reset(vm, &err);
			pthread_mutex_lock(&f->lock);
			if (rc || f->stopping || f->pool.n >= f->cfg.pool ||
			    !list_push(&f->pool, vm)) {
				pthread_mutex_unlock(&f->lock);
				mote_vm_destroy(vm);
				pthread_mutex_lock(&f->lock);
			}
			pthread_cond_broadcast(&f->pool_changed);
		} else if (f->reap.n) {
			struct mote_vm *vm = f->reap.v[--f->reap.n];

			pthread_mutex_unlock(&f->lock);
			mote_vm_destroy(vm);
			pthread_mutex_lock(&f->lock);
		} else if (refill) {
			struct mote_vm *vm = NULL;
			struct mote_err err;
			int rc;

			/* read under the lock: mote_fleet_pool_snapshot may
			 * change them */
			const struct mote_snapshot *psnap = f->cfg.pool_snapshot;
			const struct mote_image *pimg = f->cfg.pool_image;

			f->creating++;
			pthread_mutex_unlock(&f->lock);
			rc = vm_new(f, &vm, &err);
			if (!rc && psnap)
				rc = snapshot_prepare(vm, psnap, &err);
			else if (!rc && pimg)
				rc = vm_prepare(vm, pimg, &err);
			if (!rc)
				rc = vm_warm_up(vm, &err);
			pthread_mutex_lock(&f->lock);
			f->creating--;
			if (rc || !list_push(&f->pool, vm)) {
				if (vm) {
					pthread_mutex_unlock(&f->lock);
					mote_vm_destroy(vm);
					pthread_mutex_lock(&f->lock);
				}
				f->refill_after = mono_ns() + REFILL_BACKOFF_NS;
			}
			pthread_cond_broadcast(&f->pool_changed);
		} else if (f->stopping) {
			break;
		} else if (pool_owned(f) < f->cfg.pool) {
			struct timespec ts = {
				.tv_sec = (time_t)(f->refill_after / 1000000000ull),
				.tv_nsec = (long)(f->refill_after % 1000000000ull),
			};

			pthread_cond_broadcast(&f->pool_changed);
			pthread_cond_timedwait(&f->house, &f->lock, &ts);
		} else {
			pthread_cond_wait(&f->house, &f->lock);
		}
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Hundreds of VMs need two fds each: lift the soft limit to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int init_sync(struct mote_fleet *f)
{
	pthread_condattr_t ca;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_mutex_init(&f->lock, NULL);
	rc = rc ? rc : pthread_cond_init(&f->work, &ca);
	rc = rc ? rc : pthread_cond_init(&f->done, &ca);
	rc = rc ? rc : pthread_cond_init(&f->house, &ca);
	rc = rc ? rc : pthread_cond_init(&f->pool_changed, &ca);
	rc = rc ? rc : pthread_cond_init(&f->start_cond, &ca);
	pthread_condattr_destroy(&ca);
	return rc;
}

int mote_fleet_create(const struct mote_fleet_config *cfg,
		      struct mote_fleet **out, struct mote_err *err)
{
	struct mote_fleet *f;
	pthread_attr_t attr;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int rc;

	f = calloc(1, sizeof(*f));
	if (!f)
		return err_set(err, ENOMEM, "out of memory");
	f->cfg = *cfg;
	if (!f->cfg.workers)
		f->cfg.workers = (unsigned)(ncpu > 0 ? 2 * ncpu : 2);
	rc = init_sync(f);
	if (rc) {
		free(f);
		return err_set(err, rc, "fleet: %s", strerror(rc));
	}
	raise_fd_limit();
	/* Workers, the housekeeper and the device loop exist before any
	 * start: no thread is ever created on the start path. */
	if (f->cfg.ndevices) {
		rc = evloop_get(&f->loop, err);
		if (rc) {
			mote_fleet_destroy(f);
			return rc;
		}
	}
	f->threads = calloc(f->cfg.workers, sizeof(*f->threads));
	if (!f->threads) {
		mote_fleet_destroy(f);
		return err_set(err, ENOMEM, "out of memory");
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (unsigned n = 0; n < f->cfg.workers; n++) {
		rc = pthread_create(&f->threads[n], &attr, worker_main, f);
		if (rc)
			break;
		f->nthreads++;
	}
	if (!rc) {
		rc = pthread_create(&f->housekeeper, &attr, housekeeper_main, f);
		f->have_housekeeper = rc == 0;
	}
	pthread_attr_destroy(&attr);
	if (rc) {
		mote_fleet_destroy(f);
		return err_set(err, rc, "creating fleet threads: %s",
			       strerror(rc));
	}
	/* No instance may run on a thread whose hook (its jail) failed. */
	pthread_mutex_lock(&f->lock);
	while (f->started < f->nthreads + 1)
		pthread_cond_wait(&f->start_cond, &f->lock);
	pthread_mutex_unlock(&f->lock);
	if (f->start_failed) {
		if (err)
			*err = f->start_err;
		rc = -EPERM;
		mote_fleet_destroy(f);
		return rc;
	}
	*out = f;
	return 0;
}

/* One allocation holding argv, NULL, envp, NULL and their strings. */
static char **copy_args(const struct mote_args *a)
{
	size_t envc = 0, bytes;
	char **v, *p;

	while (a->envp && a->envp[envc])
		envc++;
	bytes = ((size_t)a->argc + envc + 2) * sizeof(char *);
	for (int n = 0; n < a->argc; n++)
		bytes += strlen(a->argv[n]) + 1;
	for (size_t n = 0; n < envc; n++)
		bytes += strlen(a->envp[n]) + 1;
	v = malloc(bytes);
	if (!v)
		return NULL;
	p = (char *)(v + a->argc + envc + 2);
	for (size_t n = 0; n < (size_t)a->argc + envc + 1; n++) {
		const char *src = n < (size_t)a->argc ? a->argv[n]
				: n == (size_t)a->argc ? NULL
						       : a->envp[n - a->argc - 1];
		size_t len;

		if (!src) {
			v[n] = NULL;
			continue;
		}
		len = strlen(src) + 1;
		v[n] = memcpy(p, src, len);
		p += len;
	}
	v[a->argc + envc + 1] = NULL;
	return v;
}

int mote_fleet_start(struct mote_fleet *f, const struct mote_start *s,
		     struct mote_instance **out, struct mote_err *err)
{
	struct mote_instance *i = calloc(1, sizeof(*i));

	if (!i)
		return err_set(err, ENOMEM, "out of memory");
	i->argv_copy = copy_args(&s->args);
	if (!i->argv_copy) {
		free(i);
		return err_set(err, ENOMEM, "out of memory");
	}
	i->fleet = f;
	i->start = *s;
	i->start.args.argv = i->argv_copy;
	i->start.args.envp = i->argv_copy + s->args.argc + 1;
	if (s->stdio)
		i->stdio = *s->stdio;
	i->st.t_submit = mono_ns();
	i->deadline = s->timeout_ns ? i->st.t_submit + s->timeout_ns
				    : UINT64_MAX;
	pthread_mutex_lock(&f->lock);
	queue_push(f, i);
	pthread_mutex_unlock(&f->lock);
	*out = i;
	return 0;
}

void mote_instance_wait(struct mote_instance *i, struct mote_result *res,
			struct mote_instance_stats *st)
{
	struct mote_fleet *f = i->fleet;

	pthread_mutex_lock(&f->lock);
	while (!i->done)
		pthread_cond_wait(&f->done, &f->lock);
	pthread_mutex_unlock(&f->lock);
	if (res)
		*res = i->res;
	if (st)
		*st = i->st;
	free(i->argv_copy);
	free(i);
}

void mote_fleet_pool_snapshot(struct mote_fleet *f,
			      const struct mote_snapshot *snap)
{
	pthread_mutex_lock(&f->lock);
	f->cfg.pool_snapshot = snap;
	f->cfg.pool_image = NULL;
	/* Ready VMs were made for the image: the housekeeper tears them
	 * down and makes new ones (those in use return clean and are
	 * remapped at their next start). */
	while (f->pool.n && list_push(&f->reap, f->pool.v[f->pool.n - 1]))
		f->pool.n--;
	pthread_cond_signal(&f->house);
	pthread_mutex_unlock(&f->lock);
}

unsigned mote_fleet_pool_ready(struct mote_fleet *f)
{
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = (unsigned)f->pool.n;
	pthread_mutex_unlock(&f->lock);
	return n;
}

void mote_fleet_pool_wait_full(struct mote_fleet *f)
{
	pthread_mutex_lock(&f->lock);
	while (f->pool.n < f->cfg.pool && mono_ns() >= f->refill_after &&
	       f->have_housekeeper)
		pthread_cond_wait(&f->pool_changed, &f->lock);
	pthread_mutex_unlock(&f->lock);
}

void mote_fleet_destroy(struct mote_fleet *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	pthread_cond_broadcast(&f->work);
	pthread_cond_broadcast(&f->house);
	pthread_mutex_unlock(&f->lock);
	for (unsigned n = 0; n < f->nthreads; n++) {
		void *timer = &no_timer;

		pthread_join(f->threads[n], &timer);
		if (timer != &no_timer)
			timer_delete(timer);
	}
	if (f->have_housekeeper)
		pthread_join(f->housekeeper, NULL);
	for (size_t n = 0; n < f->pool.n; n++)
		mote_vm_destroy(f->pool.v[n]);
	for (size_t n = 0; n < f->reap.n; n++)
		mote_vm_destroy(f->reap.v[n]);
	for (size_t n = 0; n < f->dirty.n; n++)
		mote_vm_destroy(f->dirty.v[n]);
	if (f->loop)
		evloop_put(f->loop);
	free(f->pool.v);
	free(f->dirty.v);
	free(f->reap.v);
	free(f->parked);
	free(f->threads);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->work);
	pthread_cond_destroy(&f->done);
	pthread_cond_destroy(&f->house);
	pthread_cond_destroy(&f->pool_changed);
	pthread_cond_destroy(&f->start_cond);
	free(f);
}
