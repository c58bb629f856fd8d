/*
 * ELF validation: a corpus of malformed images generated in memory from one
 * valid minimal ELF, each rejected by image_parse with its exact message.
 */
#include <criterion/criterion.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../guest_abi/mote_abi.h"
#include "image.h"

#define MIB (1ULL << 20)
#define MEM (16 * MIB)

/*
 * The valid image: three program headers (text, data with bss, the mote
 * ABI note), text at 0x100000 from file offset 0x1000, data at 0x101000
 * from 0x2000, the note at file offset 0x800.
 */
#define TEXT_VADDR  0x100000ULL
#define TEXT_OFF    0x1000ULL
#define TEXT_SIZE   0x100ULL
#define DATA_VADDR  0x101000ULL
#define DATA_OFF    0x2000ULL
#define DATA_FILESZ 0x10ULL
#define DATA_MEMSZ  0x2000ULL
#define NOTE_OFF    0x800ULL
#define NOTE_SIZE   24ULL /* header, "mote\0" padded to 8, the version */
#define FILE_SIZE   (DATA_OFF + DATA_FILESZ)
#define BUF_SIZE    0x4000

struct elf {
	_Alignas(8) uint8_t buf[BUF_SIZE];
	size_t size;
};

static Elf64_Ehdr *ehdr(struct elf *e)
{
	return (Elf64_Ehdr *)e->buf;
}

static Elf64_Phdr *phdr(struct elf *e, unsigned i)
{
	return (Elf64_Phdr *)(e->buf + sizeof(Elf64_Ehdr)) + i;
}

static void make_elf(struct elf *e)
{
	Elf64_Ehdr *eh = ehdr(e);
	Elf64_Phdr *text = phdr(e, 0), *data = phdr(e, 1), *note = phdr(e, 2);
	Elf64_Nhdr nh = { .n_namesz = 5, .n_descsz = 4, .n_type = MOTE_NOTE_ABI };
	uint32_t version = MOTE_ABI_VERSION;

	memset(e, 0, sizeof(*e));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = TEXT_VADDR;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 3;

	*text = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_flags = PF_R | PF_X,
			     .p_offset = TEXT_OFF,
			     .p_vaddr = TEXT_VADDR,
			     .p_paddr = TEXT_VADDR,
			     .p_filesz = TEXT_SIZE,
			     .p_memsz = TEXT_SIZE,
			     .p_align = 0x1000};
	*data = (Elf64_Phdr){.p_type = PT_LOAD,
			     .p_flags = PF_R | PF_W,
			     .p_offset = DATA_OFF,
			     .p_vaddr = DATA_VADDR,
			     .p_paddr = DATA_VADDR,
			     .p_filesz = DATA_FILESZ,
			     .p_memsz = DATA_MEMSZ,
			     .p_align = 0x1000};
	*note = (Elf64_Phdr){.p_type = PT_NOTE,
			     .p_flags = PF_R,
			     .p_offset = NOTE_OFF,
			     .p_filesz = NOTE_SIZE,
			     .p_align = 4};
	memcpy(e->buf + NOTE_OFF, &nh, sizeof(nh));
	memcpy(e->buf + NOTE_OFF + sizeof(nh), "mote", 5);
	memcpy(e->buf + NOTE_OFF + sizeof(nh) + 8, &version, 4);
	memset(e->buf + TEXT_OFF, 0xcc, TEXT_SIZE); /* int3 */
	memset(e->buf + DATA_OFF, 0x5a, DATA_FILESZ);
	e->size = FILE_SIZE;
}

/* Parses e with mem bytes of guest memory and returns the error message. */
static const char *reject(struct elf *e, uint64_t mem, int expect_rc)
{
	static struct mote_err err;
	struct mote_image img;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = image_parse(e->buf, e->size, mem, &img, &err);
	cr_assert_eq(rc, expect_rc, "image_parse returned %d, expected %d (%s)",
		     rc, expect_rc, err.msg);
	cr_assert_eq(img.memfd, -1);
	/* a rejected image holds nothing: the caller will not close it */
	cr_assert_null(img.tls.init, "a rejected image kept its TLS template");
	return err.msg;
}

static void expect_invalid(struct elf *e, const char *msg)
{
	cr_assert_str_eq(reject(e, MEM, -EINVAL), msg);
}

