/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ttyvs raw data channel: an ioctl on an open ttyVS port.
 *
 *	int raw = ioctl(tty_fd, TTYVS_IOC_RAW_OPEN, O_CLOEXEC | O_NONBLOCK);
 *
 * returns a new file descriptor that carries the port's data without the
 * line discipline: what the other end sends is read from it (and no longer
 * reaches the tty's own read()), and what is written to it goes to the
 * other end as a write on the tty would, with the same backpressure and
 * flow control. The tty fd stays the control channel (termios, modem
 * lines, break, flush, TIOCMIWAIT). Input is read as n_tty in raw mode
 * would give it: a break as a NUL byte (nothing with IGNBRK; PARMRK,
 * BRKINT and the other input processing flags are not applied); with
 * IXON, STOP and START act and are not read; with CRTSCTS or IXOFF the
 * port throttles when its buffer is nearly full.
 *
 * The channel holds at most the pair's buffer size; a size raised while
 * it is open applies up to the opening size rounded up to a power of two.
 *
 * The argument takes O_CLOEXEC and O_NONBLOCK, nothing else (EINVAL).
 * Errors: EBUSY if the port already has one, EIO if the port is not open
 * or its pair is being deleted. A port that goes down (last close, hangup,
 * pair deleted) ends its raw channel: read() returns 0, write() EIO, poll()
 * reports POLLHUP. Close the raw fd and the tty gets its input back.
 */
#ifndef _UAPI_LINUX_TTYVS_RAW_H
#define _UAPI_LINUX_TTYVS_RAW_H

#include <linux/ioctl.h>

#define TTYVS_IOC_MAGIC		0xB2
#define TTYVS_IOC_RAW_OPEN	_IO(TTYVS_IOC_MAGIC, 0x01)

#endif /* _UAPI_LINUX_TTYVS_RAW_H */
