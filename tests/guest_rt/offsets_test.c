/*
 * Checks the musl-internal layouts the platform restates
 * (guest_abi/runtime/platform/musl_private.h) against the real musl, in a
 * static musl binary run natively: each offset through behaviour musl's
 * own code shows.
 */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "musl_private.h"

extern FILE __stdout_FILE, __stdin_FILE;
size_t __stdio_write(FILE *, const unsigned char *, size_t);
size_t __stdout_write(FILE *, const unsigned char *, size_t);
size_t __stdio_read(FILE *, unsigned char *, size_t);

static __thread int tls_var = 42;
static char vbuf[100];

int main(void)
{
	struct musl_pthread *self = (struct musl_pthread *)pthread_self();
	struct musl_file *out = (struct musl_file *)stdout;
	struct musl_file *in = (struct musl_file *)stdin;
	uintptr_t fs0, canary;

	/* Before any other output: musl's setvbuf must come first. */
	setvbuf(stdout, vbuf, _IOFBF, sizeof(vbuf));
	fputs("12345", stdout);
	int pending = (int)(out->wpos - out->wbase);
	size_t room = (size_t)(out->wend - out->wpos);
	fputs("\n", stdout);
	fflush(stdout);

	/* struct pthread */
	__asm__("movq %%fs:0, %0" : "=r"(fs0));
	__asm__("movq %%fs:0x28, %0" : "=r"(canary));
	CHECK("pthread self is at the thread pointer",
	      (uintptr_t)self == fs0 && self->self == self &&
		      musl_self() == self);
	CHECK("pthread canary at 0x28 is %fs:0x28", self->canary == canary);
	CHECK("pthread canary's second byte is zero",
	      ((canary >> 8) & 0xff) == 0);
	CHECK("pthread errno_val is errno",
	      (void *)&self->errno_val == (void *)__errno_location());
	CHECK("pthread tid is gettid()", self->tid == (int)syscall(SYS_gettid));
	CHECK("pthread prev/next of the only thread are itself",
	      self->prev == self && self->next == self);
	CHECK("pthread robust_list.head points at itself",
	      self->robust_list.head == &self->robust_list.head);
	CHECK("pthread detach_state is joinable",
	      self->detach_state == MUSL_DT_JOINABLE);
	CHECK("pthread locale is __libc.global_locale",
	      self->locale == (void *)&__libc.global_locale);
	locale_t c = newlocale(LC_ALL_MASK, "C.UTF-8", 0);
	locale_t old = uselocale(c);
	CHECK("pthread locale follows uselocale()", self->locale == (void *)c);
	uselocale(old);
	CHECK("pthread dtv[0] is the module count, dtv[1] its TLS block",
	      self->dtv[0] == 1 && self->dtv[1] <= (uintptr_t)&tls_var &&
		      (uintptr_t)&tls_var < (uintptr_t)self);

	/* struct __libc */
	CHECK("__libc.auxv is the auxiliary vector",
	      __libc.auxv && __libc.auxv[0] != 0 &&
		      getauxval(AT_PAGESZ) == 4096);
	size_t *a = __libc.auxv;
	int found = 0;
	for (; a[0]; a += 2)
		if (a[0] == AT_PHDR && a[1] == getauxval(AT_PHDR))
			found = 1;
	CHECK("__libc.auxv holds AT_PHDR", found);
	CHECK("__libc.page_size is the page size",
	      __libc.page_size == (size_t)sysconf(_SC_PAGESIZE));
	CHECK("__libc.tls_cnt and tls_head describe the TLS module",
	      __libc.tls_cnt == 1 && __libc.tls_head &&
		      __libc.tls_head->len == sizeof(int) &&
		      *(int *)__libc.tls_head->image == 42);
	CHECK("__libc.tls_align is at least the module's",
	      __libc.tls_align >= __libc.tls_head->align);
	CHECK("__hwcap is AT_HWCAP", __hwcap == getauxval(AT_HWCAP));
	CHECK("__progname is the program's name",
	      strstr(__progname_full, __progname) != NULL);

	/* FILE (printf first, so stdout has been written through) */
	printf("FILE checks follow\n");
	CHECK("FILE fd", out->fd == 1 && in->fd == 0);
	CHECK("FILE lock is -1 for the standard files (no locking)",
	      out->lock == -1 && in->lock == -1);
	/* __stdout_write hands over to __stdio_write after its first call. */
	CHECK("FILE write of stdout is musl's __stdout_write or __stdio_write",
	      out->write == __stdout_write || out->write == __stdio_write);
	CHECK("FILE read of stdin is musl's __stdio_read",
	      in->read == __stdio_read);
	CHECK("FILE flags: stdout is not readable",
	      (out->flags & (MUSL_F_PERM | MUSL_F_NORD)) ==
		      (MUSL_F_PERM | MUSL_F_NORD));
	CHECK("FILE buf and buf_size follow setvbuf",
	      out->buf == (unsigned char *)vbuf + MUSL_UNGET &&
		      out->buf_size == sizeof(vbuf) - MUSL_UNGET);
	CHECK("FILE lbf is -1 when fully buffered", out->lbf == -1);
	CHECK("FILE wpos-wbase counts buffered bytes", pending == 5);
	CHECK("FILE wend bounds the buffer",
	      room == sizeof(vbuf) - MUSL_UNGET - 5);
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK("FILE lbf is '\\n' when line-buffered", out->lbf == '\n');
	ungetc('x', stdin);
	CHECK("FILE rpos/rend hold pushed-back input",
	      in->rend - in->rpos == 1 && *in->rpos == 'x');
	getc(stdin);
	CHECK("FILE F_ERR is ferror",
	      (clearerr(stdin), !(in->flags & MUSL_F_ERR)));
	return check_summary();
}
