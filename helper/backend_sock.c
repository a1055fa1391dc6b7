// SPDX-License-Identifier: GPL-2.0
/*
 * Stream socket backends: tcp-listen, tcp, unix-listen, unix.
 *
 * A listener keeps one client; a second one is refused (accepted and
 * closed, with a log line) or, with ",replace", takes over. A client
 * connects without blocking (EINPROGRESS, then EPOLLOUT and SO_ERROR)
 * and reconnects after a failure or a disconnect with exponential
 * backoff from retry=MS up to ADDR_RETRY_MAX_MS.
 *
 * When the peer goes away, bytes it sent that are still in the socket
 * are read first (the connection stays until EOF), so nothing the peer
 * sent is lost; bytes for the peer that were not sent stay in the ring
 * for the next peer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "backend_sock.h"
#include "bridge.h"

struct sock_be {
	struct backend *b;
	bool listener, is_unix;
	struct sockaddr_storage sa;	/* bind or connect address */
	socklen_t salen;
	char where[ADDR_PATH_MAX + 64];	/* sa as text */
	struct loop_fd lst;		/* listener */
	struct loop_fd conn;		/* the data connection, fd -1 if none */
	bool connecting;
	bool peer_gone;			/* HUP or EPIPE: read what is left, then close */
	bool eof;			/* the peer shut its side: goes once rx is out */
	bool stopping;			/* sock_drain(): no new peer, no reconnect */
	bool shut;			/* our side shut down (sock_drain) */
	char peer[ADDR_PATH_MAX + 64];
	struct loop_timer retry;
	unsigned int delay_ms;
	int last_err;			/* last connect error logged (quiet repeats) */
	bool unlink_path;
	const struct sock_proto *proto;	/* telnet, RFC 2217: bytes go through it */
	void *pp;
};

static void conn_cb(struct loop_fd *lfd, uint32_t revents);
static void start_connect(struct sock_be *s);

static void nodelay(struct sock_be *s, int fd)
{
	int one = 1;

	if (!s->is_unix)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void conn_close(struct sock_be *s)
{
	if (s->conn.fd < 0)
		return;
	loop_fd_del(s->b->loop, &s->conn);
	close(s->conn.fd);
	s->conn.fd = -1;
	s->connecting = false;
	s->peer_gone = false;
	s->eof = false;
	s->shut = false;
}

static void proto_up(struct sock_be *s)
{
	if (s->proto && s->conn.fd >= 0)
		s->proto->up(s->pp);
}

static void proto_down(struct sock_be *s)
{
	if (s->proto)
		s->proto->down(s->pp);
}

static void schedule_retry(struct sock_be *s)
{
	int err = loop_timer_arm(s->b->loop, &s->retry, s->delay_ms);

	if (err)
		bridge_fail(s->b->br, err, "timerfd: %s", strerror(-err));
	s->delay_ms = s->delay_ms * 2 > ADDR_RETRY_MAX_MS ? ADDR_RETRY_MAX_MS : s->delay_ms * 2;
}

/* The connection ended (why: "closed by peer", an errno text). */
static void conn_lost(struct sock_be *s, const char *why)
{
	conn_close(s);
	if (s->listener) {
		bridge_peer_down(s->b, "client %s disconnected (%s)", s->peer, why);
		proto_down(s);
		return;
	}
	bridge_peer_down(s->b, "disconnected from %s (%s)%s", s->peer, why,
			 s->stopping ? "" : "; reconnecting");
	proto_down(s);
	if (s->stopping)
		return;
	s->delay_ms = s->b->addr->retry_ms;
	s->last_err = 0;
	schedule_retry(s);
}

static void connect_failed(struct sock_be *s, int err)
{
	conn_close(s);
	if (err != s->last_err)
		bridge_log(s->b->br, "cannot connect to %s: %s; retrying in %u ms, backing off up to %u ms", s->where,
			   strerror(-err), s->delay_ms, ADDR_RETRY_MAX_MS);
	s->last_err = err;
	schedule_retry(s);
}

static void connected(struct sock_be *s)
{
	s->connecting = false;
	s->delay_ms = s->b->addr->retry_ms;
	s->last_err = 0;
	snprintf(s->peer, sizeof(s->peer), "%s", s->where);
	bridge_peer_up(s->b, "connected to %s", s->where);
	proto_up(s);
}

static void start_connect(struct sock_be *s)
{
	int fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		connect_failed(s, -errno);
		return;
	}
	nodelay(s, fd);
	loop_fd_init(&s->conn, fd, conn_cb, s);
	if (connect(fd, (struct sockaddr *)&s->sa, s->salen) == 0) {
		connected(s);
	} else if (errno == EINPROGRESS) {
		s->connecting = true;
	} else {
		connect_failed(s, -errno);
		return;
	}
	bridge_kick(s->b->br);
}

