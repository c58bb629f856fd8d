/*
 * Guest virtio-blk driver: blocking reads, writes, flushes and ID queries,
 * and a queued API that keeps many requests in flight on one virtqueue.
 */
#ifndef MOTE_BLK_H
#define MOTE_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- virtio 1.2 section 5.2, restated (see mote_virtio.h for why) ---- */

/* 5.2.3 Feature bits. */
#define MOTE_VIRTIO_BLK_F_SIZE_MAX 1
#define MOTE_VIRTIO_BLK_F_SEG_MAX  2
#define MOTE_VIRTIO_BLK_F_RO	   5
#define MOTE_VIRTIO_BLK_F_BLK_SIZE 6
#define MOTE_VIRTIO_BLK_F_FLUSH	   9

/* 5.2.4 Device configuration layout (the fields up to writeback). */
struct mote_virtio_blk_config {
	uint64_t capacity; /* in 512-byte sectors, whatever blk_size is */
	uint32_t size_max; /* largest segment, with SIZE_MAX */
	uint32_t seg_max;  /* most data segments per request, with SEG_MAX */
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size; /* optimal block size, with BLK_SIZE */
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
};
_Static_assert(__builtin_offsetof(struct mote_virtio_blk_config, size_max) == 8,
	       "virtio 5.2.4");
_Static_assert(__builtin_offsetof(struct mote_virtio_blk_config, seg_max) == 12,
	       "virtio 5.2.4");
_Static_assert(__builtin_offsetof(struct mote_virtio_blk_config, blk_size) ==
		       20,
	       "virtio 5.2.4");
_Static_assert(__builtin_offsetof(struct mote_virtio_blk_config, writeback) ==
		       32,
	       "virtio 5.2.4");

/* 5.2.6 Device Operation: a request is this header (device-readable), the
 * data buffers, then one status byte (device-writable). */
struct mote_virtio_blk_outhdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector; /* in 512-byte units */
};
_Static_assert(sizeof(struct mote_virtio_blk_outhdr) == 16, "virtio 5.2.6");

#define MOTE_VIRTIO_BLK_T_IN	 0u
#define MOTE_VIRTIO_BLK_T_OUT	 1u
#define MOTE_VIRTIO_BLK_T_FLUSH	 4u
#define MOTE_VIRTIO_BLK_T_GET_ID 8u

#define MOTE_VIRTIO_BLK_S_OK	 0u
#define MOTE_VIRTIO_BLK_S_IOERR	 1u
#define MOTE_VIRTIO_BLK_S_UNSUPP 2u

#define MOTE_VIRTIO_BLK_ID_BYTES 20u
#define MOTE_BLK_SECTOR		 512u

/* ---- the driver ---- */

struct mote_blk; /* one opened virtio-blk device */

/* How many virtio-blk devices boot info lists. */
unsigned mote_blk_count(void);

/*
 * Opens the nth virtio-blk device (from 0): initializes it, negotiates
 * SIZE_MAX, SEG_MAX, RO, BLK_SIZE, FLUSH (and VERSION_1, EVENT_IDX), sets
 * up its one request queue and reads its configuration. Returns 0 and the
 * device in *out, or -ENODEV, -ENOTSUP, -ENOMEM.
 */
int mote_blk_open(unsigned nth, struct mote_blk **out);

/* Resets the device and frees everything; requests in flight are lost. */
void mote_blk_close(struct mote_blk *b);

uint64_t mote_blk_sectors(const struct mote_blk *b);	/* 512-byte sectors */
bool mote_blk_read_only(const struct mote_blk *b);	/* VIRTIO_BLK_F_RO */
bool mote_blk_has_flush(const struct mote_blk *b);	/* VIRTIO_BLK_F_FLUSH */
uint32_t mote_blk_block_size(const struct mote_blk *b); /* 512 if unknown */
/* Most requests in flight at once (each single-segment request takes three
 * descriptors of the queue). */
