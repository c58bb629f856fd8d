/*
 * mote guest libc: <unistd.h>, only the sleeps. There are no files,
 * processes or signals, so usleep and sleep always run to completion.
 */
#ifndef _UNISTD_H
#define _UNISTD_H

typedef unsigned useconds_t;

/* Both block in MOTE_HC_WAIT, using no host CPU; they return 0. */
int usleep(useconds_t usec);
unsigned sleep(unsigned seconds);

#endif
