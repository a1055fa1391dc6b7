// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's config file: a pure parser of a buffer, and the wrapper
 * that reads the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "wiring.h"

void conf_free(struct conf *c)
{
	free(c->pairs);
	free(c->bridges);
	memset(c, 0, sizeof(*c));
}

static bool digits_only(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool valid_pair_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > TTYVS_NAME_MAX || digits_only(s))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

static int parse_size(const char *s, uint32_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024, end++;
	if (*end || v > UINT32_MAX / mult)
		return -EINVAL;
	*out = (uint32_t)(v * mult);
	return 0;
}

bool conf_port_arg(const char *s, char *pair)
{
	size_t n = strlen(s);

	pair[0] = '\0';
	if (n >= CONF_PORT_MAX)
		return false;
	if (s[0] == '/')
		return true;
	if (!strncmp(s, "ttyVS", 5) && digits_only(s + 5))
		return true;
	if (n < 3 || n - 2 > TTYVS_NAME_MAX || s[n - 2] != '-' || (s[n - 1] != 'a' && s[n - 1] != 'b'))
		return false;
	memcpy(pair, s, n - 2);
	pair[n - 2] = '\0';
	return valid_pair_name(pair);
}

struct parser {
	const char *file;
	int lineno;
	char *err;
	size_t errlen;
	struct conf c;
};

