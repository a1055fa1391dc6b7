// SPDX-License-Identifier: GPL-2.0
/*
 * The bridge: the tty end and the two rings. Everything the tty does is
 * decided in bridge_update(), run deferred after each batch of events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include <linux/ttyvs_raw.h>

#include "bridge.h"
#include "tty_speed.h"
#include "nl.h"

const char *bridge_log_prefix = "ttyvsctl bridge";

static void vlog(const struct bridge *br, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s: %s: %s: %s\n", bridge_log_prefix, br->port, br->addr.text, msg);
}

void bridge_log(const struct bridge *br, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(br, fmt, ap);
	va_end(ap);
}

void bridge_tty_break(struct bridge *br, bool on)
{
	if (br->tty.fd >= 0 && !br->failed && ioctl(br->tty.fd, on ? TIOCSBRK : TIOCCBRK) < 0)
		bridge_log(br, "cannot %s a break: %s", on ? "start" : "end", strerror(errno));
}

void bridge_tty_lines(struct bridge *br, unsigned int set, unsigned int clear)
{
	int bits;

	if (br->tty.fd < 0 || br->failed)
		return;
	bits = (int)set;
	if (set && ioctl(br->tty.fd, TIOCMBIS, &bits) < 0)
		bridge_log(br, "cannot raise modem lines: %s", strerror(errno));
	bits = (int)clear;
	if (clear && ioctl(br->tty.fd, TIOCMBIC, &bits) < 0)
		bridge_log(br, "cannot drop modem lines: %s", strerror(errno));
}

static void set_lines(struct bridge *br, bool up)
{
	int bits = TIOCM_DTR | TIOCM_RTS;

	if (br->tty.fd >= 0 && ioctl(br->tty.fd, up ? TIOCMBIS : TIOCMBIC, &bits) < 0)
		bridge_log(br, "cannot %s DTR/RTS: %s", up ? "raise" : "drop", strerror(errno));
}

void bridge_kick(struct bridge *br)
{
	loop_defer(br->loop, &br->upd);
}

void bridge_peer_up(struct backend *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(b->br, fmt, ap);
	va_end(ap);
	b->connected = true;
	set_lines(b->br, true);
	bridge_kick(b->br);
}

void bridge_peer_down(struct backend *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(b->br, fmt, ap);
	va_end(ap);
	b->connected = false;
	set_lines(b->br, false);
	bridge_kick(b->br);
}

void bridge_fail(struct bridge *br, int err, const char *fmt, ...)
{
	va_list ap;

	if (br->failed)
		return;
	br->failed = true;
	va_start(ap, fmt);
	vlog(br, fmt, ap);
	va_end(ap);
	loop_fd_del(br->loop, br->io);
	loop_defer_cancel(br->loop, &br->upd);
	if (br->on_fail)
		br->on_fail(br, err);
}

static void bridge_update(struct loop_defer *d)
{
	struct bridge *br = d->arg;
	struct backend *b = &br->be;
	uint32_t ev = 0;
	int err;

	if (br->failed)
		return;
	/* The backend first: what it sends frees room for the tty. */
	b->ops->update(b);
	if (br->failed)
		return;
	if (br->stopped && (!b->ops->drain || b->ops->drain(b)) && !ring_len(&br->rx)) {
		void (*done)(struct bridge *) = br->stopped;

		br->stopped = NULL;
		loop_fd_set(br->loop, br->io, 0);
		done(br);
		return;
	}
	if (ring_room(&br->tx) && !br->stopped && (b->connected || b->sink || br->addr.drop))
		ev |= EPOLLIN;
	if (ring_len(&br->rx))
		ev |= EPOLLOUT;
	err = loop_fd_set(br->loop, br->io, ev);
	if (err)
		bridge_fail(br, err, "epoll: %s", strerror(-err));
}

