/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Telnet (RFC 854/855/856/858) and RFC 2217 COM-PORT-OPTION codec.
 *
 * Pure: no I/O, no globals, no allocation. One struct telnet per
 * connection holds the parser state and the option states (RFC 1143 "Q
 * method": a request is answered only when it changes a state, so two
 * peers can never loop on negotiation).
 *
 * Input:  telnet_feed(t, bytes, n, cb, arg) parses network bytes and calls
 *         cb for each item: runs of data bytes (IAC IAC un-escaped, and
 *         CR NUL -> CR while the peer does not send BINARY), commands
 *         (IAC BREAK, IAC NOP...), option state changes, complete
 *         subnegotiations, and bytes to send back (negotiation replies).
 *         It consumes every byte; memory never grows: a subnegotiation
 *         longer than TELNET_SB_MAX is discarded and counted in
 *         t->sb_dropped.
 * Output: telnet_encode_data() (data with IAC doubled), telnet_encode_cmd()
 *         (IAC CMD [OPT]), telnet_encode_sb() (IAC SB OPT ... IAC SE with
 *         IAC doubled inside), telnet_request() (start a negotiation).
 * RFC 2217: rfc2217_parse() decodes a COM-PORT-OPTION subnegotiation's
 *         payload, rfc2217_encode() builds one.
 */
#ifndef TTYVSCTL_TELNET_H
#define TTYVSCTL_TELNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Commands (RFC 854) */
#define TELNET_SE	240
#define TELNET_NOP	241
#define TELNET_DM	242
#define TELNET_BREAK	243
#define TELNET_IP	244
#define TELNET_AO	245
#define TELNET_AYT	246
#define TELNET_EC	247
#define TELNET_EL	248
#define TELNET_GA	249
#define TELNET_SB	250
#define TELNET_WILL	251
#define TELNET_WONT	252
#define TELNET_DO	253
#define TELNET_DONT	254
#define TELNET_IAC	255

/* Options */
#define TELNET_OPT_BINARY	0
#define TELNET_OPT_ECHO		1
#define TELNET_OPT_SGA		3
#define TELNET_OPT_COMPORT	44	/* RFC 2217 */

/* Longest subnegotiation payload kept (after the option byte, un-escaped). */
#define TELNET_SB_MAX		64

enum telnet_ev_type {
	TELNET_EV_DATA,		/* data, len: data bytes for the application */
	TELNET_EV_CMD,		/* cmd: IAC CMD other than option/SB (BREAK, NOP, AYT...) */
	TELNET_EV_OPTION,	/* opt, local, enabled: an option state changed */
	TELNET_EV_SB,		/* opt, data, len: a complete subnegotiation payload */
	TELNET_EV_SEND,		/* data, len: bytes to send to the peer (replies) */
};

struct telnet_event {
	enum telnet_ev_type type;
	const uint8_t *data;
	size_t len;
	uint8_t cmd;
	uint8_t opt;
	bool local;		/* OPTION: our side ("WILL") or the peer's ("DO") */
	bool enabled;
};

typedef void (*telnet_cb)(void *arg, const struct telnet_event *ev);

/* Q method states, per option and side. */
enum { TELNET_Q_NO, TELNET_Q_YES, TELNET_Q_WANTNO, TELNET_Q_WANTYES };

struct telnet {
	/* parser */
	uint8_t state;
	bool cr;			/* last data byte was CR (for CR NUL) */
	uint8_t sb_opt;
	bool sb_over;			/* current SB too long: being discarded */
	size_t sb_len;
	uint8_t sb[TELNET_SB_MAX];
	/* options: Q states and what we accept, per side */
	uint8_t us[256], him[256];	/* TELNET_Q_* */
	bool us_q[256], him_q[256];	/* the "opposite" queue bit of RFC 1143 */
	uint8_t allow_us[32], allow_him[32];	/* bitmaps: options we agree to */
	/* counters (for logs and tests) */
	unsigned long sb_dropped;	/* oversized subnegotiations discarded */
	unsigned long sb_bad;		/* subnegotiations cut by a stray IAC command */
};

/* Clears everything: no option allowed, all options off. */
void telnet_init(struct telnet *t);
/* Lets the peer enable opt on our side (local) or on its side. */
void telnet_allow(struct telnet *t, uint8_t opt, bool local, bool remote);
/* Whether opt is on, on our side (local) or the peer's. */
bool telnet_enabled(const struct telnet *t, uint8_t opt, bool local);

/*
 * Parses n network bytes, calling cb for each item (see above). Data events
 * never carry more bytes than were fed, so a caller that feeds at most the
 * room of its buffer can always store them.
 */
void telnet_feed(struct telnet *t, const uint8_t *in, size_t n, telnet_cb cb, void *arg);

/*
 * Asks to enable (or disable) opt on our side (WILL/WONT) or the peer's
 * (DO/DONT), following RFC 1143; the bytes to send, if any, go to cb as a
 * TELNET_EV_SEND event. The option must be allowed for that side to enable.
 */
void telnet_request(struct telnet *t, uint8_t opt, bool local, bool enable, telnet_cb cb, void *arg);

/*
 * Encodes data for the network: IAC doubled, and CR -> CR NUL unless
 * "binary" (our side's BINARY is on; pass telnet_enabled(t, 0, true)).
 * Encodes as much of in as fits in out (cap >= 2 makes progress), sets
 * *used to the input bytes consumed, returns the output length.
 */
size_t telnet_encode_data(const uint8_t *in, size_t n, uint8_t *out, size_t cap, bool binary,
			  size_t *used);
