/*
 * Guest images: validate a static x86-64 ELF once, before any VM exists, and
 * lay its segments out in a sealed memfd that every VM maps copy-on-write.
 */
#ifndef MOTE_IMAGE_H
#define MOTE_IMAGE_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define IMAGE_MAX_SEGMENTS 16
#define IMAGE_MAX_PHDRS 64

/* Page-aligned guest range with its permissions (PF_R/PF_W/PF_X). */
struct image_segment {
	uint64_t start, end;
	uint32_t flags;
};

/* The PT_TLS template: the initialised bytes, then zeros up to memsz. */
struct image_tls {
	uint64_t filesz, memsz, align; /* align: a power of two, >= 1 */
	uint8_t *init; /* filesz bytes (malloc'd by image_parse), or NULL */
};

struct mote_image {
	uint64_t entry;
	uint64_t lo, hi; /* page-aligned span of all segments */
	unsigned nseg;
	struct image_segment seg[IMAGE_MAX_SEGMENTS];
	struct image_tls tls; /* memsz 0: no PT_TLS */
	/* The program headers as in the file, for the guest's AT_PHDR. */
	unsigned phnum;
	Elf64_Phdr phdr[IMAGE_MAX_PHDRS];
	int memfd; /* [lo, hi) of guest memory as loaded; -1 before load */
};

/*
 * Validates an ELF file held in memory against a guest of mem_size bytes and
 * fills img (memfd = -1): a static x86-64 executable carrying the mote ABI
 * note of this version. Returns 0, or -EINVAL/-E2BIG with a one-line
 * reason; on success image_close frees what it holds.
 */
int image_parse(const void *data, size_t size, uint64_t mem_size,
		struct mote_image *img, struct mote_err *err);

/* image_parse, then the segments into img->memfd. */
int image_load_bytes(const void *data, size_t size, uint64_t mem_size,
		     struct mote_image *img, struct mote_err *err);

/*
 * Opens path without blocking (a FIFO or device is refused, never waited
 * on), then reads, validates and loads it into img->memfd.
 */
int image_open(const char *path, uint64_t mem_size, struct mote_image *img,
	       struct mote_err *err);

void image_close(struct mote_image *img);

/* Smallest guest memory (multiple of 2 MiB) that holds the image and stack. */
uint64_t image_min_mem(const struct mote_image *img);

#endif
