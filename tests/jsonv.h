/*
 * A small JSON reader for the tests: parses a whole document into a tree,
 * strictly, so that a report that is not valid JSON fails its test.
 */
#ifndef MOTE_TESTS_JSONV_H
#define MOTE_TESTS_JSONV_H

#include <stdbool.h>
#include <stddef.h>

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	bool b;
	double num;
	char *str;
	size_t n; /* items of an array or object */
	struct jv **items;
	char **keys; /* objects: the key of items[i] */
};

/* NULL with a reason in err when text is not one valid JSON value. */
struct jv *jv_parse(const char *text, char *err, size_t errlen);
void jv_free(struct jv *v);

/* The member at a dotted path ("boot.series.cold"), or NULL. */
const struct jv *jv_path(const struct jv *v, const char *path);

#endif
