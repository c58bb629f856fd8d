/*
 * virtio-net on a tap device: opening the tap before the VM and the jail,
 * and the device type that a VM attaches (one device per tap).
 */
#ifndef MOTE_NET_H
#define MOTE_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "../monitor/device.h"
#include "../monitor/err.h"

#define NET_QUEUE_MAX	256u /* QueueNumMax of both queues */
#define NET_MTU_DEFAULT 1500u
#define NET_HDR_LEN	12u /* struct virtio_net_hdr_v1 */
#define NET_ETH_HLEN	14u
/* Largest frame a tap read can bring: the scratch buffer's size. */
#define NET_SCRATCH (NET_HDR_LEN + 65536u)

/* An open tap, the backend of one device. */
struct net_tap {
	int fd;
	bool owned;	/* opened by name: mote closes it */
	uint8_t mac[6]; /* the guest's address */
	uint16_t mtu;
};

/*
 * Opens tap NAME (name != NULL) or takes the inherited tap fd, sets it to
 * 12-byte vnet headers and no offloads. Fails with one line if it is not
 * a tap, or has no IFF_VNET_HDR (an inherited fd).
 */
int net_tap_open(const char *name, int fd, const uint8_t mac[6],
		 struct net_tap **out, struct mote_err *err);

void net_tap_close(struct net_tap *tap);

/* The virtio-net device type; its backend is a struct net_tap *. */
extern const struct virtio_dev_ops net_ops;

#endif
