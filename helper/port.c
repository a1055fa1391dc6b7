// SPDX-License-Identifier: GPL-2.0
/* ttyvsctl port show|list */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "print.h"

/*
 * PORT: "ttyVS3", "3", "/dev/ttyVS3", or any path to it, such as the udev
 * link /dev/ttyvs/NAME-a.
 */
static int port_ident(const char *arg, char *name, size_t len, uint32_t *index)
{
	char real[PATH_MAX];
	const char *base = arg;

	if (is_all_digits(arg))
		return parse_u32(arg, index) ? -EINVAL : 0;
	if (strchr(arg, '/')) {
		if (realpath(arg, real))
			base = real;
		base = strrchr(base, '/') + 1;
	}
	if (!*base || strlen(base) >= len)
		return -EINVAL;
	snprintf(name, len, "%s", base);
	return 1;
}

static int port_show_main(int argc, char **argv)
{
	struct port_info p;
	char name[32];
	uint32_t index = 0;
	struct nlc *c;
	int ret, err;

	if (argc != 1) {
		fprintf(stderr, PROG ": expected a port (ttyVS3, /dev/ttyVS3 or 3)\n");
		return CMD_USAGE;
	}
	ret = port_ident(argv[0], name, sizeof(name), &index);
	if (ret < 0) {
		fprintf(stderr, PROG ": \"%s\" is not a port (ttyVS3, /dev/ttyVS3 or 3)\n", argv[0]);
		return CMD_USAGE;
	}
	err = nlc_open(&c);
	if (err)
		return err;
	if (ret)
		nlc_describe(c, "port show", "port %s", name);
	else
		nlc_describe(c, "port show", "port ttyVS%u", index);
	err = nlc_port_get(c, ret ? name : NULL, index, &p);
	nlc_close(c);
	if (err)
		return err;
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_port(&j, NULL, &p);
		putchar('\n');
	} else {
		print_port(stdout, &p);
	}
	return 0;
}

static int port_list_main(int argc, char **argv)
{
	struct port_info *ports;
	struct nlc *c;
	size_t n;
	int err;

	(void)argv;
	if (argc) {
		fprintf(stderr, PROG ": port list takes no arguments\n");
		return CMD_USAGE;
	}
	err = nlc_open(&c);
	if (err)
		return err;
	nlc_describe(c, "port list", NULL);
	err = nlc_port_dump(c, &ports, &n);
	nlc_close(c);
	if (err)
		return err;
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_arr_open(&j, NULL);
		for (size_t i = 0; i < n; i++)
			json_port(&j, NULL, &ports[i]);
		json_arr_close(&j);
		putchar('\n');
	} else {
		print_port_table(stdout, ports, n);
	}
	free(ports);
	return 0;
}

const struct cmd port_cmds[] = {
	{ "show", port_show_main, "PORT",
	  "show a port: open count, termios, modem lines, wiring, counters, queued bytes",
	  "  PORT is ttyVS3, /dev/ttyVS3, 3, or a link to the device such as\n"
	  "  /dev/ttyvs/NAME-a. Lines: out = DTR RTS OUT1 OUT2 as this port drives\n"
	  "  them, in = CTS DSR DCD RI as this port sees them.\n", NULL },
	{ "list", port_list_main, "", "list all ports", NULL, NULL },
	{ NULL },
};
