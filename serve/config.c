/*
 * `mote serve` options: the command line, the libconfig file, per-function
 * "NAME=IMAGE,OPTION=VALUE" specs, defaults and validation. Sizes,
 * durations, counts and disks go through monitor/options.c's parsers.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

#define FN_OPTIONS                                                          \
	"mem, timeout, args, env, disk, pool, concurrency, queue, "          \
	"max-request, max-response, cgi or snapshot"

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= SERVE_NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* Environment names the server sets itself (RFC 3875 and mote's own). */
static bool env_reserved(const char *name, size_t n)
{
	static const char *const cgi[] = {
		"AUTH_TYPE",	     "CONTENT_LENGTH", "CONTENT_TYPE",
		"GATEWAY_INTERFACE", "PATH_INFO",      "PATH_TRANSLATED",
		"QUERY_STRING",	     "REMOTE_ADDR",    "REMOTE_HOST",
		"REMOTE_IDENT",	     "REMOTE_PORT",    "REMOTE_USER",
		"REQUEST_METHOD",    "REQUEST_URI",    "SCRIPT_NAME",
		"SERVER_NAME",	     "SERVER_PORT",    "SERVER_PROTOCOL",
		"SERVER_SOFTWARE",
	};

	if ((n >= 5 && strncmp(name, "HTTP_", 5) == 0) ||
	    (n >= 5 && strncmp(name, "MOTE_", 5) == 0))
		return true;
	for (size_t i = 0; i < sizeof(cgi) / sizeof(cgi[0]); i++)
		if (strlen(cgi[i]) == n && strncmp(cgi[i], name, n) == 0)
			return true;
	return false;
}

static int add_env(struct serve_function_cfg *f, const char *v,
		   struct mote_err *err)
{
	const char *eq = strchr(v, '=');
	size_t n = eq ? (size_t)(eq - v) : 0;

	if (!eq || n == 0 || !(isalpha((unsigned char)v[0]) || v[0] == '_'))
		return err_set(err, EINVAL,
			       "function '%s': env '%s' is not NAME=VALUE",
			       f->name, v);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_')
			return err_set(err, EINVAL,
				       "function '%s': env '%s' is not "
				       "NAME=VALUE",
				       f->name, v);
	if (env_reserved(v, n))
		return err_set(err, EINVAL,
			       "function '%s': env %.*s is set by the server "
			       "(CGI, HTTP_ and MOTE_ variables)",
			       f->name, (int)n, v);
	if (f->nenv == SERVE_MAX_ENV)
		return err_set(err, EINVAL,
			       "function '%s': more than %u env entries",
			       f->name, SERVE_MAX_ENV);
	f->env[f->nenv] = strdup(v);
	if (!f->env[f->nenv])
		return err_set(err, ENOMEM, "out of memory");
	f->nenv++;
	return 0;
}

static int add_arg(struct serve_function_cfg *f, const char *v, size_t n,
		   struct mote_err *err)
{
	if (f->nargs == SERVE_MAX_ARGS)
		return err_set(err, EINVAL, "function '%s': more than %u "
					    "arguments",
			       f->name, SERVE_MAX_ARGS);
	f->args[f->nargs] = strndup(v, n);
	if (!f->args[f->nargs])
		return err_set(err, ENOMEM, "out of memory");
	f->nargs++;
	return 0;
}

/* "args=-e print(1)" on a command line: one argument per word. */
static int add_words(struct serve_function_cfg *f, const char *v,
		     struct mote_err *err)
{
	while (*v) {
		size_t n;

		while (*v == ' ' || *v == '\t')
			v++;
		n = strcspn(v, " \t");
		if (n && add_arg(f, v, n, err) < 0)
			return -EINVAL;
		v += n;
	}
	return 0;
}

static int add_disk(struct serve_function_cfg *f, const char *v,
		    struct mote_err *err)
{
	struct mote_err e;

	if (f->ndisks == MOTE_MAX_DEVICES)
		return err_set(err, EINVAL, "function '%s': more than %u disks",
			       f->name, MOTE_MAX_DEVICES);
	if (!f->disks) {
		f->disks = calloc(MOTE_MAX_DEVICES, sizeof(*f->disks));
		if (!f->disks)
			return err_set(err, ENOMEM, "out of memory");
	}
	if (options_parse_disk(v, &f->disks[f->ndisks], &e) < 0)
		return err_set(err, EINVAL, "function '%s': %s", f->name, e.msg);
	/* Every request gets the same disk: only reading is safe. */
	f->disks[f->ndisks++].ro = true;
	return 0;
}

