/*
 * Wire formats of Ethernet, ARP, IPv4, ICMP echo and UDP: checking parsers,
 * builders, the Internet checksum and address text. Pure code, no I/O.
 */
#ifndef MOTE_INET_H
#define MOTE_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Header layouts as they are on the wire. Every field is a byte or a byte
 * array (multi-byte fields big-endian, read with mote_inet_get16/32), so
 * the structs have alignment 1 and overlay a frame at any offset: the
 * 12-byte virtio-net header leaves IPv4 headers only 2-byte aligned.
 */

/* IEEE 802.3 Ethernet II header (no FCS, no VLAN tag). */
struct mote_eth_hdr {
	uint8_t dst[6], src[6];
	uint8_t type[2]; /* EtherType, >= 0x0600 */
};

/* RFC 826 ARP, for Ethernet hardware and IPv4 protocol addresses. */
struct mote_arp_hdr {
	uint8_t htype[2], ptype[2];
	uint8_t hlen, plen;
	uint8_t op[2];
	uint8_t sha[6], spa[4], tha[6], tpa[4];
};

/* RFC 791 IPv4 header without options. */
struct mote_ipv4_hdr {
	uint8_t ver_ihl; /* version 4 in the high nibble, IHL in 32-bit words */
	uint8_t tos;
	uint8_t tot_len[2];
	uint8_t id[2];
	uint8_t frag[2]; /* flags (reserved, DF, MF) and fragment offset */
	uint8_t ttl, proto;
	uint8_t csum[2];
	uint8_t src[4], dst[4];
};

/* RFC 792 ICMP header, echo request/reply form. */
struct mote_icmp_hdr {
	uint8_t type, code;
	uint8_t csum[2];
	uint8_t id[2], seq[2];
};

/* RFC 768 UDP header. */
struct mote_udp_hdr {
	uint8_t sport[2], dport[2];
	uint8_t len[2]; /* header + payload */
	uint8_t csum[2];
};

_Static_assert(sizeof(struct mote_eth_hdr) == 14, "IEEE 802.3");
_Static_assert(sizeof(struct mote_arp_hdr) == 28, "RFC 826");
_Static_assert(sizeof(struct mote_ipv4_hdr) == 20, "RFC 791");
_Static_assert(__builtin_offsetof(struct mote_ipv4_hdr, csum) == 10, "RFC 791");
_Static_assert(sizeof(struct mote_icmp_hdr) == 8, "RFC 792");
_Static_assert(sizeof(struct mote_udp_hdr) == 8, "RFC 768");
_Static_assert(_Alignof(struct mote_ipv4_hdr) == 1, "overlays any offset");

#define MOTE_ETH_ALEN	       6u
#define MOTE_ETH_HLEN	       14u
#define MOTE_ETH_P_IPV4	       0x0800u
#define MOTE_ETH_P_ARP	       0x0806u
#define MOTE_ARP_LEN	       28u
#define MOTE_ARP_HTYPE_ETHER   1u
#define MOTE_ARP_OP_REQUEST    1u
#define MOTE_ARP_OP_REPLY      2u
#define MOTE_IPV4_HLEN	       20u
#define MOTE_IPV4_DF	       0x4000u
#define MOTE_IPV4_MF	       0x2000u
#define MOTE_IPV4_OFFSET_MASK  0x1fffu
#define MOTE_IPV4_TTL	       64u
#define MOTE_IPPROTO_ICMP      1u
#define MOTE_IPPROTO_UDP       17u
#define MOTE_ICMP_HLEN	       8u
#define MOTE_ICMP_ECHO_REPLY   0u
#define MOTE_ICMP_ECHO_REQUEST 8u
#define MOTE_UDP_HLEN	       8u
#define MOTE_IPV4_BROADCAST    0xffffffffu
/* Bytes of headers in front of a UDP payload in a frame. */
#define MOTE_UDP_FRAME_OVERHEAD (MOTE_ETH_HLEN + MOTE_IPV4_HLEN + MOTE_UDP_HLEN)

static inline uint16_t mote_inet_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mote_inet_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void mote_inet_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void mote_inet_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * RFC 1071 Internet checksum. mote_inet_sum adds data, as big-endian
 * 16-bit words, to a running sum (start from 0); when data comes in
 * pieces, every piece but the last must have an even length.
 * mote_inet_fold turns a sum into the checksum to store (big-endian):
 * data that includes a correct checksum field sums and folds to 0.
 */
uint32_t mote_inet_sum(uint32_t sum, const void *data, size_t len);
uint16_t mote_inet_fold(uint32_t sum);
uint16_t mote_inet_csum(const void *data, size_t len);
/* The RFC 768 pseudo-header's sum, for UDP (and TCP) checksums. */
uint32_t mote_inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
			      uint16_t len);

