// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the telnet / RFC 2217 codec driven by a script of
 * operations, so that the parser sees the network bytes in any pieces and
 * the RFC 1143 state machine sees our own requests between them:
 *
 *   op < 0xe0         feed the next (op & 0x3f) + 1 bytes
 *   0xe0..0xef OPT    telnet_request(OPT, local = op & 1, enable = op & 2)
 *   0xf0..0xff OPT    telnet_allow(OPT, local = op & 1, remote = op & 2)
 *
 * Checked besides crashes and sanitizer reports: events are well formed
 * (no empty data run, none longer than the bytes fed, SB payloads within
 * TELNET_SB_MAX, replies of IAC VERB OPT); the data decoded, encoded again
 * and decoded by a fresh codec comes back identical; every SB payload
 * survives encode + feed; every COM-PORT-OPTION message that parses
 * encodes back to the same payload; replies are never more than the
 * negotiation received (no amplification); and, reading the script as
 * requests on two codecs joined by a wire, their negotiation settles in a
 * bounded number of rounds with both agreeing on every option (no loop).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../telnet.h"

#define DATA_MAX 16384

/* a broken promise is a crash, with the condition and its line */
#define check(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

struct ctx {
	size_t fed;			/* bytes of the current telnet_feed() call */
	uint8_t data[DATA_MAX];
	size_t ndata;
	uint8_t sent[4096];
	size_t nsent;
	bool sent_over;
};

static void check_comport(const uint8_t *p, size_t n)
{
	uint8_t out[2 * TELNET_SB_MAX + 16];
	struct rfc2217_msg m;
	size_t len;

	if (rfc2217_parse(p, n, &m))
		return;
	check(m.base <= RFC2217_PURGE_DATA && m.server == (m.code >= RFC2217_SERVER));
	if (m.base == RFC2217_SIGNATURE) {
		char sig[RFC2217_SIGNATURE_MAX + 1];

		check(m.len == n - 1);
		/* a signature with a NUL cannot be re-encoded from a C string */
		if (memchr(m.text, 0, m.len) || m.len > RFC2217_SIGNATURE_MAX)
			return;
		memcpy(sig, m.text, m.len);
		sig[m.len] = '\0';
		len = rfc2217_encode(m.code, 0, 0, sig, out, sizeof(out));
	} else if (m.base == RFC2217_SET_BAUDRATE) {
		len = rfc2217_encode(m.code, m.value, 4, NULL, out, sizeof(out));
	} else if (m.base == RFC2217_FLOWCONTROL_SUSPEND || m.base == RFC2217_FLOWCONTROL_RESUME) {
		/* a value byte is tolerated and ignored */
		len = rfc2217_encode(m.code, n > 1 ? p[1] : 0, (int)(n - 1), NULL, out, sizeof(out));
	} else {
		len = rfc2217_encode(m.code, m.value, (int)(n - 1), NULL, out, sizeof(out));
	}
	check(len >= 5);
	/* the same payload comes out */
	check(out[0] == TELNET_IAC && out[1] == TELNET_SB && out[2] == TELNET_OPT_COMPORT);
	check(out[len - 2] == TELNET_IAC && out[len - 1] == TELNET_SE);
	{
		/* un-escape the middle by hand */
		uint8_t un[2 * TELNET_SB_MAX];
		size_t k = 0;

		for (size_t i = 3; i < len - 2; i++) {
			if (out[i] == TELNET_IAC) {
				check(out[i + 1] == TELNET_IAC);
				i++;
			}
			un[k++] = out[i];
		}
		check(k == n && !memcmp(un, p, n));
	}
}

static void on_event(void *arg, const struct telnet_event *ev)
{
	struct ctx *c = arg;

	switch (ev->type) {
	case TELNET_EV_DATA:
		check(ev->len > 0 && ev->len <= c->fed);
		if (c->ndata + ev->len <= DATA_MAX) {
			memcpy(c->data + c->ndata, ev->data, ev->len);
			c->ndata += ev->len;
		}
		break;
	case TELNET_EV_CMD:
		/* IAC IAC is data, negotiation and SB are not commands */
		check(ev->cmd != TELNET_IAC && ev->cmd != TELNET_SB &&
		      (ev->cmd < TELNET_WILL || ev->cmd > TELNET_DONT));
		break;
	case TELNET_EV_OPTION:
		break;
	case TELNET_EV_SB: {
		uint8_t out[2 * TELNET_SB_MAX + 8];
		size_t len;

		check(ev->len <= TELNET_SB_MAX);
		len = telnet_encode_sb(ev->opt, ev->data, ev->len, out, sizeof(out));
		check(len >= 5 + ev->len);
		if (ev->opt == TELNET_OPT_COMPORT)
			check_comport(ev->data, ev->len);
		break;
	}
	case TELNET_EV_SEND:
		check(ev->len == 3 && ev->data[0] == TELNET_IAC && ev->data[1] >= TELNET_WILL);
		if (c->nsent + ev->len <= sizeof(c->sent)) {
			memcpy(c->sent + c->nsent, ev->data, ev->len);
			c->nsent += ev->len;
		} else {
			c->sent_over = true;
		}
		break;
	}
}