static int check_mem(const char *what, uint64_t v, struct mote_err *err)
{
	if (v < MOTE_MEM_MIN || v > MOTE_MEM_MAX || v % (2ull << 20))
		return err_set(err, EINVAL,
			       "%s must be a multiple of 2 MiB from 2M to 4G",
			       what);
	return 0;
}

static int parse_body_limit(struct serve_function_cfg *f, const char *key,
			    const char *value, uint64_t *out,
			    struct mote_err *err)
{
	struct mote_err e;

	if (options_parse_size(value, out, &e) < 0)
		return err_set(err, EINVAL, "function '%s': %s: %s", f->name,
			       key, e.msg);
	if (*out > (1ull << 30))
		return err_set(err, EINVAL, "function '%s': %s must be at most "
					    "1G",
			       f->name, key);
	return 0;
}

int serve_function_set(struct serve_function_cfg *f, const char *key,
		       const char *value, struct mote_err *err)
{
	struct mote_err e;
	char what[128];

	if (strcmp(key, "args") == 0)
		return add_words(f, value, err);
	if (strcmp(key, "env") == 0)
		return add_env(f, value, err);
	if (strcmp(key, "disk") == 0)
		return add_disk(f, value, err);
	if (strcmp(key, "mem") == 0) {
		snprintf(what, sizeof(what), "function '%s': mem", f->name);
		if (options_parse_size(value, &f->mem, &e) < 0)
			return err_set(err, EINVAL, "%s: %s", what, e.msg);
		return check_mem(what, f->mem, err);
	}
	if (strcmp(key, "timeout") == 0) {
		if (options_parse_duration(value, &f->timeout_ns, &e) < 0)
			return err_set(err, EINVAL, "function '%s': timeout: %s",
				       f->name, e.msg);
		return 0;
	}
	if (strcmp(key, "pool") == 0 || strcmp(key, "concurrency") == 0 ||
	    strcmp(key, "queue") == 0) {
		unsigned *dst = key[0] == 'p'	? &f->pool
				: key[0] == 'c' ? &f->concurrency
						: &f->queue;
		unsigned min = key[0] == 'c' ? 1 : 0;
		unsigned max = key[0] == 'q' ? 100000 : 10000;

		if (options_parse_count(key, value, min, max, dst, &e) < 0)
			return err_set(err, EINVAL, "function '%s': %s", f->name,
				       e.msg);
		return 0;
	}
	if (strcmp(key, "max-request") == 0)
		return parse_body_limit(f, key, value, &f->max_request, err);
	if (strcmp(key, "max-response") == 0)
		return parse_body_limit(f, key, value, &f->max_response, err);
	if (strcmp(key, "cgi") == 0 || strcmp(key, "snapshot") == 0) {
		bool *flag = key[0] == 'c' ? &f->cgi : &f->snapshot;

		if (strcmp(value, "on") == 0 || strcmp(value, "off") == 0) {
			*flag = value[1] == 'n';
			return 0;
		}
		return err_set(err, EINVAL,
			       "function '%s': %s must be on or off", f->name,
			       key);
	}
	return err_set(err, EINVAL,
		       "function '%s': unknown option '%s' (expected " FN_OPTIONS
		       ")",
		       f->name, key);
}

/* A new function named name[0..n) (checked), with the defaults. */
static struct serve_function_cfg *new_function(struct serve_config *c,
					       const char *name, size_t n,
					       struct mote_err *err)
{
	struct serve_function_cfg *f;

	if (!name_ok(name, n)) {
		err_set(err, EINVAL,
			"function name '%.*s' must be 1 to %d letters, digits, "
			"'.', '_' or '-', not starting with '.'",
			(int)n, name, SERVE_NAME_MAX - 1);
		return NULL;
	}
	for (unsigned i = 0; i < c->nfns; i++)
		if (strlen(c->fns[i].name) == n &&
		    strncmp(c->fns[i].name, name, n) == 0) {
			err_set(err, EINVAL, "function '%.*s' is defined twice",
				(int)n, name);
			return NULL;
		}
	if (c->nfns == SERVE_MAX_FUNCTIONS) {
		err_set(err, EINVAL, "more than %u functions",
			SERVE_MAX_FUNCTIONS);
		return NULL;
	}
	f = &c->fns[c->nfns++];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, name, n);
	f->pool = 2;
	f->concurrency = 32;
	f->queue = 256;
	f->max_request = SERVE_DEFAULT_MAX_BODY;
	f->max_response = SERVE_DEFAULT_MAX_BODY;
	return f;
}

