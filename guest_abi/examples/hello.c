/*
 * Smallest guest: prints one line and exits 0. Used to check booting,
 * the console hypercall and exit status end to end.
 */
#include <stdio.h>

#include "mote.h"

int main(void)
{
	/* Ready before printing: boot benchmarks time the start to here. */
	mote_ready();
	fputs("Hello from mote!\n", stdout);
	return 0;
}
