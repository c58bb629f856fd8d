/*
 * The guest's network protocol code (checksum, Ethernet, ARP, IPv4, ICMP,
 * UDP, addresses, ARP cache) and IP stack, compiled for the host.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The stack is linked against a fake driver and clock defined below;
 * their names get a prefix of this file's own so that no other test that
 * compiles runtime sources can clash with them. */
#define mote_monotonic_ns   netstack_monotonic_ns
#define mote_net_mac	    netstack_net_mac
#define mote_net_mtu	    netstack_net_mtu
#define mote_net_tx_frame   netstack_net_tx_frame
#define mote_net_tx_commit  netstack_net_tx_commit
#define mote_net_flush	    netstack_net_flush
#define mote_net_rx_next    netstack_net_rx_next
#define mote_net_rx_release netstack_net_rx_release
#define mote_net_wait	    netstack_net_wait

#include "../../guest_abi/runtime/arp_cache.c"
#include "../../guest_abi/runtime/inet_addr.c"
#include "../../guest_abi/runtime/inet_build.c"
#include "../../guest_abi/runtime/inet_csum.c"
#include "../../guest_abi/runtime/inet_parse.c"
#include "../../guest_abi/runtime/ipstack.c"
#include "../../guest_abi/runtime/udp.c"

#define OUR_IP	  0x0ac70002u /* 10.199.0.2 */
#define PEER_IP	  0x0ac70001u /* 10.199.0.1 */
#define OTHER_IP  0x0ac70009u /* 10.199.0.9, on-link, silent */
#define FAR_IP	  0x08080808u /* 8.8.8.8, off-link */
#define GW_IP	  0x0ac700feu /* 10.199.0.254 */
#define MTU	  1500u
#define MAX_FRAME 2048u
#define MAX_SENT  64u
#define SEC	  1000000000ULL

static const uint8_t OUR_MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t PEER_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t GW_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- frames that end where readable memory ends ---- */

/* Two pages, the second inaccessible: a frame copied to end at the
 * boundary faults on any read past its end, with or without ASan. */
static uint8_t *guard_page;

static void guard_setup(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, 2 * (size_t)pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(mprotect((char *)p + pg, (size_t)pg, PROT_NONE), 0);
	guard_page = (uint8_t *)p + pg;
}

static const uint8_t *at_edge(const void *frame, size_t len)
{
	cr_assert_leq(len, 4096u);
	memcpy(guard_page - len, frame, len);
	return guard_page - len;
}

/* ---- the fake driver ---- */

static struct {
	uint8_t rx[32][MAX_FRAME];
	size_t rx_len[32];
	unsigned rx_head, rx_n;
	bool held;
	uint8_t tx[MAX_FRAME];
	uint8_t sent[MAX_SENT][MAX_FRAME];
	size_t sent_len[MAX_SENT];
	unsigned nsent, flushes, waits;
	uint64_t clock;
	bool answer_arp; /* a peer answers ARP requests for PEER/GW */
	bool dead;	 /* the device failed */
} N;

static struct mote_ip *ip;

uint64_t mote_monotonic_ns(void)
{
	return N.clock += 1000; /* every look at the clock takes 1 us */
}

void mote_net_mac(const struct mote_net *n, uint8_t mac[MOTE_NET_ALEN])
{
	(void)n;
	memcpy(mac, OUR_MAC, 6);
}

unsigned mote_net_mtu(const struct mote_net *n)
{
	(void)n;
	return MTU;
}

void *mote_net_tx_frame(struct mote_net *n)
{
	(void)n;
	return N.dead ? NULL : N.tx;
}

int mote_net_tx_commit(struct mote_net *n, size_t len)
{
	(void)n;
	cr_assert_leq(len, MOTE_NET_ETH_HLEN + MTU, "frame beyond the MTU");
	cr_assert_geq(len, MOTE_NET_ETH_HLEN);
	cr_assert_lt(N.nsent, MAX_SENT, "too many frames sent");
	memcpy(N.sent[N.nsent], N.tx, len);
	N.sent_len[N.nsent++] = len;
	return 0;
}

void mote_net_flush(struct mote_net *n)
{
	(void)n;
	N.flushes++;
}

static void inject(const void *frame, size_t len)
{
	unsigned i = (N.rx_head + N.rx_n) % 32;

	cr_assert_lt(N.rx_n, 32u);
	cr_assert_leq(len, MAX_FRAME);
	memcpy(N.rx[i], frame, len);
	N.rx_len[i] = len;
	N.rx_n++;
}

int mote_net_rx_next(struct mote_net *n, const void **frame)
{
	size_t len;

	mote_net_rx_release(n);
	if (N.dead)
		return -EIO;
	if (N.rx_n == 0)
		return 0;
	len = N.rx_len[N.rx_head];
	*frame = at_edge(N.rx[N.rx_head], len);
	N.held = true;
	return (int)len;
}

void mote_net_rx_release(struct mote_net *n)
{
	(void)n;
	if (!N.held)
		return;
	N.held = false;
	N.rx_head = (N.rx_head + 1) % 32;
	N.rx_n--;
}

static size_t arp_frame(uint8_t *f, const uint8_t *eth_dst, uint16_t op,
			const uint8_t *sha, uint32_t spa, const uint8_t *tha,
			uint32_t tpa);

/* While the stack sleeps, a peer may answer the ARP requests it sent. */
static void answer_arp_requests(void)
{
	for (unsigned i = 0; i < N.nsent; i++) {
		struct mote_eth e;
		struct mote_arp a;
		uint8_t f[64];
		const uint8_t *mac;

		if (mote_inet_eth_parse(N.sent[i], N.sent_len[i], &e) < 0 ||
		    e.type != MOTE_ETH_P_ARP ||
		    mote_inet_arp_parse(e.payload, e.len, &a) < 0 ||
		    a.op != MOTE_ARP_OP_REQUEST)
			continue;
		if (a.tpa == PEER_IP)
			mac = PEER_MAC;
		else if (a.tpa == GW_IP)
			mac = GW_MAC;
		else
			continue;
		inject(f, arp_frame(f, OUR_MAC, MOTE_ARP_OP_REPLY, mac, a.tpa,
				    OUR_MAC, OUR_IP));
		return;
	}
}

int mote_net_wait(struct mote_net *n, uint64_t deadline_ns)
{
	(void)n;
	N.waits++;
	if (N.dead)
		return -EIO;
	if (N.answer_arp && N.rx_n == 0)
		answer_arp_requests();
	if (N.rx_n)
		return 1;
	if (N.clock < deadline_ns)
		N.clock = deadline_ns;
	return 0;
}

static void setup(void)
{
	memset(&N, 0, sizeof(N));
	N.clock = 5 * SEC;
	guard_setup();
	cr_assert_eq(mote_ip_open((struct mote_net *)&N, OUR_IP, 24, &ip), 0);
}