Test(image, accepts_a_minimal_static_executable)
{
	struct elf e;
	struct mote_image img;
	struct mote_err err = {""};

	make_elf(&e);
	cr_assert_eq(image_parse(e.buf, e.size, MEM, &img, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(img.entry, TEXT_VADDR);
	cr_assert_eq(img.lo, TEXT_VADDR);
	cr_assert_eq(img.hi, DATA_VADDR + DATA_MEMSZ);
	cr_assert_eq(img.nseg, 2);
	cr_assert_eq(img.seg[0].start, TEXT_VADDR);
	cr_assert_eq(img.seg[0].end, TEXT_VADDR + 0x1000);
	cr_assert_eq(img.seg[0].flags, PF_R | PF_X);
	cr_assert_eq(img.seg[1].start, DATA_VADDR);
	cr_assert_eq(img.seg[1].end, DATA_VADDR + DATA_MEMSZ);
	cr_assert_eq(img.seg[1].flags, PF_R | PF_W);
	cr_assert_eq(img.memfd, -1);
	cr_assert_eq(image_min_mem(&img), 2 * MIB);
}

Test(image, accepts_the_smallest_guest_memory_that_fits)
{
	struct elf e;
	struct mote_image img;
	struct mote_err err = {""};

	/* hi + TCB page + one heap page + guard + stack == 2 MiB exactly */
	make_elf(&e);
	phdr(&e, 1)->p_memsz = 2 * MIB - 2 * 0x1000 - MOTE_GUARD_SIZE -
			       MOTE_STACK_SIZE - DATA_VADDR;
	cr_assert_eq(image_parse(e.buf, e.size, 2 * MIB, &img, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(img.hi, 2 * MIB - 2 * 0x1000 - MOTE_GUARD_SIZE -
				     MOTE_STACK_SIZE);
	cr_assert_eq(image_min_mem(&img), 2 * MIB);
}

Test(image, ignores_empty_load_segments_and_other_headers)
{
	struct elf e;
	struct mote_image img;
	struct mote_err err = {""};

	make_elf(&e);
	/* A PT_NOTE pointing nowhere and a PT_LOAD with nothing in it. */
	ehdr(&e)->e_phnum = 5;
	*phdr(&e, 3) = (Elf64_Phdr){.p_type = PT_NOTE,
				    .p_offset = 1ULL << 40,
				    .p_filesz = 1ULL << 40};
	*phdr(&e, 4) = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R, .p_vaddr = 0x200000};
	cr_assert_eq(image_parse(e.buf, e.size, MEM, &img, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(img.nseg, 2);
}

Test(image, rejects_a_file_shorter_than_an_elf_header)
{
	struct elf e;

	make_elf(&e);
	e.size = 10;
	expect_invalid(&e, "truncated file: 10 bytes is smaller than an ELF "
			   "header");
	e.size = sizeof(Elf64_Ehdr) - 1;
	expect_invalid(&e, "truncated file: 63 bytes is smaller than an ELF "
			   "header");
	e.size = 0;
	expect_invalid(&e, "truncated file: 0 bytes is smaller than an ELF "
			   "header");
}

Test(image, rejects_bad_magic)
{
	struct elf e;

	make_elf(&e);
	memcpy(e.buf, "#!/bin/sh\n", 10);
	expect_invalid(&e, "not an ELF file (bad magic)");
	make_elf(&e);
	e.buf[EI_MAG3] = 'G';
	expect_invalid(&e, "not an ELF file (bad magic)");
}

Test(image, rejects_elf32)
{
	struct elf e;

	make_elf(&e);
	e.buf[EI_CLASS] = ELFCLASS32;
	expect_invalid(&e, "not ELF64 (ELF class 1)");
	e.buf[EI_CLASS] = ELFCLASSNONE;
	expect_invalid(&e, "not ELF64 (ELF class 0)");
}

Test(image, rejects_big_endian)
{
	struct elf e;

	make_elf(&e);
	e.buf[EI_DATA] = ELFDATA2MSB;
	expect_invalid(&e, "not little-endian ELF");
}

Test(image, rejects_another_machine)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_machine = EM_AARCH64;
	expect_invalid(&e, "not x86-64 (e_machine 183)");
	ehdr(&e)->e_machine = EM_386;
	expect_invalid(&e, "not x86-64 (e_machine 3)");
}

Test(image, rejects_position_independent_executables)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_type = ET_DYN;
	expect_invalid(&e,
		       "not statically linked (ET_DYN: position-independent "
		       "or shared object)");
}

Test(image, rejects_relocatable_objects_and_core_files)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_type = ET_REL;
	expect_invalid(&e, "not an executable (e_type 1)");
	ehdr(&e)->e_type = ET_CORE;
	expect_invalid(&e, "not an executable (e_type 4)");
}

Test(image, rejects_a_wrong_program_header_size)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_phentsize = sizeof(Elf32_Phdr);
	expect_invalid(&e, "bad program header size 32");
	ehdr(&e)->e_phentsize = 0;
	expect_invalid(&e, "bad program header size 0");
}

Test(image, rejects_no_program_headers)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_phnum = 0;
	expect_invalid(&e, "no program headers");
}