static void tty_hangup(struct bridge *br, int err)
{
	bridge_fail(br, err ? err : -EIO,
		    "%s hung up%s%s (was the pair deleted?); stopping this bridge", br->dev,
		    err ? ": " : "", err ? strerror(-err) : "");
}

static void tty_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct bridge *br = lfd->arg;
	ssize_t n;

	if (revents & EPOLLIN) {
		n = ring_read_fd(&br->tx, lfd->fd);
		if (n == 0 || (n < 0 && n != -EAGAIN && n != -EINTR && n != -ENOBUFS)) {
			tty_hangup(br, (int)n);
			return;
		}
		if (n > 0)
			br->tty_bytes += (uint64_t)n;
		/* ",drop": nobody to send it to, as on a cable with nobody listening */
		if (n > 0 && !br->be.connected && !br->be.sink && br->addr.drop)
			ring_reset(&br->tx);
		if (n > 0)
			bridge_kick(br);
	}
	if (revents & EPOLLOUT) {
		n = ring_write_fd(&br->rx, lfd->fd);
		if (n < 0 && n != -EAGAIN && n != -EINTR) {
			tty_hangup(br, (int)n);
			return;
		}
		if (n > 0) {
			br->tty_bytes += (uint64_t)n;
			bridge_kick(br);
		}
	}
	if ((revents & (EPOLLHUP | EPOLLERR)) && !(revents & (EPOLLIN | EPOLLOUT)))
		tty_hangup(br, 0);
}

static bool is_telnet(enum addr_kind k)
{
	return k == ADDR_TELNET_LISTEN || k == ADDR_TELNET || k == ADDR_RFC2217_LISTEN ||
	       k == ADDR_RFC2217;
}

static int open_tty(struct bridge *br)
{
	struct termios t;
	int fd, bits = TIOCM_DTR | TIOCM_RTS;

	fd = open(br->dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;

		fprintf(stderr, "%s: cannot open %s: %s%s\n", bridge_log_prefix, br->dev, strerror(errno),
			errno == EACCES ? " (run as root or join the dialout group)" :
			errno == ENOENT ? " (is the pair created? ttyvsctl pair list)" : "");
		return err;
	}
	/* Nobody is connected yet: the application must not see DSR/DCD. */
	ioctl(fd, TIOCMBIC, &bits);
	if (tcgetattr(fd, &t) < 0) {
		int err = -errno;

		fprintf(stderr, "%s: %s is not a tty: %s\n", bridge_log_prefix, br->dev, strerror(errno));
		close(fd);
		return err;
	}
	/* Raw bytes; the speed stays what it was. */
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	/*
	 * Telnet and RFC 2217 carry the application's breaks as commands.
	 * They learn of them from the kernel's netlink BREAK events (see
	 * bridge_port_event()) rather than by reading this tty with PARMRK:
	 * the events are needed anyway for termios and lines, and PARMRK
	 * would double every 0xff byte on the data path. IGNBRK keeps the
	 * break from also arriving here as a '\0' data byte.
	 */
	if (is_telnet(br->addr.kind))
		t.c_iflag |= IGNBRK;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		int err = -errno;

		fprintf(stderr, "%s: cannot set raw mode on %s: %s\n", bridge_log_prefix, br->dev,
			strerror(errno));
		close(fd);
		return err;
	}
	loop_fd_init(&br->tty, fd, tty_cb, br);
	br->tty.keep = true;	/* a hangup must be seen even while the rings are full */
	br->io = &br->tty;
	return 0;
}

/*
 * A ttyvs port gives its data to a raw channel (uapi/linux/ttyvs_raw.h):
 * no line discipline and no flip-buffer worker on this end, reads as big
 * as the ring's room. The tty stays open for lines, break, termios and
 * flush. Any other tty, an older module or TTYVS_BRIDGE_RAW=0: the tty.
 */
