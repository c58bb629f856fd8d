/*
 * Guest that faults: writes through a null pointer, which the monitor
 * must report as a crash rather than hang or misbehave.
 */
#include <stdio.h>

int main(void)
{
	/* Both the pointer and its target are volatile, so the compiler can
	 * neither prove the pointer null nor drop or trap the store itself. */
	volatile int *volatile p = NULL;

	/* Line-buffered, as the runtime's stdout was before ABI 2: this
	 * guest crashes before exit could flush its output. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	fputs("about to crash\n", stdout);
	*p = 0x6d6f7465;
	fputs("crash: survived\n", stdout);
	return 1;
}
