/*
 * errno itself plus strerror and perror, with messages for the error
 * numbers <errno.h> defines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int errno;

char *strerror(int errnum)
{
	switch (errnum) {
	case 0: return "Success";
	case EPERM: return "Operation not permitted";
	case ENOENT: return "No such file or directory";
	case EINTR: return "Interrupted system call";
	case EIO: return "Input/output error";
	case ENXIO: return "No such device or address";
	case EBADF: return "Bad file descriptor";
	case EAGAIN: return "Resource temporarily unavailable";
	case ENOMEM: return "Cannot allocate memory";
	case EACCES: return "Permission denied";
	case EFAULT: return "Bad address";
	case EEXIST: return "File exists";
	case ENODEV: return "No such device";
	case EINVAL: return "Invalid argument";
	case ENOSPC: return "No space left on device";
	case EROFS: return "Read-only file system";
	case EDOM: return "Numerical argument out of domain";
	case ERANGE: return "Numerical result out of range";
	case ENOSYS: return "Function not implemented";
	case EOVERFLOW: return "Value too large for defined data type";
	case EMSGSIZE: return "Message too long";
	case ENOTSUP: return "Operation not supported";
	case EADDRINUSE: return "Address already in use";
	case ENETUNREACH: return "Network is unreachable";
	case ETIMEDOUT: return "Connection timed out";
	case EHOSTUNREACH: return "No route to host";
	default: return "Unknown error";
	}
}

void perror(const char *s)
{
	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, strerror(errno));
	else
		fprintf(stderr, "%s\n", strerror(errno));
}
