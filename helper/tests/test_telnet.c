// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the telnet / RFC 2217 codec (telnet.c): data and IAC
 * escaping, CR NUL, commands, RFC 1143 negotiation (no loops, queue),
 * subnegotiations and their limits, feeding in arbitrary pieces, the
 * encoders and their round trips, and the COM-PORT-OPTION messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../telnet.h"
#include "tap.h"

#define IAC TELNET_IAC

/* ---- an event log --------------------------------------------------------------- */

#define LOG_MAX 8192
#define LOG_DATA_MAX 65536

struct ev {
	enum telnet_ev_type type;
	uint8_t cmd, opt;
	bool local, enabled;
	size_t off, len;	/* into log.bytes */
};

struct log {
	struct ev ev[LOG_MAX];
	size_t n;
	bool overflow;
	uint8_t bytes[LOG_DATA_MAX];
	size_t nbytes;
	/* DATA bytes and SEND bytes, concatenated */
	uint8_t data[LOG_DATA_MAX], sent[LOG_DATA_MAX];
	size_t ndata, nsent;
	size_t max_run;		/* longest DATA event */
};

static void record(void *arg, const struct telnet_event *e)
{
	struct log *l = arg;
	struct ev *v;

	if (e->type == TELNET_EV_DATA || e->type == TELNET_EV_SEND) {
		uint8_t *dst = e->type == TELNET_EV_DATA ? l->data : l->sent;
		size_t *n = e->type == TELNET_EV_DATA ? &l->ndata : &l->nsent;

		if (!e->len)
			l->overflow = true;	/* empty runs are not expected */
		if (e->type == TELNET_EV_DATA && e->len > l->max_run)
			l->max_run = e->len;
		if (*n + e->len > LOG_DATA_MAX) {
			l->overflow = true;
			return;
		}
		memcpy(dst + *n, e->data, e->len);
		*n += e->len;
	}
	if (l->n == LOG_MAX || l->nbytes + e->len > LOG_DATA_MAX) {
		l->overflow = true;
		return;
	}
	v = &l->ev[l->n++];
	memset(v, 0, sizeof(*v));
	v->type = e->type;
	v->cmd = e->cmd;
	v->opt = e->opt;
	v->local = e->local;
	v->enabled = e->enabled;
	v->off = l->nbytes;
	v->len = e->len;
	if (e->len)
		memcpy(l->bytes + l->nbytes, e->data, e->len);
	l->nbytes += e->len;
}

static struct log L;
static struct telnet T;

static void reset(void)
{
	memset(&L, 0, sizeof(L));
	telnet_init(&T);
}

static void feed(const uint8_t *p, size_t n)
{
	telnet_feed(&T, p, n, record, &L);
}

#define FEED(...) do { \
	static const uint8_t _b[] = { __VA_ARGS__ }; \
	feed(_b, sizeof(_b)); \
} while (0)

static bool bytes_eq(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	return na == nb && !memcmp(a, b, na);
}

#define DATA_IS(what, ...) do { \
	static const uint8_t _w[] = { __VA_ARGS__ }; \
	ok(bytes_eq(L.data, L.ndata, _w, sizeof(_w)), "%s", what); \
	if (!bytes_eq(L.data, L.ndata, _w, sizeof(_w))) \
		diag("got %zu data bytes, expected %zu", L.ndata, sizeof(_w)); \
} while (0)

#define SENT_IS(what, ...) do { \
	static const uint8_t _w[] = { __VA_ARGS__ }; \
	ok(bytes_eq(L.sent, L.nsent, _w, sizeof(_w)), "%s", what); \
	if (!bytes_eq(L.sent, L.nsent, _w, sizeof(_w))) \
		diag("got %zu sent bytes, expected %zu", L.nsent, sizeof(_w)); \
} while (0)

static size_t count(enum telnet_ev_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < L.n; i++)
		n += L.ev[i].type == type;
	return n;
}

static const struct ev *find(enum telnet_ev_type type, size_t nth)
{
	for (size_t i = 0; i < L.n; i++)
		if (L.ev[i].type == type && !nth--)
			return &L.ev[i];
	return NULL;
}

/* ---- data ---------------------------------------------------------------------------- */

