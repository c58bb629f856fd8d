/*
 * Guest virtio 1.x driver core: the virtio-mmio transport (register layout
 * version 2) and split virtqueues, for the devices listed in boot info.
 */
#ifndef MOTE_VIRTIO_H
#define MOTE_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Guests are freestanding and cannot include <linux/virtio_*.h>, so the few
 * definitions needed are restated here from the virtio 1.2 specification
 * (section numbers below). Names carry a MOTE_/mote_ prefix so that a host
 * test can include this header beside the kernel's UAPI headers and check
 * every value and offset against them (tests/guest/test_virtio_layout.c).
 * x86-64 is little-endian, as virtio 1.x requires, so fields are plain
 * integers.
 */

/* 5 Device Types: the device IDs of mote's devices. */
#define MOTE_VIRTIO_ID_NET   1u
#define MOTE_VIRTIO_ID_BLOCK 2u

/* 4.2.2 MMIO Device Register Layout: byte offsets in a device window. */
#define MOTE_VIRTIO_MMIO_MAGIC_VALUE	     0x000
#define MOTE_VIRTIO_MMIO_VERSION	     0x004
#define MOTE_VIRTIO_MMIO_DEVICE_ID	     0x008
#define MOTE_VIRTIO_MMIO_VENDOR_ID	     0x00c
#define MOTE_VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define MOTE_VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define MOTE_VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define MOTE_VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define MOTE_VIRTIO_MMIO_QUEUE_SEL	     0x030
#define MOTE_VIRTIO_MMIO_QUEUE_NUM_MAX	     0x034
#define MOTE_VIRTIO_MMIO_QUEUE_NUM	     0x038
#define MOTE_VIRTIO_MMIO_QUEUE_READY	     0x044
#define MOTE_VIRTIO_MMIO_QUEUE_NOTIFY	     0x050
#define MOTE_VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define MOTE_VIRTIO_MMIO_INTERRUPT_ACK	     0x064
#define MOTE_VIRTIO_MMIO_STATUS		     0x070
#define MOTE_VIRTIO_MMIO_QUEUE_DESC_LOW	     0x080
#define MOTE_VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define MOTE_VIRTIO_MMIO_QUEUE_AVAIL_LOW     0x090 /* "QueueDriver" */
#define MOTE_VIRTIO_MMIO_QUEUE_AVAIL_HIGH    0x094
#define MOTE_VIRTIO_MMIO_QUEUE_USED_LOW	     0x0a0 /* "QueueDevice" */
#define MOTE_VIRTIO_MMIO_QUEUE_USED_HIGH     0x0a4
#define MOTE_VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define MOTE_VIRTIO_MMIO_CONFIG		     0x100

#define MOTE_VIRTIO_MMIO_MAGIC	   0x74726976u /* "virt" */
#define MOTE_VIRTIO_MMIO_VERSION_2 2u

/* 2.1 Device Status Field. */
#define MOTE_VIRTIO_STATUS_ACKNOWLEDGE 1u
#define MOTE_VIRTIO_STATUS_DRIVER      2u
#define MOTE_VIRTIO_STATUS_DRIVER_OK   4u
#define MOTE_VIRTIO_STATUS_FEATURES_OK 8u
#define MOTE_VIRTIO_STATUS_NEEDS_RESET 0x40u
#define MOTE_VIRTIO_STATUS_FAILED      0x80u

/* 6 Reserved Feature Bits (bit numbers). */
#define MOTE_VIRTIO_F_INDIRECT_DESC 28
#define MOTE_VIRTIO_F_EVENT_IDX	    29
#define MOTE_VIRTIO_F_VERSION_1	    32

#define MOTE_VIRTIO_BIT(n) (1ULL << (n))

/* 2.7.5 The Virtqueue Descriptor Table. */
#define MOTE_VRING_DESC_F_NEXT	   1u
#define MOTE_VRING_DESC_F_WRITE	   2u
#define MOTE_VRING_DESC_F_INDIRECT 4u

