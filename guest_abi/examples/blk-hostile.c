/*
 * Guest that posts one malformed virtio-blk request, chosen by argv[1], on
 * disk 0, reports what the device did with it, then checks the disk works.
 */
#include "blk_common.h"
#include "mote.h"
#include "mote_virtio.h"

#define QSIZE	64u	      /* room for a chain longer than any SEG_MAX */
#define WAIT_NS 2000000000ULL /* how long the device has to answer */

static struct mote_virtio dev;
static struct mote_vq vq;
static struct mote_virtio_blk_outhdr hdr;
static uint8_t status;
static _Alignas(4096) char data[4096];
/* In the read-only segment: the `rodata` mode asks the device to write
 * here, which the guest itself could not. */
static const _Alignas(4096) char ro_page[4096] = "mote rodata original";

static const char *const modes[] = {
	"badaddr",   /* data buffer far outside guest memory */
	"straddle",  /* data buffer running past the end of guest memory */
	"oversize",  /* one 4 GiB - 512 byte data buffer */
	"toomany",   /* more data segments than SEG_MAX */
	"loop",	     /* descriptor chain that loops */
	"badnext",   /* next index past the queue */
	"badhead",   /* available ring names a head past the queue */
	"statusro",  /* status descriptor the device may only read */
	"hdrwrite",  /* header descriptor the device may write */
	"nostatus",  /* chain of a header alone */
	"unaligned", /* data length not a multiple of 512 */
	"beyond",    /* read past the end of the disk */
	"rowrite",   /* a well-formed write to a read-only disk */
	"availjump", /* avail idx moved far more than the queue holds */
	"rodata",    /* device-writable buffer in read-only guest memory */
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static void set_desc(unsigned i, const void *addr, uint64_t len, uint16_t flags,
		     uint16_t next)
{
	vq.desc[i] = (struct mote_vring_desc){(uintptr_t)addr, (uint32_t)len,
					      flags, next};
}

/* Publishes head in the available ring and notifies. */
static void post(uint16_t head)
{
	vq.avail->ring[vq.avail_idx % vq.size] = head;
	vq.avail_idx++;
	__atomic_store_n(&vq.avail->idx, vq.avail_idx, __ATOMIC_RELEASE);
	mote_vq_kick(&vq);
}

/* A normal 3-descriptor request at descriptors first..first+2. */
static void build(unsigned first, uint32_t type, uint64_t sector,
		  const void *buf, uint32_t len, bool dev_writes)
{
	hdr = (struct mote_virtio_blk_outhdr){type, 0, sector};
	status = 0xff;
	set_desc(first, &hdr, sizeof(hdr), MOTE_VRING_DESC_F_NEXT,
		 (uint16_t)(first + 1));
	set_desc(first + 1, buf, len,
		 MOTE_VRING_DESC_F_NEXT |
			 (dev_writes ? MOTE_VRING_DESC_F_WRITE : 0),
		 (uint16_t)(first + 2));
	set_desc(first + 2, &status, 1, MOTE_VRING_DESC_F_WRITE, 0);
}

/*
 * Waits for the next used entry. Prints one result line: the status the
 * device wrote, or that it set NEEDS_RESET, or that it never answered.
 * Returns 1 if the entry came back, 0 for NEEDS_RESET, -1 for silence.
 */
static int report(void)
{
	uint64_t deadline = mote_monotonic_ns() + WAIT_NS;
	int r = mote_vq_wait(&vq, deadline, 0);

	if (r == 1) {
		uint16_t i = vq.last_used++ % vq.size;
		uint8_t st = __atomic_load_n(&status, __ATOMIC_RELAXED);

		printf("result=used id=%u len=%u status=%s\n",
		       (unsigned)vq.used->ring[i].id, vq.used->ring[i].len,
		       st == MOTE_VIRTIO_BLK_S_OK	? "OK"
		       : st == MOTE_VIRTIO_BLK_S_IOERR	? "IOERR"
		       : st == MOTE_VIRTIO_BLK_S_UNSUPP ? "UNSUPP"
		       : st == 0xff			? "unwritten"
							: "other");
		return 1;
	}
	if (mote_virtio_status(&dev) & MOTE_VIRTIO_STATUS_NEEDS_RESET) {
		printf("result=needs_reset\n");
		return 0;
	}
	printf("result=no_response\n");
	return -1;
}

/* The disk must still serve a well-formed read: on the same queue after
 * an error status, or after a reset and a fresh start after NEEDS_RESET. */
static int check_after(int outcome)
{
	if (outcome == 1) {
		build(8, MOTE_VIRTIO_BLK_T_IN, 0, data, 512, true);
		post(8);
		if (report() == 1 && status == MOTE_VIRTIO_BLK_S_OK) {
			printf("after=read_ok\n");
			return 0;
		}
	} else if (outcome == 0) {
		struct mote_blk *b;

		mote_virtio_reset(&dev);
		if (mote_blk_open(0, &b) == 0 &&
		    mote_blk_read(b, 0, data, 512) == 0) {
			printf("after=reset_read_ok\n");
			return 0;
		}
	}
	printf("after=failed\n");
	return 1;
}

static int run(const char *mode)
{
	uint64_t mem = mote_boot_info()->mem_size;
	uint64_t seg_max = 0, cap;
	uint16_t head = 0;

	cap = mote_virtio_config64(
		&dev,
		__builtin_offsetof(struct mote_virtio_blk_config, capacity));
	if (dev.features & MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_SEG_MAX))
		seg_max = mote_virtio_config32(
			&dev, __builtin_offsetof(struct mote_virtio_blk_config,
						 seg_max));
	build(0, MOTE_VIRTIO_BLK_T_IN, 0, data, 512, true);
	if (strcmp(mode, "badaddr") == 0) {
		vq.desc[1].addr = 0x7fff00000000ULL;
	} else if (strcmp(mode, "straddle") == 0) {
		vq.desc[1].addr = mem - 512;
		vq.desc[1].len = 4096;
	} else if (strcmp(mode, "oversize") == 0) {
		vq.desc[1].len = 0xfffffe00u;
	} else if (strcmp(mode, "toomany") == 0) {
		/* seg_max + 1 data segments (the whole ring when there is
		 * no SEG_MAX or it does not fit), 512 bytes each, all within
		 * `data`. */
		unsigned n = seg_max && seg_max + 3 <= QSIZE
				     ? (unsigned)seg_max + 1
				     : QSIZE - 2;

		for (unsigned k = 1; k <= n; k++)
			set_desc(k, data + 256 * ((k - 1) % 8), 512,
				 MOTE_VRING_DESC_F_NEXT |
					 MOTE_VRING_DESC_F_WRITE,
				 (uint16_t)(k + 1));
		set_desc(n + 1, &status, 1, MOTE_VRING_DESC_F_WRITE, 0);
		printf("segments=%u seg_max=%llu\n", n,
		       (unsigned long long)seg_max);
	} else if (strcmp(mode, "loop") == 0) {
		vq.desc[2].flags |= MOTE_VRING_DESC_F_NEXT;
		vq.desc[2].next = 1;
	} else if (strcmp(mode, "badnext") == 0) {
		vq.desc[1].next = (uint16_t)(QSIZE + 100);
	} else if (strcmp(mode, "badhead") == 0) {
		head = (uint16_t)(QSIZE + 3);
	} else if (strcmp(mode, "statusro") == 0) {
		vq.desc[2].flags = 0;
	} else if (strcmp(mode, "hdrwrite") == 0) {
		vq.desc[0].flags |= MOTE_VRING_DESC_F_WRITE;
	} else if (strcmp(mode, "nostatus") == 0) {
		vq.desc[0].flags = 0;
	} else if (strcmp(mode, "unaligned") == 0) {
		vq.desc[1].len = 100;
	} else if (strcmp(mode, "beyond") == 0) {
		hdr.sector = cap;
	} else if (strcmp(mode, "rowrite") == 0) {
		memset(data, 0x5a, sizeof(data));
		build(0, MOTE_VIRTIO_BLK_T_OUT, 0, data, 512, false);
	} else if (strcmp(mode, "availjump") == 0) {
		vq.avail->ring[0] = 0;
		vq.avail_idx = (uint16_t)(vq.avail_idx + 1000);
		__atomic_store_n(&vq.avail->idx, vq.avail_idx,
				 __ATOMIC_RELEASE);
		mote_virtio_write32(&dev, MOTE_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		return check_after(report());
	} else if (strcmp(mode, "rodata") == 0) {
		printf("rodata_before=%.20s\n", ro_page);
		vq.desc[1].addr = (uintptr_t)ro_page;
	}
	post(head);
	int outcome = report();

	if (strcmp(mode, "rodata") == 0)
		printf("rodata_after=%.20s\n", ro_page);
	return check_after(outcome);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t i = 0;
	int idx, r;

	/* Line-buffered, as the runtime's stdout was before ABI 2: this
	 * guest may be stopped by the monitor mid-way. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (i < NMODES && strcmp(mode, modes[i]) != 0)
		i++;
	if (i == NMODES) {
		fputs("usage: blk-hostile MODE, MODE one of:", stderr);
		for (i = 0; i < NMODES; i++)
			fprintf(stderr, " %s", modes[i]);
		fputs("\n", stderr);
		return 2;
	}
	printf("blk-hostile: %s\n", mode);
	idx = mote_virtio_find(MOTE_VIRTIO_ID_BLOCK, 0);
	r = idx < 0 ? idx
		    : mote_virtio_init(
			      &dev, (unsigned)idx, MOTE_VIRTIO_ID_BLOCK,
			      MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_RO) |
				      MOTE_VIRTIO_BIT(
					      MOTE_VIRTIO_BLK_F_SEG_MAX) |
				      MOTE_VIRTIO_BIT(MOTE_VIRTIO_BLK_F_FLUSH));
	if (r == 0)
		r = mote_virtio_queue_setup(&dev, &vq, 0, QSIZE);
	if (r == 0 && vq.size != QSIZE)
		r = -ENOTSUP;
	if (r < 0) {
		fprintf(stderr, "blk-hostile: no usable disk: %s\n",
			strerror(-r));
		return 1;
	}
	mote_virtio_driver_ok(&dev);
	return run(mode);
}
