/*
 * One-line error messages carried up to the CLI.
 * Keeps messages out of return codes so library callers can print or log them.
 */
#include "err.h"

#include <stdarg.h>

int err_set(struct mote_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return errnum > 0 ? -errnum : errnum;
}
