/*
 * `mote serve` configuration: the command line, per-function specs and
 * the libconfig file, with the exact one-line message of every rejection.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../serve/config.h"
#include "../../serve/listen.h"

#define MIB (1ull << 20)
#define SEC 1000000000ull

/* Parses argv (NULL-terminated) with $PORT unset; returns the result. */
static int parse(struct serve_config *c, struct mote_err *err,
		 const char *port, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return serve_config_parse(argc, argv, port, c, err);
}

#define PARSE(c, err, ...) parse((c), (err), NULL, (char *[]){ __VA_ARGS__, NULL })

static void expect_rejected(const char *msg, char **argv)
{
	struct serve_config c;
	struct mote_err err = { "" };

	cr_assert_eq(parse(&c, &err, NULL, argv), -EINVAL,
		     "accepted; wanted '%s'", msg);
	cr_assert_str_eq(err.msg, msg);
	serve_config_free(&c);
}

#define REJECT(msg, ...) expect_rejected((msg), (char *[]){ __VA_ARGS__, NULL })

Test(serve_config, defaults_for_one_function)
{
	struct serve_config c;
	struct mote_err err = { "" };

	cr_assert_eq(PARSE(&c, &err, "--function", "echo=e.elf"), 0, "%s",
		     err.msg);
	cr_assert_eq(c.nfns, 1);
	cr_assert_str_eq(c.fns[0].name, "echo");
	cr_assert_str_eq(c.fns[0].image, "e.elf");
	cr_assert_eq(c.fns[0].mem, 16 * MIB);
	cr_assert_eq(c.fns[0].timeout_ns, 30 * SEC);
	cr_assert_geq(c.fns[0].max_request, 6 * MIB);
	cr_assert_geq(c.fns[0].max_response, 6 * MIB);
	cr_assert_eq(c.fns[0].pool, 2);
	cr_assert_eq(c.fns[0].concurrency, 32);
	cr_assert_eq(c.fns[0].queue, 256);
	cr_assert(!c.fns[0].cgi);
	cr_assert_eq(c.nlisten, 1);
	cr_assert_str_eq(c.listen[0], "127.0.0.1:8080");
	cr_assert_eq(c.drain_ns, 10 * SEC);
	cr_assert_eq(c.jail, -1);
	serve_config_free(&c);
}

Test(serve_config, every_function_option)
{
	struct serve_config c;
	struct mote_err err = { "" };

	cr_assert_eq(PARSE(&c, &err, "--mem", "32M", "--function",
			   "lua=l.elf,mem=64M,timeout=2s,args=-e print(1),"
			   "env=A=b=c,env=B=,disk=/tmp/d.img,pool=0,"
			   "concurrency=3,queue=4,max-request=1K,"
			   "max-response=2M,cgi=on",
			   "--function", "b=b.elf"),
		     0, "%s", err.msg);
	cr_assert_eq(c.fns[0].mem, 64 * MIB);
	cr_assert_eq(c.fns[0].timeout_ns, 2 * SEC);
	cr_assert_eq(c.fns[0].nargs, 2);
	cr_assert_str_eq(c.fns[0].args[0], "-e");
	cr_assert_str_eq(c.fns[0].args[1], "print(1)");
	cr_assert_eq(c.fns[0].nenv, 2);
	cr_assert_str_eq(c.fns[0].env[0], "A=b=c");
	cr_assert_str_eq(c.fns[0].env[1], "B=");
	cr_assert_eq(c.fns[0].ndisks, 1);
	cr_assert_str_eq(c.fns[0].disks[0].path, "/tmp/d.img");
	cr_assert(c.fns[0].disks[0].ro, "disks are always read-only");
	cr_assert_eq(c.fns[0].pool, 0);
	cr_assert_eq(c.fns[0].concurrency, 3);
	cr_assert_eq(c.fns[0].queue, 4);
	cr_assert_eq(c.fns[0].max_request, 1024);
	cr_assert_eq(c.fns[0].max_response, 2 * MIB);
	cr_assert(c.fns[0].cgi);
	cr_assert_eq(c.fns[1].mem, 32 * MIB, "the global --mem is the default");
	serve_config_free(&c);
}

