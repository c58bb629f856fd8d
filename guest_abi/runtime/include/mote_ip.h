/*
 * A small IPv4 stack over one virtio-net device: answers ARP and ICMP
 * echo, resolves next hops, and offers UDP sockets (bind, sendto, recvfrom).
 */
#ifndef MOTE_IP_H
#define MOTE_IP_H

#include <stddef.h>
#include <stdint.h>

#include "mote_inet.h"
#include "mote_net.h"

/*
 * There are no interrupts and no threads: the stack only runs inside its
 * own calls. Received frames are handled by mote_ip_poll and mote_ip_wait,
 * and by the UDP calls while they wait, so a guest that is busy elsewhere
 * must call mote_ip_poll now and then or ARP and ping go unanswered.
 * Addresses and ports are numbers in host order (10.0.0.1 is 0x0a000001).
 * IPv4 without fragments: larger datagrams are refused, fragments dropped.
 */

struct mote_ip;	      /* one interface: a device and its address */
struct mote_udp_sock; /* one bound UDP port */

/*
 * Puts addr/prefix (a unicast address, prefix 1..32) on an opened device.
 * The device stays the caller's, to close after mote_ip_close. Returns 0,
 * -EINVAL or -ENOMEM.
 */
int mote_ip_open(struct mote_net *net, uint32_t addr, unsigned prefix,
		 struct mote_ip **out);
/* Frees the interface and any sockets still bound on it. */
void mote_ip_close(struct mote_ip *ip);

/* Where to send datagrams for other subnets (0: nowhere, the default). */
void mote_ip_set_gateway(struct mote_ip *ip, uint32_t gateway);
uint32_t mote_ip_addr(const struct mote_ip *ip);
/* The largest UDP payload that fits one frame: MTU - 28. */
size_t mote_ip_udp_max(const struct mote_ip *ip);

/*
 * Handles every frame already received (ARP, ICMP echo, UDP datagrams
 * queued on their sockets) without blocking, then flushes queued frames.
 * Returns how many frames it handled, or -EIO if the device failed.
 */
int mote_ip_poll(struct mote_ip *ip);

/* Like mote_ip_poll, but when nothing has arrived, sleeps until a frame
 * does or mote_monotonic_ns() reaches deadline_ns. Returns the frames
 * handled (0 at the deadline) or -EIO. */
int mote_ip_wait(struct mote_ip *ip, uint64_t deadline_ns);

/* Pushes frames queued by mote_udp_sendto to the device. */
void mote_ip_flush(struct mote_ip *ip);

/*
 * Finds the MAC of the next hop towards dst, from the ARP cache or by
 * asking (a request every 200 ms, handling other frames meanwhile) until
 * deadline_ns. Returns 0, -ENETUNREACH (off-link and no gateway, or not a
 * unicast address), -EHOSTUNREACH (no answer in time) or -EIO.
 */
int mote_ip_resolve(struct mote_ip *ip, uint32_t dst,
		    uint8_t mac[MOTE_ETH_ALEN], uint64_t deadline_ns);

struct mote_ip_stats {
	uint64_t rx_frames;	/* frames looked at */
	uint64_t rx_dropped;	/* malformed, not for us, or unsupported */
	uint64_t arp_replies;	/* ARP requests answered */
	uint64_t icmp_echoes;	/* pings answered */
	uint64_t udp_delivered; /* datagrams queued on a socket */
	uint64_t udp_dropped;	/* no socket on the port, or its queue full */
	uint64_t tx_frames;	/* frames sent by the stack */
};
void mote_ip_stats(const struct mote_ip *ip, struct mote_ip_stats *out);

/*
 * Binds a UDP port (0: a free one from 49152 up). Datagrams for it are
 * queued (up to 64; more are dropped) until mote_udp_recvfrom takes them.
 * Returns 0, -EADDRINUSE or -ENOMEM.
 */
int mote_udp_bind(struct mote_ip *ip, uint16_t port,
		  struct mote_udp_sock **out);
uint16_t mote_udp_port(const struct mote_udp_sock *s);
/* Unbinds and drops the datagrams still queued. */
void mote_udp_close(struct mote_udp_sock *s);

/*
 * Queues one datagram of len bytes (0 .. mote_ip_udp_max) to dst:port,
 * resolving the next hop first if the ARP cache does not know it (which
 * may block up to 1 s). The frame goes out at the next flush, poll or
 * wait, or with the next batch of 32. Returns len, -EMSGSIZE, -EINVAL
 * (port 0), -ENETUNREACH, -EHOSTUNREACH or -EIO.
 */
int mote_udp_sendto(struct mote_udp_sock *s, const void *buf, size_t len,
		    uint32_t dst, uint16_t port);

/*
 * Takes the oldest queued datagram: copies up to cap bytes of it to buf
 * (the rest is discarded), sets *src and *port (either may be NULL) and
 * returns the bytes copied. When none is queued, handles the network and
 * waits until mote_monotonic_ns() reaches deadline_ns (0: do not wait,
 * UINT64_MAX: forever). Returns -EAGAIN if none came, or -EIO.
 */
int mote_udp_recvfrom(struct mote_udp_sock *s, void *buf, size_t cap,
		      uint32_t *src, uint16_t *port, uint64_t deadline_ns);

#endif
