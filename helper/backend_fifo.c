// SPDX-License-Identifier: GPL-2.0
/*
 * fifo:PATH, the other side of QEMU's "pipe" chardev (-chardev
 * pipe,path=PATH): QEMU reads PATH.in and writes PATH.out, so the bridge
 * writes the tty's bytes to PATH.in and gives the tty what arrives in
 * PATH.out. Missing FIFOs are created (0600).
 *
 * PATH.out is opened read-only and nonblocking: when its writer leaves
 * (EOF, or EPOLLHUP) it is reopened, which waits quietly for the next
 * writer. PATH.in is opened read-write so that the open never fails for
 * want of a reader and the pipe keeps up to its capacity for the next
 * reader; when it is full, the tty is no longer read (backpressure).
 * A FIFO cannot tell whether a peer is there, so DTR/RTS stay raised.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "bridge.h"

struct fifo_be {
	struct backend *b;
	struct loop_fd in, out;
	bool in_hup;			/* writer gone while the ring was full */
	char in_path[ADDR_PATH_MAX + 4], out_path[ADDR_PATH_MAX + 4];
};

static int open_fifo(struct fifo_be *s, const char *path, int flags, struct loop_fd *lfd,
		     void (*cb)(struct loop_fd *, uint32_t))
{
	struct stat st;
	int fd;

	if (mkfifo(path, 0600) == 0)
		bridge_log(s->b->br, "created FIFO %s", path);
	else if (errno != EEXIST) {
		int err = -errno;

		bridge_log(s->b->br, "cannot create FIFO %s: %s", path, strerror(errno));
		return err;
	}
	fd = open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int err = -errno;

		bridge_log(s->b->br, "cannot open %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		bridge_log(s->b->br, "%s is not a FIFO (remove it, or create it with mkfifo)", path);
		close(fd);
		return -EINVAL;
	}
	loop_fd_init(lfd, fd, cb, s);
	return 0;
}

static void in_cb(struct loop_fd *lfd, uint32_t revents);

static void reopen_in(struct fifo_be *s)
{
	loop_fd_del(s->b->loop, &s->in);
	close(s->in.fd);
	s->in.fd = -1;
	s->in_hup = false;
	if (open_fifo(s, s->in_path, O_RDONLY, &s->in, in_cb))
		bridge_fail(s->b->br, -EIO, "cannot reopen %s; stopping", s->in_path);
	bridge_kick(s->b->br);
}

static void in_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct fifo_be *s = lfd->arg;
	ssize_t n;

	if (revents & EPOLLIN) {
		n = ring_read_fd(s->b->rx, lfd->fd);
		if (n > 0) {
			bridge_kick(s->b->br);
			return;
		}
		if (n == 0) {
			reopen_in(s);	/* the writer closed: wait for the next one */
			return;
		}
		if (n != -EAGAIN && n != -EINTR && n != -ENOBUFS) {
			bridge_log(s->b->br, "read %s: %s", s->in_path, strerror((int)-n));
			reopen_in(s);
			return;
		}
	}
	if (revents & (EPOLLHUP | EPOLLERR)) {
		s->in_hup = true;
		bridge_kick(s->b->br);
	}
}

static void out_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct fifo_be *s = lfd->arg;
	ssize_t n;

	(void)revents;
	n = ring_write_fd(s->b->tx, lfd->fd);
	if (n > 0)
		bridge_kick(s->b->br);
	else if (n < 0 && n != -EAGAIN && n != -EINTR)
		bridge_fail(s->b->br, (int)n, "write %s: %s; stopping", s->out_path, strerror((int)-n));
}

static int fifo_open(struct backend *b)
{
	struct fifo_be *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	b->priv = s;
	s->b = b;
	s->in.fd = s->out.fd = -1;
	/* in/out as seen from the tty: "in" is read, "out" written */
	snprintf(s->in_path, sizeof(s->in_path), "%s.out", b->addr->path);
	snprintf(s->out_path, sizeof(s->out_path), "%s.in", b->addr->path);
	err = open_fifo(s, s->in_path, O_RDONLY, &s->in, in_cb);
	if (!err)
		err = open_fifo(s, s->out_path, O_RDWR, &s->out, out_cb);
	if (err)
		return err;
	bridge_peer_up(b, "reading %s, writing %s", s->in_path, s->out_path);
	return 0;
}

static void fifo_close(struct backend *b)
{
	struct fifo_be *s = b->priv;

	if (!s)
		return;
	if (s->in.fd >= 0) {
		loop_fd_del(b->loop, &s->in);
		close(s->in.fd);
	}
	if (s->out.fd >= 0) {
		loop_fd_del(b->loop, &s->out);
		close(s->out.fd);
	}
	s->in.fd = s->out.fd = -1;
}

static void fifo_update(struct backend *b)
{
	struct fifo_be *s = b->priv;
	int err = 0;

	if (s->in.fd >= 0) {
		/* writer gone and the ring has room: reading gives the rest, then EOF */
		err = loop_fd_set(b->loop, &s->in, ring_room(b->rx) ? EPOLLIN : 0);
	}
	if (!err && s->out.fd >= 0) {
		if (ring_len(b->tx))
			ring_write_fd(b->tx, s->out.fd);	/* errors come back via EPOLLOUT */
		err = loop_fd_set(b->loop, &s->out, ring_len(b->tx) ? EPOLLOUT : 0);
	}
	if (err)
		bridge_fail(b->br, err, "epoll: %s", strerror(-err));
}

const struct backend_ops backend_fifo_ops = {
	.open = fifo_open,
	.close = fifo_close,
	.update = fifo_update,
};
