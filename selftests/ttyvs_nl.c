// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink client for the ttyvs selftests (see ttyvs_nl.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ttyvs_lib.h"
#include "ttyvs_nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED		0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS		0x200
#endif
/* enum nlmsgerr_attrs values, stable uapi */
#define TNL_ERR_ATTR_MSG	1
#define TNL_ERR_ATTR_OFFS	2
#define TNL_ERR_ATTR_MISS_TYPE	5

#define NLA_OK(nla, rem) ((rem) >= (int)sizeof(struct nlattr) && \
	(nla)->nla_len >= sizeof(struct nlattr) && (nla)->nla_len <= (rem))
#define NLA_NEXT(nla, rem) ((rem) -= NLA_ALIGN((nla)->nla_len), \
	(struct nlattr *)((char *)(nla) + NLA_ALIGN((nla)->nla_len)))
#define NLA_DATA(nla) ((void *)((char *)(nla) + NLA_HDRLEN))
#define NLA_LEN(nla) ((int)(nla)->nla_len - NLA_HDRLEN)
#define NLA_TYPE(nla) ((nla)->nla_type & NLA_TYPE_MASK)

static int now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void tnl_msg_init(struct tnl_msg *m, const struct tnl *n, uint8_t cmd,
		  uint16_t flags)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->hdr.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->hdr.nlmsg_type = n ? n->family : 0;
	m->hdr.nlmsg_flags = NLM_F_REQUEST | flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = TTYVS_FAMILY_VERSION;
	m->depth = 0;
}

int tnl_put(struct tnl_msg *m, uint16_t type, const void *data, size_t len)
{
	int off = m->hdr.nlmsg_len;
	struct nlattr *nla = (struct nlattr *)(m->buf + off);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (off + total > sizeof(m->buf))
		abort();
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(NLA_DATA(nla), data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	m->hdr.nlmsg_len += total;
	return off;
}

int tnl_put_u8(struct tnl_msg *m, uint16_t type, uint8_t v)
{
	return tnl_put(m, type, &v, 1);
}

int tnl_put_u32(struct tnl_msg *m, uint16_t type, uint32_t v)
{
	return tnl_put(m, type, &v, 4);
}

int tnl_put_u64(struct tnl_msg *m, uint16_t type, uint64_t v)
{
	return tnl_put(m, type, &v, 8);
}

int tnl_put_str(struct tnl_msg *m, uint16_t type, const char *s)
{
	return tnl_put(m, type, s, strlen(s) + 1);
}

int tnl_put_flag(struct tnl_msg *m, uint16_t type)
{
	return tnl_put(m, type, NULL, 0);
}

int tnl_nest_start(struct tnl_msg *m, uint16_t type)
{
	int off = tnl_put(m, type | NLA_F_NESTED, NULL, 0);

	m->nest[m->depth++] = off;
	return off;
}

void tnl_nest_end(struct tnl_msg *m)
{
	int off = m->nest[--m->depth];
	struct nlattr *nla = (struct nlattr *)(m->buf + off);

	nla->nla_len = m->hdr.nlmsg_len - off;
}

static void parse_ext_ack(const struct nlmsghdr *nlh, struct tnl_err *e)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*err);
	struct nlattr *nla;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - NLMSG_HDRLEN;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	rem = nlh->nlmsg_len - off;
	for (nla = (struct nlattr *)((char *)nlh + off); NLA_OK(nla, rem);
	     nla = NLA_NEXT(nla, rem)) {
		switch (NLA_TYPE(nla)) {
		case TNL_ERR_ATTR_MSG:
			snprintf(e->msg, sizeof(e->msg), "%.*s", NLA_LEN(nla),
				 (char *)NLA_DATA(nla));
			e->has_msg = true;
			break;
		case TNL_ERR_ATTR_OFFS:
			if (NLA_LEN(nla) >= 4) {
				e->offs = *(uint32_t *)NLA_DATA(nla);
				e->has_offs = true;
			}
			break;
		case TNL_ERR_ATTR_MISS_TYPE:
			if (NLA_LEN(nla) >= 4) {
				e->miss_type = *(uint32_t *)NLA_DATA(nla);
				e->has_miss = true;
			}
			break;
		}
	}
}