static void test_data(void)
{
	uint8_t big[3000];

	reset();
	FEED('h', 'e', 'l', 'l', 'o');
	DATA_IS("plain bytes pass", 'h', 'e', 'l', 'l', 'o');
	is_int(L.n, 1, "one data event");

	reset();
	FEED('a', IAC, IAC, 'b', IAC, IAC, IAC, IAC);
	DATA_IS("IAC IAC is one 0xff", 'a', 0xff, 'b', 0xff, 0xff);

	reset();
	FEED('a', IAC);
	FEED(IAC, 'b');
	DATA_IS("IAC IAC split across two feeds", 'a', 0xff, 'b');

	reset();
	FEED('\r', 0, 'x', '\r', '\n', 0, '\r', 0);
	DATA_IS("CR NUL is CR while the peer is not BINARY; CR LF and a lone NUL stay",
		'\r', 'x', '\r', '\n', 0, '\r');
	FEED(0);
	DATA_IS("a second NUL after CR NUL is data", '\r', 'x', '\r', '\n', 0, '\r', 0);

	reset();
	FEED('\r');
	FEED(0, 'y');
	DATA_IS("CR NUL split across feeds", '\r', 'y');

	reset();
	telnet_allow(&T, TELNET_OPT_BINARY, true, true);
	FEED(IAC, TELNET_WILL, TELNET_OPT_BINARY);
	ok(telnet_enabled(&T, TELNET_OPT_BINARY, false), "peer BINARY on");
	FEED('\r', 0, 'z');
	DATA_IS("CR NUL kept once the peer sends BINARY", '\r', 0, 'z');

	reset();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i % 251);	/* no IAC */
	feed(big, sizeof(big));
	ok(bytes_eq(L.data, L.ndata, big, sizeof(big)), "3000 bytes arrive complete and in order");
	ok(count(TELNET_EV_DATA) >= 1 && L.max_run <= sizeof(big), "in runs no longer than fed (%zu)",
	   L.max_run);
	ok(!L.overflow, "no empty data event");

	reset();
	feed(big, 0);
	is_int(L.n, 0, "feeding nothing: no event");
}

/* ---- commands ------------------------------------------------------------------------ */

static void test_commands(void)
{
	const struct ev *e;

	reset();
	FEED('a', 'b', IAC, TELNET_BREAK, 'c', 'd');
	is_int(L.n, 3, "data, BREAK, data: three events");
	ok(L.ev[0].type == TELNET_EV_DATA && L.ev[0].len == 2, "data before the command first");
	ok(L.ev[1].type == TELNET_EV_CMD && L.ev[1].cmd == TELNET_BREAK, "then IAC BREAK");
	ok(L.ev[2].type == TELNET_EV_DATA && L.ev[2].len == 2, "then the data after it");
	DATA_IS("no command byte in the data", 'a', 'b', 'c', 'd');

	reset();
	FEED(IAC, TELNET_NOP, IAC, TELNET_AYT, IAC, TELNET_IP, IAC, TELNET_GA, IAC, TELNET_DM, IAC,
	     TELNET_SE, IAC, 0x42);
	is_int(count(TELNET_EV_CMD), 7, "NOP, AYT, IP, GA, DM, a stray SE, an unknown byte: commands");
	e = find(TELNET_EV_CMD, 6);
	ok(e && e->cmd == 0x42, "the unknown command byte is reported as it is");
	is_int(L.ndata + L.nsent, 0, "no data, nothing sent");

	reset();
	FEED(IAC);
	is_int(L.n, 0, "a lone IAC waits");
	FEED(TELNET_BREAK);
	ok(L.n == 1 && L.ev[0].type == TELNET_EV_CMD && L.ev[0].cmd == TELNET_BREAK,
	   "IAC | BREAK split across feeds");
}

/* ---- negotiation --------------------------------------------------------------------- */

