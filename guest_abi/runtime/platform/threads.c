/*
 * The pthread calls a single-threaded program still makes, in place of
 * musl's pthread_once.o and the mutex objects that carry futex calls
 * (pthread_mutex_trylock.o, _timedlock.o, _unlock.o). A guest has one
 * thread: a lock it cannot take now would never be released, so waiting
 * for one fails with EDEADLK instead of hanging. Mutex fields are those of
 * musl 1.2.3's pthread_impl.h (_m_type, _m_lock, _m_count).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>

#define M_TYPE(m)  ((m)->__u.__i[0])
#define M_LOCK(m)  ((m)->__u.__vi[1])
#define M_COUNT(m) ((m)->__u.__i[5])
#define SELF_TID   1 /* tls.c's tid */

int __pthread_once(pthread_once_t *control, void (*init)(void));
int __pthread_once_full(pthread_once_t *control, void (*init)(void));
int __pthread_mutex_trylock(pthread_mutex_t *m);
int __pthread_mutex_trylock_owner(pthread_mutex_t *m);
int __pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *at);
int __pthread_mutex_unlock(pthread_mutex_t *m);

/* 0: never run, 1: running (a recursive call), 2: done: musl's values. */
int __pthread_once_full(pthread_once_t *control, void (*init)(void))
{
	if (*control == 0) {
		*control = 1;
		init();
		*control = 2;
	}
	return 0;
}

int __pthread_once(pthread_once_t *control, void (*init)(void))
{
	return *control == 2 ? 0 : __pthread_once_full(control, init);
}
int pthread_once(pthread_once_t *, void (*)(void))
	__attribute__((weak, alias("__pthread_once")));

int __pthread_mutex_trylock_owner(pthread_mutex_t *m)
{
	int type = M_TYPE(m) & 3;

	if (M_LOCK(m) == 0) {
		/* musl's inline lock path marks normal mutexes with EBUSY. */
		M_LOCK(m) = type == PTHREAD_MUTEX_NORMAL ? EBUSY : SELF_TID;
		M_COUNT(m) = 0;
		return 0;
	}
	if (type == PTHREAD_MUTEX_RECURSIVE) {
		if (M_COUNT(m) == INT_MAX)
			return EAGAIN;
		M_COUNT(m)++;
		return 0;
	}
	return EBUSY;
}

int __pthread_mutex_trylock(pthread_mutex_t *m)
{
	return __pthread_mutex_trylock_owner(m);
}
int pthread_mutex_trylock(pthread_mutex_t *)
	__attribute__((weak, alias("__pthread_mutex_trylock")));

int __pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *at)
{
	int r = __pthread_mutex_trylock_owner(m);

	(void)at;
	return r == EBUSY ? EDEADLK : r;
}
int pthread_mutex_timedlock(pthread_mutex_t *, const struct timespec *)
	__attribute__((weak, alias("__pthread_mutex_timedlock")));

int __pthread_mutex_unlock(pthread_mutex_t *m)
{
	int type = M_TYPE(m) & 3;

	if (M_LOCK(m) == 0)
		return type == PTHREAD_MUTEX_NORMAL ? 0 : EPERM;
	if (type == PTHREAD_MUTEX_RECURSIVE && M_COUNT(m) > 0) {
		M_COUNT(m)--;
		return 0;
	}
	M_LOCK(m) = 0;
	return 0;
}
int pthread_mutex_unlock(pthread_mutex_t *)
	__attribute__((weak, alias("__pthread_mutex_unlock")));