Test(image, rejects_too_many_program_headers)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_phnum = 65;
	expect_invalid(&e, "too many program headers (65)");
	ehdr(&e)->e_phnum = 0xffff;
	expect_invalid(&e, "too many program headers (65535)");
}

Test(image, rejects_program_headers_past_end_of_file)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_phoff = e.size - sizeof(Elf64_Phdr);
	expect_invalid(&e, "truncated file: program headers extend past end of "
			   "file (8208 bytes)");
	/* headers that end exactly one byte past the file */
	make_elf(&e);
	e.size = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) - 1;
	expect_invalid(&e, "truncated file: program headers extend past end of "
			   "file (231 bytes)");
	/* e_phoff + size wraps around */
	make_elf(&e);
	ehdr(&e)->e_phoff = UINT64_MAX - 8;
	expect_invalid(&e, "truncated file: program headers extend past end of "
			   "file (8208 bytes)");
}

Test(image, rejects_an_interpreter)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 2)->p_type = PT_INTERP;
	expect_invalid(&e, "not statically linked (has PT_INTERP)");
}

Test(image, rejects_a_dynamic_section)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 2)->p_type = PT_DYNAMIC;
	expect_invalid(&e, "not statically linked (has PT_DYNAMIC)");
}

/* Adds a PT_TLS of memsz bytes (filesz from the data segment's file
 * bytes) as program header 3. */
static void add_tls(struct elf *e, uint64_t filesz, uint64_t memsz,
		    uint64_t align)
{
	ehdr(e)->e_phnum = 4;
	*phdr(e, 3) = (Elf64_Phdr){.p_type = PT_TLS,
				   .p_flags = PF_R,
				   .p_offset = DATA_OFF,
				   .p_vaddr = DATA_VADDR,
				   .p_filesz = filesz,
				   .p_memsz = memsz,
				   .p_align = align};
}

/* The PT_TLS template is copied out before a later header fails the
 * image; the fuzzer found it leaked then (reject() checks it is gone). */
Test(image, rejects_an_interpreter_after_thread_local_storage)
{
	struct elf e;

	make_elf(&e);
	add_tls(&e, DATA_FILESZ, 0x100, 64);
	ehdr(&e)->e_phnum = 5;
	*phdr(&e, 4) = (Elf64_Phdr){.p_type = PT_INTERP};
	expect_invalid(&e, "not statically linked (has PT_INTERP)");
}

