// SPDX-License-Identifier: GPL-2.0
/*
 * The netlink context: one libnl socket with the ttyvs family resolved,
 * one send-and-wait function whose callbacks only fill a status struct,
 * and the conversions between ttyvs attributes and the structs of
 * ttyvsctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct nlc {
	struct nl_sock *sk;
	int family;
	const char *op;
	char obj[128];
};

/* Written by the callbacks of one request. */
struct nlc_status {
	bool done;
	int err;			/* 0 or -errno from the kernel */
	int parse_err;			/* 0 or -errno from a reply parser */
	char msg[256];			/* extack message, "" if none */
	int miss_type;			/* missing attribute, -1 if none */
	int offs;			/* offset of the rejected attribute, -1 if none */
	char policy[64];		/* what the policy allows, "" if not said */
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
};

/* libnl error codes to errno, at the boundary. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_SUCCESS:
		return 0;
	case NLE_INTR:
	case NLE_DUMP_INTR:
		return -EINTR;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_PROTO_MISMATCH:
		return -EPROTONOSUPPORT;
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
	case NLE_PARSE_ERR:
		return -EPROTO;
	case NLE_SEQ_MISMATCH:
		return -EILSEQ;
	default:
		return -EIO;
	}
}

static const char *const attr_names[TTYVS_A_MAX + 1] = {
	[TTYVS_A_PAIR_ID] = "pair-id",
	[TTYVS_A_PAIR_NAME] = "pair-name",
	[TTYVS_A_PAIR_FORCE] = "pair-force",
	[TTYVS_A_PAIR_LOOPBACK] = "pair-loopback",
	[TTYVS_A_PAIR_BAUD_EMULATION] = "pair-baud-emulation",
	[TTYVS_A_PAIR_BUF_SIZE] = "pair-buf-size",
	[TTYVS_A_PAIR_WIRING_A] = "pair-wiring-a",
	[TTYVS_A_PAIR_WIRING_B] = "pair-wiring-b",
	[TTYVS_A_PAIR_PORT] = "pair-port",
	[TTYVS_A_PORT_INDEX] = "port-index",
	[TTYVS_A_PORT_NAME] = "port-name",
	[TTYVS_A_PORT_END] = "port-end",
	[TTYVS_A_PORT_OPEN_COUNT] = "port-open-count",
	[TTYVS_A_PORT_WIRING] = "port-wiring",
	[TTYVS_A_PORT_TERMIOS] = "port-termios",
	[TTYVS_A_PORT_LINES_OUT] = "port-lines-out",
	[TTYVS_A_PORT_LINES_IN] = "port-lines-in",
	[TTYVS_A_PORT_ICOUNT] = "port-icount",
	[TTYVS_A_PORT_TX_QUEUED] = "port-tx-queued",
	[TTYVS_A_PAD] = "pad",
};

static const char *const wire_line_names[WIRE_NLINES] = { "cts", "dsr", "dcd", "ri" };

/* ---- socket setup ---------------------------------------------------- */

