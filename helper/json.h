/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: objects and arrays nest, commas are
 * placed automatically, strings are escaped (control characters, quotes,
 * backslashes; invalid UTF-8 becomes U+FFFD).
 */
#ifndef TTYVSCTL_JSON_H
#define TTYVSCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
/* key is NULL inside arrays and at the top level. */
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);	/* NULL -> null */
void json_u64(struct json *j, const char *key, uint64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* A number already formatted (e.g. "1.500000"); the caller vouches for it. */
void json_raw(struct json *j, const char *key, const char *num);
/* Write s as a JSON string literal, quotes included. */
void json_escape(FILE *f, const char *s);

#endif
