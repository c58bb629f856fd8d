/*
 * Network echo guest: answers ARP, ICMP echo and UDP echo (port 7) on the
 * first network device until stopped, or for argv[2] seconds.
 */
#include "mote.h"
#include "net_common.h"

#define ECHO_PORT   7
#define MAX_SECONDS (100ULL * 365 * 24 * 3600) /* keeps ns from overflowing */

_Noreturn static void usage(void)
{
	fputs("usage: net-echo ADDR/PREFIX [SECONDS]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	uint32_t addr;
	unsigned prefix;
	uint64_t secs = 0, deadline = UINT64_MAX;
	struct mote_net *net;
	struct mote_ip *ip;
	struct mote_udp_sock *sock;
	uint8_t mac[MOTE_ETH_ALEN];
	char abuf[16], mbuf[18];
	static uint8_t buf[MOTE_NET_MTU_MAX];
	int r;

	/* Line-buffered, as the runtime's stdout was before ABI 2: this
	 * guest serves until stopped; its "up" line is awaited. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3 ||
	    mote_inet_parse_cidr(argv[1], &addr, &prefix, 24) < 0 ||
	    (argc == 3 && !net_parse_u64(argv[2], MAX_SECONDS, &secs)))
		usage();
	if (argc == 3)
		deadline = mote_monotonic_ns() + secs * 1000000000ULL;
	if (!net_up("net-echo", addr, prefix, &net, &ip))
		return 1;
	r = mote_udp_bind(ip, ECHO_PORT, &sock);
	if (r < 0) {
		fprintf(stderr, "net-echo: bind: %s\n", strerror(-r));
		return 1;
	}
	mote_net_mac(net, mac);
	/* One line and no more: each console write is an exit. */
	printf("net-echo: up %s mac %s mtu %u\n",
	       mote_inet_format_ipv4(addr, abuf),
	       mote_inet_format_mac(mac, mbuf), mote_net_mtu(net));
	fflush(stdout);
	mote_ready();

	for (;;) {
		uint32_t src;
		uint16_t port;

		/* recvfrom answers ARP and ping while it waits; echoes
		 * queue up and go out together at the next wait. */
		r = mote_udp_recvfrom(sock, buf, sizeof(buf), &src, &port,
				      deadline);
		if (r == -EAGAIN)
			break; /* the deadline passed */
		if (r < 0)
			goto fail;
		r = mote_udp_sendto(sock, buf, (size_t)r, src, port);
		/* An unreachable sender is its own problem, not ours. */
		if (r == -EIO)
			goto fail;
	}
	mote_ip_close(ip);
	mote_net_close(net);
	return 0;
fail:
	fprintf(stderr, "net-echo: network device failed: %s\n", strerror(-r));
	return 1;
}
