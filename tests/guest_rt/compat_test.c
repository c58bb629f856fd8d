/*
 * guest_abi/runtime/glibc_compat.c, run natively against musl: each
 * fortified call does the plain call's work when its length fits, and
 * aborts (as glibc does) when it does not.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#include "../../guest_abi/runtime/glibc_compat.h"

/* Runs fn in a child; true if it died of SIGABRT (glibc's __chk_fail). */
static int aborts(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0) {
		/* The child's "buffer overflow detected" line is expected. */
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	int st = 0;

	waitpid(pid, &st, 0);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static char small[8];
static volatile size_t big_n = 9; /* opaque to the compiler's own checks */

static void snprintf_over(void)
{
	__snprintf_chk(small, big_n, 0, sizeof(small), "%s", "x");
}
static void sprintf_over(void)
{
	__sprintf_chk(small, 0, sizeof(small), "%s", "123456789");
}
static void memcpy_over(void)
{
	__memcpy_chk(small, "123456789", big_n, sizeof(small));
}
static void memmove_over(void)
{
	__memmove_chk(small, "123456789", big_n, sizeof(small));
}
static void memset_over(void)
{
	__memset_chk(small, 0, big_n, sizeof(small));
}
static void strcpy_over(void)
{
	__strcpy_chk(small, "12345678", sizeof(small));
}
static void stpcpy_over(void)
{
	__stpcpy_chk(small, "12345678", sizeof(small));
}
static void strncpy_over(void)
{
	__strncpy_chk(small, "1", big_n, sizeof(small));
}
static void strcat_over(void)
{
	strcpy(small, "1234");
	__strcat_chk(small, "5678", sizeof(small));
}
static void strncat_over(void)
{
	strcpy(small, "1234");
	__strncat_chk(small, "56789", 4, sizeof(small));
}
static void fread_over(void)
{
	__fread_chk(small, sizeof(small), 3, 3, stdin);
}
static void fgets_over(void)
{
	__fgets_chk(small, sizeof(small), 9, stdin);
}

static int call_vsnprintf_chk(char *s, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = __vsnprintf_chk(s, n, 0, n, fmt, ap);
	va_end(ap);
	return r;
}

int main(void)
{
	char buf[64];
	jmp_buf jb;
	volatile int jumped = 0;

	CHECK("__snprintf_chk formats and truncates like snprintf",
	      __snprintf_chk(buf, 6, 1, sizeof(buf), "%d-%s", 42, "abcdef") ==
			      9 &&
		      strcmp(buf, "42-ab") == 0);
	CHECK("__vsnprintf_chk formats like vsnprintf",
	      call_vsnprintf_chk(buf, sizeof(buf), "%05.1f|%x", 3.14159, 255) ==
			      8 &&
		      strcmp(buf, "003.1|ff") == 0);
	CHECK("__sprintf_chk formats like sprintf",
	      __sprintf_chk(buf, 1, sizeof(buf), "%s=%u", "n", 7u) == 3 &&
		      strcmp(buf, "n=7") == 0);
	CHECK("__fprintf_chk writes like fprintf",
	      __fprintf_chk(stdout, 1, "fprintf %s\n", "line") == 13);
	CHECK("__printf_chk writes like printf",
	      __printf_chk(1, "printf %d\n", 5) == 9);
	CHECK("__memcpy_chk copies",
	      __memcpy_chk(buf, "abc", 4, sizeof(buf)) == buf &&
		      strcmp(buf, "abc") == 0);
	strcpy(buf, "abcdef");
	CHECK("__memmove_chk moves overlapping bytes",
	      __memmove_chk(buf + 1, buf, 5, sizeof(buf) - 1) == buf + 1 &&
		      strcmp(buf, "aabcde") == 0);
	CHECK("__memset_chk sets",
	      __memset_chk(buf, 'z', 3, sizeof(buf)) == buf &&
		      memcmp(buf, "zzz", 3) == 0);
	CHECK("__strcpy_chk copies",
	      __strcpy_chk(buf, "hello", sizeof(buf)) == buf &&
		      strcmp(buf, "hello") == 0);
	CHECK("__stpcpy_chk returns the end",
	      __stpcpy_chk(buf, "hi", sizeof(buf)) == buf + 2 &&
		      strcmp(buf, "hi") == 0);
	CHECK("__strncpy_chk pads with zeros",
	      __strncpy_chk(buf, "ab", 5, sizeof(buf)) == buf &&
		      memcmp(buf, "ab\0\0\0", 5) == 0);
	strcpy(buf, "foo");
	CHECK("__strcat_chk appends",
	      __strcat_chk(buf, "bar", sizeof(buf)) == buf &&
		      strcmp(buf, "foobar") == 0);
	CHECK("__strncat_chk appends at most n",
	      __strncat_chk(buf, "bazqux", 3, sizeof(buf)) == buf &&
		      strcmp(buf, "foobarbaz") == 0);
	FILE *f = fmemopen((void *)"line one\nline two\n", 18, "r");
	CHECK("__fgets_chk reads a line",
	      f && __fgets_chk(buf, sizeof(buf), sizeof(buf), f) == buf &&
		      strcmp(buf, "line one\n") == 0);
	CHECK("__fread_chk reads",
	      f && __fread_chk(buf, sizeof(buf), 1, 4, f) == 4 &&
		      memcmp(buf, "line", 4) == 0);
	if (f)
		fclose(f);
	if (setjmp(jb) == 0)
		__longjmp_chk(jb, 7);
	else
		jumped = 1;
	CHECK("__longjmp_chk jumps back to setjmp", jumped);

	CHECK("__snprintf_chk aborts when maxlen exceeds the object",
	      aborts(snprintf_over));
	CHECK("__sprintf_chk aborts on overflow", aborts(sprintf_over));
	CHECK("__memcpy_chk aborts on overflow", aborts(memcpy_over));
	CHECK("__memmove_chk aborts on overflow", aborts(memmove_over));
	CHECK("__memset_chk aborts on overflow", aborts(memset_over));
	CHECK("__strcpy_chk aborts on overflow", aborts(strcpy_over));
	CHECK("__stpcpy_chk aborts on overflow", aborts(stpcpy_over));
	CHECK("__strncpy_chk aborts on overflow", aborts(strncpy_over));
	CHECK("__strcat_chk aborts on overflow", aborts(strcat_over));
	CHECK("__strncat_chk aborts on overflow", aborts(strncat_over));
	CHECK("__fread_chk aborts on overflow", aborts(fread_over));
	CHECK("__fgets_chk aborts on overflow", aborts(fgets_over));
	return check_summary();
}
