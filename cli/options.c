/*
 * Parsing of sizes, durations and `mote run` options, with one-line errors
 * that name the option and the offending value.
 */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
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
			if (__builtin_mul_overflow(v, units[i].ns, ns) ||
			    *ns > OPTIONS_MAX_DURATION_NS)
				return err_set(err, ERANGE,
					       "duration '%s' is longer than a "
					       "year",
					       s);
			if (*ns == 0)
				return err_set(err, EINVAL,
					       "duration '%s' is zero (leave the "
					       "option out for no limit)",
					       s);
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

int options_parse_disk(const char *s, struct disk_opt *d, struct mote_err *err)
{
	const char *comma = strchr(s, ','), *flag;
	size_t len = comma ? (size_t)(comma - s) : strlen(s);

	memset(d, 0, sizeof(*d));
	if (len == 0)
		return err_set(err, EINVAL, "--disk needs a path");
	if (len >= sizeof(d->path))
		return err_set(err, EINVAL, "--disk: path longer than %zu bytes",
			       sizeof(d->path) - 1);
	memcpy(d->path, s, len);
	for (flag = comma; flag; flag = comma) {
		size_t n;

		flag++;
		comma = strchr(flag, ',');
		n = comma ? (size_t)(comma - flag) : strlen(flag);
		if (n == 2 && strncmp(flag, "ro", 2) == 0)
			d->ro = true;
		else if (n == 6 && strncmp(flag, "direct", 6) == 0)
			d->direct = true;
		else
			return err_set(err, EINVAL,
				       "--disk %s: unknown flag '%.*s' (expected "
				       "ro or direct)",
				       s, (int)n, flag);
	}
	return 0;
}

/* A unicast MAC: a multicast one would never be a guest's own. */
static bool parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned v[6];
	int end = 0;
	char buf[18];

	if (len != 17)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &end) != 6 || end != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)buf[3 * i]) ||
		    !isxdigit((unsigned char)buf[3 * i + 1]))
			return false;
		mac[i] = (uint8_t)v[i];
	}
	return !(mac[0] & 1);
}

