/*
 * Helpers every `mote bench` command uses: files next to the mote binary,
 * the image to boot and its arguments, medians, and running gnuplot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "spawn.h"
#include "timeutil.h"

#define PLOT_TIMEOUT_NS (60 * S_NS)

void bench_path(const struct bench_opts *o, const char *rel, char *out,
		size_t len)
{
	snprintf(out, len, "%s/%s", o->exe_dir, rel);
}

void bench_image(const struct bench_opts *o, const char *default_guest,
		 const char *const *default_args, int ndefault,
		 struct image_spec *is)
{
	int n = 0;

	int len;

	if (o->image)
		len = snprintf(is->path, sizeof(is->path), "%s", o->image);
	else
		len = snprintf(is->path, sizeof(is->path), "%s/guests/%s.elf",
			       o->exe_dir, default_guest);
	if (len < 0 || (size_t)len >= sizeof(is->path))
		is->path[0] = '\0'; /* too long: opening "" fails clearly */
	is->argv[n++] = is->path;
	/* Arguments after "--" go to the image, whichever it is. */
	if (o->nargs || o->image) {
		for (int i = 0; i < o->nargs; i++)
			is->argv[n++] = o->args[i];
	} else {
		for (int i = 0; i < ndefault; i++)
			is->argv[n++] = (char *)default_args[i];
	}
	is->argv[n] = NULL;
	is->argc = n;
}

void image_label(const struct image_spec *is, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int i = 0; i < is->argc && o < len; i++)
		o += snprintf(out + o, len - o, "%s%s", i ? " " : "",
			      is->argv[i]);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median_d(const double *v, size_t n)
{
	double c[64];

	if (n == 0)
		return 0;
	if (n > 64)
		n = 64;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_d);
	/* Nearest rank, like every other figure: a value that happened. */
	return c[(n - 1) / 2];
}

/* gnuplot reads the script from a pipe-free temporary file, so that its
 * error messages name lines. */
int plot_run(const char *script, const char *png, struct mote_err *err)
{
	char path[] = "/tmp/mote-bench-XXXXXX.gp";
	char *argv[] = {"/usr/bin/gnuplot", path, NULL};
	char msg[512];
	struct child c;
	struct stat st;
	FILE *f;
	int fd, rc, status;

	if (access(argv[0], X_OK) != 0)
		return err_set(err, ENOENT,
			       "cannot plot: gnuplot is not installed "
			       "(apt-get install gnuplot-nox)");
	fd = mkstemps(path, 3);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return err_set(err, errno, "cannot plot: temporary file: %s",
			       strerror(errno));
	}
	fputs(script, f);
	fclose(f);
	unlink(png);
	rc = child_spawn(argv, false, true, &c);
	if (rc < 0) {
		unlink(path);
		return err_set(err, -rc, "cannot run gnuplot: %s",
			       strerror(-rc));
	}
	child_read(c.err, msg, sizeof(msg), -1, mono_ns() + PLOT_TIMEOUT_NS);
	status = child_wait(&c, true);
	unlink(path);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    stat(png, &st) != 0 || st.st_size == 0) {
		msg[strcspn(msg, "\n")] = '\0';
		return err_set(err, EIO, "gnuplot failed to draw %s: %s", png,
			       msg[0] ? msg : "no output");
	}
	return 0;
}

ssize_t bench_discard(void *ctx, int fd, const void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	__atomic_add_fetch((size_t *)ctx, len, __ATOMIC_RELAXED);
	return (ssize_t)len;
}
