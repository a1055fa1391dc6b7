// SPDX-License-Identifier: GPL-2.0
/* ttyvsctl pair add|del|set|list|show */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "print.h"
#include "wiring.h"

enum { ARG_ID = 1, ARG_NAME = 2, ARG_LOOPBACK = 4, ARG_CONFIG = 8 };

static int parse_on_off(const char *kw, const char *s, int *out)
{
	if (!strcmp(s, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	fprintf(stderr, PROG ": %s: expected on or off, not \"%s\"\n", kw, s);
	return CMD_USAGE;
}

/* BYTES, with an optional k/K (KiB) or m/M (MiB) suffix. */
static int parse_bytes(const char *s, uint32_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		goto bad;
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024, end++;
	if (*end || v > UINT32_MAX / mult)
		goto bad;
	*out = (uint32_t)(v * mult);
	return 0;
bad:
	fprintf(stderr, PROG ": buffer: \"%s\" is not a size in bytes (e.g. 8192, 64k, 1M)\n", s);
	return CMD_USAGE;
}

/* Identifies a pair by NAME|ID: digits only is an id. */
static void pair_ident(struct pair_req *r, const char *arg)
{
	uint32_t id;

	if (!parse_u32(arg, &id)) {
		r->has_id = true;
		r->id = id;
	} else {
		r->name = arg;
	}
}

static void describe(struct nlc *c, const char *op, const struct pair_req *r)
{
	if (r->name)
		nlc_describe(c, op, "pair \"%s\"", r->name);
	else if (r->has_id)
		nlc_describe(c, op, "pair %u", r->id);
	else
		nlc_describe(c, op, "pair");
}

/*
 * Keywords shared by add and set; allowed says which are accepted. A bare
 * word is the NAME where ARG_NAME is allowed.
 */
static int parse_pair_args(int argc, char **argv, unsigned int allowed, struct pair_req *r)
{
	for (int i = 0; i < argc; i++) {
		const char *kw = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes_val = true;
		int ret = 0;

		if ((allowed & ARG_LOOPBACK) && !strcmp(kw, "loopback")) {
			r->loopback = true;
			takes_val = false;
		} else if (!strcmp(kw, "baud-emulation") || !strcmp(kw, "buffer") ||
			   !strcmp(kw, "wiring-a") || !strcmp(kw, "wiring-b") ||
			   ((allowed & ARG_ID) && !strcmp(kw, "id")) ||
			   ((allowed & ARG_NAME) && !strcmp(kw, "name"))) {
			if (!val) {
				fprintf(stderr, PROG ": %s needs a value\n", kw);
				return CMD_USAGE;
			}
			if (!strcmp(kw, "baud-emulation")) {
				ret = parse_on_off(kw, val, &r->baud_emulation);
			} else if (!strcmp(kw, "buffer")) {
				ret = parse_bytes(val, &r->buf_size);
				r->has_buf_size = true;
			} else if (!strcmp(kw, "id")) {
				if (parse_u32(val, &r->id)) {
					fprintf(stderr, PROG ": id: \"%s\" is not a number\n", val);
					return CMD_USAGE;
				}
				r->has_id = true;
			} else if (!strcmp(kw, "name")) {
				if (r->name) {
					fprintf(stderr, PROG ": the name is given twice\n");
					return CMD_USAGE;
				}
				r->name = val;
			} else {
				int end = kw[7] == 'b';

				if (wiring_parse(val, &r->wiring[end]))
					return CMD_USAGE;
				r->has_wiring[end] = true;
			}
		} else if ((allowed & ARG_NAME) && !r->name && kw[0] != '-' &&
			   !is_all_digits(kw)) {
			r->name = kw;
			takes_val = false;
		} else {
			if ((allowed & ARG_NAME) && is_all_digits(kw))
				fprintf(stderr, PROG ": \"%s\": a name of digits only would read as an id; use \"id %s\" for an id\n",
					kw, kw);
			else
				fprintf(stderr, PROG ": unexpected argument \"%s\"\n", kw);
			return CMD_USAGE;
		}
		if (ret)
			return ret;
		if (takes_val)
			i++;
	}
	return 0;
}

static void show_pair(const struct pair_info *pi)
{
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_pair(&j, NULL, pi);
		putchar('\n');
	} else {
		print_pair(stdout, pi);
	}
}

static int pair_add_main(int argc, char **argv)
{
	struct pair_req r = { .baud_emulation = -1 };
	struct pair_info pi;
	struct nlc *c;
	int err;

	err = parse_pair_args(argc, argv, ARG_ID | ARG_NAME | ARG_LOOPBACK | ARG_CONFIG, &r);
	if (err)
		return err;
	if (r.loopback && r.has_wiring[1]) {
		fprintf(stderr, PROG ": a loopback pair has one port: wiring-b does not apply\n");
		return CMD_USAGE;
	}
	err = nlc_open(&c);
	if (err)
		return err;
	describe(c, "pair add", &r);
	if (r.name && r.has_id)
		nlc_describe(c, "pair add", "pair \"%s\" or id %u", r.name, r.id);
	err = nlc_pair_new(c, &r, &pi);
	nlc_close(c);
	if (!err)
		show_pair(&pi);
	return err;
}

static int pair_del_main(int argc, char **argv)
{
	struct pair_req r = { .baud_emulation = -1 };
	struct nlc *c;
	int err;

	if (argc < 1 || argc > 2 || (argc == 2 && strcmp(argv[1], "force"))) {
		fprintf(stderr, PROG ": expected NAME|ID [force]\n");
		return CMD_USAGE;
	}
	pair_ident(&r, argv[0]);
	r.force = argc == 2;
	err = nlc_open(&c);
	if (err)
		return err;
	describe(c, "pair del", &r);
	err = nlc_pair_del(c, &r);
	nlc_close(c);
	return err;
}

static int pair_set_main(int argc, char **argv)
{
	struct pair_req r = { .baud_emulation = -1 };
	struct nlc *c;
	int err;

	if (argc < 1) {
		fprintf(stderr, PROG ": expected NAME|ID\n");
		return CMD_USAGE;
	}
	pair_ident(&r, argv[0]);
	err = parse_pair_args(argc - 1, argv + 1, ARG_CONFIG, &r);
	if (err)
		return err;
	if (r.baud_emulation < 0 && !r.has_buf_size && !r.has_wiring[0] && !r.has_wiring[1]) {
		fprintf(stderr, PROG ": nothing to set\n");
		return CMD_USAGE;
	}
	err = nlc_open(&c);
	if (err)
		return err;
	describe(c, "pair set", &r);
	err = nlc_pair_set(c, &r);
	nlc_close(c);
	return err;
}

static int pair_list_main(int argc, char **argv)
{
	struct pair_info *pairs;
	struct nlc *c;
	size_t n;
	int err;

	(void)argv;
	if (argc) {
		fprintf(stderr, PROG ": pair list takes no arguments\n");
		return CMD_USAGE;
	}
	err = nlc_open(&c);
	if (err)
		return err;
	nlc_describe(c, "pair list", NULL);
	err = nlc_pair_dump(c, &pairs, &n);
	nlc_close(c);
	if (err)
		return err;
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_arr_open(&j, NULL);
		for (size_t i = 0; i < n; i++)
			json_pair(&j, NULL, &pairs[i]);
		json_arr_close(&j);
		putchar('\n');
	} else {
		print_pair_table(stdout, pairs, n);
	}
	free(pairs);
	return 0;
}