static void test_negotiation(void)
{
	const struct ev *e;

	reset();
	FEED(IAC, TELNET_WILL, TELNET_OPT_ECHO, IAC, TELNET_DO, 24);
	SENT_IS("options not allowed are refused: DONT / WONT", IAC, TELNET_DONT, TELNET_OPT_ECHO,
		IAC, TELNET_WONT, 24);
	is_int(count(TELNET_EV_OPTION), 0, "no option change");
	ok(!telnet_enabled(&T, TELNET_OPT_ECHO, false) && !telnet_enabled(&T, 24, true), "still off");
	L.nsent = 0;
	FEED(IAC, TELNET_WONT, TELNET_OPT_ECHO, IAC, TELNET_DONT, 24);
	is_int(L.nsent, 0, "WONT/DONT for an option that is off: no answer (no loop)");

	reset();
	telnet_allow(&T, TELNET_OPT_BINARY, true, true);
	FEED(IAC, TELNET_DO, TELNET_OPT_BINARY);
	SENT_IS("DO BINARY allowed: WILL BINARY", IAC, TELNET_WILL, TELNET_OPT_BINARY);
	e = find(TELNET_EV_OPTION, 0);
	ok(e && e->opt == TELNET_OPT_BINARY && e->local && e->enabled, "event: our BINARY on");
	ok(telnet_enabled(&T, TELNET_OPT_BINARY, true), "telnet_enabled(local)");
	ok(!telnet_enabled(&T, TELNET_OPT_BINARY, false), "the peer's side is another state");
	L.nsent = 0;
	FEED(IAC, TELNET_DO, TELNET_OPT_BINARY);
	is_int(L.nsent, 0, "DO for an option already on: no answer");
	FEED(IAC, TELNET_DONT, TELNET_OPT_BINARY);
	SENT_IS("DONT: WONT", IAC, TELNET_WONT, TELNET_OPT_BINARY);
	e = find(TELNET_EV_OPTION, 1);
	ok(e && e->local && !e->enabled, "event: our BINARY off");
	FEED(IAC, TELNET_DONT, TELNET_OPT_BINARY);
	SENT_IS("a second DONT: no answer", IAC, TELNET_WONT, TELNET_OPT_BINARY);

	/* our requests */
	reset();
	telnet_request(&T, TELNET_OPT_SGA, true, true, record, &L);
	is_int(L.nsent, 0, "request for an option not allowed: nothing sent");
	telnet_allow(&T, TELNET_OPT_SGA, true, false);
	telnet_request(&T, TELNET_OPT_SGA, true, true, record, &L);
	SENT_IS("request: WILL SGA", IAC, TELNET_WILL, TELNET_OPT_SGA);
	ok(!telnet_enabled(&T, TELNET_OPT_SGA, true), "not on before the answer");
	telnet_request(&T, TELNET_OPT_SGA, true, true, record, &L);
	SENT_IS("asking again while waiting: nothing more", IAC, TELNET_WILL, TELNET_OPT_SGA);
	FEED(IAC, TELNET_DO, TELNET_OPT_SGA);
	SENT_IS("the answer DO is not answered", IAC, TELNET_WILL, TELNET_OPT_SGA);
	ok(telnet_enabled(&T, TELNET_OPT_SGA, true), "SGA on after DO");
	e = find(TELNET_EV_OPTION, 0);
	ok(e && e->opt == TELNET_OPT_SGA && e->local && e->enabled, "event: SGA on");
	telnet_request(&T, TELNET_OPT_SGA, true, false, record, &L);
	SENT_IS("disable: WONT SGA", IAC, TELNET_WILL, TELNET_OPT_SGA, IAC, TELNET_WONT, TELNET_OPT_SGA);
	ok(!telnet_enabled(&T, TELNET_OPT_SGA, true), "off at once");
	FEED(IAC, TELNET_DONT, TELNET_OPT_SGA);
	is_int(L.nsent, 6, "the answer DONT is not answered");

	/* refused request */
	reset();
	telnet_allow(&T, TELNET_OPT_COMPORT, false, true);
	telnet_request(&T, TELNET_OPT_COMPORT, false, true, record, &L);
	SENT_IS("request: DO COM-PORT", IAC, TELNET_DO, TELNET_OPT_COMPORT);
	FEED(IAC, TELNET_WONT, TELNET_OPT_COMPORT);
	is_int(L.nsent, 3, "WONT in answer: not answered");
	ok(!telnet_enabled(&T, TELNET_OPT_COMPORT, false), "COM-PORT stays off");
	is_int(count(TELNET_EV_OPTION), 0, "no option event");
	FEED(IAC, TELNET_WILL, TELNET_OPT_COMPORT);
	SENT_IS("the peer may still offer it later: DO", IAC, TELNET_DO, TELNET_OPT_COMPORT, IAC,
		TELNET_DO, TELNET_OPT_COMPORT);
	ok(telnet_enabled(&T, TELNET_OPT_COMPORT, false), "COM-PORT on");

	/* the RFC 1143 queue: change of mind while waiting */
	reset();
	telnet_allow(&T, TELNET_OPT_ECHO, true, false);
	telnet_request(&T, TELNET_OPT_ECHO, true, true, record, &L);
	telnet_request(&T, TELNET_OPT_ECHO, true, false, record, &L);
	SENT_IS("enable then disable while waiting: only WILL so far", IAC, TELNET_WILL, TELNET_OPT_ECHO);
	FEED(IAC, TELNET_DO, TELNET_OPT_ECHO);
	SENT_IS("DO arrives: WONT follows (queued)", IAC, TELNET_WILL, TELNET_OPT_ECHO, IAC, TELNET_WONT,
		TELNET_OPT_ECHO);
	ok(!telnet_enabled(&T, TELNET_OPT_ECHO, true), "ECHO not on");
	FEED(IAC, TELNET_DONT, TELNET_OPT_ECHO);
	is_int(L.nsent, 6, "DONT ends it");
	is_int(count(TELNET_EV_OPTION), 0, "never reported on");

	/* option 255 and negotiation split across feeds */
	reset();
	telnet_allow(&T, 255, true, true);
	FEED(IAC, TELNET_DO);
	is_int(L.nsent, 0, "IAC DO waits for its option byte");
	FEED(255);
	SENT_IS("option 255 across feeds: WILL 255", IAC, TELNET_WILL, 255);
	ok(telnet_enabled(&T, 255, true), "option 255 on");
}

