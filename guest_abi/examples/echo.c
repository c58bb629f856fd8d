/*
 * Returns its request body: copies stdin to stdout. mote serve's `echo`
 * function; built natively with -DECHO_CGI (a CGI header first), it is
 * the busybox httpd baseline of bench/serve.sh, the same program.
 */
#include <stdio.h>

int main(void)
{
	static char buf[64 * 1024];
	size_t n;

#ifdef ECHO_CGI
	fputs("Content-Type: application/octet-stream\r\n\r\n", stdout);
#endif
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			return 1;
	return ferror(stdin) ? 1 : 0;
}
