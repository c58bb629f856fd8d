/*
 * The guest's CPU mode: GDT, TSS, IDT, exception stubs and page tables that
 * the monitor owns, and the register state at entry (64-bit mode, CPL3).
 */
#ifndef MOTE_CPU_H
#define MOTE_CPU_H

#include <stdint.h>

#include "../guest_abi/mote_abi.h"
#include "err.h"
#include "image.h"

/* Warm-up stub in the stubs page, after the exception stubs (see cpu.c). */
#define CPU_WARM_GPA (MOTE_STUBS_GPA + MOTE_EXCEPTION_VECTORS * MOTE_STUB_SIZE)

/*
 * Writes descriptor tables, stubs and page tables into guest memory
 * (mem points at guest-physical 0), with ndev device windows mapped from
 * MOTE_DEVICE_GPA. Returns 0 or -E2BIG if the page tables do not fit their
 * reserved area.
 */
int cpu_build_tables(uint8_t *mem, uint64_t mem_size,
		     const struct mote_image *img, unsigned ndev,
		     struct mote_err *err);

/* Loads special and general registers for entry at img->entry. */
int cpu_set_entry_state(int vcpu_fd, uint64_t entry, uint64_t stack_top,
			struct mote_err *err);

#endif