Test(serve_config, global_options)
{
	struct serve_config c;
	struct mote_err err = { "" };

	cr_assert_eq(PARSE(&c, &err, "--listen", "0.0.0.0:9000", "--listen=unix:/tmp/s",
			   "--listen", "[::1]:80", "--function", "a=a.elf",
			   "--drain-timeout", "20s", "--idle-timeout=5s",
			   "--max-connections", "10", "--max-header-size", "8K",
			   "--max-headers", "20", "--workers", "3", "--no-jail",
			   "--timeout", "100ms"),
		     0, "%s", err.msg);
	cr_assert_eq(c.nlisten, 3);
	cr_assert_str_eq(c.listen[1], "unix:/tmp/s");
	cr_assert_eq(c.drain_ns, 20 * SEC);
	cr_assert_eq(c.idle_ns, 5 * SEC);
	cr_assert_eq(c.max_connections, 10);
	cr_assert_eq(c.max_header, 8192);
	cr_assert_eq(c.max_headers, 20);
	cr_assert_eq(c.workers, 3);
	cr_assert_eq(c.jail, 0);
	cr_assert_eq(c.fns[0].timeout_ns, 100000000ull);
	serve_config_free(&c);
}

Test(serve_config, port_from_the_environment)
{
	struct serve_config c;
	struct mote_err err = { "" };

	cr_assert_eq(parse(&c, &err, "9090", (char *[]){ "--function", "a=a", NULL }),
		     0, "%s", err.msg);
	cr_assert_str_eq(c.listen[0], "0.0.0.0:9090");
	serve_config_free(&c);
	cr_assert_eq(parse(&c, &err, "0", (char *[]){ "--function", "a=a", NULL }),
		     -EINVAL);
	cr_assert_str_eq(err.msg, "$PORT 0: expected a number from 1 to 65535");
	serve_config_free(&c);
}

Test(serve_config, help)
{
	struct serve_config c;
	struct mote_err err = { "" };

	cr_assert_eq(PARSE(&c, &err, "--help"), 0);
	cr_assert(c.help);
	serve_config_free(&c);
}

Test(serve_config, rejects_bad_command_lines)
{
	REJECT("no function: give at least one --function NAME=IMAGE",
	       "--listen", "127.0.0.1:1");
	REJECT("unknown option '--bogus'", "--bogus");
	REJECT("unexpected argument 'x.elf'", "x.elf");
	REJECT("option '--listen' needs a value", "--function", "a=a",
	       "--listen");
	REJECT("option '--no-jail' takes no value", "--no-jail=1");
	REJECT("--function 'echo': expected NAME=IMAGE[,OPTION=VALUE]...",
	       "--function", "echo");
	REJECT("function 'a' has no image", "--function", "a=");
	REJECT("function 'a' has no image", "--function", "a=,pool=1");
	REJECT("function name '' must be 1 to 63 letters, digits, '.', '_' or "
	       "'-', not starting with '.'",
	       "--function", "=x.elf");
	REJECT("function name 'a/b' must be 1 to 63 letters, digits, '.', '_' "
	       "or '-', not starting with '.'",
	       "--function", "a/b=x.elf");
	REJECT("function name '.a' must be 1 to 63 letters, digits, '.', '_' "
	       "or '-', not starting with '.'",
	       "--function", ".a=x.elf");
	REJECT("function 'a' is defined twice", "--function", "a=x",
	       "--function", "a=y");
	REJECT("--config given twice", "--config", "a", "--config", "b");
	REJECT("option '--config' needs a value", "--config");
	REJECT("--config /nonexistent/mote.cfg: cannot read it", "--config",
	       "/nonexistent/mote.cfg", "--function", "a=a");
}

