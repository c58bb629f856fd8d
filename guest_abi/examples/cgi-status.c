/*
 * A CGI-style function (mote serve, cgi=on): a header block with a status
 * and a header of its own, then a body that shows part of the request's
 * environment as the guest sees it.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	static const char *const vars[] = {
		"REQUEST_METHOD", "PATH_INFO",	     "QUERY_STRING",
		"CONTENT_TYPE",	  "CONTENT_LENGTH",  "HTTP_USER_AGENT",
		"MOTE_FUNCTION",  "MOTE_REQUEST_ID",
	};

	fputs("Status: 201 Created\r\n"
	      "Content-Type: text/plain; charset=utf-8\r\n"
	      "X-Example: yes\r\n"
	      "\r\n",
	      stdout);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		printf("%s=%s\n", vars[i], v ? v : "");
	}
	return 0;
}
