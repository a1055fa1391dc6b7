// SPDX-License-Identifier: GPL-2.0
/*
 * file:PATH[,dir=both|in|out][,timestamps][,hex]: append the traffic to
 * a log file (created 0644 if missing, never truncated).
 *
 * "out" is what the application sent (read from the tty), "in" what was
 * sent to the application; a plain file backend sends nothing to the
 * application, so only "out" traffic appears unless dir=in, which logs
 * nothing. Plain format: the bytes as they are. With timestamps, each
 * line starts with "YYYY-MM-DD HH:MM:SS.mmm "; with hex, each chunk is
 * written as lines of up to 16 bytes "> 41 42 0d 0a" ('>' = out).
 *
 * Regular files cannot be polled; writes happen when the bridge updates
 * (right after the tty gave bytes). A write error stops the bridge.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"

struct file_be {
	int fd;
	bool bol;			/* at the beginning of a line */
};

static size_t stamp(char *p, size_t room)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(p, room, "%Y-%m-%d %H:%M:%S", &tm);
	n += (size_t)snprintf(p + n, room - n, ".%03ld ", ts.tv_nsec / 1000000);
	return n;
}

/* Formats up to len bytes of data into out (large enough: 8x + 64 per 16 bytes). */
static size_t format(struct file_be *f, const struct addr *a, const unsigned char *d, size_t len,
		     char *out, size_t room)
{
	size_t o = 0;

	if (a->hex) {
		for (size_t i = 0; i < len; i += 16) {
			if (a->timestamps)
				o += stamp(out + o, room - o);
			out[o++] = '>';
			for (size_t j = i; j < len && j < i + 16; j++)
				o += (size_t)snprintf(out + o, room - o, " %02x", d[j]);
			out[o++] = '\n';
		}
		return o;
	}
	for (size_t i = 0; i < len; i++) {
		if (a->timestamps && f->bol)
			o += stamp(out + o, room - o);
		out[o++] = (char)d[i];
		f->bol = d[i] == '\n';
	}
	return o;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void file_update(struct backend *b)
{
	struct file_be *f = b->priv;
	static char out[16 * 1024 * 8];
	const unsigned char *d;
	size_t n;
	int err;

	while ((n = ring_peek(b->tx, &d))) {
		if (n > 4096)
			n = 4096;
		if (b->addr->dir == DIR_IN) {
			ring_consume(b->tx, n);
			continue;
		}
		if (b->addr->hex || b->addr->timestamps)
			err = write_all(f->fd, out, format(f, b->addr, d, n, out, sizeof(out)));
		else
			err = write_all(f->fd, (const char *)d, n);
		if (err) {
			bridge_fail(b->br, err, "cannot write %s: %s; stopping", b->addr->path, strerror(-err));
			return;
		}
		ring_consume(b->tx, n);
	}
}

static int file_open(struct backend *b)
{
	struct file_be *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	b->priv = f;
	f->bol = true;
	f->fd = open(b->addr->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (f->fd < 0) {
		int err = -errno;

		bridge_log(b->br, "cannot open %s: %s", b->addr->path, strerror(errno));
		return err;
	}
	b->sink = true;
	bridge_peer_up(b, "appending to %s", b->addr->path);
	return 0;
}

static void file_close(struct backend *b)
{
	struct file_be *f = b->priv;

	if (!f || f->fd < 0)
		return;
	file_update(b);
	close(f->fd);
	f->fd = -1;
}

const struct backend_ops backend_file_ops = {
	.open = file_open,
	.close = file_close,
	.update = file_update,
};
