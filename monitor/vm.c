/*
 * VM lifecycle: KVM VM and vCPU creation, guest memory, image mapping, boot
 * info, reset for reuse, and destruction.
 */
#include "vm.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "cpu.h"
#include "fdio.h"
#include "kick.h"
#include "kvm.h"
#include "timeutil.h"
#include "virtio_mmio.h"
#include "vm_fleet.h"
#include "vm_struct.h"

#define MSR_IA32_TSC 0x10

/* FPU/SSE state of a freshly created vCPU, restored when a VM is reused;
 * XSAVE, as KVM_SET_FPU leaves MXCSR as the last guest set it. */
static struct kvm_xsave pristine_fpu;
static bool have_pristine_fpu;
static pthread_mutex_t pristine_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t next_vm_id;

/* The default streams: mote's stdout and stderr, and no stdin. */
static ssize_t default_write(void *ctx, int fd, const void *buf, size_t len)
{
	(void)ctx;
	return write_all(fd == 2 ? STDERR_FILENO : STDOUT_FILENO, buf, len);
}

static ssize_t default_read(void *ctx, void *buf, size_t len,
			    uint64_t deadline_ns)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)deadline_ns;
	return 0;
}

static const struct mote_stdio default_stdio = {
	.write = default_write,
	.read = default_read,
};

const char *mote_outcome_name(enum mote_outcome o)
{
	static const char *const names[MOTE_NOUTCOMES] = {
		[MOTE_EXITED] = "exited",
		[MOTE_CRASHED] = "crashed",
		[MOTE_TIMED_OUT] = "timeout",
		[MOTE_FAILED] = "failed",
		[MOTE_OUTPUT_LIMIT] = "output_limit",
		[MOTE_SNAPSHOT_TAKEN] = "snapshot",
	};

	return (unsigned)o < MOTE_NOUTCOMES ? names[o] : "unknown";
}

/*
 * Anonymous guest memory at `at` (NULL: anywhere): reserved, not
 * committed, so the host backs only the pages the guest touches; and in
 * small pages only. Where transparent huge pages are "always" (Debian's
 * default), a fault or khugepaged would back a guest's few touched pages
 * with 2 MiB ones: a pooled VM at rest grew by 2 MiB steps. The advice
 * fails only where the kernel has no THP, and then there is none to
 * refuse.
 */
static void *guest_anon(void *at, size_t len)
{
	void *p = mmap(at, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			       (at ? MAP_FIXED : 0),
		       -1, 0);

	if (p != MAP_FAILED)
		(void)madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static int create_vcpu(struct mote_vm *vm, const struct kvm_host *kh,
		       struct mote_err *err)
{
	int khz;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return err_set(err, errno, "KVM_CREATE_VCPU: %s",
			       strerror(errno));
	struct kvm_xcrs xcrs;

	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, kh->cpuid) < 0)
		return err_set(err, errno, "KVM_SET_CPUID2: %s", strerror(errno));
	/* XCR0 is the monitor's (xsetbv is privileged): what CPUID says. */
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = kh->cpu.xcr0;
	if (ioctl(vm->vcpu_fd, KVM_SET_XCRS, &xcrs) < 0)
		return err_set(err, errno, "KVM_SET_XCRS: %s", strerror(errno));
	vm->fsgsbase = kh->cpu.fsgsbase;
	vm->hwcap = kh->cpu.hwcap;
	vm->hwcap2 = kh->cpu.hwcap2;
	vm->run_size = kh->run_size;
	vm->run = mmap(NULL, (size_t)kh->run_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return err_set(err, errno, "mmap kvm_run: %s", strerror(errno));
	}
	khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (khz < 0)
		return err_set(err, errno, "KVM_GET_TSC_KHZ: %s", strerror(errno));
	if (khz == 0)
		return err_set(err, EIO, "KVM_GET_TSC_KHZ: no TSC frequency");
	vm->tsc_hz = (uint64_t)khz * 1000;
	pthread_mutex_lock(&pristine_lock);
	if (!have_pristine_fpu &&
	    ioctl(vm->vcpu_fd, KVM_GET_XSAVE, &pristine_fpu) == 0) {
		/* A fresh vCPU's state is the init state, which XSAVE may
		 * record as "not in use" (its XSTATE_BV bits clear); restored
		 * that way, KVM keeps the previous guest's MXCSR (it copies
		 * MXCSR only with SSE or AVX in XSTATE_BV). Marking the
		 * contract's components present, with their reset values
		 * already in the buffer, resets them all, MXCSR included. */
		uint64_t bv;
		uint32_t mxcsr = 0x1f80;
		uint16_t fcw = 0x37f;

		memcpy(&bv, (uint8_t *)pristine_fpu.region + 512, 8);
		bv |= kh->cpu.xcr0 & 7;
		memcpy((uint8_t *)pristine_fpu.region + 512, &bv, 8);
		memcpy((uint8_t *)pristine_fpu.region + 24, &mxcsr, 4);
		memcpy((uint8_t *)pristine_fpu.region, &fcw, 2);
		have_pristine_fpu = true;
	}
	pthread_mutex_unlock(&pristine_lock);
	return kick_vcpu_mask(vm->vcpu_fd, err);
}

