/*
 * stdio throughput: `catbench read` reads stdin to its end and
 * `catbench write` writes 64 MiB of 'x' to stdout, in 64 KiB fread/fwrite
 * blocks; each prints the byte count on stderr. Built both as a guest and
 * natively (musl-gcc -static), to compare the two.
 */
#include <stdio.h>
#include <string.h>

#define BLOCK (64u * 1024)
#define TOTAL (64ull * 1024 * 1024)

static char block[BLOCK];

int main(int argc, char **argv)
{
	unsigned long long n = 0;

	if (argc == 2 && strcmp(argv[1], "read") == 0) {
		size_t r;

		while ((r = fread(block, 1, BLOCK, stdin)) > 0)
			n += r;
		if (ferror(stdin)) {
			perror("catbench: read");
			return 1;
		}
	} else if (argc == 2 && strcmp(argv[1], "write") == 0) {
		memset(block, 'x', BLOCK);
		for (; n < TOTAL; n += BLOCK)
			if (fwrite(block, 1, BLOCK, stdout) != BLOCK) {
				perror("catbench: write");
				return 1;
			}
		if (fflush(stdout) != 0) {
			perror("catbench: write");
			return 1;
		}
	} else {
		fputs("usage: catbench read|write\n", stderr);
		return 2;
	}
	fprintf(stderr, "catbench: %llu bytes\n", n);
	return 0;
}
