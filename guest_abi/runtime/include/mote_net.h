/*
 * Guest virtio-net driver: raw Ethernet frames in and out of one device,
 * with receive buffers posted up front and batched, event-idx-aware sends.
 */
#ifndef MOTE_NET_H
#define MOTE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- virtio 1.2 section 5.1, restated (see mote_virtio.h for why) ---- */

/* 5.1.2 Virtqueues: the first (and only used) queue pair. */
#define MOTE_VIRTIO_NET_RX_QUEUE 0u
#define MOTE_VIRTIO_NET_TX_QUEUE 1u

/* 5.1.3 Feature bits: the ones this driver accepts. No offloads, no
 * mergeable buffers, no control queue: every frame is one buffer. */
#define MOTE_VIRTIO_NET_F_MTU	 3
#define MOTE_VIRTIO_NET_F_MAC	 5
#define MOTE_VIRTIO_NET_F_STATUS 16

/* 5.1.4 Device configuration layout (the fields up to mtu). */
struct mote_virtio_net_config {
	uint8_t mac[6];		      /* with VIRTIO_NET_F_MAC */
	uint16_t status;	      /* with VIRTIO_NET_F_STATUS */
	uint16_t max_virtqueue_pairs; /* with VIRTIO_NET_F_MQ (unused) */
	uint16_t mtu;		      /* with VIRTIO_NET_F_MTU */
};
_Static_assert(__builtin_offsetof(struct mote_virtio_net_config, status) == 6,
	       "virtio 5.1.4");
_Static_assert(__builtin_offsetof(struct mote_virtio_net_config, mtu) == 10,
	       "virtio 5.1.4");

#define MOTE_VIRTIO_NET_S_LINK_UP 1u

/*
 * 5.1.6 Device Operation: every buffer starts with this header, then the
 * frame (no FCS). With VIRTIO_F_VERSION_1 num_buffers is always present,
 * so the header is 12 bytes (Linux: struct virtio_net_hdr_v1). Sent
 * frames carry an all-zero header (no checksum offload, GSO_NONE,
 * num_buffers 0, 5.1.6.2).
 */
struct mote_virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct mote_virtio_net_hdr) == 12, "virtio 5.1.6");
_Static_assert(__builtin_offsetof(struct mote_virtio_net_hdr, num_buffers) ==
		       10,
	       "virtio 5.1.6");

#define MOTE_VIRTIO_NET_HDR_GSO_NONE 0u

/* ---- the driver ---- */

#define MOTE_NET_ALEN	     6u	 /* bytes in a MAC address */
#define MOTE_NET_ETH_HLEN    14u /* Ethernet header: the frame minus the MTU */
#define MOTE_NET_MTU_DEFAULT 1500u /* without VIRTIO_NET_F_MTU */
/* Largest MTU used, whatever the device offers: receive buffers are sized
 * for it, and a bigger offer is taken as this (frames beyond it are the
 * device's to drop). */
#define MOTE_NET_MTU_MAX 9000u
#define MOTE_NET_MTU_MIN 68u /* 5.1.4.1: a device's mtu is at least this */

struct mote_net; /* one opened virtio-net device */

/* How many virtio-net devices boot info lists. */
unsigned mote_net_count(void);

/*
 * Opens the nth virtio-net device (from 0): negotiates MAC, MTU, STATUS
 * (and VERSION_1, EVENT_IDX), sets up the receive and transmit queues,
 * posts every receive buffer and starts the device. Without VIRTIO_NET_F_MAC
 * the driver makes up a random locally administered MAC. Returns 0 and the
 * device in *out, or -ENODEV, -ENOTSUP (no VERSION_1, an mtu under 68),
 * -ENOMEM.
 */
int mote_net_open(unsigned nth, struct mote_net **out);

/* Resets the device and frees everything; frames not yet sent are lost. */
void mote_net_close(struct mote_net *n);

void mote_net_mac(const struct mote_net *n, uint8_t mac[MOTE_NET_ALEN]);
/* The IP MTU: a frame is at most MOTE_NET_ETH_HLEN + mtu bytes. */
unsigned mote_net_mtu(const struct mote_net *n);
size_t mote_net_frame_max(const struct mote_net *n);
/* Link state from the config space (an exit to the monitor) with
 * VIRTIO_NET_F_STATUS; always up without it (5.1.4.2). */
bool mote_net_link_up(const struct mote_net *n);

/*
 * How long a wait polls the used ring before sleeping in MOTE_HC_WAIT
 * (default 20 us): polling costs guest CPU, sleeping an exit and a wake-up.
 */
void mote_net_set_spin(struct mote_net *n, uint64_t spin_ns);

struct mote_net_stats {
	uint64_t rx_frames; /* frames handed to the caller */
	uint64_t rx_errors; /* used buffers dropped: bad length or GSO */
	uint64_t tx_frames; /* frames queued for sending */
	uint64_t rx_notifies, tx_notifies; /* QueueNotify writes */
};
void mote_net_stats(const struct mote_net *n, struct mote_net_stats *out);

/*
 * Sending. A frame is queued, not sent: the device is told about queued
 * frames (one QueueNotify for many, and only when it asked for one under
 * VIRTIO_F_EVENT_IDX) every 32 frames, by mote_net_flush, and before any
 * wait. When every transmit buffer is in flight, the call kicks the device
 * and blocks until it returns one.
 */

/* Copies a whole Ethernet frame (14 .. mote_net_frame_max bytes, no FCS)
 * into a transmit buffer and queues it. Returns 0, -EINVAL (length) or
 * -EIO (the device failed). */
int mote_net_send(struct mote_net *n, const void *frame, size_t len);

/* Zero-copy sending: a transmit buffer of mote_net_frame_max bytes to
 * build a frame in (NULL if the device failed). Calling it again before
 * mote_net_tx_commit returns the same buffer. */
void *mote_net_tx_frame(struct mote_net *n);
/* Queues the first len bytes of that buffer as a frame: 0, -EINVAL, -EIO. */
int mote_net_tx_commit(struct mote_net *n, size_t len);

/* Tells the device about queued frames now. */
void mote_net_flush(struct mote_net *n);

/*
 * Receiving, without blocking. Frames arrive in buffers of the driver's
 * own, each re-posted to the device once the caller is done with it.
 */

/* Copies the next received frame into buf: returns its length, 0 if none
 * is waiting, -EMSGSIZE (frame longer than cap; it is dropped) or -EIO. */
int mote_net_recv(struct mote_net *n, void *buf, size_t cap);

/* Zero-copy receiving: points *frame at the next received frame and
 * returns its length (0 if none, -EIO). The frame stays valid until
 * mote_net_rx_release or the next mote_net_rx_next, either of which gives
 * its buffer back to the device. */
int mote_net_rx_next(struct mote_net *n, const void **frame);
void mote_net_rx_release(struct mote_net *n);

/*
 * Flushes queued frames, then blocks until a received frame is waiting or
 * mote_monotonic_ns() reaches deadline_ns (UINT64_MAX: no deadline),
 * polling briefly before sleeping in MOTE_HC_WAIT. Returns 1 (a frame is
 * probably waiting: the next receive may still find it malformed and
 * dropped), 0 at the deadline, or -EIO.
 */
int mote_net_wait(struct mote_net *n, uint64_t deadline_ns);

/* mote_net_recv that waits up to deadline_ns: 0 means none came. */
int mote_net_recv_wait(struct mote_net *n, void *buf, size_t cap,
		       uint64_t deadline_ns);

#endif
