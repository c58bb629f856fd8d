/*
 * Snapshots: taking one at the guest's snapshot point, and starting clones
 * from it. What a clone gets fresh (start block, boot info, random bytes,
 * clocks) is written by the same code as any start (vm_begin_load).
 */
#include "snapshot.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"
#include "image.h"
#include "snapshot_take.h"
#include "timeutil.h"
#include "vm_fleet.h"
#include "vm_struct.h"

_Static_assert(sizeof(((struct mote_snapshot *)0)->xsave) ==
		       sizeof(((struct kvm_xsave *)0)->region),
	       "the XSAVE region");

/* Runs of dirty pages closer than this are merged into one extent: fewer
 * mappings per clone for a few more shared pages. Doubled while there are
 * more runs than an overlay holds. */
#define MERGE_GAP_PAGES 16u
/* RFLAGS bits a guest at CPL3 controls: CF PF AF ZF SF TF DF OF, and
 * bit 1 (always set). Never IOPL, IF or the system flags. */
#define RFLAGS_GUEST 0xdd5ull

int mote_snapshot_reserve(uint64_t mem_size, struct mote_snapshot **out,
			  struct mote_err *err)
{
	struct mote_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(err, ENOMEM, "out of memory");
	s->mem_size = mem_size;
	s->ov.memfd = memfd_create("mote-snapshot",
				   MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->ov.memfd < 0 || ftruncate(s->ov.memfd, (off_t)mem_size) < 0) {
		int e = errno;

		mote_snapshot_free(s);
		return err_set(err, e, "snapshot memory: %s", strerror(e));
	}
	*out = s;
	return 0;
}

void mote_vm_request_snapshot(struct mote_vm *vm, struct mote_snapshot *snap)
{
	vm->snap_out = snap;
}