/* Two codecs joined back to back: whatever they send each other must settle. */
static void test_two_peers(void)
{
	static struct telnet a, b;
	static struct log la, lb;
	int rounds;

	telnet_init(&a);
	telnet_init(&b);
	memset(&la, 0, sizeof(la));
	memset(&lb, 0, sizeof(lb));
	for (int o = 0; o < 256; o += 3)
		telnet_allow(&a, (uint8_t)o, true, o % 2);
	for (int o = 0; o < 256; o += 2)
		telnet_allow(&b, (uint8_t)o, o % 4 == 0, true);
	for (int o = 0; o < 256; o++) {
		telnet_request(&a, (uint8_t)o, true, true, record, &la);
		telnet_request(&a, (uint8_t)o, false, true, record, &la);
		telnet_request(&b, (uint8_t)o, o % 5 == 0, true, record, &lb);
	}
	for (rounds = 0; rounds < 20 && (la.nsent || lb.nsent); rounds++) {
		static uint8_t ba[LOG_DATA_MAX], bb[LOG_DATA_MAX];
		size_t na = la.nsent, nb = lb.nsent;

		memcpy(ba, la.sent, na);
		memcpy(bb, lb.sent, nb);
		la.nsent = lb.nsent = 0;
		la.n = lb.n = la.nbytes = lb.nbytes = 0;
		telnet_feed(&b, ba, na, record, &lb);
		telnet_feed(&a, bb, nb, record, &la);
	}
	ok(rounds < 20 && !la.nsent && !lb.nsent, "two peers stop negotiating (%d rounds)", rounds);
	{
		int agree = 1, on = 0;

		for (int o = 0; o < 256; o++) {
			agree &= telnet_enabled(&a, (uint8_t)o, true) == telnet_enabled(&b, (uint8_t)o, false);
			agree &= telnet_enabled(&a, (uint8_t)o, false) == telnet_enabled(&b, (uint8_t)o, true);
			on += telnet_enabled(&a, (uint8_t)o, true) + telnet_enabled(&a, (uint8_t)o, false);
		}
		ok(agree, "both sides agree on every option (%d on)", on);
		ok(on > 0, "some options were agreed");
		ok(telnet_enabled(&a, 0, true) == ((0 % 3 == 0) && true), "an option both allow is on");
	}
	ok(!la.overflow && !lb.overflow, "logs did not overflow");
}

/* ---- subnegotiation ------------------------------------------------------------------ */

