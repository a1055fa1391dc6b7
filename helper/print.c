// SPDX-License-Identifier: GPL-2.0
/*
 * Output. Human output is ip(8)-like: one header line per object, details
 * indented below. JSON output carries the same facts with stable keys.
 */
#include <string.h>

#include "print.h"
#include "wiring.h"

#define LINES_OUT_MASK (TTYVS_LINE_DTR | TTYVS_LINE_RTS | TTYVS_LINE_OUT1 | TTYVS_LINE_OUT2)
#define LINES_IN_MASK (TTYVS_LINE_CTS | TTYVS_LINE_DSR | TTYVS_LINE_DCD | TTYVS_LINE_RI)

const char *end_name(uint8_t end)
{
	return end == 0 ? "a" : end == 1 ? "b" : "?";
}

static const char *const parity_names[] = {
	[TTYVS_PARITY_NONE] = "none",
	[TTYVS_PARITY_ODD] = "odd",
	[TTYVS_PARITY_EVEN] = "even",
	[TTYVS_PARITY_MARK] = "mark",
	[TTYVS_PARITY_SPACE] = "space",
};

static const char *parity_name(uint8_t p)
{
	return p <= TTYVS_PARITY_SPACE ? parity_names[p] : "unknown";
}

void termios_format(const struct termios_info *t, char *buf, size_t len)
{
	snprintf(buf, len, "%u %u%c%u%s%s%s%s", t->baud, t->data_bits,
		 t->parity <= TTYVS_PARITY_SPACE ? "NOEMS"[t->parity] : '?', t->stop_bits,
		 t->crtscts ? " crtscts" : "", t->ixon ? " ixon" : "",
		 t->ixoff ? " ixoff" : "", t->clocal ? " clocal" : "");
}

static const char *const event_names[] = {
	[TTYVS_CMD_PAIR_NEW_NTF] = "pair-new",
	[TTYVS_CMD_PAIR_DEL_NTF] = "pair-del",
	[TTYVS_CMD_PAIR_CHANGE_NTF] = "pair-change",
	[TTYVS_CMD_PORT_OPEN_NTF] = "port-open",
	[TTYVS_CMD_PORT_CLOSE_NTF] = "port-close",
	[TTYVS_CMD_PORT_TERMIOS_NTF] = "port-termios",
	[TTYVS_CMD_PORT_LINES_NTF] = "port-lines",
	[TTYVS_CMD_PORT_BREAK_NTF] = "port-break",
};

const char *event_name(uint8_t cmd)
{
	if (cmd < sizeof(event_names) / sizeof(event_names[0]) && event_names[cmd])
		return event_names[cmd];
	return "unknown";
}

/* ---- human ---------------------------------------------------------------- */

static void pair_head(FILE *f, const struct pair_info *pi)
{
	fprintf(f, "pair %u", pi->id);
	if (pi->name[0])
		fprintf(f, " name %s", pi->name);
	if (pi->nports == 2)
		fprintf(f, " %s <-> %s", pi->port[0].name, pi->port[1].name);
	else if (pi->nports == 1)
		fprintf(f, " %s", pi->port[0].name);
	if (pi->loopback)
		fprintf(f, " loopback");
	fprintf(f, " baud-emulation %s buffer %u", pi->baud_emulation ? "on" : "off",
		pi->buf_size);
}

void print_pair(FILE *f, const struct pair_info *pi)
{
	pair_head(f, pi);
	fputc('\n', f);
	for (unsigned int i = 0; i < pi->nports; i++) {
		const struct port_info *p = &pi->port[i];
		char w[128];

		wiring_format(&p->wiring, w, sizeof(w));
		fprintf(f, "    %s %s open %u wiring %s\n", end_name(p->end), p->name,
			p->open_count, p->has_wiring ? w : "-");
	}
}

void print_pair_table(FILE *f, const struct pair_info *pairs, size_t n)
{
	fprintf(f, "%-5s %-16s %-22s %-7s %-8s %s\n", "ID", "NAME", "PORTS", "OPEN",
		"BUFFER", "FLAGS");
	for (size_t i = 0; i < n; i++) {
		const struct pair_info *pi = &pairs[i];
		char ports[64] = "-", open[32] = "-", flags[64] = "";

		if (pi->nports == 2) {
			snprintf(ports, sizeof(ports), "%s<->%s", pi->port[0].name,
				 pi->port[1].name);
			snprintf(open, sizeof(open), "%u/%u", pi->port[0].open_count,
				 pi->port[1].open_count);
		} else if (pi->nports == 1) {
			snprintf(ports, sizeof(ports), "%s", pi->port[0].name);
			snprintf(open, sizeof(open), "%u", pi->port[0].open_count);
		}
		snprintf(flags, sizeof(flags), "%s%s%s", pi->loopback ? "loopback" : "",
			 pi->loopback && pi->baud_emulation ? "," : "",
			 pi->baud_emulation ? "baud-emulation" : "");
		fprintf(f, "%-5u %-16s %-22s %-7s %-8u %s\n", pi->id,
			pi->name[0] ? pi->name : "-", ports, open, pi->buf_size,
			flags[0] ? flags : "-");
	}
}

