/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stream socket backend (backend_sock.c) as a base for protocols
 * spoken over a TCP connection (telnet, RFC 2217): it keeps the listener
 * (refuse / replace), the client's reconnect with backoff and the
 * connection's life; a protocol plugs in how bytes are read from and
 * written to the connection, and hears when a peer comes and goes.
 */
#ifndef TTYVSCTL_BACKEND_SOCK_H
#define TTYVSCTL_BACKEND_SOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "bridge.h"

struct sock_proto {
	/* A peer connected (after bridge_peer_up) / left (after bridge_peer_down). */
	void (*up)(void *p);
	void (*down)(void *p);
	/* Reads once from fd: bytes read (> 0), 0 at EOF, -errno (-EAGAIN). */
	ssize_t (*read)(void *p, int fd);
	/* Writes what is pending once: bytes written, -EAGAIN if nothing, -errno. */
	ssize_t (*write)(void *p, int fd);
	/* Interest: something to read into / something to write. */
	bool (*want_read)(void *p);
	bool (*want_write)(void *p);
	/* Optional: bytes encoded but not yet written to the connection. */
	size_t (*queued)(void *p);
	/* Frees p (the backend closes). */
	void (*destroy)(void *p);
};

/* Opens b as its address says (tcp-listen or tcp form), spoken through proto. */
int sock_open_proto(struct backend *b, const struct sock_proto *proto, void *p);
/* The protocol's p of a backend opened by sock_open_proto(). */
void *sock_proto_priv(struct backend *b);
/* Asks for a write attempt soon (the protocol queued output). */
void sock_proto_kick(struct backend *b);

void sock_close(struct backend *b);
void sock_update(struct backend *b);
bool sock_drain(struct backend *b);
size_t sock_queued(const struct backend *b);

#endif