int mote_vm_create(uint64_t mem_size, struct mote_vm **out,
		   struct mote_err *err)
{
	const struct kvm_host *kh;
	struct kvm_userspace_memory_region slot;
	struct mote_vm *vm;
	int rc;

	if (mem_size < MOTE_MEM_MIN || mem_size > MOTE_MEM_MAX ||
	    mem_size % MOTE_MEM_MIN)
		return err_set(err, EINVAL,
			       "guest memory must be a multiple of 2 MiB "
			       "between 2 MiB and 4 GiB");
	rc = kvm_host_get(&kh, err);
	if (rc)
		return rc;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return err_set(err, ENOMEM, "out of memory");
	vm->id = __atomic_add_fetch(&next_vm_id, 1, __ATOMIC_RELAXED);
	vm->vcpu_fd = -1;
	vm->wake_fd = -1;
	vm->run_deadline = UINT64_MAX;
	pthread_mutex_init(&vm->wake_lock, NULL);
	vm->mem_size = mem_size;
	vm->io = default_stdio;
	/* The kernel's mmu-notifier registration walks every mapping of the
	 * process and gives up with EINTR if a signal arrives meanwhile
	 * (seen once in the sanitized test build, whose many mappings make
	 * the walk slow). The handler runs on the way out, so a retry goes
	 * on; the kick is blocked outside KVM_RUN and plays no part. */
	do
		vm->vm_fd = ioctl(kh->fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		rc = err_set(err, errno, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	vm->mem = guest_anon(NULL, mem_size);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		rc = err_set(err, errno, "guest memory: %s", strerror(errno));
		goto fail;
	}
	vm->gm.host = vm->mem;
	vm->gm.size = mem_size;
	vm->gm.floor = MOTE_BOOT_INFO_GPA; /* descriptors and stubs are off limits */
	memset(&slot, 0, sizeof(slot));
	slot.memory_size = mem_size;
	slot.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		rc = err_set(err, errno, "KVM_SET_USER_MEMORY_REGION: %s",
			     strerror(errno));
		goto fail;
	}
	rc = create_vcpu(vm, kh, err);
	if (rc)
		goto fail;
	*out = vm;
	return 0;
fail:
	mote_vm_destroy(vm);
	return rc;
}

/* Copies a NULL-terminated vector's strings to *top (moving down) and
 * their guest addresses to ptrs; returns how many. */
static size_t put_strings(uint8_t *mem, char *const *v, size_t n,
			  uint64_t *top, uint64_t *ptrs)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;

		*top -= len;
		memcpy(mem + *top, v[i], len);
		ptrs[i] = *top;
	}
	return n;
}

static size_t count_env(char *const *envp)
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	return n;
}

/* Where the AT_RANDOM bytes and the AT_PLATFORM string go: boot info's page. */
#define RANDOM_GPA (MOTE_BOOT_INFO_GPA + 0x200)
#define PLATFORM_GPA (RANDOM_GPA + 16)
#define NAUX MOTE_AUXV_COUNT

