// SPDX-License-Identifier: GPL-2.0
/*
 * Telnet and RFC 2217 backends: telnet-listen, telnet, rfc2217-listen,
 * rfc2217. The connection (listener policy, reconnect with backoff) is
 * backend_sock.c's; this file speaks the protocol over it, through the
 * pure codec of telnet.c.
 *
 * Bytes: the network is read at most as many bytes as the rx ring has
 * room for (decoded data is never longer than its encoding), so a full
 * ring stops reading the network. Data from the tx ring is encoded into
 * a bounded output ring (OUT_SIZE) only while it holds less than
 * OUT_DATA_MAX bytes; the rest is kept for protocol replies, which are
 * dropped (and counted, logged once) if a peer that does not read keeps
 * asking. Output not yet sent when a connection ends is lost with it,
 * like what sits in the kernel's socket buffer.
 *
 * Modem lines and breaks:
 * - telnet: IAC BREAK from the peer -> a break on the bridge's tty (the
 *   application receives it); a break of the application (netlink BREAK
 *   event) -> IAC BREAK.
 * - rfc2217-listen (access server): the client's SET-BAUDRATE/DATASIZE/
 *   PARITY/STOPSIZE/CONTROL(flow) set the bridge end's termios, its DTR/RTS
 *   the bridge end's DTR/RTS (the application sees DSR+DCD / CTS), its
 *   BREAK-ON/OFF a break; every SET-* is answered with the value in force.
 *   The bridge end's CTS/DSR/DCD/RI (the application's RTS/DTR through the
 *   pair's wiring) go out as NOTIFY-MODEMSTATE, masked by the client's
 *   SET-MODEMSTATE-MASK (255 at start), when a netlink LINES event says
 *   they may have changed; a break of the application goes out as
 *   NOTIFY-LINESTATE break-detect if the client's LINESTATE mask has it.
 * - rfc2217 (client): the application end's termios (netlink TERMIOS
 *   events) and DTR/RTS (LINES events) go out as SET-* when COM-PORT-OPTION
 *   is agreed and then on every change; its breaks as SET-CONTROL BREAK-ON
 *   then BREAK-OFF. The server's NOTIFY-MODEMSTATE drives the bridge end's
 *   outputs: CTS -> RTS (the application's CTS), DCD -> DTR (its DCD and
 *   DSR), DSR -> OUT1, RI -> OUT2 (wire the application end with
 *   dsr=out1,ri=out2 to see those two as well). Break-detect
 *   in NOTIFY-LINESTATE -> a break to the application.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "backend_sock.h"
#include "bridge.h"
#include "telnet.h"
#include "tty_speed.h"

#define OUT_SIZE (32 * 1024)
#define OUT_DATA_MAX (16 * 1024)
#define READ_MAX 4096

#ifndef TTYVS_VERSION
#define TTYVS_VERSION "unknown"
#endif

struct tn {
	struct backend *b;
	bool rfc2217, server, up;
	struct telnet t;
	struct ring out;
	unsigned long ctl_dropped;
	bool comport;			/* COM-PORT-OPTION agreed (either way) */
	bool suspended;			/* the peer asked us to stop sending data */
	/* server */
	uint8_t ms_mask, ls_mask;
	int ms_last;			/* last modem state sent, -1 none */
	bool brk_on;
	/* client */
	bool sent_valid;
	struct termios_info sent;
	unsigned int lines_sent;	/* TIOCM_DTR | TIOCM_RTS as last sent */
	bool lines_valid;
	bool sig_logged;
};

static struct bridge *br_of(struct tn *tn)
{
	return tn->b->br;
}

/* ---- output ------------------------------------------------------------------ */

/* Protocol bytes (replies, commands): all or nothing. */
static void out_ctl(struct tn *tn, const uint8_t *p, size_t n)
{
	if (!tn->up)
		return;
	if (ring_room(&tn->out) < n) {
		if (!tn->ctl_dropped++)
			bridge_log(br_of(tn), "the peer does not read its replies; dropping telnet replies");
		return;
	}
	ring_put(&tn->out, p, n);
	sock_proto_kick(tn->b);
}