/*
 * Parsed headers, numbers in host order; payload points into the frame.
 * The parsers check every length against the bytes they were given and
 * never read beyond them. They return 0, -EINVAL for a malformed packet
 * (truncated, bad length field, bad checksum, wrong version), or -ENOTSUP
 * for a well-formed one this stack does not handle (an IEEE 802.3 length
 * frame, non-Ethernet/IPv4 ARP, an IPv4 fragment).
 */
struct mote_eth {
	uint8_t dst[MOTE_ETH_ALEN], src[MOTE_ETH_ALEN];
	uint16_t type;
	const uint8_t *payload;
	size_t len;
};

struct mote_arp {
	uint16_t op;
	uint8_t sha[MOTE_ETH_ALEN];
	uint32_t spa;
	uint8_t tha[MOTE_ETH_ALEN];
	uint32_t tpa;
};

struct mote_ipv4 {
	uint32_t src, dst;
	uint8_t proto, ttl;
	uint16_t id;
	const uint8_t *payload; /* after any options */
	size_t len;		/* payload bytes, per the total length */
};

struct mote_icmp {
	uint8_t type, code;
	uint16_t id, seq;    /* echo request and reply */
	const uint8_t *data; /* after the 8-byte header */
	size_t len;
};

struct mote_udp {
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t len; /* per the UDP length field */
};

int mote_inet_eth_parse(const void *frame, size_t len, struct mote_eth *out);
int mote_inet_arp_parse(const void *p, size_t len, struct mote_arp *out);
/* Options are skipped, never interpreted; bytes past the total length
 * (Ethernet padding) are ignored. */
int mote_inet_ipv4_parse(const void *p, size_t len, struct mote_ipv4 *out);
/* Checks the checksum over all len bytes (the IPv4 payload). */
int mote_inet_icmp_parse(const void *p, size_t len, struct mote_icmp *out);
/* Checks the checksum, with the pseudo-header of src and dst, unless the
 * sender left it 0 (allowed over IPv4). */
int mote_inet_udp_parse(const void *p, size_t len, uint32_t src, uint32_t dst,
			struct mote_udp *out);

/*
 * Builders: each writes one header at buf and returns its length. Where
 * a header covers a payload, the payload goes right after the header: it
 * is copied there from the struct's pointer unless it already is there
 * (a NULL pointer means it already is). The caller makes room.
 */
size_t mote_inet_eth_build(void *buf, const uint8_t dst[MOTE_ETH_ALEN],
			   const uint8_t src[MOTE_ETH_ALEN], uint16_t type);
size_t mote_inet_arp_build(void *buf, const struct mote_arp *a);
/* No options, DF set, header checksum computed; ip->len is the payload
 * length (only the header is written, the payload is not copied). */
size_t mote_inet_ipv4_build(void *buf, const struct mote_ipv4 *ip);
/* Header and data; checksum over both. Returns 8 + ic->len. */
size_t mote_inet_icmp_build(void *buf, const struct mote_icmp *ic);
/* Header and payload; checksum with the pseudo-header (0 sent as
 * 0xffff, RFC 768). Returns 8 + u->len. */
size_t mote_inet_udp_build(void *buf, uint32_t src, uint32_t dst,
			   const struct mote_udp *u);

/*
 * Addresses as text. mote_inet_parse_ipv4 takes exactly four dotted
 * decimal numbers 0..255; mote_inet_parse_cidr also an optional "/n"
 * (0..32; default_prefix when absent). Both return 0 or -EINVAL.
 */
int mote_inet_parse_ipv4(const char *s, uint32_t *addr);
int mote_inet_parse_cidr(const char *s, uint32_t *addr, unsigned *prefix,
			 unsigned default_prefix);
/* Writes "a.b.c.d" (at most 16 bytes with the NUL) and returns buf. */
char *mote_inet_format_ipv4(uint32_t addr, char buf[16]);
/* Writes "xx:xx:xx:xx:xx:xx" (18 bytes with the NUL) and returns buf. */
char *mote_inet_format_mac(const uint8_t mac[MOTE_ETH_ALEN], char buf[18]);

/* The netmask of a prefix length 0..32 (above 32 counts as 32), host
 * order. */
static inline uint32_t mote_inet_mask(unsigned prefix)
{
	if (prefix == 0)
		return 0;
	return prefix >= 32 ? ~(uint32_t)0 : ~(uint32_t)0 << (32 - prefix);
}

static inline bool mote_inet_mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1; /* IEEE 802: group bit; covers broadcast too */
}

#endif