int tnl_do_raw(struct tnl *n, void *req, size_t len, tnl_cb cb, void *arg,
	       struct tnl_err *e)
{
	struct nlmsghdr *rh = req;
	struct tnl_err dummy;
	static char *buf;
	int deadline, stop = 0;
	uint32_t seq;

	if (!e)
		e = &dummy;
	memset(e, 0, sizeof(*e));
	if (!buf)
		buf = malloc(TNL_BUF_SIZE);
	if (!buf)
		return e->err = -ENOMEM;
	if (len >= sizeof(*rh))
		rh->nlmsg_seq = seq = ++n->seq;
	else
		seq = 0;
	if (send(n->fd, req, len, 0) < 0)
		return e->err = -errno;
	deadline = now_ms() + tvs_ms(n->recv_timeout_ms ? n->recv_timeout_ms : 5000);
	for (;;) {
		struct pollfd pfd = { .fd = n->fd, .events = POLLIN };
		int left = deadline - now_ms(), rem;
		struct nlmsghdr *nlh;
		ssize_t r;

		if (left <= 0)
			return e->err = -ETIMEDOUT;
		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		r = recv(n->fd, buf, TNL_BUF_SIZE, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return e->err = -errno;
		}
		rem = r;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != n->portid)
				continue;	/* an event or a stale answer */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nlh);

				e->err = err->error;
				parse_ext_ack(nlh, e);
				return e->err;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *v = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					e->err = *v;
				parse_ext_ack(nlh, e);
				return e->err;
			}
			e->replies++;
			if (cb && !stop)
				stop = cb(nlh, arg);
		}
	}
}

int tnl_do(struct tnl *n, struct tnl_msg *m, tnl_cb cb, void *arg,
	   struct tnl_err *e)
{
	return tnl_do_raw(n, m->buf, m->hdr.nlmsg_len, cb, arg, e);
}

static const struct nlattr *genl_attrs(const struct nlmsghdr *nlh, int *rem)
{
	*rem = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return (const struct nlattr *)((const char *)nlh + NLMSG_HDRLEN +
				       GENL_HDRLEN);
}

