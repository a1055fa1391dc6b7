/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ttyvs generic netlink interface: create, destroy, list and configure
 * virtual serial port pairs, read port state, and follow port events.
 *
 * The contract is also described, attribute by attribute, in
 * uapi/ttyvs.yaml; the two must agree (selftests/uapi_check.py checks).
 */
#ifndef _UAPI_LINUX_TTYVS_H
#define _UAPI_LINUX_TTYVS_H

#define TTYVS_FAMILY_NAME	"ttyvs"
#define TTYVS_FAMILY_VERSION	1
#define TTYVS_MCGRP_EVENTS	"events"

/* Longest pair name, without the terminating NUL: [A-Za-z0-9_.-]{1,32} */
#define TTYVS_NAME_MAX		32

/* Receive buffer of each end, bytes (TTYVS_A_PAIR_BUF_SIZE) */
#define TTYVS_BUF_SIZE_MIN	1024
#define TTYVS_BUF_SIZE_MAX	1048576
#define TTYVS_BUF_SIZE_DEFAULT	8192

/**
 * enum ttyvs_wire_src - what drives a modem input of a port
 * @TTYVS_WIRE_OFF: always low
 * @TTYVS_WIRE_ON: always high
 * @TTYVS_WIRE_PEER_RTS: the other end's RTS
 * @TTYVS_WIRE_PEER_DTR: the other end's DTR
 * @TTYVS_WIRE_PEER_OUT1: the other end's OUT1
 * @TTYVS_WIRE_PEER_OUT2: the other end's OUT2
 * @TTYVS_WIRE_PEER_OPEN: high while the other end is open
 *
 * A wiring value is one source, optionally ORed with TTYVS_WIRE_INVERT.
 * In loopback mode "the other end" is the port itself.
 */
enum ttyvs_wire_src {
	TTYVS_WIRE_OFF,
	TTYVS_WIRE_ON,
	TTYVS_WIRE_PEER_RTS,
	TTYVS_WIRE_PEER_DTR,
	TTYVS_WIRE_PEER_OUT1,
	TTYVS_WIRE_PEER_OUT2,
	TTYVS_WIRE_PEER_OPEN,

	/* private: */
	__TTYVS_WIRE_SRC_MAX,
	TTYVS_WIRE_SRC_MAX = __TTYVS_WIRE_SRC_MAX - 1
};

#define TTYVS_WIRE_INVERT	0x80

/* Modem line bits (TTYVS_A_PORT_LINES_OUT / _IN), arch independent. */
enum ttyvs_line {
	TTYVS_LINE_DTR	= 1 << 0,
	TTYVS_LINE_RTS	= 1 << 1,
	TTYVS_LINE_OUT1	= 1 << 2,
	TTYVS_LINE_OUT2	= 1 << 3,
	TTYVS_LINE_CTS	= 1 << 4,
	TTYVS_LINE_DSR	= 1 << 5,
	TTYVS_LINE_DCD	= 1 << 6,
	TTYVS_LINE_RI	= 1 << 7,
};

enum ttyvs_parity {
	TTYVS_PARITY_NONE,
	TTYVS_PARITY_ODD,
	TTYVS_PARITY_EVEN,
	TTYVS_PARITY_MARK,
	TTYVS_PARITY_SPACE,
};

/* Top-level attributes. */
enum {
	TTYVS_A_UNSPEC,
	TTYVS_A_PAIR_ID,		/* u32 */
	TTYVS_A_PAIR_NAME,		/* string */
	TTYVS_A_PAIR_FORCE,		/* flag: pair-del hangs up open ports */
	TTYVS_A_PAIR_LOOPBACK,		/* flag: one port wired to itself */
	TTYVS_A_PAIR_BAUD_EMULATION,	/* u8: 0 off, 1 on */
	TTYVS_A_PAIR_BUF_SIZE,		/* u32: receive buffer of each end */
	TTYVS_A_PAIR_WIRING_A,		/* nest: TTYVS_A_WIRE_*, first end */
	TTYVS_A_PAIR_WIRING_B,		/* nest: TTYVS_A_WIRE_*, second end */
	TTYVS_A_PAIR_PORT,		/* nest: TTYVS_A_PORT_*, one per end */
	TTYVS_A_PORT_INDEX,		/* u32: tty index, /dev/ttyVS<index> */
	TTYVS_A_PORT_NAME,		/* string: "ttyVS<index>" */
	TTYVS_A_PORT_END,		/* u8: 0 first end (a), 1 second (b) */
	TTYVS_A_PORT_OPEN_COUNT,	/* u32: open file descriptions */
	TTYVS_A_PORT_WIRING,		/* nest: TTYVS_A_WIRE_* */
	TTYVS_A_PORT_TERMIOS,		/* nest: TTYVS_A_TERMIOS_* */
	TTYVS_A_PORT_LINES_OUT,		/* u32: enum ttyvs_line bits */
	TTYVS_A_PORT_LINES_IN,		/* u32: enum ttyvs_line bits */
	TTYVS_A_PORT_ICOUNT,		/* nest: TTYVS_A_ICOUNT_* */
	TTYVS_A_PORT_TX_QUEUED,		/* u32: bytes in the transmit queue */
	TTYVS_A_PAD,