/*
 * The System V initial stack at the top of the stack: argc, argv, NULL,
 * envp, NULL, auxv, then (above them) the strings. Returns the initial
 * %rsp, or 0 with err set when it does not fit MOTE_START_MAX.
 */
static uint64_t write_start(struct mote_vm *vm, const struct mote_image *img,
			    const struct mote_args *a, struct mote_err *err)
{
	size_t argc = (size_t)a->argc, envc = count_env(a->envp);
	uint64_t need = (1 + argc + 1 + envc + 1 + 2 * NAUX) * 8;
	uint64_t top = vm->mem_size, sp, *vec, *auxv;
	uint64_t boot = MOTE_BOOT_INFO_GPA;

	for (size_t i = 0; i < argc; i++)
		need += strlen(a->argv[i]) + 1;
	for (size_t i = 0; i < envc; i++)
		need += strlen(a->envp[i]) + 1;
	if (need > MOTE_START_MAX) {
		err_set(err, E2BIG,
			"guest arguments and environment too long: %llu "
			"bytes with their pointers, at most %llu",
			(unsigned long long)need,
			(unsigned long long)MOTE_START_MAX);
		return 0;
	}
	/* The block has a fixed place, [top - MOTE_START_MAX, top), with
	 * the vectors at its bottom (the initial %rsp) and the strings at
	 * its top: the guest's frames always lie below it, so a snapshot
	 * clone's block, whatever its size, never overwrites them. */
	sp = top - MOTE_START_MAX; /* up to 15 bytes past the block: room
				     * the stack has */
	vec = (uint64_t *)(vm->mem + sp);
	vec[0] = argc;
	put_strings(vm->mem, a->argv, argc, &top, vec + 1);
	vec[1 + argc] = 0;
	put_strings(vm->mem, a->envp, envc, &top, vec + 2 + argc);
	vec[2 + argc + envc] = 0;
	auxv = vec + 3 + argc + envc;
	{
		const uint64_t aux[NAUX][2] = {
			{ AT_PHDR, MOTE_PHDR_GPA },
			{ AT_PHENT, sizeof(Elf64_Phdr) },
			{ AT_PHNUM, img->phnum },
			{ AT_PAGESZ, MOTE_PAGE_SIZE },
			{ AT_ENTRY, img->entry },
			{ AT_UID, 0 },
			{ AT_EUID, 0 },
			{ AT_GID, 0 },
			{ AT_EGID, 0 },
			{ AT_SECURE, 0 },
			{ AT_CLKTCK, 100 },
			{ AT_HWCAP, vm->hwcap },
			{ AT_HWCAP2, vm->hwcap2 },
			{ AT_RANDOM, RANDOM_GPA },
			{ AT_PLATFORM, PLATFORM_GPA },
			{ AT_EXECFN, argc ? vec[1] : 0 },
			{ MOTE_AT_BOOT_INFO, boot },
			{ AT_NULL, 0 },
		};

		memcpy(auxv, aux, sizeof(aux));
	}
	vm->start_argv = sp + 8;
	vm->start_envp = sp + 8 * (2 + argc);
	vm->start_auxv = sp + 8 * (3 + argc + envc);
	return sp;
}

/*
 * The TLS block and TCB below and at the thread pointer (variant II):
 * the PT_TLS template, zeros, the self pointer and the canary. The pages
 * are fresh or reset, so everything else there is already zero.
 */
static void write_tls(struct mote_vm *vm, const struct mote_image *img,
		      uint64_t canary)
{
	const struct guest_layout *l = &vm->layout;
	uint8_t *tp = vm->mem + l->tp;

	memset(vm->mem + l->tls_start, 0, l->tp - l->tls_start + MOTE_TCB_SIZE);
	if (img->tls.filesz)
		memcpy(vm->mem + l->tls_start, img->tls.init, img->tls.filesz);
	memcpy(tp + MOTE_TCB_SELF, &l->tp, 8);
	memcpy(tp + MOTE_TCB_CANARY, &canary, 8);
}

/* 16 fresh bytes for AT_RANDOM; the canary is the first 8, with one zero
 * byte (the C library's convention, against string overreads). */
