/*
 * Snapshot files (snapfile.h). The parser reads every field once into a
 * copy, checks it, and refuses the file with one line naming the field.
 */
#include "snapfile.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../guest_abi/mote_abi.h"
#include "fdio.h"
#include "layout.h"
#include "version.h"

_Static_assert(sizeof(struct snapfile_header) == 160, "snapshot format");

#define XSAVE_BV_OFF 512   /* XSTATE_BV in the XSAVE header */
#define XCOMP_BV_OFF 520   /* XCOMP_BV: 0 in the standard format */
#define MXCSR_OFF 24
#define CANONICAL_END (1ull << 47)

static uint64_t align8(uint64_t x)
{
	return (x + 7) & ~7ull;
}

bool snapfile_is_snapshot(const char *path)
{
	char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	bool yes;

	if (fd < 0)
		return false;
	yes = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	      read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	      memcmp(magic, SNAPFILE_MAGIC, sizeof(magic)) == 0;
	close(fd);
	return yes;
}

/* --- writing --- */

struct writer {
	int fd;
	uLong crc;
	int err;
};

static void put(struct writer *w, const void *p, size_t n)
{
	ssize_t rc;

	w->crc = crc32_z(w->crc, p, n);
	if (!w->err && (rc = write_all(w->fd, p, n)) < 0)
		w->err = (int)-rc;
}

static void pad8(struct writer *w, uint64_t n)
{
	static const uint8_t zero[8];

	if (n % 8)
		put(w, zero, 8 - n % 8);
}

int snapfile_write(const struct mote_snapshot *snap, const void *elf,
		   size_t elf_size, const struct cpu_contract *cpu, int fd,
		   struct mote_err *err)
{
	struct snapfile_header h;
	struct writer w = { fd, crc32(0, NULL, 0), 0 };
	uint64_t pages = 0;
	uint32_t trailer[2];

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SNAPFILE_MAGIC, sizeof(h.magic));
	h.format = SNAPFILE_FORMAT;
	h.abi = MOTE_ABI_VERSION;
	snprintf(h.mote_version, sizeof(h.mote_version), "%s", MOTE_VERSION);
	h.xcr0 = cpu->xcr0;
	h.hwcap = cpu->hwcap;
	h.hwcap2 = cpu->hwcap2;
	memcpy(h.cpu_words, cpu->words, sizeof(h.cpu_words));
	h.fsgsbase = cpu->fsgsbase;
	h.mem_size = snap->mem_size;
	h.image_size = elf_size;
	h.nextents = snap->ov.n;
	h.ndev = snap->ndev;
	h.guest_mono_ns = snap->guest_mono_ns;
	h.fs_base = snap->fs_base;
	h.gs_base = snap->gs_base;
	for (unsigned i = 0; i < snap->ov.n; i++)
		pages += snap->ov.ext[i].end - snap->ov.ext[i].start;
	h.file_size = sizeof(h) + align8(elf_size) + sizeof(struct kvm_regs) +
		      sizeof(snap->xsave) +
		      snap->ndev * sizeof(struct virtio_mmio_state) +
		      snap->ov.n * sizeof(struct overlay_extent) + pages +
		      sizeof(trailer);
	put(&w, &h, sizeof(h));
	put(&w, elf, elf_size);
	pad8(&w, elf_size);
	put(&w, &snap->regs, sizeof(snap->regs));
	put(&w, &snap->xsave, sizeof(snap->xsave));
	put(&w, snap->dev, snap->ndev * sizeof(snap->dev[0]));
	put(&w, snap->ov.ext, snap->ov.n * sizeof(snap->ov.ext[0]));
	for (unsigned i = 0; i < snap->ov.n && !w.err; i++) {
		const struct overlay_extent *e = &snap->ov.ext[i];
		uint8_t *p = mmap(NULL, e->end - e->start, PROT_READ,
				  MAP_SHARED, snap->ov.memfd, (off_t)e->start);

		if (p == MAP_FAILED) {
			w.err = errno;
			break;
		}
		put(&w, p, e->end - e->start);
		munmap(p, e->end - e->start);
	}
	trailer[0] = (uint32_t)w.crc;
	trailer[1] = 0;
	if (!w.err)
		put(&w, trailer, sizeof(trailer));
	if (w.err)
		return err_set(err, w.err, "writing the snapshot: %s",
			       strerror(w.err));
	return 0;
}

/* --- reading --- */

/* A cursor over the file: take() hands out the next n bytes, or NULL. */
struct reader {
	const uint8_t *data;
	uint64_t size, off;
};

static const void *take(struct reader *r, uint64_t n)
{
	const void *p;

	if (n > r->size - r->off)
		return NULL;
	p = r->data + r->off;
	r->off += n;
	return p;
}

static int bad(struct mote_err *err, const char *what)
{
	return err_set(err, EINVAL, "not a usable snapshot: %s", what);
}

