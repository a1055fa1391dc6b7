// SPDX-License-Identifier: GPL-2.0
/*
 * Wiring specs. Each input of a port (cts, dsr, dcd, ri) is driven by one
 * source of the other end (rts, dtr, out1, out2, open) or a constant (on,
 * off), optionally inverted with a leading '!' or '~':
 *
 *	cts=rts,dsr=dtr,dcd=!open,ri=off
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wiring.h"

static const char *const line_names[WIRE_NLINES] = {
	[WIRE_CTS] = "cts",
	[WIRE_DSR] = "dsr",
	[WIRE_DCD] = "dcd",
	[WIRE_RI] = "ri",
};

static const char *const src_names[] = {
	[TTYVS_WIRE_OFF] = "off",
	[TTYVS_WIRE_ON] = "on",
	[TTYVS_WIRE_PEER_RTS] = "rts",
	[TTYVS_WIRE_PEER_DTR] = "dtr",
	[TTYVS_WIRE_PEER_OUT1] = "out1",
	[TTYVS_WIRE_PEER_OUT2] = "out2",
	[TTYVS_WIRE_PEER_OPEN] = "open",
};

_Static_assert(sizeof(src_names) / sizeof(src_names[0]) == TTYVS_WIRE_SRC_MAX + 1,
	       "a wiring source has no name");

const char *wire_line_name(int line)
{
	return line >= 0 && line < WIRE_NLINES ? line_names[line] : "?";
}

const char *wire_src_str(uint8_t v, char *buf, size_t len)
{
	uint8_t src = v & ~TTYVS_WIRE_INVERT;

	if (src > TTYVS_WIRE_SRC_MAX) {
		snprintf(buf, len, "unknown(%u)", v);
		return buf;
	}
	snprintf(buf, len, "%s%s", v & TTYVS_WIRE_INVERT ? "!" : "", src_names[src]);
	return buf;
}

static int lookup(const char *const *names, size_t n, const char *s, size_t slen)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == slen && !strncmp(names[i], s, slen))
			return (int)i;
	return -1;
}

int wiring_parse_msg(const char *spec, struct wiring *w, char *err, size_t errlen)
{
	const char *p = spec;

	memset(w->v, WIRE_UNSET, sizeof(w->v));
	if (!*spec) {
		snprintf(err, errlen, "empty wiring spec");
		return -EINVAL;
	}
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', end - p);
		const char *src;
		uint8_t invert = 0;
		int line, s;

		if (!eq) {
			snprintf(err, errlen, "wiring \"%.*s\": expected LINE=SOURCE", (int)(end - p), p);
			return -EINVAL;
		}
		src = eq + 1;
		line = lookup(line_names, WIRE_NLINES, p, eq - p);
		if (line < 0) {
			snprintf(err, errlen,
				 "wiring \"%.*s\": unknown input line \"%.*s\" (cts, dsr, dcd, ri)",
				 (int)(end - p), p, (int)(eq - p), p);
			return -EINVAL;
		}
		if (w->v[line] != WIRE_UNSET) {
			snprintf(err, errlen, "wiring: %s given twice", line_names[line]);
			return -EINVAL;
		}
		if (src < end && (*src == '!' || *src == '~')) {
			invert = TTYVS_WIRE_INVERT;
			src++;
		}
		s = lookup(src_names, sizeof(src_names) / sizeof(src_names[0]), src, end - src);
		if (s < 0) {
			snprintf(err, errlen,
				 "wiring \"%.*s\": unknown source \"%.*s\" (rts, dtr, out1, out2, open, on, off; ! or ~ inverts)",
				 (int)(end - p), p, (int)(end - src), src);
			return -EINVAL;
		}
		w->v[line] = (uint8_t)s | invert;
		if (!comma)
			break;
		p = comma + 1;
		if (!*p) {
			snprintf(err, errlen, "wiring spec \"%s\" ends with a comma", spec);
			return -EINVAL;
		}
	}
	return 0;
}

int wiring_parse(const char *spec, struct wiring *w)
{
	char err[256];
	int rc = wiring_parse_msg(spec, w, err, sizeof(err));

	if (rc)
		fprintf(stderr, PROG ": %s\n", err);
	return rc;
}

void wiring_format(const struct wiring *w, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < WIRE_NLINES; i++) {
		char s[24];
		int n;

		if (w->v[i] == WIRE_UNSET)
			continue;
		n = snprintf(buf + off, len - off, "%s%s=%s", off ? "," : "",
			     line_names[i], wire_src_str(w->v[i], s, sizeof(s)));
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += n;
	}
}

static const struct {
	uint32_t bit;
	const char *name;
} line_bits[] = {
	{ TTYVS_LINE_DTR, "DTR" },
	{ TTYVS_LINE_RTS, "RTS" },
	{ TTYVS_LINE_OUT1, "OUT1" },
	{ TTYVS_LINE_OUT2, "OUT2" },
	{ TTYVS_LINE_CTS, "CTS" },
	{ TTYVS_LINE_DSR, "DSR" },
	{ TTYVS_LINE_DCD, "DCD" },
	{ TTYVS_LINE_RI, "RI" },
};

const char *line_bit_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(line_bits) / sizeof(line_bits[0]); i++)
		if (line_bits[i].bit == bit)
			return line_bits[i].name;
	return NULL;
}

void lines_format(uint32_t bits, uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(line_bits) / sizeof(line_bits[0]); i++) {
		int n;

		if (!(bits & mask & line_bits[i].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? " " : "", line_bits[i].name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += n;
	}
	if (!off)
		snprintf(buf, len, "-");
}