static void test_sb(void)
{
	uint8_t buf[TELNET_SB_MAX * 2 + 16];
	const struct ev *e;
	size_t n;

	reset();
	FEED('x', IAC, TELNET_SB, TELNET_OPT_COMPORT, 1, 0, 0, 0x25, 0x80, IAC, TELNET_SE, 'y');
	e = find(TELNET_EV_SB, 0);
	ok(e && e->opt == TELNET_OPT_COMPORT && e->len == 5, "SB event, option 44, 5 bytes");
	ok(e && !memcmp(L.bytes + e->off, "\x01\x00\x00\x25\x80", 5), "payload un-escaped as sent");
	DATA_IS("data around it untouched", 'x', 'y');

	reset();
	FEED(IAC, TELNET_SB, 44, 0, IAC, IAC, 'a', IAC, IAC, IAC, TELNET_SE);
	e = find(TELNET_EV_SB, 0);
	ok(e && e->len == 4 && !memcmp(L.bytes + e->off, "\x00\xff\x61\xff", 4), "IAC IAC in SB is one 0xff");

	reset();
	FEED(IAC, TELNET_SB, 44, IAC, TELNET_SE);
	e = find(TELNET_EV_SB, 0);
	ok(e && e->len == 0 && e->opt == 44, "empty subnegotiation delivered with len 0");

	/* the limit */
	reset();
	n = 0;
	buf[n++] = IAC;
	buf[n++] = TELNET_SB;
	buf[n++] = 44;
	for (int i = 0; i < TELNET_SB_MAX; i++)
		buf[n++] = (uint8_t)('A' + i % 26);
	buf[n++] = IAC;
	buf[n++] = TELNET_SE;
	feed(buf, n);
	e = find(TELNET_EV_SB, 0);
	ok(e && e->len == TELNET_SB_MAX, "a payload of TELNET_SB_MAX (%d) bytes is delivered", TELNET_SB_MAX);
	is_int(T.sb_dropped, 0, "nothing dropped");

	reset();
	n = 0;
	buf[n++] = IAC;
	buf[n++] = TELNET_SB;
	buf[n++] = 44;
	for (int i = 0; i <= TELNET_SB_MAX; i++)
		buf[n++] = 'B';
	buf[n++] = IAC;
	buf[n++] = TELNET_SE;
	buf[n++] = 'z';
	feed(buf, n);
	is_int(count(TELNET_EV_SB), 0, "one byte more: not delivered");
	is_int(T.sb_dropped, 1, "counted in sb_dropped");
	DATA_IS("data after it flows", 'z');

	reset();
	FEED(IAC, TELNET_SB, 44);
	for (int i = 0; i < 100000; i++)
		FEED('L');
	FEED(IAC, TELNET_SE, 'k');
	is_int(count(TELNET_EV_SB), 0, "an endless subnegotiation is discarded");
	ok(T.sb_len <= TELNET_SB_MAX, "state stays bounded");
	DATA_IS("and data resumes after its SE", 'k');

	/* a command inside cuts it */
	reset();
	FEED(IAC, TELNET_SB, 44, 1, 2, IAC, TELNET_BREAK, 'q');
	is_int(count(TELNET_EV_SB), 0, "SB cut by IAC BREAK: no SB event");
	is_int(T.sb_bad, 1, "counted in sb_bad");
	e = find(TELNET_EV_CMD, 0);
	ok(e && e->cmd == TELNET_BREAK, "the BREAK stands");
	DATA_IS("data after it is data", 'q');

	reset();
	telnet_allow(&T, TELNET_OPT_BINARY, true, true);
	FEED(IAC, TELNET_SB, 44, 1, IAC);
	FEED(TELNET_DO, TELNET_OPT_BINARY);
	is_int(T.sb_bad, 1, "SB cut by IAC DO across feeds");
	SENT_IS("the DO is negotiated", IAC, TELNET_WILL, TELNET_OPT_BINARY);

	/* split at every position */
	{
		static const uint8_t msg[] = { 'a', IAC, TELNET_SB, 44, 1, 0, 0, IAC, IAC, 0, IAC, TELNET_SE,
					       'b', IAC, IAC, '\r', 0, IAC, TELNET_BREAK, 'c' };
		int good = 0;

		for (size_t cut = 0; cut <= sizeof(msg); cut++) {
			const struct ev *s;

			reset();
			feed(msg, cut);
			feed(msg + cut, sizeof(msg) - cut);
			s = find(TELNET_EV_SB, 0);
			good += s && s->len == 5 && !memcmp(L.bytes + s->off, "\x01\x00\x00\xff\x00", 5) &&
				bytes_eq(L.data, L.ndata, (const uint8_t *)"ab\xff\rc", 5) &&
				count(TELNET_EV_CMD) == 1;
		}
		is_int(good, sizeof(msg) + 1, "a stream cut at any point decodes the same");
	}
}

/* ---- feeding in pieces: a random stream, whole vs. chunked ------------------------ */

static uint32_t rng = 12345;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_chunking(void)
{
	static uint8_t stream[4096];
	static struct log whole;
	int same = 0, runs = 50;

	for (int r = 0; r < runs; r++) {
		static const uint8_t pick[] = { IAC, IAC, IAC, TELNET_SB, TELNET_SE, TELNET_WILL, TELNET_DO,
						TELNET_WONT, TELNET_DONT, TELNET_BREAK, '\r', 0, 44, 1 };
		size_t n = 1 + rnd() % sizeof(stream);

		for (size_t i = 0; i < n; i++)
			stream[i] = rnd() % 3 ? pick[rnd() % sizeof(pick)] : (uint8_t)rnd();
		reset();
		telnet_allow(&T, 0, true, true);
		telnet_allow(&T, 44, false, true);
		feed(stream, n);
		memcpy(&whole, &L, sizeof(L));
		reset();
		telnet_allow(&T, 0, true, true);
		telnet_allow(&T, 44, false, true);
		for (size_t off = 0; off < n;) {
			size_t k = 1 + rnd() % 7;

			if (k > n - off)
				k = n - off;
			feed(stream + off, k);
			off += k;
		}
		/* data runs may split differently; everything else must match */
		if (bytes_eq(whole.data, whole.ndata, L.data, L.ndata) &&
		    bytes_eq(whole.sent, whole.nsent, L.sent, L.nsent) && !whole.overflow && !L.overflow) {
			size_t i = 0, j = 0;
			bool eq = true;

			while (eq) {
				while (i < whole.n && whole.ev[i].type == TELNET_EV_DATA)
					i++;
				while (j < L.n && L.ev[j].type == TELNET_EV_DATA)
					j++;
				if (i == whole.n || j == L.n) {
					eq = i == whole.n && j == L.n;
					break;
				}
				eq = whole.ev[i].type == L.ev[j].type && whole.ev[i].cmd == L.ev[j].cmd &&
				     whole.ev[i].opt == L.ev[j].opt && whole.ev[i].local == L.ev[j].local &&
				     whole.ev[i].enabled == L.ev[j].enabled &&
				     bytes_eq(whole.bytes + whole.ev[i].off, whole.ev[i].len,
					      L.bytes + L.ev[j].off, L.ev[j].len);
				i++;
				j++;
			}
			same += eq;
		}
	}
	is_int(same, runs, "%d random streams: fed whole or in 1..7-byte pieces, same result", runs);
}

