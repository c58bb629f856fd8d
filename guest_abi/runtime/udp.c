/*
 * UDP sockets on the IP stack: port binding, per-socket queues of
 * received datagrams, sendto and recvfrom.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "mote.h"

#define EPHEMERAL_FIRST 49152u /* RFC 6335 dynamic ports */

static struct mote_udp_sock *find(const struct mote_ip *ip, uint16_t port)
{
	for (struct mote_udp_sock *s = ip->socks; s; s = s->next)
		if (s->port == port)
			return s;
	return NULL;
}

/* The next unbound dynamic port after the last one handed out. */
static uint16_t ephemeral(struct mote_ip *ip)
{
	for (unsigned i = 0; i < 65536 - EPHEMERAL_FIRST; i++) {
		uint16_t p = ip->next_ephemeral;

		ip->next_ephemeral =
			p == 65535 ? EPHEMERAL_FIRST : (uint16_t)(p + 1);
		if (!find(ip, p))
			return p;
	}
	return 0;
}

int mote_udp_bind(struct mote_ip *ip, uint16_t port, struct mote_udp_sock **out)
{
	struct mote_udp_sock *s;

	*out = NULL;
	if (port == 0)
		port = ephemeral(ip);
	if (port == 0 || find(ip, port))
		return -EADDRINUSE;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ip = ip;
	s->port = port;
	s->next = ip->socks;
	ip->socks = s;
	*out = s;
	return 0;
}

uint16_t mote_udp_port(const struct mote_udp_sock *s)
{
	return s->port;
}

void mote_udp_close(struct mote_udp_sock *s)
{
	struct mote_udp_sock **pp;

	if (!s)
		return;
	for (pp = &s->ip->socks; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	while (s->head) {
		struct udp_dgram *d = s->head;

		s->head = d->next;
		free(d);
	}
	free(s);
}

bool __mote_udp_deliver(struct mote_ip *ip, uint32_t src, uint32_t dst,
			const struct mote_udp *u)
{
	struct mote_udp_sock *s = find(ip, u->dport);
	struct udp_dgram *d;

	(void)dst;
	/* Port 0 is no sender's (and no socket's: bind never gives it). */
	if (!s || u->sport == 0 || s->queued >= UDP_QUEUE_MAX) {
		ip->st.udp_dropped++;
		return false;
	}
	/* A copy, so the receive buffer goes straight back to the device
	 * however long the datagram waits for recvfrom. */
	d = malloc(sizeof(*d) + u->len);
	if (!d) {
		ip->st.udp_dropped++;
		return false;
	}
	d->next = NULL;
	d->src = src;
	d->sport = u->sport;
	d->len = u->len;
	memcpy(d->data, u->payload, u->len);
	if (s->tail)
		s->tail->next = d;
	else
		s->head = d;
	s->tail = d;
	s->queued++;
	ip->st.udp_delivered++;
	return true;
}

int mote_udp_sendto(struct mote_udp_sock *s, const void *buf, size_t len,
		    uint32_t dst, uint16_t port)
{
	struct mote_ip *ip = s->ip;
	struct mote_udp u = {
		.sport = s->port, .dport = port, .payload = buf, .len = len};
	uint8_t *p;
	int err = 0;

	if (len > mote_ip_udp_max(ip))
		return -EMSGSIZE;
	if (port == 0)
		return -EINVAL;
	p = __mote_ip_output(ip, dst, MOTE_IPPROTO_UDP, MOTE_UDP_HLEN + len,
			     &err);
	if (!p)
		return err;
	mote_inet_udp_build(p, ip->addr, dst, &u);
	err = __mote_ip_commit(ip, MOTE_UDP_HLEN + len);
	return err < 0 ? err : (int)len;
}

int mote_udp_recvfrom(struct mote_udp_sock *s, void *buf, size_t cap,
		      uint32_t *src, uint16_t *port, uint64_t deadline_ns)
{
	struct udp_dgram *d;
	size_t n;

	for (bool polled = false; !s->head; polled = true) {
		int r;

		/* Look at the network at least once, even without a
		 * deadline: datagrams only arrive while the stack runs. */
		if (polled && mote_monotonic_ns() >= deadline_ns)
			return -EAGAIN;
		r = polled ? mote_ip_wait(s->ip, deadline_ns)
			   : mote_ip_poll(s->ip);
		if (r < 0)
			return r;
	}
	d = s->head;
	s->head = d->next;
	if (!s->head)
		s->tail = NULL;
	s->queued--;
	n = d->len < cap ? d->len : cap;
	memcpy(buf, d->data, n);
	if (src)
		*src = d->src;
	if (port)
		*port = d->sport;
	free(d);
	return (int)n;
}
