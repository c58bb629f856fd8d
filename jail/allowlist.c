/*
 * The seccomp allowlists, as reviewable data: one table per thread kind,
 * each entry with the reason it is there. Anything not listed kills mote.
 */
#include "allowlist.h"

#include <linux/kvm.h>

#define SYS(name, why) { name, 0, why }
#define IOCTL(req, why) { "ioctl", req, why }

/* Allocation in glibc malloc, used by every thread. */
#define MALLOC_ENTRIES                                                       \
	SYS("brk", "glibc malloc grows the main heap"),                    \
	SYS("mmap", "glibc malloc arenas; guest memory and kvm_run maps"), \
	SYS("munmap", "glibc free; unmapping VM memory"),                  \
	SYS("mprotect", "glibc malloc grows a thread arena"),              \
	SYS("madvise", "glibc free trims; VM reset drops guest pages")

/* Every thread: locks, its own exit, and the report of a violation. */
#define THREAD_ENTRIES                                                       \
	SYS("futex", "mutexes and condition variables"),                   \
	SYS("write", "console output; the one-line seccomp report"),       \
	SYS("exit", "a thread ends"),                                       \
	SYS("exit_group", "the process ends (also after a violation)"),    \
	SYS("rt_sigreturn", "return from the kick signal handler"),        \
	SYS("clock_gettime", "timestamps, where the vDSO falls back to a " \
			     "call: a clocksource it cannot read (seen: a " \
			     "TCG VM with 2 vCPUs)")

/* Creating a VM: cold starts in workers, pool refills in the housekeeper. */
#define VM_CREATE_ENTRIES                                                    \
	IOCTL(KVM_CREATE_VM, "create a VM on the /dev/kvm fd"),            \
	IOCTL(KVM_SET_USER_MEMORY_REGION, "guest memory slot"),            \
	IOCTL(KVM_CREATE_VCPU, "the VM's one vCPU"),                       \
	IOCTL(KVM_SET_CPUID2, "CPUID must offer long mode and NX"),        \
	IOCTL(KVM_SET_XCRS, "XCR0 of the CPU contract"),                   \
	IOCTL(KVM_GET_TSC_KHZ, "TSC frequency for the guest's clocks"),    \
	IOCTL(KVM_SET_SIGNAL_MASK, "kick signal unblocked in KVM_RUN"),    \
	IOCTL(KVM_GET_XSAVE, "pristine x87/SSE state, kept for resets"),     \
	IOCTL(KVM_IOEVENTFD, "virtqueue notify without an exit"),          \
	SYS("rt_sigprocmask", "read the mask for KVM_SET_SIGNAL_MASK"),    \
	SYS("eventfd2", "eventfds for virtqueue notify"),                 \
	SYS("close", "drop fds of a VM whose creation failed")

/* Loading an image into a VM and running it. */
#define VM_RUN_ENTRIES                                                       \
	IOCTL(KVM_RUN, "run the guest"),                                    \
	IOCTL(KVM_GET_REGS, "crash reports; warm-up"),                     \
	IOCTL(KVM_SET_REGS, "entry registers"),                            \
	IOCTL(KVM_GET_SREGS, "fault address (cr2) in crash reports"),      \
	IOCTL(KVM_SET_SREGS, "long mode, CPL3 entry state"),               \
	IOCTL(KVM_GET_MSRS, "guest TSC at load, for the guest's clocks"),  \
	IOCTL(KVM_SET_XSAVE, "reset x87/SSE state of a reused VM"),          \
	SYS("timer_settime", "kick timer bounds a KVM_RUN"),                \
	SYS("rt_sigtimedwait", "consume a pending kick"),                  \
	SYS("mincore", "resident guest memory for --stats"),               \
	SYS("read", "a waiting guest's wake-up eventfd; a lone guest's stdin"), \
	SYS("getrandom", "AT_RANDOM and the ENTROPY hypercall")

const struct jail_allow jail_allow_vcpu[] = {
	MALLOC_ENTRIES, THREAD_ENTRIES, VM_CREATE_ENTRIES, VM_RUN_ENTRIES,
	{ 0, 0, 0 },
};