static int check_header(const struct snapfile_header *h, uint64_t size,
			const struct cpu_contract *cpu, struct mote_err *err)
{
	if (memcmp(h->magic, SNAPFILE_MAGIC, sizeof(h->magic)) != 0)
		return bad(err, "bad magic");
	if (h->format != SNAPFILE_FORMAT)
		return err_set(err, EINVAL,
			       "snapshot file format %u; this mote reads "
			       "format %u",
			       h->format, SNAPFILE_FORMAT);
	if (memchr(h->mote_version, '\0', sizeof(h->mote_version)) == NULL)
		return bad(err, "version string not terminated");
	if (strcmp(h->mote_version, MOTE_VERSION) != 0 ||
	    h->abi != MOTE_ABI_VERSION)
		return err_set(err, EINVAL,
			       "snapshot taken by mote %s (guest ABI %u); this "
			       "is mote %s (guest ABI %u)",
			       h->mote_version, h->abi, MOTE_VERSION,
			       MOTE_ABI_VERSION);
	if (h->xcr0 != cpu->xcr0 || h->hwcap != cpu->hwcap ||
	    h->hwcap2 != cpu->hwcap2 || h->fsgsbase != cpu->fsgsbase ||
	    memcmp(h->cpu_words, cpu->words, sizeof(h->cpu_words)) != 0)
		return err_set(err, EINVAL,
			       "snapshot taken under another CPU contract "
			       "(XCR0 0x%llx there, 0x%llx here; feature words "
			       "%s)",
			       (unsigned long long)h->xcr0,
			       (unsigned long long)cpu->xcr0,
			       memcmp(h->cpu_words, cpu->words,
				      sizeof(h->cpu_words))
				       ? "differ"
				       : "equal");
	if (h->file_size != size)
		return err_set(err, EINVAL,
			       "snapshot truncated or extended: %llu bytes, "
			       "the header says %llu",
			       (unsigned long long)size,
			       (unsigned long long)h->file_size);
	if (h->mem_size < MOTE_MEM_MIN || h->mem_size > MOTE_MEM_MAX ||
	    h->mem_size % MOTE_MEM_MIN)
		return bad(err, "guest memory size");
	if (h->ndev > MOTE_MAX_DEVICES)
		return bad(err, "device count");
	if (h->nextents > OVERLAY_MAX_EXTENTS)
		return bad(err, "extent count");
	if (h->fs_base >= CANONICAL_END || h->gs_base >= CANONICAL_END)
		return bad(err, "FS or GS base");
	return 0;
}

/* FPU state KVM accepts and the contract allows. */
static int check_xsave(const uint32_t *region, uint64_t xcr0,
		       struct mote_err *err)
{
	const uint8_t *b = (const uint8_t *)region;
	uint64_t bv, comp;
	uint32_t mxcsr;

	memcpy(&bv, b + XSAVE_BV_OFF, 8);
	memcpy(&comp, b + XCOMP_BV_OFF, 8);
	memcpy(&mxcsr, b + MXCSR_OFF, 4);
	if (bv & ~xcr0)
		return bad(err, "FPU state outside XCR0");
	if (comp)
		return bad(err, "compacted FPU state");
	/* The rest of the XSAVE header is reserved: KVM refuses any bit. */
	for (unsigned i = XCOMP_BV_OFF + 8; i < XSAVE_BV_OFF + 64; i++)
		if (b[i])
			return bad(err, "XSAVE header reserved bytes");
	if (mxcsr & 0xffff0000u)
		return bad(err, "MXCSR reserved bits");
	return 0;
}

/* The instruction pointer must lie in the image's executable text. */
static bool in_text(const struct mote_image *img, uint64_t rip)
{
	for (unsigned i = 0; i < img->nseg; i++)
		if ((img->seg[i].flags & PF_X) && rip >= img->seg[i].start &&
		    rip < img->seg[i].end)
			return true;
	return false;
}

/* Whether [start, end) lies inside memory the guest may write. */
static bool writable(const struct mote_image *img,
		     const struct guest_layout *l, uint64_t start,
		     uint64_t end)
{
	if (start >= img->hi && end <= l->heap_end)
		return true;
	if (start >= l->stack_lo && end <= l->mem_size)
		return true;
	for (unsigned i = 0; i < img->nseg; i++)
		if ((img->seg[i].flags & PF_W) && start >= img->seg[i].start &&
		    end <= img->seg[i].end)
			return true;
	return false;
}

static int check_extents(const struct overlay_extent *e, unsigned n,
			 const struct mote_image *img,
			 const struct guest_layout *l, uint64_t *bytes,
			 struct mote_err *err)
{
	*bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		if (e[i].start >= e[i].end || e[i].start % MOTE_PAGE_SIZE ||
		    e[i].end % MOTE_PAGE_SIZE)
			return bad(err, "an extent is empty or not page aligned");
		if (i && e[i].start < e[i - 1].end)
			return bad(err, "extents overlap or are out of order");
		if (!writable(img, l, e[i].start, e[i].end))
			return bad(err, "an extent lies outside guest-writable "
					"memory");
		*bytes += e[i].end - e[i].start;
	}
	return 0;
}

