/*
 * Helpers shared by the net-* example guests: strict number parsing and
 * bringing up the first network device with an address, or saying why not.
 */
#ifndef NET_COMMON_H
#define NET_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mote_ip.h"
#include "mote_net.h"

/* Parses all of s as a decimal number up to max; false on junk, a sign
 * or overflow (strtoull alone accepts "-1" as a huge value). */
static inline bool net_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

/* Opens network device 0 and puts addr/prefix on it; prints why not and
 * returns false on failure. */
static inline bool net_up(const char *prog, uint32_t addr, unsigned prefix,
			  struct mote_net **net, struct mote_ip **ip)
{
	int r = mote_net_open(0, net);

	if (r < 0) {
		fprintf(stderr, "%s: cannot open the network device: %s\n",
			prog,
			r == -ENODEV && mote_net_count() == 0 ? "no such device"
							      : strerror(-r));
		return false;
	}
	r = mote_ip_open(*net, addr, prefix, ip);
	if (r < 0) {
		fprintf(stderr, "%s: cannot use that address: %s\n", prog,
			strerror(-r));
		mote_net_close(*net);
		return false;
	}
	return true;
}

#endif
