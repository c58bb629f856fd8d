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
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "cpu.h"
#include "kvm.h"
#include "timeutil.h"
#include "virtio_mmio.h"
#include "vm_internal.h"

#define MSR_IA32_TSC 0x10

/* FPU/SSE state of a freshly created vCPU, restored when a VM is reused;
 * XSAVE, as KVM_SET_FPU leaves MXCSR as the last guest set it. */
static struct kvm_xsave pristine_fpu;
static bool have_pristine_fpu;
static pthread_mutex_t pristine_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t next_vm_id;

static void stdout_console(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* stdout gone: the guest's output is lost, not the VM */
		buf += n;
		len -= (size_t)n;
	}
}

static int create_vcpu(struct mote_vm *vm, const struct kvm_host *kh,
		       struct mote_err *err)
{
	int khz;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return err_set(err, errno, "KVM_CREATE_VCPU: %s",
			       strerror(errno));
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, kh->cpuid) < 0)
		return err_set(err, errno, "KVM_SET_CPUID2: %s", strerror(errno));
	vm->run_size = kh->run_size;
	vm->run = mmap(NULL, (size_t)kh->run_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return err_set(err, errno, "mmap kvm_run: %s", strerror(errno));
	}
	khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (khz <= 0)
		return err_set(err, errno, "KVM_GET_TSC_KHZ: %s", strerror(errno));
	vm->tsc_hz = (uint64_t)khz * 1000;
	pthread_mutex_lock(&pristine_lock);
	if (!have_pristine_fpu &&
	    ioctl(vm->vcpu_fd, KVM_GET_XSAVE, &pristine_fpu) == 0)
		have_pristine_fpu = true;
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
	pthread_mutex_init(&vm->wake_lock, NULL);
	vm->mem_size = mem_size;
	vm->console = stdout_console;
	vm->vm_fd = ioctl(kh->fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		rc = err_set(err, errno, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	/* Reserved, not committed: the host backs only pages the guest touches. */
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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

/* argv pointer array followed by the strings, in the read-only args pages. */
static int write_args(struct mote_vm *vm, int argc, char *const argv[],
		      struct mote_err *err)
{
	uint64_t need = ((uint64_t)argc + 1) * 8, off;
	uint64_t *ptrs = (uint64_t *)(vm->mem + MOTE_ARGS_GPA);

	/* A reused VM still holds the previous guest's arguments. */
	memset(ptrs, 0, MOTE_ARGS_SIZE);
	for (int i = 0; i < argc; i++)
		need += strlen(argv[i]) + 1;
	if (need > MOTE_ARGS_SIZE)
		return err_set(err, E2BIG,
			       "guest arguments too long: %llu bytes, at most %llu",
			       (unsigned long long)need,
			       (unsigned long long)MOTE_ARGS_SIZE);
	off = ((uint64_t)argc + 1) * 8;
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;

		ptrs[i] = MOTE_ARGS_GPA + off;
		memcpy(vm->mem + MOTE_ARGS_GPA + off, argv[i], len);
		off += len;
	}
	ptrs[argc] = 0;
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
	if (ioctl(vm->vcpu_fd, KVM_GET_MSRS, m) != 1)
		return err_set(err, errno ? errno : EIO, "KVM_GET_MSRS(TSC): %s",
			       strerror(errno ? errno : EIO));
	*tsc = m->entries[0].data;
	return 0;
}

/* What devices may access: what the guest can, through its page tables. */
static int set_dma_ranges(struct mote_vm *vm, const struct mote_image *img)
{
	struct guest_mem *gm = &vm->gm;
	uint64_t stack_lo = vm->mem_size - MOTE_STACK_SIZE;
	int rc;

	guest_mem_clear_ranges(gm);
	rc = guest_mem_add_range(gm, MOTE_BOOT_INFO_GPA,
				 MOTE_ARGS_GPA + MOTE_ARGS_SIZE, false);
	for (unsigned i = 0; i < img->nseg; i++)
		rc |= guest_mem_add_range(gm, img->seg[i].start, img->seg[i].end,
					  img->seg[i].flags & 2 /* PF_W */);
	rc |= guest_mem_add_range(gm, img->hi, stack_lo - MOTE_PAGE_SIZE, true);
	rc |= guest_mem_add_range(gm, stack_lo, vm->mem_size, true);
	return rc;
}

/* Maps the image and builds the tables, unless this VM already has them. */
int vm_prepare(struct mote_vm *vm, const struct mote_image *img,
		     struct mote_err *err)
{
	if (vm->img == img)
		return 0;
	if (vm->img &&
	    mmap(vm->mem + vm->img->lo, vm->img->hi - vm->img->lo,
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
		 0) == MAP_FAILED)
		return err_set(err, errno, "unmapping image: %s",
			       strerror(errno));
	vm->img = NULL;
	/* Every VM of an image shares its pages until it writes to them. */
	if (mmap(vm->mem + img->lo, img->hi - img->lo, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED, img->memfd, 0) == MAP_FAILED)
		return err_set(err, errno, "mapping image: %s", strerror(errno));
	vm->img = img;
	if (set_dma_ranges(vm, img))
		return err_set(err, EINVAL, "image segments overlap the heap");
	return cpu_build_tables(vm->mem, vm->mem_size, img, vm->ndev, err);
}

int mote_vm_load(struct mote_vm *vm, const struct mote_image *img, int argc,
		 char *const argv[], struct mote_err *err)
{
	struct mote_boot_info *bi;
	uint64_t stack_top = vm->mem_size, t0, t1;
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
	rc = vm_prepare(vm, img, err);
	if (!rc)
		rc = write_args(vm, argc, argv, err);
	if (!rc)
		rc = cpu_set_entry_state(vm->vcpu_fd, img->entry, stack_top, err);
	if (rc)
		return rc;
	/* Correlate the guest TSC with host time as tightly as we can: the
	 * midpoint of two host reads around the TSC read. */
	t0 = mono_ns();
	rc = read_guest_tsc(vm, &vm->tsc_base, err);
	t1 = mono_ns();
	if (rc)
		return rc;
	vm->mono_base = t0 + (t1 - t0) / 2;
	bi = (struct mote_boot_info *)(vm->mem + MOTE_BOOT_INFO_GPA);
	memset(bi, 0, MOTE_PAGE_SIZE);
	bi->magic = MOTE_BOOT_MAGIC;
	bi->abi_version = MOTE_ABI_VERSION;
	bi->argc = (uint32_t)argc;
	bi->argv = MOTE_ARGS_GPA;
	bi->mem_size = vm->mem_size;
	bi->heap_start = img->hi;
	bi->heap_end = vm->mem_size - MOTE_STACK_SIZE - MOTE_PAGE_SIZE;
	bi->stack_top = stack_top;
	bi->tsc_hz = vm->tsc_hz;
	bi->tsc_base = vm->tsc_base;
	bi->wall_ns = wall_ns() - (mono_ns() - vm->mono_base);
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
	vm->used = true;
	return 0;
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
	/* Drop every page the guest could write: anonymous pages read back as
	 * zero, private image pages as the sealed template. Its code and
	 * read-only data stay mapped (the guest cannot change them), which
	 * spares the next guest the faults of touching them again. */
	if (img) {
		for (unsigned i = 0; i < img->nseg; i++)
			if (img->seg[i].flags & 2 /* PF_W */)
				rc |= madvise(vm->mem + img->seg[i].start,
					      img->seg[i].end - img->seg[i].start,
					      MADV_DONTNEED);
		rc |= madvise(vm->mem + img->hi, vm->mem_size - img->hi,
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
	rc = cpu_set_entry_state(vm->vcpu_fd, CPU_WARM_GPA, vm->mem_size, err);
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

bool vm_guest_writable(const struct mote_vm *vm, uint64_t gpa, uint64_t len)
{
	/* The ranges vm_prepare set: writable segments, heap and stack. */
	return vm->img && guest_mem_dma(&vm->gm, gpa, len, 1, true) != NULL;
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

void mote_vm_set_console(struct mote_vm *vm, mote_console_fn fn, void *ctx)
{
	vm->console = fn ? fn : stdout_console;
	vm->console_ctx = ctx;
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
