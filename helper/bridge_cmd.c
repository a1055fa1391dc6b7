// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvsctl bridge PORT BACKEND: one bridge in the foreground until
 * SIGINT/SIGTERM/SIGHUP (exit 0) or until it cannot go on (exit 1).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "bridge.h"
#include "nl.h"
#include "ttyvsctl.h"

const char bridge_detail[] =
	"  Joins one end of a pair to a network socket, FIFOs or a log file.\n"
	"  PORT: /dev/ttyVSn, ttyVSn, or NAME-a / NAME-b for the ends of a named pair.\n"
	"  The application uses the other end of the pair; while a peer is connected\n"
	"  the bridge holds DTR and RTS up on its end, so the application sees DSR,\n"
	"  DCD and CTS follow the connection.\n"
	"  BACKEND:\n"
	ADDR_SYNTAX_HELP
	"  Runs until SIGINT (Ctrl-C), SIGTERM or SIGHUP: the first delivers what is in\n"
	"  flight, a second stops at once. See ttyvsctl-bridge(8).\n";

/* "/dev/ttyVS1", "ttyVS1", "NAME-a" -> device path and port name. */
int bridge_resolve_port(const char *arg, char *dev, size_t devlen, char *port, size_t portlen)
{
	const char *base = strrchr(arg, '/');
	struct pair_req req = { .baud_emulation = -1 };
	struct pair_info pi;
	char name[TTYVS_NAME_MAX + 3];
	struct nlc *c;
	size_t len = strlen(arg);
	unsigned int end;
	int err;

	if (arg[0] == '/') {
		snprintf(dev, devlen, "%s", arg);
		snprintf(port, portlen, "%s", base + 1);
		return 0;
	}
	if (!strncmp(arg, "ttyVS", 5) && is_all_digits(arg + 5)) {
		snprintf(dev, devlen, "/dev/%s", arg);
		snprintf(port, portlen, "%s", arg);
		return 0;
	}
	if (len < 3 || len - 2 > TTYVS_NAME_MAX || arg[len - 2] != '-' ||
	    (arg[len - 1] != 'a' && arg[len - 1] != 'b')) {
		fprintf(stderr, PROG ": bridge: \"%s\": expected /dev/ttyVSn, ttyVSn or NAME-a / NAME-b\n",
			arg);
		return CMD_USAGE;
	}
	memcpy(name, arg, len - 2);
	name[len - 2] = '\0';
	end = arg[len - 1] == 'b';
	req.name = name;
	err = nlc_open(&c);
	if (err)
		return err;
	nlc_describe(c, "bridge", "pair \"%s\"", name);
	err = nlc_pair_get(c, &req, &pi);
	nlc_close(c);
	if (err)
		return err;
	if (end >= pi.nports) {
		fprintf(stderr, PROG ": bridge: pair \"%s\" is a loopback pair: it has only end a\n", name);
		return -ENOENT;
	}
	snprintf(dev, devlen, "/dev/%s", pi.port[end].name);
	snprintf(port, portlen, "%s", pi.port[end].name);
	return 0;
}

/* How long a stop may go without progress in delivering what is in flight. */
#define BRIDGE_STOP_IDLE_S 5

static struct loop_timer stop_timer = { .lfd = { .fd = -1 } };
static uint64_t stop_moved;
static size_t stop_pending;
static int stop_idle;

/* Once a second while stopping: give up after BRIDGE_STOP_IDLE_S without progress. */
static void stop_tick(struct loop_timer *t)
{
	struct bridge *br = t->arg;

	if (br->tty_bytes != stop_moved || bridge_pending(br) != stop_pending) {
		stop_moved = br->tty_bytes;
		stop_pending = bridge_pending(br);
		stop_idle = 0;
	} else if (++stop_idle >= BRIDGE_STOP_IDLE_S) {
		bridge_log(br, "stopping with %zu bytes undelivered (no progress for %d s)",
			   bridge_pending(br), BRIDGE_STOP_IDLE_S);
		loop_quit(br->loop, 0);
		return;
	}
	if (loop_timer_arm(br->loop, t, 1000))
		loop_quit(br->loop, 0);
}

static void on_stopped(struct bridge *br)
{
	loop_quit(br->loop, 0);
}

