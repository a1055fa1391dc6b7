// SPDX-License-Identifier: GPL-2.0
/*
 * termios2 helpers (arbitrary baud rates via BOTHER).  Kept apart from
 * ttyvs_lib.c because <asm/termbits.h> and glibc's <termios.h> clash.
 */
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <sys/ioctl.h>

#include "ttyvs_termios2.h"

int tvs_set_custom_baud(int fd, unsigned int rate)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t))
		return -1;
	t.c_cflag &= ~(CBAUD | (CBAUD << IBSHIFT));
	t.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
	t.c_ispeed = rate;
	t.c_ospeed = rate;
	return ioctl(fd, TCSETS2, &t);
}

int tvs_get_speeds2(int fd, unsigned int *ispeed, unsigned int *ospeed,
		    unsigned int *cbaud)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t))
		return -1;
	*ispeed = t.c_ispeed;
	*ospeed = t.c_ospeed;
	*cbaud = t.c_cflag & CBAUD;
	return 0;
}
