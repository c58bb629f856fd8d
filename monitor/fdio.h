/*
 * Whole reads and writes on a file descriptor: the loops around short
 * transfers and EINTR, written once for the image and snapshot files, the
 * guests' output and the snapshot memfd.
 */
#ifndef MOTE_FDIO_H
#define MOTE_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* size bytes of fd from offset 0 into a malloc'd buffer, or NULL (errno
 * set) when it cannot read them all: one private copy of an untrusted
 * file, which no writer can change between its checks and its use. */
void *read_all(int fd, size_t size);

/* All len bytes of buf to fd: len, or -errno (-EPIPE when the reader is
 * gone, -EIO when write makes no progress). */
ssize_t write_all(int fd, const void *buf, size_t len);

/* All len bytes of buf to fd at off (pwrite moves at most about 2 GiB a
 * call): 0, or -errno. */
int pwrite_all(int fd, const void *buf, size_t len, off_t off);

#endif
