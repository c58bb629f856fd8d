/*
 * Private to the IP stack's files (ipstack.c, udp.c): the interface and
 * socket structs and the calls between them.
 */
#ifndef MOTE_RT_IPSTACK_H
#define MOTE_RT_IPSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "arp_cache.h"
#include "mote_ip.h"

#define UDP_QUEUE_MAX 64u

/* One queued datagram, payload after it. */
struct udp_dgram {
	struct udp_dgram *next;
	uint32_t src;
	uint16_t sport;
	size_t len;
	uint8_t data[];
};

struct mote_udp_sock {
	struct mote_udp_sock *next; /* the interface's list */
	struct mote_ip *ip;
	uint16_t port;
	unsigned queued;
	struct udp_dgram *head, *tail;
};

struct mote_ip {
	struct mote_net *net;
	uint8_t mac[MOTE_ETH_ALEN];
	uint32_t addr, mask, gateway;
	unsigned mtu;
	uint16_t ip_id;		 /* next IPv4 identification */
	uint16_t next_ephemeral; /* where the next port search starts */
	struct arp_cache arp;
	struct mote_udp_sock *socks;
	struct mote_ip_stats st;
};

/* Handles one received frame (udp.c gets the UDP datagrams in it). */
void __mote_ip_input(struct mote_ip *ip, const void *frame, size_t len);

/* Queues a UDP datagram that arrived for us; false if nobody takes it. */
bool __mote_udp_deliver(struct mote_ip *ip, uint32_t src, uint32_t dst,
			const struct mote_udp *u);

/* Builds the Ethernet and IPv4 headers of a datagram to dst in a transmit
 * buffer, resolving the next hop; returns where its payload goes (with
 * room for payload_len bytes) or NULL and the error in *err. */
uint8_t *__mote_ip_output(struct mote_ip *ip, uint32_t dst, uint8_t proto,
			  size_t payload_len, int *err);
/* Sends what __mote_ip_output prepared, with payload_len payload bytes. */
int __mote_ip_commit(struct mote_ip *ip, size_t payload_len);

#endif