static int set_image(struct serve_function_cfg *f, const char *image,
		     struct mote_err *err)
{
	if (!*image)
		return err_set(err, EINVAL, "function '%s' has no image",
			       f->name);
	free(f->image);
	f->image = strdup(image);
	return f->image ? 0 : err_set(err, ENOMEM, "out of memory");
}

int serve_config_add_function(struct serve_config *c, const char *spec,
			      struct mote_err *err)
{
	const char *eq = strchr(spec, '='), *p;
	struct serve_function_cfg *f;
	char *image;
	int rc;

	if (!eq)
		return err_set(err, EINVAL,
			       "--function '%s': expected "
			       "NAME=IMAGE[,OPTION=VALUE]...",
			       spec);
	f = new_function(c, spec, (size_t)(eq - spec), err);
	if (!f)
		return -EINVAL;
	p = eq + 1;
	image = strndup(p, strcspn(p, ","));
	if (!image)
		return err_set(err, ENOMEM, "out of memory");
	rc = set_image(f, image, err);
	free(image);
	if (rc < 0)
		return rc;
	p += strcspn(p, ",");
	while (*p == ',') {
		size_t n = strcspn(++p, ",");
		char *opt = strndup(p, n), *val;

		if (!opt)
			return err_set(err, ENOMEM, "out of memory");
		val = strchr(opt, '=');
		if (!val) {
			err_set(err, EINVAL,
				"function '%s': option '%s' needs =VALUE",
				f->name, opt);
			free(opt);
			return -EINVAL;
		}
		*val++ = '\0';
		rc = serve_function_set(f, opt, val, err);
		free(opt);
		if (rc < 0)
			return rc;
		p += n;
	}
	return 0;
}

/* ---- the config file ---- */

/* "FILE:LINE: " before a message that is already in err. */
static int at_line(struct mote_err *err, const char *path, int line)
{
	struct mote_err e = *err;

	return err_set(err, EINVAL, "%s:%d: %s", path, line, e.msg);
}

/* A scalar setting as the text its command-line option would take. */
static int scalar_text(const config_setting_t *s, char *buf, size_t n,
		       const char *path, struct mote_err *err)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		snprintf(buf, n, "%s", config_setting_get_string(s));
		return 0;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if (config_setting_get_int64(s) < 0)
			break;
		snprintf(buf, n, "%lld", config_setting_get_int64(s));
		return 0;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, n, "%s", config_setting_get_bool(s) ? "on" : "off");
		return 0;
	default:
		break;
	}
	err_set(err, EINVAL, "'%s' must be a string or a number",
		config_setting_name(s));
	return at_line(err, path, config_setting_source_line(s));
}

/* Each string of a list or array setting, through add. */
static int each_string(struct serve_function_cfg *f, const config_setting_t *s,
		       const char *path,
		       int (*add)(struct serve_function_cfg *, const char *,
				  struct mote_err *),
		       struct mote_err *err)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		goto bad;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			goto bad;
		if (add(f, config_setting_get_string(e), err) < 0)
			return at_line(err, path, config_setting_source_line(e));
	}
	return 0;
bad:
	err_set(err, EINVAL, "function '%s': '%s' must be a list of strings",
		f->name, config_setting_name(s));
	return at_line(err, path, config_setting_source_line(s));
}

static int add_one_arg(struct serve_function_cfg *f, const char *v,
		       struct mote_err *err)
{
	return add_arg(f, v, strlen(v), err);
}