static int perr(struct parser *ps, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct parser *ps, int rc, const char *fmt, ...)
{
	size_t off;
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->file, ps->lineno);
	off = n < 0 ? 0 : (size_t)n;
	if (off < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + off, ps->errlen - off, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int parse_pair(struct parser *ps, char **w, int n)
{
	struct conf *c = &ps->c;
	struct conf_pair *cp, *np;
	char err[256];

	if (n < 2)
		return perr(ps, -EINVAL, "pair: missing NAME");
	if (!valid_pair_name(w[1]))
		return perr(ps, -EINVAL,
			    "pair: bad name \"%s\" ([A-Za-z0-9_.-], 1..%d characters, not digits only)",
			    w[1], TTYVS_NAME_MAX);
	for (size_t i = 0; i < c->npairs; i++)
		if (!strcmp(c->pairs[i].name, w[1]))
			return perr(ps, -EINVAL, "pair \"%s\" already defined at line %d", w[1],
				    c->pairs[i].line);
	np = realloc(c->pairs, (c->npairs + 1) * sizeof(*np));
	if (!np)
		return perr(ps, -ENOMEM, "out of memory");
	c->pairs = np;
	cp = &c->pairs[c->npairs++];
	memset(cp, 0, sizeof(*cp));
	snprintf(cp->name, sizeof(cp->name), "%s", w[1]);
	cp->line = ps->lineno;
	cp->req.baud_emulation = -1;
	for (int i = 2; i < n; i++) {
		if (!strcmp(w[i], "loopback")) {
			cp->req.loopback = true;
		} else if (!strcmp(w[i], "baud-emulation") && i + 1 < n) {
			i++;
			if (strcmp(w[i], "on") && strcmp(w[i], "off"))
				return perr(ps, -EINVAL,
					    "baud-emulation: \"%s\": expected on or off", w[i]);
			cp->req.baud_emulation = !strcmp(w[i], "on");
		} else if (!strcmp(w[i], "buffer") && i + 1 < n) {
			i++;
			if (parse_size(w[i], &cp->req.buf_size) ||
			    cp->req.buf_size < TTYVS_BUF_SIZE_MIN ||
			    cp->req.buf_size > TTYVS_BUF_SIZE_MAX)
				return perr(ps, -EINVAL,
					    "buffer: \"%s\": bytes %d..%d expected (k and M suffixes)",
					    w[i], TTYVS_BUF_SIZE_MIN, TTYVS_BUF_SIZE_MAX);
			cp->req.has_buf_size = true;
		} else if ((!strcmp(w[i], "wiring-a") || !strcmp(w[i], "wiring-b")) && i + 1 < n) {
			int end = w[i][7] == 'b';

			i++;
			if (wiring_parse_msg(w[i], &cp->req.wiring[end], err, sizeof(err)))
				return perr(ps, -EINVAL, "wiring-%c: %s", 'a' + end, err);
			cp->req.has_wiring[end] = true;
		} else {
			return perr(ps, -EINVAL,
				    "pair: unknown option \"%s\"%s (loopback, baud-emulation on|off, buffer BYTES, wiring-a SPEC, wiring-b SPEC)",
				    w[i], i + 1 == n ? " or a missing value" : "");
		}
	}
	if (cp->req.loopback && cp->req.has_wiring[1])
		return perr(ps, -EINVAL, "pair \"%s\": a loopback pair has no end b (wiring-b)",
			    cp->name);
	return 0;
}

static int parse_bridge(struct parser *ps, char **w, int n)
{
	struct conf *c = &ps->c;
	struct conf_bridge *cb, *nb;
	char pname[TTYVS_NAME_MAX + 3], err[256];

	if (n != 3)
		return perr(ps, -EINVAL, "bridge: expected \"bridge PORT BACKEND\"");
	if (!conf_port_arg(w[1], pname))
		return perr(ps, -EINVAL, "bridge: bad port \"%s\" (NAME-a, NAME-b, ttyVSn or /dev/...)",
			    w[1]);
	for (size_t i = 0; i < c->nbridges; i++)
		if (!strcmp(c->bridges[i].port, w[1]))
			return perr(ps, -EINVAL, "bridge: %s already bridged at line %d", w[1],
				    c->bridges[i].line);
	nb = realloc(c->bridges, (c->nbridges + 1) * sizeof(*nb));
	if (!nb)
		return perr(ps, -ENOMEM, "out of memory");
	c->bridges = nb;
	cb = &c->bridges[c->nbridges++];
	memset(cb, 0, sizeof(*cb));
	snprintf(cb->port, sizeof(cb->port), "%s", w[1]);
	cb->line = ps->lineno;
	if (addr_parse(w[2], &cb->addr, err, sizeof(err)))
		return perr(ps, -EINVAL, "bridge: bad backend: %s", err);
	return 0;
}

/* One line, NUL-terminated, without its newline; modified in place. */
static int parse_line(struct parser *ps, char *line)
{
	char *w[CONF_WORDS_MAX], *p, *save;
	int n = 0;

	for (p = line; *p; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	for (p = strtok_r(line, " \t\r", &save); p; p = strtok_r(NULL, " \t\r", &save)) {
		if (n == CONF_WORDS_MAX)
			return perr(ps, -EINVAL, "too many words (at most %d)", CONF_WORDS_MAX);
		w[n++] = p;
	}
	if (!n)
		return 0;
	if (!strcmp(w[0], "pair"))
		return parse_pair(ps, w, n);
	if (!strcmp(w[0], "bridge"))
		return parse_bridge(ps, w, n);
	return perr(ps, -EINVAL, "unknown statement \"%s\" (pair, bridge)", w[0]);
}

int conf_parse(const char *text, size_t len, const char *file, struct conf *out, char *err,
	       size_t errlen)
{
	struct parser ps = { .file = file, .err = err, .errlen = errlen };
	const char *p = text, *end = text + len;
	char line[CONF_LINE_MAX + 1];
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (nl ? nl : end) - p;

		ps.lineno++;
		if (n > CONF_LINE_MAX)
			rc = perr(&ps, -EINVAL, "line too long (at most %d characters)",
				  CONF_LINE_MAX);
		else if (memchr(p, '\0', n))
			rc = perr(&ps, -EINVAL, "a NUL byte in the line (not a text file?)");
		if (rc)
			break;
		memcpy(line, p, n);
		line[n] = '\0';
		rc = parse_line(&ps, line);
		p = nl ? nl + 1 : end;
	}
	if (rc) {
		conf_free(&ps.c);
		return rc;
	}
	/* the names point into c.pairs, which realloc may have moved */
	for (size_t i = 0; i < ps.c.npairs; i++)
		ps.c.pairs[i].req.name = ps.c.pairs[i].name;
	*out = ps.c;
	return 0;
}

int conf_load(const char *path, struct conf *out)
{
	char err[512], *buf;
	size_t len = 0;
	ssize_t r = 0;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		fprintf(stderr, PROG " daemon: cannot read %s: %s\n", path, strerror(-rc));
		return rc;
	}
	buf = malloc(CONF_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		fprintf(stderr, PROG " daemon: cannot read %s: %s\n", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	/* one byte more than allowed, to tell a file that is too big */
	while (len <= CONF_FILE_MAX) {
		r = read(fd, buf + len, CONF_FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	rc = r < 0 ? -errno : 0;
	close(fd);
	if (rc) {
		fprintf(stderr, PROG " daemon: cannot read %s: %s\n", path, strerror(-rc));
	} else if (len > CONF_FILE_MAX) {
		fprintf(stderr, PROG " daemon: cannot read %s: larger than %d bytes; not a config file?\n",
			path, CONF_FILE_MAX);
		rc = -EFBIG;
	} else {
		rc = conf_parse(buf, len, path, out, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s\n", err);
	}
	free(buf);
	return rc;
}
