/*
 * Seams for the test-only monitor (tests/jail_escape.c): declared and used
 * only in objects compiled with MOTE_TEST_SEAMS, never in mote itself.
 */
#ifndef MOTE_TEST_SEAMS_H
#define MOTE_TEST_SEAMS_H

#include <stdbool.h>

#ifdef MOTE_TEST_SEAMS
/* Called on each guest WRITE, in the vCPU thread: tries an escape. */
void mote_test_console_hook(void);
/* True: the jail leaves seccomp out, to probe the other layers alone. */
extern bool mote_test_no_seccomp;
#endif

#endif
