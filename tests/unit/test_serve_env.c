/*
 * A request as the guest's environment: the CGI/1.1 variables, HTTP_*
 * names, what is not passed, joined repeats, and the size bound.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../serve/env.h"

static const char *get(char **env, const char *name)
{
	size_t n = strlen(name);

	for (; *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static unsigned count(char **env, const char *name)
{
	size_t n = strlen(name);
	unsigned k = 0;

	for (; *env; env++)
		k += strncmp(*env, name, n) == 0 && (*env)[n] == '=';
	return k;
}

static struct serve_request_meta meta(const struct serve_header *h, unsigned n)
{
	return (struct serve_request_meta){
		.method = "POST",
		.path_info = "/a b",
		.query = "x=1&y=%20",
		.request_uri = "/fn/echo/a%20b?x=1&y=%20",
		.protocol = "HTTP/1.1",
		.function = "echo",
		.request_id = "00000001deadbeef",
		.remote_addr = "127.0.0.1",
		.remote_port = "4242",
		.server_addr = "127.0.0.1",
		.server_port = "8080",
		.headers = h,
		.nheaders = n,
		.has_body = true,
		.content_length = 5,
	};
}

Test(serve_env, cgi_meta_variables)
{
	static const struct serve_header h[] = {
		{ "Host", "example.com:8080" },
		{ "Content-Type", "text/plain" },
		{ "Content-Length", "5" },
		{ "User-Agent", "curl/7.88" },
	};
	char *const extra[] = { "GREETING=hi" };
	struct serve_request_meta m = meta(h, 4);
	char **env;

	m.extra = extra;
	m.nextra = 1;
	cr_assert_eq(serve_env_build(&m, 65536, &env), 0);
	cr_assert_str_eq(get(env, "GATEWAY_INTERFACE"), "CGI/1.1");
	cr_assert_str_eq(get(env, "REQUEST_METHOD"), "POST");
	cr_assert_str_eq(get(env, "PATH_INFO"), "/a b");
	cr_assert_str_eq(get(env, "QUERY_STRING"), "x=1&y=%20");
	cr_assert_str_eq(get(env, "REQUEST_URI"), "/fn/echo/a%20b?x=1&y=%20");
	cr_assert_str_eq(get(env, "SCRIPT_NAME"), "/fn/echo");
	cr_assert_str_eq(get(env, "SERVER_PROTOCOL"), "HTTP/1.1");
	cr_assert_str_eq(get(env, "SERVER_NAME"), "example.com");
	cr_assert_str_eq(get(env, "SERVER_PORT"), "8080");
	cr_assert_str_eq(get(env, "REMOTE_ADDR"), "127.0.0.1");
	cr_assert_str_eq(get(env, "REMOTE_PORT"), "4242");
	cr_assert_str_eq(get(env, "CONTENT_TYPE"), "text/plain");
	cr_assert_str_eq(get(env, "CONTENT_LENGTH"), "5");
	cr_assert_str_eq(get(env, "MOTE_FUNCTION"), "echo");
	cr_assert_str_eq(get(env, "MOTE_REQUEST_ID"), "00000001deadbeef");
	cr_assert_str_eq(get(env, "HTTP_USER_AGENT"), "curl/7.88");
	cr_assert_str_eq(get(env, "HTTP_HOST"), "example.com:8080");
	cr_assert_str_eq(get(env, "GREETING"), "hi");
	cr_assert_null(get(env, "HTTP_CONTENT_TYPE"), "not duplicated");
	cr_assert_null(get(env, "HTTP_CONTENT_LENGTH"), "not duplicated");
	free(env);
}

Test(serve_env, header_names)
{
	char n[64];

	cr_assert(serve_env_header_name("x-forwarded-for", n, sizeof(n)));
	cr_assert_str_eq(n, "HTTP_X_FORWARDED_FOR");
	cr_assert(serve_env_header_name("Accept", n, sizeof(n)));
	cr_assert_str_eq(n, "HTTP_ACCEPT");
	cr_assert(serve_env_header_name("X-1-a", n, sizeof(n)));
	cr_assert_str_eq(n, "HTTP_X_1_A");
	cr_assert(!serve_env_header_name("content-type", n, sizeof(n)));
	cr_assert(!serve_env_header_name("Content-Length", n, sizeof(n)));
	cr_assert(!serve_env_header_name("Proxy", n, sizeof(n)), "httpoxy");
	cr_assert(!serve_env_header_name("X_Under", n, sizeof(n)),
		  "X_Under and X-Under would both be HTTP_X_UNDER");
	cr_assert(!serve_env_header_name("X.Dot", n, sizeof(n)));
	cr_assert(!serve_env_header_name("", n, sizeof(n)));
	cr_assert(!serve_env_header_name("Long-Name", n, 10), "does not fit");
}

Test(serve_env, repeated_headers_are_joined_once)
{
	static const struct serve_header h[] = {
		{ "Accept", "a" }, { "X-Under_Score", "dropped" },
		{ "accept", "b" }, { "Proxy", "http://evil" },
	};
	struct serve_request_meta m = meta(h, 4);
	char **env;

	cr_assert_eq(serve_env_build(&m, 65536, &env), 0);
	cr_assert_str_eq(get(env, "HTTP_ACCEPT"), "a, b");
	cr_assert_eq(count(env, "HTTP_ACCEPT"), 1);
	cr_assert_null(get(env, "HTTP_PROXY"));
	cr_assert_null(get(env, "HTTP_X_UNDER_SCORE"));
	free(env);
}

Test(serve_env, no_body_no_content_length_and_odd_hosts)
{
	static const struct serve_header h[] = { { "Host", "bad host/../" } };
	struct serve_request_meta m = meta(h, 1);
	char **env;

	m.has_body = false;
	m.remote_port = NULL;
	cr_assert_eq(serve_env_build(&m, 65536, &env), 0);
	cr_assert_null(get(env, "CONTENT_LENGTH"));
	cr_assert_null(get(env, "CONTENT_TYPE"));
	cr_assert_null(get(env, "REMOTE_PORT"));
	cr_assert_str_eq(get(env, "SERVER_NAME"), "127.0.0.1",
			 "a Host that is not a name falls back");
	free(env);
	{
		static const struct serve_header v6[] = { { "Host", "[::1]:80" } };
		struct serve_request_meta m6 = meta(v6, 1);

		cr_assert_eq(serve_env_build(&m6, 65536, &env), 0);
		cr_assert_str_eq(get(env, "SERVER_NAME"), "[::1]");
		free(env);
	}
}

Test(serve_env, refuses_an_environment_past_its_bound)
{
	static char big[2000];
	struct serve_header h[40];
	struct serve_request_meta m;
	char **env = NULL;

	memset(big, 'v', sizeof(big) - 1);
	for (int i = 0; i < 40; i++)
		h[i] = (struct serve_header){ "X-Big", big };
	m = meta(h, 40);
	/* one joined variable of 40 * 2 KB */
	cr_assert_eq(serve_env_build(&m, 48 << 10, &env), -E2BIG);
	cr_assert_eq(serve_env_build(&m, 1 << 20, &env), 0);
	free(env);
}
