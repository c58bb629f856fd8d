/*
 * Error messages: functions below main return negative errno and fill a
 * struct mote_err with one line saying what failed and why.
 */
#ifndef MOTE_ERR_H
#define MOTE_ERR_H

#include <stdio.h>

struct mote_err {
	char msg[256];
};

/* Formats the message; returns -errnum so callers can `return err_set(...)`. */
int err_set(struct mote_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