Test(serve_config, rejects_bad_function_options)
{
	REJECT("function 'a': unknown option 'memory' (expected mem, timeout, "
	       "args, env, disk, pool, concurrency, queue, max-request, "
	       "max-response, cgi or snapshot)",
	       "--function", "a=x,memory=1M");
	REJECT("function 'a': option 'cgi' needs =VALUE", "--function",
	       "a=x,cgi");
	REJECT("function 'a': mem: invalid size 'lots' (expected e.g. 16M, "
	       "512MiB, 1G)",
	       "--function", "a=x,mem=lots");
	REJECT("function 'a': mem must be a multiple of 2 MiB from 2M to 4G",
	       "--function", "a=x,mem=3M");
	REJECT("function 'a': timeout: invalid duration 'soon' (expected e.g. "
	       "500ms, 2s, 1m)",
	       "--function", "a=x,timeout=soon");
	REJECT("function 'a': pool x: expected a number from 0 to 10000",
	       "--function", "a=x,pool=x");
	REJECT("function 'a': concurrency 0: expected a number from 1 to 10000",
	       "--function", "a=x,concurrency=0");
	REJECT("function 'a': queue 100001: expected a number from 0 to 100000",
	       "--function", "a=x,queue=100001");
	REJECT("function 'a': max-request: invalid size '-1' (expected e.g. "
	       "16M, 512MiB, 1G)",
	       "--function", "a=x,max-request=-1");
	REJECT("function 'a': max-response must be at most 1G", "--function",
	       "a=x,max-response=2G");
	REJECT("function 'a': cgi must be on or off", "--function",
	       "a=x,cgi=yes");
	REJECT("function 'a': env 'NOEQUALS' is not NAME=VALUE", "--function",
	       "a=x,env=NOEQUALS");
	REJECT("function 'a': env '1A=b' is not NAME=VALUE", "--function",
	       "a=x,env=1A=b");
	REJECT("function 'a': env 'A-B=c' is not NAME=VALUE", "--function",
	       "a=x,env=A-B=c");
	REJECT("function 'a': env PATH_INFO is set by the server (CGI, HTTP_ "
	       "and MOTE_ variables)",
	       "--function", "a=x,env=PATH_INFO=/");
	REJECT("function 'a': env HTTP_HOST is set by the server (CGI, HTTP_ "
	       "and MOTE_ variables)",
	       "--function", "a=x,env=HTTP_HOST=x");
	REJECT("function 'a': env MOTE_X is set by the server (CGI, HTTP_ and "
	       "MOTE_ variables)",
	       "--function", "a=x,env=MOTE_X=1");
	/* Commas separate options: a disk's flags go in --config. */
	REJECT("function 'a': option 'direct' needs =VALUE", "--function",
	       "a=x,disk=/d,direct");
}

