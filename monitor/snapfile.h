/*
 * Snapshot files: a snapshot with the image it was taken of, saved to
 * disk and read back. A file is untrusted input: it is checked whole
 * (size, version, CPU contract, checksum, every range) before any VM exists.
 *
 * Layout, little-endian, each part 8-byte aligned:
 *   struct snapfile_header (160 bytes)
 *   the image's ELF file, image_size bytes, zero-padded to 8
 *   struct kvm_regs, then the 4 KiB region of struct kvm_xsave
 *   ndev x struct virtio_mmio_state
 *   nextents x { u64 start, u64 end }    page-aligned guest ranges
 *   the pages of each extent, in order
 *   u32 CRC-32 (zlib's) of everything before it, u32 zero
 */
#ifndef MOTE_SNAPFILE_H
#define MOTE_SNAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuid.h"
#include "err.h"
#include "snapshot.h"

#define SNAPFILE_MAGIC "MOTESNAP"
#define SNAPFILE_FORMAT 1u

struct snapfile_header {
	char magic[8];         /* SNAPFILE_MAGIC */
	uint32_t format;       /* SNAPFILE_FORMAT */
	uint32_t abi;          /* MOTE_ABI_VERSION */
	char mote_version[32]; /* NUL-terminated */
	/* the CPU contract it was taken under (struct cpu_contract) */
	uint64_t xcr0, hwcap, hwcap2;
	uint32_t cpu_words[7];
	uint32_t fsgsbase;
	uint64_t mem_size;
	uint64_t image_size;
	uint32_t nextents, ndev;
	uint64_t guest_mono_ns;
	uint64_t fs_base, gs_base;
	uint64_t file_size; /* the whole file, checksum included */
};

/* Whether the file at path starts with SNAPFILE_MAGIC. */
bool snapfile_is_snapshot(const char *path);

/*
 * Writes snap to fd, with elf (the image file's bytes, as image_open read
 * them) and the host's CPU contract. Returns 0 or a negative errno.
 */
int snapfile_write(const struct mote_snapshot *snap, const void *elf,
		   size_t elf_size, const struct cpu_contract *cpu, int fd,
		   struct mote_err *err);

/*
 * Checks a whole snapshot file held in memory against this mote and the
 * host's CPU contract, and makes a snapshot of it (owning its image and
 * pages). Returns 0, or -EINVAL with one line saying what is wrong.
 */
int snapfile_parse(const void *data, size_t size,
		   const struct cpu_contract *cpu, struct mote_snapshot **out,
		   struct mote_err *err);

/* Opens path without blocking, maps it and snapfile_parse()s it. */
int snapfile_open(const char *path, const struct cpu_contract *cpu,
		  struct mote_snapshot **out, struct mote_err *err);

#endif
