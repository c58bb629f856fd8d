/*
 * Writes to stdout forever, ignoring errors: the output limit must stop
 * it (mote serve answers 502, mote run --max-output stops it too).
 */
#include <stdio.h>
#include <string.h>

int main(void)
{
	static char buf[4096];

	memset(buf, 'x', sizeof(buf));
	for (;;) {
		fwrite(buf, 1, sizeof(buf), stdout);
		clearerr(stdout);
	}
}