void print_port(FILE *f, const struct port_info *p)
{
	char buf[128];

	fprintf(f, "%s: pair %u", p->name, p->pair_id);
	if (p->pair_name[0])
		fprintf(f, " name %s", p->pair_name);
	fprintf(f, " end %s open %u\n", end_name(p->end), p->open_count);
	if (p->has_termios) {
		termios_format(&p->termios, buf, sizeof(buf));
		fprintf(f, "    termios %s (iflag 0%o oflag 0%o cflag 0%o lflag 0%o)\n", buf,
			p->termios.iflag, p->termios.oflag, p->termios.cflag, p->termios.lflag);
	}
	if (p->has_lines) {
		char in[64];

		lines_format(p->lines_out, LINES_OUT_MASK, buf, sizeof(buf));
		lines_format(p->lines_in, LINES_IN_MASK, in, sizeof(in));
		fprintf(f, "    lines out %s | in %s\n", buf, in);
	}
	if (p->has_wiring) {
		wiring_format(&p->wiring, buf, sizeof(buf));
		fprintf(f, "    wiring %s\n", buf);
	}
	if (p->has_icount) {
		const struct icount_info *c = &p->icount;

		fprintf(f, "    counters rx %u tx %u tx-discarded %llu cts %u dsr %u dcd %u ri %u brk %u\n"
			"             frame %u parity %u overrun %u buf-overrun %u\n",
			c->rx, c->tx, (unsigned long long)c->tx_discarded, c->cts, c->dsr,
			c->dcd, c->rng, c->brk, c->frame, c->parity, c->overrun,
			c->buf_overrun);
	}
	if (p->has_tx_queued)
		fprintf(f, "    queued %u\n", p->tx_queued);
}

void print_port_table(FILE *f, const struct port_info *ports, size_t n)
{
	fprintf(f, "%-10s %-5s %-16s %-3s %-4s %-30s %s\n", "PORT", "PAIR", "NAME", "END",
		"OPEN", "TERMIOS", "LINES (OUT | IN)");
	for (size_t i = 0; i < n; i++) {
		const struct port_info *p = &ports[i];
		char t[64] = "-", out[32], in[32];

		if (p->has_termios)
			termios_format(&p->termios, t, sizeof(t));
		lines_format(p->lines_out, LINES_OUT_MASK, out, sizeof(out));
		lines_format(p->lines_in, LINES_IN_MASK, in, sizeof(in));
		fprintf(f, "%-10s %-5u %-16s %-3s %-4u %-30s %s | %s\n", p->name, p->pair_id,
			p->pair_name[0] ? p->pair_name : "-", end_name(p->end), p->open_count,
			t, out, in);
	}
}