	/* private: */
	__TTYVS_A_MAX,
	TTYVS_A_MAX = __TTYVS_A_MAX - 1
};

/* Wiring: what drives each input (u8: enum ttyvs_wire_src [| INVERT]). */
enum {
	TTYVS_A_WIRE_UNSPEC,
	TTYVS_A_WIRE_CTS,		/* u8 */
	TTYVS_A_WIRE_DSR,		/* u8 */
	TTYVS_A_WIRE_DCD,		/* u8 */
	TTYVS_A_WIRE_RI,		/* u8 */

	/* private: */
	__TTYVS_A_WIRE_MAX,
	TTYVS_A_WIRE_MAX = __TTYVS_A_WIRE_MAX - 1
};

/* Termios summary of a port (what the application set). */
enum {
	TTYVS_A_TERMIOS_UNSPEC,
	TTYVS_A_TERMIOS_BAUD,		/* u32: output rate, bit/s (0 = B0) */
	TTYVS_A_TERMIOS_DATA_BITS,	/* u8: 5..8 */
	TTYVS_A_TERMIOS_PARITY,		/* u8: enum ttyvs_parity */
	TTYVS_A_TERMIOS_STOP_BITS,	/* u8: 1 or 2 */
	TTYVS_A_TERMIOS_CRTSCTS,	/* u8: 0/1 */
	TTYVS_A_TERMIOS_IXON,		/* u8: 0/1 */
	TTYVS_A_TERMIOS_IXOFF,		/* u8: 0/1 */
	TTYVS_A_TERMIOS_CLOCAL,		/* u8: 0/1 */
	TTYVS_A_TERMIOS_IFLAG,		/* u32: c_iflag as is */
	TTYVS_A_TERMIOS_OFLAG,		/* u32: c_oflag as is */
	TTYVS_A_TERMIOS_CFLAG,		/* u32: c_cflag as is */
	TTYVS_A_TERMIOS_LFLAG,		/* u32: c_lflag as is */

	/* private: */
	__TTYVS_A_TERMIOS_MAX,
	TTYVS_A_TERMIOS_MAX = __TTYVS_A_TERMIOS_MAX - 1
};

/* Serial counters of a port (as TIOCGICOUNT, plus discarded bytes). */
enum {
	TTYVS_A_ICOUNT_UNSPEC,
	TTYVS_A_ICOUNT_CTS,		/* u32 */
	TTYVS_A_ICOUNT_DSR,		/* u32 */
	TTYVS_A_ICOUNT_RNG,		/* u32 */
	TTYVS_A_ICOUNT_DCD,		/* u32 */
	TTYVS_A_ICOUNT_RX,		/* u32 */
	TTYVS_A_ICOUNT_TX,		/* u32 */
	TTYVS_A_ICOUNT_FRAME,		/* u32 */
	TTYVS_A_ICOUNT_PARITY,		/* u32 */
	TTYVS_A_ICOUNT_OVERRUN,		/* u32 */
	TTYVS_A_ICOUNT_BRK,		/* u32 */
	TTYVS_A_ICOUNT_BUF_OVERRUN,	/* u32 */
	TTYVS_A_ICOUNT_TX_DISCARDED,	/* u64: written while the peer was closed */
	TTYVS_A_ICOUNT_PAD,

	/* private: */
	__TTYVS_A_ICOUNT_MAX,
	TTYVS_A_ICOUNT_MAX = __TTYVS_A_ICOUNT_MAX - 1
};

/*
 * Commands. Requests: PAIR_NEW, PAIR_DEL, PAIR_SET need CAP_NET_ADMIN;
 * PAIR_GET and PORT_GET (do and dump) are open to all. The *_NTF commands
 * are only sent, on the "events" multicast group: pair notifications carry
 * the pair attributes (as PAIR_GET), port notifications the port
 * attributes (as PORT_GET). Port events are coalesced per port (at most
 * one of each kind per 10 ms) and always carry the state at send time, so
 * the last state is always delivered.
 */
enum {
	TTYVS_CMD_UNSPEC,
	TTYVS_CMD_PAIR_NEW,
	TTYVS_CMD_PAIR_DEL,
	TTYVS_CMD_PAIR_GET,
	TTYVS_CMD_PAIR_SET,
	TTYVS_CMD_PORT_GET,
	TTYVS_CMD_PAIR_NEW_NTF,		/* a pair was created */
	TTYVS_CMD_PAIR_DEL_NTF,		/* a pair was destroyed */
	TTYVS_CMD_PAIR_CHANGE_NTF,	/* a pair's configuration changed */
	TTYVS_CMD_PORT_OPEN_NTF,	/* a port was opened (first open) */
	TTYVS_CMD_PORT_CLOSE_NTF,	/* a port was closed (last close) */
	TTYVS_CMD_PORT_TERMIOS_NTF,	/* a port's termios changed */
	TTYVS_CMD_PORT_LINES_NTF,	/* a port's modem lines changed */
	TTYVS_CMD_PORT_BREAK_NTF,	/* a port sent a break */

	/* private: */
	__TTYVS_CMD_MAX,
	TTYVS_CMD_MAX = __TTYVS_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_TTYVS_H */