static void teardown(void)
{
	mote_ip_close(ip);
	ip = NULL;
	munmap(guard_page - sysconf(_SC_PAGESIZE), 2 * sysconf(_SC_PAGESIZE));
}

/* ---- crafting frames ---- */

static size_t arp_frame(uint8_t *f, const uint8_t *eth_dst, uint16_t op,
			const uint8_t *sha, uint32_t spa, const uint8_t *tha,
			uint32_t tpa)
{
	struct mote_arp a = {.op = op, .spa = spa, .tpa = tpa};

	memcpy(a.sha, sha, 6);
	memcpy(a.tha, tha, 6);
	mote_inet_eth_build(f, eth_dst, sha, MOTE_ETH_P_ARP);
	return MOTE_ETH_HLEN + mote_inet_arp_build(f + MOTE_ETH_HLEN, &a);
}

/* An IPv4 frame from PEER to us carrying l4 bytes already at f + 34. */
static size_t ip_frame(uint8_t *f, uint8_t proto, size_t l4, uint32_t src,
		       uint32_t dst)
{
	struct mote_ipv4 h = {.src = src,
			      .dst = dst,
			      .proto = proto,
			      .ttl = 64,
			      .id = 7,
			      .len = l4};

	mote_inet_eth_build(f, OUR_MAC, PEER_MAC, MOTE_ETH_P_IPV4);
	mote_inet_ipv4_build(f + MOTE_ETH_HLEN, &h);
	return MOTE_ETH_HLEN + MOTE_IPV4_HLEN + l4;
}

static size_t udp_frame(uint8_t *f, uint32_t src, uint32_t dst, uint16_t sport,
			uint16_t dport, const void *data, size_t len)
{
	struct mote_udp u = {
		.sport = sport, .dport = dport, .payload = data, .len = len};
	size_t l4 = mote_inet_udp_build(f + 34, src, dst, &u);

	return ip_frame(f, MOTE_IPPROTO_UDP, l4, src, dst);
}

static size_t ping_frame(uint8_t *f, uint32_t dst, uint16_t id, uint16_t seq,
			 const void *data, size_t len)
{
	struct mote_icmp ic = {.type = MOTE_ICMP_ECHO_REQUEST,
			       .id = id,
			       .seq = seq,
			       .data = data,
			       .len = len};
	size_t l4 = mote_inet_icmp_build(f + 34, &ic);

	return ip_frame(f, MOTE_IPPROTO_ICMP, l4, PEER_IP, dst);
}

/* Parses sent frame i down to its IPv4 header, checking it as it goes. */
static struct mote_ipv4 sent_ipv4(unsigned i, struct mote_eth *e)
{
	struct mote_ipv4 h;

	cr_assert_lt(i, N.nsent);
	cr_assert_eq(mote_inet_eth_parse(N.sent[i], N.sent_len[i], e), 0);
	cr_assert_eq(e->type, MOTE_ETH_P_IPV4);
	cr_assert_eq(memcmp(e->src, OUR_MAC, 6), 0);
	cr_assert_eq(mote_inet_ipv4_parse(e->payload, e->len, &h), 0);
	cr_assert_eq(h.src, OUR_IP);
	cr_assert_eq(e->len, MOTE_IPV4_HLEN + h.len, "no trailing bytes");
	return h;
}

/* A plain RFC 1071 reference: 16-bit big-endian words, one at a time. */
static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* ==== checksum ==== */

TestSuite(inet_csum, .init = guard_setup);

Test(inet_csum, matches_the_rfc1071_example)
{
	/* RFC 1071 section 3: these bytes sum to 0xddf2. */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03,
				    0xf4, 0xf5, 0xf6, 0xf7};

	cr_assert_eq(mote_inet_sum(0, b, sizeof(b)), 0xddf2u);
	cr_assert_eq(mote_inet_csum(b, sizeof(b)), 0x220du);
}

Test(inet_csum, verifies_a_real_ipv4_header)
{
	/* A captured header whose checksum field holds 0xb861. */
	static const uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
				      0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
				      0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint8_t z[20];

	cr_assert_eq(mote_inet_csum(at_edge(h, 20), 20), 0);
	memcpy(z, h, 20);
	z[10] = z[11] = 0;
	cr_assert_eq(mote_inet_csum(z, 20), 0xb861u);
}

Test(inet_csum, agrees_with_the_reference_at_any_length_and_alignment)
{
	uint8_t buf[1600];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 37)
			cr_assert_eq(mote_inet_csum(buf + off, len),
				     ref_csum(buf + off, len),
				     "off %zu len %zu", off, len);
	/* And never reads past the end: odd lengths at a page edge. */
	for (size_t len = 0; len < 16; len++)
		cr_assert_eq(mote_inet_csum(at_edge(buf, len), len),
			     ref_csum(buf, len));
}

Test(inet_csum, sums_in_even_pieces_like_in_one)
{
	uint8_t b[101];

	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	cr_assert_eq(mote_inet_fold(mote_inet_sum(mote_inet_sum(0, b, 40),
						  b + 40, 61)),
		     mote_inet_csum(b, sizeof(b)));
}

Test(inet_csum, all_ones_words_fold_without_overflow)
{
	static uint8_t b[65536];

	memset(b, 0xff, sizeof(b));
	cr_assert_eq(mote_inet_sum(0xffffffffu, b, sizeof(b)), 0xffffu);
	cr_assert_eq(mote_inet_csum(b, sizeof(b)), 0);
}

Test(inet_csum, pseudo_header_sum_is_the_sum_of_its_bytes)
{
	static const uint8_t ph[12] = {10, 199, 0, 2,  10, 199,
				       0,  1,	0, 17, 0,  9};

	cr_assert_eq(mote_inet_pseudo_sum(OUR_IP, PEER_IP, 17, 9),
		     mote_inet_sum(0, ph, 12));
}

/* ==== Ethernet ==== */

TestSuite(inet_eth, .init = guard_setup);

Test(inet_eth, parses_a_header_and_its_payload)
{
	uint8_t f[20] = {0};
	struct mote_eth e;

	mote_inet_eth_build(f, PEER_MAC, OUR_MAC, MOTE_ETH_P_ARP);
	cr_assert_eq(f[12], 0x08);
	cr_assert_eq(f[13], 0x06);
	cr_assert_eq(mote_inet_eth_parse(at_edge(f, 20), 20, &e), 0);
	cr_assert_eq(memcmp(e.dst, PEER_MAC, 6), 0);
	cr_assert_eq(memcmp(e.src, OUR_MAC, 6), 0);
	cr_assert_eq(e.type, MOTE_ETH_P_ARP);
	cr_assert_eq(e.len, 6u);
	cr_assert_eq(e.payload, guard_page - 6);
}

Test(inet_eth, rejects_a_truncated_header)
{
	uint8_t f[14] = {0};
	struct mote_eth e;

	for (size_t len = 0; len < 14; len++)
		cr_assert_eq(mote_inet_eth_parse(at_edge(f, len), len, &e),
			     -EINVAL);
}

