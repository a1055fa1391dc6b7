// SPDX-License-Identifier: GPL-2.0
/*
 * Telnet and RFC 2217 codec (see telnet.h). The parser is a byte-at-a-time
 * state machine; data bytes are gathered in a small local buffer and
 * handed over in runs. Option negotiation follows RFC 1143 (the Q method)
 * with the "opposite" queue.
 */
#include <errno.h>
#include <string.h>

#include "telnet.h"

enum {
	ST_DATA,
	ST_IAC,		/* after IAC */
	ST_OPT,		/* after IAC WILL/WONT/DO/DONT: the option byte */
	ST_SB_OPT,	/* after IAC SB: the option byte */
	ST_SB,		/* in a subnegotiation */
	ST_SB_IAC,	/* IAC in a subnegotiation */
};

void telnet_init(struct telnet *t)
{
	memset(t, 0, sizeof(*t));
}

static bool bit(const uint8_t *map, uint8_t opt)
{
	return map[opt >> 3] & (1u << (opt & 7));
}

void telnet_allow(struct telnet *t, uint8_t opt, bool local, bool remote)
{
	if (local)
		t->allow_us[opt >> 3] |= (uint8_t)(1u << (opt & 7));
	else
		t->allow_us[opt >> 3] &= (uint8_t)~(1u << (opt & 7));
	if (remote)
		t->allow_him[opt >> 3] |= (uint8_t)(1u << (opt & 7));
	else
		t->allow_him[opt >> 3] &= (uint8_t)~(1u << (opt & 7));
}

bool telnet_enabled(const struct telnet *t, uint8_t opt, bool local)
{
	return (local ? t->us[opt] : t->him[opt]) == TELNET_Q_YES;
}

static void send_cmd(uint8_t cmd, uint8_t opt, telnet_cb cb, void *arg)
{
	uint8_t b[3] = { TELNET_IAC, cmd, opt };
	struct telnet_event ev = { .type = TELNET_EV_SEND, .data = b, .len = 3 };

	cb(arg, &ev);
}

static void changed(uint8_t opt, bool local, bool enabled, telnet_cb cb, void *arg)
{
	struct telnet_event ev = { .type = TELNET_EV_OPTION, .opt = opt, .local = local,
				   .enabled = enabled };

	cb(arg, &ev);
}

/*
 * RFC 1143 section 7, for one side. st/q: the side's state and queue bit;
 * yes/no: what we send to agree/refuse on this side (DO/DONT for the
 * peer's options, WILL/WONT for ours).
 */
static void got(struct telnet *t, uint8_t opt, bool local, bool positive, telnet_cb cb, void *arg)
{
	uint8_t *st = local ? &t->us[opt] : &t->him[opt];
	bool *q = local ? &t->us_q[opt] : &t->him_q[opt];
	uint8_t yes = local ? TELNET_WILL : TELNET_DO;
	uint8_t no = local ? TELNET_WONT : TELNET_DONT;
	bool allowed = bit(local ? t->allow_us : t->allow_him, opt);

	if (positive) {
		switch (*st) {
		case TELNET_Q_NO:
			if (allowed) {
				*st = TELNET_Q_YES;
				send_cmd(yes, opt, cb, arg);
				changed(opt, local, true, cb, arg);
			} else {
				send_cmd(no, opt, cb, arg);
			}
			break;
		case TELNET_Q_YES:
			break;
		case TELNET_Q_WANTNO:
			/* empty queue: "DONT answered by WILL", take it as NO */
			if (*q) {
				*st = TELNET_Q_YES;
				*q = false;
				changed(opt, local, true, cb, arg);
			} else {
				*st = TELNET_Q_NO;
			}
			break;
		case TELNET_Q_WANTYES:
			if (*q) {
				*st = TELNET_Q_WANTNO;
				*q = false;
				send_cmd(no, opt, cb, arg);
			} else {
				*st = TELNET_Q_YES;
				changed(opt, local, true, cb, arg);
			}
			break;
		}
		return;
	}
	switch (*st) {
	case TELNET_Q_NO:
		break;
	case TELNET_Q_YES:
		*st = TELNET_Q_NO;
		send_cmd(no, opt, cb, arg);
		changed(opt, local, false, cb, arg);
		break;
	case TELNET_Q_WANTNO:
		if (*q) {
			*st = TELNET_Q_WANTYES;
			*q = false;
			send_cmd(yes, opt, cb, arg);
		} else {
			*st = TELNET_Q_NO;
		}
		break;
	case TELNET_Q_WANTYES:
		*st = TELNET_Q_NO;
		*q = false;
		break;
	}
}