static int fresh_random(struct mote_vm *vm, uint64_t *canary,
			struct mote_err *err)
{
	uint8_t *r = vm->mem + RANDOM_GPA;
	ssize_t n = getrandom(r, 16, 0);

	if (n != 16)
		return err_set(err, n < 0 ? errno : EIO, "getrandom: %s",
			       strerror(n < 0 ? errno : EIO));
	memcpy(canary, r, 8);
	((uint8_t *)canary)[1] = 0;
	memcpy(vm->mem + PLATFORM_GPA, "x86_64", 7);
	return 0;
}

static int read_guest_tsc(struct mote_vm *vm, uint64_t *tsc,
			  struct mote_err *err)
{
	_Alignas(8) uint8_t raw[sizeof(struct kvm_msrs) +
				sizeof(struct kvm_msr_entry)];
	struct kvm_msrs *m = (struct kvm_msrs *)raw;

	memset(raw, 0, sizeof(raw));
	m->nmsrs = 1;
	m->entries[0].index = MSR_IA32_TSC;
	errno = 0;
	if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, m) != 1)
		return err_set(err, errno ? errno : EIO, "KVM_GET_MSRS(TSC): %s",
			       strerror(errno ? errno : EIO));
	*tsc = m->entries[0].data;
	return 0;
}

/*
 * What devices and hypercalls may access: what the guest can, through
 * its page tables (cpu_build_tables), with the same rights.
 */
static int set_dma_ranges(struct mote_vm *vm, const struct mote_image *img)
{
	struct guest_mem *gm = &vm->gm;
	const struct guest_layout *l = &vm->layout;
	int rc;

	guest_mem_clear_ranges(gm);
	rc = guest_mem_add_range(gm, MOTE_BOOT_INFO_GPA,
				 MOTE_PHDR_GPA + MOTE_PHDR_SIZE, false);
	for (unsigned i = 0; !rc && i < img->nseg; i++)
		rc = guest_mem_add_range(gm, img->seg[i].start, img->seg[i].end,
					 img->seg[i].flags & 2 /* PF_W */);
	if (!rc)
		rc = guest_mem_add_range(gm, img->hi, l->heap_end, true);
	if (!rc)
		rc = guest_mem_add_range(gm, l->stack_lo, l->mem_size, true);
	return rc;
}

/* Back to plain anonymous memory from lo up: no image, no overlay. */
static int unmap_image(struct mote_vm *vm)
{
	uint64_t lo = vm->img->lo;

	if (guest_anon(vm->mem + lo, vm->mem_size - lo) == MAP_FAILED)
		return -errno;
	vm->img = NULL;
	vm->overlay = NULL;
	return 0;
}

int vm_prepare_overlay(struct mote_vm *vm, const struct mote_image *img,
		       const struct vm_overlay *ov, struct mote_err *err)
{
	int rc;

	if (vm->prepared && vm->img == img && vm->overlay == ov)
		return 0;
	/* Until the end: a failure on the way, even one that cannot unmap
	 * again, leaves a VM that the next call prepares from the start. */
	vm->prepared = false;
	if (vm->img && unmap_image(vm) < 0)
		return err_set(err, errno, "unmapping image: %s",
			       strerror(errno));
	if (!layout_compute(img, vm->mem_size, &vm->layout))
		return err_set(err, E2BIG,
			       "image too large for guest memory of %llu MiB",
			       (unsigned long long)(vm->mem_size >> 20));
	/* Every VM of an image shares its pages until it writes to them. */
	if (mmap(vm->mem + img->lo, img->hi - img->lo, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED, img->memfd, 0) == MAP_FAILED)
		return err_set(err, errno, "mapping image: %s", strerror(errno));
	vm->img = img;
	/* And a snapshot's pages over it, shared the same way: a reset
	 * drops the VM's copies, and they read back as the snapshot. */
	for (unsigned i = 0; ov && i < ov->n; i++) {
		const struct overlay_extent *e = &ov->ext[i];

		if (e->start < img->lo || e->end > vm->mem_size ||
		    e->start >= e->end ||
		    mmap(vm->mem + e->start, e->end - e->start,
			 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
			 ov->memfd, (off_t)e->start) == MAP_FAILED) {
			rc = err_set(err, errno ? errno : EINVAL,
				     "mapping snapshot pages: %s",
				     strerror(errno ? errno : EINVAL));

			unmap_image(vm);
			return rc;
		}
	}
	vm->overlay = ov;
	if (set_dma_ranges(vm, img)) {
		unmap_image(vm);
		return err_set(err, EINVAL, "image segments overlap the heap");
	}
	/* The program headers, for the guest's AT_PHDR: read-only to it,
	 * and the same for every guest of this image. */
	memset(vm->mem + MOTE_PHDR_GPA, 0, MOTE_PHDR_SIZE);
	memcpy(vm->mem + MOTE_PHDR_GPA, img->phdr,
	       img->phnum * sizeof(img->phdr[0]));
	rc = cpu_build_tables(vm->mem, img, &vm->layout, vm->ndev, err);
	if (rc < 0) {
		unmap_image(vm);
		return rc;
	}
	vm->prepared = true;
	return 0;
}

