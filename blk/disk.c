/*
 * Opening a disk image: one check of what it is and how big, before any
 * VM exists, so a bad --disk is one line and no guest ever sees it.
 */
#include "blk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"

static int open_error(const char *path, bool ro, bool direct,
		      struct mote_err *err)
{
	int e = errno;

	if (direct && e == EINVAL)
		return err_set(err, e,
			       "disk %s: its file system cannot do direct I/O",
			       path);
	if (!ro && (e == EACCES || e == EROFS || e == EPERM))
		return err_set(err, e,
			       "disk %s: %s (add ,ro to attach it read-only)",
			       path, strerror(e));
	return err_set(err, e, "disk %s: %s", path, strerror(e));
}

/* The file system's alignment rules for O_DIRECT must be met by 512-byte
 * aligned requests, which is all a guest is asked for. */
static int check_direct(int fd, const char *path, struct mote_err *err)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) < 0 ||
	    !(sx.stx_mask & STATX_DIOALIGN))
		return 0; /* unknown here: the first request will tell */
	if (sx.stx_dio_offset_align == 0)
		return err_set(err, EINVAL,
			       "disk %s: its file system cannot do direct I/O",
			       path);
	if (sx.stx_dio_offset_align > BLK_SECTOR ||
	    sx.stx_dio_mem_align > BLK_SECTOR)
		return err_set(err, EINVAL,
			       "disk %s: direct I/O here needs %u-byte "
			       "alignment; mote guarantees %u",
			       path,
			       sx.stx_dio_offset_align > sx.stx_dio_mem_align
				       ? sx.stx_dio_offset_align
				       : sx.stx_dio_mem_align,
			       BLK_SECTOR);
	return 0;
}

static int inspect(struct blk_disk *d, const char *path, struct mote_err *err)
{
	struct stat st;
	uint64_t size;
	char id[48];
	size_t n;

	if (fstat(d->fd, &st) < 0)
		return err_set(err, errno, "disk %s: %s", path,
			       strerror(errno));
	if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &size) < 0)
			return err_set(err, errno, "disk %s: %s", path,
				       strerror(errno));
	} else {
		return err_set(err, EINVAL,
			       "disk %s: not a regular file or block device",
			       path);
	}
	if (size % BLK_SECTOR)
		return err_set(err, EINVAL,
			       "disk %s: size %llu is not a multiple of 512 "
			       "bytes",
			       path, (unsigned long long)size);
	d->sectors = size / BLK_SECTOR;
	/* A stable ID per file: the same image shows the same ID, cut to
	 * the 20 bytes virtio-blk has for it. */
	n = (size_t)snprintf(id, sizeof(id), "mote-%llx-%llx",
			     (unsigned long long)st.st_dev,
			     (unsigned long long)st.st_ino);
	memcpy(d->id, id, n < sizeof(d->id) ? n : sizeof(d->id));
	return 0;
}

int blk_disk_open(const char *path, bool ro, bool direct, struct blk_disk **out,
		  struct mote_err *err)
{
	struct blk_disk *d = calloc(1, sizeof(*d));
	int rc, flags;

	if (!d)
		return err_set(err, ENOMEM, "out of memory");
	d->ro = ro;
	d->direct = direct;
	/* O_NONBLOCK keeps a FIFO from blocking the open; it is cleared
	 * before any I/O, as io_uring would honour it on the file. */
	d->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK |
				   (direct ? O_DIRECT : 0));
	if (d->fd < 0) {
		rc = open_error(path, ro, direct, err);
		free(d);
		return rc;
	}
	rc = inspect(d, path, err);
	if (!rc && direct)
		rc = check_direct(d->fd, path, err);
	flags = rc ? 0 : fcntl(d->fd, F_GETFL);
	if (!rc &&
	    (flags < 0 || fcntl(d->fd, F_SETFL, flags & ~O_NONBLOCK) < 0))
		rc = err_set(err, errno, "disk %s: %s", path, strerror(errno));
	if (rc) {
		blk_disk_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

void blk_disk_close(struct blk_disk *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}

int blk_disk_fd(const struct blk_disk *d)
{
	return d->fd;
}

uint64_t blk_disk_sectors(const struct blk_disk *d)
{
	return d->sectors;
}
