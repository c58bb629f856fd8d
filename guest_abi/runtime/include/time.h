/*
 * mote guest libc: <time.h>. Clocks are read from the TSC in the guest, with
 * no exit; only nanosleep exits, to block in the monitor (MOTE_HC_WAIT).
 */
#ifndef _TIME_H
#define _TIME_H

#include <stddef.h>

typedef long time_t;
typedef long clock_t;
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

/* Linux's numbering, so code written against it keeps meaning the same. */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2 /* time since the guest's entry */
#define CLOCK_THREAD_CPUTIME_ID 3  /* same: one vCPU, one thread */
#define CLOCK_MONOTONIC_RAW 4

#define CLOCKS_PER_SEC 1000000L

int clock_gettime(clockid_t id, struct timespec *ts);
time_t time(time_t *out);
clock_t clock(void);

/* Sleeps for at least *req on CLOCK_MONOTONIC without using host CPU.
 * Never interrupted (there are no signals), so rem is never written. */
int nanosleep(const struct timespec *req, struct timespec *rem);

#endif
