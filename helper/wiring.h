/* SPDX-License-Identifier: GPL-2.0 */
/* Wiring specs ("cts=rts,dsr=dtr,dcd=!open,ri=off"), line and source names. */
#ifndef TTYVSCTL_WIRING_H
#define TTYVSCTL_WIRING_H

#include <stddef.h>
#include "ttyvsctl.h"

/* Parse SPEC into w (lines not named stay WIRE_UNSET). 0 or -EINVAL, with a message. */
int wiring_parse(const char *spec, struct wiring *w);
/* The same, the message (no prefix, no newline) in err instead of on stderr. */
int wiring_parse_msg(const char *spec, struct wiring *w, char *err, size_t errlen);
/* "rts", "!dtr", "off", or "?" for an unknown value. buf >= 16 bytes. */
const char *wire_src_str(uint8_t v, char *buf, size_t len);
/* "cts", "dsr", "dcd", "ri" */
const char *wire_line_name(int line);
/* The whole wiring as a spec; unset lines are left out. */
void wiring_format(const struct wiring *w, char *buf, size_t len);
/* Modem line bits as "DTR RTS", "-" if none. */
void lines_format(uint32_t bits, uint32_t mask, char *buf, size_t len);
/* Name of one TTYVS_LINE_* bit. */
const char *line_bit_name(uint32_t bit);

#endif