static int nlc_alloc(struct nlc **out)
{
	struct nlc *c;
	int fd, err, one = 1;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sk = nl_socket_alloc();
	if (!c->sk) {
		free(c);
		return -ENOMEM;
	}
	err = genl_connect(c->sk);
	if (err < 0) {
		fprintf(stderr, PROG ": cannot open a generic netlink socket: %s\n",
			nl_geterror(err));
		nlc_close(c);
		return nle_to_errno(err);
	}
	fd = nl_socket_get_fd(c->sk);
	/* libnl >= 3.2.26 opens it CLOEXEC already; make sure. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		err = -errno;
		nlc_close(c);
		return err;
	}
	/* Kernels before 4.12 have no extended acks: not fatal. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));

	c->family = genl_ctrl_resolve(c->sk, TTYVS_FAMILY_NAME);
	if (c->family < 0) {
		err = c->family;
		if (err == -NLE_OBJ_NOTFOUND) {
			fprintf(stderr, PROG ": ttyvs module not loaded (modprobe ttyvs)\n");
			err = -EPROTONOSUPPORT;
		} else {
			fprintf(stderr, PROG ": cannot resolve the ttyvs netlink family: %s\n",
				nl_geterror(err));
			err = nle_to_errno(err);
		}
		nlc_close(c);
		return err;
	}
	*out = c;
	return 0;
}

int nlc_open(struct nlc **out)
{
	return nlc_alloc(out);
}

int nlc_events_open(struct nlc **out)
{
	struct nlc *c;
	int grp, err;

	err = nlc_alloc(&c);
	if (err)
		return err;
	grp = genl_ctrl_resolve_grp(c->sk, TTYVS_FAMILY_NAME, TTYVS_MCGRP_EVENTS);
	if (grp < 0) {
		fprintf(stderr, PROG ": the ttyvs family has no \"%s\" group: %s\n",
			TTYVS_MCGRP_EVENTS, nl_geterror(grp));
		nlc_close(c);
		return grp == -NLE_OBJ_NOTFOUND ? -EPROTONOSUPPORT : nle_to_errno(grp);
	}
	err = nl_socket_add_membership(c->sk, grp);
	if (err < 0)
		goto fail;
	/* nlctrl's notifications tell when the family goes away (rmmod). */
	grp = genl_ctrl_resolve_grp(c->sk, "nlctrl", "notify");
	if (grp >= 0)
		nl_socket_add_membership(c->sk, grp);	/* optional */
	nl_socket_disable_seq_check(c->sk);
	/* A burst of events must not overrun the default receive buffer. */
	nl_socket_set_buffer_size(c->sk, 1 << 20, 0);
	err = nl_socket_set_nonblocking(c->sk);
	if (err < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	fprintf(stderr, PROG ": cannot subscribe to ttyvs events: %s\n", nl_geterror(err));
	nlc_close(c);
	return nle_to_errno(err);
}

void nlc_close(struct nlc *c)
{
	if (!c)
		return;
	nl_socket_free(c->sk);	/* closes the fd */
	free(c);
}

int nlc_fd(const struct nlc *c)
{
	return nl_socket_get_fd(c->sk);
}

void nlc_describe(struct nlc *c, const char *op, const char *obj_fmt, ...)
{
	va_list ap;

	c->op = op;
	c->obj[0] = '\0';
	if (!obj_fmt)
		return;
	va_start(ap, obj_fmt);
	vsnprintf(c->obj, sizeof(c->obj), obj_fmt, ap);
	va_end(ap);
}

/* ---- errors --------------------------------------------------------------- */

/* One line: what failed, in plain words, then the kernel's extack message. */
/* Names the attribute at offset offs of the request m ("pair-wiring-a.dsr"). */
static bool attr_at(struct nl_msg *m, int offs, char *buf, size_t len)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct nlattr *a, *n;
	int rem, nrem;

	if (offs <= 0 || (size_t)offs >= nlh->nlmsg_len)
		return false;
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		int type = nla_type(a);
		const char *name = type <= TTYVS_A_MAX && attr_names[type] ? attr_names[type] : "?";
		int at = (int)((char *)a - (char *)nlh);

		if (at == offs) {
			snprintf(buf, len, "%s", name);
			return true;
		}
		if (offs < at || offs >= at + (int)a->nla_len || !(a->nla_type & NLA_F_NESTED))
			continue;
		nla_for_each_nested(n, a, nrem) {
			if ((char *)n - (char *)nlh == offs) {
				snprintf(buf, len, "%s.%s", name,
					 nla_type(n) >= 1 && nla_type(n) <= WIRE_NLINES ?
					 wire_line_names[nla_type(n) - 1] : "?");
				return true;
			}
		}
	}
	return false;
}

static void nlc_report(const struct nlc *c, const struct nlc_status *st, struct nl_msg *req)
{
	char attr[64];

	const char *op = c->op ? c->op : "request";
	const char *obj = c->obj[0] ? c->obj : "the object";
	int e = -st->err;

	fprintf(stderr, PROG ": ");
	switch (e) {
	case EPERM:
	case EACCES:
		fprintf(stderr, "%s needs CAP_NET_ADMIN (run as root)", op);
		break;
	case ENOENT:
		fprintf(stderr, "%s: %s does not exist", op, obj);
		break;
	case EEXIST:
		fprintf(stderr, "%s: %s already exists", op, obj);
		break;
	case EBUSY:
		fprintf(stderr, "%s: %s is in use (a port is open)%s", op, obj,
			!strcmp(op, "pair del") ? "; add \"force\" to hang it up" : "");
		break;
	case ERANGE:
		fprintf(stderr, "%s: value out of range", op);
		break;
	case ENOSPC:
		fprintf(stderr, "%s: no room for another pair (max_pairs reached)", op);
		break;
	default:
		fprintf(stderr, "%s: %s", op, strerror(e));
		break;
	}
	if (st->msg[0])
		fprintf(stderr, ": kernel says: %s", st->msg);
	if (st->offs >= 0 && attr_at(req, st->offs, attr, sizeof(attr)))
		fprintf(stderr, " (attribute %s%s%s)", attr, st->policy[0] ? ", " : "", st->policy);
	else if (st->policy[0])
		fprintf(stderr, " (%s)", st->policy);
	if (st->miss_type >= 0)
		fprintf(stderr, " (missing attribute %s)",
			st->miss_type <= TTYVS_A_MAX && attr_names[st->miss_type] ?
			attr_names[st->miss_type] : "?");
	fputc('\n', stderr);
}

