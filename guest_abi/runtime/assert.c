/*
 * Failure path of assert(): report the expression and where it failed,
 * in the same shape as glibc, then abort.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

_Noreturn void __mote_assert_fail(const char *expr, const char *file,
				  int line, const char *func)
{
	fprintf(stderr, "%s:%d: %s: Assertion `%s' failed.\n", file, line,
		func, expr);
	abort();
}