static void out_cmd(struct tn *tn, uint8_t cmd)
{
	uint8_t b[3];

	out_ctl(tn, b, telnet_encode_cmd(cmd, -1, b, sizeof(b)));
}

static void out_2217(struct tn *tn, uint8_t code, uint32_t value, int vlen, const char *text)
{
	uint8_t b[2 * (TELNET_SB_MAX + 1) + 5];
	size_t n;

	if (!tn->comport)
		return;
	n = rfc2217_encode(code, value, vlen, text, b, sizeof(b));
	if (n)
		out_ctl(tn, b, n);
}

/* Moves data from the tx ring into the output ring, encoded. */
static void fill(struct tn *tn)
{
	struct ring *tx = tn->b->tx;
	bool binary = telnet_enabled(&tn->t, TELNET_OPT_BINARY, true);
	bool moved = false;

	while (!tn->suspended && ring_len(tx) && ring_len(&tn->out) < OUT_DATA_MAX) {
		uint8_t enc[4096];
		const unsigned char *p;
		size_t n = ring_peek(tx, &p), used, len;

		len = telnet_encode_data(p, n, enc, sizeof(enc), binary, &used);
		ring_put(&tn->out, enc, len);
		ring_consume(tx, used);
		moved = true;
	}
	if (moved)
		bridge_kick(br_of(tn));
}

/* ---- the tty side ------------------------------------------------------------ */

static void tty_break_pulse(struct tn *tn)
{
	/* the application's end receives one break per assertion */
	bridge_tty_break(br_of(tn), true);
	bridge_tty_break(br_of(tn), false);
}

static int tty_get(struct tn *tn, struct termios *t)
{
	struct bridge *br = br_of(tn);

	if (br->tty.fd < 0 || tcgetattr(br->tty.fd, t) < 0)
		return -errno;
	return 0;
}

static void tty_set(struct tn *tn, const struct termios *t, const char *what)
{
	struct bridge *br = br_of(tn);

	if (tcsetattr(br->tty.fd, TCSANOW, t) < 0)
		bridge_log(br, "cannot set %s on %s: %s", what, br->dev, strerror(errno));
}

static unsigned int tty_modem(struct tn *tn)
{
	struct bridge *br = br_of(tn);
	int bits = 0;

	if (br->tty.fd < 0 || ioctl(br->tty.fd, TIOCMGET, &bits) < 0)
		return 0;
	return (unsigned int)bits;
}

/* The bridge tty's speed in bit/s, any rate (see tty_speed.h); 0 if unknown. */
static uint32_t cur_baud(struct tn *tn)
{
	int64_t baud = tty_speed_get(br_of(tn)->tty.fd);

	return baud > 0 && baud <= UINT32_MAX ? (uint32_t)baud : 0;
}

static uint8_t cur_datasize(const struct termios *t)
{
	switch (t->c_cflag & CSIZE) {
	case CS5:
		return 5;
	case CS6:
		return 6;
	case CS7:
		return 7;
	default:
		return 8;
	}
}

static uint8_t cur_parity(const struct termios *t)
{
	if (!(t->c_cflag & PARENB))
		return RFC2217_PARITY_NONE;
	if (t->c_cflag & CMSPAR)
		return t->c_cflag & PARODD ? RFC2217_PARITY_MARK : RFC2217_PARITY_SPACE;
	return t->c_cflag & PARODD ? RFC2217_PARITY_ODD : RFC2217_PARITY_EVEN;
}

static uint8_t cur_flow(const struct termios *t)
{
	if (t->c_cflag & CRTSCTS)
		return RFC2217_CTL_FLOW_HARDWARE;
	if (t->c_iflag & IXON)
		return RFC2217_CTL_FLOW_XONXOFF;
	return RFC2217_CTL_FLOW_NONE;
}

static uint8_t cur_inflow(const struct termios *t)
{
	if (t->c_cflag & CRTSCTS)
		return RFC2217_CTL_INFLOW_HARDWARE;
	if (t->c_iflag & IXOFF)
		return RFC2217_CTL_INFLOW_XONXOFF;
	return RFC2217_CTL_INFLOW_NONE;
}