struct mote_vring_desc {
	uint64_t addr; /* guest-physical address of the buffer */
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*
 * 2.7.6 The Virtqueue Available Ring: written by the driver. With
 * VIRTIO_F_EVENT_IDX, ring[size] is used_event: the device signals (here:
 * ends the guest's MOTE_HC_WAIT) once used idx passes it.
 */
#define MOTE_VRING_AVAIL_F_NO_INTERRUPT 1u
struct mote_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* [size], then used_event */
};

/*
 * 2.7.8 The Virtqueue Used Ring: written by the device. With
 * VIRTIO_F_EVENT_IDX, the u16 after ring[size] is avail_event: the device
 * wants a notification once avail idx passes it.
 */
#define MOTE_VRING_USED_F_NO_NOTIFY 1u
struct mote_vring_used_elem {
	uint32_t id;  /* head of the descriptor chain */
	uint32_t len; /* bytes the device wrote into the chain */
};
struct mote_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct mote_vring_used_elem ring[]; /* [size], then avail_event */
};

/* 2.7 Split Virtqueues: alignment of each part (Table 2.2). */
#define MOTE_VRING_DESC_ALIGN  16u
#define MOTE_VRING_AVAIL_ALIGN 2u
#define MOTE_VRING_USED_ALIGN  4u
#define MOTE_VRING_MAX_SIZE    32768u /* and a power of two */

_Static_assert(sizeof(struct mote_vring_desc) == 16, "virtio 2.7.5");
_Static_assert(offsetof(struct mote_vring_desc, len) == 8, "virtio 2.7.5");
_Static_assert(offsetof(struct mote_vring_desc, flags) == 12, "virtio 2.7.5");
_Static_assert(offsetof(struct mote_vring_desc, next) == 14, "virtio 2.7.5");
_Static_assert(sizeof(struct mote_vring_avail) == 4, "virtio 2.7.6");
_Static_assert(offsetof(struct mote_vring_avail, ring) == 4, "virtio 2.7.6");
_Static_assert(sizeof(struct mote_vring_used_elem) == 8, "virtio 2.7.8");
_Static_assert(sizeof(struct mote_vring_used) == 4, "virtio 2.7.8");
_Static_assert(offsetof(struct mote_vring_used, ring) == 4, "virtio 2.7.8");

/*
 * 2.7.7.2 / 2.7.10: with EVENT_IDX, a side that moved its index from old
 * to new_idx must signal the other if the other's event index lies in
 * [old, new_idx), computed modulo 2^16.
 */