unsigned mote_blk_depth(const struct mote_blk *b);
/* Largest length of one queued request, from SIZE_MAX x SEG_MAX. */
size_t mote_blk_max_transfer(const struct mote_blk *b);
/* Writes to QueueNotify so far (each ~4 us on PVM; EVENT_IDX saves most). */
uint64_t mote_blk_notifies(const struct mote_blk *b);
/* Sleeps in MOTE_HC_WAIT so far (each an exit and a wake-up). */
uint64_t mote_blk_waits(const struct mote_blk *b);

/*
 * How long a wait polls the used ring before sleeping in MOTE_HC_WAIT
 * (default 100 us, about what a sleep's exit and wake-up cost): polling
 * costs guest CPU, which on a host with more busy guests than CPUs is
 * taken from the others; sleeping costs an exit and a wake-up.
 */
void mote_blk_set_spin(struct mote_blk *b, uint64_t spin_ns);

/*
 * Blocking calls: return when the request has completed. len is a
 * multiple of 512 and may be of any size (longer transfers are split and
 * pipelined). Errors: -EINVAL (length, or range past the end of the disk),
 * -EROFS (write to a read-only disk), -EIO (the device reported an error,
 * or failed: NEEDS_RESET or a corrupt queue), -ENOTSUP (unsupported by the
 * device). Requests queued with mote_blk_submit may be in flight: their
 * completions are kept for mote_blk_poll. Buffers the device writes must be
 * guest-writable memory; on a disk attached with `direct`, every buffer
 * must be 512-byte aligned too.
 */
int mote_blk_read(struct mote_blk *b, uint64_t sector, void *buf, size_t len);
int mote_blk_write(struct mote_blk *b, uint64_t sector, const void *buf,
		   size_t len);
/* Makes completed writes durable. A device without VIRTIO_BLK_F_FLUSH
 * has a write-through cache (5.2.5), so this then returns 0 at once. */
int mote_blk_flush(struct mote_blk *b);
/* The device's ID string (up to 20 bytes; NUL-terminated here). */
int mote_blk_get_id(struct mote_blk *b, char id[MOTE_VIRTIO_BLK_ID_BYTES + 1]);

/* ---- queued (asynchronous) API ---- */

enum mote_blk_op {
	MOTE_BLK_READ,
	MOTE_BLK_WRITE,
	MOTE_BLK_FLUSH,
	MOTE_BLK_GET_ID, /* buf: MOTE_VIRTIO_BLK_ID_BYTES bytes */
};

/*
 * Queues one request; the device sees it at the next mote_blk_kick,
 * mote_blk_poll or mote_blk_wait, so several submits make one batch.
 * `cookie` comes back with the completion; buf must stay valid (and
 * untouched, for reads) until then. Returns 0, -EAGAIN (queue full: poll
 * or wait first), -EINVAL (bad length or range, or longer than
 * mote_blk_max_transfer), -EROFS, -ENOTSUP (flush without FLUSH), -EIO
 * (the device failed).
 */
int mote_blk_submit(struct mote_blk *b, enum mote_blk_op op, uint64_t sector,
		    void *buf, size_t len, void *cookie);

/* Tells the device about submitted requests, if it asked to be told. */
void mote_blk_kick(struct mote_blk *b);

/* One completed queued request. */
struct mote_blk_done {
	void *cookie;
	int error; /* 0, -EIO or -ENOTSUP (the device's status) */
};

/*
 * Kicks, then collects up to max completions without blocking. Returns how
 * many it stored, or -EIO when the device failed (requests still in flight
 * are then lost).
 */
int mote_blk_poll(struct mote_blk *b, struct mote_blk_done *done, unsigned max);

/*
 * Like mote_blk_poll, but when nothing has completed, polls briefly and
 * then sleeps in MOTE_HC_WAIT until something does or mote_monotonic_ns()
 * reaches deadline_ns (UINT64_MAX: no deadline). Returns the number of
 * completions, 0 at the deadline or when nothing is in flight, or -EIO.
 */
int mote_blk_wait(struct mote_blk *b, struct mote_blk_done *done, unsigned max,
		  uint64_t deadline_ns);

/* Queued requests submitted and not yet returned by poll or wait. */
unsigned mote_blk_inflight(const struct mote_blk *b);

#endif
