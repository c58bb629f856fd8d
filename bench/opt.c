/*
 * Table-driven long options for the benchmark programs, on getopt_long and
 * the monitor's number parsers, so every program rejects alike.
 */
#include "opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/options.h"

#define OPT_MAX 32

static int seconds(const struct opt *o, const char *s, struct mote_err *err)
{
	double hi = o->hi ? o->hi : 3600, v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > hi)
		return err_set(err, EINVAL,
			       "--%s: expected seconds from 0 to %.0f, got '%s'",
			       o->name, hi, s);
	*(double *)o->dst = v;
	return 0;
}

static int one(struct opt *o, const char *arg, struct mote_err *err)
{
	int rc = 0;

	o->seen = true;
	switch (o->kind) {
	case OPT_STR:
		*(const char **)o->dst = arg;
		break;
	case OPT_COUNT:
		rc = options_parse_count(o->name, arg, o->lo, o->hi,
					 (unsigned *)o->dst, err);
		if (rc < 0)
			err_set(err, -rc, "--%s: expected a number from %u to "
				"%u, got '%s'", o->name, o->lo, o->hi, arg);
		break;
	case OPT_SIZE:
		rc = options_parse_size(arg, (uint64_t *)o->dst, err);
		if (rc < 0)
			err_set(err, -rc, "--%s: expected a size such as 16M, "
				"got '%s'", o->name, arg);
		break;
	case OPT_SECONDS:
		rc = seconds(o, arg, err);
		break;
	case OPT_DURATION:
		rc = options_parse_duration(arg, (uint64_t *)o->dst, err);
		break;
	case OPT_FLAG:
		*(bool *)o->dst = true;
		break;
	}
	return rc;
}

int opt_parse(struct opt *t, size_t n, int argc, char **argv, int first,
	      bool *help, struct mote_err *err)
{
	struct option lo[OPT_MAX + 2];
	int c, rc = 0;

	if (n > OPT_MAX)
		return err_set(err, E2BIG, "too many options");
	for (size_t i = 0; i < n; i++)
		lo[i] = (struct option){t[i].name,
					t[i].kind == OPT_FLAG ? no_argument
							      : required_argument,
					NULL, 256 + (int)i};
	lo[n] = (struct option){"help", no_argument, NULL, 'h'};
	lo[n + 1] = (struct option){NULL, 0, NULL, 0};
	*help = false;
	optind = 0; /* restart getopt: glibc's full reinitialisation */
	opterr = 0;
	/* getopt_long starts at argv[optind] = argv[1]: skip what comes
	 * before first by handing it a shifted argv. */
	argc -= first - 1;
	argv += first - 1;
	while (rc == 0 && (c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		if (c == 'h') {
			*help = true;
			return 0;
		}
		if (c < 256 || c >= 256 + (int)n)
			return err_set(err, EINVAL,
				       "unknown or incomplete option '%s'",
				       argv[optind - 1]);
		rc = one(&t[c - 256], optarg, err);
	}
	return rc < 0 ? rc : optind + first - 1;
}

void opt_json(struct jw *j, const char *key, const struct opt *t, size_t n)
{
	jw_obj(j, key);
	for (size_t i = 0; i < n; i++) {
		const struct opt *o = &t[i];

		if (!o->result)
			continue;
		switch (o->kind) {
		case OPT_STR:
			jw_str(j, o->name, *(const char *const *)o->dst);
			break;
		case OPT_COUNT:
			if (!o->seen && !*(const unsigned *)o->dst)
				jw_null(j, o->name);
			else
				jw_int(j, o->name, *(const unsigned *)o->dst);
			break;
		case OPT_SIZE:
		case OPT_DURATION:
			if (!o->seen && !*(const uint64_t *)o->dst)
				jw_null(j, o->name);
			else
				jw_int(j, o->name,
				       (long long)*(const uint64_t *)o->dst);
			break;
		case OPT_SECONDS:
			if (!o->seen && !(*(const double *)o->dst > 0))
				jw_null(j, o->name);
			else
				jw_num(j, o->name, *(const double *)o->dst, 3);
			break;
		case OPT_FLAG:
			jw_bool(j, o->name, *(const bool *)o->dst);
			break;
		}
	}
	jw_obj_end(j);
}