void print_event(FILE *f, const struct event *ev)
{
	char buf[128], in[64];

	fprintf(f, "%s ", event_name(ev->cmd));
	if (!ev->is_port) {
		const struct pair_info *pi = &ev->pair;

		pair_head(f, pi);
		for (unsigned int i = 0; i < pi->nports; i++) {
			wiring_format(&pi->port[i].wiring, buf, sizeof(buf));
			fprintf(f, " wiring-%s %s", end_name(pi->port[i].end), buf);
		}
		fputc('\n', f);
		return;
	}

	const struct port_info *p = &ev->port;

	fprintf(f, "%s pair %u", p->name, p->pair_id);
	if (p->pair_name[0])
		fprintf(f, " name %s", p->pair_name);
	fprintf(f, " end %s open %u", end_name(p->end), p->open_count);
	switch (ev->cmd) {
	case TTYVS_CMD_PORT_TERMIOS_NTF:
		termios_format(&p->termios, buf, sizeof(buf));
		fprintf(f, " termios %s", buf);
		break;
	case TTYVS_CMD_PORT_LINES_NTF:
		lines_format(p->lines_out, LINES_OUT_MASK, buf, sizeof(buf));
		lines_format(p->lines_in, LINES_IN_MASK, in, sizeof(in));
		fprintf(f, " lines out %s | in %s", buf, in);
		break;
	case TTYVS_CMD_PORT_BREAK_NTF:
		fprintf(f, " break sent");
		break;
	default:
		break;
	}
	fputc('\n', f);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_wiring(struct json *j, const char *key, const struct wiring *w)
{
	json_obj_open(j, key);
	for (int i = 0; i < WIRE_NLINES; i++) {
		char s[24];

		if (w->v[i] == WIRE_UNSET)
			json_null(j, wire_line_name(i));
		else
			json_str(j, wire_line_name(i), wire_src_str(w->v[i], s, sizeof(s)));
	}
	json_obj_close(j);
}

static void json_lines(struct json *j, const char *key, uint32_t bits, uint32_t mask)
{
	json_arr_open(j, key);
	for (uint32_t b = 1; b && b <= TTYVS_LINE_RI; b <<= 1)
		if (bits & mask & b)
			json_str(j, NULL, line_bit_name(b));
	json_arr_close(j);
}

static void json_port_body(struct json *j, const struct port_info *p, bool with_pair)
{
	json_u64(j, "index", p->index);
	json_str(j, "name", p->name);
	if (with_pair) {
		json_u64(j, "pair_id", p->pair_id);
		json_str(j, "pair_name", p->pair_name[0] ? p->pair_name : NULL);
	}
	json_str(j, "end", end_name(p->end));
	json_u64(j, "open_count", p->open_count);
	if (p->has_wiring)
		json_wiring(j, "wiring", &p->wiring);
	if (p->has_termios) {
		const struct termios_info *t = &p->termios;

		json_obj_open(j, "termios");
		json_u64(j, "baud", t->baud);
		json_u64(j, "data_bits", t->data_bits);
		json_str(j, "parity", parity_name(t->parity));
		json_u64(j, "stop_bits", t->stop_bits);
		json_bool(j, "crtscts", t->crtscts);
		json_bool(j, "ixon", t->ixon);
		json_bool(j, "ixoff", t->ixoff);
		json_bool(j, "clocal", t->clocal);
		json_u64(j, "iflag", t->iflag);
		json_u64(j, "oflag", t->oflag);
		json_u64(j, "cflag", t->cflag);
		json_u64(j, "lflag", t->lflag);
		json_obj_close(j);
	}
	if (p->has_lines) {
		json_lines(j, "lines_out", p->lines_out, LINES_OUT_MASK);
		json_lines(j, "lines_in", p->lines_in, LINES_IN_MASK);
	}
	if (p->has_icount) {
		const struct icount_info *c = &p->icount;

		json_obj_open(j, "counters");
		json_u64(j, "rx", c->rx);
		json_u64(j, "tx", c->tx);
		json_u64(j, "tx_discarded", c->tx_discarded);
		json_u64(j, "cts", c->cts);
		json_u64(j, "dsr", c->dsr);
		json_u64(j, "dcd", c->dcd);
		json_u64(j, "ri", c->rng);
		json_u64(j, "brk", c->brk);
		json_u64(j, "frame", c->frame);
		json_u64(j, "parity", c->parity);
		json_u64(j, "overrun", c->overrun);
		json_u64(j, "buf_overrun", c->buf_overrun);
		json_obj_close(j);
	}
	if (p->has_tx_queued)
		json_u64(j, "tx_queued", p->tx_queued);
}

void json_port(struct json *j, const char *key, const struct port_info *p)
{
	json_obj_open(j, key);
	json_port_body(j, p, true);
	json_obj_close(j);
}

void json_pair(struct json *j, const char *key, const struct pair_info *pi)
{
	json_obj_open(j, key);
	json_u64(j, "id", pi->id);
	json_str(j, "name", pi->name[0] ? pi->name : NULL);
	json_bool(j, "loopback", pi->loopback);
	json_bool(j, "baud_emulation", pi->baud_emulation);
	json_u64(j, "buffer", pi->buf_size);
	json_arr_open(j, "ports");
	for (unsigned int i = 0; i < pi->nports; i++) {
		json_obj_open(j, NULL);
		json_port_body(j, &pi->port[i], false);
		json_obj_close(j);
	}
	json_arr_close(j);
	json_obj_close(j);
}

void json_event(struct json *j, const struct event *ev, const struct timespec *ts)
{
	json_obj_open(j, NULL);
	json_str(j, "event", event_name(ev->cmd));
	if (ts) {
		char buf[40];

		snprintf(buf, sizeof(buf), "%lld.%06ld", (long long)ts->tv_sec, ts->tv_nsec / 1000);
		json_raw(j, "time", buf);
	}
	if (ev->is_port)
		json_port(j, "port", &ev->port);
	else
		json_pair(j, "pair", &ev->pair);
	json_obj_close(j);
}