int options_parse_net(const char *s, struct net_opt *n, struct mote_err *err)
{
	const char *comma = strchr(s, ','), *flag;
	size_t len = comma ? (size_t)(comma - s) : strlen(s);

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (len > 4 && strncmp(s, "tap:", 4) == 0) {
		if (len - 4 >= sizeof(n->tap))
			return err_set(err, EINVAL,
				       "--net %s: interface name longer than "
				       "%zu bytes",
				       s, sizeof(n->tap) - 1);
		memcpy(n->tap, s + 4, len - 4);
		if (strchr(n->tap, '/'))
			return err_set(err, EINVAL,
				       "--net %s: bad interface name", s);
	} else if (len > 3 && strncmp(s, "fd:", 3) == 0) {
		char *end;
		unsigned long fd;

		errno = 0;
		fd = isdigit((unsigned char)s[3]) ? strtoul(s + 3, &end, 10) : 0;
		if (!isdigit((unsigned char)s[3]) || errno ||
		    end != s + len || fd > 1u << 20)
			return err_set(err, EINVAL,
				       "--net %s: expected fd:N with N a file "
				       "descriptor number",
				       s);
		n->fd = (int)fd;
	} else {
		return err_set(err, EINVAL,
			       "--net %s: expected tap:NAME or fd:N", s);
	}
	for (flag = comma; flag; flag = comma) {
		size_t k;

		flag++;
		comma = strchr(flag, ',');
		k = comma ? (size_t)(comma - flag) : strlen(flag);
		if (k > 4 && strncmp(flag, "mac=", 4) == 0) {
			if (!parse_mac(flag + 4, k - 4, n->mac))
				return err_set(err, EINVAL,
					       "--net %s: bad MAC '%.*s' "
					       "(expected a unicast "
					       "aa:bb:cc:dd:ee:ff)",
					       s, (int)(k - 4), flag + 4);
			n->has_mac = true;
		} else {
			return err_set(err, EINVAL,
				       "--net %s: unknown flag '%.*s' (expected "
				       "mac=MAC)",
				       s, (int)k, flag);
		}
	}
	return 0;
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
	o->jail = -1;
	o->uid = o->gid = -1;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->help = true;
			return 0;
		} else if (strcmp(a, "--stats") == 0) {
			o->stats = true;
		} else if (strcmp(a, "--jail") == 0) {
			o->jail = 1;
		} else if (strcmp(a, "--no-jail") == 0) {
			o->jail = 0;
		} else if (strcmp(a, "--jail-netns") == 0) {
			o->jail_netns = true;
		} else if (strcmp(a, "--jail-allow-root") == 0) {
			o->allow_root = true;
		} else if (strcmp(a, "--snapshot") == 0) {
			o->snapshot = true;
		} else if ((v = opt_value(argc, argv, &i, "-o", err, &rc))) {
			o->snapshot_out = v;
			if (!*v)
				rc = err_set(err, EINVAL, "-o needs a file");
		} else if ((v = opt_value(argc, argv, &i, "--env", err, &rc))) {
			const char *eq = strchr(v, '=');

			if (!eq || eq == v)
				rc = err_set(err, EINVAL,
					     "--env %s: expected NAME=VALUE", v);
			else if (o->nenv == OPTIONS_MAX_ENV)
				rc = err_set(err, EINVAL,
					     "--env: at most %u variables",
					     OPTIONS_MAX_ENV);
			else
				o->env[o->nenv++] = (char *)v;
		} else if ((v = opt_value(argc, argv, &i, "--max-output", err,
					  &rc))) {
			rc = options_parse_size(v, &o->max_output, err);
			if (!rc && o->max_output == 0)
				rc = err_set(err, EINVAL,
					     "--max-output %s: must be more than "
					     "0 (leave it out for no limit)",
					     v);
		} else if ((v = opt_value(argc, argv, &i, "--uid", err, &rc)) ||
			   (v = opt_value(argc, argv, &i, "--gid", err, &rc))) {
			unsigned id;
			bool is_uid = strncmp(a, "--uid", 5) == 0;

			rc = options_parse_count(is_uid ? "--uid" : "--gid", v,
						 0, 0x7ffffffe, &id, err);
			if (is_uid)
				o->uid = id;
			else
				o->gid = id;
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
		} else if ((v = opt_value(argc, argv, &i, "--disk", err, &rc))) {
			if (o->ndisks == MOTE_MAX_DEVICES)
				rc = err_set(err, EINVAL,
					     "--disk: at most %u disks",
					     MOTE_MAX_DEVICES);
			else
				rc = options_parse_disk(
					v, &o->disks[o->ndisks++], err);
		} else if ((v = opt_value(argc, argv, &i, "--net", err, &rc))) {
			if (o->nnets == MOTE_MAX_DEVICES)
				rc = err_set(err, EINVAL,
					     "--net: at most %u devices",
					     MOTE_MAX_DEVICES);
			else
				rc = options_parse_net(
					v, &o->nets[o->nnets++], err);
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
	if (o->ndisks + o->nnets > MOTE_MAX_DEVICES)
		return err_set(err, EINVAL,
			       "--disk and --net: at most %u devices in all",
			       MOTE_MAX_DEVICES);
	/* A tap has one reader: VMs sharing it would steal each other's
	 * frames. One process per tap (or per set of taps) instead. */
	if (o->nnets && (o->count > 1 || o->pool))
		return err_set(err, EINVAL,
			       "--net: a tap belongs to one VM; not with "
			       "--count above 1 or --pool");
	if (o->jail == 0 && (o->uid >= 0 || o->gid >= 0 || o->jail_netns ||
			     o->allow_root))
		return err_set(err, EINVAL,
			       "--uid, --gid, --jail-netns and --jail-allow-root "
			       "need the jail");
	/* Root inside the jail keeps what the jail exists to take away. */
	if ((o->uid == 0 || o->gid == 0) && !o->allow_root)
		return err_set(err, EINVAL,
			       "--uid 0 or --gid 0 would leave the jailed mote "
			       "running as root; add --jail-allow-root if that "
			       "is meant");
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
