/*
 * Builders for Ethernet, ARP, IPv4, ICMP and UDP headers, with their
 * checksums, writing straight into a frame buffer.
 */
#include <stdint.h>
#include <string.h>

#include "mote_inet.h"

/* Puts len payload bytes right after a header at dst, unless they are
 * there already (src NULL or equal to dst). */
static void place(uint8_t *dst, const uint8_t *src, size_t len)
{
	if (src && src != dst && len)
		memmove(dst, src, len);
}

size_t mote_inet_eth_build(void *buf, const uint8_t dst[MOTE_ETH_ALEN],
			   const uint8_t src[MOTE_ETH_ALEN], uint16_t type)
{
	struct mote_eth_hdr *h = buf;

	memcpy(h->dst, dst, MOTE_ETH_ALEN);
	memcpy(h->src, src, MOTE_ETH_ALEN);
	mote_inet_put16(h->type, type);
	return MOTE_ETH_HLEN;
}

size_t mote_inet_arp_build(void *buf, const struct mote_arp *a)
{
	struct mote_arp_hdr *h = buf;

	mote_inet_put16(h->htype, MOTE_ARP_HTYPE_ETHER);
	mote_inet_put16(h->ptype, MOTE_ETH_P_IPV4);
	h->hlen = MOTE_ETH_ALEN;
	h->plen = 4;
	mote_inet_put16(h->op, a->op);
	memcpy(h->sha, a->sha, MOTE_ETH_ALEN);
	mote_inet_put32(h->spa, a->spa);
	memcpy(h->tha, a->tha, MOTE_ETH_ALEN);
	mote_inet_put32(h->tpa, a->tpa);
	return MOTE_ARP_LEN;
}

size_t mote_inet_ipv4_build(void *buf, const struct mote_ipv4 *ip)
{
	struct mote_ipv4_hdr *h = buf;

	h->ver_ihl = 0x45; /* version 4, 5 words: no options */
	h->tos = 0;
	mote_inet_put16(h->tot_len, (uint16_t)(MOTE_IPV4_HLEN + ip->len));
	mote_inet_put16(h->id, ip->id);
	/* DF: this stack never fragments, and a router should say so
	 * rather than fragment for it. */
	mote_inet_put16(h->frag, MOTE_IPV4_DF);
	h->ttl = ip->ttl;
	h->proto = ip->proto;
	mote_inet_put16(h->csum, 0);
	mote_inet_put32(h->src, ip->src);
	mote_inet_put32(h->dst, ip->dst);
	mote_inet_put16(h->csum, mote_inet_csum(h, MOTE_IPV4_HLEN));
	return MOTE_IPV4_HLEN;
}

size_t mote_inet_icmp_build(void *buf, const struct mote_icmp *ic)
{
	struct mote_icmp_hdr *h = buf;
	size_t len = MOTE_ICMP_HLEN + ic->len;

	place((uint8_t *)buf + MOTE_ICMP_HLEN, ic->data, ic->len);
	h->type = ic->type;
	h->code = ic->code;
	mote_inet_put16(h->csum, 0);
	mote_inet_put16(h->id, ic->id);
	mote_inet_put16(h->seq, ic->seq);
	mote_inet_put16(h->csum, mote_inet_csum(buf, len));
	return len;
}

size_t mote_inet_udp_build(void *buf, uint32_t src, uint32_t dst,
			   const struct mote_udp *u)
{
	struct mote_udp_hdr *h = buf;
	size_t len = MOTE_UDP_HLEN + u->len;
	uint16_t c;

	place((uint8_t *)buf + MOTE_UDP_HLEN, u->payload, u->len);
	mote_inet_put16(h->sport, u->sport);
	mote_inet_put16(h->dport, u->dport);
	mote_inet_put16(h->len, (uint16_t)len);
	mote_inet_put16(h->csum, 0);
	c = mote_inet_fold(mote_inet_sum(
		mote_inet_pseudo_sum(src, dst, MOTE_IPPROTO_UDP, (uint16_t)len),
		buf, len));
	/* 0 means "no checksum" in UDP; its ones' complement twin is sent. */
	mote_inet_put16(h->csum, c ? c : 0xffff);
	return len;
}