static int pair_show_main(int argc, char **argv)
{
	struct pair_req r = { .baud_emulation = -1 };
	struct pair_info pi;
	struct nlc *c;
	int err;

	if (argc != 1) {
		fprintf(stderr, PROG ": expected NAME|ID\n");
		return CMD_USAGE;
	}
	pair_ident(&r, argv[0]);
	err = nlc_open(&c);
	if (err)
		return err;
	describe(c, "pair show", &r);
	err = nlc_pair_get(c, &r, &pi);
	nlc_close(c);
	if (!err)
		show_pair(&pi);
	return err;
}

#define WIRING_HELP \
	"  SPEC is a comma-separated list of LINE=SOURCE: LINE is an input of that\n" \
	"  end (cts, dsr, dcd, ri), SOURCE what drives it: the other end's rts, dtr,\n" \
	"  out1, out2, open (high while the other end is open), or on, off; a\n" \
	"  leading ! or ~ inverts. Lines not named keep their current wiring (the\n" \
	"  null-modem default on add: cts=rts,dsr=dtr,dcd=dtr,ri=off).\n"

const struct cmd pair_cmds[] = {
	{ "add", pair_add_main,
	  "[NAME] [name NAME] [id N] [loopback] [baud-emulation on|off] [buffer BYTES]\n"
	  "                [wiring-a SPEC] [wiring-b SPEC]",
	  "create a pair and print it",
	  "  NAME: [A-Za-z0-9_.-]{1,32}, unique, not digits only; udev links\n"
	  "  /dev/ttyvs/NAME-a and /dev/ttyvs/NAME-b. id N asks for pair id N\n"
	  "  (ports ttyVS<2N> and ttyVS<2N+1>). loopback: one port wired to itself\n"
	  "  (TX->RX, RTS->CTS, DTR->DSR+DCD). baud-emulation paces delivery at the\n"
	  "  sender's baud rate. buffer: receive buffer of each end, 1024..1048576\n"
	  "  bytes (k and M suffixes), default 8192.\n"
	  WIRING_HELP
	  "  Example: ttyvsctl pair add gps wiring-b dcd=on,ri=!open\n",
	  NULL },
	{ "del", pair_del_main, "NAME|ID [force]",
	  "delete a pair; force hangs up its open ports",
	  "  Without force, a pair with an open port is not deleted (exit 1).\n", NULL },
	{ "set", pair_set_main,
	  "NAME|ID [baud-emulation on|off] [buffer BYTES] [wiring-a SPEC] [wiring-b SPEC]",
	  "change a pair's configuration (wiring applies at once)",
	  WIRING_HELP
	  "  Example: ttyvsctl pair set gps wiring-a cts=on\n", NULL },
	{ "list", pair_list_main, "", "list all pairs", NULL, NULL },
	{ "show", pair_show_main, "NAME|ID", "show one pair with the wiring of each end", NULL, NULL },
	{ NULL },
};
