// SPDX-License-Identifier: GPL-2.0
/* A tty's speed in bit/s through termios2 (see tty_speed.h). */
#include <errno.h>
#include <sys/ioctl.h>
#include <asm/termbits.h>

#include "tty_speed.h"

/* The rates with their own code: set that way, programs see a Bxxx speed. */
static const struct {
	uint32_t baud;
	unsigned int code;
} codes[] = {
	{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 }, { 150, B150 }, { 200, B200 },
	{ 300, B300 }, { 600, B600 }, { 1200, B1200 }, { 1800, B1800 }, { 2400, B2400 },
	{ 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
	{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
	{ 500000, B500000 }, { 576000, B576000 }, { 921600, B921600 }, { 1000000, B1000000 },
	{ 1152000, B1152000 }, { 1500000, B1500000 }, { 2000000, B2000000 },
	{ 2500000, B2500000 }, { 3000000, B3000000 }, { 3500000, B3500000 },
	{ 4000000, B4000000 },
};

int64_t tty_speed_get(int fd)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t) < 0)
		return -errno;
	return t.c_ospeed;
}

int tty_speed_set(int fd, uint32_t baud)
{
	unsigned int code = BOTHER;
	struct termios2 t;

	if (!baud)
		return -EINVAL;
	for (unsigned int i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].baud == baud)
			code = codes[i].code;
	if (ioctl(fd, TCGETS2, &t) < 0)
		return -errno;
	/* CIBAUD 0: the input speed is the output speed */
	t.c_cflag &= ~(unsigned int)(CBAUD | CIBAUD);
	t.c_cflag |= code;
	t.c_ispeed = baud;
	t.c_ospeed = baud;
	if (ioctl(fd, TCSETS2, &t) < 0)
		return -errno;
	/* a driver may round to what it can do: report a refusal */
	if (ioctl(fd, TCGETS2, &t) < 0)
		return -errno;
	return t.c_ospeed == baud ? 0 : -EINVAL;
}