static void open_raw(struct bridge *br)
{
	const char *env = getenv("TTYVS_BRIDGE_RAW");
	char path[96];
	int fd;

	if (env && !strcmp(env, "0"))
		return;
	snprintf(path, sizeof(path), "/sys/class/tty/%s/peer", br->port);
	if (access(path, F_OK))
		return;		/* not a ttyvs port */
	fd = ioctl(br->tty.fd, TTYVS_IOC_RAW_OPEN, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	loop_fd_init(&br->raw, fd, tty_cb, br);
	br->raw.keep = true;
	br->io = &br->raw;
}

void bridge_set_baud(struct bridge *br, uint32_t baud)
{
	if (br->tty.fd < 0 || br->failed || !baud || baud == br->baud || !br->follow_speed)
		return;
	if (!tty_speed_set(br->tty.fd, baud))
		br->baud = baud;
}

/* TTYVS_LINE_* outputs -> TIOCM_* bits */
static unsigned int lines_tiocm(uint32_t l)
{
	return (l & TTYVS_LINE_DTR ? TIOCM_DTR : 0) | (l & TTYVS_LINE_RTS ? TIOCM_RTS : 0) |
	       (l & TTYVS_LINE_OUT1 ? TIOCM_OUT1 : 0) | (l & TTYVS_LINE_OUT2 ? TIOCM_OUT2 : 0);
}

/* The application end's termios: follow its speed, tell the backend. */
static void peer_termios(struct bridge *br, const struct termios_info *t)
{
	struct backend *b = &br->be;

	br->has_peer_termios = true;
	br->peer_termios = *t;
	/*
	 * The application's end decides the speed (it matters with baud-rate
	 * emulation, which paces each sender at its own speed).
	 */
	bridge_set_baud(br, t->baud);
	if (b->ops && b->ops->set_termios)
		b->ops->set_termios(b, &br->peer_termios);
}

static void peer_lines(struct bridge *br)
{
	struct backend *b = &br->be;

	if (b->ops && b->ops->set_lines)
		b->ops->set_lines(b, br->peer_lines);
}

/* The application's end, if this is a ttyVS port with a peer. */
static void find_peer(struct bridge *br)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/tty/%s/peer", br->port);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(br->peer, sizeof(br->peer), f))
		br->peer[0] = '\0';
	fclose(f);
	br->peer[strcspn(br->peer, "\n")] = '\0';
	if (!strcmp(br->peer, br->port))
		br->peer[0] = '\0';	/* a loopback pair's one end */
}

void bridge_resync(struct bridge *br)
{
	struct port_info pi;
	struct nlc *c;

	if (!br->peer[0] || br->failed || nlc_open(&c))
		return;
	nlc_describe(c, "port show", "port %s", br->peer);
	if (!nlc_port_get(c, br->peer, 0, &pi)) {
		if (pi.has_termios)
			peer_termios(br, &pi.termios);
		if (pi.has_lines) {
			br->peer_lines = lines_tiocm(pi.lines_out);
			peer_lines(br);
		}
	}
	nlc_close(c);
}

void bridge_port_event(struct bridge *br, const struct event *ev)
{
	struct backend *b = &br->be;
	bool from_peer, from_us;

	if (!ev->is_port || br->failed || !b->ops)
		return;
	from_peer = br->peer[0] && !strcmp(ev->port.name, br->peer);
	from_us = !strcmp(ev->port.name, br->port);
	if (!from_peer && !from_us)
		return;
	switch (ev->cmd) {
	case TTYVS_CMD_PORT_TERMIOS_NTF:
		if (from_peer && ev->port.has_termios)
			peer_termios(br, &ev->port.termios);
		break;
	case TTYVS_CMD_PORT_LINES_NTF:
	case TTYVS_CMD_PORT_OPEN_NTF:
	case TTYVS_CMD_PORT_CLOSE_NTF:
		if (from_peer && ev->port.has_lines)
			br->peer_lines = lines_tiocm(ev->port.lines_out);
		peer_lines(br);
		break;
	case TTYVS_CMD_PORT_BREAK_NTF:
		if (from_peer && b->ops->send_break)
			b->ops->send_break(b);
		break;
	}
}