static int load_function(struct serve_config *c, const config_setting_t *g,
			 const char *path, struct mote_err *err)
{
	const config_setting_t *name = config_setting_get_member(g, "name");
	const config_setting_t *image = config_setting_get_member(g, "image");
	int line = config_setting_source_line(g);
	struct serve_function_cfg *f;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		err_set(err, EINVAL, "each function must be a group "
				     "{ name = ...; image = ...; }");
		return at_line(err, path, line);
	}
	if (!name || config_setting_type(name) != CONFIG_TYPE_STRING) {
		err_set(err, EINVAL, "a function needs name = \"NAME\";");
		return at_line(err, path, line);
	}
	f = new_function(c, config_setting_get_string(name),
			 strlen(config_setting_get_string(name)), err);
	if (!f)
		return at_line(err, path, config_setting_source_line(name));
	f->line = line;
	if (!image || config_setting_type(image) != CONFIG_TYPE_STRING) {
		err_set(err, EINVAL, "function '%s' needs image = \"PATH\";",
			f->name);
		return at_line(err, path, line);
	}
	if (set_image(f, config_setting_get_string(image), err) < 0)
		return at_line(err, path, config_setting_source_line(image));
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(s);
		char text[4096];

		if (strcmp(key, "name") == 0 || strcmp(key, "image") == 0)
			continue;
		if (strcmp(key, "args") == 0 || strcmp(key, "env") == 0 ||
		    strcmp(key, "disk") == 0) {
			int rc = each_string(f, s, path,
					     key[0] == 'a'   ? add_one_arg
					     : key[0] == 'e' ? add_env
							     : add_disk,
					     err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (scalar_text(s, text, sizeof(text), path, err) < 0)
			return -EINVAL;
		if (serve_function_set(f, key, text, err) < 0)
			return at_line(err, path, config_setting_source_line(s));
	}
	return 0;
}

static int set_global(struct serve_config *c, const char *key,
		      const char *value, struct mote_err *err);

static int load_listen(struct serve_config *c, const config_setting_t *s,
		       const char *path, struct mote_err *err)
{
	int type = config_setting_type(s);

	c->nlisten = 0;
	if (type == CONFIG_TYPE_STRING)
		return set_global(c, "listen", config_setting_get_string(s), err) < 0
			       ? at_line(err, path, config_setting_source_line(s))
			       : 0;
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		goto bad;
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			goto bad;
		if (set_global(c, "listen", config_setting_get_string(e), err) < 0)
			return at_line(err, path, config_setting_source_line(e));
	}
	return 0;
bad:
	err_set(err, EINVAL, "'listen' must be a string or a list of strings");
	return at_line(err, path, config_setting_source_line(s));
}

int serve_config_load(struct serve_config *c, const char *path,
		      struct mote_err *err)
{
	config_t cf;
	config_setting_t *root;
	int rc = 0;

	config_init(&cf);
	if (!config_read_file(&cf, path)) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			rc = err_set(err, EINVAL, "--config %s: cannot read it",
				     path);
		else
			rc = err_set(err, EINVAL, "%s:%d: %s",
				     config_error_file(&cf) ? config_error_file(&cf)
							    : path,
				     config_error_line(&cf),
				     config_error_text(&cf));
		config_destroy(&cf);
		return rc;
	}
	root = config_root_setting(&cf);
	for (int i = 0; i < config_setting_length(root) && !rc; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *key = config_setting_name(s);
		char text[4096];

		if (strcmp(key, "functions") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_LIST) {
				err_set(err, EINVAL,
					"'functions' must be a list ( { ... }, "
					"... )");
				rc = at_line(err, path,
					     config_setting_source_line(s));
				break;
			}
			for (int k = 0; k < config_setting_length(s) && !rc; k++)
				rc = load_function(
					c, config_setting_get_elem(s, (unsigned)k),
					path, err);
		} else if (strcmp(key, "listen") == 0) {
			rc = load_listen(c, s, path, err);
		} else if (strcmp(key, "jail") == 0 ||
			   strcmp(key, "jail-netns") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
				err_set(err, EINVAL, "'%s' must be true or false",
					key);
				rc = at_line(err, path,
					     config_setting_source_line(s));
			} else if (key[4]) {
				c->jail_netns = config_setting_get_bool(s);
			} else {
				c->jail = config_setting_get_bool(s);
			}
		} else if ((rc = scalar_text(s, text, sizeof(text), path, err)) ==
			   0) {
			if (set_global(c, key, text, err) < 0)
				rc = at_line(err, path,
					     config_setting_source_line(s));
		}
	}
	config_destroy(&cf);
	return rc;
}

/* ---- the command line ---- */

