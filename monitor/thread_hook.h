/*
 * A hook every thread the monitor creates calls first, so that a caller
 * (the jail) can install that kind of thread's restrictions.
 */
#ifndef MOTE_THREAD_HOOK_H
#define MOTE_THREAD_HOOK_H

#include "err.h"

enum mote_thread_kind {
	MOTE_THREAD_VCPU,        /* fleet workers */
	MOTE_THREAD_HOUSEKEEPER, /* pool refill, VM teardown */
	MOTE_THREAD_IO,          /* the device event loop */
};

typedef int (*mote_thread_hook_fn)(enum mote_thread_kind kind,
				   struct mote_err *err);

/* Sets the hook (NULL: none). Call before creating any fleet or device. */
void mote_set_thread_hook(mote_thread_hook_fn fn);

/* Runs the hook for a new thread; a thread whose hook fails must not run. */
int mote_thread_hook_run(enum mote_thread_kind kind, struct mote_err *err);

#endif
