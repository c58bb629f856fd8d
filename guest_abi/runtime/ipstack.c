/*
 * The IPv4 interface: input dispatch, ARP replies and resolution, ICMP
 * echo replies, next-hop choice and IPv4 output, polling and waiting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipstack.h"
#include "mote.h"

/* Frames handled per poll before queued replies are flushed: bounds the
 * time one burst holds up the caller. */
#define POLL_BUDGET	64
#define ARP_RETRY_NS	200000000ULL  /* 200 ms between ARP requests */
#define SEND_RESOLVE_NS 1000000000ULL /* sendto waits this long for ARP */

static const uint8_t broadcast_mac[MOTE_ETH_ALEN] = {0xff, 0xff, 0xff,
						     0xff, 0xff, 0xff};

int mote_ip_open(struct mote_net *net, uint32_t addr, unsigned prefix,
		 struct mote_ip **out)
{
	struct mote_ip *ip;
	uint32_t mask;

	*out = NULL;
	if (prefix < 1 || prefix > 32)
		return -EINVAL;
	mask = mote_inet_mask(prefix);
	/* A unicast address that is neither the network nor (below /31,
	 * RFC 3021) the broadcast address of its subnet. */
	if (addr == 0 || addr >> 28 >= 0xe || addr >> 24 == 127 ||
	    (prefix < 31 && ((addr & ~mask) == 0 || (addr | mask) == ~0u)))
		return -EINVAL;
	ip = calloc(1, sizeof(*ip));
	if (!ip)
		return -ENOMEM;
	ip->net = net;
	mote_net_mac(net, ip->mac);
	ip->addr = addr;
	ip->mask = mask;
	ip->mtu = mote_net_mtu(net);
	/* Different start values for guests that boot at different times. */
	ip->ip_id = (uint16_t)mote_monotonic_ns();
	ip->next_ephemeral = 49152;
	*out = ip;
	return 0;
}

void mote_ip_close(struct mote_ip *ip)
{
	if (!ip)
		return;
	while (ip->socks)
		mote_udp_close(ip->socks);
	free(ip);
}

void mote_ip_set_gateway(struct mote_ip *ip, uint32_t gateway)
{
	ip->gateway = gateway;
}

uint32_t mote_ip_addr(const struct mote_ip *ip)
{
	return ip->addr;
}

size_t mote_ip_udp_max(const struct mote_ip *ip)
{
	return ip->mtu - MOTE_IPV4_HLEN - MOTE_UDP_HLEN;
}

void mote_ip_stats(const struct mote_ip *ip, struct mote_ip_stats *out)
{
	*out = ip->st;
}

static bool on_link(const struct mote_ip *ip, uint32_t a)
{
	return (a & ip->mask) == (ip->addr & ip->mask);
}

/* Limited broadcast, or our subnet's (only below /31: a /31 has none). */
static bool is_broadcast(const struct mote_ip *ip, uint32_t a)
{
	return a == MOTE_IPV4_BROADCAST ||
	       (ip->mask < 0xfffffffeu && (a | ip->mask) == ~0u &&
		on_link(ip, a));
}

/* ---- sending ---- */

/* Sends one ARP packet; false if the device failed. */
static bool send_arp(struct mote_ip *ip, const uint8_t *eth_dst,
		     const struct mote_arp *a)
{
	uint8_t *f = mote_net_tx_frame(ip->net);

	if (!f)
		return false;
	mote_inet_eth_build(f, eth_dst, ip->mac, MOTE_ETH_P_ARP);
	mote_inet_arp_build(f + MOTE_ETH_HLEN, a);
	if (mote_net_tx_commit(ip->net, MOTE_ETH_HLEN + MOTE_ARP_LEN) < 0)
		return false;
	ip->st.tx_frames++;
	return true;
}

static bool arp_request(struct mote_ip *ip, uint32_t target)
{
	struct mote_arp a = {
		.op = MOTE_ARP_OP_REQUEST, .spa = ip->addr, .tpa = target};

	memcpy(a.sha, ip->mac, MOTE_ETH_ALEN);
	return send_arp(ip, broadcast_mac, &a);
}

/* The IPv4 address whose MAC a datagram to dst goes to, or 0. */
static uint32_t next_hop(const struct mote_ip *ip, uint32_t dst)
{
	if (dst == 0 || dst == ip->addr || dst >> 28 == 0xe)
		return 0; /* no loopback; multicast is not supported */
	if (on_link(ip, dst))
		return dst;
	return ip->gateway;
}

