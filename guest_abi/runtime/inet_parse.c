/*
 * Checking parsers for Ethernet, ARP, IPv4, ICMP and UDP headers: every
 * length field is checked against the bytes actually there before use.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mote_inet.h"

int mote_inet_eth_parse(const void *frame, size_t len, struct mote_eth *out)
{
	const struct mote_eth_hdr *h = frame;

	if (len < MOTE_ETH_HLEN)
		return -EINVAL;
	memcpy(out->dst, h->dst, MOTE_ETH_ALEN);
	memcpy(out->src, h->src, MOTE_ETH_ALEN);
	out->type = mote_inet_get16(h->type);
	out->payload = (const uint8_t *)frame + MOTE_ETH_HLEN;
	out->len = len - MOTE_ETH_HLEN;
	/* Below 0x0600 the field is an IEEE 802.3 length, not a type. */
	return out->type < 0x0600 ? -ENOTSUP : 0;
}

int mote_inet_arp_parse(const void *p, size_t len, struct mote_arp *out)
{
	const struct mote_arp_hdr *h = p;

	if (len < MOTE_ARP_LEN)
		return -EINVAL;
	/* The sizes are checked too: they fix where the addresses lie. */
	if (mote_inet_get16(h->htype) != MOTE_ARP_HTYPE_ETHER ||
	    mote_inet_get16(h->ptype) != MOTE_ETH_P_IPV4 ||
	    h->hlen != MOTE_ETH_ALEN || h->plen != 4)
		return -ENOTSUP;
	out->op = mote_inet_get16(h->op);
	if (out->op != MOTE_ARP_OP_REQUEST && out->op != MOTE_ARP_OP_REPLY)
		return -ENOTSUP;
	memcpy(out->sha, h->sha, MOTE_ETH_ALEN);
	out->spa = mote_inet_get32(h->spa);
	memcpy(out->tha, h->tha, MOTE_ETH_ALEN);
	out->tpa = mote_inet_get32(h->tpa);
	return 0;
}

int mote_inet_ipv4_parse(const void *p, size_t len, struct mote_ipv4 *out)
{
	const struct mote_ipv4_hdr *h = p;
	size_t hlen, total;
	uint16_t frag;

	if (len < MOTE_IPV4_HLEN || h->ver_ihl >> 4 != 4)
		return -EINVAL;
	hlen = (size_t)(h->ver_ihl & 0xf) * 4;
	total = mote_inet_get16(h->tot_len);
	if (hlen < MOTE_IPV4_HLEN || hlen > len || total < hlen || total > len)
		return -EINVAL;
	if (mote_inet_csum(p, hlen) != 0)
		return -EINVAL;
	/* No reassembly: a fragment cannot be handled alone. */
	frag = mote_inet_get16(h->frag);
	if (frag & (MOTE_IPV4_MF | MOTE_IPV4_OFFSET_MASK))
		return -ENOTSUP;
	out->src = mote_inet_get32(h->src);
	out->dst = mote_inet_get32(h->dst);
	out->proto = h->proto;
	out->ttl = h->ttl;
	out->id = mote_inet_get16(h->id);
	out->payload = (const uint8_t *)p + hlen;
	out->len = total - hlen;
	return 0;
}

int mote_inet_icmp_parse(const void *p, size_t len, struct mote_icmp *out)
{
	const struct mote_icmp_hdr *h = p;

	if (len < MOTE_ICMP_HLEN || mote_inet_csum(p, len) != 0)
		return -EINVAL;
	out->type = h->type;
	out->code = h->code;
	out->id = mote_inet_get16(h->id);
	out->seq = mote_inet_get16(h->seq);
	out->data = (const uint8_t *)p + MOTE_ICMP_HLEN;
	out->len = len - MOTE_ICMP_HLEN;
	return 0;
}

int mote_inet_udp_parse(const void *p, size_t len, uint32_t src, uint32_t dst,
			struct mote_udp *out)
{
	const struct mote_udp_hdr *h = p;
	size_t ulen;

	if (len < MOTE_UDP_HLEN)
		return -EINVAL;
	ulen = mote_inet_get16(h->len);
	if (ulen < MOTE_UDP_HLEN || ulen > len)
		return -EINVAL;
	if (mote_inet_get16(h->csum) != 0 &&
	    mote_inet_fold(mote_inet_sum(mote_inet_pseudo_sum(src, dst,
							      MOTE_IPPROTO_UDP,
							      (uint16_t)ulen),
					 p, ulen)) != 0)
		return -EINVAL;
	out->sport = mote_inet_get16(h->sport);
	out->dport = mote_inet_get16(h->dport);
	out->payload = (const uint8_t *)p + MOTE_UDP_HLEN;
	out->len = ulen - MOTE_UDP_HLEN;
	return 0;
}
