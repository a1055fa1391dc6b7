/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small raw generic netlink client for the ttyvs selftests: resolve the
 * family, build requests attribute by attribute (also malformed ones),
 * run a request and collect its replies, the error and the extack, parse
 * pair and port attributes, and follow the "events" group.
 *
 * Functions returning int give 0 or a negative errno.
 */
#ifndef TTYVS_NL_H
#define TTYVS_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#include "../uapi/linux/ttyvs.h"

#define TNL_BUF_SIZE	(64 * 1024)

struct tnl {
	int fd;
	uint16_t family;	/* 0: family not found */
	uint32_t events_grp;	/* multicast group id of "events" */
	uint32_t seq;
	uint32_t portid;
	int recv_timeout_ms;	/* for replies, default 5000; x tvs_slow() */
};

/* A request under construction. */
struct tnl_msg {
	union {
		struct nlmsghdr hdr;
		char buf[8192];
	};
	int nest[8];		/* offsets of open nests */
	int depth;
};

/* What the kernel answered besides replies. */
struct tnl_err {
	int err;		/* 0 or -errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_msg;
	bool has_offs;
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS: offset in the request */
	bool has_miss;
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
	int replies;		/* reply messages seen */
};

struct tnl_port {
	bool has[TTYVS_A_MAX + 1];
	uint32_t pair_id;
	char pair_name[TTYVS_NAME_MAX + 8];
	uint32_t index;
	char name[40];
	uint8_t end;
	uint32_t open_count;
	bool has_wire[TTYVS_A_WIRE_MAX + 1];
	uint8_t wire[TTYVS_A_WIRE_MAX + 1];
	bool has_termios[TTYVS_A_TERMIOS_MAX + 1];
	uint32_t termios[TTYVS_A_TERMIOS_MAX + 1];
	uint32_t lines_out;
	uint32_t lines_in;
	bool has_icount[TTYVS_A_ICOUNT_MAX + 1];
	uint64_t icount[TTYVS_A_ICOUNT_MAX + 1];
	uint32_t tx_queued;
};

struct tnl_pair {
	bool has[TTYVS_A_MAX + 1];
	uint32_t id;
	char name[TTYVS_NAME_MAX + 8];
	bool loopback;
	uint8_t baud_emulation;
	uint32_t buf_size;
	int nports;
	struct tnl_port port[3];
};

/* Called for every reply (or event) message; return nonzero to stop. */
typedef int (*tnl_cb)(const struct nlmsghdr *nlh, void *arg);

/*
 * Open a generic netlink socket with extended acks and resolve "ttyvs".
 * Returns -ENOENT when the family is not registered (module not loaded or
 * too old); the socket is then still open (close it with tnl_close()).
 */
int tnl_open(struct tnl *n);
void tnl_close(struct tnl *n);

/* Start a request: genl header with cmd, version 1, flags |= NLM_F_REQUEST. */
void tnl_msg_init(struct tnl_msg *m, const struct tnl *n, uint8_t cmd,
		  uint16_t flags);
/* Append an attribute; returns its offset in the message. */
int tnl_put(struct tnl_msg *m, uint16_t type, const void *data, size_t len);
int tnl_put_u8(struct tnl_msg *m, uint16_t type, uint8_t v);
int tnl_put_u32(struct tnl_msg *m, uint16_t type, uint32_t v);
int tnl_put_u64(struct tnl_msg *m, uint16_t type, uint64_t v);
int tnl_put_str(struct tnl_msg *m, uint16_t type, const char *s);
int tnl_put_flag(struct tnl_msg *m, uint16_t type);
int tnl_nest_start(struct tnl_msg *m, uint16_t type);
void tnl_nest_end(struct tnl_msg *m);

/*
 * Send m and read until its ack, error or dump end. Every reply goes to
 * cb (may be NULL). e (may be NULL) gets the details. Returns e->err, or
 * -ETIMEDOUT when nothing ends the request within recv_timeout_ms.
 */
int tnl_do(struct tnl *n, struct tnl_msg *m, tnl_cb cb, void *arg,
	   struct tnl_err *e);
/* Send raw bytes as one request (its nlmsg_seq is used to match). */
int tnl_do_raw(struct tnl *n, void *buf, size_t len, tnl_cb cb, void *arg,
	       struct tnl_err *e);

/* Attribute parsing of a ttyvs message (genl header skipped). */
int tnl_parse_pair(const struct nlmsghdr *nlh, struct tnl_pair *p);
int tnl_parse_port(const struct nlmsghdr *nlh, struct tnl_port *p);
uint8_t tnl_cmd(const struct nlmsghdr *nlh);

/* Convenience requests. */
struct tnl_pair_cfg {
	int64_t id;		/* < 0: none */
	const char *name;	/* NULL: none */
	bool loopback;
	int baud_emulation;	/* < 0: none */
	int64_t buf_size;	/* < 0: none */
	int wiring_a[TTYVS_A_WIRE_MAX + 1];	/* < 0: line not given */
	int wiring_b[TTYVS_A_WIRE_MAX + 1];
};
void tnl_cfg_init(struct tnl_pair_cfg *c);
int tnl_pair_new(struct tnl *n, const struct tnl_pair_cfg *c,
		 struct tnl_pair *out, struct tnl_err *e);
/* id < 0: by name. */
int tnl_pair_del(struct tnl *n, int64_t id, const char *name, bool force,
		 struct tnl_err *e);
int tnl_pair_get(struct tnl *n, int64_t id, const char *name,
		 struct tnl_pair *out, struct tnl_err *e);
int tnl_pair_set(struct tnl *n, const struct tnl_pair_cfg *c,
		 struct tnl_err *e);
int tnl_port_get(struct tnl *n, int64_t index, const char *name,
		 struct tnl_port *out, struct tnl_err *e);
/* Dump all pairs into out (up to max); returns the count or -errno. */
int tnl_pair_dump(struct tnl *n, struct tnl_pair *out, int max);
int tnl_port_dump(struct tnl *n, struct tnl_port *out, int max);

/* Join the "events" group. */
int tnl_subscribe(struct tnl *n);
/*
 * Wait up to timeout_ms (not scaled) for a message on the socket (events);
 * copies it to buf (TNL_BUF_SIZE). Returns its length, 0 on timeout, or -errno.
 */
int tnl_recv_event(struct tnl *n, void *buf, int timeout_ms);

const char *tnl_cmd_name(uint8_t cmd);

#endif /* TTYVS_NL_H */