Test(inet_eth, refuses_an_ieee_802_3_length_field)
{
	uint8_t f[14] = {0};
	struct mote_eth e;

	f[12] = 0x05;
	f[13] = 0xdc; /* 1500: a length, not a type */
	cr_assert_eq(mote_inet_eth_parse(at_edge(f, 14), 14, &e), -ENOTSUP);
}

/* ==== ARP ==== */

TestSuite(inet_arp, .init = guard_setup);

Test(inet_arp, builds_the_rfc826_layout)
{
	static const uint8_t want[28] = {
		0x00, 0x01, 0x08, 0x00, 6,  4,	 0x00, 0x01, 0x52, 0x54,
		0x00, 0x12, 0x34, 0x56, 10, 199, 0,    2,    0,	   0,
		0,    0,    0,	  0,	10, 199, 0,    1};
	struct mote_arp a = {
		.op = MOTE_ARP_OP_REQUEST, .spa = OUR_IP, .tpa = PEER_IP};
	uint8_t b[28];

	memcpy(a.sha, OUR_MAC, 6);
	cr_assert_eq(mote_inet_arp_build(b, &a), 28u);
	cr_assert_arr_eq(b, want, 28);
}

Test(inet_arp, parses_what_it_builds)
{
	struct mote_arp a = {.op = MOTE_ARP_OP_REPLY,
			     .spa = PEER_IP,
			     .tpa = OUR_IP},
			p;
	uint8_t b[28];

	memcpy(a.sha, PEER_MAC, 6);
	memcpy(a.tha, OUR_MAC, 6);
	mote_inet_arp_build(b, &a);
	cr_assert_eq(mote_inet_arp_parse(at_edge(b, 28), 28, &p), 0);
	cr_assert_eq(p.op, a.op);
	cr_assert_eq(p.spa, a.spa);
	cr_assert_eq(p.tpa, a.tpa);
	cr_assert_arr_eq(p.sha, a.sha, 6);
	cr_assert_arr_eq(p.tha, a.tha, 6);
}

Test(inet_arp, rejects_truncated_and_foreign_packets)
{
	struct mote_arp a = {.op = MOTE_ARP_OP_REQUEST}, p;
	uint8_t b[28], bad[28];

	mote_inet_arp_build(b, &a);
	for (size_t len = 0; len < 28; len++)
		cr_assert_eq(mote_inet_arp_parse(at_edge(b, len), len, &p),
			     -EINVAL);
	/* hardware type, protocol type, address sizes, operation */
	static const struct {
		unsigned off;
		uint8_t v;
	} edits[] = {{1, 6}, {2, 0x86}, {4, 8}, {5, 16}, {7, 3}, {7, 0}};
	for (unsigned i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		memcpy(bad, b, 28);
		bad[edits[i].off] = edits[i].v;
		cr_assert_eq(mote_inet_arp_parse(at_edge(bad, 28), 28, &p),
			     -ENOTSUP, "edit %u", i);
	}
}

/* ==== IPv4 ==== */

TestSuite(inet_ipv4, .init = guard_setup);

/* A valid header for 8 payload bytes, payload following. */
static void ipv4_sample(uint8_t b[28])
{
	struct mote_ipv4 h = {.src = PEER_IP,
			      .dst = OUR_IP,
			      .proto = 17,
			      .ttl = 64,
			      .id = 0x1234,
			      .len = 8};

	mote_inet_ipv4_build(b, &h);
	memset(b + 20, 0xab, 8);
}

/* Fixes the header checksum after an edit, so only the edit is wrong. */
static void reseal(uint8_t *b, size_t hlen)
{
	b[10] = b[11] = 0;
	mote_inet_put16(b + 10, mote_inet_csum(b, hlen));
}

Test(inet_ipv4, builds_a_header_with_df_and_a_valid_checksum)
{
	uint8_t b[28];

	ipv4_sample(b);
	cr_assert_eq(b[0], 0x45);
	cr_assert_eq(mote_inet_get16(b + 2), 28);
	cr_assert_eq(mote_inet_get16(b + 6), MOTE_IPV4_DF);
	cr_assert_eq(ref_csum(b, 20), 0);
	cr_assert_eq(mote_inet_get32(b + 12), PEER_IP);
}

Test(inet_ipv4, parses_a_valid_packet)
{
	uint8_t b[28];
	struct mote_ipv4 h;

	ipv4_sample(b);
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h), 0);
	cr_assert_eq(h.src, PEER_IP);
	cr_assert_eq(h.dst, OUR_IP);
	cr_assert_eq(h.proto, 17);
	cr_assert_eq(h.ttl, 64);
	cr_assert_eq(h.id, 0x1234);
	cr_assert_eq(h.len, 8u);
	cr_assert_eq(h.payload, guard_page - 8);
}

Test(inet_ipv4, ignores_ethernet_padding_after_the_total_length)
{
	uint8_t b[46] = {0};
	struct mote_ipv4 h;

	ipv4_sample(b); /* 28 bytes, padded to a 60-byte frame's 46 */
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 46), 46, &h), 0);
	cr_assert_eq(h.len, 8u);
}

Test(inet_ipv4, skips_options)
{
	uint8_t b[32];
	struct mote_ipv4 h;

	ipv4_sample(b);
	memmove(b + 24, b + 20, 8);
	memset(b + 20, 1, 4); /* four NOP options */
	b[0] = 0x46;
	mote_inet_put16(b + 2, 32);
	reseal(b, 24);
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 32), 32, &h), 0);
	cr_assert_eq(h.len, 8u);
	cr_assert_eq(h.payload[0], 0xab);
}

Test(inet_ipv4, rejects_truncated_headers)
{
	uint8_t b[28];
	struct mote_ipv4 h;

	ipv4_sample(b);
	for (size_t len = 0; len < 20; len++)
		cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, len), len, &h),
			     -EINVAL, "len %zu", len);
}

Test(inet_ipv4, rejects_a_total_length_beyond_the_frame)
{
	uint8_t b[28];
	struct mote_ipv4 h;

	ipv4_sample(b);
	for (size_t len = 20; len < 28; len++)
		cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, len), len, &h),
			     -EINVAL, "len %zu", len);
	mote_inet_put16(b + 2, 0xffff);
	reseal(b, 20);
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h), -EINVAL);
}

Test(inet_ipv4, rejects_a_total_length_shorter_than_the_header)
{
	uint8_t b[28];
	struct mote_ipv4 h;

	ipv4_sample(b);
	mote_inet_put16(b + 2, 19);
	reseal(b, 20);
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h), -EINVAL);
}