/* ---- RFC 2217 server ---------------------------------------------------------- */

static uint8_t modemstate(unsigned int tiocm)
{
	return (tiocm & TIOCM_CD ? RFC2217_MS_DCD : 0) | (tiocm & TIOCM_RI ? RFC2217_MS_RI : 0) |
	       (tiocm & TIOCM_DSR ? RFC2217_MS_DSR : 0) | (tiocm & TIOCM_CTS ? RFC2217_MS_CTS : 0);
}

/* Sends NOTIFY-MODEMSTATE if the lines changed (or always, if force). */
static void notify_modem(struct tn *tn, bool force)
{
	uint8_t ms = modemstate(tty_modem(tn)), delta = 0, v;

	if (!tn->server || !tn->comport)
		return;
	if (tn->ms_last >= 0) {
		uint8_t x = (uint8_t)(ms ^ tn->ms_last);

		delta = (x & RFC2217_MS_DCD ? RFC2217_MS_DDCD : 0) |
			(x & RFC2217_MS_DSR ? RFC2217_MS_DDSR : 0) |
			(x & RFC2217_MS_CTS ? RFC2217_MS_DCTS : 0) |
			((x & RFC2217_MS_RI) && !(ms & RFC2217_MS_RI) ? RFC2217_MS_TERI : 0);
	}
	if (!force && tn->ms_last == ms)
		return;
	tn->ms_last = ms;
	v = (ms | delta) & tn->ms_mask;
	if (v || force)
		out_2217(tn, RFC2217_SERVER + RFC2217_NOTIFY_MODEMSTATE, v, 1, NULL);
}

static void server_set_termios(struct tn *tn, uint8_t base, uint32_t v)
{
	struct termios t;
	uint32_t reply;

	if (tty_get(tn, &t))
		return;
	switch (base) {
	case RFC2217_SET_BAUDRATE:
		if (v) {
			int err = tty_speed_set(br_of(tn)->tty.fd, v);

			if (err)
				bridge_log(br_of(tn), "client asked for %u baud: %s; kept %u", v,
					   strerror(-err), cur_baud(tn));
		}
		out_2217(tn, RFC2217_SERVER + base, cur_baud(tn), 4, NULL);
		return;
	case RFC2217_SET_DATASIZE:
		if (v >= 5 && v <= 8) {
			static const tcflag_t cs[] = { CS5, CS6, CS7, CS8 };

			t.c_cflag = (t.c_cflag & ~(tcflag_t)CSIZE) | cs[v - 5];
			tty_set(tn, &t, "the data size");
			tty_get(tn, &t);
		}
		reply = cur_datasize(&t);
		break;
	case RFC2217_SET_PARITY:
		if (v >= RFC2217_PARITY_NONE && v <= RFC2217_PARITY_SPACE) {
			t.c_cflag &= ~(tcflag_t)(PARENB | PARODD | CMSPAR);
			if (v == RFC2217_PARITY_ODD)
				t.c_cflag |= PARENB | PARODD;
			else if (v == RFC2217_PARITY_EVEN)
				t.c_cflag |= PARENB;
			else if (v == RFC2217_PARITY_MARK)
				t.c_cflag |= PARENB | PARODD | CMSPAR;
			else if (v == RFC2217_PARITY_SPACE)
				t.c_cflag |= PARENB | CMSPAR;
			tty_set(tn, &t, "the parity");
			tty_get(tn, &t);
		}
		reply = cur_parity(&t);
		break;
	case RFC2217_SET_STOPSIZE:
		if (v == RFC2217_STOP_1 || v == RFC2217_STOP_2 || v == RFC2217_STOP_1_5) {
			if (v == RFC2217_STOP_1)
				t.c_cflag &= ~(tcflag_t)CSTOPB;
			else
				t.c_cflag |= CSTOPB;	/* 1.5 is 2 on Linux */
			tty_set(tn, &t, "the stop bits");
			tty_get(tn, &t);
		}
		reply = t.c_cflag & CSTOPB ? RFC2217_STOP_2 : RFC2217_STOP_1;
		/* answer 1.5 as asked: it is what Linux does for 5 data bits */
		if (v == RFC2217_STOP_1_5 && (t.c_cflag & CSTOPB))
			reply = RFC2217_STOP_1_5;
		break;
	default:
		return;
	}
	out_2217(tn, RFC2217_SERVER + base, reply, 1, NULL);
}