static void retry_cb(struct loop_timer *t)
{
	start_connect(t->arg);
}

static void conn_read(struct sock_be *s)
{
	ssize_t n = s->proto ? s->proto->read(s->pp, s->conn.fd) : ring_read_fd(s->b->rx, s->conn.fd);

	if (n > 0) {
		bridge_kick(s->b->br);
	} else if (n == 0 && ring_len(s->b->rx)) {
		/*
		 * A half-close (or close) after data: the lines stay up until
		 * what the peer sent has gone to the tty (sock_update), so an
		 * application with CLOCAL clear reads it all before its hangup.
		 */
		s->eof = true;
		bridge_kick(s->b->br);
	} else if (n == 0) {
		conn_lost(s, "closed by peer");
	} else if (n != -EAGAIN && n != -EINTR && n != -ENOBUFS) {
		conn_lost(s, strerror((int)-n));
	}
}

/* Returns false if the connection was lost. */
static bool conn_write(struct sock_be *s)
{
	ssize_t n = s->proto ? s->proto->write(s->pp, s->conn.fd) : ring_write_fd(s->b->tx, s->conn.fd);

	if (n > 0) {
		bridge_kick(s->b->br);
	} else if (n == -EPIPE) {
		s->peer_gone = true;	/* read what the peer sent before it left */
		bridge_kick(s->b->br);
	} else if (n < 0 && n != -EAGAIN && n != -EINTR) {
		conn_lost(s, strerror((int)-n));
		return false;
	}
	return true;
}

static void conn_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct sock_be *s = lfd->arg;

	if (s->connecting) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if (getsockopt(lfd->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr)
			connect_failed(s, -soerr);
		else
			connected(s);
		bridge_kick(s->b->br);
		return;
	}
	if (revents & EPOLLIN) {
		conn_read(s);
		if (s->conn.fd < 0)
			return;
	}
	if ((revents & EPOLLOUT) && !conn_write(s))
		return;
	if (revents & EPOLLERR) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		getsockopt(lfd->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr && soerr != EPIPE) {
			conn_lost(s, strerror(soerr));
			return;
		}
	}
	if ((revents & EPOLLHUP) && !(revents & EPOLLIN)) {
		/* both directions shut; EPOLLIN is off only while the ring is full */
		s->peer_gone = true;
		bridge_kick(s->b->br);
	}
}

static void accept_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct sock_be *s = lfd->arg;

	(void)revents;
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char name[sizeof(s->peer)];
		int fd = accept4(lfd->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				bridge_log(s->b->br, "accept: %s", strerror(errno));
			return;
		}
		if (s->is_unix)
			snprintf(name, sizeof(name), "on %s", s->b->addr->path);
		else
			addr_sockname((struct sockaddr *)&ss, len, name, sizeof(name));
		if (s->conn.fd >= 0 && !s->b->addr->replace) {
			bridge_log(s->b->br, "client %s refused: %s already has client %s (add \",replace\" to let a new client take over)",
				   name, s->b->br->port, s->peer);
			close(fd);
			continue;
		}
		if (s->conn.fd >= 0) {
			char why[sizeof(name) + 16];

			snprintf(why, sizeof(why), "replaced by %s", name);
			conn_lost(s, why);
		}
		nodelay(s, fd);
		loop_fd_init(&s->conn, fd, conn_cb, s);
		snprintf(s->peer, sizeof(s->peer), "%s", name);
		bridge_peer_up(s->b, "client %s connected", name);
		proto_up(s);
	}
}

