// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvsctl daemon [-c FILE] [--check]: pairs and bridges from a config
 * file, in one epoll loop.
 *
 * Config (see ttyvsd.conf.example and ttyvsctl-bridge(8)), one statement
 * per line, '#' starts a comment:
 *   pair NAME [loopback] [baud-emulation on|off] [buffer BYTES]
 *             [wiring-a SPEC] [wiring-b SPEC]
 *   bridge PORT BACKEND
 * Missing pairs are created at start (and on reload); existing ones are
 * used as they are. A bridge whose pair does not exist waits for it: the
 * netlink event group tells when a pair is created or deleted. A bridge
 * that cannot start (address in use...) is retried every RETRY_MS.
 * SIGHUP re-reads the file: unchanged bridges are not touched, removed
 * ones stop, new ones start; a bad file keeps the old configuration.
 *
 * The only synchronous calls in the loop are netlink requests to the
 * local kernel (answered at once) and name lookups of backend addresses
 * at bridge start (use numeric addresses to avoid DNS).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "bridge.h"
#include "config.h"
#include "nl.h"
#include "ttyvsctl.h"
#include "wiring.h"

#define DAEMON_CONF_DEFAULT "/etc/ttyvs/ttyvsd.conf"
#define RETRY_MS 5000

const char daemon_detail[] =
	"  Creates the pairs and runs the bridges of the config file (default\n"
	"  " DAEMON_CONF_DEFAULT "), in the foreground, logging to stderr.\n"
	"  Lines: \"pair NAME [loopback] [baud-emulation on|off] [buffer BYTES]\n"
	"  [wiring-a SPEC] [wiring-b SPEC]\" and \"bridge PORT BACKEND\"; see\n"
	"  ttyvsctl-bridge(8). SIGHUP reloads the file (a bad file keeps the old\n"
	"  configuration); SIGINT and SIGTERM stop. --check only checks the file.\n";

struct daemon;

struct entry {
	struct daemon *d;
	struct conf_bridge cb;
	struct bridge *br;
	char pair[TTYVS_NAME_MAX + 1];	/* pair it is on, "" if unknown */
	int last_err;			/* last start error logged (quiet repeats) */
	bool keep;			/* reload: still in the config */
	struct loop_defer reap;
	struct entry *next;
};

struct daemon {
	const char *path;
	struct loop *l;
	struct nlc *req, *ev;
	struct loop_fd evfd;
	struct loop_timer retry;
	struct conf conf;
	struct entry *entries;
};

static void dlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void dlog(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG " daemon: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- pairs --------------------------------------------------------------------- */

/* Finds the pair NAME, or the pair with port PORT ("ttyVS3"). */
static int find_pair(struct daemon *d, const char *name, const char *port, struct pair_info *out)
{
	struct pair_info *all;
	size_t n;
	int err;

	nlc_describe(d->req, "pair list", NULL);
	err = nlc_pair_dump(d->req, &all, &n);
	if (err)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < n && err; i++) {
		if (name && !strcmp(all[i].name, name))
			err = 0;
		for (unsigned int p = 0; port && p < all[i].nports && err; p++)
			if (!strcmp(all[i].port[p].name, port))
				err = 0;
		if (!err)
			*out = all[i];
	}
	free(all);
	return err;
}

static void create_pairs(struct daemon *d)
{
	for (size_t i = 0; i < d->conf.npairs; i++) {
		struct conf_pair *cp = &d->conf.pairs[i];
		struct pair_info pi;
		int err = find_pair(d, cp->name, NULL, &pi);

		if (err != -ENOENT)
			continue;
		nlc_describe(d->req, "pair add", "pair \"%s\"", cp->name);
		err = nlc_pair_new(d->req, &cp->req, &pi);
		if (!err)
			dlog("created pair %s (%s%s%s)", cp->name, pi.port[0].name,
			     pi.nports > 1 ? ", " : "", pi.nports > 1 ? pi.port[1].name : "");
	}
}

/* ---- bridges ------------------------------------------------------------------ */

static void entry_stop(struct entry *e, const char *why)
{
	if (!e->br)
		return;
	if (why)
		dlog("%s: bridge %s stopped (%s)", e->cb.port, e->cb.addr.text, why);
	bridge_free(e->br);
	e->br = NULL;
}

static void reap_cb(struct loop_defer *df)
{
	struct entry *e = df->arg;

	entry_stop(e, NULL);
	e->last_err = 0;
}

static void on_bridge_fail(struct bridge *br, int err)
{
	struct entry *e = br->owner;

	(void)err;
	/* not here: the bridge's own callbacks are still on the stack */
	loop_defer(e->d->l, &e->reap);
}

