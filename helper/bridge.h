/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One bridge: a pair end (tty) <-> one backend, with a bounded ring each
 * way. The bridge owns the tty and the rings; the backend owns its fds
 * and moves bytes between them and the rings. Interest masks are
 * recomputed from ring state after every change (bridge_kick), so
 * backpressure runs end to end: a full ring stops reading its source.
 *
 * Backends are a vtable so that telnet and RFC 2217 (which also carry
 * modem lines and breaks) can be added without touching the bridge.
 */
#ifndef TTYVSCTL_BRIDGE_H
#define TTYVSCTL_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>
#include <sys/ioctl.h>

/* Not in glibc's headers; the kernel's asm-generic values (x86, arm...). */
#ifndef TIOCM_OUT1
#define TIOCM_OUT1 0x2000
#define TIOCM_OUT2 0x4000
#endif

#include "addr.h"
#include "loop.h"
#include "ring.h"
#include "ttyvsctl.h"

#define BRIDGE_RING_SIZE (64 * 1024)

struct backend;
struct bridge;

struct backend_ops {
	/* Starts listening / connecting / opening. -errno, message logged. */
	int (*open)(struct backend *b);
	/* Releases every fd and timer; the bridge then frees priv. */
	void (*close)(struct backend *b);
	/* Recomputes the backend's interest from the rings (may write). */
	void (*update)(struct backend *b);
	/* Optional seams for line-carrying protocols (telnet, RFC 2217), fed
	 * from the kernel's netlink events by bridge_port_event(): modem
	 * lines changed (lines: TIOCM_DTR/RTS/OUT1/OUT2 the application end
	 * drives; also called when the bridge end's own inputs may have
	 * changed), a break the application sent, and the application end's
	 * new termios. */
	int (*set_lines)(struct backend *b, unsigned int lines);
	int (*send_break)(struct backend *b);
	int (*set_termios)(struct backend *b, const struct termios_info *ti);
	/* Optional, for bridge_stop(): called on each update while stopping;
	 * sends what is queued, ends the connection in order and reads what
	 * the peer still sends. True once no peer is left. */
	bool (*drain)(struct backend *b);
	/* Optional: bytes taken from the tx ring that the peer has not yet
	 * received (the backend's own buffers, the kernel's send queue), so
	 * that a stop sees a slow peer's progress (bridge_pending()). */
	size_t (*queued)(const struct backend *b);
};

struct backend {
	const struct backend_ops *ops;
	struct bridge *br;
	struct loop *loop;
	const struct addr *addr;
	struct ring *rx;		/* backend -> tty */
	struct ring *tx;		/* tty -> backend */
	bool connected;			/* a peer is there (DTR/RTS raised) */
	bool sink;			/* takes tty data with no peer (file) */
	void *priv;
};

struct bridge {
	char port[32];			/* "ttyVS1" */
	char dev[64];			/* "/dev/ttyVS1" */
	char peer[32];			/* the application's end, "" if unknown */
	uint32_t baud;			/* speed set to follow the peer, 0 if none */
	bool follow_speed;		/* follow the peer's speed (not under rfc2217-listen) */
	bool has_peer_termios;		/* the application end's termios, lines (netlink) */
	struct termios_info peer_termios;
	unsigned int peer_lines;	/* TIOCM_* the application end drives */
	struct addr addr;
	struct loop *loop;
	struct loop_fd tty;		/* the pair end: control, and data without raw */
	struct loop_fd raw;		/* its raw data channel (fd -1 if none) */
	struct loop_fd *io;		/* where data goes: &raw or &tty */
	struct ring rx, tx;
	struct backend be;
	struct loop_defer upd;
	bool failed;
	void (*stopped)(struct bridge *br);	/* bridge_stop() in progress */
	uint64_t tty_bytes;		/* read from and written to the tty */
	/* Called (once) when the bridge cannot go on: tty hung up, fatal backend error. */
	void (*on_fail)(struct bridge *br, int err);
	void *owner;
};

/* Prefix of every log line ("ttyvsctl bridge"). */
extern const char *bridge_log_prefix;

/* Opens dev (raw mode, lines down) and starts the backend for a. */
int bridge_new(struct loop *l, const char *dev, const char *port, const struct addr *a,
	       void (*on_fail)(struct bridge *, int), void *owner, struct bridge **out);
/*
 * Stops in order: no more reads from the tty; what was read goes out, the
 * connection is shut down and what the peer still sends goes to the tty;
 * then done(br) (at once for backends without a drain). The caller bounds
 * the time and calls bridge_free().
 */
void bridge_stop(struct bridge *br, void (*done)(struct bridge *br));
/* Bytes the bridge holds for the tty and for the peer (its backend's queue too). */
size_t bridge_pending(const struct bridge *br);
/* Stops the backend, drops DTR/RTS, closes the tty. */
void bridge_free(struct bridge *br);

/* One line on stderr: "PREFIX: ttyVS1: tcp-listen:4000: MESSAGE". */
void bridge_log(const struct bridge *br, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the bridge's end to the application end's speed (standard rates). */
void bridge_set_baud(struct bridge *br, uint32_t baud);

/*
 * A port event from the netlink event group (TERMIOS, LINES, BREAK of the
 * application end or of the bridge's own end): follows the speed and
 * passes lines, breaks and termios to the backend's seams. Both
 * "ttyvsctl bridge" and the daemon call it for every port event.
 */
void bridge_port_event(struct bridge *br, const struct event *ev);
/*
 * Reads the application end's termios and lines from the kernel and passes
 * them on as their events would: after events were lost (ENOBUFS).
 */
void bridge_resync(struct bridge *br);

/* On the bridge's tty: a break on or off; modem output lines (TIOCM_*). */
void bridge_tty_break(struct bridge *br, bool on);
void bridge_tty_lines(struct bridge *br, unsigned int set, unsigned int clear);

/* For backends. */
void bridge_kick(struct bridge *br);
void bridge_peer_up(struct backend *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bridge_peer_down(struct backend *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bridge_fail(struct bridge *br, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Backend families (backend_*.c). */
extern const struct backend_ops backend_sock_ops;	/* tcp, tcp-listen, unix, unix-listen */
extern const struct backend_ops backend_udp_ops;	/* udp, udp-listen */
extern const struct backend_ops backend_fifo_ops;
extern const struct backend_ops backend_file_ops;
extern const struct backend_ops backend_telnet_ops;	/* telnet*, rfc2217* */

/* The "PORT" argument: /dev/..., ttyVSn or NAME-a / NAME-b (netlink). */
int bridge_resolve_port(const char *arg, char *dev, size_t devlen, char *port, size_t portlen);

#endif
