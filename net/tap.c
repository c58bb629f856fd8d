/*
 * Opening a tap for virtio-net: by name through /dev/net/tun, or an fd
 * inherited from whoever set the tap up; both before the VM and the jail.
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The tap's vnet header is exactly virtio_net_hdr_v1, so frames move
 * between the guest's buffers and the tap with the header in place; no
 * offloads, so every header the tap gives is all-zero GSO_NONE. */
static int configure(int fd, const char *what, struct mote_err *err)
{
	int sz = NET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
		return err_set(err, errno,
			       "--net %s: cannot set vnet header "
			       "size: %s",
			       what, strerror(errno));
	if (ioctl(fd, TUNSETOFFLOAD, 0) < 0)
		return err_set(err, errno,
			       "--net %s: cannot turn offloads "
			       "off: %s",
			       what, strerror(errno));
	return 0;
}

static int open_named(const char *name, struct mote_err *err)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return err_set(err, errno, "--net tap:%s: /dev/net/tun: %s",
			       name, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		return err_set(err, e, "--net tap:%s: cannot attach: %s", name,
			       strerror(e));
	}
	return fd;
}

/* An inherited fd must already be a tap with vnet headers: mote cannot
 * change its flags once it is attached. */
static int check_inherited(int fd, struct mote_err *err)
{
	struct ifreq ifr;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return err_set(err, EBADF, "--net fd:%d: not an open fd", fd);
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return err_set(err, EINVAL, "--net fd:%d: not a tap device",
			       fd);
	if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN)) != IFF_TAP ||
	    !(ifr.ifr_flags & IFF_NO_PI) || !(ifr.ifr_flags & IFF_VNET_HDR))
		return err_set(err, EINVAL,
			       "--net fd:%d: needs a tap opened "
			       "with IFF_TAP, IFF_NO_PI and "
			       "IFF_VNET_HDR",
			       fd);
	/* The device reads only after poll says a frame is there, so a
	 * blocking fd would do, but never let a stray read hold the loop. */
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return err_set(err, errno, "--net fd:%d: %s", fd,
			       strerror(errno));
	return 0;
}

int net_tap_open(const char *name, int fd, const uint8_t mac[6],
		 struct net_tap **out, struct mote_err *err)
{
	struct net_tap *t = calloc(1, sizeof(*t));
	char what[IFNAMSIZ + 8];
	int rc;

	if (!t)
		return err_set(err, ENOMEM, "out of memory");
	if (name) {
		snprintf(what, sizeof(what), "tap:%s", name);
		fd = open_named(name, err);
		if (fd < 0) {
			free(t);
			return fd;
		}
		t->owned = true;
	} else {
		snprintf(what, sizeof(what), "fd:%d", fd);
		rc = check_inherited(fd, err);
		if (rc < 0) {
			free(t);
			return rc;
		}
	}
	t->fd = fd;
	rc = configure(fd, what, err);
	if (rc < 0) {
		net_tap_close(t);
		return rc;
	}
	memcpy(t->mac, mac, 6);
	t->mtu = NET_MTU_DEFAULT;
	*out = t;
	return 0;
}

void net_tap_close(struct net_tap *t)
{
	if (!t)
		return;
	if (t->owned)
		close(t->fd);
	free(t);
}
