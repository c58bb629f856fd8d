/*
 * Ending the guest: _Exit (MOTE_HC_EXIT), and abort and raise, which
 * without signals end it the way a fatal signal would end a process on
 * Linux as seen by a shell: status 128 + signal, nothing flushed (abort()
 * exits 134). musl's exit() (atexit handlers, destructors, stdio flush)
 * is used as it is. Replaces musl's _Exit.o, abort.o and raise.o.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "mote.h"
#include "platform.h"

_Noreturn void _Exit(int status)
{
	struct mote_hc_exit hc = {
		.status = status,
		.entry_tsc = __mote_entry_tsc_value,
	};

	mote_hypercall(MOTE_HC_EXIT, &hc);
	/* The monitor never resumes an exited guest; if it somehow does,
	 * fault rather than run on. */
	for (;;)
		__asm__ volatile("ud2");
}

_Noreturn void abort(void)
{
	_Exit(128 + SIGABRT);
}

/* Signals whose default action is to do nothing. */
static int ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
	       sig == SIGWINCH;
}

int raise(int sig)
{
	if (sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (ignored_by_default(sig))
		return 0;
	_Exit(128 + sig);
}
