/*
 * The ARP cache: lookups with expiry, RFC 826 merge-or-insert updates,
 * and replacement of the least recently confirmed entry.
 */
#include <string.h>

#include "arp_cache.h"

static bool live(const struct arp_entry *e, uint64_t now_ns)
{
	return e->ip != 0 && now_ns - e->updated_ns < ARP_CACHE_TTL_NS;
}

/* Which entry to give up first: free (0), expired (1), then live (2). */
static unsigned rank(const struct arp_entry *e, uint64_t now_ns)
{
	return e->ip == 0 ? 0 : live(e, now_ns) ? 2 : 1;
}

bool __mote_arp_lookup(const struct arp_cache *c, uint32_t ip, uint64_t now_ns,
		       uint8_t mac[MOTE_ETH_ALEN])
{
	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
		const struct arp_entry *e = &c->e[i];

		if (ip != 0 && e->ip == ip && live(e, now_ns)) {
			memcpy(mac, e->mac, MOTE_ETH_ALEN);
			return true;
		}
	}
	return false;
}

bool __mote_arp_update(struct arp_cache *c, uint32_t ip,
		       const uint8_t mac[MOTE_ETH_ALEN], uint64_t now_ns,
		       bool insert)
{
	struct arp_entry *victim = NULL;

	/* 0.0.0.0 marks free slots (and is an ARP probe's sender), and a
	 * group MAC is never a host's own. */
	if (ip == 0 || mote_inet_mac_is_multicast(mac))
		return false;
	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &c->e[i];

		if (e->ip == ip) {
			victim = e;
			break;
		}
		if (!insert)
			continue;
		if (!victim || rank(e, now_ns) < rank(victim, now_ns) ||
		    (rank(e, now_ns) == rank(victim, now_ns) &&
		     e->updated_ns < victim->updated_ns))
			victim = e;
	}
	if (!victim || (victim->ip != ip && !insert))
		return false;
	victim->ip = ip;
	memcpy(victim->mac, mac, MOTE_ETH_ALEN);
	victim->updated_ns = now_ns;
	return true;
}
