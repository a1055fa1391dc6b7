/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bounded byte ring: fixed capacity, never grows. Data goes in from an
 * fd (readv into the free space) or a buffer, and out to an fd (writev
 * of the queued bytes) or through peek/consume.
 */
#ifndef TTYVSCTL_RING_H
#define TTYVSCTL_RING_H

#include <stddef.h>
#include <sys/types.h>

struct ring {
	unsigned char *buf;
	size_t cap, head, len;		/* data is [head, head + len) modulo cap */
};

int ring_init(struct ring *r, size_t cap);
void ring_free(struct ring *r);

static inline size_t ring_len(const struct ring *r) { return r->len; }
static inline size_t ring_room(const struct ring *r) { return r->cap - r->len; }
static inline void ring_reset(struct ring *r) { r->head = r->len = 0; }

/* Reads once from fd into the free space: bytes read, 0 at EOF, -errno (-EAGAIN). */
ssize_t ring_read_fd(struct ring *r, int fd);
/* Writes once from the queued bytes to fd: bytes written or -errno. */
ssize_t ring_write_fd(struct ring *r, int fd);
/* Appends up to n bytes; returns how many fit. */
size_t ring_put(struct ring *r, const void *p, size_t n);
/* The first contiguous run of queued bytes; returns its length. */
size_t ring_peek(const struct ring *r, const unsigned char **p);
/* Copies up to n queued bytes to p without consuming them. */
size_t ring_copy(const struct ring *r, void *p, size_t n);
void ring_consume(struct ring *r, size_t n);

#endif