Test(inet_ipv4, rejects_bad_ihl)
{
	uint8_t b[28];
	struct mote_ipv4 h;

	/* Sealed over the IHL's own length: only the IHL is wrong. */
	for (unsigned ihl = 3; ihl < 5; ihl++) {
		ipv4_sample(b);
		b[0] = (uint8_t)(0x40 | ihl);
		reseal(b, ihl * 4);
		cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h),
			     -EINVAL, "ihl %u", ihl);
	}
	/* IHL 15 (60 bytes) in a 28-byte packet: the header is cut. */
	ipv4_sample(b);
	b[0] = 0x4f;
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h), -EINVAL);
	/* IHL 7 within a total length of 24. */
	ipv4_sample(b);
	b[0] = 0x47;
	mote_inet_put16(b + 2, 24);
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h), -EINVAL);
}

Test(inet_ipv4, rejects_other_versions)
{
	uint8_t b[28];
	struct mote_ipv4 h;

	ipv4_sample(b);
	b[0] = 0x65;
	reseal(b, 20);
	cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h), -EINVAL);
}

Test(inet_ipv4, rejects_a_bad_checksum)
{
	uint8_t b[28];
	struct mote_ipv4 h;

	for (unsigned i = 0; i < 20; i++) {
		ipv4_sample(b);
		b[i] ^= 0x10;
		if (i == 0 || i == 2 || i == 3)
			continue; /* those fail for their own reasons */
		cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h),
			     -EINVAL, "byte %u flipped", i);
	}
}

Test(inet_ipv4, refuses_fragments)
{
	uint8_t b[28];
	struct mote_ipv4 h;
	static const uint16_t frag[] = {MOTE_IPV4_MF, 1, 0x1fff,
					MOTE_IPV4_MF | 185};

	for (unsigned i = 0; i < 4; i++) {
		ipv4_sample(b);
		mote_inet_put16(b + 6, frag[i]);
		reseal(b, 20);
		cr_assert_eq(mote_inet_ipv4_parse(at_edge(b, 28), 28, &h),
			     -ENOTSUP);
	}
}

/* ==== ICMP ==== */

TestSuite(inet_icmp, .init = guard_setup);

Test(inet_icmp, builds_and_parses_an_echo)
{
	uint8_t b[8 + 5];
	struct mote_icmp ic = {.type = MOTE_ICMP_ECHO_REQUEST,
			       .id = 0xbeef,
			       .seq = 3,
			       .data = (const uint8_t *)"hello",
			       .len = 5},
			 p;

	cr_assert_eq(mote_inet_icmp_build(b, &ic), 13u);
	cr_assert_eq(ref_csum(b, 13), 0);
	cr_assert_eq(mote_inet_icmp_parse(at_edge(b, 13), 13, &p), 0);
	cr_assert_eq(p.type, MOTE_ICMP_ECHO_REQUEST);
	cr_assert_eq(p.code, 0);
	cr_assert_eq(p.id, 0xbeef);
	cr_assert_eq(p.seq, 3);
	cr_assert_eq(p.len, 5u);
	cr_assert_eq(memcmp(p.data, "hello", 5), 0);
}

Test(inet_icmp, rejects_truncated_and_corrupt_messages)
{
	uint8_t b[8 + 5];
	struct mote_icmp ic = {.type = 8,
			       .data = (const uint8_t *)"hello",
			       .len = 5},
			 p;

	mote_inet_icmp_build(b, &ic);
	for (size_t len = 0; len < 8; len++)
		cr_assert_eq(mote_inet_icmp_parse(at_edge(b, len), len, &p),
			     -EINVAL);
	/* A byte of data lost: the checksum no longer matches. */
	cr_assert_eq(mote_inet_icmp_parse(at_edge(b, 12), 12, &p), -EINVAL);
	b[12] ^= 1;
	cr_assert_eq(mote_inet_icmp_parse(at_edge(b, 13), 13, &p), -EINVAL);
}

/* ==== UDP ==== */

TestSuite(inet_udp, .init = guard_setup);

Test(inet_udp, builds_and_parses_a_datagram)
{
	uint8_t b[8 + 4];
	struct mote_udp u = {.sport = 5000,
			     .dport = 7,
			     .payload = (const uint8_t *)"ping",
			     .len = 4},
			p;
	uint8_t ph[12 + 12];

	cr_assert_eq(mote_inet_udp_build(b, PEER_IP, OUR_IP, &u), 12u);
	cr_assert_eq(mote_inet_get16(b + 4), 12);
	/* Against the reference over pseudo-header + datagram. */
	mote_inet_put32(ph, PEER_IP);
	mote_inet_put32(ph + 4, OUR_IP);
	ph[8] = 0;
	ph[9] = 17;
	mote_inet_put16(ph + 10, 12);
	memcpy(ph + 12, b, 12);
	cr_assert_eq(ref_csum(ph, 24), 0);
	cr_assert_eq(
		mote_inet_udp_parse(at_edge(b, 12), 12, PEER_IP, OUR_IP, &p),
		0);
	cr_assert_eq(p.sport, 5000);
	cr_assert_eq(p.dport, 7);
	cr_assert_eq(p.len, 4u);
	cr_assert_eq(memcmp(p.payload, "ping", 4), 0);
}

Test(inet_udp, checksum_covers_the_pseudo_header)
{
	uint8_t b[12];
	struct mote_udp u = {.sport = 1,
			     .dport = 2,
			     .payload = (const uint8_t *)"data",
			     .len = 4},
			p;

	mote_inet_udp_build(b, PEER_IP, OUR_IP, &u);
	cr_assert_eq(mote_inet_udp_parse(b, 12, PEER_IP, OTHER_IP, &p),
		     -EINVAL);
}

Test(inet_udp, accepts_a_zero_checksum_and_never_sends_one)
{
	uint8_t b[10];
	struct mote_udp p;
	unsigned v;

	/* Find the payload that makes the checksum come out as 0. */
	for (v = 0; v < 0x10000; v++) {
		uint8_t pl[2] = {(uint8_t)(v >> 8), (uint8_t)v};
		struct mote_udp u = {
			.sport = 1, .dport = 2, .payload = pl, .len = 2};

		mote_inet_udp_build(b, PEER_IP, OUR_IP, &u);
		if (mote_inet_get16(b + 6) == 0xffff)
			break;
	}
	cr_assert_lt(v, 0x10000u);
	cr_assert_eq(
		mote_inet_udp_parse(at_edge(b, 10), 10, PEER_IP, OUR_IP, &p),
		0);
	/* And a sender that left it 0 is believed. */
	b[6] = b[7] = 0;
	b[9] ^= 0x55;
	cr_assert_eq(
		mote_inet_udp_parse(at_edge(b, 10), 10, PEER_IP, OUR_IP, &p),
		0);
}

