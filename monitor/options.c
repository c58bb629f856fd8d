/*
 * Parsing of sizes, durations and `mote run` options, with one-line errors
 * that name the option and the offending value.
 */
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../guest_abi/mote_abi.h"

/* Parses a leading unsigned decimal; *end is where the suffix starts. */
static int parse_number(const char *s, uint64_t *v, const char **end)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*end = e;
	return 0;
}

int options_parse_size(const char *s, uint64_t *out, struct mote_err *err)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "", 0 },   { "K", 10 },	{ "KiB", 10 }, { "M", 20 },
		{ "MiB", 20 }, { "G", 30 }, { "GiB", 30 },
	};
	const char *end;
	uint64_t v;

	if (parse_number(s, &v, &end) == 0) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcasecmp(end, units[i].suffix) != 0)
				continue;
			if (v > (UINT64_MAX >> units[i].shift))
				break;
			*out = v << units[i].shift;
			return 0;
		}
	}
	return err_set(err, EINVAL,
		       "invalid size '%s' (expected e.g. 16M, 512MiB, 1G)", s);
}

int options_parse_duration(const char *s, uint64_t *ns, struct mote_err *err)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} units[] = {
		{ "", 1000000000ull },	  { "s", 1000000000ull },
		{ "ms", 1000000ull },	  { "us", 1000ull },
		{ "m", 60000000000ull },
	};
	const char *end;
	uint64_t v;

	if (parse_number(s, &v, &end) == 0) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(end, units[i].suffix) != 0)
				continue;
			if (__builtin_mul_overflow(v, units[i].ns, ns))
				break;
			return 0;
		}
	}
	return err_set(err, EINVAL,
		       "invalid duration '%s' (expected e.g. 500ms, 2s, 1m)", s);
}

int options_parse_count(const char *name, const char *s, unsigned min,
			unsigned max, unsigned *out, struct mote_err *err)
{
	const char *end;
	uint64_t v;

	if (parse_number(s, &v, &end) == 0 && *end == '\0' && v >= min &&
	    v <= max) {
		*out = (unsigned)v;
		return 0;
	}
	return err_set(err, EINVAL, "%s %s: expected a number from %u to %u",
		       name, s, min, max);
}

/* Accepts "--opt VALUE" and "--opt=VALUE"; returns the value or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name,
			     struct mote_err *err, int *rc)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*rc = err_set(err, EINVAL, "option %s needs a value", name);
		return NULL;
	}
	return argv[++*i];
}

int options_parse_run(int argc, char **argv, struct run_opts *o,
		      struct mote_err *err)
{
	int i, rc = 0;
	const char *v;

	memset(o, 0, sizeof(*o));
	o->mem = MOTE_MEM_DEFAULT;
	o->count = 1;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->help = true;
			return 0;
		} else if (strcmp(a, "--stats") == 0) {
			o->stats = true;
		} else if ((v = opt_value(argc, argv, &i, "--mem", err, &rc))) {
			rc = options_parse_size(v, &o->mem, err);
			if (!rc && (o->mem < MOTE_MEM_MIN ||
				    o->mem > MOTE_MEM_MAX ||
				    o->mem % MOTE_MEM_MIN))
				rc = err_set(err, EINVAL,
					     "--mem %s: must be a multiple of "
					     "2 MiB from 2M to 4G",
					     v);
		} else if ((v = opt_value(argc, argv, &i, "--timeout", err,
					  &rc))) {
			rc = options_parse_duration(v, &o->timeout_ns, err);
		} else if ((v = opt_value(argc, argv, &i, "--count", err, &rc))) {
			rc = options_parse_count("--count", v, 1, OPTIONS_MAX_COUNT,
						 &o->count, err);
		} else if ((v = opt_value(argc, argv, &i, "--pool", err, &rc))) {
			rc = options_parse_count("--pool", v, 0, OPTIONS_MAX_COUNT,
						 &o->pool, err);
		} else if ((v = opt_value(argc, argv, &i, "--workers", err,
					  &rc))) {
			rc = options_parse_count("--workers", v, 1, 1024,
						 &o->workers, err);
		} else if ((v = opt_value(argc, argv, &i, "--output", err,
					  &rc))) {
			o->output = v;
			if (!*v)
				rc = err_set(err, EINVAL,
					     "--output needs a directory");
		} else if (!rc) {
			rc = err_set(err, EINVAL, "unknown option '%s'", a);
		}
		if (rc)
			return rc;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		return err_set(err, EINVAL, "missing IMAGE before '--'");
	if (i >= argc)
		return err_set(err, EINVAL, "missing IMAGE");
	o->image = argv[i];
	/* IMAGE [ARGS...] or IMAGE -- ARGS...: guest argv[0] is the image. */
	if (i + 1 < argc && strcmp(argv[i + 1], "--") == 0) {
		argv[i + 1] = argv[i];
		i++;
	}
	o->guest_argv = &argv[i];
	o->guest_argc = argc - i;
	return 0;
}
