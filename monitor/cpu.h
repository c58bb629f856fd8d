/*
 * The guest's CPU mode: GDT, TSS, IDT, exception stubs and page tables that
 * the monitor owns, and the register state at entry (64-bit mode, CPL3).
 */
#ifndef MOTE_CPU_H
#define MOTE_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "../guest_abi/mote_abi.h"
#include "err.h"
#include "image.h"
#include "layout.h"

/* Warm-up stub in the stubs page, after the exception stubs (see cpu.c). */
#define CPU_WARM_GPA (MOTE_STUBS_GPA + MOTE_EXCEPTION_VECTORS * MOTE_STUB_SIZE)

/*
 * Writes descriptor tables, stubs and page tables into guest memory
 * (mem points at guest-physical 0) for img laid out as l, with ndev device
 * windows mapped from MOTE_DEVICE_GPA. Returns 0 or -E2BIG if the page
 * tables do not fit their reserved area.
 */
int cpu_build_tables(uint8_t *mem, const struct mote_image *img,
		     const struct guest_layout *l, unsigned ndev,
		     struct mote_err *err);

/* The registers that differ between entries. */
struct cpu_entry {
	uint64_t rip, rsp, fs_base, gs_base;
	bool fsgsbase; /* set CR4.FSGSBASE: the CPU has it */
};

/* Loads special and general registers for an entry (see mote_abi.h). */
int cpu_set_entry_state(int vcpu_fd, const struct cpu_entry *e,
			struct mote_err *err);

#endif