Test(inet_udp, rejects_truncated_and_inconsistent_lengths)
{
	uint8_t b[12];
	struct mote_udp u = {.sport = 1,
			     .dport = 2,
			     .payload = (const uint8_t *)"data",
			     .len = 4},
			p;

	mote_inet_udp_build(b, PEER_IP, OUR_IP, &u);
	for (size_t len = 0; len < 12; len++)
		cr_assert_eq(mote_inet_udp_parse(at_edge(b, len), len, PEER_IP,
						 OUR_IP, &p),
			     -EINVAL, "len %zu", len);
	for (unsigned ulen = 0; ulen < 8; ulen++) {
		mote_inet_put16(b + 4, (uint16_t)ulen);
		b[6] = b[7] = 0; /* no checksum: only the length is wrong */
		cr_assert_eq(mote_inet_udp_parse(at_edge(b, 12), 12, PEER_IP,
						 OUR_IP, &p),
			     -EINVAL, "ulen %u", ulen);
	}
	mote_inet_put16(b + 4, 13);
	cr_assert_eq(
		mote_inet_udp_parse(at_edge(b, 12), 12, PEER_IP, OUR_IP, &p),
		-EINVAL);
}

Test(inet_udp, rejects_a_bad_checksum)
{
	uint8_t b[12];
	struct mote_udp u = {.sport = 1,
			     .dport = 2,
			     .payload = (const uint8_t *)"data",
			     .len = 4},
			p;

	mote_inet_udp_build(b, PEER_IP, OUR_IP, &u);
	b[10] ^= 0x40;
	cr_assert_eq(
		mote_inet_udp_parse(at_edge(b, 12), 12, PEER_IP, OUR_IP, &p),
		-EINVAL);
}

/* ==== addresses ==== */

Test(inet_addr, parses_dotted_quads_and_prefixes)
{
	uint32_t a;
	unsigned p;

	cr_assert_eq(mote_inet_parse_ipv4("10.199.0.2", &a), 0);
	cr_assert_eq(a, OUR_IP);
	cr_assert_eq(mote_inet_parse_ipv4("255.255.255.255", &a), 0);
	cr_assert_eq(a, 0xffffffffu);
	cr_assert_eq(mote_inet_parse_cidr("10.199.0.2/24", &a, &p, 32), 0);
	cr_assert_eq(a, OUR_IP);
	cr_assert_eq(p, 24u);
	cr_assert_eq(mote_inet_parse_cidr("1.2.3.4", &a, &p, 16), 0);
	cr_assert_eq(p, 16u);
	cr_assert_eq(mote_inet_parse_cidr("0.0.0.0/0", &a, &p, 16), 0);
	cr_assert_eq(p, 0u);
}

Test(inet_addr, rejects_malformed_addresses)
{
	static const char *bad[] = {
		"",	      "1.2.3",	    "1.2.3.4.5", "256.1.1.1",
		"1.2.3.-4",   "1..2.3",	    "1.2.3.4 ",	 " 1.2.3.4",
		"0x1.2.3.4",  "1.2.3.0004", "1.2.3.4/",	 "1.2.3.4/33",
		"1.2.3.4/-1", "1.2.3.4/8x", "a.b.c.d",	 "1.2.3.4/1/2"};
	uint32_t a;
	unsigned p;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(mote_inet_parse_cidr(bad[i], &a, &p, 24), -EINVAL,
			     "accepted \"%s\"", bad[i]);
	cr_assert_eq(mote_inet_parse_ipv4("1.2.3.4/24", &a), -EINVAL);
	cr_assert_eq(mote_inet_parse_ipv4(NULL, &a), -EINVAL);
}

Test(inet_addr, formats_addresses_and_macs)
{
	char b[18];

	cr_assert_str_eq(mote_inet_format_ipv4(OUR_IP, b), "10.199.0.2");
	cr_assert_str_eq(mote_inet_format_ipv4(0xffffffffu, b),
			 "255.255.255.255");
	cr_assert_str_eq(mote_inet_format_ipv4(0, b), "0.0.0.0");
	cr_assert_str_eq(mote_inet_format_mac(OUR_MAC, b), "52:54:00:12:34:56");
}

/* ==== ARP cache ==== */

Test(inet_addr, masks_every_prefix_length)
{
	cr_assert_eq(mote_inet_mask(0), 0u);
	cr_assert_eq(mote_inet_mask(1), 0x80000000u);
	cr_assert_eq(mote_inet_mask(24), 0xffffff00u);
	cr_assert_eq(mote_inet_mask(31), 0xfffffffeu);
	cr_assert_eq(mote_inet_mask(32), 0xffffffffu);
	cr_assert_eq(mote_inet_mask(33), 0xffffffffu);
}

Test(arp_cache, finds_what_was_inserted_until_it_expires)
{
	struct arp_cache c = {0};
	uint8_t m[6];

	cr_assert(__mote_arp_update(&c, PEER_IP, PEER_MAC, 100, true));
	cr_assert(
		__mote_arp_lookup(&c, PEER_IP, 100 + ARP_CACHE_TTL_NS - 1, m));
	cr_assert_arr_eq(m, PEER_MAC, 6);
	cr_assert_not(
		__mote_arp_lookup(&c, PEER_IP, 100 + ARP_CACHE_TTL_NS, m));
	cr_assert_not(__mote_arp_lookup(&c, OTHER_IP, 100, m));
}

Test(arp_cache, only_refreshes_without_insert)
{
	struct arp_cache c = {0};
	uint8_t m[6];

	cr_assert_not(__mote_arp_update(&c, PEER_IP, PEER_MAC, 100, false));
	cr_assert_not(__mote_arp_lookup(&c, PEER_IP, 100, m));
	__mote_arp_update(&c, PEER_IP, PEER_MAC, 100, true);
	cr_assert(__mote_arp_update(&c, PEER_IP, GW_MAC, 200, false));
	cr_assert(__mote_arp_lookup(&c, PEER_IP, 200, m));
	cr_assert_arr_eq(m, GW_MAC, 6);
}

Test(arp_cache, never_stores_address_zero_or_a_group_mac)
{
	struct arp_cache c = {0};
	uint8_t m[6];

	cr_assert_not(__mote_arp_update(&c, 0, PEER_MAC, 100, true));
	cr_assert_not(__mote_arp_update(&c, PEER_IP, BCAST, 100, true));
	cr_assert_not(__mote_arp_lookup(&c, 0, 100, m));
	cr_assert_not(__mote_arp_lookup(&c, PEER_IP, 100, m));
}

Test(arp_cache, replaces_expired_then_oldest_entries)
{
	struct arp_cache c = {0};
	uint8_t m[6];
	uint64_t now = 10 * ARP_CACHE_TTL_NS;

	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++)
		__mote_arp_update(&c, 0x0a000001u + i, PEER_MAC, now + i, true);
	c.e[5].updated_ns = 0; /* expired */
	__mote_arp_update(&c, 0x0b000001u, GW_MAC, now + 100, true);
	cr_assert_eq(c.e[5].ip, 0x0b000001u);
	/* Now all live: the oldest (entry 0) goes. */
	__mote_arp_update(&c, 0x0b000002u, GW_MAC, now + 101, true);
	cr_assert_not(__mote_arp_lookup(&c, 0x0a000001u, now + 102, m));
	cr_assert(__mote_arp_lookup(&c, 0x0a000002u, now + 102, m));
	cr_assert(__mote_arp_lookup(&c, 0x0b000002u, now + 102, m));
}