static int unix_addr(struct sock_be *s, const char *path)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&s->sa;

	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	snprintf(un->sun_path, sizeof(un->sun_path), "%s", path);
	s->salen = sizeof(*un);
	snprintf(s->where, sizeof(s->where), "%s", path);
	return 0;
}

/* A socket file left by a dead process is removed; a live one is an error. */
static int unix_clear_stale(struct sock_be *s, const char *path)
{
	struct stat st;
	int fd, err = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		bridge_log(s->b->br, "cannot listen: %s exists and is not a socket; remove it or choose another path",
			   path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&s->sa, s->salen) == 0) {
		bridge_log(s->b->br, "cannot listen: another process is listening on %s", path);
		err = -EADDRINUSE;
	} else if (errno == ECONNREFUSED) {
		if (unlink(path) < 0 && errno != ENOENT)
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	return err;
}

static bool want_read(struct sock_be *s)
{
	return s->proto ? s->proto->want_read(s->pp) : ring_room(s->b->rx) > 0;
}

static bool want_write(struct sock_be *s)
{
	return s->proto ? s->proto->want_write(s->pp) : ring_len(s->b->tx) > 0;
}

/* proto (with its p) is freed by sock_close(), or here if s cannot be allocated. */
static int sock_open_with(struct backend *b, const struct sock_proto *proto, void *p)
{
	const struct addr *a = b->addr;
	struct sock_be *s = calloc(1, sizeof(*s));
	char err_txt[256];
	int err, fd, one = 1;

	if (!s) {
		if (proto)
			proto->destroy(p);
		return -ENOMEM;
	}
	b->priv = s;
	s->b = b;
	s->proto = proto;
	s->pp = p;
	s->lst.fd = s->conn.fd = s->retry.lfd.fd = -1;
	s->listener = a->kind == ADDR_TCP_LISTEN || a->kind == ADDR_UNIX_LISTEN ||
		      a->kind == ADDR_TELNET_LISTEN || a->kind == ADDR_RFC2217_LISTEN;
	s->is_unix = a->kind == ADDR_UNIX_LISTEN || a->kind == ADDR_UNIX;
	s->delay_ms = a->retry_ms;
	if (s->is_unix) {
		unix_addr(s, a->path);
	} else {
		err = addr_resolve(a->host, a->port, SOCK_STREAM, &s->sa, &s->salen, err_txt, sizeof(err_txt));
		if (err) {
			bridge_log(b->br, "%s", err_txt);
			return err;
		}
		addr_sockname((struct sockaddr *)&s->sa, s->salen, s->where, sizeof(s->where));
	}
	if (!s->listener) {
		err = loop_timer_init(b->loop, &s->retry, retry_cb, s);
		if (err)
			return err;
		start_connect(s);
		return 0;
	}
	if (s->is_unix) {
		err = unix_clear_stale(s, a->path);
		if (err)
			return err;
	}
	fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	loop_fd_init(&s->lst, fd, accept_cb, s);
	if (!s->is_unix)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&s->sa, s->salen) < 0 || listen(fd, 8) < 0) {
		err = -errno;
		bridge_log(b->br, "cannot listen on %s: %s%s", s->where, strerror(errno),
			   err == -EADDRINUSE ? " (another program uses it; choose another port)" :
			   err == -EACCES ? " (permission denied: ports below 1024 need root)" : "");
		return err;
	}
	s->unlink_path = s->is_unix;
	bridge_log(b->br, "listening on %s", s->where);
	return loop_fd_set(b->loop, &s->lst, EPOLLIN);
}

