// SPDX-License-Identifier: GPL-2.0
/* The bounded byte ring (see ring.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "ring.h"

int ring_init(struct ring *r, size_t cap)
{
	r->buf = malloc(cap);
	if (!r->buf)
		return -ENOMEM;
	r->cap = cap;
	r->head = r->len = 0;
	return 0;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->head = r->len = 0;
}

/* Free space as up to two segments. */
static int free_iov(const struct ring *r, struct iovec iov[2])
{
	size_t tail = (r->head + r->len) % r->cap, room = ring_room(r);
	size_t first = r->cap - tail < room ? r->cap - tail : room;

	if (!room)
		return 0;
	iov[0].iov_base = r->buf + tail;
	iov[0].iov_len = first;
	if (first == room)
		return 1;
	iov[1].iov_base = r->buf;
	iov[1].iov_len = room - first;
	return 2;
}

/* Queued data as up to two segments. */
static int data_iov(const struct ring *r, struct iovec iov[2])
{
	size_t first = r->cap - r->head < r->len ? r->cap - r->head : r->len;

	if (!r->len)
		return 0;
	iov[0].iov_base = r->buf + r->head;
	iov[0].iov_len = first;
	if (first == r->len)
		return 1;
	iov[1].iov_base = r->buf;
	iov[1].iov_len = r->len - first;
	return 2;
}

ssize_t ring_read_fd(struct ring *r, int fd)
{
	struct iovec iov[2];
	int n = free_iov(r, iov);
	ssize_t got;

	if (!n)
		return -ENOBUFS;
	got = readv(fd, iov, n);
	if (got < 0)
		return -errno;
	r->len += (size_t)got;
	return got;
}

ssize_t ring_write_fd(struct ring *r, int fd)
{
	struct iovec iov[2];
	int n = data_iov(r, iov);
	ssize_t put;

	if (!n)
		return 0;
	put = writev(fd, iov, n);
	if (put < 0)
		return -errno;
	ring_consume(r, (size_t)put);
	return put;
}

size_t ring_put(struct ring *r, const void *p, size_t n)
{
	struct iovec iov[2];
	int segs = free_iov(r, iov);
	size_t done = 0;

	for (int i = 0; i < segs && done < n; i++) {
		size_t k = n - done < iov[i].iov_len ? n - done : iov[i].iov_len;

		memcpy(iov[i].iov_base, (const unsigned char *)p + done, k);
		done += k;
	}
	r->len += done;
	return done;
}

size_t ring_peek(const struct ring *r, const unsigned char **p)
{
	struct iovec iov[2];

	if (!data_iov(r, iov))
		return 0;
	*p = iov[0].iov_base;
	return iov[0].iov_len;
}

size_t ring_copy(const struct ring *r, void *p, size_t n)
{
	struct iovec iov[2];
	int segs = data_iov(r, iov);
	size_t done = 0;

	for (int i = 0; i < segs && done < n; i++) {
		size_t k = n - done < iov[i].iov_len ? n - done : iov[i].iov_len;

		memcpy((unsigned char *)p + done, iov[i].iov_base, k);
		done += k;
	}
	return done;
}

void ring_consume(struct ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	r->len -= n;
	r->head = r->len ? (r->head + n) % r->cap : 0;
}