/* ---- send and wait -------------------------------------------------------- */

static uint64_t get_uint(const struct nlattr *a)
{
	return nla_len(a) >= 8 ? nla_get_u64((struct nlattr *)a) :
	       nla_len(a) >= 4 ? nla_get_u32((struct nlattr *)a) : 0;
}

/* NLMSGERR_ATTR_POLICY: the range or length the attribute must have. */
static void policy_str(struct nlattr *nest, char *buf, size_t len)
{
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];

	buf[0] = '\0';
	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, nest, NULL) < 0)
		return;
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] && tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U])
		snprintf(buf, len, "valid range %llu..%llu",
			 (unsigned long long)get_uint(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]),
			 (unsigned long long)get_uint(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]));
	else if (tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH])
		snprintf(buf, len, "max length %llu",
			 (unsigned long long)get_uint(tb[NL_POLICY_TYPE_ATTR_MAX_LENGTH]));
	else if (tb[NL_POLICY_TYPE_ATTR_MASK])
		snprintf(buf, len, "valid bits 0x%llx",
			 (unsigned long long)get_uint(tb[NL_POLICY_TYPE_ATTR_MASK]));
}

static int cb_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlc_status *st = arg;
	size_t hlen = sizeof(*nlh) + sizeof(*e);

	(void)nla;
	st->err = e->error;
	st->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	hlen = NLMSG_ALIGN(hlen);
	if (nlh->nlmsg_len <= hlen)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + hlen),
		      nlh->nlmsg_len - hlen, NULL) < 0)
		return NL_STOP;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(st->msg, tb[NLMSGERR_ATTR_MSG], sizeof(st->msg));
	if (tb[NLMSGERR_ATTR_MISS_TYPE] && nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		st->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4)
		st->offs = (int)nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_POLICY])
		policy_str(tb[NLMSGERR_ATTR_POLICY], st->policy, sizeof(st->policy));
	return NL_STOP;
}

static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct nlc_status *st = arg;

	(void)msg;
	st->done = true;
	return NL_STOP;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlc_status *st = arg;

	/* A dump that failed half way ends with NLMSG_DONE carrying -errno. */
	if (nlmsg_datalen(nlh) >= (int)sizeof(int)) {
		int e = *(int *)nlmsg_data(nlh);

		if (e < 0)
			st->err = e;
	}
	st->done = true;
	return NL_STOP;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct nlc_status *st = arg;
	int err;

	if (!st->parse || st->parse_err)
		return NL_OK;
	err = st->parse(msg, st->arg);
	if (err)
		st->parse_err = err;
	return NL_OK;
}

static struct nl_msg *nlc_msg(const struct nlc *c, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m)
		return NULL;
	if (!genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags, cmd,
			 TTYVS_FAMILY_VERSION)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/*
 * Sends m (consumed) and processes replies until the ack, the end of the
 * dump or an error. Replies go to parse(). Returns 0 or -errno; kernel
 * errors are reported here, except -EINTR of an interrupted dump, which the
 * caller restarts.
 */
static int nlc_transact(struct nlc *c, struct nl_msg *m,
			int (*parse)(struct nl_msg *msg, void *arg), void *arg)
{
	struct nlc_status st = { .miss_type = -1, .offs = -1, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int err;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, &st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, &st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, &st);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, &st);

	err = nl_send_auto(c->sk, m);
	if (err < 0) {
		nlmsg_free(m);
		nl_cb_put(cb);
		fprintf(stderr, PROG ": %s: cannot send: %s\n", c->op ? c->op : "request",
			nl_geterror(err));
		return nle_to_errno(err);
	}
	while (!st.done) {
		err = nl_recvmsgs(c->sk, cb);
		if (err < 0 && !st.done) {
			nlmsg_free(m);
			nl_cb_put(cb);
			if (err == -NLE_DUMP_INTR)
				return -EINTR;
			fprintf(stderr, PROG ": %s: %s\n", c->op ? c->op : "request",
				nl_geterror(err));
			return nle_to_errno(err);
		}
	}
	nl_cb_put(cb);
	if (st.err)
		nlc_report(c, &st, m);
	nlmsg_free(m);
	if (st.err)
		return st.err;
	if (st.parse_err) {
		fprintf(stderr, PROG ": %s: malformed reply from the kernel\n",
			c->op ? c->op : "request");
		return st.parse_err;
	}
	return 0;
}