int mote_snapshot_seal(struct mote_snapshot *snap, struct mote_err *err)
{
	if (fcntl(snap->ov.memfd, F_ADD_SEALS,
		  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0 &&
	    errno != EPERM) /* already sealed: F_SEAL_SEAL */
		return err_set(err, errno, "sealing the snapshot: %s",
			       strerror(errno));
	return 0;
}

/* The writable ranges of a guest: its writable segments, TLS, TCB and heap,
 * and the stack. Only they can differ from the image or from zero. */
static unsigned writable_ranges(const struct mote_vm *vm,
				struct overlay_extent *r)
{
	const struct mote_image *img = vm->img;
	unsigned n = 0;

	for (unsigned i = 0; i < img->nseg; i++)
		if (img->seg[i].flags & PF_W)
			r[n++] = (struct overlay_extent){ img->seg[i].start,
							  img->seg[i].end };
	r[n++] = (struct overlay_extent){ img->hi, vm->layout.heap_end };
	r[n++] = (struct overlay_extent){ vm->layout.stack_lo, vm->mem_size };
	/* In address order, so the extents made from them are too. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && r[j].start < r[j - 1].start; j--) {
			struct overlay_extent t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	return n;
}

/*
 * Marks in dirty[] (one byte per guest page) every page of [start, end)
 * that differs from what a fresh start has there. Every page is compared:
 * residency (mincore) cannot tell a page never touched from one the guest
 * wrote and the host swapped out. Reading a page never touched maps the
 * shared zero page (or the image's), which costs no memory.
 */
static int mark_dirty(const struct mote_vm *vm, const uint8_t *tmpl,
		      uint64_t start, uint64_t end, uint8_t *dirty)
{
	static const uint8_t zero[MOTE_PAGE_SIZE];

	for (uint64_t gpa = start; gpa < end; gpa += MOTE_PAGE_SIZE) {
		const uint8_t *base = zero;

		if (gpa >= vm->img->lo && gpa < vm->img->hi)
			base = tmpl + (gpa - vm->img->lo);
		if (memcmp(vm->mem + gpa, base, MOTE_PAGE_SIZE) != 0)
			dirty[gpa / MOTE_PAGE_SIZE] = 1;
	}
	return 0;
}

/*
 * Dirty pages as at most OVERLAY_MAX_EXTENTS runs, never across the end of
 * a writable range (the guard below the stack, a read-only segment): runs
 * closer than gap pages within a range are merged.
 */
static bool make_extents_gap(const uint8_t *dirty,
			     const struct overlay_extent *ranges, unsigned nr,
			     uint64_t gap, struct vm_overlay *ov)
{
	ov->n = 0;
	for (unsigned r = 0; r < nr; r++) {
		uint64_t lo = ranges[r].start / MOTE_PAGE_SIZE;
		uint64_t hi = ranges[r].end / MOTE_PAGE_SIZE, last = 0;
		bool open = false;

		for (uint64_t p = lo; p < hi; p++) {
			if (!dirty[p])
				continue;
			if (open && p - last <= gap) {
				ov->ext[ov->n - 1].end = (p + 1) * MOTE_PAGE_SIZE;
			} else {
				if (ov->n == OVERLAY_MAX_EXTENTS)
					return false;
				ov->ext[ov->n++] = (struct overlay_extent){
					p * MOTE_PAGE_SIZE,
					(p + 1) * MOTE_PAGE_SIZE
				};
				open = true;
			}
			last = p;
		}
	}
	return true;
}

static void make_extents(const uint8_t *dirty,
			 const struct overlay_extent *ranges, unsigned nr,
			 struct vm_overlay *ov)
{
	uint64_t gap = MERGE_GAP_PAGES;

	/* Terminates: with a gap as large as a range, each is one run. */
	while (!make_extents_gap(dirty, ranges, nr, gap, ov))
		gap *= 2;
}

/* The differing pages into a sealed memfd at their guest offsets. */
static int capture_memory(struct mote_vm *vm, struct vm_overlay *ov,
			  struct mote_err *err)
{
	struct overlay_extent ranges[IMAGE_MAX_SEGMENTS + 2];
	const struct mote_image *img = vm->img;
	uint64_t npages = vm->mem_size / MOTE_PAGE_SIZE;
	unsigned nr = writable_ranges(vm, ranges);
	uint8_t *dirty = calloc(npages, 1), *tmpl;
	int rc = 0;

	tmpl = mmap(NULL, img->hi - img->lo, PROT_READ, MAP_SHARED, img->memfd,
		    0);
	if (!dirty || tmpl == MAP_FAILED) {
		free(dirty);
		if (tmpl != MAP_FAILED)
			munmap(tmpl, img->hi - img->lo);
		return err_set(err, ENOMEM, "snapshot: out of memory");
	}
	for (unsigned i = 0; i < nr && !rc; i++)
		rc = mark_dirty(vm, tmpl, ranges[i].start, ranges[i].end, dirty);
	munmap(tmpl, img->hi - img->lo);
	if (rc) {
		free(dirty);
		return err_set(err, -rc, "snapshot: reading guest memory: %s",
			       strerror(-rc));
	}
	make_extents(dirty, ranges, nr, ov);
	free(dirty);
	/* Into the reserved memfd through a shared mapping: the vCPU
	 * thread this runs on needs no file system calls. */
	for (unsigned i = 0; i < ov->n && !rc; i++) {
		const struct overlay_extent *e = &ov->ext[i];
		uint8_t *p = mmap(NULL, e->end - e->start, PROT_WRITE,
				  MAP_SHARED, ov->memfd, (off_t)e->start);

		if (p == MAP_FAILED) {
			rc = -errno;
			break;
		}
		memcpy(p, vm->mem + e->start, e->end - e->start);
		munmap(p, e->end - e->start);
	}
	if (rc)
		return err_set(err, -rc, "snapshot: writing its memory: %s",
			       strerror(-rc));
	return 0;
}

/* Devices: saved only when idle; a network device cannot be cloned yet
 * (two clones would share its MAC and the frames in flight). */
static int capture_devices(struct mote_vm *vm, struct mote_snapshot *s,
			   struct mote_err *err)
{
	s->ndev = vm->ndev;
	for (unsigned i = 0; i < vm->ndev; i++) {
		if (virtio_mmio_device_id(vm->dev[i]) == VIRTIO_ID_NET)
			return err_set(err, ENOTSUP,
				       "snapshot refused: the guest has a "
				       "network device, and networked guests "
				       "cannot be snapshotted");
		if (virtio_mmio_save(vm->dev[i], &s->dev[i], err) < 0)
			return -EBUSY;
	}
	return 0;
}

int snapshot_take(struct mote_vm *vm, uint64_t gpa, struct mote_err *err)
{
	struct mote_snapshot *s = vm->snap_out;
	struct kvm_sregs sr;
	uint64_t *result;
	int rc;

	vm->snap_out = NULL; /* one snapshot per request */
	if (vm->overlay)
		return err_set(err, ENOTSUP,
			       "snapshot refused: the guest is itself a "
			       "snapshot's clone");
	if (s->mem_size != vm->mem_size || s->taken)
		return err_set(err, EINVAL, "snapshot: reserved for another VM");
	rc = capture_devices(vm, s, err);
	if (rc)
		return rc;
	/* Clones resume past the store and find CLONE in the struct: write
	 * it, then let KVM complete the store without running further. */
	result = guest_mem_dma(&vm->gm,
			       gpa + offsetof(struct mote_hc_snapshot, result),
			       8, 8, true);
	if (!result)
		return err_set(err, EFAULT, "snapshot: argument moved");
	*result = MOTE_SNAPSHOT_CLONE;
	vm->run->immediate_exit = 1;
	rc = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	vm->run->immediate_exit = 0;
	if (rc == 0 || errno != EINTR)
		return err_set(err, rc ? errno : EIO,
			       "snapshot: completing the store: %s",
			       strerror(rc ? errno : EIO));
	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &s->regs) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sr) < 0 ||
	    ioctl(vm->vcpu_fd, KVM_GET_XSAVE, s->xsave) < 0)
		return err_set(err, errno, "snapshot: reading the vCPU: %s",
			       strerror(errno));
	s->fs_base = sr.fs.base;
	s->gs_base = sr.gs.base;
	s->guest_mono_ns = vm->mono_offset + (mono_ns() - vm->mono_base);
	s->img = vm->img;
	rc = capture_memory(vm, &s->ov, err);
	if (rc)
		return rc;
	s->taken = true;
	return 0;
}

