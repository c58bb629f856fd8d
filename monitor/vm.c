/*
 * VM lifecycle: KVM VM and vCPU creation, guest memory, image mapping, boot
 * info, and the vCPU run loop with its timeout.
 */
#include "vm.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"
#include "cpu.h"
#include "kvm.h"
#include "timeutil.h"
#include "vm_internal.h"

#define MSR_IA32_TSC 0x10

/* Real-time signal that interrupts KVM_RUN when a run's timeout expires. */
#define SIG_KICK (SIGRTMIN + 1)

static void kick_handler(int sig)
{
	(void)sig; /* only there so KVM_RUN returns -EINTR */
}

static void install_kick_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigaction(SIG_KICK, &sa, NULL);
}

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

/*
 * The kick signal stays blocked in the thread and is unblocked only inside
 * KVM_RUN, so a timeout that fires between two KVM_RUN calls is not lost.
 */
static int setup_signal_mask(struct mote_vm *vm, struct mote_err *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	_Alignas(8) uint8_t raw[sizeof(struct kvm_signal_mask) + 8];
	struct kvm_signal_mask *km = (struct kvm_signal_mask *)raw;
	sigset_t blocked, during;

	pthread_once(&once, install_kick_handler);

	sigemptyset(&blocked);
	sigaddset(&blocked, SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	pthread_sigmask(SIG_BLOCK, NULL, &during);
	sigdelset(&during, SIG_KICK);
	km->len = 8; /* the kernel's sigset_t, not glibc's 128-byte one */
	memcpy(km->sigset, &during, 8);
	if (ioctl(vm->vcpu_fd, KVM_SET_SIGNAL_MASK, km) < 0)
		return err_set(err, errno, "KVM_SET_SIGNAL_MASK: %s",
			       strerror(errno));
	return 0;
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
	return setup_signal_mask(vm, err);
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
	vm->vcpu_fd = -1;
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

int mote_vm_load(struct mote_vm *vm, const struct mote_image *img, int argc,
		 char *const argv[], struct mote_err *err)
{
	struct mote_boot_info *bi;
	uint64_t stack_top = vm->mem_size;
	int rc;

	if (image_min_mem(img) > vm->mem_size)
		return err_set(err, E2BIG,
			       "image too large for guest memory of %llu MiB",
			       (unsigned long long)(vm->mem_size >> 20));
	/* Every VM of an image shares its pages until it writes to them. */
	if (mmap(vm->mem + img->lo, img->hi - img->lo, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED, img->memfd, 0) == MAP_FAILED)
		return err_set(err, errno, "mapping image: %s", strerror(errno));
	vm->img = img;
	rc = cpu_build_tables(vm->mem, vm->mem_size, img, err);
	if (!rc)
		rc = write_args(vm, argc, argv, err);
	if (!rc)
		rc = cpu_set_entry_state(vm->vcpu_fd, img->entry, stack_top, err);
	if (!rc)
		rc = read_guest_tsc(vm, &vm->tsc_base, err);
	if (rc)
		return rc;
	bi = (struct mote_boot_info *)(vm->mem + MOTE_BOOT_INFO_GPA);
	memset(bi, 0, sizeof(*bi));
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
	vm->mono_base = mono_ns();
	bi->wall_ns = wall_ns();
	return 0;
}

void mote_vm_set_console(struct mote_vm *vm, mote_console_fn fn, void *ctx)
{
	vm->console = fn ? fn : stdout_console;
	vm->console_ctx = ctx;
}

static int arm_timer(uint64_t timeout_ns, timer_t *t)
{
	struct sigevent sev;
	struct itimerspec its;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIG_KICK;
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, t) < 0)
		return -errno;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(timeout_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(timeout_ns % 1000000000ull);
	if (timer_settime(*t, 0, &its, NULL) < 0) {
		int e = errno;

		timer_delete(*t);
		return -e;
	}
	return 0;
}

static void drain_kick(void)
{
	sigset_t s;
	struct timespec zero = { 0, 0 };

	sigemptyset(&s);
	sigaddset(&s, SIG_KICK);
	while (sigtimedwait(&s, NULL, &zero) > 0)
		;
}

int mote_vm_run(struct mote_vm *vm, uint64_t timeout_ns,
		struct mote_result *res)
{
	uint64_t deadline = 0;
	timer_t timer;
	int armed = 0, rc = 0;

	memset(res, 0, sizeof(*res));
	res->t_start = mono_ns();
	if (timeout_ns) {
		deadline = res->t_start + timeout_ns;
		if (arm_timer(timeout_ns, &timer) < 0) {
			res->outcome = MOTE_FAILED;
			snprintf(res->reason, sizeof(res->reason),
				 "cannot arm timeout: %s", strerror(errno));
			return -1;
		}
		armed = 1;
	}
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				drain_kick();
				if (deadline && mono_ns() >= deadline) {
					res->outcome = MOTE_TIMED_OUT;
					res->t_exit = mono_ns();
					snprintf(res->reason, sizeof(res->reason),
						 "timed out after %llu ms",
						 (unsigned long long)(timeout_ns /
								      1000000));
					break;
				}
				continue;
			}
			res->outcome = MOTE_FAILED;
			snprintf(res->reason, sizeof(res->reason),
				 "KVM_RUN: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (!exits_handle(vm, res))
			break;
	}
	if (armed) {
		timer_delete(timer);
		drain_kick();
	}
	return rc;
}

void mote_vm_destroy(struct mote_vm *vm)
{
	if (!vm)
		return;
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