int vm_prepare(struct mote_vm *vm, const struct mote_image *img,
	       struct mote_err *err)
{
	return vm_prepare_overlay(vm, img, NULL, err);
}

int vm_begin_load(struct mote_vm *vm, const struct mote_image *img,
		  const struct vm_overlay *ov, const struct mote_args *args,
		  uint64_t guest_mono_ns, uint64_t *sp, uint64_t *canary,
		  struct mote_err *err)
{
	struct mote_boot_info *bi;
	uint64_t t0, t1;
	int rc;

	if (image_min_mem(img) > vm->mem_size)
		return err_set(err, E2BIG,
			       "image too large for guest memory of %llu MiB",
			       (unsigned long long)(vm->mem_size >> 20));
	if (vm->used) {
		rc = vm_reset(vm, err);
		if (rc)
			return rc;
	}
	rc = vm_prepare_overlay(vm, img, ov, err);
	if (rc)
		return rc;
	bi = (struct mote_boot_info *)(vm->mem + MOTE_BOOT_INFO_GPA);
	memset(bi, 0, MOTE_DEVICE_TABLE_GPA - MOTE_BOOT_INFO_GPA);
	rc = fresh_random(vm, canary, err);
	if (rc)
		return rc;
	*sp = write_start(vm, img, args, err);
	if (!*sp)
		return -E2BIG;
	/* Correlate the guest TSC with host time as tightly as we can: the
	 * midpoint of two host reads around the TSC read. */
	t0 = mono_ns();
	rc = read_guest_tsc(vm, &vm->tsc_base, err);
	t1 = mono_ns();
	if (rc)
		return rc;
	vm->mono_base = t0 + (t1 - t0) / 2;
	vm->mono_offset = guest_mono_ns;
	bi->magic = MOTE_BOOT_MAGIC;
	bi->abi_version = MOTE_ABI_VERSION;
	bi->flags = vm->io.boot_flags;
	bi->argc = (uint64_t)args->argc;
	bi->argv = vm->start_argv;
	bi->envp = vm->start_envp;
	bi->auxv = vm->start_auxv;
	bi->mem_size = vm->mem_size;
	bi->heap_start = vm->layout.heap_start;
	bi->heap_end = vm->layout.heap_end;
	bi->stack_top = *sp;
	bi->tsc_hz = vm->tsc_hz;
	bi->tsc_base = vm->tsc_base;
	bi->wall_ns = wall_ns() - (mono_ns() - vm->mono_base);
	bi->mono_ns = guest_mono_ns;
	bi->tp = vm->layout.tp;
	bi->random = RANDOM_GPA;
	if (vm->ndev) {
		struct mote_device *tab =
			(struct mote_device *)(vm->mem + MOTE_DEVICE_TABLE_GPA);

		bi->devices = MOTE_DEVICE_TABLE_GPA;
		bi->ndevices = vm->ndev;
		for (unsigned i = 0; i < vm->ndev; i++) {
			tab[i].base = MOTE_DEVICE_GPA + i * MOTE_DEVICE_SIZE;
			tab[i].device_id = virtio_mmio_device_id(vm->dev[i]);
		}
	}
	__atomic_store_n(&vm->event, false, __ATOMIC_SEQ_CST);
	vm->wait_gpa = 0; /* a WAIT of the last guest is not this one's */
	vm->out_bytes = 0;
	vm->used = true;
	return 0;
}

