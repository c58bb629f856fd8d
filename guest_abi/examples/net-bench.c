/*
 * UDP send benchmark: resolves the destination by ARP, then sends
 * datagrams to it as fast as the device takes them; prints pps and count.
 */
#include "mote.h"
#include "net_common.h"

#define RESOLVE_NS  1000000000ULL /* the ARP answer must come within 1 s */
#define MAX_SECONDS 86400u
/* Sends between looks at the receive ring (ARP requests to answer) and
 * at the clock. */
#define CHECK_EVERY 64u

_Noreturn static void usage(void)
{
	fputs("usage: net-bench DST-IP PORT SECONDS PAYLOAD-BYTES "
	      "[SRC-IP/PREFIX]\n",
	      stderr);
	exit(2);
}

/* Without a source address: host 2 of the destination's /24, or host 3
 * if the destination is host 2 (a host side at .1 is the usual setup). */
static uint32_t default_src(uint32_t dst)
{
	return (dst & 0xffffff00u) | ((dst & 0xff) == 2 ? 3 : 2);
}

int main(int argc, char **argv)
{
	uint32_t dst, src;
	unsigned prefix = 24;
	uint64_t port, secs, size, sent = 0, t0, t1, now;
	struct mote_net *net;
	struct mote_ip *ip;
	struct mote_udp_sock *sock;
	uint8_t mac[MOTE_ETH_ALEN];
	char abuf[16];
	uint8_t *payload;
	int r;

	if (argc < 5 || argc > 6 || mote_inet_parse_ipv4(argv[1], &dst) < 0 ||
	    !net_parse_u64(argv[2], 65535, &port) || port == 0 ||
	    !net_parse_u64(argv[3], MAX_SECONDS, &secs) || secs == 0 ||
	    !net_parse_u64(argv[4], MOTE_NET_MTU_MAX, &size))
		usage();
	src = default_src(dst);
	if (argc == 6 && mote_inet_parse_cidr(argv[5], &src, &prefix, 24) < 0)
		usage();
	if (!net_up("net-bench", src, prefix, &net, &ip))
		return 1;
	if (size > mote_ip_udp_max(ip)) {
		fprintf(stderr,
			"net-bench: payload of %llu bytes, the MTU "
			"allows %zu\n",
			(unsigned long long)size, mote_ip_udp_max(ip));
		return 2;
	}
	r = mote_ip_resolve(ip, dst, mac, mote_monotonic_ns() + RESOLVE_NS);
	if (r < 0) {
		fprintf(stderr, "net-bench: cannot resolve %s: %s\n",
			mote_inet_format_ipv4(dst, abuf),
			r == -EHOSTUNREACH ? "no ARP reply within 1 s"
					   : strerror(-r));
		return 1;
	}
	r = mote_udp_bind(ip, 0, &sock);
	payload = malloc(size ? size : 1);
	if (r < 0 || !payload) {
		fputs("net-bench: out of memory\n", stderr);
		return 1;
	}
	for (uint64_t i = 0; i < size; i++)
		payload[i] = (uint8_t)i;

	t0 = mote_monotonic_ns();
	t1 = t0 + secs * 1000000000ULL;
	for (now = t0; now < t1;) {
		for (unsigned i = 0; i < CHECK_EVERY; i++) {
			r = mote_udp_sendto(sock, payload, size, dst,
					    (uint16_t)port);
			if (r < 0)
				goto fail;
			sent++;
		}
		/* Answers the host's ARP (its cache entry for us expires
		 * too) and gives receive buffers back. */
		if ((r = mote_ip_poll(ip)) < 0)
			goto fail;
		now = mote_monotonic_ns();
	}
	mote_ip_flush(ip);
	/* In floating point: sent * 1e9 overflows 64 bits on long runs. */
	printf("pps=%llu\nsent=%llu\n",
	       (unsigned long long)((double)sent * 1e9 / (double)(now - t0)),
	       (unsigned long long)sent);
	return 0;
fail:
	fprintf(stderr, "net-bench: send: %s\n", strerror(-r));
	return 1;
}