uint8_t tnl_cmd(const struct nlmsghdr *nlh)
{
	return ((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd;
}

static uint64_t nla_uint(const struct nlattr *nla)
{
	switch (NLA_LEN(nla)) {
	case 1:
		return *(uint8_t *)NLA_DATA(nla);
	case 2:
		return *(uint16_t *)NLA_DATA(nla);
	case 4:
		return *(uint32_t *)NLA_DATA(nla);
	case 8:
		return *(uint64_t *)NLA_DATA(nla);
	}
	return 0;
}

static void nla_str(const struct nlattr *nla, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", NLA_LEN(nla), (char *)NLA_DATA(nla));
}

static void parse_port_attrs(const struct nlattr *nla, int rem,
			     struct tnl_port *p)
{
	for (; NLA_OK(nla, rem); nla = NLA_NEXT(nla, rem)) {
		int t = NLA_TYPE(nla), r2;
		const struct nlattr *in;

		if (t > TTYVS_A_MAX)
			continue;
		p->has[t] = true;
		switch (t) {
		case TTYVS_A_PAIR_ID:
			p->pair_id = nla_uint(nla);
			break;
		case TTYVS_A_PAIR_NAME:
			nla_str(nla, p->pair_name, sizeof(p->pair_name));
			break;
		case TTYVS_A_PORT_INDEX:
			p->index = nla_uint(nla);
			break;
		case TTYVS_A_PORT_NAME:
			nla_str(nla, p->name, sizeof(p->name));
			break;
		case TTYVS_A_PORT_END:
			p->end = nla_uint(nla);
			break;
		case TTYVS_A_PORT_OPEN_COUNT:
			p->open_count = nla_uint(nla);
			break;
		case TTYVS_A_PORT_LINES_OUT:
			p->lines_out = nla_uint(nla);
			break;
		case TTYVS_A_PORT_LINES_IN:
			p->lines_in = nla_uint(nla);
			break;
		case TTYVS_A_PORT_TX_QUEUED:
			p->tx_queued = nla_uint(nla);
			break;
		case TTYVS_A_PORT_WIRING:
			r2 = NLA_LEN(nla);
			for (in = NLA_DATA(nla); NLA_OK(in, r2); in = NLA_NEXT(in, r2))
				if (NLA_TYPE(in) <= TTYVS_A_WIRE_MAX) {
					p->has_wire[NLA_TYPE(in)] = true;
					p->wire[NLA_TYPE(in)] = nla_uint(in);
				}
			break;
		case TTYVS_A_PORT_TERMIOS:
			r2 = NLA_LEN(nla);
			for (in = NLA_DATA(nla); NLA_OK(in, r2); in = NLA_NEXT(in, r2))
				if (NLA_TYPE(in) <= TTYVS_A_TERMIOS_MAX) {
					p->has_termios[NLA_TYPE(in)] = true;
					p->termios[NLA_TYPE(in)] = nla_uint(in);
				}
			break;
		case TTYVS_A_PORT_ICOUNT:
			r2 = NLA_LEN(nla);
			for (in = NLA_DATA(nla); NLA_OK(in, r2); in = NLA_NEXT(in, r2))
				if (NLA_TYPE(in) <= TTYVS_A_ICOUNT_MAX) {
					p->has_icount[NLA_TYPE(in)] = true;
					p->icount[NLA_TYPE(in)] = nla_uint(in);
				}
			break;
		}
	}
}

int tnl_parse_port(const struct nlmsghdr *nlh, struct tnl_port *p)
{
	const struct nlattr *nla;
	int rem;

	memset(p, 0, sizeof(*p));
	nla = genl_attrs(nlh, &rem);
	if (rem < 0)
		return -EINVAL;
	parse_port_attrs(nla, rem, p);
	return 0;
}

int tnl_parse_pair(const struct nlmsghdr *nlh, struct tnl_pair *p)
{
	const struct nlattr *nla;
	int rem;

	memset(p, 0, sizeof(*p));
	nla = genl_attrs(nlh, &rem);
	if (rem < 0)
		return -EINVAL;
	for (; NLA_OK(nla, rem); nla = NLA_NEXT(nla, rem)) {
		int t = NLA_TYPE(nla);

		if (t > TTYVS_A_MAX)
			continue;
		p->has[t] = true;
		switch (t) {
		case TTYVS_A_PAIR_ID:
			p->id = nla_uint(nla);
			break;
		case TTYVS_A_PAIR_NAME:
			nla_str(nla, p->name, sizeof(p->name));
			break;
		case TTYVS_A_PAIR_LOOPBACK:
			p->loopback = true;
			break;
		case TTYVS_A_PAIR_BAUD_EMULATION:
			p->baud_emulation = nla_uint(nla);
			break;
		case TTYVS_A_PAIR_BUF_SIZE:
			p->buf_size = nla_uint(nla);
			break;
		case TTYVS_A_PAIR_PORT:
			if (p->nports < 3)
				parse_port_attrs(NLA_DATA(nla), NLA_LEN(nla),
						 &p->port[p->nports]);
			p->nports++;
			break;
		}
	}
	return 0;
}

static int resolve_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct tnl *n = arg;
	const struct nlattr *nla;
	int rem;

	nla = genl_attrs(nlh, &rem);
	for (; NLA_OK(nla, rem); nla = NLA_NEXT(nla, rem)) {
		if (NLA_TYPE(nla) == CTRL_ATTR_FAMILY_ID)
			n->family = nla_uint(nla);
		if (NLA_TYPE(nla) == CTRL_ATTR_MCAST_GROUPS) {
			const struct nlattr *g;
			int r2 = NLA_LEN(nla);

			for (g = NLA_DATA(nla); NLA_OK(g, r2); g = NLA_NEXT(g, r2)) {
				const struct nlattr *a;
				int r3 = NLA_LEN(g);
				char name[32] = "";
				uint32_t id = 0;

				for (a = NLA_DATA(g); NLA_OK(a, r3); a = NLA_NEXT(a, r3)) {
					if (NLA_TYPE(a) == CTRL_ATTR_MCAST_GRP_NAME)
						nla_str(a, name, sizeof(name));
					if (NLA_TYPE(a) == CTRL_ATTR_MCAST_GRP_ID)
						id = nla_uint(a);
				}
				if (!strcmp(name, TTYVS_MCGRP_EVENTS))
					n->events_grp = id;
			}
		}
	}
	return 0;
}

int tnl_open(struct tnl *n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);
	struct tnl_msg m;
	int one = 1, r;

	memset(n, 0, sizeof(*n));
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (n->fd < 0)
		return -errno;
	setsockopt(n->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(n->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(n->fd, (struct sockaddr *)&sa, &sl) < 0) {
		r = -errno;
		close(n->fd);
		n->fd = -1;
		return r;
	}
	n->portid = sa.nl_pid;
	tnl_msg_init(&m, NULL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	m.hdr.nlmsg_type = GENL_ID_CTRL;
	((struct genlmsghdr *)NLMSG_DATA(&m.hdr))->version = 1;
	tnl_put_str(&m, CTRL_ATTR_FAMILY_NAME, TTYVS_FAMILY_NAME);
	r = tnl_do(n, &m, resolve_cb, n, NULL);
	if (r)
		return r;
	return n->family ? 0 : -ENOENT;
}

void tnl_close(struct tnl *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

void tnl_cfg_init(struct tnl_pair_cfg *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->id = -1;
	c->baud_emulation = -1;
	c->buf_size = -1;
	for (i = 0; i <= TTYVS_A_WIRE_MAX; i++)
		c->wiring_a[i] = c->wiring_b[i] = -1;
}

static void put_wiring(struct tnl_msg *m, uint16_t type, const int *w)
{
	int i, any = 0;

	for (i = 1; i <= TTYVS_A_WIRE_MAX; i++)
		any |= w[i] >= 0;
	if (!any)
		return;
	tnl_nest_start(m, type);
	for (i = 1; i <= TTYVS_A_WIRE_MAX; i++)
		if (w[i] >= 0)
			tnl_put_u8(m, i, w[i]);
	tnl_nest_end(m);
}

static void put_cfg(struct tnl_msg *m, const struct tnl_pair_cfg *c)
{
	if (c->id >= 0)
		tnl_put_u32(m, TTYVS_A_PAIR_ID, c->id);
	if (c->name)
		tnl_put_str(m, TTYVS_A_PAIR_NAME, c->name);
	if (c->loopback)
		tnl_put_flag(m, TTYVS_A_PAIR_LOOPBACK);
	if (c->baud_emulation >= 0)
		tnl_put_u8(m, TTYVS_A_PAIR_BAUD_EMULATION, c->baud_emulation);
	if (c->buf_size >= 0)
		tnl_put_u32(m, TTYVS_A_PAIR_BUF_SIZE, c->buf_size);
	put_wiring(m, TTYVS_A_PAIR_WIRING_A, c->wiring_a);
	put_wiring(m, TTYVS_A_PAIR_WIRING_B, c->wiring_b);
}

static int pair_cb(const struct nlmsghdr *nlh, void *arg)
{
	if (arg)
		tnl_parse_pair(nlh, arg);
	return 0;
}

static int port_cb(const struct nlmsghdr *nlh, void *arg)
{
	if (arg)
		tnl_parse_port(nlh, arg);
	return 0;
}

int tnl_pair_new(struct tnl *n, const struct tnl_pair_cfg *c,
		 struct tnl_pair *out, struct tnl_err *e)
{
	struct tnl_msg m;

	tnl_msg_init(&m, n, TTYVS_CMD_PAIR_NEW, NLM_F_ACK);
	put_cfg(&m, c);
	if (out)
		memset(out, 0, sizeof(*out));
	return tnl_do(n, &m, pair_cb, out, e);
}

int tnl_pair_set(struct tnl *n, const struct tnl_pair_cfg *c,
		 struct tnl_err *e)
{
	struct tnl_msg m;

	tnl_msg_init(&m, n, TTYVS_CMD_PAIR_SET, NLM_F_ACK);
	put_cfg(&m, c);
	return tnl_do(n, &m, NULL, NULL, e);
}

int tnl_pair_del(struct tnl *n, int64_t id, const char *name, bool force,
		 struct tnl_err *e)
{
	struct tnl_msg m;

	tnl_msg_init(&m, n, TTYVS_CMD_PAIR_DEL, NLM_F_ACK);
	if (id >= 0)
		tnl_put_u32(&m, TTYVS_A_PAIR_ID, id);
	if (name)
		tnl_put_str(&m, TTYVS_A_PAIR_NAME, name);
	if (force)
		tnl_put_flag(&m, TTYVS_A_PAIR_FORCE);
	return tnl_do(n, &m, NULL, NULL, e);
}

int tnl_pair_get(struct tnl *n, int64_t id, const char *name,
		 struct tnl_pair *out, struct tnl_err *e)
{
	struct tnl_msg m;

	tnl_msg_init(&m, n, TTYVS_CMD_PAIR_GET, NLM_F_ACK);
	if (id >= 0)
		tnl_put_u32(&m, TTYVS_A_PAIR_ID, id);
	if (name)
		tnl_put_str(&m, TTYVS_A_PAIR_NAME, name);
	if (out)
		memset(out, 0, sizeof(*out));
	return tnl_do(n, &m, pair_cb, out, e);
}

int tnl_port_get(struct tnl *n, int64_t index, const char *name,
		 struct tnl_port *out, struct tnl_err *e)
{
	struct tnl_msg m;

	tnl_msg_init(&m, n, TTYVS_CMD_PORT_GET, NLM_F_ACK);
	if (index >= 0)
		tnl_put_u32(&m, TTYVS_A_PORT_INDEX, index);
	if (name)
		tnl_put_str(&m, TTYVS_A_PORT_NAME, name);
	if (out)
		memset(out, 0, sizeof(*out));
	return tnl_do(n, &m, port_cb, out, e);
}

struct dump_ctx {
	void *out;
	int max, count;
	bool port;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *d = arg;

	if (d->out && d->count < d->max) {
		if (d->port)
			tnl_parse_port(nlh, (struct tnl_port *)d->out + d->count);
		else
			tnl_parse_pair(nlh, (struct tnl_pair *)d->out + d->count);
	}
	d->count++;
	return 0;
}

static int do_dump(struct tnl *n, uint8_t cmd, void *out, int max, bool port)
{
	struct dump_ctx d = { .out = out, .max = max, .port = port };
	struct tnl_msg m;
	int r;

	tnl_msg_init(&m, n, cmd, NLM_F_DUMP | NLM_F_ACK);
	r = tnl_do(n, &m, dump_cb, &d, NULL);
	return r ? r : d.count;
}

int tnl_pair_dump(struct tnl *n, struct tnl_pair *out, int max)
{
	return do_dump(n, TTYVS_CMD_PAIR_GET, out, max, false);
}

int tnl_port_dump(struct tnl *n, struct tnl_port *out, int max)
{
	return do_dump(n, TTYVS_CMD_PORT_GET, out, max, true);
}

int tnl_subscribe(struct tnl *n)
{
	int grp = n->events_grp, sz = 4 << 20;

	if (!grp)
		return -ENOENT;
	/* room for a burst of events; FORCE works for root only */
	if (setsockopt(n->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(n->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)))
		return -errno;
	return 0;
}

int tnl_recv_event(struct tnl *n, void *buf, int timeout_ms)
{
	int deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = n->fd, .events = POLLIN };
		int left = deadline - now_ms();
		ssize_t r;

		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		r = recv(n->fd, buf, TNL_BUF_SIZE, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		return r;
	}
}

const char *tnl_cmd_name(uint8_t cmd)
{
	static const char *const names[] = {
		[TTYVS_CMD_PAIR_NEW] = "PAIR_NEW",
		[TTYVS_CMD_PAIR_DEL] = "PAIR_DEL",
		[TTYVS_CMD_PAIR_GET] = "PAIR_GET",
		[TTYVS_CMD_PAIR_SET] = "PAIR_SET",
		[TTYVS_CMD_PORT_GET] = "PORT_GET",
		[TTYVS_CMD_PAIR_NEW_NTF] = "PAIR_NEW_NTF",
		[TTYVS_CMD_PAIR_DEL_NTF] = "PAIR_DEL_NTF",
		[TTYVS_CMD_PAIR_CHANGE_NTF] = "PAIR_CHANGE_NTF",
		[TTYVS_CMD_PORT_OPEN_NTF] = "PORT_OPEN_NTF",
		[TTYVS_CMD_PORT_CLOSE_NTF] = "PORT_CLOSE_NTF",
		[TTYVS_CMD_PORT_TERMIOS_NTF] = "PORT_TERMIOS_NTF",
		[TTYVS_CMD_PORT_LINES_NTF] = "PORT_LINES_NTF",
		[TTYVS_CMD_PORT_BREAK_NTF] = "PORT_BREAK_NTF",
	};

	if (cmd <= TTYVS_CMD_MAX && names[cmd])
		return names[cmd];
	return "?";
}