static void entry_start(struct entry *e)
{
	struct daemon *d = e->d;
	char pname[TTYVS_NAME_MAX + 3], dev[80], port[64];
	struct pair_info pi;
	int err;

	if (e->br)
		return;
	memset(&pi, 0, sizeof(pi));
	conf_port_arg(e->cb.port, pname);
	if (e->cb.port[0] == '/') {
		snprintf(dev, sizeof(dev), "%s", e->cb.port);
		snprintf(port, sizeof(port), "%s", strrchr(e->cb.port, '/') + 1);
		err = find_pair(d, NULL, port, &pi);
		if (err == -ENOENT)
			err = 0;	/* a link such as /dev/ttyvs/NAME-a */
	} else if (pname[0]) {
		unsigned int end = e->cb.port[strlen(e->cb.port) - 1] == 'b';

		err = find_pair(d, pname, NULL, &pi);
		if (!err && end >= pi.nports)
			err = -ENODEV;
		if (!err) {
			snprintf(port, sizeof(port), "%s", pi.port[end].name);
			snprintf(dev, sizeof(dev), "/dev/%s", port);
		}
	} else {
		snprintf(port, sizeof(port), "%s", e->cb.port);
		snprintf(dev, sizeof(dev), "/dev/%s", port);
		err = find_pair(d, NULL, port, &pi);
	}
	if (err) {
		if (err != e->last_err)
			dlog("%s: %s; the bridge waits for it", e->cb.port,
			     err == -ENOENT ? "no such pair" :
			     err == -ENODEV ? "a loopback pair has no end b" : strerror(-err));
		e->last_err = err;
		return;
	}
	snprintf(e->pair, sizeof(e->pair), "%s", pi.name);
	err = bridge_new(d->l, dev, port, &e->cb.addr, on_bridge_fail, e, &e->br);
	if (err) {
		if (err != e->last_err)
			dlog("%s: bridge %s cannot start: %s; retrying every %d s", e->cb.port,
			     e->cb.addr.text, strerror(-err), RETRY_MS / 1000);
		e->last_err = err;
		e->br = NULL;
		return;
	}
	e->last_err = 0;
}

static struct entry *entry_new(struct daemon *d, const struct conf_bridge *cb)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->d = d;
	e->cb = *cb;
	e->reap.cb = reap_cb;
	e->reap.arg = e;
	e->next = d->entries;
	d->entries = e;
	return e;
}

static void entry_free(struct entry *e)
{
	entry_stop(e, NULL);
	loop_defer_cancel(e->d->l, &e->reap);
	free(e);
}

static void start_all(struct daemon *d)
{
	for (struct entry *e = d->entries; e; e = e->next)
		entry_start(e);
}

static bool entry_on_pair(const struct entry *e, const struct pair_info *pi)
{
	char pname[TTYVS_NAME_MAX + 3];

	conf_port_arg(e->cb.port, pname);
	if (pname[0] && !strcmp(pname, pi->name))
		return true;
	if (e->pair[0] && !strcmp(e->pair, pi->name))
		return true;
	for (unsigned int p = 0; p < pi->nports; p++) {
		const char *base = strrchr(e->cb.port, '/');

		if (!strcmp(base ? base + 1 : e->cb.port, pi->port[p].name))
			return true;
	}
	return false;
}

/* ---- events, signals, reload -------------------------------------------------- */

static void on_event(const struct event *ev, void *arg)
{
	struct daemon *d = arg;

	if (ev->is_port) {
		/* the application's end changed speed, lines, sent a break: follow it */
		for (struct entry *e = d->entries; e; e = e->next)
			if (e->br)
				bridge_port_event(e->br, ev);
		return;
	}
	for (struct entry *e = d->entries; e; e = e->next) {
		if (!entry_on_pair(e, &ev->pair))
			continue;
		if (ev->cmd == TTYVS_CMD_PAIR_DEL_NTF) {
			loop_defer_cancel(d->l, &e->reap);
			entry_stop(e, "pair deleted");
			e->last_err = 0;
		} else if (ev->cmd == TTYVS_CMD_PAIR_NEW_NTF && !e->br) {
			e->last_err = 0;
			entry_start(e);
			if (e->br)
				dlog("%s: pair %s created: bridge %s started", e->cb.port,
				     ev->pair.name[0] ? ev->pair.name : "(unnamed)", e->cb.addr.text);
		}
	}
}

static void ev_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct daemon *d = lfd->arg;
	int err;

	(void)revents;
	err = nlc_events_read(d->ev, on_event, d);
	if (err == -ENOBUFS) {
		dlog("netlink events were lost; checking every bridge");
		start_all(d);
		for (struct entry *e = d->entries; e; e = e->next)
			if (e->br)
				bridge_resync(e->br);
	} else if (err == -EPROTONOSUPPORT) {
		dlog("the ttyvs module was unloaded; exiting");
		loop_quit(d->l, -EPROTONOSUPPORT);
	} else if (err && err != -EAGAIN) {
		dlog("netlink events: %s", strerror(-err));
	}
}

