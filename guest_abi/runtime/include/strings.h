/*
 * mote guest libc: <strings.h>, the POSIX case-insensitive comparisons.
 * They compare in the "C" locale, the only one the runtime has.
 */
#ifndef _STRINGS_H
#define _STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif
