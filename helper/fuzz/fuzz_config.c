// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: conf_parse() on any bytes. Besides crashes, leaks and
 * sanitizer reports, it checks the parser's promises: a refused file has
 * "fuzz.conf:LINE: " and a message, and leaves nothing allocated; a
 * parsed one has valid, unique pair names and bridge ports, each pair's
 * request naming its own pair, line numbers in order, and parses the same
 * a second time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config.h"

/* a broken promise is a crash, with the condition and its line */
#define check(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct conf c, c2;
	char err[512], err2[512];
	int rc, lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	rc = conf_parse(text, size, "fuzz.conf", &c, err, sizeof(err));
	if (rc) {
		char *end;
		long line;

		check(rc == -EINVAL || rc == -ENOMEM);
		check(!c.pairs && !c.npairs && !c.bridges && !c.nbridges);
		check(memchr(err, '\0', sizeof(err)) != NULL);
		check(!strncmp(err, "fuzz.conf:", 10));
		line = strtol(err + 10, &end, 10);
		check(line >= 1 && line <= lines);
		check(end[0] == ':' && end[1] == ' ' && end[2]);
		return 0;
	}
	for (size_t i = 0; i < c.npairs; i++) {
		char pair[TTYVS_NAME_MAX + 3], port[TTYVS_NAME_MAX + 3];

		check(c.pairs[i].req.name == c.pairs[i].name);
		check(strlen(c.pairs[i].name) >= 1 && strlen(c.pairs[i].name) <= TTYVS_NAME_MAX);
		check(c.pairs[i].line >= 1 && c.pairs[i].line <= lines);
		check(i == 0 || c.pairs[i].line > c.pairs[i - 1].line);
		check(!c.pairs[i].req.has_buf_size || (c.pairs[i].req.buf_size >= TTYVS_BUF_SIZE_MIN &&
						       c.pairs[i].req.buf_size <= TTYVS_BUF_SIZE_MAX));
		check(!(c.pairs[i].req.loopback && c.pairs[i].req.has_wiring[1]));
		for (size_t j = 0; j < i; j++)
			check(strcmp(c.pairs[i].name, c.pairs[j].name) != 0);
		/* NAME-a is a port of this pair */
		snprintf(port, sizeof(port), "%s-a", c.pairs[i].name);
		check(conf_port_arg(port, pair) && !strcmp(pair, c.pairs[i].name));
	}
	for (size_t i = 0; i < c.nbridges; i++) {
		char pair[TTYVS_NAME_MAX + 3];

		check(memchr(c.bridges[i].port, '\0', sizeof(c.bridges[i].port)) != NULL);
		check(conf_port_arg(c.bridges[i].port, pair));
		check(c.bridges[i].line >= 1 && c.bridges[i].line <= lines);
		check(c.bridges[i].addr.kind < ADDR_NKINDS);
		for (size_t j = 0; j < i; j++)
			check(strcmp(c.bridges[i].port, c.bridges[j].port) != 0);
	}
	/* the same text parses the same way */
	check(conf_parse(text, size, "fuzz.conf", &c2, err2, sizeof(err2)) == 0);
	check(c2.npairs == c.npairs && c2.nbridges == c.nbridges);
	for (size_t i = 0; i < c.nbridges; i++)
		check(!memcmp(&c.bridges[i], &c2.bridges[i], sizeof(c.bridges[i])));
	conf_free(&c2);
	conf_free(&c);
	return 0;
}