Test(image, accepts_thread_local_storage_and_keeps_its_template)
{
	struct elf e;
	struct mote_image img;
	struct mote_err err = {""};

	make_elf(&e);
	add_tls(&e, DATA_FILESZ, 0x100, 64);
	cr_assert_eq(image_parse(e.buf, e.size, MEM, &img, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(img.tls.filesz, DATA_FILESZ);
	cr_assert_eq(img.tls.memsz, 0x100);
	cr_assert_eq(img.tls.align, 64);
	cr_assert_eq(memcmp(img.tls.init, e.buf + DATA_OFF, DATA_FILESZ), 0);
	cr_assert_eq(img.phnum, 4);
	image_close(&img);
}

Test(image, rejects_tls_with_a_bad_alignment)
{
	struct elf e;

	make_elf(&e);
	add_tls(&e, 0, 0x10, 24);
	expect_invalid(&e, "segment 3 (PT_TLS): alignment 0x18 is not a power "
			   "of two up to 0x1000");
	add_tls(&e, 0, 0x10, 0x2000);
	expect_invalid(&e, "segment 3 (PT_TLS): alignment 0x2000 is not a "
			   "power of two up to 0x1000");
}

Test(image, rejects_tls_larger_than_a_mebibyte)
{
	struct elf e;

	make_elf(&e);
	add_tls(&e, 0, MOTE_TLS_MAX + 1, 8);
	expect_invalid(&e, "segment 3 (PT_TLS): 1048577 bytes, at most 1048576");
}

Test(image, rejects_two_tls_segments)
{
	struct elf e;

	make_elf(&e);
	add_tls(&e, 0, 0x10, 8);
	ehdr(&e)->e_phnum = 5;
	*phdr(&e, 4) = *phdr(&e, 3);
	expect_invalid(&e, "more than one PT_TLS segment");
}

Test(image, rejects_tls_data_past_end_of_file)
{
	struct elf e;

	make_elf(&e);
	add_tls(&e, 0x100, 0x100, 8);
	expect_invalid(&e, "truncated file: segment 3 data extends past end of "
			   "file (8208 bytes)");
}

Test(image, rejects_an_image_without_the_mote_note)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 2)->p_type = PT_GNU_STACK;
	expect_invalid(&e, "not a mote guest: no mote ABI note (built for guest "
			   "ABI 1, or not with mote-cc); rebuild it with "
			   "mote-cc");
}

Test(image, rejects_an_image_for_another_abi_version)
{
	struct elf e;
	uint32_t v1 = 1;

	make_elf(&e);
	memcpy(e.buf + NOTE_OFF + sizeof(Elf64_Nhdr) + 8, &v1, 4);
	expect_invalid(&e, "built for mote guest ABI 1; this mote runs ABI 2");
}

Test(image, finds_no_note_in_notes_that_run_past_their_segment)
{
	struct elf e;
	Elf64_Nhdr *nh;

	make_elf(&e);
	nh = (Elf64_Nhdr *)(e.buf + NOTE_OFF);
	nh->n_descsz = 0x1000;
	expect_invalid(&e, "not a mote guest: no mote ABI note (built for guest "
			   "ABI 1, or not with mote-cc); rebuild it with "
			   "mote-cc");
	make_elf(&e);
	nh = (Elf64_Nhdr *)(e.buf + NOTE_OFF);
	nh->n_namesz = 0xfffffff0u; /* its rounding must not wrap */
	expect_invalid(&e, "not a mote guest: no mote ABI note (built for guest "
			   "ABI 1, or not with mote-cc); rebuild it with "
			   "mote-cc");
}

Test(image, rejects_a_mote_note_of_the_wrong_size)
{
	struct elf e;
	Elf64_Nhdr *nh;

	make_elf(&e);
	nh = (Elf64_Nhdr *)(e.buf + NOTE_OFF);
	nh->n_descsz = 2;
	expect_invalid(&e, "mote ABI note: descriptor of 2 bytes, not 4");
}

Test(image, ignores_notes_of_other_names)
{
	struct elf e;

	make_elf(&e);
	memcpy(e.buf + NOTE_OFF + sizeof(Elf64_Nhdr), "GNU", 4);
	expect_invalid(&e, "not a mote guest: no mote ABI note (built for guest "
			   "ABI 1, or not with mote-cc); rebuild it with "
			   "mote-cc");
}

Test(image, rejects_file_size_larger_than_memory_size)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 1)->p_filesz = DATA_MEMSZ + 1;
	expect_invalid(&e, "segment 1: file size exceeds memory size");
}

Test(image, rejects_an_empty_segment_that_carries_file_data)
{
	struct elf e;

	/* p_memsz 0 with file bytes is still file size > memory size */
	make_elf(&e);
	ehdr(&e)->e_phnum = 4;
	*phdr(&e, 3) = (Elf64_Phdr){.p_type = PT_LOAD,
				    .p_flags = PF_R,
				    .p_offset = DATA_OFF,
				    .p_vaddr = TEXT_VADDR,
				    .p_filesz = DATA_FILESZ,
				    .p_memsz = 0};
	expect_invalid(&e, "segment 3: file size exceeds memory size");
}