static const struct backend_ops *ops_for(enum addr_kind k)
{
	switch (k) {
	case ADDR_TCP_LISTEN:
	case ADDR_TCP:
	case ADDR_UNIX_LISTEN:
	case ADDR_UNIX:
		return &backend_sock_ops;
	case ADDR_UDP:
	case ADDR_UDP_LISTEN:
		return &backend_udp_ops;
	case ADDR_FIFO:
		return &backend_fifo_ops;
	case ADDR_FILE:
		return &backend_file_ops;
	case ADDR_TELNET_LISTEN:
	case ADDR_TELNET:
	case ADDR_RFC2217_LISTEN:
	case ADDR_RFC2217:
		return &backend_telnet_ops;
	default:
		return NULL;
	}
}

int bridge_new(struct loop *l, const char *dev, const char *port, const struct addr *a,
	       void (*on_fail)(struct bridge *, int), void *owner, struct bridge **out)
{
	struct bridge *br = calloc(1, sizeof(*br));
	int err;

	if (!br)
		return -ENOMEM;
	snprintf(br->dev, sizeof(br->dev), "%s", dev);
	snprintf(br->port, sizeof(br->port), "%s", port);
	br->addr = *a;
	br->loop = l;
	br->on_fail = on_fail;
	br->owner = owner;
	br->tty.fd = -1;
	br->raw.fd = -1;
	br->io = &br->tty;
	br->upd.cb = bridge_update;
	br->upd.arg = br;
	/* under rfc2217-listen the remote client sets the speed */
	br->follow_speed = a->kind != ADDR_RFC2217_LISTEN;
	err = ring_init(&br->rx, BRIDGE_RING_SIZE);
	if (!err)
		err = ring_init(&br->tx, BRIDGE_RING_SIZE);
	if (!err)
		err = open_tty(br);
	if (!err) {
		open_raw(br);
		err = loop_fd_set(l, br->io, 0);
		if (err)
			fprintf(stderr, "%s: %s: epoll: %s\n", bridge_log_prefix, dev, strerror(-err));
	}
	if (err)
		goto fail;
	find_peer(br);
	bridge_resync(br);	/* no backend yet: only recorded */
	br->be.ops = ops_for(a->kind);
	br->be.br = br;
	br->be.loop = l;
	br->be.addr = &br->addr;
	br->be.rx = &br->rx;
	br->be.tx = &br->tx;
	err = br->be.ops->open(&br->be);
	if (err) {
		br->be.ops = NULL;
		goto fail;
	}
	bridge_kick(br);
	*out = br;
	return 0;
fail:
	bridge_free(br);
	return err;
}

void bridge_stop(struct bridge *br, void (*done)(struct bridge *br))
{
	br->stopped = done;
	bridge_kick(br);
}

size_t bridge_pending(const struct bridge *br)
{
	size_t n = ring_len(&br->rx) + ring_len(&br->tx);

	if (br->be.ops && br->be.ops->queued)
		n += br->be.ops->queued(&br->be);
	return n;
}

void bridge_free(struct bridge *br)
{
	if (!br)
		return;
	br->on_fail = NULL;	/* no callbacks while tearing down */
	loop_defer_cancel(br->loop, &br->upd);
	if (br->be.ops) {
		br->be.ops->close(&br->be);
		free(br->be.priv);
	}
	if (br->raw.fd >= 0) {
		loop_fd_del(br->loop, &br->raw);
		close(br->raw.fd);
	}
	if (br->tty.fd >= 0) {
		set_lines(br, false);
		loop_fd_del(br->loop, &br->tty);
		close(br->tty.fd);
	}
	ring_free(&br->rx);
	ring_free(&br->tx);
	free(br);
}
