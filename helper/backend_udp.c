// SPDX-License-Identifier: GPL-2.0
/*
 * UDP backends. udp:HOST:PORT sends to and receives from a fixed remote
 * (the socket is connect()ed, so other senders are ignored by the
 * kernel); udp-listen:[ADDR:]PORT learns the remote from the first
 * datagram and then connect()s to it.
 *
 * Datagram boundaries are kept: a datagram is read only when it fits in
 * the ring whole (its size is peeked first), so the helper never drops
 * one; while the ring is full, datagrams wait in (or overflow) the
 * socket's receive buffer, as UDP does. Toward the network the tty's
 * bytes go out in datagrams of at most UDP_CHUNK bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "bridge.h"

#define UDP_CHUNK 1400

struct udp_be {
	struct backend *b;
	struct loop_fd lfd;
	struct sockaddr_storage remote;
	socklen_t rlen;
	bool have_peer;
	size_t need;			/* size of the waiting datagram that did not fit */
	char where[128];
};

static unsigned char udp_buf[65536];

static void udp_read(struct udp_be *s)
{
	struct backend *b = s->b;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(s->lfd.fd, udp_buf, 0, MSG_PEEK | MSG_TRUNC, (struct sockaddr *)&from,
				     &flen);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED)
				bridge_log(b->br, "receive: %s", strerror(errno));
			break;
		}
		if ((size_t)n > ring_room(b->rx) && (size_t)n <= b->rx->cap) {
			s->need = (size_t)n;	/* wait for room */
			break;
		}
		s->need = 0;
		flen = sizeof(from);
		n = recvfrom(s->lfd.fd, udp_buf, sizeof(udp_buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 0)
			break;
		if ((size_t)n > b->rx->cap) {
			bridge_log(b->br, "dropped a %zd-byte datagram (larger than the %zu-byte buffer)", n,
				   b->rx->cap);
			continue;
		}
		if (!s->have_peer) {
			char name[128];

			addr_sockname((struct sockaddr *)&from, flen, name, sizeof(name));
			if (connect(s->lfd.fd, (struct sockaddr *)&from, flen) < 0) {
				bridge_log(b->br, "cannot set the peer %s: %s", name, strerror(errno));
				continue;
			}
			s->have_peer = true;
			snprintf(s->where, sizeof(s->where), "%s", name);
			bridge_peer_up(b, "peer %s (from its first datagram)", name);
		}
		ring_put(b->rx, udp_buf, (size_t)n);
	}
	bridge_kick(b->br);
}

static void udp_write(struct udp_be *s)
{
	struct backend *b = s->b;

	while (ring_len(b->tx)) {
		size_t n = ring_copy(b->tx, udp_buf, UDP_CHUNK);
		ssize_t put = send(s->lfd.fd, udp_buf, n, 0);

		if (put < 0) {
			if (errno == ECONNREFUSED || errno == EINTR)
				continue;	/* an earlier ICMP unreachable; the error is consumed */
			if (errno != EAGAIN)
				bridge_log(b->br, "send to %s: %s", s->where, strerror(errno));
			break;
		}
		ring_consume(b->tx, n);
	}
	bridge_kick(b->br);
}

static void udp_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct udp_be *s = lfd->arg;

	if (revents & (EPOLLIN | EPOLLERR))
		udp_read(s);
	if (revents & EPOLLOUT)
		udp_write(s);
}

static int udp_open(struct backend *b)
{
	const struct addr *a = b->addr;
	struct udp_be *s = calloc(1, sizeof(*s));
	struct sockaddr_storage local;
	socklen_t llen;
	char err_txt[256];
	int fd, err;

	if (!s)
		return -ENOMEM;
	b->priv = s;
	s->b = b;
	s->lfd.fd = -1;
	if (a->kind == ADDR_UDP) {
		err = addr_resolve(a->host, a->port, SOCK_DGRAM, &s->remote, &s->rlen, err_txt,
				   sizeof(err_txt));
		if (err)
			goto resolve_fail;
		addr_sockname((struct sockaddr *)&s->remote, s->rlen, s->where, sizeof(s->where));
	}
	if (a->kind == ADDR_UDP_LISTEN || a->has_bind) {
		err = addr_resolve(a->kind == ADDR_UDP ? a->bind_host : a->host,
				   a->kind == ADDR_UDP ? a->bind_port : a->port, SOCK_DGRAM, &local, &llen,
				   err_txt, sizeof(err_txt));
		if (err)
			goto resolve_fail;
	}
	fd = socket(a->kind == ADDR_UDP ? s->remote.ss_family : local.ss_family,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	loop_fd_init(&s->lfd, fd, udp_cb, s);
	if (a->kind == ADDR_UDP_LISTEN || a->has_bind) {
		char name[128];

		addr_sockname((struct sockaddr *)&local, llen, name, sizeof(name));
		if (bind(fd, (struct sockaddr *)&local, llen) < 0) {
			err = -errno;
			bridge_log(b->br, "cannot bind %s: %s", name, strerror(errno));
			return err;
		}
		if (a->kind == ADDR_UDP_LISTEN)
			bridge_log(b->br, "listening on %s (udp)", name);
	}
	if (a->kind == ADDR_UDP) {
		if (connect(fd, (struct sockaddr *)&s->remote, s->rlen) < 0) {
			err = -errno;
			bridge_log(b->br, "cannot use %s: %s", s->where, strerror(errno));
			return err;
		}
		s->have_peer = true;
		bridge_peer_up(b, "sending to %s (udp)", s->where);
	}
	return 0;
resolve_fail:
	bridge_log(b->br, "%s", err_txt);
	return err;
}

static void udp_close(struct backend *b)
{
	struct udp_be *s = b->priv;

	if (!s || s->lfd.fd < 0)
		return;
	loop_fd_del(b->loop, &s->lfd);
	close(s->lfd.fd);
	s->lfd.fd = -1;
}

static void udp_update(struct backend *b)
{
	struct udp_be *s = b->priv;
	uint32_t ev = 0;
	int err;

	if (ring_room(b->rx) && ring_room(b->rx) >= s->need)
		ev |= EPOLLIN;
	if (s->have_peer && ring_len(b->tx))
		ev |= EPOLLOUT;
	err = loop_fd_set(b->loop, &s->lfd, ev);
	if (err)
		bridge_fail(b->br, err, "epoll: %s", strerror(-err));
}

const struct backend_ops backend_udp_ops = {
	.open = udp_open,
	.close = udp_close,
	.update = udp_update,
};