/* ==== the stack ==== */

TestSuite(ipstack, .init = setup, .fini = teardown);

static void input_all(void)
{
	cr_assert_geq(mote_ip_poll(ip), 0);
}

Test(ipstack, answers_an_arp_request_for_its_address)
{
	uint8_t f[64];
	struct mote_eth e;
	struct mote_arp a;

	inject(f, arp_frame(f, BCAST, MOTE_ARP_OP_REQUEST, PEER_MAC, PEER_IP,
			    (const uint8_t[6]){0}, OUR_IP));
	input_all();
	cr_assert_eq(N.nsent, 1u);
	cr_assert_eq(mote_inet_eth_parse(N.sent[0], N.sent_len[0], &e), 0);
	cr_assert_arr_eq(e.dst, PEER_MAC, 6);
	cr_assert_arr_eq(e.src, OUR_MAC, 6);
	cr_assert_eq(e.type, MOTE_ETH_P_ARP);
	cr_assert_eq(mote_inet_arp_parse(e.payload, e.len, &a), 0);
	cr_assert_eq(a.op, MOTE_ARP_OP_REPLY);
	cr_assert_arr_eq(a.sha, OUR_MAC, 6);
	cr_assert_eq(a.spa, OUR_IP);
	cr_assert_arr_eq(a.tha, PEER_MAC, 6);
	cr_assert_eq(a.tpa, PEER_IP);
	cr_assert_geq(N.flushes, 1u, "reply left unflushed");
}

Test(ipstack, learns_the_requester_so_sending_needs_no_arp)
{
	uint8_t f[64];
	struct mote_udp_sock *s;
	struct mote_eth e;

	inject(f, arp_frame(f, BCAST, MOTE_ARP_OP_REQUEST, PEER_MAC, PEER_IP,
			    (const uint8_t[6]){0}, OUR_IP));
	input_all();
	cr_assert_eq(mote_udp_bind(ip, 0, &s), 0);
	cr_assert_eq(mote_udp_sendto(s, "x", 1, PEER_IP, 9), 1);
	cr_assert_eq(N.nsent, 2u);
	sent_ipv4(1, &e);
	cr_assert_arr_eq(e.dst, PEER_MAC, 6);
}

Test(ipstack, ignores_arp_for_other_addresses)
{
	uint8_t f[64];
	struct mote_ip_stats st;

	inject(f, arp_frame(f, BCAST, MOTE_ARP_OP_REQUEST, PEER_MAC, PEER_IP,
			    (const uint8_t[6]){0}, OTHER_IP));
	input_all();
	cr_assert_eq(N.nsent, 0u);
	mote_ip_stats(ip, &st);
	cr_assert_eq(st.rx_dropped, 1u);
	cr_assert_not(__mote_arp_lookup(&ip->arp, PEER_IP, N.clock, f));
}

Test(ipstack, answers_a_ping_with_the_same_id_sequence_and_data)
{
	uint8_t f[200], data[100];
	struct mote_eth e;
	struct mote_ipv4 h;
	struct mote_icmp ic;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	inject(f, ping_frame(f, OUR_IP, 0x4242, 17, data, sizeof(data)));
	input_all();
	cr_assert_eq(N.nsent, 1u);
	h = sent_ipv4(0, &e);
	cr_assert_arr_eq(e.dst, PEER_MAC, 6);
	cr_assert_eq(h.dst, PEER_IP);
	cr_assert_eq(h.proto, MOTE_IPPROTO_ICMP);
	cr_assert_eq(mote_inet_icmp_parse(h.payload, h.len, &ic), 0);
	cr_assert_eq(ic.type, MOTE_ICMP_ECHO_REPLY);
	cr_assert_eq(ic.code, 0);
	cr_assert_eq(ic.id, 0x4242);
	cr_assert_eq(ic.seq, 17);
	cr_assert_eq(ic.len, sizeof(data));
	cr_assert_arr_eq(ic.data, data, sizeof(data));
}

Test(ipstack, does_not_answer_pings_to_broadcast_or_other_hosts)
{
	uint8_t f[100];

	inject(f, ping_frame(f, 0x0ac700ffu, 1, 1, "x", 1));
	inject(f, ping_frame(f, OTHER_IP, 1, 1, "x", 1));
	input_all();
	cr_assert_eq(N.nsent, 0u);
}

Test(ipstack, delivers_udp_to_the_bound_port)
{
	uint8_t f[100], buf[16];
	struct mote_udp_sock *s;
	uint32_t src;
	uint16_t port;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	inject(f, udp_frame(f, PEER_IP, OUR_IP, 40000, 7, "hello", 5));
	cr_assert_eq(mote_udp_recvfrom(s, buf, sizeof(buf), &src, &port, 0), 5);
	cr_assert_eq(memcmp(buf, "hello", 5), 0);
	cr_assert_eq(src, PEER_IP);
	cr_assert_eq(port, 40000);
	cr_assert_eq(mote_udp_recvfrom(s, buf, sizeof(buf), &src, &port, 0),
		     -EAGAIN);
}

Test(ipstack, delivers_udp_sent_to_broadcast)
{
	uint8_t f[100], buf[16];
	struct mote_udp_sock *s;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	inject(f, udp_frame(f, PEER_IP, 0x0ac700ffu, 1000, 7, "a", 1));
	inject(f, udp_frame(f, PEER_IP, 0xffffffffu, 1000, 7, "b", 1));
	cr_assert_eq(mote_udp_recvfrom(s, buf, 16, NULL, NULL, 0), 1);
	cr_assert_eq(buf[0], 'a');
	cr_assert_eq(mote_udp_recvfrom(s, buf, 16, NULL, NULL, 0), 1);
	cr_assert_eq(buf[0], 'b');
}

Test(ipstack, truncates_a_datagram_to_the_callers_buffer)
{
	uint8_t f[100], buf[4];
	struct mote_udp_sock *s;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	inject(f, udp_frame(f, PEER_IP, OUR_IP, 1000, 7, "abcdefgh", 8));
	cr_assert_eq(mote_udp_recvfrom(s, buf, 4, NULL, NULL, 0), 4);
	cr_assert_eq(memcmp(buf, "abcd", 4), 0);
}

