/*
 * ELF64 validation and loading. Every field of the file is untrusted: each
 * offset and size is overflow-checked before use, and errors name the field.
 */
#include "image.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "fdio.h"
#include "layout.h"

#define PAGE_DOWN(x) ((x) & ~(MOTE_PAGE_SIZE - 1))

static uint64_t page_up(uint64_t x)
{
	return (x + MOTE_PAGE_SIZE - 1) & ~(MOTE_PAGE_SIZE - 1);
}

uint64_t image_min_mem(const struct mote_image *img)
{
	return layout_min_mem(img);
}

static int check_header(const Elf64_Ehdr *eh, size_t size, struct mote_err *err)
{
	uint64_t ph_bytes, ph_end;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return err_set(err, EINVAL, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return err_set(err, EINVAL, "not ELF64 (ELF class %u)",
			       eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return err_set(err, EINVAL, "not little-endian ELF");
	if (eh->e_machine != EM_X86_64)
		return err_set(err, EINVAL, "not x86-64 (e_machine %u)",
			       eh->e_machine);
	if (eh->e_type == ET_DYN)
		return err_set(err, EINVAL,
			       "not statically linked (ET_DYN: position-independent "
			       "or shared object)");
	if (eh->e_type != ET_EXEC)
		return err_set(err, EINVAL, "not an executable (e_type %u)",
			       eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return err_set(err, EINVAL, "bad program header size %u",
			       eh->e_phentsize);
	if (eh->e_phnum == 0)
		return err_set(err, EINVAL, "no program headers");
	if (eh->e_phnum > IMAGE_MAX_PHDRS)
		return err_set(err, EINVAL, "too many program headers (%u)",
			       eh->e_phnum);
	ph_bytes = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (__builtin_add_overflow(eh->e_phoff, ph_bytes, &ph_end) ||
	    ph_end > size)
		return err_set(err, EINVAL,
			       "truncated file: program headers extend past "
			       "end of file (%zu bytes)",
			       size);
	return 0;
}

/* A segment's file bytes: no more than its memory, all inside the file. */
static int check_file_bytes(const Elf64_Phdr *ph, unsigned idx, size_t size,
			    struct mote_err *err)
{
	uint64_t file_end;

	if (ph->p_filesz > ph->p_memsz)
		return err_set(err, EINVAL,
			       "segment %u: file size exceeds memory size", idx);
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &file_end) ||
	    file_end > size)
		return err_set(err, EINVAL,
			       "truncated file: segment %u data extends past end "
			       "of file (%zu bytes)",
			       idx, size);
	return 0;
}

/* Validates one PT_LOAD and appends its page-rounded range to img. */
static int add_load(const Elf64_Phdr *ph, unsigned idx, size_t size,
		    struct mote_image *img, struct mote_err *err)
{
	uint64_t mem_end;
	struct image_segment *s;
	int rc;

	if (img->nseg == IMAGE_MAX_SEGMENTS)
		return err_set(err, EINVAL, "too many loadable segments (max %d)",
			       IMAGE_MAX_SEGMENTS);
	rc = check_file_bytes(ph, idx, size, err);
	if (rc)
		return rc;
	if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &mem_end) ||
	    ph->p_vaddr < MOTE_IMAGE_MIN || mem_end > MOTE_MEM_MAX)
		return err_set(err, EINVAL,
			       "segment %u at 0x%llx (+0x%llx) is outside guest "
			       "memory [0x%llx, 0x%llx)",
			       idx, (unsigned long long)ph->p_vaddr,
			       (unsigned long long)ph->p_memsz,
			       (unsigned long long)MOTE_IMAGE_MIN,
			       (unsigned long long)MOTE_MEM_MAX);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return err_set(err, EINVAL,
			       "segment %u is both writable and executable", idx);
	s = &img->seg[img->nseg++];
	s->start = PAGE_DOWN(ph->p_vaddr);
	s->end = page_up(mem_end);
	s->flags = ph->p_flags & (PF_R | PF_W | PF_X);
	return 0;
}

