/*
 * mote guest libc: <errno.h>. One vCPU and no threads, so errno is a plain
 * global; the values are Linux's so messages and tests read familiarly.
 */
#ifndef _ERRNO_H
#define _ERRNO_H

extern int errno;
#define errno errno

#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define EROFS 30
#define EDOM 33
#define ERANGE 34
#define ENOSYS 38
#define EOVERFLOW 75
#define EMSGSIZE 90
#define ENOTSUP 95
#define EOPNOTSUPP ENOTSUP
#define EADDRINUSE 98
#define ENETUNREACH 101
#define ETIMEDOUT 110
#define EHOSTUNREACH 113

#endif
