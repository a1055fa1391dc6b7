/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ttyvsctl: shared types. The netlink layer (nl.c) turns messages of the
 * ttyvs family into these plain structs; everything else works on them.
 */
#ifndef TTYVSCTL_H
#define TTYVSCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/ttyvs.h>

#define PROG "ttyvsctl"

/* Exit codes (documented in ttyvsctl.8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the kernel refused, or another runtime error */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_NOMOD = 3,		/* the ttyvs family is not registered */
	EXIT_PERM = 4,		/* CAP_NET_ADMIN needed */
};

/*
 * A subcommand handler returns 0, a negative errno (the message is
 * already printed), or CMD_USAGE after printing what was wrong.
 */
#define CMD_USAGE 1

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);	/* NULL if it has subcommands */
	const char *args;			/* one-line synopsis of the arguments */
	const char *help;			/* one-line description */
	const char *detail;			/* longer text for "help CMD", or NULL */
	const struct cmd *sub;			/* subcommand table, NULL-terminated */
};

/* Set by the global options. */
extern bool opt_json;

/* Wiring of one port: what drives CTS, DSR, DCD, RI. */
enum { WIRE_CTS, WIRE_DSR, WIRE_DCD, WIRE_RI, WIRE_NLINES };
#define WIRE_UNSET 0xff
struct wiring {
	uint8_t v[WIRE_NLINES];		/* enum ttyvs_wire_src [| INVERT], or WIRE_UNSET */
};

struct termios_info {
	uint32_t baud;
	uint8_t data_bits, parity, stop_bits;
	uint8_t crtscts, ixon, ixoff, clocal;
	uint32_t iflag, oflag, cflag, lflag;
};

struct icount_info {
	uint32_t cts, dsr, rng, dcd, rx, tx, frame, parity, overrun, brk, buf_overrun;
	uint64_t tx_discarded;
};

struct port_info {
	bool has_pair;			/* PAIR_ID present (port-get / port events) */
	uint32_t pair_id;
	char pair_name[TTYVS_NAME_MAX + 1];	/* "" if unnamed */
	uint32_t index;
	char name[32];
	uint8_t end;			/* 0 = a, 1 = b */
	uint32_t open_count;
	bool has_wiring;
	struct wiring wiring;
	bool has_termios;
	struct termios_info termios;
	bool has_lines;
	uint32_t lines_out, lines_in;
	bool has_icount;
	struct icount_info icount;
	bool has_tx_queued;
	uint32_t tx_queued;
};

struct pair_info {
	uint32_t id;
	char name[TTYVS_NAME_MAX + 1];	/* "" if unnamed */
	bool loopback;
	uint8_t baud_emulation;
	uint32_t buf_size;
	unsigned int nports;
	struct port_info port[2];
};

/* What a pair request carries; unset fields are not sent. */
struct pair_req {
	bool has_id;
	uint32_t id;
	const char *name;
	bool loopback;
	bool force;
	int baud_emulation;		/* -1 unset, else 0/1 */
	bool has_buf_size;
	uint32_t buf_size;
	bool has_wiring[2];
	struct wiring wiring[2];
};

/* An event from the "events" multicast group. */
struct event {
	uint8_t cmd;			/* TTYVS_CMD_*_NTF */
	bool is_port;
	struct pair_info pair;		/* pair events */
	struct port_info port;		/* port events */
};

/* main.c */
void cmd_usage(FILE *f, const struct cmd *c, const char *prefix, bool detail);
int parse_u32(const char *s, uint32_t *out);
bool is_all_digits(const char *s);

/* subcommands */
extern const struct cmd pair_cmds[];
extern const struct cmd port_cmds[];
int monitor_main(int argc, char **argv);
extern const char monitor_detail[];
int bridge_main(int argc, char **argv);
extern const char bridge_detail[];
int daemon_main(int argc, char **argv);
extern const char daemon_detail[];

#endif