/* ---- attributes -> structs ------------------------------------------------ */

static struct nla_policy top_policy[TTYVS_A_MAX + 1] = {
	[TTYVS_A_PAIR_ID] = { .type = NLA_U32 },
	[TTYVS_A_PAIR_NAME] = { .type = NLA_STRING },
	[TTYVS_A_PAIR_LOOPBACK] = { .type = NLA_FLAG },
	[TTYVS_A_PAIR_BAUD_EMULATION] = { .type = NLA_U8 },
	[TTYVS_A_PAIR_BUF_SIZE] = { .type = NLA_U32 },
	[TTYVS_A_PAIR_PORT] = { .type = NLA_NESTED },
	[TTYVS_A_PORT_INDEX] = { .type = NLA_U32 },
	[TTYVS_A_PORT_NAME] = { .type = NLA_STRING },
	[TTYVS_A_PORT_END] = { .type = NLA_U8 },
	[TTYVS_A_PORT_OPEN_COUNT] = { .type = NLA_U32 },
	[TTYVS_A_PORT_WIRING] = { .type = NLA_NESTED },
	[TTYVS_A_PORT_TERMIOS] = { .type = NLA_NESTED },
	[TTYVS_A_PORT_LINES_OUT] = { .type = NLA_U32 },
	[TTYVS_A_PORT_LINES_IN] = { .type = NLA_U32 },
	[TTYVS_A_PORT_ICOUNT] = { .type = NLA_NESTED },
	[TTYVS_A_PORT_TX_QUEUED] = { .type = NLA_U32 },
};

static struct nla_policy wire_policy[TTYVS_A_WIRE_MAX + 1] = {
	[TTYVS_A_WIRE_CTS] = { .type = NLA_U8 },
	[TTYVS_A_WIRE_DSR] = { .type = NLA_U8 },
	[TTYVS_A_WIRE_DCD] = { .type = NLA_U8 },
	[TTYVS_A_WIRE_RI] = { .type = NLA_U8 },
};

static struct nla_policy termios_policy[TTYVS_A_TERMIOS_MAX + 1] = {
	[TTYVS_A_TERMIOS_BAUD] = { .type = NLA_U32 },
	[TTYVS_A_TERMIOS_DATA_BITS] = { .type = NLA_U8 },
	[TTYVS_A_TERMIOS_PARITY] = { .type = NLA_U8 },
	[TTYVS_A_TERMIOS_STOP_BITS] = { .type = NLA_U8 },
	[TTYVS_A_TERMIOS_CRTSCTS] = { .type = NLA_U8 },
	[TTYVS_A_TERMIOS_IXON] = { .type = NLA_U8 },
	[TTYVS_A_TERMIOS_IXOFF] = { .type = NLA_U8 },
	[TTYVS_A_TERMIOS_CLOCAL] = { .type = NLA_U8 },
	[TTYVS_A_TERMIOS_IFLAG] = { .type = NLA_U32 },
	[TTYVS_A_TERMIOS_OFLAG] = { .type = NLA_U32 },
	[TTYVS_A_TERMIOS_CFLAG] = { .type = NLA_U32 },
	[TTYVS_A_TERMIOS_LFLAG] = { .type = NLA_U32 },
};

static struct nla_policy icount_policy[TTYVS_A_ICOUNT_MAX + 1] = {
	[TTYVS_A_ICOUNT_CTS] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_DSR] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_RNG] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_DCD] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_RX] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_TX] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_FRAME] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_PARITY] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_OVERRUN] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_BRK] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_BUF_OVERRUN] = { .type = NLA_U32 },
	[TTYVS_A_ICOUNT_TX_DISCARDED] = { .type = NLA_U64 },
};

static uint32_t get_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static uint8_t get_u8(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u8(tb[type]) : 0;
}