/* Segments may not overlap, and may share a page only with equal rights. */
static int check_overlaps(const Elf64_Phdr *ph, const unsigned *load_idx,
			  const struct mote_image *img, struct mote_err *err)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		for (unsigned j = i + 1; j < img->nseg; j++) {
			const Elf64_Phdr *a = &ph[load_idx[i]], *b = &ph[load_idx[j]];
			const struct image_segment *sa = &img->seg[i], *sb = &img->seg[j];

			if (a->p_vaddr < b->p_vaddr + b->p_memsz &&
			    b->p_vaddr < a->p_vaddr + a->p_memsz)
				return err_set(err, EINVAL,
					       "segments %u and %u overlap",
					       load_idx[i], load_idx[j]);
			if (sa->start < sb->end && sb->start < sa->end &&
			    sa->flags != sb->flags)
				return err_set(err, EINVAL,
					       "segments %u and %u share a page "
					       "with different permissions",
					       load_idx[i], load_idx[j]);
		}
	}
	return 0;
}

static int check_entry(uint64_t entry, const Elf64_Phdr *ph,
		       const unsigned *load_idx, unsigned n,
		       struct mote_err *err)
{
	for (unsigned i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[load_idx[i]];

		if ((p->p_flags & PF_X) && entry >= p->p_vaddr &&
		    entry < p->p_vaddr + p->p_filesz)
			return 0;
	}
	return err_set(err, EINVAL,
		       "entry point 0x%llx is outside executable text",
		       (unsigned long long)entry);
}

/*
 * The PT_TLS template: its initialised bytes are copied out of the file,
 * since the monitor writes them below each guest's thread pointer.
 */
static int add_tls(const Elf64_Phdr *ph, unsigned idx, size_t size,
		   const uint8_t *data, struct mote_image *img,
		   struct mote_err *err)
{
	uint64_t align = ph->p_align ? ph->p_align : 1;
	int rc;

	if (img->tls.memsz || img->tls.init)
		return err_set(err, EINVAL, "more than one PT_TLS segment");
	if (align & (align - 1) || align > MOTE_TLS_ALIGN_MAX)
		return err_set(err, EINVAL,
			       "segment %u (PT_TLS): alignment 0x%llx is not a "
			       "power of two up to 0x%llx",
			       idx, (unsigned long long)ph->p_align,
			       (unsigned long long)MOTE_TLS_ALIGN_MAX);
	if (ph->p_memsz > MOTE_TLS_MAX)
		return err_set(err, EINVAL,
			       "segment %u (PT_TLS): %llu bytes, at most %llu",
			       idx, (unsigned long long)ph->p_memsz,
			       (unsigned long long)MOTE_TLS_MAX);
	rc = check_file_bytes(ph, idx, size, err);
	if (rc)
		return rc;
	if (ph->p_filesz) {
		img->tls.init = malloc(ph->p_filesz);
		if (!img->tls.init)
			return err_set(err, ENOMEM, "out of memory");
		memcpy(img->tls.init, data + ph->p_offset, ph->p_filesz);
	}
	img->tls.filesz = ph->p_filesz;
	img->tls.memsz = ph->p_memsz;
	img->tls.align = align;
	return 0;
}

/*
 * Looks for the mote ABI note in one PT_NOTE segment: name "mote", type
 * MOTE_NOTE_ABI, a 4-byte version. Other notes are skipped. A segment
 * outside the file, or notes whose sizes run past it, hold no valid note:
 * the scan stops there, and a guest without its note is refused later.
 */
