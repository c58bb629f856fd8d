/*
 * Helpers every `mote bench` command uses: files next to the mote binary,
 * the image to boot and its arguments, phase names on stderr.
 */
#include <stdarg.h>
#include <stdio.h>

#include "harness.h"
#include "ident.h"

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

void bench_phase(const struct bench_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->quiet)
		return;
	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void image_spec_json(struct jw *j, const struct image_spec *is)
{
	image_json(j, "image", is->path, is->argc - 1, is->argv + 1);
}

ssize_t bench_discard(void *ctx, int fd, const void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	__atomic_add_fetch((size_t *)ctx, len, __ATOMIC_RELAXED);
	return (ssize_t)len;
}