static int parse_wiring(struct nlattr *nest, struct wiring *w)
{
	struct nlattr *tb[TTYVS_A_WIRE_MAX + 1];
	static const int types[WIRE_NLINES] = {
		[WIRE_CTS] = TTYVS_A_WIRE_CTS,
		[WIRE_DSR] = TTYVS_A_WIRE_DSR,
		[WIRE_DCD] = TTYVS_A_WIRE_DCD,
		[WIRE_RI] = TTYVS_A_WIRE_RI,
	};

	if (nla_parse_nested(tb, TTYVS_A_WIRE_MAX, nest, wire_policy) < 0)
		return -EPROTO;
	for (int i = 0; i < WIRE_NLINES; i++)
		w->v[i] = tb[types[i]] ? nla_get_u8(tb[types[i]]) : WIRE_UNSET;
	return 0;
}

static int parse_termios(struct nlattr *nest, struct termios_info *t)
{
	struct nlattr *tb[TTYVS_A_TERMIOS_MAX + 1];

	if (nla_parse_nested(tb, TTYVS_A_TERMIOS_MAX, nest, termios_policy) < 0)
		return -EPROTO;
	t->baud = get_u32(tb, TTYVS_A_TERMIOS_BAUD);
	t->data_bits = get_u8(tb, TTYVS_A_TERMIOS_DATA_BITS);
	t->parity = get_u8(tb, TTYVS_A_TERMIOS_PARITY);
	t->stop_bits = get_u8(tb, TTYVS_A_TERMIOS_STOP_BITS);
	t->crtscts = get_u8(tb, TTYVS_A_TERMIOS_CRTSCTS);
	t->ixon = get_u8(tb, TTYVS_A_TERMIOS_IXON);
	t->ixoff = get_u8(tb, TTYVS_A_TERMIOS_IXOFF);
	t->clocal = get_u8(tb, TTYVS_A_TERMIOS_CLOCAL);
	t->iflag = get_u32(tb, TTYVS_A_TERMIOS_IFLAG);
	t->oflag = get_u32(tb, TTYVS_A_TERMIOS_OFLAG);
	t->cflag = get_u32(tb, TTYVS_A_TERMIOS_CFLAG);
	t->lflag = get_u32(tb, TTYVS_A_TERMIOS_LFLAG);
	return 0;
}

static int parse_icount(struct nlattr *nest, struct icount_info *ic)
{
	struct nlattr *tb[TTYVS_A_ICOUNT_MAX + 1];

	if (nla_parse_nested(tb, TTYVS_A_ICOUNT_MAX, nest, icount_policy) < 0)
		return -EPROTO;
	ic->cts = get_u32(tb, TTYVS_A_ICOUNT_CTS);
	ic->dsr = get_u32(tb, TTYVS_A_ICOUNT_DSR);
	ic->rng = get_u32(tb, TTYVS_A_ICOUNT_RNG);
	ic->dcd = get_u32(tb, TTYVS_A_ICOUNT_DCD);
	ic->rx = get_u32(tb, TTYVS_A_ICOUNT_RX);
	ic->tx = get_u32(tb, TTYVS_A_ICOUNT_TX);
	ic->frame = get_u32(tb, TTYVS_A_ICOUNT_FRAME);
	ic->parity = get_u32(tb, TTYVS_A_ICOUNT_PARITY);
	ic->overrun = get_u32(tb, TTYVS_A_ICOUNT_OVERRUN);
	ic->brk = get_u32(tb, TTYVS_A_ICOUNT_BRK);
	ic->buf_overrun = get_u32(tb, TTYVS_A_ICOUNT_BUF_OVERRUN);
	ic->tx_discarded = tb[TTYVS_A_ICOUNT_TX_DISCARDED] ?
		nla_get_u64(tb[TTYVS_A_ICOUNT_TX_DISCARDED]) : 0;
	return 0;
}