Test(ipstack, drops_udp_for_unbound_ports_and_beyond_the_queue_limit)
{
	uint8_t f[100], buf[16];
	struct mote_udp_sock *s;
	struct mote_ip_stats st;
	int n = 0;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	inject(f, udp_frame(f, PEER_IP, OUR_IP, 1000, 8, "x", 1));
	input_all();
	for (unsigned i = 0; i < UDP_QUEUE_MAX + 5; i++) {
		inject(f, udp_frame(f, PEER_IP, OUR_IP, 1000, 7, "x", 1));
		input_all();
	}
	mote_ip_stats(ip, &st);
	cr_assert_eq(st.udp_dropped, 6u);
	cr_assert_eq(st.udp_delivered, UDP_QUEUE_MAX);
	while (mote_udp_recvfrom(s, buf, 16, NULL, NULL, 0) == 1)
		n++;
	cr_assert_eq(n, (int)UDP_QUEUE_MAX);
}

Test(ipstack, echoes_udp_back_to_the_sender_without_arp)
{
	uint8_t f[100], buf[16];
	struct mote_udp_sock *s;
	struct mote_eth e;
	struct mote_ipv4 h;
	struct mote_udp u;
	uint32_t src;
	uint16_t port;
	int n;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	inject(f, udp_frame(f, PEER_IP, OUR_IP, 40000, 7, "echo me", 7));
	n = mote_udp_recvfrom(s, buf, sizeof(buf), &src, &port, 0);
	cr_assert_eq(n, 7);
	cr_assert_eq(mote_udp_sendto(s, buf, (size_t)n, src, port), 7);
	cr_assert_eq(N.nsent, 1u, "sent an ARP request first");
	h = sent_ipv4(0, &e);
	cr_assert_arr_eq(e.dst, PEER_MAC, 6);
	cr_assert_eq(h.dst, PEER_IP);
	cr_assert_eq(h.proto, MOTE_IPPROTO_UDP);
	cr_assert_eq(h.ttl, 64);
	cr_assert_eq(mote_inet_udp_parse(h.payload, h.len, h.src, h.dst, &u),
		     0);
	cr_assert_neq(mote_inet_get16(h.payload + 6), 0, "no checksum sent");
	cr_assert_eq(u.sport, 7);
	cr_assert_eq(u.dport, 40000);
	cr_assert_eq(u.len, 7u);
	cr_assert_eq(memcmp(u.payload, "echo me", 7), 0);
}

Test(ipstack, resolves_by_arp_before_sending)
{
	struct mote_udp_sock *s;
	struct mote_eth e;
	struct mote_arp a;

	N.answer_arp = true;
	cr_assert_eq(mote_udp_bind(ip, 0, &s), 0);
	cr_assert_geq(mote_udp_port(s), 49152);
	cr_assert_eq(mote_udp_sendto(s, "hi", 2, PEER_IP, 9), 2);
	cr_assert_eq(N.nsent, 2u);
	cr_assert_eq(mote_inet_eth_parse(N.sent[0], N.sent_len[0], &e), 0);
	cr_assert_arr_eq(e.dst, BCAST, 6);
	cr_assert_eq(mote_inet_arp_parse(e.payload, e.len, &a), 0);
	cr_assert_eq(a.op, MOTE_ARP_OP_REQUEST);
	cr_assert_eq(a.spa, OUR_IP);
	cr_assert_eq(a.tpa, PEER_IP);
	cr_assert_arr_eq(a.sha, OUR_MAC, 6);
	sent_ipv4(1, &e);
	cr_assert_arr_eq(e.dst, PEER_MAC, 6);
}

Test(ipstack, gives_up_resolving_after_a_second)
{
	struct mote_udp_sock *s;
	uint64_t t0 = N.clock;

	cr_assert_eq(mote_udp_bind(ip, 0, &s), 0);
	cr_assert_eq(mote_udp_sendto(s, "hi", 2, OTHER_IP, 9), -EHOSTUNREACH);
	cr_assert_geq(N.clock - t0, SEC);
	cr_assert_lt(N.clock - t0, SEC + SEC / 10);
	/* A request every 200 ms, and it slept between them. */
	cr_assert_geq(N.nsent, 5u);
	cr_assert_leq(N.nsent, 6u);
	cr_assert_geq(N.waits, 5u);
}

Test(ipstack, resolve_honours_its_deadline)
{
	uint8_t mac[6];
	uint64_t t0 = N.clock;

	cr_assert_eq(mote_ip_resolve(ip, OTHER_IP, mac, t0 + SEC / 2),
		     -EHOSTUNREACH);
	cr_assert_lt(N.clock - t0, SEC / 2 + SEC / 10);
	N.answer_arp = true;
	cr_assert_eq(mote_ip_resolve(ip, PEER_IP, mac, N.clock + SEC), 0);
	cr_assert_arr_eq(mac, PEER_MAC, 6);
}

Test(ipstack, routes_off_link_through_the_gateway_only)
{
	struct mote_udp_sock *s;
	struct mote_eth e;
	struct mote_ipv4 h;

	N.answer_arp = true;
	cr_assert_eq(mote_udp_bind(ip, 0, &s), 0);
	cr_assert_eq(mote_udp_sendto(s, "x", 1, FAR_IP, 53), -ENETUNREACH);
	cr_assert_eq(N.nsent, 0u);
	mote_ip_set_gateway(ip, GW_IP);
	cr_assert_eq(mote_udp_sendto(s, "x", 1, FAR_IP, 53), 1);
	h = sent_ipv4(N.nsent - 1, &e);
	cr_assert_arr_eq(e.dst, GW_MAC, 6);
	cr_assert_eq(h.dst, FAR_IP);
}

Test(ipstack, sends_broadcasts_without_arp)
{
	struct mote_udp_sock *s;
	struct mote_eth e;

	cr_assert_eq(mote_udp_bind(ip, 0, &s), 0);
	cr_assert_eq(mote_udp_sendto(s, "x", 1, 0xffffffffu, 67), 1);
	cr_assert_eq(mote_udp_sendto(s, "x", 1, 0x0ac700ffu, 67), 1);
	cr_assert_eq(N.nsent, 2u);
	sent_ipv4(0, &e);
	cr_assert_arr_eq(e.dst, BCAST, 6);
	sent_ipv4(1, &e);
	cr_assert_arr_eq(e.dst, BCAST, 6);
}

Test(ipstack, refuses_oversized_datagrams_and_port_zero)
{
	static uint8_t big[MTU];
	struct mote_udp_sock *s;

	N.answer_arp = true;
	cr_assert_eq(mote_udp_bind(ip, 0, &s), 0);
	cr_assert_eq(mote_ip_udp_max(ip), MTU - 28);
	cr_assert_eq(mote_udp_sendto(s, big, MTU - 27, PEER_IP, 9), -EMSGSIZE);
	cr_assert_eq(mote_udp_sendto(s, big, 1, PEER_IP, 0), -EINVAL);
	cr_assert_eq(N.nsent, 0u);
	cr_assert_eq(mote_udp_sendto(s, big, MTU - 28, PEER_IP, 9),
		     (int)(MTU - 28));
	cr_assert_eq(N.sent_len[N.nsent - 1], 14 + MTU);
}