void telnet_request(struct telnet *t, uint8_t opt, bool local, bool enable, telnet_cb cb, void *arg)
{
	uint8_t *st = local ? &t->us[opt] : &t->him[opt];
	bool *q = local ? &t->us_q[opt] : &t->him_q[opt];

	if (enable && !bit(local ? t->allow_us : t->allow_him, opt))
		return;
	switch (*st) {
	case TELNET_Q_NO:
		if (enable) {
			*st = TELNET_Q_WANTYES;
			send_cmd(local ? TELNET_WILL : TELNET_DO, opt, cb, arg);
		}
		break;
	case TELNET_Q_YES:
		if (!enable) {
			*st = TELNET_Q_WANTNO;
			send_cmd(local ? TELNET_WONT : TELNET_DONT, opt, cb, arg);
			changed(opt, local, false, cb, arg);
		}
		break;
	case TELNET_Q_WANTNO:
		*q = enable;
		break;
	case TELNET_Q_WANTYES:
		*q = !enable;
		break;
	}
}

struct run {
	uint8_t buf[512];
	size_t len;
};

static void flush(struct run *r, telnet_cb cb, void *arg)
{
	struct telnet_event ev = { .type = TELNET_EV_DATA, .data = r->buf, .len = r->len };

	if (r->len)
		cb(arg, &ev);
	r->len = 0;
}

static void data_byte(struct telnet *t, struct run *r, uint8_t c, telnet_cb cb, void *arg)
{
	bool was_cr = t->cr;

	t->cr = c == '\r';
	/* NVT: CR NUL means CR, unless the peer sends BINARY */
	if (was_cr && c == 0 && t->him[TELNET_OPT_BINARY] != TELNET_Q_YES)
		return;
	r->buf[r->len++] = c;
	if (r->len == sizeof(r->buf))
		flush(r, cb, arg);
}

static void sb_byte(struct telnet *t, uint8_t c)
{
	if (t->sb_len < TELNET_SB_MAX)
		t->sb[t->sb_len++] = c;
	else
		t->sb_over = true;
}

void telnet_feed(struct telnet *t, const uint8_t *in, size_t n, telnet_cb cb, void *arg)
{
	struct run r;
	struct telnet_event ev;

	r.len = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];

		switch (t->state) {
		case ST_DATA:
			if (c == TELNET_IAC)
				t->state = ST_IAC;
			else
				data_byte(t, &r, c, cb, arg);
			break;
		case ST_IAC:
			t->state = ST_DATA;
			switch (c) {
			case TELNET_IAC:
				data_byte(t, &r, c, cb, arg);
				break;
			case TELNET_WILL:
			case TELNET_WONT:
			case TELNET_DO:
			case TELNET_DONT:
				t->sb_opt = c;	/* the verb, until the option byte comes */
				t->state = ST_OPT;
				break;
			case TELNET_SB:
				t->state = ST_SB_OPT;
				break;
			default:
				flush(&r, cb, arg);
				memset(&ev, 0, sizeof(ev));
				ev.type = TELNET_EV_CMD;
				ev.cmd = c;
				cb(arg, &ev);
				break;
			}
			break;
		case ST_OPT:
			flush(&r, cb, arg);
			t->state = ST_DATA;
			got(t, c, t->sb_opt == TELNET_DO || t->sb_opt == TELNET_DONT,
			    t->sb_opt == TELNET_WILL || t->sb_opt == TELNET_DO, cb, arg);
			break;
		case ST_SB_OPT:
			t->sb_opt = c;
			t->sb_len = 0;
			t->sb_over = false;
			t->state = ST_SB;
			break;
		case ST_SB:
			if (c == TELNET_IAC)
				t->state = ST_SB_IAC;
			else
				sb_byte(t, c);
			break;
		case ST_SB_IAC:
			if (c == TELNET_IAC) {
				sb_byte(t, c);
				t->state = ST_SB;
				break;
			}
			if (c != TELNET_SE) {
				/* a command inside: the subnegotiation is cut, the command stands */
				t->sb_bad++;
				t->state = ST_IAC;
				i--;
				break;
			}
			t->state = ST_DATA;
			if (t->sb_over) {
				t->sb_dropped++;
				break;
			}
			flush(&r, cb, arg);
			memset(&ev, 0, sizeof(ev));
			ev.type = TELNET_EV_SB;
			ev.opt = t->sb_opt;
			ev.data = t->sb;
			ev.len = t->sb_len;
			cb(arg, &ev);
			break;
		}
	}
	flush(&r, cb, arg);
}