Test(image, rejects_segment_data_past_end_of_file)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 1)->p_filesz = DATA_FILESZ + 1;
	expect_invalid(&e, "truncated file: segment 1 data extends past end of "
			   "file (8208 bytes)");
	make_elf(&e);
	phdr(&e, 0)->p_offset = UINT64_MAX - 0x10;
	expect_invalid(&e, "truncated file: segment 0 data extends past end of "
			   "file (8208 bytes)");
}

Test(image, rejects_segment_below_the_image_area)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 0)->p_vaddr = TEXT_VADDR - 0x1000;
	ehdr(&e)->e_entry = TEXT_VADDR - 0x1000;
	expect_invalid(&e, "segment 0 at 0xff000 (+0x100) is outside guest "
			   "memory [0x100000, 0x100000000)");
	make_elf(&e);
	phdr(&e, 1)->p_vaddr = 0;
	expect_invalid(&e, "segment 1 at 0x0 (+0x2000) is outside guest memory "
			   "[0x100000, 0x100000000)");
}

Test(image, rejects_segment_outside_guest_memory)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 1)->p_vaddr = MOTE_MEM_MAX - 0x1000;
	expect_invalid(&e, "segment 1 at 0xfffff000 (+0x2000) is outside guest "
			   "memory [0x100000, 0x100000000)");
	make_elf(&e);
	phdr(&e, 1)->p_vaddr = MOTE_MEM_MAX;
	phdr(&e, 1)->p_memsz = 1;
	phdr(&e, 1)->p_filesz = 1;
	expect_invalid(&e, "segment 1 at 0x100000000 (+0x1) is outside guest "
			   "memory [0x100000, 0x100000000)");
}

Test(image, rejects_segment_whose_end_overflows)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 1)->p_vaddr = 0xfffffffffffff000ULL;
	expect_invalid(&e,
		       "segment 1 at 0xfffffffffffff000 (+0x2000) is outside "
		       "guest memory [0x100000, 0x100000000)");
	make_elf(&e);
	phdr(&e, 1)->p_memsz = UINT64_MAX;
	expect_invalid(&e, "segment 1 at 0x101000 (+0xffffffffffffffff) is "
			   "outside guest memory [0x100000, 0x100000000)");
}

Test(image, rejects_writable_and_executable_segment)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 1)->p_flags = PF_R | PF_W | PF_X;
	expect_invalid(&e, "segment 1 is both writable and executable");
	make_elf(&e);
	phdr(&e, 0)->p_flags = PF_W | PF_X;
	expect_invalid(&e, "segment 0 is both writable and executable");
}

Test(image, rejects_overlapping_segments)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 1)->p_vaddr = TEXT_VADDR + TEXT_SIZE - 1;
	expect_invalid(&e, "segments 0 and 1 overlap");
	/* the same range twice, listed in reverse address order */
	make_elf(&e);
	phdr(&e, 0)->p_vaddr = DATA_VADDR + 0x1000;
	phdr(&e, 0)->p_memsz = 0x1000;
	ehdr(&e)->e_entry = DATA_VADDR + 0x1000;
	expect_invalid(&e, "segments 0 and 1 overlap");
}

Test(image, rejects_segments_sharing_a_page_with_different_permissions)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 1)->p_vaddr = TEXT_VADDR + TEXT_SIZE;
	expect_invalid(&e, "segments 0 and 1 share a page with different "
			   "permissions");
}

