/* SPDX-License-Identifier: GPL-2.0 */
/*
 * termios2 helpers (TCGETS2/TCSETS2, BOTHER).  Only prototypes here: the
 * implementation needs <asm/termbits.h>, which clashes with <termios.h>.
 */
#ifndef TTYVS_TERMIOS2_H
#define TTYVS_TERMIOS2_H

/* Set both speeds of fd to an arbitrary rate (BOTHER). */
int tvs_set_custom_baud(int fd, unsigned int rate);

/* Read back both speeds and the CBAUD bits through TCGETS2. */
int tvs_get_speeds2(int fd, unsigned int *ispeed, unsigned int *ospeed,
		    unsigned int *cbaud);

#endif /* TTYVS_TERMIOS2_H */
