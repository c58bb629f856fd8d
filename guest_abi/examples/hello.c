/*
 * Smallest guest: prints one line and exits 0. Used to check booting,
 * the console hypercall and exit status end to end.
 */
#include <stdio.h>

int main(void)
{
	fputs("Hello from mote!\n", stdout);
	return 0;
}