static void server_control(struct tn *tn, uint8_t v)
{
	struct bridge *br = br_of(tn);
	struct termios t;
	uint8_t reply = v;
	unsigned int m;

	switch (v) {
	case RFC2217_CTL_FLOW_NONE:
	case RFC2217_CTL_FLOW_XONXOFF:
	case RFC2217_CTL_FLOW_HARDWARE:
	case RFC2217_CTL_INFLOW_NONE:
	case RFC2217_CTL_INFLOW_XONXOFF:
	case RFC2217_CTL_INFLOW_HARDWARE:
		if (tty_get(tn, &t))
			return;
		if (v == RFC2217_CTL_FLOW_NONE) {
			t.c_cflag &= ~(tcflag_t)CRTSCTS;
			t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
		} else if (v == RFC2217_CTL_FLOW_XONXOFF) {
			t.c_cflag &= ~(tcflag_t)CRTSCTS;
			t.c_iflag |= IXON | IXOFF;
		} else if (v == RFC2217_CTL_FLOW_HARDWARE) {
			t.c_cflag |= CRTSCTS;
			t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
		} else if (v == RFC2217_CTL_INFLOW_NONE) {
			t.c_iflag &= ~(tcflag_t)IXOFF;
		} else if (v == RFC2217_CTL_INFLOW_XONXOFF) {
			t.c_iflag |= IXOFF;
		} else {
			t.c_cflag |= CRTSCTS;	/* RTS/CTS go together on Linux */
		}
		tty_set(tn, &t, "flow control");
		tty_get(tn, &t);
		reply = v <= RFC2217_CTL_FLOW_HARDWARE ? cur_flow(&t) : cur_inflow(&t);
		break;
	case RFC2217_CTL_FLOW_REQUEST:
		if (tty_get(tn, &t))
			return;
		reply = cur_flow(&t);
		break;
	case RFC2217_CTL_INFLOW_REQUEST:
		if (tty_get(tn, &t))
			return;
		reply = cur_inflow(&t);
		break;
	case RFC2217_CTL_BREAK_REQUEST:
		reply = tn->brk_on ? RFC2217_CTL_BREAK_ON : RFC2217_CTL_BREAK_OFF;
		break;
	case RFC2217_CTL_BREAK_ON:
	case RFC2217_CTL_BREAK_OFF:
		tn->brk_on = v == RFC2217_CTL_BREAK_ON;
		bridge_tty_break(br, tn->brk_on);
		break;
	case RFC2217_CTL_DTR_REQUEST:
	case RFC2217_CTL_RTS_REQUEST:
		m = tty_modem(tn);
		if (v == RFC2217_CTL_DTR_REQUEST)
			reply = m & TIOCM_DTR ? RFC2217_CTL_DTR_ON : RFC2217_CTL_DTR_OFF;
		else
			reply = m & TIOCM_RTS ? RFC2217_CTL_RTS_ON : RFC2217_CTL_RTS_OFF;
		break;
	case RFC2217_CTL_DTR_ON:
	case RFC2217_CTL_DTR_OFF:
		/* from now on the client drives DTR (until it leaves) */
		bridge_tty_lines(br, v == RFC2217_CTL_DTR_ON ? TIOCM_DTR : 0,
				 v == RFC2217_CTL_DTR_OFF ? TIOCM_DTR : 0);
		break;
	case RFC2217_CTL_RTS_ON:
	case RFC2217_CTL_RTS_OFF:
		bridge_tty_lines(br, v == RFC2217_CTL_RTS_ON ? TIOCM_RTS : 0,
				 v == RFC2217_CTL_RTS_OFF ? TIOCM_RTS : 0);
		break;
	default:
		return;		/* unknown: no answer */
	}
	out_2217(tn, RFC2217_SERVER + RFC2217_SET_CONTROL, reply, 1, NULL);
}

