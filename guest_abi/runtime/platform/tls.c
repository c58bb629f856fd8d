/*
 * The thread pointer, in place of musl's __init_tls.o and
 * __set_thread_area.o. The monitor has already set FS base to the thread
 * pointer and copied the PT_TLS image below it (x86-64 variant II), with
 * MOTE_TCB_SIZE zeroed bytes at tp holding the self pointer and canary.
 * Here musl's struct pthread is completed in place, and musl's __libc
 * learns the TLS layout; nothing is copied or allocated.
 */
#include <elf.h>
#include <errno.h>

#include "musl_private.h"
#include "platform.h"

void __init_tls(size_t *aux);
int __init_tp(void *p);
void *__copy_tls(unsigned char *mem);
int __set_thread_area(void *p);

volatile int __thread_list_lock;

static struct musl_tls_module main_tls;
/* Keeps PT_TLS non-empty (mote.ld), for guests with no TLS of their own. */
__attribute__((used,
	       section(".tdata.__mote_tls_anchor"))) _Thread_local uint64_t
	__mote_tls_anchor = 0x6d6f7465; /* "mote" */
/* The dynamic thread vector: count, then the one module's block. */
static uintptr_t main_dtv[2];

/* One thread: what musl's __init_tp sets, minus the system calls. */
int __init_tp(void *p)
{
	struct musl_pthread *td = p;

	td->self = td;
	td->dtv = main_dtv;
	td->prev = td->next = td;
	td->sysinfo = 0;
	td->tid = 1; /* getpid() is 1 too */
	td->detach_state = MUSL_DT_JOINABLE;
	td->locale = &__libc.global_locale;
	td->robust_list.head = &td->robust_list.head;
	return 0;
}

void __init_tls(size_t *aux)
{
	const unsigned char *p = (const unsigned char *)aux[AT_PHDR];
	const Elf64_Phdr *tls = 0;
	struct musl_pthread *td = musl_self();

	for (size_t n = aux[AT_PHNUM]; p && n; n--, p += aux[AT_PHENT]) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)p;

		if (ph->p_type == PT_TLS)
			tls = ph;
	}
	main_tls.align = 1;
	if (tls) {
		size_t align = tls->p_align ? tls->p_align : 1;

		/* The static linker's layout, which the monitor copied:
		 * the block ends at tp and starts memsz rounded up to the
		 * alignment below it. */
		main_tls.image = (void *)tls->p_vaddr;
		main_tls.len = tls->p_filesz;
		main_tls.size = (tls->p_memsz + align - 1) & ~(align - 1);
		main_tls.align = align;
		main_tls.offset = main_tls.size;
		__libc.tls_head = &main_tls;
		__libc.tls_cnt = 1;
	}
	__libc.tls_align = main_tls.align;
	__libc.tls_size =
		sizeof(struct musl_pthread) + main_tls.size + main_tls.align;
	__libc.can_do_threads = 0;
	main_dtv[0] = __libc.tls_cnt;
	main_dtv[1] = (uintptr_t)td - main_tls.offset;
	__init_tp(td);
}

/* Only pthread_create copies TLS for a new thread, and there are none. */
void *__copy_tls(unsigned char *mem)
{
	(void)mem;
	__builtin_trap();
}

/* FS base is the monitor's to set; changing it is not supported. */
int __set_thread_area(void *p)
{
	(void)p;
	return -ENOSYS;
}
