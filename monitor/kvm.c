/*
 * Opens /dev/kvm once per process and checks the capabilities mote relies on,
 * so a missing feature is one clear error before any VM is created.
 */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kick.h"

static struct kvm_host host = { .fd = -1 };
static int host_rc;
static struct mote_err host_err;
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static int open_host(struct mote_err *err)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
		{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ" },
		{ KVM_CAP_XCRS, "KVM_CAP_XCRS" },
	};
	int n = 128;

	host.fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (host.fd < 0)
		return err_set(err, errno, "cannot open /dev/kvm: %s",
			       strerror(errno));
	if (ioctl(host.fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return err_set(err, ENOTSUP, "/dev/kvm: unsupported KVM API "
					     "version");
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (ioctl(host.fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0)
			return err_set(err, ENOTSUP, "/dev/kvm lacks %s",
				       caps[i].name);
	host.run_size = ioctl(host.fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (host.run_size < (int)sizeof(struct kvm_run))
		return err_set(err, errno, "KVM_GET_VCPU_MMAP_SIZE: %s",
			       strerror(errno));
	/* Long mode and NX in EFER are only accepted if CPUID offers them. */
	for (;;) {
		host.cpuid = calloc(1, sizeof(*host.cpuid) +
					       n * sizeof(host.cpuid->entries[0]));
		if (!host.cpuid)
			return err_set(err, ENOMEM, "out of memory");
		host.cpuid->nent = n;
		if (ioctl(host.fd, KVM_GET_SUPPORTED_CPUID, host.cpuid) == 0)
			break;
		free(host.cpuid);
		host.cpuid = NULL;
		if (errno != E2BIG || n >= 4096)
			return err_set(err, errno, "KVM_GET_SUPPORTED_CPUID: %s",
				       strerror(errno));
		n *= 2;
	}
	cpuid_filter(host.cpuid, &host.cpu);
	return 0;
}

static void once(void)
{
	host_rc = open_host(&host_err);
	/* Process-wide signal set-up belongs here, before any jail. */
	kick_install();
}

int kvm_host_get(const struct kvm_host **out, struct mote_err *err)
{
	pthread_once(&host_once, once);
	if (host_rc) {
		if (err)
			*err = host_err;
		return host_rc;
	}
	*out = &host;
	return 0;
}