/* Port attributes, top level (port-get) or inside a PAIR_PORT nest. */
static int parse_port(struct nlattr **tb, struct port_info *p)
{
	int err = 0;

	memset(p, 0, sizeof(*p));
	if (!tb[TTYVS_A_PORT_INDEX] || !tb[TTYVS_A_PORT_NAME])
		return -EPROTO;
	if (tb[TTYVS_A_PAIR_ID]) {
		p->has_pair = true;
		p->pair_id = nla_get_u32(tb[TTYVS_A_PAIR_ID]);
	}
	if (tb[TTYVS_A_PAIR_NAME])
		nla_strlcpy(p->pair_name, tb[TTYVS_A_PAIR_NAME], sizeof(p->pair_name));
	p->index = nla_get_u32(tb[TTYVS_A_PORT_INDEX]);
	nla_strlcpy(p->name, tb[TTYVS_A_PORT_NAME], sizeof(p->name));
	p->end = get_u8(tb, TTYVS_A_PORT_END);
	p->open_count = get_u32(tb, TTYVS_A_PORT_OPEN_COUNT);
	if (tb[TTYVS_A_PORT_WIRING]) {
		p->has_wiring = true;
		err = err ?: parse_wiring(tb[TTYVS_A_PORT_WIRING], &p->wiring);
	}
	if (tb[TTYVS_A_PORT_TERMIOS]) {
		p->has_termios = true;
		err = err ?: parse_termios(tb[TTYVS_A_PORT_TERMIOS], &p->termios);
	}
	if (tb[TTYVS_A_PORT_LINES_OUT] || tb[TTYVS_A_PORT_LINES_IN]) {
		p->has_lines = true;
		p->lines_out = get_u32(tb, TTYVS_A_PORT_LINES_OUT);
		p->lines_in = get_u32(tb, TTYVS_A_PORT_LINES_IN);
	}
	if (tb[TTYVS_A_PORT_ICOUNT]) {
		p->has_icount = true;
		err = err ?: parse_icount(tb[TTYVS_A_PORT_ICOUNT], &p->icount);
	}
	if (tb[TTYVS_A_PORT_TX_QUEUED]) {
		p->has_tx_queued = true;
		p->tx_queued = nla_get_u32(tb[TTYVS_A_PORT_TX_QUEUED]);
	}
	return err;
}

static int parse_pair_msg(struct nl_msg *msg, struct pair_info *pi)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TTYVS_A_MAX + 1], *a;
	int rem, err;

	memset(pi, 0, sizeof(*pi));
	if (genlmsg_parse(nlh, 0, tb, TTYVS_A_MAX, top_policy) < 0 || !tb[TTYVS_A_PAIR_ID])
		return -EPROTO;
	pi->id = nla_get_u32(tb[TTYVS_A_PAIR_ID]);
	if (tb[TTYVS_A_PAIR_NAME])
		nla_strlcpy(pi->name, tb[TTYVS_A_PAIR_NAME], sizeof(pi->name));
	pi->loopback = !!tb[TTYVS_A_PAIR_LOOPBACK];
	pi->baud_emulation = get_u8(tb, TTYVS_A_PAIR_BAUD_EMULATION);
	pi->buf_size = get_u32(tb, TTYVS_A_PAIR_BUF_SIZE);
	/* PAIR_PORT repeats, once per end, in end order. */
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		struct nlattr *ptb[TTYVS_A_MAX + 1];
		struct port_info *p;

		if (nla_type(a) != TTYVS_A_PAIR_PORT || pi->nports >= 2)
			continue;
		if (nla_parse_nested(ptb, TTYVS_A_MAX, a, top_policy) < 0)
			return -EPROTO;
		p = &pi->port[pi->nports];
		err = parse_port(ptb, p);
		if (err)
			return err;
		p->has_pair = true;
		p->pair_id = pi->id;
		snprintf(p->pair_name, sizeof(p->pair_name), "%s", pi->name);
		pi->nports++;
	}
	return 0;
}

static int parse_port_msg(struct nl_msg *msg, struct port_info *p)
{
	struct nlattr *tb[TTYVS_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, TTYVS_A_MAX, top_policy) < 0)
		return -EPROTO;
	return parse_port(tb, p);
}

/* ---- structs -> attributes ------------------------------------------------ */

static int put_wiring(struct nl_msg *m, int type, const struct wiring *w)
{
	static const int types[WIRE_NLINES] = {
		[WIRE_CTS] = TTYVS_A_WIRE_CTS,
		[WIRE_DSR] = TTYVS_A_WIRE_DSR,
		[WIRE_DCD] = TTYVS_A_WIRE_DCD,
		[WIRE_RI] = TTYVS_A_WIRE_RI,
	};
	/* libnl < 3.5 does not set NLA_F_NESTED; strict kernels want it. */
	struct nlattr *nest = nla_nest_start(m, type | NLA_F_NESTED);

	if (!nest)
		return -EMSGSIZE;
	for (int i = 0; i < WIRE_NLINES; i++)
		if (w->v[i] != WIRE_UNSET && nla_put_u8(m, types[i], w->v[i]) < 0)
			return -EMSGSIZE;
	nla_nest_end(m, nest);
	return 0;
}

