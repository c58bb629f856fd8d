/*
 * virtio-mmio registers, device status and feature negotiation, queue setup,
 * and the doorbells: QueueNotify stores caught by KVM ioeventfds.
 */
#include "virtio_mmio.h"

#include <errno.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../guest_abi/mote_abi.h"

#define MMIO_MAGIC  0x74726976u /* "virt" */
#define MMIO_VENDOR 0x65746f6du /* "mote" */

/* Status bits the driver sets; NEEDS_RESET is the device's. */
#define DRIVER_BITS                                                            \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |                \
	 VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK |             \
	 VIRTIO_CONFIG_S_FAILED)

struct queue {
	struct virtio_mmio *t;
	unsigned index;
	/* written by the driver while the queue is not ready */
	uint32_t num;
	uint64_t desc, avail, used;
	bool ready; /* vq is set up */
	struct virtq vq;
	int efd;    /* the doorbell */
	bool bound; /* efd is a KVM ioeventfd */
	bool watching;
	struct ev_poll kick;
	struct ev_waiter room;
};

struct virtio_mmio {
	struct virtio_dev dev; /* first: a device's handle is the transport */
	struct virtio_mmio_host host;
	bool inited; /* the device's init succeeded */
	pthread_mutex_t lock;
	pthread_cond_t idle; /* a reset finished */
	uint32_t status, isr;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t offered, driver_features;
	bool resetting; /* Status 0 written; requests still in flight */
	bool running;	/* DRIVER_OK, not failed: chains are taken */
	char fault[160];
	struct queue q[VIRTIO_DEV_MAX_QUEUES];
};

static struct virtio_mmio *of(struct virtio_dev *d)
{
	return (struct virtio_mmio *)d;
}

/* --- reset --- */

static bool idle(const struct virtio_mmio *t)
{
	for (unsigned i = 0; i < t->dev.ops->nqueues; i++)
		if (t->q[i].ready && t->q[i].vq.inflight)
			return false;
	return true;
}

static void finish_reset(struct virtio_mmio *t)
{
	for (unsigned i = 0; i < t->dev.ops->nqueues; i++) {
		struct queue *q = &t->q[i];

		if (q->ready)
			vq_teardown(&q->vq);
		q->ready = false;
		q->num = 0;
		q->desc = q->avail = q->used = 0;
	}
	t->dev.ops->reset(&t->dev);
	t->dev.features = 0;
	t->driver_features = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->status = t->isr = 0;
	t->running = t->resetting = false;
	t->fault[0] = '\0';
	pthread_cond_broadcast(&t->idle);
}

/*
 * A reset completes when no request is in flight: until then Status keeps
 * reading non-zero (virtio 1.2, 2.4), and the kernel may still be writing
 * guest memory for a request that was already submitted.
 */
static void start_reset(struct virtio_mmio *t)
{
	t->resetting = true;
	t->running = false;
	if (idle(t))
		finish_reset(t);
}

void virtio_dev_lock(struct virtio_dev *d)
{
	pthread_mutex_lock(&of(d)->lock);
}

void virtio_dev_unlock(struct virtio_dev *d)
{
	struct virtio_mmio *t = of(d);

	if (t->resetting && idle(t))
		finish_reset(t);
	pthread_mutex_unlock(&t->lock);
}

/* --- what devices call --- */

static void signal_guest(struct virtio_mmio *t, uint32_t isr)
{
	t->isr |= isr;
	if (t->host.event)
		t->host.event(t->host.ctx);
}

