/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backend addresses, socat-like: KIND:ARGS[,OPTION[=VALUE]]... e.g.
 * "tcp-listen:4000", "tcp:[::1]:4000,retry=200", "file:/var/log/x,hex".
 * Parsing is pure (no I/O, no name lookups) so that it can be unit
 * tested and fuzzed; names are resolved by addr_resolve().
 */
#ifndef TTYVSCTL_ADDR_H
#define TTYVSCTL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum addr_kind {
	ADDR_TCP_LISTEN,
	ADDR_TCP,
	ADDR_UDP,
	ADDR_UDP_LISTEN,
	ADDR_UNIX_LISTEN,
	ADDR_UNIX,
	ADDR_FIFO,
	ADDR_FILE,
	ADDR_TELNET_LISTEN,
	ADDR_TELNET,
	ADDR_RFC2217_LISTEN,
	ADDR_RFC2217,
	ADDR_NKINDS,
};

enum addr_dir { DIR_BOTH, DIR_IN, DIR_OUT };

#define ADDR_HOST_MAX 256
#define ADDR_PATH_MAX 108	/* sun_path; also enough for our file paths */
#define ADDR_TEXT_MAX 512

#define ADDR_RETRY_DEFAULT_MS 500
#define ADDR_RETRY_MAX_MS 30000

struct addr {
	enum addr_kind kind;
	char text[ADDR_TEXT_MAX];	/* as written, for messages */
	char host[ADDR_HOST_MAX];	/* tcp, udp, telnet, rfc2217, *-listen ("" = default) */
	char port[8];
	char path[ADDR_PATH_MAX];	/* unix, fifo (base name), file */
	bool replace;			/* *-listen: a new client replaces the old */
	bool drop;			/* discard the tty's output while no peer */
	unsigned int retry_ms;		/* tcp, unix, telnet, rfc2217: first reconnect delay */
	bool has_bind;			/* udp */
	char bind_host[ADDR_HOST_MAX];
	char bind_port[8];
	enum addr_dir dir;		/* file */
	bool timestamps, hex;		/* file */
};

/*
 * Parses s into a. On error returns -EINVAL with a one-line reason in
 * err ("unknown option \"foo\" for tcp-listen (allowed: replace)").
 */
int addr_parse(const char *s, struct addr *a, char *err, size_t errlen);

/* "tcp-listen" */
const char *addr_kind_name(enum addr_kind k);

/*
 * Resolves host:port (host "" = 127.0.0.1) for SOCK_STREAM or SOCK_DGRAM.
 * May block on DNS: call it outside the event loop. -errno and err set.
 */
int addr_resolve(const char *host, const char *port, int socktype, struct sockaddr_storage *ss,
		 socklen_t *len, char *err, size_t errlen);

/* "127.0.0.1:4000", "[::1]:4000", "/path" */
void addr_sockname(const struct sockaddr *sa, socklen_t len, char *buf, size_t buflen);

/* Usage text for the address syntax (one line per kind). */
#define ADDR_SYNTAX_HELP \
	"    tcp-listen:[ADDR:]PORT[,replace]  TCP server (ADDR defaults to 127.0.0.1)\n" \
	"    tcp:HOST:PORT[,retry=MS]          TCP client, reconnects with backoff\n" \
	"    udp:HOST:PORT[,bind=ADDR:PORT]    UDP to a fixed remote\n" \
	"    udp-listen:[ADDR:]PORT            UDP, remote learnt from the first datagram\n" \
	"    unix-listen:PATH[,replace]        unix stream socket server\n" \
	"    unix:PATH[,retry=MS]              unix stream socket client\n" \
	"    fifo:PATH                         QEMU pipe FIFOs: tty -> PATH.in, PATH.out -> tty\n" \
	"    file:PATH[,dir=both|in|out][,timestamps][,hex]  append to a log file\n" \
	"    telnet-listen:[ADDR:]PORT[,replace]  telnet server: IAC escaped, IAC BREAK <-> break\n" \
	"    telnet:HOST:PORT[,retry=MS]       telnet client\n" \
	"    rfc2217-listen:[ADDR:]PORT[,replace]  RFC 2217 server: the client sets speed, format,\n" \
	"                                      flow, DTR/RTS, breaks; gets the modem lines\n" \
	"    rfc2217:HOST:PORT[,retry=MS]      RFC 2217 client: the application's termios, DTR/RTS\n" \
	"                                      and breaks go to the server; its lines come back\n" \
	"    ,drop (tcp*, unix*, telnet*, udp-listen): discard the tty's output while no peer\n"
extern const char addr_syntax_help[];

#endif