static void retry_cb(struct loop_timer *t)
{
	struct daemon *d = t->arg;

	start_all(d);
	loop_timer_arm(d->l, &d->retry, RETRY_MS);
}

static void reload(struct daemon *d)
{
	struct conf nc;
	unsigned int kept = 0, started = 0, stopped = 0;

	if (conf_load(d->path, &nc)) {
		dlog("reload: %s has errors (above); keeping the old configuration", d->path);
		return;
	}
	conf_free(&d->conf);
	d->conf = nc;
	create_pairs(d);
	for (struct entry *e = d->entries; e; e = e->next)
		e->keep = false;
	for (size_t i = 0; i < nc.nbridges; i++) {
		struct conf_bridge *cb = &nc.bridges[i];
		struct entry *e;

		for (e = d->entries; e; e = e->next)
			if (!e->keep && !strcmp(e->cb.port, cb->port) && !strcmp(e->cb.addr.text, cb->addr.text))
				break;
		if (e) {
			e->keep = true;
			e->cb.line = cb->line;
			kept++;
			continue;
		}
		e = entry_new(d, cb);
		if (!e)
			continue;
		e->keep = true;
		started++;
	}
	for (struct entry **pp = &d->entries; *pp; ) {
		struct entry *e = *pp;

		if (e->keep) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		if (e->br)
			entry_stop(e, "removed from the configuration");
		entry_free(e);
		stopped++;
	}
	start_all(d);
	dlog("reloaded %s: %u bridges unchanged, %u new, %u removed", d->path, kept, started, stopped);
}

static void on_signal(struct loop *l, int signo, void *arg)
{
	struct daemon *d = arg;

	if (signo == SIGHUP) {
		reload(d);
		return;
	}
	dlog("%s: stopping", strsignal(signo));
	loop_quit(l, 0);
}

int daemon_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .path = DAEMON_CONF_DEFAULT };
	bool check = false;
	sigset_t mask;
	int opt, err;

	optind = 0;	/* getopt was used for the global options */
	while ((opt = getopt_long(argc + 1, argv - 1, "+c:n", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.path = optarg;
			break;
		case 'n':
			check = true;
			break;
		default:
			return CMD_USAGE;
		}
	}
	if (optind != argc + 1) {
		fprintf(stderr, PROG ": daemon: unexpected argument \"%s\"\n", argv[optind - 1]);
		return CMD_USAGE;
	}
	if (conf_load(d.path, &d.conf)) {
		fprintf(stderr, PROG " daemon: %s has errors; not starting\n", d.path);
		return -EINVAL;
	}
	if (check) {
		printf("%s: %zu pairs, %zu bridges: OK\n", d.path, d.conf.npairs, d.conf.nbridges);
		conf_free(&d.conf);
		return 0;
	}
	bridge_log_prefix = PROG " daemon";
	signal(SIGPIPE, SIG_IGN);
	loop_block_stop_signals(&mask);
	err = nlc_open(&d.req);
	if (!err)
		err = nlc_events_open(&d.ev);
	if (!err)
		err = loop_new(&d.l);
	if (err)
		goto out;
	err = loop_signals(d.l, &mask, on_signal, &d);
	if (!err) {
		loop_fd_init(&d.evfd, nlc_fd(d.ev), ev_cb, &d);
		err = loop_fd_set(d.l, &d.evfd, EPOLLIN);
	}
	if (!err)
		err = loop_timer_init(d.l, &d.retry, retry_cb, &d);
	if (!err)
		err = loop_timer_arm(d.l, &d.retry, RETRY_MS);
	if (err) {
		dlog("cannot set up the event loop: %s", strerror(-err));
		goto out;
	}
	create_pairs(&d);
	for (size_t i = 0; i < d.conf.nbridges; i++)
		if (!entry_new(&d, &d.conf.bridges[i])) {
			err = -ENOMEM;
			goto out;
		}
	start_all(&d);
	dlog("running: %zu pairs, %zu bridges from %s", d.conf.npairs, d.conf.nbridges, d.path);
	err = loop_run(d.l);
out:
	while (d.entries) {
		struct entry *e = d.entries;

		d.entries = e->next;
		entry_free(e);
	}
	if (d.l)
		loop_timer_free(d.l, &d.retry);
	loop_free(d.l);
	nlc_close(d.ev);
	nlc_close(d.req);
	conf_free(&d.conf);
	return err;
}
