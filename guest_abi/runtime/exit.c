/*
 * Process termination: exit (handlers, destructors, flush), _Exit (the
 * MOTE_HC_EXIT hypercall) and abort.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "mote.h"

#define ATEXIT_MAX 32

typedef void (*dtor_fn)(void);
extern const dtor_fn __fini_array_start[], __fini_array_end[];

static void (*atexit_fns[ATEXIT_MAX])(void);
static unsigned atexit_count;

int atexit(void (*fn)(void))
{
	if (atexit_count == ATEXIT_MAX)
		return -1;
	atexit_fns[atexit_count++] = fn;
	return 0;
}

_Noreturn void exit(int status)
{
	/* Handlers may themselves call atexit; take them one at a time. */
	while (atexit_count > 0)
		atexit_fns[--atexit_count]();
	for (const dtor_fn *f = __fini_array_end; f > __fini_array_start;)
		(*--f)();
	fflush(NULL);
	_Exit(status);
}

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
	static const char msg[] = "abort\n";

	/* Keep what the program printed so far, but run no handlers. */
	fflush(NULL);
	mote_console_write(msg, sizeof(msg) - 1);
	_Exit(134);
}
