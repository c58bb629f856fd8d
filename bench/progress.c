/*
 * Terminal progress for `mote bench`: a self-overwriting line on stderr
 * when it is a tty, so logs and pipes get only the phase names.
 */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "timeutil.h"

#define REDRAW_NS 100000000ull

void progress_begin(struct progress *p, bool quiet, uint64_t total,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->what, sizeof(p->what), fmt, ap);
	va_end(ap);
	p->tty = isatty(STDERR_FILENO);
	p->total = total;
	p->last_draw = 0;
	if (p->tty)
		progress_step(p, 0);
	else if (!quiet)
		fprintf(stderr, "bench: %s\n", p->what);
}

void progress_step(struct progress *p, uint64_t done)
{
	uint64_t now;

	if (!p->tty)
		return;
	now = mono_ns();
	if (done && now - p->last_draw < REDRAW_NS)
		return;
	p->last_draw = now;
	if (p->total)
		fprintf(stderr, "\r\033[Kbench: %s %llu/%llu (%.0f%%)", p->what,
			(unsigned long long)done, (unsigned long long)p->total,
			100.0 * (double)done / (double)p->total);
	else
		fprintf(stderr, "\r\033[Kbench: %s %llu", p->what,
			(unsigned long long)done);
}

void progress_end(struct progress *p)
{
	if (p->tty)
		fputs("\r\033[K", stderr);
}