static int size_opt(const char *key, const char *value, uint64_t *out,
		    struct mote_err *err)
{
	struct mote_err e;

	if (options_parse_size(value, out, &e) < 0)
		return err_set(err, EINVAL, "--%s: %s", key, e.msg);
	return 0;
}

static int duration_opt(const char *key, const char *value, uint64_t *out,
			struct mote_err *err)
{
	struct mote_err e;

	if (options_parse_duration(value, out, &e) < 0)
		return err_set(err, EINVAL, "--%s: %s", key, e.msg);
	return 0;
}

/* The options that take a value, shared by the command line and the file
 * (where they are written without the dashes). */
static int set_global(struct serve_config *c, const char *key,
		      const char *value, struct mote_err *err)
{
	unsigned n;

	if (strcmp(key, "listen") == 0) {
		struct serve_addr a;

		if (c->nlisten == SERVE_MAX_LISTEN)
			return err_set(err, EINVAL, "more than %u --listen "
						    "addresses",
				       SERVE_MAX_LISTEN);
		if (serve_listen_parse(value, &a, err) < 0)
			return -EINVAL;
		c->listen[c->nlisten] = strdup(value);
		if (!c->listen[c->nlisten])
			return err_set(err, ENOMEM, "out of memory");
		c->nlisten++;
		return 0;
	}
	if (strcmp(key, "mem") == 0)
		return size_opt(key, value, &c->mem, err) < 0
			       ? -EINVAL
			       : check_mem("--mem", c->mem, err);
	if (strcmp(key, "timeout") == 0)
		return duration_opt(key, value, &c->timeout_ns, err);
	if (strcmp(key, "drain-timeout") == 0)
		return duration_opt(key, value, &c->drain_ns, err);
	if (strcmp(key, "idle-timeout") == 0) {
		if (duration_opt(key, value, &c->idle_ns, err) < 0)
			return -EINVAL;
		if (c->idle_ns < 1000000000ull)
			return err_set(err, EINVAL,
				       "--idle-timeout must be at least 1s");
		return 0;
	}
	if (strcmp(key, "max-header-size") == 0) {
		if (size_opt(key, value, &c->max_header, err) < 0)
			return -EINVAL;
		if (c->max_header < 4096 || c->max_header > 65536)
			return err_set(err, EINVAL,
				       "--max-header-size must be from 4K to 64K");
		return 0;
	}
	if (strcmp(key, "max-headers") == 0)
		return options_parse_count("--max-headers", value, 1, 1000,
					   &c->max_headers, err);
	if (strcmp(key, "max-connections") == 0)
		return options_parse_count("--max-connections", value, 1, 100000,
					   &c->max_connections, err);
	if (strcmp(key, "workers") == 0)
		return options_parse_count("--workers", value, 1, 1024,
					   &c->workers, err);
	if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		char name[8];

		snprintf(name, sizeof(name), "--%s", key);
		if (options_parse_count(name, value, 0, 0x7fffffff, &n, err) < 0)
			return -EINVAL;
		*(key[0] == 'u' ? &c->uid : &c->gid) = n;
		return 0;
	}
	return err_set(err, EINVAL, "unknown setting '%s'", key);
}

static const char *const value_opts[] = {
	"listen",	  "function",	 "config",	 "mem",
	"timeout",	  "drain-timeout", "idle-timeout", "max-header-size",
	"max-headers",	  "max-connections", "workers", "uid",
	"gid",
};

static bool takes_value(const char *name)
{
	for (size_t i = 0; i < sizeof(value_opts) / sizeof(value_opts[0]); i++)
		if (strcmp(value_opts[i], name) == 0)
			return true;
	return false;
}

