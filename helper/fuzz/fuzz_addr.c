// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: addr_parse() on any text. Besides crashes and
 * sanitizer reports, it checks what the parser promises: a parsed address
 * has its text as written, NUL-terminated fields, a port of 1..65535 where
 * there is one, an option only on a kind that takes it; a refused one has
 * a message. The first byte picks the size of the message buffer, so that
 * cutting messages is fuzzed too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../addr.h"

/* a broken promise is a crash, with the condition and its line */
#define check(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_port(const char *p, bool may_be_empty)
{
	unsigned long v = 0;

	check(terminated(p, 8));
	if (!*p) {
		check(may_be_empty);
		return;
	}
	check(strlen(p) <= 5);
	for (const char *c = p; *c; c++) {
		check(*c >= '0' && *c <= '9');
		v = v * 10 + (unsigned long)(*c - '0');
	}
	check(v >= 1 && v <= 65535);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t errlens[] = { 1, 2, 8, 17, 64, 256 };
	char text[ADDR_TEXT_MAX + 64], err[256 + 16];
	size_t errlen, n;
	struct addr a;
	int rc;

	if (!size)
		return 0;
	errlen = errlens[data[0] % (sizeof(errlens) / sizeof(errlens[0]))];
	n = size - 1 < sizeof(text) - 1 ? size - 1 : sizeof(text) - 1;
	memcpy(text, data + 1, n);
	text[n] = '\0';
	memset(err, 'Z', sizeof(err));
	err[0] = '\0';

	rc = addr_parse(text, &a, err, errlen);
	/* the message never goes past errlen */
	for (size_t i = errlen; i < sizeof(err); i++)
		check(err[i] == 'Z');
	if (rc) {
		check(rc == -EINVAL);
		check(terminated(err, errlen));
		check(errlen < 2 || err[0] != '\0');
		return 0;
	}
	check(a.kind < ADDR_NKINDS);
	check(strcmp(addr_kind_name(a.kind), "?") != 0);
	check(!strcmp(a.text, text));
	check(terminated(a.host, sizeof(a.host)) && terminated(a.path, sizeof(a.path)) &&
	      terminated(a.bind_host, sizeof(a.bind_host)));
	check(a.retry_ms >= 10 && a.retry_ms <= ADDR_RETRY_MAX_MS);
	check(a.dir == DIR_BOTH || a.dir == DIR_IN || a.dir == DIR_OUT);
	switch (a.kind) {
	case ADDR_UNIX_LISTEN:
	case ADDR_UNIX:
	case ADDR_FIFO:
	case ADDR_FILE:
		check(a.path[0] != '\0');
		check(strlen(a.path) + (a.kind == ADDR_FIFO ? 4 : 0) < ADDR_PATH_MAX);
		check(!a.port[0] && !a.host[0]);
		break;
	default:
		check_port(a.port, false);
		check(!a.path[0]);
		break;
	}
	if (a.has_bind) {
		check(a.kind == ADDR_UDP);
		check_port(a.bind_port, false);
	}
	if (a.kind == ADDR_FIFO)
		check(!a.replace && !a.drop && !a.has_bind && !a.hex && !a.timestamps);
	if (a.kind != ADDR_FILE)
		check(!a.hex && !a.timestamps && a.dir == DIR_BOTH);
	/* parsing is a function of the text alone */
	{
		struct addr b;
		char err2[256];

		check(addr_parse(a.text, &b, err2, sizeof(err2)) == 0);
		check(!memcmp(&a, &b, sizeof(a)));
	}
	return 0;
}
