/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink context for the ttyvs generic netlink family. All libnl use of
 * ttyvsctl lives behind this interface: requests take and return the
 * plain structs of ttyvsctl.h, errors are negative errnos.
 *
 * Error reporting: a failed request prints one line to stderr, made of a
 * plain description of the errno (with the operation and object set by
 * nlc_describe()) followed by the kernel's extack message as it came.
 * A missing family prints "ttyvs module not loaded (modprobe ttyvs)" and
 * returns -EPROTONOSUPPORT.
 */
#ifndef TTYVSCTL_NL_H
#define TTYVSCTL_NL_H

#include <stddef.h>
#include "ttyvsctl.h"

struct nlc;

/* Request socket (blocking, CLOEXEC) with NETLINK_EXT_ACK, family resolved. */
int nlc_open(struct nlc **out);
/*
 * Event socket: nonblocking and CLOEXEC, subscribed to the "events"
 * group, sequence checks off. Poll nlc_fd() and call nlc_events_read().
 */
int nlc_events_open(struct nlc **out);
void nlc_close(struct nlc *c);
int nlc_fd(const struct nlc *c);

/* Names the operation ("pair add") and its object ("pair foo") for messages. */
void nlc_describe(struct nlc *c, const char *op, const char *obj_fmt, ...)
	__attribute__((format(printf, 3, 4)));

int nlc_pair_new(struct nlc *c, const struct pair_req *req, struct pair_info *out);
int nlc_pair_del(struct nlc *c, const struct pair_req *req);
int nlc_pair_set(struct nlc *c, const struct pair_req *req);
int nlc_pair_get(struct nlc *c, const struct pair_req *req, struct pair_info *out);
/* Dumps: *out is a malloc()ed array of *n entries (restarted if interrupted). */
int nlc_pair_dump(struct nlc *c, struct pair_info **out, size_t *n);
/* name: "ttyVS3" (or NULL to use index) */
int nlc_port_get(struct nlc *c, const char *name, uint32_t index, struct port_info *out);
int nlc_port_dump(struct nlc *c, struct port_info **out, size_t *n);

/*
 * Reads what is queued on an event socket, calling fn for each event,
 * until the socket would block. Returns 0, or a negative errno; -ENOBUFS
 * means events were lost (the socket overran), returned once the events
 * still queued have been passed to fn, so that the state read after it is
 * newer than any of them; the socket stays usable;
 * -EPROTONOSUPPORT that the family was unregistered (module unloaded).
 */
int nlc_events_read(struct nlc *c, void (*fn)(const struct event *ev, void *arg), void *arg);

#endif
