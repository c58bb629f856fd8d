/*
 * Guest that never exits, to test the monitor's --timeout handling.
 * The counter is volatile so the loop is not optimised away.
 */
#include <stdio.h>

int main(void)
{
	volatile unsigned long counter = 0;

	/* Line-buffered, as the runtime's stdout was before ABI 2: this
	 * guest spins until stopped, so exit never flushes its output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	fputs("spinning\n", stdout);
	for (;;)
		counter++;
}
