/*
 * The few musl-internal layouts the platform layer must share with musl's
 * own code: restated from musl 1.2.3 (Debian musl-dev 1.2.3-1, x86-64),
 * src/internal/stdio_impl.h, pthread_impl.h and libc.h. Nothing else in
 * the runtime may include this. tests/guest_rt/offsets_test.c checks every
 * offset used here against a real musl static binary; a different musl
 * version must pass that test before it is used.
 */
#ifndef MOTE_MUSL_PRIVATE_H
#define MOTE_MUSL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MUSL_VERSION_MIRRORED "1.2.3"

/* struct _IO_FILE (stdio_impl.h): the platform defines stdin, stdout and
 * stderr itself, so the whole layout is needed. */
#define MUSL_UNGET  8
#define MUSL_F_PERM 1u
#define MUSL_F_NORD 4u
#define MUSL_F_NOWR 8u
#define MUSL_F_EOF  16u
#define MUSL_F_ERR  32u
#define MUSL_F_SVB  64u

struct musl_file {
	unsigned flags;
	unsigned char *rpos, *rend;
	int (*close)(FILE *);
	unsigned char *wend, *wpos;
	unsigned char *mustbezero_1;
	unsigned char *wbase;
	size_t (*read)(FILE *, unsigned char *, size_t);
	size_t (*write)(FILE *, const unsigned char *, size_t);
	off_t (*seek)(FILE *, off_t, int);
	unsigned char *buf;
	size_t buf_size;
	FILE *prev, *next;
	int fd;
	int pipe_pid;
	long lockcount;
	int mode;
	volatile int lock;
	int lbf;
	void *cookie;
	off_t off;
	char *getln_buf;
	void *mustbezero_2;
	unsigned char *shend;
	off_t shlim, shcnt;
	FILE *prev_locked, *next_locked;
	void *locale;
};
_Static_assert(sizeof(struct musl_file) == 232, "musl 1.2.3 FILE");
_Static_assert(offsetof(struct musl_file, buf) == 88, "musl 1.2.3 FILE");
_Static_assert(offsetof(struct musl_file, lbf) == 144, "musl 1.2.3 FILE");

/* struct __libc (libc.h), the hidden object `__libc`. */
struct musl_tls_module {
	struct musl_tls_module *next;
	void *image;
	size_t len, size, align, offset;
};

struct musl_libc {
	char can_do_threads;
	char threaded;
	char secure;
	volatile signed char need_locks;
	int threads_minus_1;
	size_t *auxv;
	struct musl_tls_module *tls_head;
	size_t tls_size, tls_align, tls_cnt;
	size_t page_size;
	struct {
		const void *cat[6];
	} global_locale;
};
_Static_assert(offsetof(struct musl_libc, page_size) == 48, "musl __libc");
_Static_assert(offsetof(struct musl_libc, global_locale) == 56, "musl __libc");

/* struct pthread (pthread_impl.h), x86-64 (TLS below the thread pointer):
 * the fields the platform fills in at start-up. It lives at the thread
 * pointer, inside the monitor's MOTE_TCB_SIZE zeroed bytes. */
struct musl_pthread {
	struct musl_pthread *self;
	uintptr_t *dtv;
	struct musl_pthread *prev, *next;
	uintptr_t sysinfo;
	uintptr_t canary;
	int tid;
	int errno_val;
	volatile int detach_state;
	volatile int cancel;
	volatile unsigned char canceldisable, cancelasync;
	unsigned char flag_bits; /* tsd_used:1, dlerror_flag:1 */
	unsigned char *map_base;
	size_t map_size;
	void *stack;
	size_t stack_size;
	size_t guard_size;
	void *result;
	void *cancelbuf;
	void **tsd;
	struct {
		volatile void *volatile head;
		long off;
		volatile void *volatile pending;
	} robust_list;
	int h_errno_val;
	volatile int timer_id;
	void *locale;
	volatile int killlock[1];
	char *dlerror_buf;
	void *stdio_locks;
};
_Static_assert(offsetof(struct musl_pthread, canary) == 0x28,
	       "musl pthread canary");
_Static_assert(offsetof(struct musl_pthread, errno_val) == 52,
	       "musl pthread errno");
_Static_assert(offsetof(struct musl_pthread, locale) == 168,
	       "musl pthread locale");
_Static_assert(sizeof(struct musl_pthread) == 200, "musl pthread");
#define MUSL_DT_JOINABLE 2

extern struct musl_libc __libc;
extern size_t __hwcap;
extern char *__progname, *__progname_full;

static inline struct musl_pthread *musl_self(void)
{
	struct musl_pthread *self;

	__asm__("movq %%fs:0, %0" : "=r"(self));
	return self;
}

#endif