static int read_notes(const Elf64_Phdr *ph, size_t size, const uint8_t *data,
		      uint32_t *abi, struct mote_err *err)
{
	uint64_t end, off = ph->p_offset, align = ph->p_align == 8 ? 8 : 4;

	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end) ||
	    end > size)
		return 0;
	while (end - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name, desc, next;

		memcpy(&nh, data + off, sizeof(nh));
		name = off + sizeof(nh);
		desc = name + (((uint64_t)nh.n_namesz + align - 1) & ~(align - 1));
		next = desc + (((uint64_t)nh.n_descsz + align - 1) & ~(align - 1));
		if (desc > end || next > end)
			return 0;
		if (nh.n_namesz == sizeof(MOTE_NOTE_NAME) &&
		    memcmp(data + name, MOTE_NOTE_NAME,
			   sizeof(MOTE_NOTE_NAME)) == 0 &&
		    nh.n_type == MOTE_NOTE_ABI) {
			if (nh.n_descsz != 4)
				return err_set(err, EINVAL,
					       "mote ABI note: descriptor of %u "
					       "bytes, not 4",
					       nh.n_descsz);
			memcpy(abi, data + desc, 4);
		}
		off = next;
	}
	return 0;
}

static int check_abi(uint32_t abi, struct mote_err *err)
{
	if (abi == MOTE_ABI_VERSION)
		return 0;
	if (abi == 0)
		return err_set(err, EINVAL,
			       "not a mote guest: no mote ABI note (built for "
			       "guest ABI 1, or not with mote-cc); rebuild it "
			       "with mote-cc");
	return err_set(err, EINVAL,
		       "built for mote guest ABI %u; this mote runs ABI %u",
		       abi, MOTE_ABI_VERSION);
}

int image_parse(const void *data, size_t size, uint64_t mem_size,
		struct mote_image *img, struct mote_err *err)
{
	const Elf64_Ehdr *eh = data;
	Elf64_Phdr *ph = img->phdr;
	unsigned load_idx[IMAGE_MAX_SEGMENTS];
	uint32_t abi = 0;
	int rc;

	memset(img, 0, sizeof(*img));
	img->memfd = -1;
	if (size < sizeof(Elf64_Ehdr))
		return err_set(err, EINVAL,
			       "truncated file: %zu bytes is smaller than an ELF "
			       "header",
			       size);
	rc = check_header(eh, size, err);
	if (rc)
		return rc;
	/* Copy the headers out once (they may be unaligned in the file). */
	memcpy(ph, (const uint8_t *)data + eh->e_phoff,
	       (size_t)eh->e_phnum * sizeof(Elf64_Phdr));
	img->phnum = eh->e_phnum;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		switch (ph[i].p_type) {
		/* goto fail: a PT_TLS before it has been copied out */
		case PT_INTERP:
			rc = err_set(err, EINVAL,
				     "not statically linked (has PT_INTERP)");
			goto fail;
		case PT_DYNAMIC:
			rc = err_set(err, EINVAL,
				     "not statically linked (has PT_DYNAMIC)");
			goto fail;
		case PT_TLS:
			rc = add_tls(&ph[i], i, size, data, img, err);
			if (rc)
				goto fail;
			break;
		case PT_NOTE:
			rc = read_notes(&ph[i], size, data, &abi, err);
			if (rc)
				goto fail;
			break;
		case PT_LOAD:
			/* An empty segment loads nothing, but its file bytes
			 * must not be written anywhere either. */
			if (ph[i].p_memsz == 0 && ph[i].p_filesz == 0)
				break;
			rc = add_load(&ph[i], i, size, img, err);
			if (rc)
				goto fail;
			load_idx[img->nseg - 1] = i;
			break;
		default: /* notes, GNU_STACK, GNU_PROPERTY: nothing to load */
			break;
		}
	}
	rc = -EINVAL;
	if (img->nseg == 0) {
		err_set(err, EINVAL, "no loadable segments");
		goto fail;
	}
	rc = check_overlaps(ph, load_idx, img, err);
	if (!rc)
		rc = check_entry(eh->e_entry, ph, load_idx, img->nseg, err);
	if (!rc)
		rc = check_abi(abi, err);
	if (rc)
		goto fail;
	img->entry = eh->e_entry;
	img->lo = img->seg[0].start;
	img->hi = img->seg[0].end;
	for (unsigned i = 1; i < img->nseg; i++) {
		if (img->seg[i].start < img->lo)
			img->lo = img->seg[i].start;
		if (img->seg[i].end > img->hi)
			img->hi = img->seg[i].end;
	}
	if (image_min_mem(img) > mem_size) {
		rc = err_set(err, E2BIG,
			     "image too large for --mem %llu MiB: needs at "
			     "least %llu MiB",
			     (unsigned long long)(mem_size >> 20),
			     (unsigned long long)(image_min_mem(img) >> 20));
		goto fail;
	}
	return 0;