size_t telnet_encode_data(const uint8_t *in, size_t n, uint8_t *out, size_t cap, bool binary,
			  size_t *used)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		bool two = in[i] == TELNET_IAC || (!binary && in[i] == '\r');

		if (o + 1 + two > cap)
			break;
		out[o++] = in[i];
		if (in[i] == TELNET_IAC)
			out[o++] = TELNET_IAC;
		else if (two)
			out[o++] = 0;
	}
	*used = i;
	return o;
}

size_t telnet_encode_cmd(uint8_t cmd, int opt, uint8_t *out, size_t cap)
{
	size_t len = opt < 0 ? 2 : 3;

	if (cap < len)
		return 0;
	out[0] = TELNET_IAC;
	out[1] = cmd;
	if (opt >= 0)
		out[2] = (uint8_t)opt;
	return len;
}

size_t telnet_encode_sb(uint8_t opt, const uint8_t *payload, size_t n, uint8_t *out, size_t cap)
{
	size_t o = 0;

	if (cap < 5)
		return 0;
	out[o++] = TELNET_IAC;
	out[o++] = TELNET_SB;
	out[o++] = opt;
	for (size_t i = 0; i < n; i++) {
		if (o + (payload[i] == TELNET_IAC) + 1 + 2 > cap)
			return 0;
		out[o++] = payload[i];
		if (payload[i] == TELNET_IAC)
			out[o++] = TELNET_IAC;
	}
	out[o++] = TELNET_IAC;
	out[o++] = TELNET_SE;
	return o;
}

int rfc2217_parse(const uint8_t *p, size_t n, struct rfc2217_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (!n)
		return -EINVAL;
	m->code = p[0];
	m->server = p[0] >= RFC2217_SERVER;
	m->base = m->server ? (uint8_t)(p[0] - RFC2217_SERVER) : p[0];
	if (m->base > RFC2217_PURGE_DATA)
		return -EINVAL;
	p++;
	n--;
	switch (m->base) {
	case RFC2217_SIGNATURE:
		m->text = p;
		m->len = n;
		return 0;
	case RFC2217_SET_BAUDRATE:
		if (n != 4)
			return -EINVAL;
		m->value = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		return 0;
	case RFC2217_FLOWCONTROL_SUSPEND:
	case RFC2217_FLOWCONTROL_RESUME:
		/* no value; tolerate one */
		if (n > 1)
			return -EINVAL;
		return 0;
	default:
		if (n != 1)
			return -EINVAL;
		m->value = p[0];
		return 0;
	}
}

size_t rfc2217_encode(uint8_t code, uint32_t value, int vlen, const char *text, uint8_t *out,
		      size_t cap)
{
	uint8_t p[1 + RFC2217_SIGNATURE_MAX];
	size_t n = 0;

	p[n++] = code;
	if (text) {
		size_t len = strnlen(text, RFC2217_SIGNATURE_MAX);

		memcpy(p + n, text, len);
		n += len;
	} else if (vlen == 4) {
		p[n++] = (uint8_t)(value >> 24);
		p[n++] = (uint8_t)(value >> 16);
		p[n++] = (uint8_t)(value >> 8);
		p[n++] = (uint8_t)value;
	} else if (vlen == 1) {
		p[n++] = (uint8_t)value;
	}
	return telnet_encode_sb(TELNET_OPT_COMPORT, p, n, out, cap);
}