static int put_pair_req(struct nl_msg *m, const struct pair_req *r)
{
	if (r->has_id && nla_put_u32(m, TTYVS_A_PAIR_ID, r->id) < 0)
		return -EMSGSIZE;
	if (r->name && nla_put_string(m, TTYVS_A_PAIR_NAME, r->name) < 0)
		return -EMSGSIZE;
	if (r->loopback && nla_put_flag(m, TTYVS_A_PAIR_LOOPBACK) < 0)
		return -EMSGSIZE;
	if (r->force && nla_put_flag(m, TTYVS_A_PAIR_FORCE) < 0)
		return -EMSGSIZE;
	if (r->baud_emulation >= 0 &&
	    nla_put_u8(m, TTYVS_A_PAIR_BAUD_EMULATION, (uint8_t)r->baud_emulation) < 0)
		return -EMSGSIZE;
	if (r->has_buf_size && nla_put_u32(m, TTYVS_A_PAIR_BUF_SIZE, r->buf_size) < 0)
		return -EMSGSIZE;
	if (r->has_wiring[0] && put_wiring(m, TTYVS_A_PAIR_WIRING_A, &r->wiring[0]))
		return -EMSGSIZE;
	if (r->has_wiring[1] && put_wiring(m, TTYVS_A_PAIR_WIRING_B, &r->wiring[1]))
		return -EMSGSIZE;
	return 0;
}

/* ---- requests ------------------------------------------------------------- */

static int one_pair_cb(struct nl_msg *msg, void *arg)
{
	return parse_pair_msg(msg, arg);
}

static int pair_request(struct nlc *c, uint8_t cmd, const struct pair_req *r,
			struct pair_info *out)
{
	struct nl_msg *m = nlc_msg(c, cmd, 0);
	int err;

	if (!m)
		return -ENOMEM;
	err = put_pair_req(m, r);
	if (err) {
		nlmsg_free(m);
		return err;
	}
	return nlc_transact(c, m, out ? one_pair_cb : NULL, out);
}

int nlc_pair_new(struct nlc *c, const struct pair_req *req, struct pair_info *out)
{
	return pair_request(c, TTYVS_CMD_PAIR_NEW, req, out);
}

int nlc_pair_del(struct nlc *c, const struct pair_req *req)
{
	return pair_request(c, TTYVS_CMD_PAIR_DEL, req, NULL);
}

int nlc_pair_set(struct nlc *c, const struct pair_req *req)
{
	return pair_request(c, TTYVS_CMD_PAIR_SET, req, NULL);
}

int nlc_pair_get(struct nlc *c, const struct pair_req *req, struct pair_info *out)
{
	return pair_request(c, TTYVS_CMD_PAIR_GET, req, out);
}

struct vec {
	void *items;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *items = realloc(v->items, cap * v->size);

		if (!items)
			return NULL;
		v->items = items;
		v->cap = cap;
	}
	return (char *)v->items + v->n++ * v->size;
}

static int dump_pair_cb(struct nl_msg *msg, void *arg)
{
	struct pair_info *pi = vec_push(arg);

	return pi ? parse_pair_msg(msg, pi) : -ENOMEM;
}

static int dump_port_cb(struct nl_msg *msg, void *arg)
{
	struct port_info *p = vec_push(arg);

	return p ? parse_port_msg(msg, p) : -ENOMEM;
}

/* Dumps cmd into a vector of size-byte items; restarts if interrupted. */
static int nlc_dump(struct nlc *c, uint8_t cmd, size_t size,
		    int (*parse)(struct nl_msg *msg, void *arg), void **out, size_t *n)
{
	struct vec v = { .size = size };
	int err, tries = 0;

	do {
		struct nl_msg *m = nlc_msg(c, cmd, NLM_F_DUMP);

		if (!m) {
			err = -ENOMEM;
			break;
		}
		v.n = 0;
		err = nlc_transact(c, m, parse, &v);
	} while (err == -EINTR && ++tries < 10);
	if (err == -EINTR)
		fprintf(stderr, PROG ": %s: the dump kept changing, giving up\n",
			c->op ? c->op : "dump");
	if (err) {
		free(v.items);
		return err;
	}
	*out = v.items;
	*n = v.n;
	return 0;
}