static struct telnet t;
static struct ctx c, rt;

/* The decoded data, encoded (NVT) and decoded again by a fresh codec. */
static void check_roundtrip(void)
{
	static struct telnet t2;
	size_t off = 0;

	telnet_init(&t2);
	memset(&rt, 0, sizeof(rt));
	while (off < c.ndata) {
		uint8_t wire[29];
		size_t used, n = telnet_encode_data(c.data + off, c.ndata - off, wire, sizeof(wire), false,
						    &used);

		check(used > 0 && n >= used && n <= sizeof(wire));
		rt.fed = n;
		telnet_feed(&t2, wire, n, on_event, &rt);
		off += used;
	}
	check(rt.ndata == c.ndata && !memcmp(rt.data, c.data, c.ndata));
}

/*
 * Two codecs A and B joined by a wire, driven by the same script read
 * another way: op < 0xe0 delivers what one side (op & 1) has sent so far
 * to the other; 0xe0..0xff OPT is a request / an allow on side (op >> 2) & 1.
 * At the end the wire is drained: it must go quiet within a bounded number
 * of rounds, and both sides must then agree on every option.
 */
static struct telnet side[2];
static struct ctx cside[2];

static void deliver(int from)
{
	static uint8_t buf[sizeof(cside[0].sent)];
	size_t n = cside[from].nsent;

	memcpy(buf, cside[from].sent, n);
	cside[from].nsent = 0;
	cside[!from].fed = n;
	cside[!from].ndata = 0;
	telnet_feed(&side[!from], buf, n, on_event, &cside[!from]);
	check(cside[!from].ndata == 0);
}

static void check_two_sides(const uint8_t *in, size_t size)
{
	size_t i = 0;
	int rounds;

	for (int s = 0; s < 2; s++) {
		telnet_init(&side[s]);
		memset(&cside[s], 0, sizeof(cside[s]));
	}
	while (i < size) {
		uint8_t op = in[i++];

		if (op < 0xe0) {
			deliver(op & 1);
		} else if (i < size) {
			int s = (op >> 2) & 1;

			if (op < 0xf0)
				telnet_request(&side[s], in[i], op & 1, op & 2, on_event, &cside[s]);
			else
				telnet_allow(&side[s], in[i], op & 1, op & 2);
			i++;
		}
		if (cside[0].sent_over || cside[1].sent_over)
			return;
	}
	for (rounds = 0; rounds < 16 && (cside[0].nsent || cside[1].nsent); rounds++) {
		deliver(0);
		deliver(1);
	}
	check(rounds < 16);
	for (int o = 0; o < 256; o++) {
		check(telnet_enabled(&side[0], (uint8_t)o, true) == telnet_enabled(&side[1], (uint8_t)o, false));
		check(telnet_enabled(&side[0], (uint8_t)o, false) == telnet_enabled(&side[1], (uint8_t)o, true));
		check(side[0].us[o] <= TELNET_Q_YES && side[0].him[o] <= TELNET_Q_YES);
		check(side[1].us[o] <= TELNET_Q_YES && side[1].him[o] <= TELNET_Q_YES);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	size_t i = 0, fed = 0, requests = 0, sent = 0;

	telnet_init(&t);
	memset(&c, 0, sizeof(c));
	while (i < size) {
		uint8_t op = in[i++];

		if (op < 0xe0) {
			size_t n = (size_t)(op & 0x3f) + 1;

			if (n > size - i)
				n = size - i;
			c.fed = n;
			telnet_feed(&t, in + i, n, on_event, &c);
			i += n;
			fed += n;
		} else if (i < size) {
			uint8_t opt = in[i++];

			c.fed = 0;
			if (op < 0xf0) {
				telnet_request(&t, opt, op & 1, op & 2, on_event, &c);
				requests++;
			} else {
				telnet_allow(&t, opt, op & 1, op & 2);
			}
		}
		check(t.sb_len <= TELNET_SB_MAX);
		/* no amplification: a reply needs 3 bytes received, a request sends 3 */
		sent += c.nsent;
		c.nsent = 0;
		check(sent <= fed + 3 * requests);
	}
	check_roundtrip();
	check_two_sides(in, size);
	return 0;
}
