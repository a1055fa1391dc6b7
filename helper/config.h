/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's config file (see ttyvsd.conf.example and ttyvsctl-bridge(8)),
 * one statement per line, '#' at the start of a line or after a blank
 * starts a comment:
 *   pair NAME [loopback] [baud-emulation on|off] [buffer BYTES]
 *             [wiring-a SPEC] [wiring-b SPEC]
 *   bridge PORT BACKEND
 * conf_parse() is pure (no I/O) so that it can be unit tested and fuzzed;
 * conf_load() reads a file and parses it.
 */
#ifndef TTYVSCTL_CONFIG_H
#define TTYVSCTL_CONFIG_H

#include <stddef.h>

#include "addr.h"
#include "ttyvsctl.h"

#define CONF_LINE_MAX 1022		/* characters per line, without the newline */
#define CONF_WORDS_MAX 16		/* words per line */
#define CONF_FILE_MAX (1024 * 1024)	/* bytes conf_load() reads */
#define CONF_PORT_MAX 64		/* a bridge's PORT, with its NUL */

struct conf_pair {
	char name[TTYVS_NAME_MAX + 1];
	struct pair_req req;		/* req.name points to name */
	int line;
};

struct conf_bridge {
	char port[CONF_PORT_MAX];	/* as written: NAME-a, ttyVS3, /dev/ttyVS3 */
	struct addr addr;
	int line;
};

struct conf {
	struct conf_pair *pairs;
	size_t npairs;
	struct conf_bridge *bridges;
	size_t nbridges;
};

/*
 * Parses len bytes of text (need not end in a NUL or a newline) into *out.
 * file names the text in messages. Returns 0, or -EINVAL (-ENOMEM) with
 * "FILE:LINE: problem" in err; *out is then empty. Free with conf_free().
 */
int conf_parse(const char *text, size_t len, const char *file, struct conf *out, char *err,
	       size_t errlen);

/* Reads path and parses it; errors go to stderr. 0 or -errno. */
int conf_load(const char *path, struct conf *out);

void conf_free(struct conf *c);

/*
 * Whether s is a bridge's PORT: NAME-a, NAME-b, ttyVSn or /dev/...; for
 * NAME-a/-b, pair (TTYVS_NAME_MAX + 3 bytes) gets NAME, else "".
 */
bool conf_port_arg(const char *s, char *pair);

#endif