static int sock_open(struct backend *b)
{
	return sock_open_with(b, NULL, NULL);
}

int sock_open_proto(struct backend *b, const struct sock_proto *proto, void *p)
{
	return sock_open_with(b, proto, p);
}

void *sock_proto_priv(struct backend *b)
{
	struct sock_be *s = b->priv;

	return s ? s->pp : NULL;
}

void sock_proto_kick(struct backend *b)
{
	bridge_kick(b->br);
}

void sock_close(struct backend *b)
{
	struct sock_be *s = b->priv;

	if (!s)
		return;
	/* the protocol undoes what the peer set (a break, OUT1/OUT2) */
	if (s->conn.fd >= 0 && !s->connecting)
		proto_down(s);
	conn_close(s);
	if (s->proto) {
		s->proto->destroy(s->pp);
		s->proto = NULL;
	}
	if (s->lst.fd >= 0) {
		loop_fd_del(b->loop, &s->lst);
		close(s->lst.fd);
		s->lst.fd = -1;
	}
	if (s->unlink_path)
		unlink(b->addr->path);
	loop_timer_free(b->loop, &s->retry);
}

void sock_update(struct backend *b)
{
	struct sock_be *s = b->priv;
	uint32_t ev = 0;
	int err;

	if (s->conn.fd < 0)
		return;
	if (s->eof && !ring_len(b->rx)) {
		conn_lost(s, "closed by peer");
		return;
	}
	if (s->connecting) {
		ev = EPOLLOUT;
	} else {
		/* Send at once what the tty gave, without waiting for EPOLLOUT. */
		if (want_write(s) && !s->peer_gone && !conn_write(s))
			return;
		if (want_read(s) && !s->eof)
			ev |= EPOLLIN;
		if (want_write(s) && !s->peer_gone)
			ev |= EPOLLOUT;
	}
	err = loop_fd_set(b->loop, &s->conn, ev);
	if (err)
		conn_lost(s, strerror(-err));
}

/*
 * Stopping (bridge_stop): no new client, no reconnect; once what the tty
 * gave is written, shut down our side; the peer then closes its side after
 * what it still had to send, which goes to the tty (the EOF path above).
 */
bool sock_drain(struct backend *b)
{
	struct sock_be *s = b->priv;

	s->stopping = true;
	loop_timer_disarm(b->loop, &s->retry);
	if (s->lst.fd >= 0) {
		loop_fd_del(b->loop, &s->lst);
		close(s->lst.fd);
		s->lst.fd = -1;
	}
	if (s->conn.fd >= 0 && s->connecting)
		conn_close(s);
	if (s->conn.fd < 0)
		return true;
	if (!s->shut && (s->peer_gone || !want_write(s))) {
		shutdown(s->conn.fd, SHUT_WR);
		s->shut = true;
	}
	return false;
}

/*
 * What is on its way to the peer: the protocol's output and the socket's
 * send queue (TCP: bytes not yet acknowledged; unix: the buffer memory of
 * what the peer has not yet read, an upper bound).
 * While a backed-up peer reads slowly, this shrinks though the rings stay
 * full, which is the progress a stop waits for.
 */
size_t sock_queued(const struct backend *b)
{
	struct sock_be *s = b->priv;
	size_t n = 0;
	int outq;

	if (!s || s->conn.fd < 0 || s->connecting)
		return 0;
	if (s->proto && s->proto->queued)
		n = s->proto->queued(s->pp);
	if (ioctl(s->conn.fd, SIOCOUTQ, &outq) == 0 && outq > 0)
		n += (size_t)outq;
	return n;
}

const struct backend_ops backend_sock_ops = {
	.open = sock_open,
	.close = sock_close,
	.update = sock_update,
	.drain = sock_drain,
	.queued = sock_queued,
};