/* Splits "--name=value" or "--name value"; returns the index consumed. */
static int option_value(int argc, char **argv, int i, char *name, size_t n,
			const char **value, struct mote_err *err)
{
	const char *arg = argv[i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	if (len >= n)
		len = n - 1;
	memcpy(name, arg, len);
	name[len] = '\0';
	*value = NULL;
	if (!takes_value(name))
		return eq ? err_set(err, EINVAL, "option '--%s' takes no value",
				    name)
			  : i;
	if (eq) {
		*value = eq + 1;
		return i;
	}
	if (i + 1 >= argc)
		return err_set(err, EINVAL, "option '--%s' needs a value", name);
	*value = argv[i + 1];
	return i + 1;
}

static void apply_defaults(struct serve_config *c)
{
	for (unsigned i = 0; i < c->nfns; i++) {
		struct serve_function_cfg *f = &c->fns[i];

		if (!f->mem)
			f->mem = c->mem;
		if (!f->timeout_ns)
			f->timeout_ns = c->timeout_ns;
	}
}

int serve_config_parse(int argc, char **argv, const char *env_port,
		       struct serve_config *c, struct mote_err *err)
{
	bool cli_listen = false;
	unsigned file_listen;

	memset(c, 0, sizeof(*c));
	c->mem = MOTE_MEM_DEFAULT;
	c->timeout_ns = SERVE_DEFAULT_TIMEOUT_NS;
	c->drain_ns = SERVE_DEFAULT_DRAIN_NS;
	c->idle_ns = 30ull * 1000000000ull;
	c->max_connections = 1024;
	c->max_header = 16384;
	c->max_headers = 100;
	c->jail = -1;
	c->uid = c->gid = -1;
	/* The file first, so that the command line overrides it. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			c->help = true;
			return 0;
		}
		if (strncmp(argv[i], "--config", 8) == 0 &&
		    (argv[i][8] == '=' || argv[i][8] == '\0')) {
			if (c->config_path)
				return err_set(err, EINVAL,
					       "--config given twice");
			c->config_path = argv[i][8] ? argv[i] + 9
				       : i + 1 < argc ? argv[++i]
						      : NULL;
			if (!c->config_path)
				return err_set(err, EINVAL,
					       "option '--config' needs a value");
		}
	}
	if (c->config_path && serve_config_load(c, c->config_path, err) < 0)
		return -EINVAL;
	file_listen = c->nlisten;
	for (int i = 0; i < argc; i++) {
		char name[32];
		const char *value;
		int rc;

		if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0')
			return err_set(err, EINVAL, "unexpected argument '%s'",
				       argv[i]);
		rc = option_value(argc, argv, i, name, sizeof(name), &value, err);
		if (rc < 0)
			return rc;
		i = rc;
		if (strcmp(name, "config") == 0)
			continue;
		if (strcmp(name, "function") == 0) {
			rc = serve_config_add_function(c, value, err);
		} else if (strcmp(name, "jail") == 0) {
			c->jail = 1;
		} else if (strcmp(name, "no-jail") == 0) {
			c->jail = 0;
		} else if (strcmp(name, "jail-netns") == 0) {
			c->jail_netns = true;
		} else if (value) {
			if (strcmp(name, "listen") == 0 && !cli_listen) {
				/* The command line's addresses replace the
				 * file's. */
				for (unsigned k = 0; k < file_listen; k++)
					free(c->listen[k]);
				c->nlisten = 0;
				cli_listen = true;
			}
			rc = set_global(c, name, value, err);
		} else {
			rc = err_set(err, EINVAL, "unknown option '%s'", argv[i]);
		}
		if (rc < 0)
			return rc;
	}
	if (c->nfns == 0)
		return err_set(err, EINVAL,
			       "no function: give at least one --function "
			       "NAME=IMAGE");
	if (c->nlisten == 0) {
		char spec[32];
		unsigned port = SERVE_DEFAULT_PORT;
		struct mote_err e;

		if (env_port && *env_port &&
		    options_parse_count("$PORT", env_port, 1, 65535, &port, &e) < 0)
			return err_set(err, EINVAL, "%s", e.msg);
		snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
		if (env_port && *env_port)
			snprintf(spec, sizeof(spec), "0.0.0.0:%u", port);
		if (set_global(c, "listen", spec, err) < 0)
			return -EINVAL;
	}
	apply_defaults(c);
	return 0;
}

void serve_config_free(struct serve_config *c)
{
	for (unsigned i = 0; i < c->nlisten; i++)
		free(c->listen[i]);
	for (unsigned i = 0; i < c->nfns; i++) {
		struct serve_function_cfg *f = &c->fns[i];

		free(f->image);
		for (unsigned k = 0; k < f->nargs; k++)
			free(f->args[k]);
		for (unsigned k = 0; k < f->nenv; k++)
			free(f->env[k]);
		free(f->disks);
	}
	c->nlisten = c->nfns = 0;
}
