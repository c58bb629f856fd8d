/*
 * Snapshot files: a snapshot made in memory (no VM needed) is written and
 * read back, and every kind of bad file is refused with its own line.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../guest_abi/mote_abi.h"
#include "image.h"
#include "snapfile.h"
#include "snapshot.h"
#include "version.h"

#define MIB (1ull << 20)
/* A minimal valid guest (text at 0x100000, data at 0x101000), committed
 * as a seed of the ELF loader's fuzz target. */
#define ELF_PATH "tests/fuzz/corpus/image/minimal.elf"

static const struct cpu_contract here = {
	.xcr0 = 7, .fsgsbase = true, .hwcap = 0x178bfbff, .hwcap2 = 2,
	.words = { 1, 2, 3, 4, 5, 6, 7 },
};

static uint8_t elf[16384];
static size_t elf_size;

static void read_elf(void)
{
	int fd = open(ELF_PATH, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0, "%s: %s", ELF_PATH, strerror(errno));
	n = read(fd, elf, sizeof(elf));
	cr_assert_gt(n, 0);
	elf_size = (size_t)n;
	close(fd);
}

/* A snapshot of the minimal guest: one dirty page of its data segment
 * and one of its stack, as a guest that ran a little would leave. */
static struct mote_snapshot *make_snapshot(void)
{
	struct mote_snapshot *s = calloc(1, sizeof(*s));
	struct mote_err err = { "" };
	uint8_t page[4096];

	cr_assert_not_null(s);
	read_elf();
	s->mem_size = 16 * MIB;
	cr_assert_eq(image_load_bytes(elf, elf_size, s->mem_size, &s->own_img,
				      &err),
		     0, "%s", err.msg);
	s->owns_img = true;
	s->img = &s->own_img;
	s->ov.memfd = memfd_create("test-snapshot", MFD_CLOEXEC);
	cr_assert_geq(s->ov.memfd, 0);
	cr_assert_eq(ftruncate(s->ov.memfd, (off_t)s->mem_size), 0);
	s->ov.n = 2;
	s->ov.ext[0] = (struct overlay_extent){ 0x101000, 0x102000 };
	s->ov.ext[1] = (struct overlay_extent){ s->mem_size - 0x20000,
						s->mem_size - 0x1f000 };
	for (unsigned i = 0; i < 2; i++) {
		memset(page, 0xa0 + (int)i, sizeof(page));
		cr_assert_eq(pwrite(s->ov.memfd, page, sizeof(page),
				    (off_t)s->ov.ext[i].start),
			     (ssize_t)sizeof(page));
	}
	s->regs.rip = 0x100010;
	s->regs.rsp = s->mem_size - 0x20000 + 0x800;
	s->regs.rax = 0x1234;
	s->fs_base = 0x102040;
	s->guest_mono_ns = 123456789;
	return s;
}