int mote_vm_load(struct mote_vm *vm, const struct mote_image *img,
		 const struct mote_args *args, struct mote_err *err)
{
	struct cpu_entry entry = { 0 };
	uint64_t canary;
	int rc;

	rc = vm_begin_load(vm, img, NULL, args, 0, &entry.rsp, &canary, err);
	if (rc)
		return rc;
	write_tls(vm, img, canary);
	entry.rip = img->entry;
	entry.fs_base = vm->layout.tp;
	entry.fsgsbase = vm->fsgsbase;
	return cpu_set_entry_state(vm->vcpu_fd, &entry, err);
}

int vm_reset(struct mote_vm *vm, struct mote_err *err)
{
	const struct mote_image *img = vm->img;
	int rc = 0;

	/* Devices first: their reset waits until no request is in flight,
	 * so no I/O writes guest memory after it is wiped. */
	for (unsigned i = 0; i < vm->ndev; i++)
		virtio_mmio_reset(vm->dev[i]);
	__atomic_store_n(&vm->event, false, __ATOMIC_SEQ_CST);
	vm->snap_out = NULL; /* a request was for the last guest only */
	/* Drop every page the guest could write: anonymous pages read back as
	 * zero, private image pages as the sealed template. Its code and
	 * read-only data stay mapped (the guest cannot change them), which
	 * spares the next guest the faults of touching them again. */
	if (img) {
		for (unsigned i = 0; !rc && i < img->nseg; i++)
			if (img->seg[i].flags & 2 /* PF_W */)
				rc = madvise(vm->mem + img->seg[i].start,
					     img->seg[i].end - img->seg[i].start,
					     MADV_DONTNEED);
		if (!rc)
			rc = madvise(vm->mem + img->hi, vm->mem_size - img->hi,
				     MADV_DONTNEED);
	}
	if (rc)
		return err_set(err, errno, "resetting guest memory: %s",
			       strerror(errno));
	/* x87/SSE registers could carry data from the last guest: without a
	 * pristine state to restore, the VM is not reused. */
	if (!have_pristine_fpu)
		return err_set(err, ENOTSUP, "no pristine x87/SSE state");
	if (ioctl(vm->vcpu_fd, KVM_SET_XSAVE, &pristine_fpu) < 0)
		return err_set(err, errno, "KVM_SET_XSAVE: %s", strerror(errno));
	vm->used = false;
	return 0;
}

int vm_warm_up(struct mote_vm *vm, struct mote_err *err)
{
	struct kvm_run *run = vm->run;
	struct kvm_regs r;
	int rc;

	/* The warm-up stub reads the image's pages (populating the shadow
	 * page tables for them) and stores to the doorbell. It writes no
	 * guest memory, and the next load resets every register. */
	struct cpu_entry warm = { .rip = CPU_WARM_GPA, .rsp = vm->mem_size };

	rc = cpu_set_entry_state(vm->vcpu_fd, &warm, err);
	if (rc)
		return rc;
	if (vm->img) {
		if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &r) < 0)
			return err_set(err, errno, "KVM_GET_REGS: %s",
				       strerror(errno));
		r.rsi = vm->img->lo;
		r.rcx = vm->img->hi;
		if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &r) < 0)
			return err_set(err, errno, "KVM_SET_REGS: %s",
				       strerror(errno));
	}
	if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0)
		return err_set(err, errno, "warm-up KVM_RUN: %s",
			       strerror(errno));
	if (run->exit_reason != KVM_EXIT_MMIO ||
	    run->mmio.phys_addr != MOTE_HC_GPA + 8 * MOTE_HC_FAULT)
		return err_set(err, EIO, "warm-up: unexpected exit %u",
			       run->exit_reason);
	return 0;
}