static void kick(struct queue *q)
{
	uint64_t one = 1;

	while (write(q->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

void virtio_dev_fail(struct virtio_dev *d, const char *why)
{
	struct virtio_mmio *t = of(d);

	snprintf(t->fault, sizeof(t->fault), "%s", why);
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	t->running = false;
	/* A guest waiting for this device would otherwise wait on. */
	signal_guest(t, VIRTIO_MMIO_INT_CONFIG);
}

int virtio_dev_pop(struct virtio_dev *d, unsigned qi, struct vq_chain *c)
{
	struct virtio_mmio *t = of(d);
	struct queue *q = &t->q[qi];
	char why[160];
	int rc;

	if (!t->running || qi >= d->ops->nqueues || !q->ready)
		return 0;
	/* Take no chain that could not be submitted at once: bounded work
	 * in flight, and the rest waits in the guest's ring. */
	if (!evloop_room(d->loop)) {
		evloop_wait_room(d->loop, &q->room);
		return 0;
	}
	rc = vq_pop(&q->vq, c);
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s queue %u: %s", d->ops->name, qi,
			 vq_fault_str(q->vq.fault));
		virtio_dev_fail(d, why);
		return 0;
	}
	return rc;
}

void virtio_dev_defer(struct virtio_dev *d, unsigned qi)
{
	struct virtio_mmio *t = of(d);

	/* The room waiter runs after the loop's next reap (run_waiters). */
	if (qi < d->ops->nqueues && t->q[qi].ready)
		evloop_wait_room(d->loop, &t->q[qi].room);
}

void virtio_dev_used(struct virtio_dev *d, unsigned qi, uint16_t head,
		     uint32_t len)
{
	struct virtio_mmio *t = of(d);
	struct queue *q = &t->q[qi];

	if (qi >= d->ops->nqueues || !q->ready)
		return;
	if (t->resetting) {
		vq_drop(&q->vq, head);
		return;
	}
	vq_push(&q->vq, head, len);
	if (vq_need_notify(&q->vq))
		signal_guest(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_dev_discard(struct virtio_dev *d, unsigned qi, uint16_t head)
{
	struct virtio_mmio *t = of(d);

	if (qi < d->ops->nqueues && t->q[qi].ready)
		vq_drop(&t->q[qi].vq, head);
}

/* --- loop callbacks --- */

static void queue_work(struct queue *q)
{
	struct virtio_mmio *t = q->t;

	virtio_dev_lock(&t->dev);
	if (t->running && q->ready)
		t->dev.ops->notify(&t->dev, q->index);
	virtio_dev_unlock(&t->dev);
}

static void on_kick(struct ev_poll *p)
{
	queue_work((struct queue *)((char *)p - offsetof(struct queue, kick)));
}

static void on_room(struct ev_waiter *w)
{
	queue_work((struct queue *)((char *)w - offsetof(struct queue, room)));
}

/* --- registers --- */

static struct queue *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->dev.ops->nqueues ? &t->q[t->queue_sel] : NULL;
}

static void queue_enable(struct virtio_mmio *t, struct queue *q)
{
	bool event_idx = t->dev.features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	const char *why = "queue size above QueueNumMax";
	char msg[160];

	if (q->num <= t->dev.ops->queue_max &&
	    vq_setup(&q->vq, t->host.gm, q->num, q->desc, q->avail, q->used,
		     event_idx, &why) == 0) {
		q->ready = true;
		if (t->running)
			kick(q);
		return;
	}
	snprintf(msg, sizeof(msg), "%s queue %u: %s", t->dev.ops->name,
		 q->index, why);
	virtio_dev_fail(&t->dev, msg);
}

static bool features_ok(const struct virtio_mmio *t)
{
	return !(t->driver_features & ~t->offered) &&
	       (t->driver_features & (1ull << VIRTIO_F_VERSION_1));
}

/*
 * Status bits are only added, in the order of virtio 1.2, 3.1.1; a write
 * that clears or skips one is ignored (the driver sees it on read-back),
 * and FEATURES_OK stays clear if the driver took features not offered or
 * not VIRTIO_F_VERSION_1 (a legacy driver).
 */
static void status_write(struct virtio_mmio *t, uint32_t v)
{
	uint32_t old = t->status & DRIVER_BITS, add;

	if (v == 0) {
		start_reset(t);
		return;
	}
	v &= DRIVER_BITS;
	if (old & ~v)
		return;
	if (((v & VIRTIO_CONFIG_S_DRIVER) &&
	     !(v & VIRTIO_CONFIG_S_ACKNOWLEDGE)) ||
	    ((v & VIRTIO_CONFIG_S_FEATURES_OK) &&
	     !(v & VIRTIO_CONFIG_S_DRIVER)) ||
	    ((v & VIRTIO_CONFIG_S_DRIVER_OK) &&
	     !(v & VIRTIO_CONFIG_S_FEATURES_OK)))
		return;
	add = v & ~old;
	if ((add & VIRTIO_CONFIG_S_FEATURES_OK) && !features_ok(t))
		add &= ~(VIRTIO_CONFIG_S_FEATURES_OK |
			 VIRTIO_CONFIG_S_DRIVER_OK);
	if (add & VIRTIO_CONFIG_S_FEATURES_OK)
		t->dev.features = t->driver_features;
	t->status |= add;
	if (t->status &
	    (VIRTIO_CONFIG_S_FAILED | VIRTIO_CONFIG_S_NEEDS_RESET)) {
		t->running = false;
	} else if (add & VIRTIO_CONFIG_S_DRIVER_OK) {
		t->running = true;
		/* Chains added before DRIVER_OK are taken now. */
		for (unsigned i = 0; i < t->dev.ops->nqueues; i++)
			if (t->q[i].ready)
				kick(&t->q[i]);
	}
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t off)
{
	struct queue *q = selected(t);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->dev.ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel == 0	  ? (uint32_t)t->offered
		       : t->dev_features_sel == 1 ? (uint32_t)(t->offered >> 32)
						  : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? t->dev.ops->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->isr;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0; /* the config never changes */
	default:
		return 0; /* write-only and unknown registers */
	}
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffull) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffull) | val;
}

