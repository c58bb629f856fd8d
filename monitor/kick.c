/*
 * The kick signal: a real-time signal that interrupts KVM_RUN when a
 * deadline passes. It is blocked in every thread that runs vCPUs and
 * unblocked only inside KVM_RUN, so a kick between two runs is not lost.
 */
#include "kick.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Real-time signal that interrupts KVM_RUN when a deadline passes. */
#define SIG_KICK (SIGRTMIN + 1)

static void kick_handler(int sig)
{
	(void)sig; /* only there so KVM_RUN returns -EINTR */
}

static void install_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigaction(SIG_KICK, &sa, NULL);
}

void kick_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install_handler);
}

void kick_block_in_thread(void)
{
	sigset_t s;

	kick_install();
	sigemptyset(&s);
	sigaddset(&s, SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
}

int kick_vcpu_mask(int vcpu_fd, struct mote_err *err)
{
	_Alignas(8) uint8_t raw[sizeof(struct kvm_signal_mask) + 8];
	struct kvm_signal_mask *km = (struct kvm_signal_mask *)raw;
	sigset_t during;

	kick_block_in_thread();
	pthread_sigmask(SIG_BLOCK, NULL, &during);
	sigdelset(&during, SIG_KICK);
	km->len = 8; /* the kernel's sigset_t, not glibc's 128-byte one */
	memcpy(km->sigset, &during, 8);
	if (ioctl(vcpu_fd, KVM_SET_SIGNAL_MASK, km) < 0)
		return err_set(err, errno, "KVM_SET_SIGNAL_MASK: %s",
			       strerror(errno));
	return 0;
}

int kick_timer_create(timer_t *t)
{
	struct sigevent sev;

	kick_block_in_thread();
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIG_KICK;
	sev._sigev_un._tid = gettid();
	return timer_create(CLOCK_MONOTONIC, &sev, t) < 0 ? -errno : 0;
}

int kick_timer_arm(timer_t t, uint64_t at_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(at_ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(at_ns % 1000000000ull);
	return timer_settime(t, TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

void kick_drain(void)
{
	sigset_t s;
	struct timespec zero = { 0, 0 };

	sigemptyset(&s);
	sigaddset(&s, SIG_KICK);
	while (sigtimedwait(&s, NULL, &zero) > 0)
		;
}