/* --- devices and their events --- */

/* The default waker: the direct run sleeps on wake_fd. */
static void wake_fd_write(void *ctx)
{
	struct mote_vm *vm = ctx;
	uint64_t one = 1;

	while (write(vm->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

/* A device signalled: remember it for WAIT, and wake the guest if the
 * event is new (an older one already woke it). */
static void device_event(void *ctx)
{
	struct mote_vm *vm = ctx;

	if (__atomic_exchange_n(&vm->event, true, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&vm->wake_lock);
	vm->wake(vm->wake_ctx);
	pthread_mutex_unlock(&vm->wake_lock);
}

bool vm_take_event(struct mote_vm *vm)
{
	return __atomic_exchange_n(&vm->event, false, __ATOMIC_SEQ_CST);
}

bool vm_event_pending(struct mote_vm *vm)
{
	return __atomic_load_n(&vm->event, __ATOMIC_SEQ_CST);
}

void vm_set_waker(struct mote_vm *vm, void (*fn)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&vm->wake_lock);
	vm->wake = fn ? fn : wake_fd_write;
	vm->wake_ctx = fn ? ctx : vm;
	pthread_mutex_unlock(&vm->wake_lock);
}

int mote_vm_add_device(struct mote_vm *vm, const struct mote_devspec *spec,
		       struct mote_err *err)
{
	struct virtio_mmio_host host = {
		.gm = &vm->gm,
		.vm_fd = vm->vm_fd,
		.base = MOTE_DEVICE_GPA + vm->ndev * MOTE_DEVICE_SIZE,
		.event = device_event,
		.ctx = vm,
	};
	int rc;

	if (vm->img)
		return err_set(err, EBUSY,
			       "devices must be added before the image");
	if (vm->ndev == MOTE_MAX_DEVICES)
		return err_set(err, E2BIG, "at most %u devices per VM",
			       MOTE_MAX_DEVICES);
	if (vm->wake_fd < 0) {
		vm->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vm->wake_fd < 0)
			return err_set(err, errno, "eventfd: %s",
				       strerror(errno));
		vm_set_waker(vm, NULL, NULL);
	}
	rc = virtio_mmio_create(&host, spec->ops, spec->backend,
				&vm->dev[vm->ndev], err);
	if (rc)
		return rc;
	vm->ndev++;
	return 0;
}

uint64_t vm_id(const struct mote_vm *vm)
{
	return vm->id;
}

void vm_set_deadline(struct mote_vm *vm, uint64_t deadline,
		     uint64_t timeout_ns)
{
	vm->run_deadline = deadline;
	vm->run_timeout_ns = timeout_ns;
}

uint64_t vm_resident_bytes(const struct mote_vm *vm)
{
	size_t pages = vm->mem_size / MOTE_PAGE_SIZE;
	unsigned char vec[4096];
	uint64_t n = 0;

	for (size_t off = 0; off < pages; off += sizeof(vec)) {
		size_t chunk = pages - off < sizeof(vec) ? pages - off
							 : sizeof(vec);

		if (mincore(vm->mem + off * MOTE_PAGE_SIZE,
			    chunk * MOTE_PAGE_SIZE, vec) < 0)
			return 0;
		for (size_t i = 0; i < chunk; i++)
			n += vec[i] & 1;
	}
	return n * MOTE_PAGE_SIZE;
}

void mote_vm_set_stdio(struct mote_vm *vm, const struct mote_stdio *io)
{
	vm->io = io ? *io : default_stdio;
	if (!vm->io.write)
		vm->io.write = default_write;
	if (!vm->io.read)
		vm->io.read = default_read;
}

void mote_vm_destroy(struct mote_vm *vm)
{
	if (!vm)
		return;
	/* Devices first: they drain their I/O into guest memory. */
	for (unsigned i = 0; i < vm->ndev; i++)
		virtio_mmio_destroy(vm->dev[i]);
	if (vm->wake_fd >= 0)
		close(vm->wake_fd);
	pthread_mutex_destroy(&vm->wake_lock);
	if (vm->run)
		munmap(vm->run, (size_t)vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	free(vm);
}