int nlc_pair_dump(struct nlc *c, struct pair_info **out, size_t *n)
{
	return nlc_dump(c, TTYVS_CMD_PAIR_GET, sizeof(**out), dump_pair_cb, (void **)out, n);
}

int nlc_port_dump(struct nlc *c, struct port_info **out, size_t *n)
{
	return nlc_dump(c, TTYVS_CMD_PORT_GET, sizeof(**out), dump_port_cb, (void **)out, n);
}

static int one_port_cb(struct nl_msg *msg, void *arg)
{
	return parse_port_msg(msg, arg);
}

int nlc_port_get(struct nlc *c, const char *name, uint32_t index, struct port_info *out)
{
	struct nl_msg *m = nlc_msg(c, TTYVS_CMD_PORT_GET, 0);
	int err;

	if (!m)
		return -ENOMEM;
	err = name ? nla_put_string(m, TTYVS_A_PORT_NAME, name) :
		nla_put_u32(m, TTYVS_A_PORT_INDEX, index);
	if (err < 0) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	return nlc_transact(c, m, one_port_cb, out);
}

/* ---- events --------------------------------------------------------------- */

struct ev_ctx {
	void (*fn)(const struct event *ev, void *arg);
	void *arg;
	int family;
	unsigned int seen;
	bool gone;			/* the family was unregistered */
};

static int ctrl_event(struct nl_msg *msg, struct ev_ctx *ctx)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (gh->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID] || nla_len(tb[CTRL_ATTR_FAMILY_ID]) < 2)
		return NL_SKIP;
	if (nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == ctx->family) {
		ctx->gone = true;
		return NL_STOP;
	}
	return NL_SKIP;
}

static int cb_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct ev_ctx *ctx = arg;
	struct event ev;
	int err;

	ctx->seen++;
	if (nlmsg_hdr(msg)->nlmsg_type == GENL_ID_CTRL)
		return ctrl_event(msg, ctx);
	if (nlmsg_hdr(msg)->nlmsg_type != ctx->family)
		return NL_SKIP;
	memset(&ev, 0, sizeof(ev));
	ev.cmd = gh->cmd;
	switch (gh->cmd) {
	case TTYVS_CMD_PAIR_NEW_NTF:
	case TTYVS_CMD_PAIR_DEL_NTF:
	case TTYVS_CMD_PAIR_CHANGE_NTF:
		err = parse_pair_msg(msg, &ev.pair);
		break;
	case TTYVS_CMD_PORT_OPEN_NTF:
	case TTYVS_CMD_PORT_CLOSE_NTF:
	case TTYVS_CMD_PORT_TERMIOS_NTF:
	case TTYVS_CMD_PORT_LINES_NTF:
	case TTYVS_CMD_PORT_BREAK_NTF:
		ev.is_port = true;
		err = parse_port_msg(msg, &ev.port);
		break;
	default:
		return NL_SKIP;		/* a newer kernel's event */
	}
	if (err) {
		fprintf(stderr, PROG ": malformed event (cmd %u) skipped\n", gh->cmd);
		return NL_SKIP;
	}
	ctx->fn(&ev, ctx->arg);
	return NL_OK;
}

int nlc_events_read(struct nlc *c, void (*fn)(const struct event *ev, void *arg), void *arg)
{
	struct ev_ctx ctx = { .fn = fn, .arg = arg, .family = c->family };
	bool lost = false;

	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, cb_event, &ctx);
	/*
	 * 64 reads, then back to the caller's loop; after an overrun, the
	 * whole queue first (bounded by the socket's buffer): the kernel
	 * reports the overrun before the older events still queued, and a
	 * caller that reads the state again must do it after those.
	 */
	for (int i = 0; i < (lost ? 4096 : 64); i++) {
		unsigned int before = ctx.seen;
		int err = nl_recvmsgs_default(c->sk);

		if (ctx.gone)
			return -EPROTONOSUPPORT;
		if (err == -NLE_AGAIN)
			return lost ? -ENOBUFS : 0;
		/* recvmsg() ENOBUFS: the socket overran and events were dropped. */
		if (err == -NLE_NOMEM) {
			lost = true;
			continue;
		}
		if (err < 0)
			return nle_to_errno(err);
		if (ctx.seen == before)
			return lost ? -ENOBUFS : 0;	/* older libnl returns 0 on EAGAIN */
	}
	return lost ? -ENOBUFS : 0;	/* more may be queued: poll says so */
}