/*
 * The first signal stops in order (bridge_stop: what is in flight is
 * delivered, while that makes progress), so that a restart loses nothing;
 * a second one stops at once.
 */
static void on_signal(struct loop *l, int signo, void *arg)
{
	struct bridge *br = *(struct bridge **)arg;

	if (!br || stop_timer.lfd.fd >= 0) {
		if (br)
			bridge_log(br, "%s: stopping now", strsignal(signo));
		loop_quit(l, 0);
		return;
	}
	bridge_log(br, "%s: stopping", strsignal(signo));
	stop_moved = br->tty_bytes;
	stop_pending = bridge_pending(br);
	if (loop_timer_init(l, &stop_timer, stop_tick, br) ||
	    loop_timer_arm(l, &stop_timer, 1000)) {
		loop_quit(l, 0);
		return;
	}
	bridge_stop(br, on_stopped);
}

/* The netlink events: the application end's termios, lines and breaks. */
struct events {
	struct loop *l;
	struct nlc *c;
	struct loop_fd lfd;
	struct bridge **br;
};

static void on_event(const struct event *ev, void *arg)
{
	struct events *e = arg;

	if (*e->br)
		bridge_port_event(*e->br, ev);
}

static void ev_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct events *e = lfd->arg;
	int err;

	(void)revents;
	err = nlc_events_read(e->c, on_event, e);
	if (err == -ENOBUFS && *e->br) {
		bridge_log(*e->br, "netlink events were lost; reading the application end's state again");
		bridge_resync(*e->br);
	} else if (err && err != -EAGAIN && err != -ENOBUFS) {
		fprintf(stderr, PROG ": bridge: netlink events: %s; no longer following the application end\n",
			strerror(-err));
		loop_fd_del(e->l, lfd);
	}
}

static void on_fail(struct bridge *br, int err)
{
	loop_quit(br->loop, err ? err : -EIO);
}

int bridge_main(int argc, char **argv)
{
	struct bridge *br = NULL;
	struct loop *l = NULL;
	struct events ev = { .br = &br, .lfd = { .fd = -1 } };
	char dev[64], port[32], err_txt[256];
	struct addr a;
	sigset_t mask;
	int err;

	if (argc != 2) {
		fprintf(stderr, PROG ": bridge: expected PORT and BACKEND\n");
		return CMD_USAGE;
	}
	if (addr_parse(argv[1], &a, err_txt, sizeof(err_txt))) {
		fprintf(stderr, PROG ": bridge: bad backend address: %s\n", err_txt);
		return CMD_USAGE;
	}
	loop_block_stop_signals(&mask);
	err = bridge_resolve_port(argv[0], dev, sizeof(dev), port, sizeof(port));
	if (err)
		return err;
	signal(SIGPIPE, SIG_IGN);
	err = loop_new(&l);
	if (err)
		goto out;
	err = loop_signals(l, &mask, on_signal, &br);
	if (err) {
		fprintf(stderr, PROG ": bridge: signalfd: %s\n", strerror(-err));
		goto out;
	}
	/*
	 * Events before the bridge: none is missed between reading the
	 * application end's state and following it. Without them (no ttyVS
	 * port, old module) the bridge still runs.
	 */
	ev.l = l;
	snprintf(err_txt, sizeof(err_txt), "/sys/class/tty/%s/peer", port);
	if (!access(err_txt, F_OK)) {
		err = nlc_events_open(&ev.c);
		if (!err) {
			loop_fd_init(&ev.lfd, nlc_fd(ev.c), ev_cb, &ev);
			err = loop_fd_set(l, &ev.lfd, EPOLLIN);
		}
		if (err)
			fprintf(stderr, PROG ": bridge: %s: cannot follow the application end's netlink events (%s); "
				"its DTR/RTS, breaks and speed will not be passed on\n", port, strerror(-err));
		err = 0;
	}
	err = bridge_new(l, dev, port, &a, on_fail, NULL, &br);
	if (err)
		goto out;
	err = loop_run(l);
out:
	loop_timer_free(l, &stop_timer);
	bridge_free(br);
	if (ev.c) {
		loop_fd_del(l, &ev.lfd);
		nlc_close(ev.c);
	}
	loop_free(l);
	return err;
}
