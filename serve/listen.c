/*
 * Parses and binds the --listen addresses. Sockets are opened before the
 * jail and handed to libmicrohttpd, which never binds anything itself.
 */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int bad(struct mote_err *err, const char *spec)
{
	return err_set(err, EINVAL,
		       "--listen '%s': expected ADDR:PORT, [ADDR6]:PORT or "
		       "unix:PATH",
		       spec);
}

static int parse_port(const char *s, unsigned *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (unsigned)v;
	return 0;
}

int serve_listen_parse(const char *spec, struct serve_addr *a,
		       struct mote_err *err)
{
	char host[64];
	const char *h = spec, *colon;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
		size_t n = strlen(spec + 5);

		if (n == 0)
			return bad(err, spec);
		if (n >= sizeof(un->sun_path))
			return err_set(err, EINVAL,
				       "--listen '%s': a unix socket path has "
				       "at most %zu bytes",
				       spec, sizeof(un->sun_path) - 1);
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, spec + 5, n + 1);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				     n + 1);
		return 0;
	}
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			return bad(err, spec);
		h = spec + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return bad(err, spec);
		hlen = (size_t)(colon - spec);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return bad(err, spec);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (parse_port(colon + 1, &a->port) < 0)
		return err_set(err, EINVAL,
			       "--listen '%s': the port must be a number from "
			       "1 to 65535",
			       spec);
	{
		struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

		if (spec[0] != '[' &&
		    inet_pton(AF_INET, host, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons((uint16_t)a->port);
			a->len = sizeof(*in);
		} else if (spec[0] == '[' &&
			   inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)a->port);
			a->len = sizeof(*in6);
		} else {
			return err_set(err, EINVAL,
				       "--listen '%s': '%s' is not an IPv4 "
				       "address or a bracketed IPv6 one",
				       spec, host);
		}
	}
	return 0;
}

int serve_listen_open(const char *spec, const struct serve_addr *a,
		      struct mote_err *err)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
						 SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return err_set(err, errno, "--listen %s: socket: %s", spec,
			       strerror(errno));
	if (a->ss.ss_family == AF_UNIX) {
		const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;
		struct stat st;

		/* Only a socket left by an earlier run is replaced. */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (a->ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 ||
	    listen(fd, 1024) < 0) {
		int e = errno;

		close(fd);
		return err_set(err, e, "--listen %s: %s", spec, strerror(e));
	}
	return fd;
}