static inline bool mote_vring_need_event(uint16_t event_idx, uint16_t new_idx,
					 uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

/* ---- the driver ---- */

/* One virtio-mmio device as the driver sees it. */
struct mote_virtio {
	uintptr_t base;	    /* guest address of the register window */
	uint32_t device_id; /* MOTE_VIRTIO_ID_* */
	uint64_t features;  /* negotiated feature bits */
};

/*
 * One split virtqueue. The rings live in guest memory that the device
 * reads and writes concurrently (the monitor's I/O thread runs on another
 * host CPU); every other field is private to the driver. Fields are public
 * so that tests can build deliberately malformed chains by hand.
 */
struct mote_vq {
	struct mote_vring_desc *desc;
	struct mote_vring_avail *avail;
	struct mote_vring_used *used;
	struct mote_virtio *dev;
	uint16_t size;	     /* number of descriptors, a power of two */
	uint16_t index;	     /* queue number on its device */
	uint16_t num_free;   /* descriptors not in any chain */
	uint16_t free_head;  /* first free descriptor (next[] links the rest) */
	uint16_t avail_idx;  /* our copy of avail->idx */
	uint16_t kicked_idx; /* avail->idx when we last decided to notify */
	uint16_t last_used;  /* used->idx up to which we consumed entries */
	bool event_idx;	     /* VIRTIO_F_EVENT_IDX negotiated */
	bool broken;	     /* the device returned a bad used entry */
	/* Private copies, indexed by descriptor: the chain links (never read
	 * back from device-visible memory), chain lengths and tokens. */
	uint16_t *next;
	uint16_t *chain_len;
	void **token;
	uint64_t notifies; /* QueueNotify writes so far, for tuning */
	uint64_t waits;	   /* MOTE_HC_WAIT calls in mote_vq_wait, likewise */
};

/* One buffer of a chain: `write` marks it device-writable. */
struct mote_vq_seg {
	const void *addr;
	uint32_t len;
	bool write;
};

/* The devices in boot info: how many, and the i-th (NULL past the end). */
unsigned mote_virtio_count(void);
const struct mote_device *mote_virtio_device(unsigned i);

/*
 * Finds the nth device (from 0) with the given device ID. Returns its
 * index in the boot-info table, or -ENODEV.
 */
int mote_virtio_find(uint32_t device_id, unsigned nth);

/*
 * Initializes device table entry `index` up to FEATURES_OK (3.1.1):
 * reset, ACKNOWLEDGE, DRIVER, then accepts the offered features that are
 * in `wanted` plus VIRTIO_F_VERSION_1 and VIRTIO_F_EVENT_IDX. Fails with
 * -ENODEV (no such device, wrong magic, version or ID) or -ENOTSUP (no
 * VERSION_1, or the device refused FEATURES_OK), leaving the device FAILED.
 */
int mote_virtio_init(struct mote_virtio *d, unsigned index, uint32_t device_id,
		     uint64_t wanted);

/*
 * Sets up queue `index` with at most max_size descriptors (rounded down to
 * a power of two; the device's QueueNumMax is the other limit) and marks it
 * ready. Returns 0, -ENOMEM, or -ENODEV if the queue does not exist or is
 * already live.
 */
int mote_virtio_queue_setup(struct mote_virtio *d, struct mote_vq *vq,
			    unsigned index, unsigned max_size);

/* Frees a queue's memory: only after mote_virtio_reset, or before
 * DRIVER_OK, as the device may otherwise still use it. */
void mote_vq_free(struct mote_vq *vq);

/* Sets DRIVER_OK: the device may now use the queues. */
void mote_virtio_driver_ok(struct mote_virtio *d);

/* Marks the device FAILED (the driver gave up on it). */
void mote_virtio_fail(struct mote_virtio *d);

/*
 * Writes 0 to Status and waits until it reads back 0 (4.2.3.1), so the
 * device no longer touches any queue; then the driver may free the rings.
 */
void mote_virtio_reset(struct mote_virtio *d);

/* The device status register: check MOTE_VIRTIO_STATUS_NEEDS_RESET. */
uint32_t mote_virtio_status(const struct mote_virtio *d);

/* Raw 32-bit register access (an exit to the monitor, ~35 us on PVM). */
uint32_t mote_virtio_read32(const struct mote_virtio *d, unsigned off);
void mote_virtio_write32(const struct mote_virtio *d, unsigned off, uint32_t v);

/*
 * Device-specific configuration at `off`, read with the access width the
 * spec demands for each field size (4.2.2.2) and retried until
 * ConfigGeneration is stable, so multi-part fields are consistent (2.5.1).
 */
uint8_t mote_virtio_config8(const struct mote_virtio *d, unsigned off);
uint16_t mote_virtio_config16(const struct mote_virtio *d, unsigned off);
uint32_t mote_virtio_config32(const struct mote_virtio *d, unsigned off);
uint64_t mote_virtio_config64(const struct mote_virtio *d, unsigned off);

/*
 * Adds a chain of n segments (device-readable ones first, 2.7.4.2) with
 * `token` (not NULL) and publishes it in the available ring. The device is
 * not notified until mote_vq_kick. Returns 0, -ENOSPC (not enough free
 * descriptors) or -EINVAL.
 */
int mote_vq_add(struct mote_vq *vq, const struct mote_vq_seg *seg, unsigned n,
		void *token);

/*
 * Notifies the device of chains added since the last kick, if it asked for
 * that (avail_event with EVENT_IDX, else VRING_USED_F_NO_NOTIFY). The write
 * to QueueNotify is caught by an ioeventfd and costs no exit to the
 * monitor's user space. Returns whether it notified.
 */
bool mote_vq_kick(struct mote_vq *vq);

/*
 * Takes one used chain: returns 1 and its token and written length, 0 if
 * none is ready, or -EIO if the device returned a chain the driver never
 * gave it (the queue is then marked broken).
 */
int mote_vq_get(struct mote_vq *vq, void **token, uint32_t *len);

/* Whether a used chain is ready to take. */
bool mote_vq_pending(const struct mote_vq *vq);

/*
 * Asks the device to signal the next used chain (used_event, or clearing
 * VRING_AVAIL_F_NO_INTERRUPT) and returns whether one is already pending:
 * call before MOTE_HC_WAIT, and wait only if it returns false.
 */
bool mote_vq_arm(struct mote_vq *vq);

/*
 * Blocks until a used chain is ready or mote_monotonic_ns() reaches
 * deadline_ns: kicks, polls for spin_ns, then arms and sleeps in
 * MOTE_HC_WAIT (which any event of this VM may end early; the caller
 * loops). Returns 1 when a chain is pending, 0 at the deadline, -EIO if the
 * queue is broken or the device set NEEDS_RESET.
 */
int mote_vq_wait(struct mote_vq *vq, uint64_t deadline_ns, uint64_t spin_ns);

#endif
