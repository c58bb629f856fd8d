/*
 * The guest runtime's native tests: one line per check, then
 * "N passed, N failed"; the exit status is 1 if any failed.
 */
#ifndef GUEST_RT_CHECK_H
#define GUEST_RT_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(name, cond)                                                      \
	do {                                                                   \
		int ok_ = !!(cond);                                            \
		printf("%s: %s\n", ok_ ? "ok" : "FAIL", (name));               \
		if (ok_)                                                       \
			check_passed++;                                        \
		else                                                           \
			check_failed++;                                        \
	} while (0)

static int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