Test(ipstack, binds_each_port_once)
{
	struct mote_udp_sock *a, *b, *c;

	cr_assert_eq(mote_udp_bind(ip, 7, &a), 0);
	cr_assert_eq(mote_udp_bind(ip, 7, &b), -EADDRINUSE);
	cr_assert_null(b);
	cr_assert_eq(mote_udp_bind(ip, 0, &b), 0);
	cr_assert_eq(mote_udp_bind(ip, 0, &c), 0);
	cr_assert_neq(mote_udp_port(b), mote_udp_port(c));
	mote_udp_close(a);
	cr_assert_eq(mote_udp_bind(ip, 7, &a), 0);
}

Test(ipstack, recvfrom_waits_until_its_deadline)
{
	struct mote_udp_sock *s;
	uint8_t buf[4];
	uint64_t t0 = N.clock;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	cr_assert_eq(mote_udp_recvfrom(s, buf, 4, NULL, NULL, t0 + SEC),
		     -EAGAIN);
	cr_assert_geq(N.clock, t0 + SEC);
	cr_assert_geq(N.waits, 1u);
}

Test(ipstack, reports_a_failed_device)
{
	struct mote_udp_sock *s;
	uint8_t buf[4];

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	N.dead = true;
	cr_assert_eq(mote_ip_poll(ip), -EIO);
	cr_assert_eq(mote_udp_recvfrom(s, buf, 4, NULL, NULL, UINT64_MAX),
		     -EIO);
}

Test(ipstack, rejects_unusable_interface_addresses)
{
	struct mote_ip *x;
	static const struct {
		uint32_t a;
		unsigned p;
	} bad[] = {{0, 24},	      {OUR_IP, 0},	 {OUR_IP, 33},
		   {0x0ac70000u, 24}, {0x0ac700ffu, 24}, {0xe0000001u, 8},
		   {0x7f000001u, 8},  {0xffffffffu, 32}};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(mote_ip_open((struct mote_net *)&N, bad[i].a,
					  bad[i].p, &x),
			     -EINVAL, "case %u", i);
	cr_assert_eq(mote_ip_open((struct mote_net *)&N, 0x0ac70000u, 31, &x),
		     0);
	mote_ip_close(x);
}

/* Every malformed or foreign frame is dropped: no reply, no delivery. */
Test(ipstack, drops_malformed_and_foreign_frames)
{
	uint8_t good[100], f[100];
	size_t n = udp_frame(good, PEER_IP, OUR_IP, 1000, 7, "data", 4);
	struct mote_udp_sock *s;
	struct mote_ip_stats st;
	unsigned cases = 0;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	N.answer_arp = false;
#define CASE(edit)                                                             \
	do {                                                                   \
		size_t len = n;                                                \
		memcpy(f, good, n);                                            \
		edit;                                                          \
		inject(f, len);                                                \
		input_all();                                                   \
		cases++;                                                       \
	} while (0)
	CASE(len = 13);				      /* no full Ethernet */
	CASE(len = 14 + 19);			      /* no full IPv4 */
	CASE(len = 14 + 20 + 7);		      /* no full UDP */
	CASE(len = n - 1);			      /* total > frame */
	CASE(f[12] = 0x86; f[13] = 0xdd);	      /* IPv6 type */
	CASE(f[12] = 0x00; f[13] = 0x40);	      /* 802.3 length */
	CASE(f[0] = 0x02);			      /* another MAC */
	CASE(f[0] |= 1);			      /* multicast MAC */
	CASE(f[14] = 0x44; reseal(f + 14, 20));	      /* IHL 4 */
	CASE(f[14] = 0x4f);			      /* IHL 15 */
	CASE(f[14 + 10] ^= 1);			      /* IP checksum */
	CASE(f[14 + 6] = 0x20; reseal(f + 14, 20));   /* MF fragment */
	CASE(f[14 + 9] = 6; reseal(f + 14, 20));      /* TCP */
	CASE(f[14 + 16 + 3] = 9; reseal(f + 14, 20)); /* to OTHER_IP */
	CASE(f[14 + 12] = 0xe0; reseal(f + 14, 20));  /* multicast src */
	CASE(mote_inet_put32(f + 26, OUR_IP); reseal(f + 14, 20)); /* self */
	CASE(f[34 + 8] ^= 1);			/* UDP checksum */
	CASE(mote_inet_put16(f + 34 + 4, 200)); /* UDP len > IP */
	CASE(mote_inet_put16(f + 34 + 4, 7));	/* UDP len < 8 */
	/* Source port 0 (checksum left out, so only the port is wrong). */
	CASE(mote_inet_put16(f + 34, 0); f[34 + 6] = f[34 + 7] = 0);
#undef CASE
	mote_ip_stats(ip, &st);
	cr_assert_eq(st.rx_frames, cases);
	cr_assert_eq(st.rx_dropped, cases);
	cr_assert_eq(st.udp_delivered, 0u);
	cr_assert_eq(N.nsent, 0u);
	/* The untouched frame does get through. */
	inject(good, n);
	input_all();
	mote_ip_stats(ip, &st);
	cr_assert_eq(st.udp_delivered, 1u);
}

/* Every prefix of valid frames, and random bytes: nothing is read past
 * the end (the guard page would fault) and nothing is answered. */
Test(ipstack, survives_truncation_and_garbage)
{
	uint8_t frames[3][200], f[200];
	size_t lens[3];
	uint32_t x = 1;
	struct mote_udp_sock *s;

	cr_assert_eq(mote_udp_bind(ip, 7, &s), 0);
	lens[0] = udp_frame(frames[0], PEER_IP, OUR_IP, 1, 7, "abc", 3);
	lens[1] = ping_frame(frames[1], OUR_IP, 1, 2, "abcdef", 6);
	lens[2] = arp_frame(frames[2], BCAST, MOTE_ARP_OP_REQUEST, PEER_MAC,
			    PEER_IP, (const uint8_t[6]){0}, OUR_IP);
	for (unsigned k = 0; k < 3; k++)
		for (size_t len = 0; len < lens[k]; len++) {
			inject(frames[k], len);
			input_all();
		}
	cr_assert_eq(N.nsent, 0u);
	for (unsigned i = 0; i < 20000; i++) {
		size_t len;

		x = x * 1103515245u + 12345u;
		len = (x >> 16) % sizeof(f);
		for (size_t j = 0; j < len; j++) {
			x = x * 1103515245u + 12345u;
			f[j] = (uint8_t)(x >> 16);
		}
		/* Often addressed to us, so parsing goes deeper. */
		if (len >= 24 && (i & 1)) {
			memcpy(f, OUR_MAC, 6);
			f[12] = 0x08;
			f[13] = (i & 2) ? 0x00 : 0x06;
			f[14] = 0x45;
		}
		inject(f, len);
		input_all();
		N.nsent = 0; /* a lucky frame may be answered; fine */
	}
}