static int resolve_hop(struct mote_ip *ip, uint32_t hop,
		       uint8_t mac[MOTE_ETH_ALEN], uint64_t deadline_ns)
{
	uint64_t next_request = 0;

	for (;;) {
		uint64_t now = mote_monotonic_ns(), until;
		int r;

		if (__mote_arp_lookup(&ip->arp, hop, now, mac))
			return 0;
		if (now >= deadline_ns)
			return -EHOSTUNREACH;
		if (now >= next_request) {
			if (!arp_request(ip, hop))
				return -EIO;
			next_request = now + ARP_RETRY_NS;
		}
		until = next_request < deadline_ns ? next_request : deadline_ns;
		/* The reply is handled like any frame; so is whatever else
		 * comes meanwhile. */
		r = mote_ip_wait(ip, until);
		if (r < 0)
			return r;
	}
}

int mote_ip_resolve(struct mote_ip *ip, uint32_t dst,
		    uint8_t mac[MOTE_ETH_ALEN], uint64_t deadline_ns)
{
	uint32_t hop = is_broadcast(ip, dst) ? 0 : next_hop(ip, dst);

	if (hop == 0)
		return -ENETUNREACH;
	return resolve_hop(ip, hop, mac, deadline_ns);
}

uint8_t *__mote_ip_output(struct mote_ip *ip, uint32_t dst, uint8_t proto,
			  size_t payload_len, int *err)
{
	uint8_t mac[MOTE_ETH_ALEN];
	uint8_t *f;
	struct mote_ipv4 h = {.src = ip->addr,
			      .dst = dst,
			      .proto = proto,
			      .ttl = MOTE_IPV4_TTL,
			      .len = payload_len};

	if (payload_len > ip->mtu - MOTE_IPV4_HLEN) {
		*err = -EMSGSIZE;
		return NULL;
	}
	if (is_broadcast(ip, dst)) {
		memcpy(mac, broadcast_mac, MOTE_ETH_ALEN);
	} else {
		uint32_t hop = next_hop(ip, dst);

		if (hop == 0) {
			*err = -ENETUNREACH;
			return NULL;
		}
		/* Resolve before taking a transmit buffer: resolving
		 * handles frames, whose replies take buffers too. */
		if (!__mote_arp_lookup(&ip->arp, hop, mote_monotonic_ns(),
				       mac) &&
		    (*err = resolve_hop(ip, hop, mac,
					mote_monotonic_ns() +
						SEND_RESOLVE_NS)) < 0)
			return NULL;
	}
	f = mote_net_tx_frame(ip->net);
	if (!f) {
		*err = -EIO;
		return NULL;
	}
	h.id = ip->ip_id++;
	mote_inet_eth_build(f, mac, ip->mac, MOTE_ETH_P_IPV4);
	mote_inet_ipv4_build(f + MOTE_ETH_HLEN, &h);
	return f + MOTE_ETH_HLEN + MOTE_IPV4_HLEN;
}

int __mote_ip_commit(struct mote_ip *ip, size_t payload_len)
{
	int r = mote_net_tx_commit(ip->net, MOTE_ETH_HLEN + MOTE_IPV4_HLEN +
						    payload_len);

	if (r == 0)
		ip->st.tx_frames++;
	return r;
}

/* ---- receiving ---- */

static bool arp_input(struct mote_ip *ip, const struct mote_eth *eth)
{
	struct mote_arp a, reply = {.op = MOTE_ARP_OP_REPLY};
	bool for_us;

	if (mote_inet_arp_parse(eth->payload, eth->len, &a) < 0)
		return false;
	for_us = a.tpa == ip->addr;
	/* RFC 826: refresh what we know of the sender; learn it only if
	 * it is talking to us. Our own address is never learned (a
	 * conflict, or a reflection of our own request). */
	if (a.spa != ip->addr && on_link(ip, a.spa) && !is_broadcast(ip, a.spa))
		__mote_arp_update(&ip->arp, a.spa, a.sha, mote_monotonic_ns(),
				  for_us);
	if (!for_us || a.op != MOTE_ARP_OP_REQUEST)
		return for_us;
	/* Answer even a probe (sender 0.0.0.0, RFC 5227): that is how an
	 * address in use is defended. */
	if (mote_inet_mac_is_multicast(a.sha))
		return false;
	memcpy(reply.sha, ip->mac, MOTE_ETH_ALEN);
	reply.spa = ip->addr;
	memcpy(reply.tha, a.sha, MOTE_ETH_ALEN);
	reply.tpa = a.spa;
	if (send_arp(ip, a.sha, &reply))
		ip->st.arp_replies++;
	return true;
}