int mote_vm_load_snapshot(struct mote_vm *vm, const struct mote_snapshot *snap,
			  const struct mote_args *args, struct mote_err *err)
{
	struct cpu_entry entry = { 0 };
	struct kvm_regs r;
	uint64_t canary;
	int rc;

	if (!snap->taken)
		return err_set(err, EINVAL, "snapshot: never taken");
	if (snap->mem_size != vm->mem_size)
		return err_set(err, EINVAL,
			       "snapshot taken with %llu MiB of guest memory, "
			       "this VM has %llu MiB",
			       (unsigned long long)(snap->mem_size >> 20),
			       (unsigned long long)(vm->mem_size >> 20));
	if (snap->ndev != vm->ndev)
		return err_set(err, EINVAL,
			       "snapshot taken with %u devices, this VM has %u",
			       snap->ndev, vm->ndev);
	rc = vm_begin_load(vm, snap->img, &snap->ov, args, snap->guest_mono_ns,
			   &entry.rsp, &canary, err);
	if (rc)
		return rc;
	/* The monitor's own CPU mode, with the guest's FS and GS base: no
	 * special register comes from the snapshot itself. */
	entry.rip = snap->regs.rip;
	entry.rsp = snap->regs.rsp;
	entry.fs_base = snap->fs_base;
	entry.gs_base = snap->gs_base;
	entry.fsgsbase = vm->fsgsbase;
	rc = cpu_set_entry_state(vm->vcpu_fd, &entry, err);
	if (rc)
		return rc;
	r = snap->regs;
	r.rflags = (r.rflags & RFLAGS_GUEST) | 0x2;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &r) < 0)
		return err_set(err, errno, "KVM_SET_REGS: %s", strerror(errno));
	if (ioctl(vm->vcpu_fd, KVM_SET_XSAVE, snap->xsave) < 0)
		return err_set(err, errno, "KVM_SET_XSAVE: %s", strerror(errno));
	for (unsigned i = 0; i < vm->ndev; i++) {
		/* A networked guest is never snapshotted: a file that says
		 * otherwise is refused (clones would share a MAC). */
		if (virtio_mmio_device_id(vm->dev[i]) == VIRTIO_ID_NET)
			return err_set(err, ENOTSUP,
				       "snapshot: clones cannot have a network "
				       "device");
		rc = virtio_mmio_restore(vm->dev[i], &snap->dev[i], err);
		if (rc)
			return rc;
	}
	return 0;
}

int snapshot_prepare(struct mote_vm *vm, const struct mote_snapshot *snap,
		     struct mote_err *err)
{
	if (snap->mem_size != vm->mem_size)
		return err_set(err, EINVAL, "snapshot: guest memory differs");
	return vm_prepare_overlay(vm, snap->img, &snap->ov, err);
}

void mote_snapshot_free(struct mote_snapshot *snap)
{
	if (!snap)
		return;
	if (snap->ov.memfd >= 0)
		close(snap->ov.memfd);
	if (snap->owns_img)
		image_close(&snap->own_img);
	free(snap);
}
