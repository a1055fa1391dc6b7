/* SPDX-License-Identifier: GPL-2.0 */
/* Human and JSON output of pairs, ports and events. */
#ifndef TTYVSCTL_PRINT_H
#define TTYVSCTL_PRINT_H

#include <stddef.h>
#include <time.h>
#include "ttyvsctl.h"
#include "json.h"

const char *end_name(uint8_t end);
/* "115200 8N1 crtscts" */
void termios_format(const struct termios_info *t, char *buf, size_t len);
const char *event_name(uint8_t cmd);

/* Human output. */
void print_pair(FILE *f, const struct pair_info *pi);
void print_pair_table(FILE *f, const struct pair_info *pairs, size_t n);
void print_port(FILE *f, const struct port_info *p);
void print_port_table(FILE *f, const struct port_info *ports, size_t n);
void print_event(FILE *f, const struct event *ev);

/* JSON values (key NULL inside arrays). */
void json_pair(struct json *j, const char *key, const struct pair_info *pi);
void json_port(struct json *j, const char *key, const struct port_info *p);
void json_event(struct json *j, const struct event *ev, const struct timespec *ts);

#endif
