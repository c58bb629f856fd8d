/*
 * Guest that never exits, to test the monitor's --timeout handling.
 * The counter is volatile so the loop is not optimised away.
 */
#include <stdio.h>

int main(void)
{
	volatile unsigned long counter = 0;

	fputs("spinning\n", stdout);
	for (;;)
		counter++;
}