fail:
	free(img->tls.init);
	img->tls.init = NULL;
	return rc;
}

/* Writes the segments' file bytes at their guest offsets into a memfd. */
static int build_memfd(const uint8_t *data, size_t size,
		       struct mote_image *img, struct mote_err *err)
{
	int fd;

	fd = memfd_create("mote-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return err_set(err, errno, "memfd_create: %s", strerror(errno));
	if (ftruncate(fd, (off_t)(img->hi - img->lo)) < 0)
		goto fail;
	/* From the headers image_parse copied and checked, never from the
	 * file's bytes again. */
	for (unsigned i = 0; i < img->phnum; i++) {
		const Elf64_Phdr *ph = &img->phdr[i];

		if (ph->p_type != PT_LOAD || ph->p_filesz == 0)
			continue;
		if (ph->p_offset + ph->p_filesz > size ||
		    ph->p_vaddr < img->lo ||
		    ph->p_vaddr + ph->p_filesz > img->hi)
			goto fail;
		if (pwrite(fd, data + ph->p_offset, ph->p_filesz,
			   (off_t)(ph->p_vaddr - img->lo)) !=
		    (ssize_t)ph->p_filesz)
			goto fail;
	}
	/* Sealed: VMs map it privately, and nothing may change it later. */
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		goto fail;
	img->memfd = fd;
	return 0;
fail:
	err_set(err, errno ? errno : EIO, "loading image: %s",
		strerror(errno ? errno : EIO));
	close(fd);
	return -EIO;
}

int image_load_bytes(const void *data, size_t size, uint64_t mem_size,
		     struct mote_image *img, struct mote_err *err)
{
	int rc = image_parse(data, size, mem_size, img, err);

	if (rc == 0) {
		rc = build_memfd(data, size, img, err);
		if (rc)
			image_close(img);
	}
	return rc;
}

int image_open(const char *path, uint64_t mem_size, struct mote_image *img,
	       struct mote_err *err)
{
	struct stat st;
	void *data;
	int fd, rc;

	img->memfd = -1;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; the type
	 * check below then refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = err_set(err, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(err, EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > MOTE_MEM_MAX) {
		rc = st.st_size == 0
			     ? err_set(err, EINVAL,
				       "%s: truncated file: 0 bytes is smaller "
				       "than an ELF header",
				       path)
			     : err_set(err, EFBIG, "%s: file too large", path);
		goto out;
	}
	/* A private copy, read once: a mapping of the file would show a
	 * writer's later changes (or SIGBUS on truncation) between the
	 * checks and the use. */
	data = read_all(fd, (size_t)st.st_size);
	if (!data) {
		rc = err_set(err, errno ? errno : EIO, "%s: read: %s", path,
			     strerror(errno ? errno : EIO));
		goto out;
	}
	rc = image_load_bytes(data, (size_t)st.st_size, mem_size, img, err);
	if (rc) {
		/* prefix the path so the CLI line says which file */
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		err_set(err, -rc, "%s: %s", path, msg);
	}
	free(data);
out:
	close(fd);
	return rc;
}

void image_close(struct mote_image *img)
{
	if (img->memfd >= 0)
		close(img->memfd);
	img->memfd = -1;
	free(img->tls.init);
	img->tls.init = NULL;
}
