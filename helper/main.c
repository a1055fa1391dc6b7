// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvsctl: control ttyvs virtual serial port pairs over generic netlink.
 *
 * One static table of subcommands (a subcommand may have its own table);
 * usage and help are generated from the tables. Handlers parse their own
 * arguments and return 0, -errno (message printed) or CMD_USAGE.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ttyvsctl.h"

#ifndef TTYVS_VERSION
#define TTYVS_VERSION "unknown"
#endif

bool opt_json;

static int help_main(int argc, char **argv);

static const struct cmd top_cmds[] = {
	{ "pair", NULL, NULL, "create, delete, configure and list port pairs", NULL, pair_cmds },
	{ "port", NULL, NULL, "show the state of ports", NULL, port_cmds },
	{ "monitor", monitor_main, "[timestamp]", "print events (pairs, opens, termios, lines, breaks) as they happen",
	  monitor_detail, NULL },
	{ "bridge", bridge_main, "PORT BACKEND", "join a pair end to a socket, FIFOs or a log file (foreground)", bridge_detail, NULL },
	{ "daemon", daemon_main, "[-c FILE] [--check]", "create pairs and run bridges from a config file (foreground)", daemon_detail, NULL },
	{ "help", help_main, "[COMMAND [SUBCOMMAND]]", "show help for a command", NULL, NULL },
	{ NULL },
};

static const char global_help[] =
	"Options (before the command):\n"
	"  -j, --json     JSON output (list, show, add, monitor)\n"
	"  -h, --help     this help\n"
	"      --version  print the version\n"
	"\n"
	"NAME|ID: an argument of digits only is a pair id, anything else a pair name.\n"
	"Exit status: 0 ok, 1 operation failed, 2 usage error, 3 ttyvs module not\n"
	"loaded, 4 permission denied (needs CAP_NET_ADMIN).\n"
	"See ttyvsctl(8) for details.\n";

/* Usage of one table entry; prefix is the words before it ("pair"). */
void cmd_usage(FILE *f, const struct cmd *c, const char *prefix, bool detail)
{
	char full[64];

	snprintf(full, sizeof(full), "%s%s%s", prefix ? prefix : "", prefix ? " " : "", c->name);
	if (c->sub) {
		for (const struct cmd *s = c->sub; s->name; s++)
			cmd_usage(f, s, full, detail);
		return;
	}
	fprintf(f, "  " PROG " %s%s%s\n", full, c->args && *c->args ? " " : "",
		c->args ? c->args : "");
	fprintf(f, "      %s\n", c->help);
	if (detail && c->detail)
		fprintf(f, "\n%s\n", c->detail);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [OPTIONS] COMMAND [ARGS...]\n\nCommands:\n");
	for (const struct cmd *c = top_cmds; c->name; c++)
		cmd_usage(f, c, NULL, false);
	fprintf(f, "\n%s", global_help);
}

static const struct cmd *cmd_find(const struct cmd *table, const char *name)
{
	for (const struct cmd *c = table; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static bool is_help(const char *s)
{
	return !strcmp(s, "-h") || !strcmp(s, "--help") || !strcmp(s, "help");
}

/* help [COMMAND [SUBCOMMAND]] */
static int help_main(int argc, char **argv)
{
	const struct cmd *table = top_cmds, *c = NULL;
	char prefix[64] = "";

	if (argc < 1) {
		usage(stdout);
		return 0;
	}
	for (int i = 0; i < argc && i < 2; i++) {
		const struct cmd *found = cmd_find(table, argv[i]);

		if (!found) {
			fprintf(stderr, PROG ": help: unknown command \"%s%s%s\"\n", prefix,
				*prefix ? " " : "", argv[i]);
			return CMD_USAGE;
		}
		if (c)
			snprintf(prefix, sizeof(prefix), "%s", c->name);
		c = found;
		if (!c->sub)
			break;
		table = c->sub;
	}
	printf("Usage:\n");
	cmd_usage(stdout, c, *prefix ? prefix : NULL, true);
	return 0;
}

/*
 * Runs argv[0] from table. On a usage error prints the usage of the command
 * concerned. "CMD -h" and "CMD --help" print its help.
 */
static int cmd_run(const struct cmd *table, const char *prefix, int argc, char **argv)
{
	const struct cmd *c;
	char full[64];
	int ret;

	if (argc < 1 || !(c = cmd_find(table, argv[0]))) {
		if (argc < 1)
			fprintf(stderr, PROG ": %s: missing command\n", prefix ? prefix : "");
		else
			fprintf(stderr, PROG ": %s%sunknown command \"%s\"\n",
				prefix ? prefix : "", prefix ? ": " : "", argv[0]);
		fprintf(stderr, "Usage:\n");
		for (c = table; c->name; c++)
			cmd_usage(stderr, c, prefix, false);
		return CMD_USAGE;
	}
	snprintf(full, sizeof(full), "%s%s%s", prefix ? prefix : "", prefix ? " " : "", c->name);
	if (c->sub) {
		if (argc >= 2 && is_help(argv[1])) {
			printf("Usage:\n");
			cmd_usage(stdout, c, prefix, true);
			return 0;
		}
		return cmd_run(c->sub, full, argc - 1, argv + 1);
	}
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage:\n");
		cmd_usage(stdout, c, prefix, true);
		return 0;
	}
	ret = c->fn(argc - 1, argv + 1);
	if (ret == CMD_USAGE) {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
				fprintf(stderr, PROG ": options such as %s go before the command\n",
					argv[i]);
				break;
			}
		fprintf(stderr, "Usage:\n");
		cmd_usage(stderr, c, prefix, false);
	}
	return ret;
}

int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!is_all_digits(s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

bool is_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int exit_code(int ret)
{
	switch (ret) {
	case 0:
		return EXIT_OK;
	case CMD_USAGE:
		return EXIT_USAGE;
	case -EPROTONOSUPPORT:
		return EXIT_NOMOD;
	case -EPERM:
	case -EACCES:
		return EXIT_PERM;
	default:
		return EXIT_FAIL;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	/* "+": options end at the command, its arguments are its own. */
	while ((opt = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opt_json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf(PROG " " TTYVS_VERSION "\n");
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return exit_code(cmd_run(top_cmds, NULL, argc - optind, argv + optind));
}