/* ---- encoders -------------------------------------------------------------------------- */

static void test_encode(void)
{
	static const uint8_t in[] = { 'a', IAC, '\r', '\n', '\r', 0, 'b' };
	uint8_t out[64];
	size_t used, n;

	n = telnet_encode_data(in, sizeof(in), out, sizeof(out), false, &used);
	ok(n == 10 && used == sizeof(in) &&
	   !memcmp(out, "a\xff\xff\r\0\n\r\0\0b", 10), "NVT: IAC doubled, CR -> CR NUL");
	n = telnet_encode_data(in, sizeof(in), out, sizeof(out), true, &used);
	ok(n == 8 && used == sizeof(in) && !memcmp(out, "a\xff\xff\r\n\r\0b", 8),
	   "binary: IAC doubled, CR as is");
	n = telnet_encode_data(in, sizeof(in), out, 2, false, &used);
	ok(n == 1 && used == 1, "cap 2: 'a' fits, IAC IAC does not");
	n = telnet_encode_data(in + 1, 1, out, 1, false, &used);
	ok(n == 0 && used == 0, "cap 1: an IAC does not fit, nothing consumed");
	n = telnet_encode_data(in + 1, 1, out, 2, false, &used);
	ok(n == 2 && used == 1, "cap 2 makes progress with an IAC");
	n = telnet_encode_data(in, 0, out, sizeof(out), false, &used);
	ok(n == 0 && used == 0, "nothing in, nothing out");

	is_int(telnet_encode_cmd(TELNET_BREAK, -1, out, sizeof(out)), 2, "IAC BREAK: 2 bytes");
	ok(out[0] == IAC && out[1] == TELNET_BREAK, "IAC BREAK bytes");
	is_int(telnet_encode_cmd(TELNET_DO, 44, out, 3), 3, "IAC DO 44: 3 bytes");
	ok(out[0] == IAC && out[1] == TELNET_DO && out[2] == 44, "IAC DO 44 bytes");
	is_int(telnet_encode_cmd(TELNET_DO, 44, out, 2), 0, "no room: 0");
	is_int(telnet_encode_cmd(TELNET_NOP, -1, out, 1), 0, "no room for 2: 0");

	{
		static const uint8_t pl[] = { 1, IAC, 2 };

		n = telnet_encode_sb(44, pl, sizeof(pl), out, sizeof(out));
		ok(n == 9 && !memcmp(out, "\xff\xfa\x2c\x01\xff\xff\x02\xff\xf0", 9),
		   "SB: IAC SB 44 payload (IAC doubled) IAC SE");
		is_int(telnet_encode_sb(44, pl, sizeof(pl), out, 9), 9, "exact room");
		is_int(telnet_encode_sb(44, pl, sizeof(pl), out, 8), 0, "one byte short: 0");
		is_int(telnet_encode_sb(44, NULL, 0, out, 5), 5, "empty payload: 5 bytes");
		is_int(telnet_encode_sb(44, NULL, 0, out, 4), 0, "cap 4: 0");
	}
}

static void test_roundtrip(void)
{
	static uint8_t src[8192], wire[2 * 8192];
	size_t n = 0, used, total = 0;
	int good = 1;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = rnd() % 4 ? (uint8_t)rnd() : (rnd() % 2 ? IAC : '\r');
	for (int binary = 0; binary < 2; binary++) {
		reset();
		if (binary) {
			telnet_allow(&T, TELNET_OPT_BINARY, true, true);
			FEED(IAC, TELNET_WILL, TELNET_OPT_BINARY);
			L.nsent = 0;
			L.n = 0;
		}
		total = 0;
		/* through a small buffer, as a backend would */
		while (total < sizeof(src)) {
			uint8_t small[37];

			n = telnet_encode_data(src + total, sizeof(src) - total, small, sizeof(small), binary,
					       &used);
			if (!used) {
				good = 0;
				break;
			}
			memcpy(wire, small, n);
			feed(wire, n);
			total += used;
		}
		ok(good && bytes_eq(L.data, L.ndata, src, sizeof(src)),
		   "8 KiB of data with IAC and CR encoded (%s) and decoded: identical",
		   binary ? "binary" : "NVT");
	}

	/* subnegotiation round trip, every payload byte value */
	{
		uint8_t pl[TELNET_SB_MAX], out[2 * TELNET_SB_MAX + 8];
		const struct ev *e;
		int sb_good = 0;

		for (int v = 0; v < 256; v += 4) {
			for (size_t i = 0; i < sizeof(pl); i++)
				pl[i] = (uint8_t)(v + i);
			n = telnet_encode_sb(44, pl, sizeof(pl), out, sizeof(out));
			reset();
			feed(out, n);
			e = find(TELNET_EV_SB, 0);
			sb_good += n && e && e->len == sizeof(pl) && !memcmp(L.bytes + e->off, pl, sizeof(pl));
		}
		is_int(sb_good, 64, "64 SB payloads of %d bytes, all byte values: encoded and decoded",
		       TELNET_SB_MAX);
	}
}