/* Answers an echo request; the reply goes back to the MAC the request
 * came from, which is the right next hop whether or not it is on-link. */
static bool icmp_input(struct mote_ip *ip, const struct mote_eth *eth,
		       const struct mote_ipv4 *h)
{
	struct mote_icmp ic;
	struct mote_ipv4 rh = {.src = ip->addr,
			       .dst = h->src,
			       .proto = MOTE_IPPROTO_ICMP,
			       .ttl = MOTE_IPV4_TTL};
	uint8_t *f;

	if (mote_inet_icmp_parse(h->payload, h->len, &ic) < 0 ||
	    ic.type != MOTE_ICMP_ECHO_REQUEST || ic.code != 0)
		return false;
	/* A request bigger than our MTU would need a fragmented reply. */
	if (h->len > ip->mtu - MOTE_IPV4_HLEN)
		return false;
	f = mote_net_tx_frame(ip->net);
	if (!f)
		return false;
	rh.id = ip->ip_id++;
	rh.len = h->len;
	ic.type = MOTE_ICMP_ECHO_REPLY;
	mote_inet_eth_build(f, eth->src, ip->mac, MOTE_ETH_P_IPV4);
	mote_inet_ipv4_build(f + MOTE_ETH_HLEN, &rh);
	mote_inet_icmp_build(f + MOTE_ETH_HLEN + MOTE_IPV4_HLEN, &ic);
	if (__mote_ip_commit(ip, h->len) == 0)
		ip->st.icmp_echoes++;
	return true;
}

static bool ipv4_input(struct mote_ip *ip, const struct mote_eth *eth)
{
	struct mote_ipv4 h;
	bool bcast;

	if (mote_inet_ipv4_parse(eth->payload, eth->len, &h) < 0)
		return false;
	bcast = is_broadcast(ip, h.dst);
	if (h.dst != ip->addr && !bcast)
		return false;
	/* A source we could never answer (or our own, looped back). */
	if (h.src == 0 || h.src == ip->addr || h.src >> 28 >= 0xe ||
	    is_broadcast(ip, h.src) || mote_inet_mac_is_multicast(eth->src))
		return false;
	/* Learn the sender's MAC from its traffic, so an echo answers
	 * without an ARP round trip (only on-link: otherwise it is the
	 * router's MAC). */
	if (on_link(ip, h.src))
		__mote_arp_update(&ip->arp, h.src, eth->src,
				  mote_monotonic_ns(), true);
	switch (h.proto) {
	case MOTE_IPPROTO_ICMP:
		/* Echo to a broadcast address is not answered (RFC 1122
		 * 3.2.2.6 allows either). */
		return !bcast && icmp_input(ip, eth, &h);
	case MOTE_IPPROTO_UDP: {
		struct mote_udp u;

		if (mote_inet_udp_parse(h.payload, h.len, h.src, h.dst, &u) < 0)
			return false;
		return __mote_udp_deliver(ip, h.src, h.dst, &u);
	}
	default:
		return false;
	}
}

void __mote_ip_input(struct mote_ip *ip, const void *frame, size_t len)
{
	struct mote_eth eth;
	bool used = false;

	ip->st.rx_frames++;
	if (mote_inet_eth_parse(frame, len, &eth) == 0 &&
	    (memcmp(eth.dst, ip->mac, MOTE_ETH_ALEN) == 0 ||
	     memcmp(eth.dst, broadcast_mac, MOTE_ETH_ALEN) == 0)) {
		if (eth.type == MOTE_ETH_P_ARP)
			used = arp_input(ip, &eth);
		else if (eth.type == MOTE_ETH_P_IPV4)
			used = ipv4_input(ip, &eth);
	}
	if (!used)
		ip->st.rx_dropped++;
}

int mote_ip_poll(struct mote_ip *ip)
{
	int n = 0, r = 0;

	while (n < POLL_BUDGET) {
		const void *f;

		r = mote_net_rx_next(ip->net, &f);
		if (r <= 0)
			break;
		__mote_ip_input(ip, f, (size_t)r);
		mote_net_rx_release(ip->net);
		n++;
	}
	mote_net_flush(ip->net);
	return r < 0 ? r : n;
}

int mote_ip_wait(struct mote_ip *ip, uint64_t deadline_ns)
{
	for (;;) {
		int r = mote_ip_poll(ip);

		if (r != 0)
			return r;
		if (mote_monotonic_ns() >= deadline_ns)
			return 0;
		r = mote_net_wait(ip->net, deadline_ns);
		if (r <= 0)
			return r;
	}
}

void mote_ip_flush(struct mote_ip *ip)
{
	mote_net_flush(ip->net);
}