static bool is_queue_reg(uint64_t off)
{
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		return true;
	}
	return false;
}

/* The registers that configure the selected queue take effect only while
 * it is not ready and features are settled; returns whether off is one. */
static bool queue_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct queue *q = selected(t);

	if (!is_queue_reg(off))
		return false;
	if (!q || q->ready || !(t->status & VIRTIO_CONFIG_S_FEATURES_OK))
		return true;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = v;
		return true;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		return true;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&q->avail, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		return true;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&q->used, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		return true;
	case VIRTIO_MMIO_QUEUE_READY:
		/* Disabling one queue needs VIRTIO_F_RING_RESET, not offered:
		 * a 0 is ignored, and only a device reset stops a queue. */
		if (v == 1)
			queue_enable(t, q);
		return true;
	}
	return true;
}

static void reg_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	/* The driver waits for Status to read 0 before it writes again. */
	if (t->resetting || queue_write(t, off, v))
		return;
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if ((t->status & VIRTIO_CONFIG_S_DRIVER) &&
		    !(t->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
		    t->drv_features_sel <= 1)
			set_half(&t->driver_features, t->drv_features_sel, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Normally caught by the ioeventfd; this is the path without
		 * KVM (tests). Other values name no queue. */
		if (v < t->dev.ops->nqueues)
			kick(&t->q[v]);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->isr &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		status_write(t, v);
		break;
	default:
		break; /* read-only and unknown registers */
	}
}

static void config_access(struct virtio_mmio *t, uint32_t off, void *data,
			  unsigned len, bool is_write)
{
	uint32_t size = t->dev.ops->config_size;

	if (is_write) {
		if (off + len <= size && t->dev.ops->config_write)
			t->dev.ops->config_write(&t->dev, off, data, len);
		return;
	}
	/* Past the device's config space reads as zero. */
	memset(data, 0, len);
	if (off < size)
		memcpy(data, (const uint8_t *)t->dev.config + off,
		       len < size - off ? len : size - off);
}

int virtio_mmio_access(struct virtio_mmio *t, uint64_t off, void *data,
		       unsigned len, bool is_write, struct mote_err *err)
{
	uint32_t v = 0;

	if ((len != 1 && len != 2 && len != 4 && len != 8) || off % len ||
	    off + len > MOTE_DEVICE_SIZE)
		return err_set(err, EINVAL,
			       "%u-byte %s at offset 0x%llx of a virtio-mmio "
			       "window is not naturally aligned",
			       len, is_write ? "write" : "read",
			       (unsigned long long)off);
	if (off < VIRTIO_MMIO_CONFIG && len != 4)
		return err_set(err, EINVAL,
			       "%u-byte %s of virtio-mmio register 0x%llx "
			       "(registers take 32-bit accesses)",
			       len, is_write ? "write" : "read",
			       (unsigned long long)off);
	virtio_dev_lock(&t->dev);
	if (off >= VIRTIO_MMIO_CONFIG) {
		config_access(t, (uint32_t)(off - VIRTIO_MMIO_CONFIG), data,
			      len, is_write);
	} else if (is_write) {
		memcpy(&v, data, 4);
		reg_write(t, off, v);
	} else {
		v = reg_read(t, off);
		memcpy(data, &v, 4);
	}
	virtio_dev_unlock(&t->dev);
	return 0;
}

