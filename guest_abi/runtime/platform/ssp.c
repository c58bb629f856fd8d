/*
 * The stack protector, in place of musl's __stack_chk_fail.o: the canary
 * is set from AT_RANDOM as musl sets it (the first 8 bytes, the second one
 * zeroed so string overflows cannot reproduce it), which is the value the
 * monitor already stored at %fs:0x28. A smashed stack is a crash.
 */
#include <stdint.h>
#include <string.h>

#include "musl_private.h"
#include "platform.h"

uintptr_t __stack_chk_guard;

void __init_ssp(void *entropy);
_Noreturn void __stack_chk_fail(void);
_Noreturn void __stack_chk_fail_local(void);

void __init_ssp(void *entropy)
{
	if (entropy)
		memcpy(&__stack_chk_guard, entropy, sizeof(__stack_chk_guard));
	else
		__stack_chk_guard = (uintptr_t)&__stack_chk_guard * 1103515245;
	((unsigned char *)&__stack_chk_guard)[1] = 0;
	musl_self()->canary = __stack_chk_guard;
}

_Noreturn void __stack_chk_fail(void)
{
	__mote_complain("*** stack smashing detected ***\n");
	/* An exception: the monitor reports the guest as crashed. */
	for (;;)
		__asm__ volatile("ud2");
}

_Noreturn void __stack_chk_fail_local(void)
	__attribute__((alias("__stack_chk_fail")));