/* ---- RFC 2217 ------------------------------------------------------------------------ */

static void test_rfc2217(void)
{
	struct rfc2217_msg m;
	uint8_t out[2 * TELNET_SB_MAX + 8];
	const struct ev *e;
	size_t n;

	ok(rfc2217_parse((const uint8_t *)"", 0, &m) == -EINVAL, "empty payload refused");
	ok(rfc2217_parse((const uint8_t *)"\x01\x00\x01\xc2\x00", 5, &m) == 0 &&
	   m.base == RFC2217_SET_BAUDRATE && !m.server && m.value == 115200, "SET-BAUDRATE 115200");
	ok(rfc2217_parse((const uint8_t *)"\x65\x00\x00\x25\x80", 5, &m) == 0 && m.server &&
	   m.base == RFC2217_SET_BAUDRATE && m.code == 101 && m.value == 9600,
	   "server answer 101: SET-BAUDRATE 9600");
	ok(rfc2217_parse((const uint8_t *)"\x01\x00\x01\xc2", 4, &m) == -EINVAL, "SET-BAUDRATE with 3 bytes refused");
	ok(rfc2217_parse((const uint8_t *)"\x01\x00\x01\xc2\x00\x00", 6, &m) == -EINVAL,
	   "SET-BAUDRATE with 5 bytes refused");
	ok(rfc2217_parse((const uint8_t *)"\x02\x08", 2, &m) == 0 && m.base == RFC2217_SET_DATASIZE &&
	   m.value == 8, "SET-DATASIZE 8");
	ok(rfc2217_parse((const uint8_t *)"\x02", 1, &m) == -EINVAL, "SET-DATASIZE without its byte refused");
	ok(rfc2217_parse((const uint8_t *)"\x02\x08\x08", 3, &m) == -EINVAL, "SET-DATASIZE with 2 bytes refused");
	ok(rfc2217_parse((const uint8_t *)"\x05\x08", 2, &m) == 0 && m.base == RFC2217_SET_CONTROL &&
	   m.value == RFC2217_CTL_DTR_ON, "SET-CONTROL DTR-ON");
	ok(rfc2217_parse((const uint8_t *)"\x6b\xb0", 2, &m) == 0 && m.server &&
	   m.base == RFC2217_NOTIFY_MODEMSTATE && m.value == 0xb0, "server NOTIFY-MODEMSTATE");
	ok(rfc2217_parse((const uint8_t *)"\x6f\xff", 2, &m) == 0 && m.server &&
	   m.base == RFC2217_SET_MODEMSTATE_MASK && m.value == 0xff, "server SET-MODEMSTATE-MASK 255");
	ok(rfc2217_parse((const uint8_t *)"\x0c\x03", 2, &m) == 0 && m.base == RFC2217_PURGE_DATA &&
	   m.value == RFC2217_PURGE_BOTH, "PURGE-DATA both");
	ok(rfc2217_parse((const uint8_t *)"\x08", 1, &m) == 0 && m.base == RFC2217_FLOWCONTROL_SUSPEND,
	   "FLOWCONTROL-SUSPEND without a value");
	ok(rfc2217_parse((const uint8_t *)"\x09\x00", 2, &m) == 0 && m.base == RFC2217_FLOWCONTROL_RESUME,
	   "FLOWCONTROL-RESUME with one (tolerated)");
	ok(rfc2217_parse((const uint8_t *)"\x09\x00\x00", 3, &m) == -EINVAL, "FLOWCONTROL-RESUME with two refused");
	ok(rfc2217_parse((const uint8_t *)"\x00ttyvs 1.0", 10, &m) == 0 && m.base == RFC2217_SIGNATURE &&
	   m.len == 9 && !memcmp(m.text, "ttyvs 1.0", 9), "SIGNATURE with its text");
	ok(rfc2217_parse((const uint8_t *)"\x64", 1, &m) == 0 && m.server && m.base == RFC2217_SIGNATURE &&
	   m.len == 0, "empty SIGNATURE (a request)");
	ok(rfc2217_parse((const uint8_t *)"\x0d\x00", 2, &m) == -EINVAL, "code 13 unknown");
	ok(rfc2217_parse((const uint8_t *)"\x63\x00", 2, &m) == -EINVAL, "code 99 unknown");
	ok(rfc2217_parse((const uint8_t *)"\x71\x00", 2, &m) == -EINVAL, "code 113 unknown");
	ok(rfc2217_parse((const uint8_t *)"\xff\x00", 2, &m) == -EINVAL, "code 255 unknown");

	n = rfc2217_encode(RFC2217_SET_BAUDRATE, 115200, 4, NULL, out, sizeof(out));
	ok(n == 10 && !memcmp(out, "\xff\xfa\x2c\x01\x00\x01\xc2\x00\xff\xf0", 10),
	   "encode SET-BAUDRATE 115200");
	n = rfc2217_encode(RFC2217_SET_BAUDRATE + RFC2217_SERVER, 0xff, 4, NULL, out, sizeof(out));
	ok(n == 11 && !memcmp(out, "\xff\xfa\x2c\x65\x00\x00\x00\xff\xff\xff\xf0", 11),
	   "a 0xff byte in the value is doubled");
	n = rfc2217_encode(RFC2217_NOTIFY_MODEMSTATE + RFC2217_SERVER, RFC2217_MS_DCD | RFC2217_MS_CTS, 1,
			   NULL, out, sizeof(out));
	ok(n == 7 && !memcmp(out, "\xff\xfa\x2c\x6b\x90\xff\xf0", 7), "encode NOTIFY-MODEMSTATE");
	n = rfc2217_encode(RFC2217_FLOWCONTROL_SUSPEND, 0, 0, NULL, out, sizeof(out));
	ok(n == 6 && !memcmp(out, "\xff\xfa\x2c\x08\xff\xf0", 6), "encode a code without a value");
	n = rfc2217_encode(RFC2217_SIGNATURE + RFC2217_SERVER, 0, 0, "ttyvs", out, sizeof(out));
	ok(n == 11 && !memcmp(out, "\xff\xfa\x2c\x64ttyvs\xff\xf0", 11), "encode SIGNATURE text");
	{
		char longsig[200];

		memset(longsig, 's', sizeof(longsig) - 1);
		longsig[sizeof(longsig) - 1] = '\0';
		n = rfc2217_encode(RFC2217_SIGNATURE, 0, 0, longsig, out, sizeof(out));
		ok(n == 6 + RFC2217_SIGNATURE_MAX, "a long SIGNATURE is cut to %d characters",
		   RFC2217_SIGNATURE_MAX);
		reset();
		feed(out, n);
		e = find(TELNET_EV_SB, 0);
		ok(e && e->len == TELNET_SB_MAX, "and still fits the parser's SB limit");
	}
	is_int(rfc2217_encode(RFC2217_SET_BAUDRATE, 9600, 4, NULL, out, 9), 0, "no room: 0");

	/* every code and value through the wire and back */
	{
		int good = 0, total = 0;

		for (int code = 0; code <= RFC2217_PURGE_DATA; code++) {
			for (int server = 0; server < 2; server++) {
				uint8_t c = (uint8_t)(code + server * RFC2217_SERVER);
				int vlen = code == RFC2217_SET_BAUDRATE ? 4 :
					   code == RFC2217_SIGNATURE || code == RFC2217_FLOWCONTROL_SUSPEND ||
					   code == RFC2217_FLOWCONTROL_RESUME ? 0 : 1;
				uint32_t v = vlen == 4 ? 0xff00ff7fu : 0xff;

				n = rfc2217_encode(c, v, vlen, code ? NULL : "sig\xff", out, sizeof(out));
				reset();
				feed(out, n);
				e = find(TELNET_EV_SB, 0);
				total++;
				if (!e || e->opt != TELNET_OPT_COMPORT ||
				    rfc2217_parse(L.bytes + e->off, e->len, &m))
					continue;
				good += m.code == c && m.base == code && m.server == server &&
					(vlen ? m.value == (vlen == 4 ? v : (v & 0xff)) : 1) &&
					(code ? 1 : m.len == 4 && !memcmp(m.text, "sig\xff", 4));
			}
		}
		is_int(good, total, "every COM-PORT-OPTION code, client and server: encode, feed, parse");
	}
}

int main(void)
{
	test_data();
	test_commands();
	test_negotiation();
	test_two_peers();
	test_sb();
	test_chunking();
	test_encode();
	test_roundtrip();
	test_rfc2217();
	return tap_done();
}
