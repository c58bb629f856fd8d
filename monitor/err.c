/*
 * One-line error messages carried up to the CLI.
 * Keeps messages out of return codes so library callers can print or log them.
 */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/*
 * A message is one line whatever it quotes: a path or an argument with a
 * newline or an escape sequence in it must not forge a second line or
 * drive the terminal, so control bytes become \n, \t or \xNN.
 */
static void escape_controls(char *msg, size_t cap)
{
	char out[sizeof(((struct mote_err *)0)->msg)];
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		char esc[5];
		size_t n;

		if (*p >= 0x20 && *p != 0x7f) {
			esc[0] = (char)*p;
			n = 1;
		} else if (*p == '\n' || *p == '\t') {
			esc[0] = '\\';
			esc[1] = *p == '\n' ? 'n' : 't';
			n = 2;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			n = 4;
		}
		if (o + n >= sizeof(out) || o + n >= cap)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
	memcpy(msg, out, o + 1);
}

int err_set(struct mote_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		escape_controls(e->msg, sizeof(e->msg));
	}
	/* Never "success" for a failure whose errno was not set. */
	if (errnum == 0)
		errnum = EIO;
	return errnum > 0 ? -errnum : errnum;
}
