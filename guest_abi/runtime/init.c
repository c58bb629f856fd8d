/*
 * Runtime start-up in C: checks and records the boot info, runs static
 * constructors, and provides the boot-info and entry-TSC accessors.
 */
#include <stddef.h>
#include <stdlib.h>

#include "internal.h"
#include "mote.h"

/* start.S reads argc/argv at these offsets. */
_Static_assert(offsetof(struct mote_boot_info, argc) == 12, "start.S");
_Static_assert(offsetof(struct mote_boot_info, argv) == 16, "start.S");

uint64_t __mote_entry_tsc_value;
const struct mote_boot_info *__mote_boot;

typedef void (*ctor_fn)(void);
extern const ctor_fn __init_array_start[], __init_array_end[];

void __mote_init(const struct mote_boot_info *bi);

void __mote_init(const struct mote_boot_info *bi)
{
	static const char bad[] = "mote runtime: bad boot info\n";

	__mote_boot = bi;
	if (bi->magic != MOTE_BOOT_MAGIC ||
	    bi->abi_version != MOTE_ABI_VERSION) {
		/* Nothing else can be trusted; report and stop as a
		 * monitor/guest mismatch rather than run on garbage. */
		mote_console_write(bad, sizeof(bad) - 1);
		_Exit(MOTE_STATUS_ERROR);
	}
	for (const ctor_fn *f = __init_array_start; f < __init_array_end; f++)
		(*f)();
}

const struct mote_boot_info *mote_boot_info(void)
{
	return __mote_boot;
}

uint64_t mote_entry_tsc(void)
{
	return __mote_entry_tsc_value;
}