Test(image, accepts_segments_sharing_a_page_with_equal_permissions)
{
	struct elf e;
	struct mote_image img;
	struct mote_err err = {""};

	make_elf(&e);
	phdr(&e, 1)->p_vaddr = TEXT_VADDR + TEXT_SIZE;
	phdr(&e, 1)->p_flags = PF_R | PF_X;
	cr_assert_eq(image_parse(e.buf, e.size, MEM, &img, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(img.nseg, 2);
	cr_assert_eq(img.hi, TEXT_VADDR + 0x3000);
}

Test(image, rejects_too_many_loadable_segments)
{
	struct elf e;
	unsigned i;

	make_elf(&e);
	ehdr(&e)->e_phnum = IMAGE_MAX_SEGMENTS + 1;
	for (i = 2; i < IMAGE_MAX_SEGMENTS + 1; i++)
		*phdr(&e, i) = (Elf64_Phdr){.p_type = PT_LOAD,
					    .p_flags = PF_R,
					    .p_vaddr = 0x200000 + i * 0x1000,
					    .p_memsz = 0x1000};
	expect_invalid(&e, "too many loadable segments (max 16)");
}

Test(image, rejects_entry_point_in_a_data_segment)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_entry = DATA_VADDR;
	expect_invalid(&e, "entry point 0x101000 is outside executable text");
}

Test(image, rejects_entry_point_past_the_text_file_size)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_entry = TEXT_VADDR + TEXT_SIZE;
	expect_invalid(&e, "entry point 0x100100 is outside executable text");
	/* inside p_memsz but past p_filesz: zero-filled, never code */
	phdr(&e, 0)->p_memsz = 2 * TEXT_SIZE;
	expect_invalid(&e, "entry point 0x100100 is outside executable text");
	ehdr(&e)->e_entry = TEXT_VADDR + TEXT_SIZE - 1;
	cr_assert_str_eq(reject(&e, MEM, 0), "");
}

Test(image, rejects_entry_point_below_the_text)
{
	struct elf e;

	make_elf(&e);
	ehdr(&e)->e_entry = 0;
	expect_invalid(&e, "entry point 0x0 is outside executable text");
}

Test(image, rejects_no_loadable_segments)
{
	struct elf e;

	make_elf(&e);
	phdr(&e, 0)->p_type = PT_NOTE;
	phdr(&e, 1)->p_type = PT_NOTE;
	expect_invalid(&e, "no loadable segments");
	make_elf(&e);
	phdr(&e, 0)->p_memsz = 0;
	phdr(&e, 0)->p_filesz = 0;
	phdr(&e, 1)->p_memsz = 0;
	phdr(&e, 1)->p_filesz = 0;
	expect_invalid(&e, "no loadable segments");
}

Test(image, rejects_image_too_large_for_guest_memory)
{
	struct elf e;

	/* hi = 0x501000; + guard + 256 KiB stack = 0x542000 -> 6 MiB */
	make_elf(&e);
	phdr(&e, 1)->p_memsz = 4 * MIB;
	cr_assert_str_eq(
		reject(&e, 2 * MIB, -E2BIG),
		"image too large for --mem 2 MiB: needs at least 6 MiB");
	cr_assert_str_eq(
		reject(&e, 4 * MIB, -E2BIG),
		"image too large for --mem 4 MiB: needs at least 6 MiB");
	cr_assert_str_eq(reject(&e, 6 * MIB, 0), "");
	/* one page more than fits in 2 MiB with its stack */
	make_elf(&e);
	phdr(&e, 1)->p_memsz =
		2 * MIB - 0x1000 - MOTE_STACK_SIZE - DATA_VADDR + 1;
	cr_assert_str_eq(
		reject(&e, 2 * MIB, -E2BIG),
		"image too large for --mem 2 MiB: needs at least 4 MiB");
}

/* image_open on real files. */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/mote-test-image.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (tmpdir[0] && system(cmd) != 0)
		cr_log_warn("could not remove %s", tmpdir);
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, size, f), size);
	cr_assert_eq(fclose(f), 0);
}

TestSuite(image_open, .init = make_tmpdir, .fini = remove_tmpdir);

Test(image_open, names_the_path_of_a_missing_file)
{
	struct mote_image img;
	struct mote_err err = {""};
	char path[128];

	snprintf(path, sizeof(path), "%s/missing.elf", tmpdir);
	cr_assert_eq(image_open(path, MEM, &img, &err), -ENOENT);
	cr_assert_str_eq(err.msg, strcat(path, ": No such file or directory"));
	cr_assert_eq(img.memfd, -1);
}