/* The snapshot as a file in memory (a memfd, mapped). */
static uint8_t *save(const struct mote_snapshot *s, size_t *size)
{
	struct mote_err err = { "" };
	int fd = memfd_create("test-snapfile", MFD_CLOEXEC);
	struct stat st;
	uint8_t *buf;

	cr_assert_eq(snapfile_write(s, elf, elf_size, &here, fd, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	cr_assert_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*size = (size_t)st.st_size;
	return buf;
}

/* Puts a correct checksum back after a test changed the file. */
static void fix_crc(uint8_t *buf, size_t size)
{
	uint32_t crc = (uint32_t)crc32(crc32(0, NULL, 0), buf, (uInt)(size - 8));

	memcpy(buf + size - 8, &crc, 4);
}

static void expect_refused(const uint8_t *buf, size_t size, const char *msg)
{
	struct mote_snapshot *out = NULL;
	struct mote_err err = { "" };

	cr_assert_eq(snapfile_parse(buf, size, &here, &out, &err), -EINVAL,
		     "accepted; expected: %s", msg);
	cr_assert_null(out);
	cr_assert_str_eq(err.msg, msg);
}

Test(snapfile, round_trips_every_field_and_page)
{
	struct mote_snapshot *s = make_snapshot(), *back = NULL;
	struct mote_err err = { "" };
	size_t size;
	uint8_t *buf = save(s, &size), page[4096];

	cr_assert_eq(snapfile_parse(buf, size, &here, &back, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(back->mem_size, s->mem_size);
	cr_assert_eq(back->regs.rip, s->regs.rip);
	cr_assert_eq(back->regs.rax, 0x1234);
	cr_assert_eq(back->fs_base, s->fs_base);
	cr_assert_eq(back->guest_mono_ns, s->guest_mono_ns);
	cr_assert_eq(back->ov.n, 2);
	cr_assert_eq(back->img->entry, s->img->entry);
	for (unsigned i = 0; i < 2; i++) {
		cr_assert_eq(back->ov.ext[i].start, s->ov.ext[i].start);
		cr_assert_eq(pread(back->ov.memfd, page, sizeof(page),
				   (off_t)back->ov.ext[i].start),
			     (ssize_t)sizeof(page));
		cr_assert_eq(page[0], 0xa0 + i);
		cr_assert_eq(page[4095], 0xa0 + i);
	}
	/* sealed: nobody can change a clone's source afterwards */
	cr_assert_lt(pwrite(back->ov.memfd, page, 1, 0x101000), 0);
	mote_snapshot_free(back);
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_a_truncated_file)
{
	struct mote_snapshot *s = make_snapshot();
	size_t size;
	uint8_t *buf = save(s, &size);
	char want[160];

	snprintf(want, sizeof(want),
		 "snapshot truncated or extended: %zu bytes, the header says "
		 "%zu",
		 size - 4096, size);
	expect_refused(buf, size - 4096, want);
	expect_refused(buf, 100, "not a usable snapshot: shorter than its "
				 "header");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_a_corrupted_file)
{
	struct mote_snapshot *s = make_snapshot();
	size_t size;
	uint8_t *buf = save(s, &size);

	buf[size - 100] ^= 1; /* a byte of the last page */
	expect_refused(buf, size, "snapshot corrupted: checksum mismatch");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_another_version)
{
	struct mote_snapshot *s = make_snapshot();
	struct snapfile_header *h;
	size_t size;
	uint8_t *buf = save(s, &size);
	char want[160];

	h = (struct snapfile_header *)buf;
	snprintf(h->mote_version, sizeof(h->mote_version), "0.0.1");
	fix_crc(buf, size);
	snprintf(want, sizeof(want),
		 "snapshot taken by mote 0.0.1 (guest ABI %u); this is mote "
		 "%s (guest ABI %u)",
		 MOTE_ABI_VERSION, MOTE_VERSION, MOTE_ABI_VERSION);
	expect_refused(buf, size, want);
	h->format = 9;
	fix_crc(buf, size);
	expect_refused(buf, size, "snapshot file format 9; this mote reads "
				  "format 1");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_another_cpu_contract)
{
	struct mote_snapshot *s = make_snapshot();
	struct snapfile_header *h;
	size_t size;
	uint8_t *buf = save(s, &size);

	h = (struct snapfile_header *)buf;
	h->xcr0 = 3; /* taken where AVX was off */
	fix_crc(buf, size);
	expect_refused(buf, size, "snapshot taken under another CPU contract "
				  "(XCR0 0x3 there, 0x7 here; feature words "
				  "equal)");
	h->xcr0 = 7;
	h->cpu_words[2] ^= 1u << 5; /* AVX2 */
	fix_crc(buf, size);
	expect_refused(buf, size, "snapshot taken under another CPU contract "
				  "(XCR0 0x7 there, 0x7 here; feature words "
				  "differ)");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_bad_magic_and_bad_fields)
{
	struct mote_snapshot *s = make_snapshot();
	struct snapfile_header *h;
	size_t size;
	uint8_t *buf = save(s, &size);

	h = (struct snapfile_header *)buf;
	h->fs_base = 1ull << 63;
	fix_crc(buf, size);
	expect_refused(buf, size, "not a usable snapshot: FS or GS base");
	h->fs_base = 0;
	h->mem_size = 3 * MIB;
	fix_crc(buf, size);
	expect_refused(buf, size, "not a usable snapshot: guest memory size");
	memcpy(h->magic, "NOTSNAP!", 8);
	expect_refused(buf, size, "not a usable snapshot: bad magic");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_registers_outside_the_text)
{
	struct mote_snapshot *s = make_snapshot();
	size_t size;
	uint8_t *buf;

	s->regs.rip = 0x101000; /* the data segment */
	buf = save(s, &size);
	expect_refused(buf, size, "not a usable snapshot: instruction pointer "
				  "outside the image's text");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_extents_outside_writable_memory)
{
	struct mote_snapshot *s = make_snapshot();
	size_t size;
	uint8_t *buf;

	s->ov.ext[0] = (struct overlay_extent){ 0x100000, 0x101000 }; /* text */
	buf = save(s, &size);
	expect_refused(buf, size, "not a usable snapshot: an extent lies "
				  "outside guest-writable memory");
	free(buf);
	s->ov.ext[0] = (struct overlay_extent){ 0x101000, 0x101800 };
	buf = save(s, &size);
	expect_refused(buf, size, "not a usable snapshot: an extent is empty "
				  "or not page aligned");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, refuses_fpu_state_the_contract_does_not_allow)
{
	struct mote_snapshot *s = make_snapshot();
	uint64_t bv = 1ull << 5; /* AVX-512 opmask state */
	size_t size;
	uint8_t *buf;

	memcpy((uint8_t *)s->xsave + 512, &bv, 8);
	buf = save(s, &size);
	expect_refused(buf, size, "not a usable snapshot: FPU state outside "
				  "XCR0");
	mote_snapshot_free(s);
	free(buf);
}

Test(snapfile, tells_snapshot_files_from_images)
{
	char path[] = "/tmp/mote-snapfile.XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, SNAPFILE_MAGIC, 8), 8);
	close(fd);
	cr_assert(snapfile_is_snapshot(path));
	cr_assert_not(snapfile_is_snapshot(ELF_PATH));
	cr_assert_not(snapfile_is_snapshot("/nonexistent"));
	unlink(path);
}

Test(snapfile, refuses_xsave_header_bits_kvm_would_reject)
{
	struct mote_snapshot *s = make_snapshot();
	size_t size;
	uint8_t *buf;

	((uint8_t *)s->xsave)[530] = 1; /* reserved, after XCOMP_BV */
	buf = save(s, &size);
	expect_refused(buf, size, "not a usable snapshot: XSAVE header "
				  "reserved bytes");
	mote_snapshot_free(s);
	free(buf);
}
