/*
 * The IP stack's ARP cache: a small table from IPv4 address to MAC with
 * expiry and oldest-first replacement. Pure code; time is passed in.
 */
#ifndef MOTE_RT_ARP_CACHE_H
#define MOTE_RT_ARP_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "mote_inet.h"

/* A guest talks to a handful of hosts, mostly one gateway. */
#define ARP_CACHE_SIZE 16u
/* An entry not confirmed for this long is resolved again before use, so a
 * host that changed its MAC is found within this time. */
#define ARP_CACHE_TTL_NS (60ULL * 1000000000ULL)

struct arp_entry {
	uint32_t ip; /* 0: free slot */
	uint8_t mac[MOTE_ETH_ALEN];
	uint64_t updated_ns;
};

struct arp_cache {
	struct arp_entry e[ARP_CACHE_SIZE];
};

/* Copies the MAC for ip into mac if a live entry exists. */
bool __mote_arp_lookup(const struct arp_cache *c, uint32_t ip, uint64_t now_ns,
		       uint8_t mac[MOTE_ETH_ALEN]);

/*
 * Records ip -> mac as of now_ns. An existing entry (live or expired) is
 * always refreshed; a new one is added only if `insert` (RFC 826: merge
 * what we know, add only what is addressed to us), replacing a free, then
 * an expired, then the oldest entry. Returns whether it was stored.
 */
bool __mote_arp_update(struct arp_cache *c, uint32_t ip,
		       const uint8_t mac[MOTE_ETH_ALEN], uint64_t now_ns,
		       bool insert);

#endif
