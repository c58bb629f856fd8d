/*
 * The thread-start hook (see thread_hook.h). Set once at start-up, before
 * any thread exists, so it needs no lock.
 */
#include "thread_hook.h"

static mote_thread_hook_fn hook;

void mote_set_thread_hook(mote_thread_hook_fn fn)
{
	hook = fn;
}

int mote_thread_hook_run(enum mote_thread_kind kind, struct mote_err *err)
{
	return hook ? hook(kind, err) : 0;
}
