/* The serve tests' HTTP client (see http_client.h). */
#include "http_client.h"
#include "helpers.h"

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

void http_curl(struct http_reply *r, const char *fmt, ...)
{
	char args[1024], cmd[2048], hpath[] = "/tmp/mote-hdr-XXXXXX";
	va_list ap;
	FILE *p, *h;
	int fd = mkstemp(hpath);

	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	close(fd);
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "curl -s --max-time %u -D %s %s",
		 20 * time_scale(), hpath, args);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen: %s", strerror(errno));
	r->body_len = fread(r->body, 1, sizeof(r->body) - 1, p);
	r->body[r->body_len] = '\0';
	pclose(p);
	h = fopen(hpath, "r");
	cr_assert_not_null(h);
	r->head[fread(r->head, 1, sizeof(r->head) - 1, h)] = '\0';
	fclose(h);
	unlink(hpath);
	r->status = 0;
	sscanf(r->head, "HTTP/1.1 %u", &r->status);
}

const char *http_header(const struct http_reply *r, const char *name)
{
	static char v[512];
	const char *p = r->head;
	size_t n = strlen(name);

	while ((p = strchr(p, '\n'))) {
		p++;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			size_t k = strcspn(p + n + 1, "\r\n");

			snprintf(v, sizeof(v), "%.*s", (int)k, p + n + 1);
			return v[0] == ' ' ? v + 1 : v;
		}
	}
	return NULL;
}

size_t http_raw(int port, const void *req, size_t len, char *out, size_t cap,
		int wait_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got = 0;
	ssize_t n;

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0,
		     "connect to port %d: %s", port, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* The server may answer and close before it has read it all (a 413),
	 * so a short send is not a failure; what came back is the check. */
	if (len)
		(void)send(fd, req, len, MSG_NOSIGNAL);
	while (got + 1 < cap && (n = recv(fd, out + got, cap - 1 - got, 0)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
	return got;
}