Test(image_open, rejects_a_directory)
{
	struct mote_image img;
	struct mote_err err = {""};
	char want[128];

	cr_assert_eq(image_open(tmpdir, MEM, &img, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(img.memfd, -1);
}

Test(image_open, refuses_a_fifo_without_waiting_for_a_writer)
{
	struct mote_image img;
	struct mote_err err = {""};
	char path[256], want[300];

	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	/* Opened blocking, this would wait forever: no writer exists. */
	cr_assert_eq(image_open(path, MEM, &img, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	cr_assert_str_eq(err.msg, want);
	unlink(path);
}

Test(image_open, escapes_control_characters_in_the_path)
{
	struct mote_image img;
	struct mote_err err = {""};

	cr_assert_lt(image_open("/nonexistent/a\nmote: forged\x1b[2J", MEM,
				&img, &err),
		     0);
	cr_assert_str_eq(err.msg, "/nonexistent/a\\nmote: forged\\x1b[2J: No "
				  "such file or directory");
}

Test(image_open, rejects_an_empty_file)
{
	struct mote_image img;
	struct mote_err err = {""};
	char path[128], want[256];

	snprintf(path, sizeof(path), "%s/empty.elf", tmpdir);
	write_file(path, "", 0);
	cr_assert_eq(image_open(path, MEM, &img, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: truncated file: 0 bytes is smaller than an ELF header",
		 path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(img.memfd, -1);
}

Test(image_open, prefixes_validation_errors_with_the_path)
{
	struct mote_image img;
	struct mote_err err = {""};
	struct elf e;
	char path[128], want[256];

	make_elf(&e);
	e.buf[EI_CLASS] = ELFCLASS32;
	snprintf(path, sizeof(path), "%s/elf32.elf", tmpdir);
	write_file(path, e.buf, e.size);
	cr_assert_eq(image_open(path, MEM, &img, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: not ELF64 (ELF class 1)", path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(img.memfd, -1);
}

Test(image_open, loads_a_valid_file_into_a_sealed_memfd)
{
	struct mote_image img;
	struct mote_err err = {""};
	struct elf e;
	char path[128];
	uint8_t page[0x3000], want[0x3000];
	struct stat st;

	make_elf(&e);
	snprintf(path, sizeof(path), "%s/valid.elf", tmpdir);
	write_file(path, e.buf, e.size);
	cr_assert_eq(image_open(path, MEM, &img, &err), 0, "%s", err.msg);
	cr_assert_geq(img.memfd, 0);
	cr_assert_eq(img.entry, TEXT_VADDR);
	cr_assert_eq(img.nseg, 2);

	/* The memfd holds [lo, hi): text, then data, then zeroed bss. */
	cr_assert_eq(fstat(img.memfd, &st), 0);
	cr_assert_eq((uint64_t)st.st_size, img.hi - img.lo);
	memset(want, 0, sizeof(want));
	memset(want, 0xcc, TEXT_SIZE);
	memset(want + (DATA_VADDR - TEXT_VADDR), 0x5a, DATA_FILESZ);
	cr_assert_eq(pread(img.memfd, page, sizeof(page), 0),
		     (ssize_t)sizeof(page));
	cr_assert_arr_eq(page, want, sizeof(page));
	/* sealed against writes and resizing */
	cr_assert_lt(pwrite(img.memfd, "x", 1, 0), 0);
	cr_assert_lt(ftruncate(img.memfd, 0), 0);
	cr_assert_eq(fcntl(img.memfd, F_GET_SEALS) &
			     (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK),
		     F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK);

	image_close(&img);
	cr_assert_eq(img.memfd, -1);
	image_close(&img); /* closing twice is harmless */
	cr_assert_eq(img.memfd, -1);
}

static const char *const example_guests[] = {
	"hello", "exitcode", "compute", "crash", "spin", "hostile",
};

Test(image_open, accepts_every_example_guest)
{
	for (size_t i = 0; i < sizeof(example_guests) / sizeof(*example_guests);
	     i++) {
		struct mote_image img;
		struct mote_err err = {""};
		char path[512];

		snprintf(path, sizeof(path), "%s/%s.elf", GUEST_DIR,
			 example_guests[i]);
		cr_assert_eq(image_open(path, MEM, &img, &err), 0, "%s",
			     err.msg);
		cr_expect_geq(img.memfd, 0);
		cr_expect_geq(img.lo, MOTE_IMAGE_MIN, "%s", path);
		cr_expect_leq(image_min_mem(&img), MEM, "%s", path);
		image_close(&img);
	}
}