const struct jail_allow jail_allow_housekeeper[] = {
	MALLOC_ENTRIES, THREAD_ENTRIES, VM_CREATE_ENTRIES,
	IOCTL(KVM_RUN, "warm-up run of a new pool VM"),
	IOCTL(KVM_GET_REGS, "warm-up registers"),
	IOCTL(KVM_SET_REGS, "warm-up registers"),
	IOCTL(KVM_SET_SREGS, "warm-up entry state"),
	IOCTL(KVM_SET_XSAVE, "reset x87/SSE state of a reused VM"),
	{ 0, 0, 0 },
};

const struct jail_allow jail_allow_main[] = {
	MALLOC_ENTRIES, THREAD_ENTRIES,
	SYS("fcntl", "seal a snapshot's memfd once it is taken"),
	SYS("close", "close output files; destroy pooled VMs at the end"),
	SYS("timer_delete", "the workers' kick timers, after joining them"),
	SYS("sysinfo", "glibc qsort sizes its buffer (--stats percentiles)"),
	{ 0, 0, 0 },
};

const struct jail_allow jail_allow_io[] = {
	MALLOC_ENTRIES, THREAD_ENTRIES,
	SYS("io_uring_enter", "submit and reap device I/O"),
	SYS("read", "eventfd counters"),
	SYS("rt_sigprocmask", "glibc blocks signals as the thread exits"),
	SYS("close", "device teardown"),
	{ 0, 0, 0 },
};

const struct jail_allow jail_allow_single[] = {
	MALLOC_ENTRIES, THREAD_ENTRIES, VM_CREATE_ENTRIES, VM_RUN_ENTRIES,
	SYS("timer_create", "the run's timeout timer"),
	SYS("timer_delete", "the run's timeout timer at its end"),
	SYS("gettid", "the timeout timer signals this thread"),
	SYS("ppoll", "a waiting guest sleeps until its deadline or an event; "
		     "a lone guest waits on its stdin"),
	SYS("fcntl", "seal a snapshot's memfd once it is taken"),
	SYS("ftruncate", "empty a snapshot file that failed half-way"),
	SYS("clock_nanosleep", "a waiting guest sleeps until its deadline"),
	{ 0, 0, 0 },
};

/*
 * mote serve's one thread: libmicrohttpd's epoll loop, invocations started
 * on and collected from the fleets, the log, and at the end the drain and
 * teardown. Its daemons and descriptors all exist before this filter.
 */
const struct jail_allow jail_allow_serve[] = {
	MALLOC_ENTRIES, THREAD_ENTRIES,
	SYS("mremap", "glibc realloc of a large block (the /metrics text)"),
	SYS("epoll_wait", "the loop: sockets, completions, the stop signal"),
	SYS("epoll_ctl", "libmicrohttpd adds and drops connections"),
	SYS("accept4", "libmicrohttpd accepts a connection"),
	SYS("recvfrom", "libmicrohttpd reads a request (recv)"),
	SYS("sendto", "libmicrohttpd writes a response (send)"),
	SYS("sendmsg", "libmicrohttpd writes headers and body in one call"),
	SYS("writev", "libmicrohttpd writes headers and body in one call"),
	SYS("setsockopt", "libmicrohttpd sets TCP_NODELAY and corking"),
	SYS("getsockopt", "libmicrohttpd reads a socket's pending error"),
	SYS("shutdown", "libmicrohttpd half-closes a connection it ends"),
	SYS("fcntl", "libmicrohttpd checks an accepted socket's flags"),
	SYS("close", "connections; the listening sockets at the drain; VMs, "
		     "images and disks at the end"),
	SYS("timer_delete", "the fleets' kick timers at the end"),
	SYS("read", "the completion eventfd, the signalfd, libmicrohttpd's "
		    "wake-up eventfd"),
	SYS("rt_sigprocmask", "glibc blocks signals as a thread or the process "
			      "exits"),
	{ 0, 0, 0 },
};