/* --- lifecycle --- */

static int bind_doorbell(struct virtio_mmio *t, struct queue *q, bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = q->index,
		.addr = t->host.base + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
		.fd = q->efd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(t->host.vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static int setup_queue(struct virtio_mmio *t, unsigned i, struct mote_err *err)
{
	struct queue *q = &t->q[i];
	int rc;

	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0)
		return err_set(err, errno, "eventfd: %s", strerror(errno));
	if (t->host.vm_fd >= 0) {
		rc = bind_doorbell(t, q, true);
		if (rc)
			return err_set(err, -rc, "KVM_IOEVENTFD: %s",
				       strerror(-rc));
		q->bound = true;
	}
	q->kick.fd = q->efd;
	q->kick.fn = on_kick;
	evloop_poll_start(t->dev.loop, &q->kick);
	q->watching = true;
	return 0;
}

static void teardown(struct virtio_mmio *t, bool unbind);

int virtio_mmio_create(const struct virtio_mmio_host *host,
		       const struct virtio_dev_ops *ops, void *backend,
		       struct virtio_mmio **out, struct mote_err *err)
{
	struct virtio_mmio *t;
	int rc;

	if (ops->nqueues == 0 || ops->nqueues > VIRTIO_DEV_MAX_QUEUES)
		return err_set(err, EINVAL, "%s: bad queue count", ops->name);
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(err, ENOMEM, "out of memory");
	t->dev.ops = ops;
	t->host = *host;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->idle, NULL);
	for (unsigned i = 0; i < VIRTIO_DEV_MAX_QUEUES; i++) {
		t->q[i].t = t;
		t->q[i].index = i;
		t->q[i].efd = -1;
		t->q[i].room.fn = on_room;
	}
	rc = evloop_get(&t->dev.loop, err);
	if (!rc)
		rc = ops->init(&t->dev, backend, err);
	t->inited = rc == 0;
	if (!rc)
		t->offered = ops->features(&t->dev) |
			     1ull << VIRTIO_F_VERSION_1 |
			     1ull << VIRTIO_RING_F_EVENT_IDX;
	for (unsigned i = 0; !rc && i < ops->nqueues; i++)
		rc = setup_queue(t, i, err);
	if (rc) {
		teardown(t, true);
		return rc;
	}
	*out = t;
	return 0;
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	start_reset(t);
	while (t->resetting)
		pthread_cond_wait(&t->idle, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

/*
 * unbind: deassign the ioeventfds. Only a device whose VM lives on needs
 * it (a failed create); KVM drops them with the VM otherwise, and the
 * thread that tears a VM down may not be allowed KVM_IOEVENTFD (the
 * jail's main thread destroying pooled VMs at exit is not).
 */
static void teardown(struct virtio_mmio *t, bool unbind)
{
	if (t->inited)
		virtio_mmio_reset(t);
	for (unsigned i = 0; i < t->dev.ops->nqueues; i++) {
		struct queue *q = &t->q[i];

		if (q->watching)
			evloop_poll_stop(t->dev.loop, &q->kick);
		if (t->dev.loop)
			evloop_cancel_wait(t->dev.loop, &q->room);
		if (q->bound && unbind)
			bind_doorbell(t, q, false);
		if (q->efd >= 0)
			close(q->efd);
	}
	if (t->inited)
		t->dev.ops->destroy(&t->dev);
	if (t->dev.loop)
		evloop_put(t->dev.loop);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->idle);
	free(t);
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	teardown(t, false);
}

/* --- snapshots --- */

int virtio_mmio_save(struct virtio_mmio *t, struct virtio_mmio_state *s,
		     struct mote_err *err)
{
	int rc = 0;

	memset(s, 0, sizeof(*s));
	virtio_dev_lock(&t->dev);
	if (t->resetting || (t->status & (VIRTIO_CONFIG_S_NEEDS_RESET |
					  VIRTIO_CONFIG_S_FAILED))) {
		virtio_dev_unlock(&t->dev);
		return err_set(err, EBUSY,
			       "snapshot refused: %s is being reset or needs a "
			       "reset",
			       t->dev.ops->name);
	}
	s->device_id = t->dev.ops->device_id;
	s->status = t->status;
	s->driver_features = t->driver_features;
	for (unsigned i = 0; i < t->dev.ops->nqueues && !rc; i++) {
		struct queue *q = &t->q[i];
		uint16_t avail;

		if (!q->ready)
			continue;
		/* The driver's index, read once: chains it made available
		 * and the device has not taken are I/O in flight too. */
		avail = __atomic_load_n(&q->vq.avail->idx, __ATOMIC_ACQUIRE);
		if (q->vq.inflight || avail != q->vq.last_avail || t->resetting)
			rc = err_set(err, EBUSY,
				     "snapshot refused: %s queue %u has I/O in "
				     "flight",
				     t->dev.ops->name, i);
		s->q[i].num = q->num;
		s->q[i].ready = 1;
		s->q[i].desc = q->desc;
		s->q[i].avail = q->avail;
		s->q[i].used = q->used;
		s->q[i].last_avail = q->vq.last_avail;
		s->q[i].used_idx = q->vq.used_idx;
		s->q[i].signalled = q->vq.signalled;
	}
	virtio_dev_unlock(&t->dev);
	return rc;
}

int virtio_mmio_restore(struct virtio_mmio *t,
			const struct virtio_mmio_state *s,
			struct mote_err *err)
{
	bool event_idx = s->driver_features & (1ull << VIRTIO_RING_F_EVENT_IDX);
	int rc = 0;

	if (s->device_id != t->dev.ops->device_id)
		return err_set(err, EINVAL,
			       "snapshot: device %s where the snapshot had id "
			       "%u",
			       t->dev.ops->name, s->device_id);
	if (s->driver_features & ~t->offered)
		return err_set(err, EINVAL,
			       "snapshot: %s features 0x%llx were never offered",
			       t->dev.ops->name,
			       (unsigned long long)s->driver_features);
	/* What the register path would have required to get there. */
	if ((s->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    (!(s->status & VIRTIO_CONFIG_S_FEATURES_OK) ||
	     !(s->driver_features & (1ull << VIRTIO_F_VERSION_1))))
		return err_set(err, EINVAL,
			       "snapshot: %s running without settled features",
			       t->dev.ops->name);
	virtio_dev_lock(&t->dev);
	t->driver_features = s->driver_features;
	t->dev.features = s->driver_features;
	for (unsigned i = 0; i < t->dev.ops->nqueues && !rc; i++) {
		struct queue *q = &t->q[i];
		const char *why = "";

		if (q->ready)
			vq_teardown(&q->vq);
		q->ready = false;
		if (!s->q[i].ready)
			continue;
		q->num = s->q[i].num;
		q->desc = s->q[i].desc;
		q->avail = s->q[i].avail;
		q->used = s->q[i].used;
		if (q->num > t->dev.ops->queue_max ||
		    vq_setup(&q->vq, t->host.gm, q->num, q->desc, q->avail,
			     q->used, event_idx, &why) < 0) {
			rc = err_set(err, EINVAL, "snapshot: %s queue %u: %s",
				     t->dev.ops->name, i,
				     *why ? why : "bad queue size");
			break;
		}
		q->vq.last_avail = s->q[i].last_avail;
		q->vq.used_idx = s->q[i].used_idx;
		q->vq.signalled = s->q[i].signalled;
		q->ready = true;
	}
	/* Only the driver's bits; a device that needed a reset is never
	 * snapshotted (its guest could not have gone on). */
	t->status = rc ? 0 : s->status & DRIVER_BITS;
	t->running = !rc && (t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
		     !(t->status & VIRTIO_CONFIG_S_FAILED);
	virtio_dev_unlock(&t->dev);
	return rc;
}

struct virtio_dev *virtio_mmio_dev(struct virtio_mmio *t)
{
	return &t->dev;
}

uint32_t virtio_mmio_device_id(const struct virtio_mmio *t)
{
	return t->dev.ops->device_id;
}

const char *virtio_mmio_fault(struct virtio_mmio *t)
{
	return t->fault;
}