/* IAC CMD (opt < 0) or IAC CMD OPT into out (cap >= 3); returns the length. */
size_t telnet_encode_cmd(uint8_t cmd, int opt, uint8_t *out, size_t cap);
/*
 * IAC SB OPT payload IAC SE with IAC doubled in the payload. Returns the
 * length, or 0 if it does not fit in cap (at most 2 * n + 5 bytes).
 */
size_t telnet_encode_sb(uint8_t opt, const uint8_t *payload, size_t n, uint8_t *out, size_t cap);

/* ---- RFC 2217 COM-PORT-OPTION ---------------------------------------------------- */

/* Client -> server codes; the server's answers are the code + RFC2217_SERVER. */
#define RFC2217_SIGNATURE		0
#define RFC2217_SET_BAUDRATE		1
#define RFC2217_SET_DATASIZE		2
#define RFC2217_SET_PARITY		3
#define RFC2217_SET_STOPSIZE		4
#define RFC2217_SET_CONTROL		5
#define RFC2217_NOTIFY_LINESTATE	6
#define RFC2217_NOTIFY_MODEMSTATE	7
#define RFC2217_FLOWCONTROL_SUSPEND	8
#define RFC2217_FLOWCONTROL_RESUME	9
#define RFC2217_SET_LINESTATE_MASK	10
#define RFC2217_SET_MODEMSTATE_MASK	11
#define RFC2217_PURGE_DATA		12
#define RFC2217_SERVER			100

/* SET-PARITY values */
#define RFC2217_PARITY_REQUEST	0
#define RFC2217_PARITY_NONE	1
#define RFC2217_PARITY_ODD	2
#define RFC2217_PARITY_EVEN	3
#define RFC2217_PARITY_MARK	4
#define RFC2217_PARITY_SPACE	5
/* SET-STOPSIZE values */
#define RFC2217_STOP_REQUEST	0
#define RFC2217_STOP_1		1
#define RFC2217_STOP_2		2
#define RFC2217_STOP_1_5	3
/* SET-CONTROL values */
#define RFC2217_CTL_FLOW_REQUEST	0
#define RFC2217_CTL_FLOW_NONE		1
#define RFC2217_CTL_FLOW_XONXOFF	2
#define RFC2217_CTL_FLOW_HARDWARE	3
#define RFC2217_CTL_BREAK_REQUEST	4
#define RFC2217_CTL_BREAK_ON		5
#define RFC2217_CTL_BREAK_OFF		6
#define RFC2217_CTL_DTR_REQUEST		7
#define RFC2217_CTL_DTR_ON		8
#define RFC2217_CTL_DTR_OFF		9
#define RFC2217_CTL_RTS_REQUEST		10
#define RFC2217_CTL_RTS_ON		11
#define RFC2217_CTL_RTS_OFF		12
#define RFC2217_CTL_INFLOW_REQUEST	13
#define RFC2217_CTL_INFLOW_NONE		14
#define RFC2217_CTL_INFLOW_XONXOFF	15
#define RFC2217_CTL_INFLOW_HARDWARE	16
/* PURGE-DATA values */
#define RFC2217_PURGE_RX	1	/* the access server's receive buffer (network <- port) */
#define RFC2217_PURGE_TX	2	/* its transmit buffer (network -> port) */
#define RFC2217_PURGE_BOTH	3
/* NOTIFY-MODEMSTATE bits */
#define RFC2217_MS_DCD		0x80
#define RFC2217_MS_RI		0x40
#define RFC2217_MS_DSR		0x20
#define RFC2217_MS_CTS		0x10
#define RFC2217_MS_DDCD		0x08
#define RFC2217_MS_TERI		0x04
#define RFC2217_MS_DDSR		0x02
#define RFC2217_MS_DCTS		0x01
/* NOTIFY-LINESTATE bits */
#define RFC2217_LS_TIMEOUT	0x80
#define RFC2217_LS_TSRE		0x40
#define RFC2217_LS_THRE		0x20
#define RFC2217_LS_BREAK	0x10
#define RFC2217_LS_FRAMING	0x08
#define RFC2217_LS_PARITY	0x04
#define RFC2217_LS_OVERRUN	0x02
#define RFC2217_LS_DATA		0x01

#define RFC2217_SIGNATURE_MAX	(TELNET_SB_MAX - 1)

struct rfc2217_msg {
	uint8_t code;		/* as received (server answers: >= RFC2217_SERVER) */
	bool server;		/* code >= RFC2217_SERVER; base = code - 100 */
	uint8_t base;		/* code without the server offset */
	uint32_t value;		/* SET-BAUDRATE: the rate; one-byte commands: the byte */
	const uint8_t *text;	/* SIGNATURE: the text (not NUL-terminated), len bytes */
	size_t len;
};

/*
 * Decodes a COM-PORT-OPTION payload (from a TELNET_EV_SB with opt 44).
 * Returns 0, or -EINVAL for an unknown code or a wrong length (empty
 * payload, SET-BAUDRATE without 4 bytes, a one-byte command without it).
 */
int rfc2217_parse(const uint8_t *p, size_t n, struct rfc2217_msg *m);

/*
 * IAC SB 44 CODE VALUE IAC SE: value is 4 bytes big endian for
 * SET-BAUDRATE (base code 1), 1 byte otherwise, none if vlen is 0; text
 * (SIGNATURE) is used instead when not NULL. Returns the length or 0.
 */
size_t rfc2217_encode(uint8_t code, uint32_t value, int vlen, const char *text, uint8_t *out,
		      size_t cap);

#endif