/* The pages into a sealed memfd at their guest offsets. */
static int make_overlay(struct mote_snapshot *s, const uint8_t *pages,
			struct mote_err *err)
{
	int fd = memfd_create("mote-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int rc = 0;

	if (fd < 0)
		return err_set(err, errno, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)s->mem_size) < 0)
		rc = -errno;
	for (unsigned i = 0; i < s->ov.n && !rc; i++) {
		uint64_t n = s->ov.ext[i].end - s->ov.ext[i].start;

		rc = pwrite_all(fd, pages, n, (off_t)s->ov.ext[i].start);
		pages += n;
	}
	if (!rc && fcntl(fd, F_ADD_SEALS,
			 F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
				 F_SEAL_WRITE) < 0)
		rc = -errno;
	if (rc) {
		close(fd);
		return err_set(err, -rc, "snapshot memory: %s", strerror(-rc));
	}
	s->ov.memfd = fd;
	return 0;
}

int snapfile_parse(const void *data, size_t size,
		   const struct cpu_contract *cpu, struct mote_snapshot **out,
		   struct mote_err *err)
{
	struct reader r = { data, size, 0 };
	const struct snapfile_header *hp;
	struct snapfile_header h;
	struct mote_snapshot *s = NULL;
	struct guest_layout l;
	const void *elf, *p;
	uint64_t bytes;
	uint32_t crc;
	int rc;

	hp = take(&r, sizeof(h));
	if (!hp || size < sizeof(h) + 8)
		return bad(err, "shorter than its header");
	memcpy(&h, hp, sizeof(h));
	rc = check_header(&h, size, cpu, err);
	if (rc)
		return rc;
	memcpy(&crc, (const uint8_t *)data + size - 8, 4);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* The fuzz target skips it, to reach what lies behind. */
	if (crc != (uint32_t)crc32_z(crc32(0, NULL, 0), data, size - 8))
		return err_set(err, EINVAL,
			       "snapshot corrupted: checksum mismatch");
#endif
	r.size = size - 8;
	elf = take(&r, h.image_size);
	if (!elf || !take(&r, align8(h.image_size) - h.image_size))
		return bad(err, "image runs past the end");
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, ENOMEM, "out of memory");
	s->ov.memfd = -1;
	s->taken = true;
	s->mem_size = h.mem_size;
	rc = image_load_bytes(elf, h.image_size, h.mem_size, &s->own_img, err);
	if (rc) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		err_set(err, EINVAL, "snapshot's image: %s", why);
		free(s);
		return -EINVAL;
	}
	s->owns_img = true;
	s->img = &s->own_img;
	layout_compute(s->img, s->mem_size, &l);
	rc = -EINVAL;
	if (!(p = take(&r, sizeof(s->regs)))) {
		bad(err, "registers run past the end");
		goto fail;
	}
	memcpy(&s->regs, p, sizeof(s->regs));
	if (!in_text(s->img, s->regs.rip)) {
		bad(err, "instruction pointer outside the image's text");
		goto fail;
	}
	if (!(p = take(&r, sizeof(s->xsave)))) {
		bad(err, "FPU state runs past the end");
		goto fail;
	}
	memcpy(s->xsave, p, sizeof(s->xsave));
	if (check_xsave(s->xsave, cpu->xcr0, err))
		goto fail;
	s->ndev = h.ndev;
	if (!(p = take(&r, h.ndev * sizeof(s->dev[0])))) {
		bad(err, "devices run past the end");
		goto fail;
	}
	memcpy(s->dev, p, h.ndev * sizeof(s->dev[0]));
	s->ov.n = h.nextents;
	if (!(p = take(&r, h.nextents * sizeof(s->ov.ext[0])))) {
		bad(err, "extents run past the end");
		goto fail;
	}
	memcpy(s->ov.ext, p, h.nextents * sizeof(s->ov.ext[0]));
	if (check_extents(s->ov.ext, s->ov.n, s->img, &l, &bytes, err))
		goto fail;
	if (bytes != r.size - r.off) {
		bad(err, "page data does not match its extents");
		goto fail;
	}
	s->guest_mono_ns = h.guest_mono_ns;
	s->fs_base = h.fs_base;
	s->gs_base = h.gs_base;
	rc = make_overlay(s, r.data + r.off, err);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	mote_snapshot_free(s);
	return rc;
}

int snapfile_open(const char *path, const struct cpu_contract *cpu,
		  struct mote_snapshot **out, struct mote_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	void *data;
	int rc;

	if (fd < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return err_set(err, EINVAL, "%s: not a regular file", path);
	}
	/* One private copy (see read_all): checked, then used. */
	data = read_all(fd, (size_t)st.st_size);
	close(fd);
	if (!data)
		return err_set(err, errno ? errno : EIO, "%s: read: %s", path,
			       strerror(errno ? errno : EIO));
	rc = snapfile_parse(data, (size_t)st.st_size, cpu, out, err);
	free(data);
	if (rc) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		err_set(err, -rc, "%s: %s", path, why);
	}
	return rc;
}
