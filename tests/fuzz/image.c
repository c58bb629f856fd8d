/*
 * libFuzzer target for the ELF loader: the input is an image file. Any
 * input is either refused with a message or yields an image whose every
 * range lies in guest memory, within the file, without overlaps.
 */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../guest_abi/mote_abi.h"
#include "image.h"
#include "layout.h"

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private, aligned copy: the loader may assume nothing of it. */
	uint8_t *copy = malloc(size ? size : 1);
	struct mote_image img;
	struct mote_err err = { "" };
	struct guest_layout l;
	const uint64_t mem = 16ull << 20;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (image_parse(copy, size, mem, &img, &err) == 0) {
		CHECK(img.nseg >= 1 && img.nseg <= IMAGE_MAX_SEGMENTS);
		CHECK(img.lo >= MOTE_IMAGE_MIN && img.lo < img.hi);
		for (unsigned i = 0; i < img.nseg; i++) {
			CHECK(img.seg[i].start < img.seg[i].end);
			CHECK(img.seg[i].start >= img.lo);
			CHECK(img.seg[i].end <= img.hi);
			CHECK(!((img.seg[i].flags & PF_W) &&
				(img.seg[i].flags & PF_X)));
			for (unsigned j = i + 1; j < img.nseg; j++)
				CHECK(img.seg[i].end <= img.seg[j].start ||
				      img.seg[j].end <= img.seg[i].start ||
				      img.seg[i].flags == img.seg[j].flags);
		}
		CHECK(img.tls.memsz <= MOTE_TLS_MAX);
		CHECK(img.tls.filesz <= img.tls.memsz);
		CHECK(img.phnum <= IMAGE_MAX_PHDRS);
		CHECK(layout_compute(&img, mem, &l));
		CHECK(l.tls_start >= img.hi && l.tp + MOTE_TCB_SIZE <= l.heap_start);
		CHECK(l.heap_start < l.heap_end && l.heap_end < l.stack_lo);
		image_close(&img);
	} else {
		CHECK(err.msg[0] != '\0');
		CHECK(strchr(err.msg, '\n') == NULL);
	}
	free(copy);
	return 0;
}