static void purge(struct tn *tn, uint8_t v)
{
	struct bridge *br = br_of(tn);

	/* "receive" is what the port received: the application's output, to the client */
	if (v & RFC2217_PURGE_RX) {
		ring_reset(tn->b->tx);
		if (br->tty.fd >= 0)
			tcflush(br->tty.fd, TCIFLUSH);
	}
	if (v & RFC2217_PURGE_TX) {
		ring_reset(tn->b->rx);
		if (br->tty.fd >= 0)
			tcflush(br->tty.fd, TCOFLUSH);
	}
	bridge_kick(br);
}

static void log_text(struct tn *tn, const char *what, const uint8_t *p, size_t n)
{
	char s[RFC2217_SIGNATURE_MAX + 1];
	size_t i;

	for (i = 0; i < n && i < sizeof(s) - 1; i++)
		s[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	s[i] = '\0';
	bridge_log(br_of(tn), "%s \"%s\"", what, s);
}

/*
 * What either role does alike with the other side's message: log its
 * signature (a text; an empty one asks for ours, answered by the server
 * role) and suspend or resume sending data. Returns whether m was handled.
 */
static bool rfc2217_common(struct tn *tn, const struct rfc2217_msg *m)
{
	switch (m->base) {
	case RFC2217_SIGNATURE:
		if (m->len && !tn->sig_logged) {
			log_text(tn, tn->server ? "client signature" : "server signature", m->text,
				 m->len);
			tn->sig_logged = true;
		}
		return m->len != 0;
	case RFC2217_FLOWCONTROL_SUSPEND:
		tn->suspended = true;
		return true;
	case RFC2217_FLOWCONTROL_RESUME:
		tn->suspended = false;
		bridge_kick(br_of(tn));
		return true;
	default:
		return false;
	}
}

static void server_sb(struct tn *tn, const struct rfc2217_msg *m)
{
	switch (m->base) {
	case RFC2217_SIGNATURE:
		if (!m->len)
			out_2217(tn, RFC2217_SERVER + RFC2217_SIGNATURE, 0, 0, "ttyvs " TTYVS_VERSION);
		break;
	case RFC2217_SET_BAUDRATE:
	case RFC2217_SET_DATASIZE:
	case RFC2217_SET_PARITY:
	case RFC2217_SET_STOPSIZE:
		server_set_termios(tn, m->base, m->value);
		break;
	case RFC2217_SET_CONTROL:
		server_control(tn, (uint8_t)m->value);
		break;
	case RFC2217_NOTIFY_LINESTATE:
		/* a poll: nothing pending, the transmitter is empty */
		out_2217(tn, RFC2217_SERVER + RFC2217_NOTIFY_LINESTATE,
			 (RFC2217_LS_TSRE | RFC2217_LS_THRE) & tn->ls_mask, 1, NULL);
		break;
	case RFC2217_NOTIFY_MODEMSTATE:
		notify_modem(tn, true);
		break;
	case RFC2217_SET_LINESTATE_MASK:
		tn->ls_mask = (uint8_t)m->value;
		out_2217(tn, RFC2217_SERVER + m->base, m->value, 1, NULL);
		break;
	case RFC2217_SET_MODEMSTATE_MASK:
		tn->ms_mask = (uint8_t)m->value;
		out_2217(tn, RFC2217_SERVER + m->base, m->value, 1, NULL);
		notify_modem(tn, true);
		break;
	case RFC2217_PURGE_DATA:
		if (m->value >= RFC2217_PURGE_RX && m->value <= RFC2217_PURGE_BOTH)
			purge(tn, (uint8_t)m->value);
		out_2217(tn, RFC2217_SERVER + m->base, m->value, 1, NULL);
		break;
	}
}

/* ---- RFC 2217 client ---------------------------------------------------------- */

static uint8_t ti_parity(const struct termios_info *ti)
{
	switch (ti->parity) {
	case TTYVS_PARITY_ODD:
		return RFC2217_PARITY_ODD;
	case TTYVS_PARITY_EVEN:
		return RFC2217_PARITY_EVEN;
	case TTYVS_PARITY_MARK:
		return RFC2217_PARITY_MARK;
	case TTYVS_PARITY_SPACE:
		return RFC2217_PARITY_SPACE;
	default:
		return RFC2217_PARITY_NONE;
	}
}

static uint8_t ti_flow(const struct termios_info *ti)
{
	if (ti->crtscts)
		return RFC2217_CTL_FLOW_HARDWARE;
	if (ti->ixon || ti->ixoff)
		return RFC2217_CTL_FLOW_XONXOFF;
	return RFC2217_CTL_FLOW_NONE;
}

/* Sends what changed in the application end's settings (all if !sent_valid). */
static void client_settings(struct tn *tn)
{
	struct bridge *br = br_of(tn);
	const struct termios_info *ti = &br->peer_termios;
	struct termios_info *s = &tn->sent;
	bool all = !tn->sent_valid;

	if (tn->server || !tn->comport || !br->has_peer_termios)
		return;
	if ((all || ti->baud != s->baud) && ti->baud)
		out_2217(tn, RFC2217_SET_BAUDRATE, ti->baud, 4, NULL);
	if ((all || ti->data_bits != s->data_bits) && ti->data_bits)
		out_2217(tn, RFC2217_SET_DATASIZE, ti->data_bits, 1, NULL);
	if (all || ti->parity != s->parity)
		out_2217(tn, RFC2217_SET_PARITY, ti_parity(ti), 1, NULL);
	if (all || ti->stop_bits != s->stop_bits)
		out_2217(tn, RFC2217_SET_STOPSIZE,
			 ti->stop_bits == 2 ? RFC2217_STOP_2 : RFC2217_STOP_1, 1, NULL);
	if (all || ti_flow(ti) != ti_flow(s))
		out_2217(tn, RFC2217_SET_CONTROL, ti_flow(ti), 1, NULL);
	*s = *ti;
	tn->sent_valid = true;
}

static void client_lines(struct tn *tn)
{
	unsigned int l = br_of(tn)->peer_lines & (TIOCM_DTR | TIOCM_RTS);
	unsigned int x = l ^ tn->lines_sent;

	if (tn->server || !tn->comport)
		return;
	if (!tn->lines_valid || (x & TIOCM_DTR))
		out_2217(tn, RFC2217_SET_CONTROL,
			 l & TIOCM_DTR ? RFC2217_CTL_DTR_ON : RFC2217_CTL_DTR_OFF, 1, NULL);
	if (!tn->lines_valid || (x & TIOCM_RTS))
		out_2217(tn, RFC2217_SET_CONTROL,
			 l & TIOCM_RTS ? RFC2217_CTL_RTS_ON : RFC2217_CTL_RTS_OFF, 1, NULL);
	tn->lines_sent = l;
	tn->lines_valid = true;
}

static void client_sb(struct tn *tn, const struct rfc2217_msg *m)
{
	unsigned int v = m->value, set, clear;

	switch (m->base) {
	case RFC2217_NOTIFY_MODEMSTATE:
		/* CTS -> RTS, DCD -> DTR, DSR -> OUT1, RI -> OUT2 (see the top of the file) */
		set = (v & RFC2217_MS_CTS ? TIOCM_RTS : 0) | (v & RFC2217_MS_DCD ? TIOCM_DTR : 0) |
		      (v & RFC2217_MS_DSR ? TIOCM_OUT1 : 0) | (v & RFC2217_MS_RI ? TIOCM_OUT2 : 0);
		clear = (TIOCM_RTS | TIOCM_DTR | TIOCM_OUT1 | TIOCM_OUT2) & ~set;
		bridge_tty_lines(br_of(tn), set, clear);
		break;
	case RFC2217_NOTIFY_LINESTATE:
		if (v & RFC2217_LS_BREAK)
			tty_break_pulse(tn);
		break;
	default:
		break;		/* answers to our SET-*: nothing to do */
	}
}

/* COM-PORT-OPTION agreed: start the RFC 2217 conversation. */
static void comport_start(struct tn *tn)
{
	if (tn->comport)
		return;
	tn->comport = true;
	if (tn->server) {
		tn->ms_last = -1;
		notify_modem(tn, true);
		return;
	}
	out_2217(tn, RFC2217_SIGNATURE, 0, 0, NULL);
	out_2217(tn, RFC2217_SET_LINESTATE_MASK, RFC2217_LS_BREAK, 1, NULL);
	out_2217(tn, RFC2217_SET_MODEMSTATE_MASK, 0xff, 1, NULL);
	tn->sent_valid = false;
	tn->lines_valid = false;
	client_settings(tn);
	client_lines(tn);
}

/* ---- the codec's events ------------------------------------------------------- */

static void on_telnet(void *arg, const struct telnet_event *ev)
{
	struct tn *tn = arg;
	struct rfc2217_msg m;

	switch (ev->type) {
	case TELNET_EV_DATA:
		/* fits: never more than the bytes read, at most the ring's room */
		ring_put(tn->b->rx, ev->data, ev->len);
		break;
	case TELNET_EV_CMD:
		if (ev->cmd == TELNET_BREAK)
			tty_break_pulse(tn);
		break;
	case TELNET_EV_OPTION:
		if (ev->opt == TELNET_OPT_COMPORT && ev->enabled && tn->rfc2217)
			comport_start(tn);
		break;
	case TELNET_EV_SB:
		if (ev->opt != TELNET_OPT_COMPORT || !tn->rfc2217)
			break;
		if (rfc2217_parse(ev->data, ev->len, &m))
			break;
		if (!tn->comport)
			comport_start(tn);	/* a peer that skipped the negotiation */
		if (tn->server == m.server)
			break;		/* our own kind of message echoed back: ignore */
		if (!rfc2217_common(tn, &m)) {
			if (tn->server)
				server_sb(tn, &m);
			else
				client_sb(tn, &m);
		}
		break;
	case TELNET_EV_SEND:
		out_ctl(tn, ev->data, ev->len);
		break;
	}
}

/* ---- sock_proto ---------------------------------------------------------------- */

static void tn_up(void *p)
{
	struct tn *tn = p;
	struct telnet *t = &tn->t;

	tn->up = true;
	ring_reset(&tn->out);
	tn->ctl_dropped = 0;
	tn->comport = tn->suspended = tn->brk_on = false;
	tn->sig_logged = false;
	tn->ms_mask = 0xff;
	tn->ls_mask = 0;
	tn->ms_last = -1;
	telnet_init(t);
	telnet_allow(t, TELNET_OPT_BINARY, true, true);
	telnet_allow(t, TELNET_OPT_SGA, true, true);
	/* a server says WILL ECHO (the client must not echo locally); a client accepts it */
	telnet_allow(t, TELNET_OPT_ECHO, tn->server, !tn->server);
	if (tn->rfc2217)
		telnet_allow(t, TELNET_OPT_COMPORT, true, true);
	telnet_request(t, TELNET_OPT_BINARY, true, true, on_telnet, tn);
	telnet_request(t, TELNET_OPT_BINARY, false, true, on_telnet, tn);
	telnet_request(t, TELNET_OPT_SGA, true, true, on_telnet, tn);
	telnet_request(t, TELNET_OPT_SGA, false, true, on_telnet, tn);
	if (tn->server)
		telnet_request(t, TELNET_OPT_ECHO, true, true, on_telnet, tn);
	if (tn->rfc2217)
		telnet_request(t, TELNET_OPT_COMPORT, !tn->server, true, on_telnet, tn);
}

static void tn_down(void *p)
{
	struct tn *tn = p;

	if (tn->ctl_dropped > 1)
		bridge_log(br_of(tn), "%lu telnet replies were dropped", tn->ctl_dropped);
	if (tn->t.sb_dropped)
		bridge_log(br_of(tn), "%lu oversized subnegotiations were discarded", tn->t.sb_dropped);
	if (tn->brk_on)
		bridge_tty_break(br_of(tn), false);
	if (tn->rfc2217 && !tn->server)
		bridge_tty_lines(br_of(tn), 0, TIOCM_OUT1 | TIOCM_OUT2);
	tn->up = false;
	tn->comport = false;
	ring_reset(&tn->out);
}

static ssize_t tn_read(void *p, int fd)
{
	struct tn *tn = p;
	uint8_t buf[READ_MAX];
	size_t room = ring_room(tn->b->rx);
	ssize_t n;

	if (!room)
		return -EAGAIN;
	n = read(fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0)
		return -errno;
	if (n > 0)
		telnet_feed(&tn->t, buf, (size_t)n, on_telnet, tn);
	return n;
}

static ssize_t tn_write(void *p, int fd)
{
	struct tn *tn = p;

	fill(tn);
	if (!ring_len(&tn->out))
		return -EAGAIN;
	return ring_write_fd(&tn->out, fd);
}

static bool tn_want_read(void *p)
{
	struct tn *tn = p;

	return tn->up && ring_room(tn->b->rx) > 0;
}

static bool tn_want_write(void *p)
{
	struct tn *tn = p;

	return tn->up && (ring_len(&tn->out) || (ring_len(tn->b->tx) && !tn->suspended));
}

static size_t tn_queued(void *p)
{
	struct tn *tn = p;

	return ring_len(&tn->out);
}

static void tn_destroy(void *p)
{
	struct tn *tn = p;

	ring_free(&tn->out);
	free(tn);
}

static const struct sock_proto telnet_proto = {
	.up = tn_up,
	.down = tn_down,
	.read = tn_read,
	.write = tn_write,
	.want_read = tn_want_read,
	.want_write = tn_want_write,
	.queued = tn_queued,
	.destroy = tn_destroy,
};

/* ---- backend_ops ---------------------------------------------------------------- */

static int tn_open(struct backend *b)
{
	struct tn *tn = calloc(1, sizeof(*tn));
	enum addr_kind k = b->addr->kind;

	if (!tn)
		return -ENOMEM;
	if (ring_init(&tn->out, OUT_SIZE)) {
		free(tn);
		return -ENOMEM;
	}
	tn->b = b;
	tn->rfc2217 = k == ADDR_RFC2217_LISTEN || k == ADDR_RFC2217;
	tn->server = k == ADDR_RFC2217_LISTEN || k == ADDR_TELNET_LISTEN;
	tn->ms_last = -1;
	return sock_open_proto(b, &telnet_proto, tn);
}

static struct tn *tn_of(struct backend *b)
{
	struct tn *tn = sock_proto_priv(b);

	return tn && tn->up ? tn : NULL;
}

static int tn_set_lines(struct backend *b, unsigned int lines)
{
	struct tn *tn = tn_of(b);

	(void)lines;	/* the server reads its own inputs; the client the bridge's copy */
	if (!tn || !tn->rfc2217)
		return 0;
	if (tn->server)
		notify_modem(tn, false);
	else
		client_lines(tn);
	return 0;
}

static int tn_send_break(struct backend *b)
{
	struct tn *tn = tn_of(b);

	if (!tn)
		return 0;
	fill(tn);	/* after the data the application wrote before it */
	if (!tn->rfc2217) {
		out_cmd(tn, TELNET_BREAK);
	} else if (!tn->server) {
		out_2217(tn, RFC2217_SET_CONTROL, RFC2217_CTL_BREAK_ON, 1, NULL);
		out_2217(tn, RFC2217_SET_CONTROL, RFC2217_CTL_BREAK_OFF, 1, NULL);
	} else if (tn->ls_mask & RFC2217_LS_BREAK) {
		out_2217(tn, RFC2217_SERVER + RFC2217_NOTIFY_LINESTATE, RFC2217_LS_BREAK, 1, NULL);
	}
	return 0;
}

static int tn_set_termios(struct backend *b, const struct termios_info *ti)
{
	struct tn *tn = tn_of(b);

	(void)ti;	/* the bridge keeps the latest copy */
	if (tn && tn->rfc2217 && !tn->server)
		client_settings(tn);
	return 0;
}

const struct backend_ops backend_telnet_ops = {
	.open = tn_open,
	.close = sock_close,
	.update = sock_update,
	.drain = sock_drain,
	.queued = sock_queued,
	.set_lines = tn_set_lines,
	.send_break = tn_send_break,
	.set_termios = tn_set_termios,
};
