/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tty's speed as a number of bits per second, any rate the driver
 * accepts (250000 for a 3D printer, 74880 for an ESP8266 boot ROM), not
 * only the Bxxx codes of <termios.h>: termios2 (TCGETS2/TCSETS2) with
 * BOTHER for a rate that has no code. Kept in its own file because
 * <asm/termbits.h> and <termios.h> cannot be included together.
 */
#ifndef TTYVSCTL_TTY_SPEED_H
#define TTYVSCTL_TTY_SPEED_H

#include <stdint.h>

/* The output speed in bit/s (0 for B0); -errno if fd is not a tty. */
int64_t tty_speed_get(int fd);
/* Sets both speeds to baud (> 0); 0 or -errno (-EINVAL: the driver refused it). */
int tty_speed_set(int fd, uint32_t baud);

#endif
