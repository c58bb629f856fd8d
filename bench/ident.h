/*
 * What every benchmark report says about how it was made: mote's version
 * and commit, the compiler, the command line, the host and the time, and
 * the images run, by content.
 */
#ifndef MOTE_BENCH_IDENT_H
#define MOTE_BENCH_IDENT_H

#include "json.h"
#include "machine.h"

/* "mote_version", "git_commit", "compiler", "command_line", "timestamp". */
void ident_json(struct jw *j, int argc, char *const argv[],
		const struct machine *m);
/* "machine": cores, memory, kernel, CPU, KVM flavour and its evidence,
 * how busy the host was. */
void machine_json(struct jw *j, const struct machine *m);
/* PREFIX_path, PREFIX_args (an array) and PREFIX_sha256 of an image (its
 * hash null with PREFIX_sha256_error when it cannot be read). */
void image_json(struct jw *j, const char *prefix, const char *path, int argc,
		char *const argv[]);
/* Hex SHA-256 of a file into out[65]; 0 or a negative errno. */
int file_sha256(const char *path, char out[65]);

#endif
