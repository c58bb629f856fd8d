/*
 * Start-up in place of musl's __libc_start_main.o: reads the System V
 * initial stack the monitor built, sets up what musl's __init_libc would
 * (environ, auxv, program name, TLS, stack protector), runs constructors
 * and main. Compiled without the stack protector: the canary changes here.
 */
#include <elf.h>
#include <stdlib.h>

#include "mote.h"
#include "musl_private.h"
#include "platform.h"

_Static_assert(MOTE_ABI_VERSION == 2 && MOTE_NOTE_ABI == 1,
	       "note.S states the ABI version and note type");

uint64_t __mote_entry_tsc_value;
const struct mote_boot_info *__mote_boot;

extern char **__environ;
int main(int, char **, char **);
void __init_tls(size_t *aux);
void __init_ssp(void *entropy); /* ssp.c */
void __init_libc(char **envp, char *pn);
void __libc_start_init(void);
int __libc_start_main(int (*)(int, char **, char **), int, char **,
		      void (*)(void), void (*)(void), void (*)(void));
_Noreturn void __mote_start(uintptr_t *sp, const struct mote_boot_info *bi);

#define AUX_CNT 38 /* the AT_* values musl's start-up looks at */

static size_t *find_auxv(char **envp)
{
	while (*envp)
		envp++;
	return (size_t *)(envp + 1);
}

void __init_libc(char **envp, char *pn)
{
	size_t aux[AUX_CNT] = {0};
	size_t *auxv = find_auxv(envp);

	__environ = envp;
	__libc.auxv = auxv;
	for (size_t i = 0; auxv[i]; i += 2)
		if (auxv[i] < AUX_CNT)
			aux[auxv[i]] = auxv[i + 1];
	__hwcap = aux[AT_HWCAP];
	__libc.page_size = aux[AT_PAGESZ] ? aux[AT_PAGESZ] : MOTE_PAGE_SIZE;
	if (!pn)
		pn = (char *)aux[AT_EXECFN];
	if (!pn)
		pn = "";
	__progname = __progname_full = pn;
	for (size_t i = 0; pn[i]; i++)
		if (pn[i] == '/')
			__progname = pn + i + 1;
	__init_tls(aux);
	/* The canary from AT_RANDOM with its second byte zeroed, as musl
	 * into __stack_chk_guard and %fs:0x28. The monitor put the same
	 * value there already; writing it again costs nothing. */
	if (aux[AT_RANDOM])
		__init_ssp((void *)aux[AT_RANDOM]);
}

typedef void (*ctor_fn)(void);
extern const ctor_fn __init_array_start[], __init_array_end[];

void __libc_start_init(void)
{
	for (const ctor_fn *f = __init_array_start; f < __init_array_end; f++)
		(*f)();
}

/* Not the entry point (that is _start); here because musl's object of
 * the same name is replaced as a whole, and a program may call it. */
int __libc_start_main(int (*m)(int, char **, char **), int argc, char **argv,
		      void (*i)(void), void (*f)(void), void (*l)(void))
{
	char **envp = argv + argc + 1;

	(void)i, (void)f, (void)l;
	__init_libc(envp, argv[0]);
	__libc_start_init();
	exit(m(argc, argv, envp));
}

_Noreturn void __mote_start(uintptr_t *sp, const struct mote_boot_info *bi)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;

	__mote_boot = bi;
	if (bi->magic != MOTE_BOOT_MAGIC ||
	    bi->abi_version != MOTE_ABI_VERSION) {
		/* Nothing else can be trusted: stop as a monitor/guest
		 * mismatch rather than run on garbage. */
		__mote_complain("mote runtime: bad boot info\n");
		_Exit(MOTE_STATUS_ERROR);
	}
	__init_libc(envp, argv[0]);
	__mote_stdio_init();
	__libc_start_init();
	exit(main(argc, argv, envp));
}

const struct mote_boot_info *mote_boot_info(void)
{
	return __mote_boot;
}

uint64_t mote_entry_tsc(void)
{
	return __mote_entry_tsc_value;
}