Test(serve_config, rejects_too_many)
{
	struct serve_config c;
	struct mote_err err = { "" };
	char spec[512];

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < SERVE_MAX_FUNCTIONS; i++) {
		snprintf(spec, sizeof(spec), "f%d=x", i);
		cr_assert_eq(serve_config_add_function(&c, spec, &err), 0, "%s",
			     err.msg);
	}
	cr_assert_eq(serve_config_add_function(&c, "last=x", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "more than 64 functions");
	cr_assert_eq(serve_config_add_function(
			     &c, "f0=x", &err), -EINVAL);
	serve_config_free(&c);

	memset(&c, 0, sizeof(c));
	cr_assert_eq(serve_config_add_function(&c, "a=x", &err), 0);
	for (int i = 0; i < SERVE_MAX_ARGS; i++)
		cr_assert_eq(serve_function_set(&c.fns[0], "args", "w", &err), 0);
	cr_assert_eq(serve_function_set(&c.fns[0], "args", "w", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "function 'a': more than 64 arguments");
	for (int i = 0; i < SERVE_MAX_ENV; i++)
		cr_assert_eq(serve_function_set(&c.fns[0], "env", "A=1", &err), 0);
	cr_assert_eq(serve_function_set(&c.fns[0], "env", "A=1", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "function 'a': more than 64 env entries");
	for (int i = 0; i < 16; i++)
		cr_assert_eq(serve_function_set(&c.fns[0], "disk", "/d", &err), 0);
	cr_assert_eq(serve_function_set(&c.fns[0], "disk", "/d", &err), -EINVAL);
	cr_assert_str_eq(err.msg, "function 'a': more than 16 disks");
	serve_config_free(&c);

	REJECT("more than 8 --listen addresses", "--function", "a=x",
	       "--listen", "127.0.0.1:1", "--listen", "127.0.0.1:2", "--listen",
	       "127.0.0.1:3", "--listen", "127.0.0.1:4", "--listen",
	       "127.0.0.1:5", "--listen", "127.0.0.1:6", "--listen",
	       "127.0.0.1:7", "--listen", "127.0.0.1:8", "--listen",
	       "127.0.0.1:9");
}

Test(serve_config, rejects_bad_global_options)
{
	REJECT("--mem: invalid size 'big' (expected e.g. 16M, 512MiB, 1G)",
	       "--function", "a=x", "--mem", "big");
	REJECT("--mem must be a multiple of 2 MiB from 2M to 4G", "--function",
	       "a=x", "--mem", "1M");
	REJECT("--timeout: duration '0s' is zero (leave the option out for no "
	       "limit)",
	       "--function", "a=x", "--timeout", "0s");
	REJECT("--drain-timeout: invalid duration 'x' (expected e.g. 500ms, "
	       "2s, 1m)",
	       "--function", "a=x", "--drain-timeout", "x");
	REJECT("--idle-timeout must be at least 1s", "--function", "a=x",
	       "--idle-timeout", "500ms");
	REJECT("--max-header-size must be from 4K to 64K", "--function", "a=x",
	       "--max-header-size", "1M");
	REJECT("--max-headers 0: expected a number from 1 to 1000",
	       "--function", "a=x", "--max-headers", "0");
	REJECT("--max-connections 0: expected a number from 1 to 100000",
	       "--function", "a=x", "--max-connections", "0");
	REJECT("--workers 0: expected a number from 1 to 1024", "--function",
	       "a=x", "--workers", "0");
	REJECT("--uid -1: expected a number from 0 to 2147483647",
	       "--function", "a=x", "--uid", "-1");
}

Test(serve_config, rejects_bad_listen_addresses)
{
	REJECT("--listen '8080': expected ADDR:PORT, [ADDR6]:PORT or unix:PATH",
	       "--function", "a=x", "--listen", "8080");
	REJECT("--listen ':8080': expected ADDR:PORT, [ADDR6]:PORT or unix:PATH",
	       "--function", "a=x", "--listen", ":8080");
	REJECT("--listen 'unix:': expected ADDR:PORT, [ADDR6]:PORT or unix:PATH",
	       "--function", "a=x", "--listen", "unix:");
	REJECT("--listen '[::1:80': expected ADDR:PORT, [ADDR6]:PORT or "
	       "unix:PATH",
	       "--function", "a=x", "--listen", "[::1:80");
	REJECT("--listen '127.0.0.1:0': the port must be a number from 1 to "
	       "65535",
	       "--function", "a=x", "--listen", "127.0.0.1:0");
	REJECT("--listen '127.0.0.1:http': the port must be a number from 1 "
	       "to 65535",
	       "--function", "a=x", "--listen", "127.0.0.1:http");
	REJECT("--listen 'localhost:80': 'localhost' is not an IPv4 address or "
	       "a bracketed IPv6 one",
	       "--function", "a=x", "--listen", "localhost:80");
	REJECT("--listen '::1:80': '::1' is not an IPv4 address or a bracketed "
	       "IPv6 one",
	       "--function", "a=x", "--listen", "::1:80");
	{
		char path[200];

		snprintf(path, sizeof(path), "unix:/%0120d", 0);
		char want[400];

		snprintf(want, sizeof(want),
			 "--listen '%s': a unix socket path has at most 107 "
			 "bytes",
			 path);
		REJECT(want, "--function", "a=x", "--listen", path);
	}
}

/* ---- the config file ---- */

static char cfg_path[64];

static void write_cfg(const char *text)
{
	int fd;

	snprintf(cfg_path, sizeof(cfg_path), "/tmp/mote-serve-XXXXXX");
	fd = mkstemp(cfg_path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int load(struct serve_config *c, struct mote_err *err, const char *text)
{
	int rc;

	write_cfg(text);
	rc = parse(c, err, NULL, (char *[]){ "--config", cfg_path, NULL });
	unlink(cfg_path);
	return rc;
}

/* The message after "FILE:" must be want ("LINE: ..."). */
static void expect_file_rejected(const char *text, const char *want)
{
	struct serve_config c;
	struct mote_err err = { "" };
	char full[512];
	int rc = load(&c, &err, text);

	snprintf(full, sizeof(full), "%s:%s", cfg_path, want);
	cr_assert_eq(rc, -EINVAL, "accepted; wanted %s", want);
	cr_assert_str_eq(err.msg, full);
	serve_config_free(&c);
}

Test(serve_config, reads_a_config_file)
{
	struct serve_config c;
	struct mote_err err = { "" };

	cr_assert_eq(load(&c, &err,
			  "listen = [ \"127.0.0.1:9001\", \"unix:/tmp/x.sock\" ];\n"
			  "drain-timeout = \"3s\";\n"
			  "max-connections = 7;\n"
			  "jail = false;\n"
			  "functions = (\n"
			  "  { name = \"hello\"; image = \"lua.elf\"; mem = \"32M\";\n"
			  "    args = [ \"-e\", \"print('hi, there')\" ];\n"
			  "    env = [ \"GREETING=hi, there\" ];\n"
			  "    pool = 1; concurrency = 2; cgi = true;\n"
			  "    max-request = \"1M\"; timeout = \"2s\"; }\n"
			  ");\n"),
		     0, "%s", err.msg);
	cr_assert_eq(c.nlisten, 2);
	cr_assert_str_eq(c.listen[1], "unix:/tmp/x.sock");
	cr_assert_eq(c.drain_ns, 3 * SEC);
	cr_assert_eq(c.max_connections, 7);
	cr_assert_eq(c.jail, 0);
	cr_assert_eq(c.nfns, 1);
	cr_assert_str_eq(c.fns[0].args[1], "print('hi, there')",
			 "a list keeps commas and spaces");
	cr_assert_str_eq(c.fns[0].env[0], "GREETING=hi, there");
	cr_assert_eq(c.fns[0].mem, 32 * MIB);
	cr_assert_eq(c.fns[0].pool, 1);
	cr_assert_eq(c.fns[0].concurrency, 2);
	cr_assert(c.fns[0].cgi);
	cr_assert_eq(c.fns[0].max_request, MIB);
	cr_assert_eq(c.fns[0].line, 6);
	serve_config_free(&c);
}

Test(serve_config, command_line_overrides_the_file)
{
	struct serve_config c;
	struct mote_err err = { "" };

	write_cfg("listen = \"127.0.0.1:9001\"; drain-timeout = \"3s\";\n"
		  "functions = ( { name = \"a\"; image = \"a.elf\"; } );\n");
	cr_assert_eq(parse(&c, &err, NULL,
			   (char *[]){ "--config", cfg_path, "--listen",
				       "127.0.0.1:9002", "--drain-timeout", "1s",
				       "--function", "b=b.elf", NULL }),
		     0, "%s", err.msg);
	unlink(cfg_path);
	cr_assert_eq(c.nlisten, 1);
	cr_assert_str_eq(c.listen[0], "127.0.0.1:9002");
	cr_assert_eq(c.drain_ns, SEC);
	cr_assert_eq(c.nfns, 2);
	serve_config_free(&c);
}

Test(serve_config, rejects_bad_config_files)
{
	expect_file_rejected("listen = ", "1: syntax error");
	expect_file_rejected("bogus = 1;", "1: unknown setting 'bogus'");
	expect_file_rejected("function = 1;", "1: unknown setting 'function'");
	expect_file_rejected("mem = [ 1 ];",
			     "1: 'mem' must be a string or a number");
	expect_file_rejected("mem = \"3M\";",
			     "1: --mem must be a multiple of 2 MiB from 2M to 4G");
	expect_file_rejected("workers = -1;",
			     "1: 'workers' must be a string or a number");
	expect_file_rejected("jail = 1;", "1: 'jail' must be true or false");
	expect_file_rejected("listen = 5;",
			     "1: 'listen' must be a string or a list of strings");
	expect_file_rejected("listen = [ \"nope\" ];",
			     "1: --listen 'nope': expected ADDR:PORT, "
			     "[ADDR6]:PORT or unix:PATH");
	expect_file_rejected("functions = { name = \"a\"; };",
			     "1: 'functions' must be a list ( { ... }, ... )");
	expect_file_rejected("functions = ( 1 );",
			     "1: each function must be a group { name = ...; "
			     "image = ...; }");
	expect_file_rejected("functions = ( { image = \"x\"; } );",
			     "1: a function needs name = \"NAME\";");
	expect_file_rejected("functions = ( { name = \"a b\"; image = \"x\"; } );",
			     "1: function name 'a b' must be 1 to 63 letters, "
			     "digits, '.', '_' or '-', not starting with '.'");
	expect_file_rejected("functions = ( { name = \"a\"; } );",
			     "1: function 'a' needs image = \"PATH\";");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"\"; } );",
			     "1: function 'a' has no image");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"x\"; },\n"
			     "  { name = \"a\"; image = \"y\"; } );",
			     "2: function 'a' is defined twice");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"x\";\n"
			     "  args = \"-e 1\"; } );",
			     "2: function 'a': 'args' must be a list of strings");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"x\";\n"
			     "  env = [ 1 ]; } );",
			     "2: function 'a': 'env' must be a list of strings");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"x\";\n"
			     "  env = [ \"QUERY_STRING=1\" ]; } );",
			     "2: function 'a': env QUERY_STRING is set by the "
			     "server (CGI, HTTP_ and MOTE_ variables)");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"x\";\n"
			     "  pool = \"many\"; } );",
			     "2: function 'a': pool many: expected a number "
			     "from 0 to 10000");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"x\";\n"
			     "  disk = [ \"/d,rw\" ]; } );",
			     "2: function 'a': --disk /d,rw: unknown flag 'rw' "
			     "(expected ro or direct)");
	expect_file_rejected("functions = ( { name = \"a\"; image = \"x\";\n"
			     "  colour = \"red\"; } );",
			     "2: function 'a': unknown option 'colour' (expected "
			     "mem, timeout, args, env, disk, pool, concurrency, "
			     "queue, max-request, max-response, cgi or "
			     "snapshot)");
}
