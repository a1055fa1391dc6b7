// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs generic netlink family: pair and port control, and port events.
 *
 * The contract is uapi/linux/ttyvs.h (documented in uapi/ttyvs.yaml). One
 * fill function per object serves do, dump and notifications. Port events
 * are coalesced per port by a delayed work, so a line-toggling storm costs
 * a bounded number of messages, each carrying the state at send time.
 */
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "ttyvs.h"

static struct genl_family ttyvs_nl_family;

/* Cleared (then an RCU grace period) before the family goes away. */
static bool ttyvs_nl_up;

/* ------------------------------------------------------------------ */
/* Policies */

static const struct nla_policy ttyvs_wire_policy[TTYVS_A_WIRE_MAX + 1] = {
	[TTYVS_A_WIRE_CTS] = NLA_POLICY_MASK(NLA_U8, TTYVS_WIRE_INVERT | 0x7f),
	[TTYVS_A_WIRE_DSR] = NLA_POLICY_MASK(NLA_U8, TTYVS_WIRE_INVERT | 0x7f),
	[TTYVS_A_WIRE_DCD] = NLA_POLICY_MASK(NLA_U8, TTYVS_WIRE_INVERT | 0x7f),
	[TTYVS_A_WIRE_RI] = NLA_POLICY_MASK(NLA_U8, TTYVS_WIRE_INVERT | 0x7f),
};

/* Not const: 6.1 takes a plain pointer. */
static struct netlink_range_validation ttyvs_buf_size_range = {
	.min = TTYVS_BUF_SIZE_MIN,
	.max = TTYVS_BUF_SIZE_MAX,
};

/* Requests only; reply-only attributes are rejected as unsupported. */
static const struct nla_policy ttyvs_policy[TTYVS_A_MAX + 1] = {
	[TTYVS_A_PAIR_ID] = { .type = NLA_U32 },
	/* Length and characters are checked with a clearer message. */
	[TTYVS_A_PAIR_NAME] = { .type = NLA_NUL_STRING },
	[TTYVS_A_PAIR_FORCE] = { .type = NLA_FLAG },
	[TTYVS_A_PAIR_LOOPBACK] = { .type = NLA_FLAG },
	[TTYVS_A_PAIR_BAUD_EMULATION] = NLA_POLICY_MAX(NLA_U8, 1),
	[TTYVS_A_PAIR_BUF_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32,
							&ttyvs_buf_size_range),
	[TTYVS_A_PAIR_WIRING_A] = NLA_POLICY_NESTED(ttyvs_wire_policy),
	[TTYVS_A_PAIR_WIRING_B] = NLA_POLICY_NESTED(ttyvs_wire_policy),
	[TTYVS_A_PORT_INDEX] = { .type = NLA_U32 },
	[TTYVS_A_PORT_NAME] = { .type = NLA_NUL_STRING, .len = 16 },
};

/* ------------------------------------------------------------------ */
/* Filling messages */

static const u8 ttyvs_wire_attr[TTYVS_NR_INPUTS] = {
	[TTYVS_IN_CTS] = TTYVS_A_WIRE_CTS,
	[TTYVS_IN_DSR] = TTYVS_A_WIRE_DSR,
	[TTYVS_IN_DCD] = TTYVS_A_WIRE_DCD,
	[TTYVS_IN_RI] = TTYVS_A_WIRE_RI,
};

static const struct {
	unsigned int tiocm;
	unsigned int line;
} ttyvs_line_map[] = {
	{ TIOCM_DTR, TTYVS_LINE_DTR },
	{ TIOCM_RTS, TTYVS_LINE_RTS },
	{ TIOCM_OUT1, TTYVS_LINE_OUT1 },
	{ TIOCM_OUT2, TTYVS_LINE_OUT2 },
	{ TIOCM_CTS, TTYVS_LINE_CTS },
	{ TIOCM_DSR, TTYVS_LINE_DSR },
	{ TIOCM_CD, TTYVS_LINE_DCD },
	{ TIOCM_RI, TTYVS_LINE_RI },
};

static u32 ttyvs_lines_to_uapi(unsigned int tiocm)
{
	u32 lines = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ttyvs_line_map); i++)
		if (tiocm & ttyvs_line_map[i].tiocm)
			lines |= ttyvs_line_map[i].line;
	return lines;
}

/* A consistent copy of a port's state, taken under the pair lock. */
struct ttyvs_port_state {
	u8 wire[TTYVS_NR_INPUTS];
	struct ktermios termios;
	unsigned int out;
	unsigned int in;
	struct async_icount icount;
	u64 tx_discarded;
	unsigned int tx_queued;
	int open_count;
};

static void ttyvs_port_snapshot(struct ttyvs_port *p,
				struct ttyvs_port_state *st)
{
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	memcpy(st->wire, p->wire, sizeof(st->wire));
	st->termios = p->termios;
	st->out = ttyvs_port_outputs(p);
	st->in = p->msr;
	st->icount = p->icount;
	st->tx_discarded = p->tx_discarded;
	st->tx_queued = ttyvs_pace_queued(p);
	spin_unlock_irqrestore(&p->pair->lock, flags);

	spin_lock_irqsave(&p->port.lock, flags);
	st->open_count = p->port.count;
	spin_unlock_irqrestore(&p->port.lock, flags);
}

static int ttyvs_put_wiring(struct sk_buff *skb, int attr, const u8 *wire)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	unsigned int in;

	if (!nest)
		return -EMSGSIZE;
	for (in = 0; in < TTYVS_NR_INPUTS; in++)
		if (nla_put_u8(skb, ttyvs_wire_attr[in], wire[in]))
			goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static u8 ttyvs_parity(tcflag_t cflag)
{
	if (!(cflag & PARENB))
		return TTYVS_PARITY_NONE;
	if (cflag & CMSPAR)
		return cflag & PARODD ? TTYVS_PARITY_MARK : TTYVS_PARITY_SPACE;
	return cflag & PARODD ? TTYVS_PARITY_ODD : TTYVS_PARITY_EVEN;
}

static int ttyvs_put_termios(struct sk_buff *skb, struct ktermios *t)
{
	struct nlattr *nest = nla_nest_start(skb, TTYVS_A_PORT_TERMIOS);
	tcflag_t c = t->c_cflag, i = t->c_iflag;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, TTYVS_A_TERMIOS_BAUD, tty_termios_baud_rate(t)) ||
	    nla_put_u8(skb, TTYVS_A_TERMIOS_DATA_BITS, tty_get_char_size(c)) ||
	    nla_put_u8(skb, TTYVS_A_TERMIOS_PARITY, ttyvs_parity(c)) ||
	    nla_put_u8(skb, TTYVS_A_TERMIOS_STOP_BITS, c & CSTOPB ? 2 : 1) ||
	    nla_put_u8(skb, TTYVS_A_TERMIOS_CRTSCTS, !!(c & CRTSCTS)) ||
	    nla_put_u8(skb, TTYVS_A_TERMIOS_IXON, !!(i & IXON)) ||
	    nla_put_u8(skb, TTYVS_A_TERMIOS_IXOFF, !!(i & IXOFF)) ||
	    nla_put_u8(skb, TTYVS_A_TERMIOS_CLOCAL, !!(c & CLOCAL)) ||
	    nla_put_u32(skb, TTYVS_A_TERMIOS_IFLAG, t->c_iflag) ||
	    nla_put_u32(skb, TTYVS_A_TERMIOS_OFLAG, t->c_oflag) ||
	    nla_put_u32(skb, TTYVS_A_TERMIOS_CFLAG, t->c_cflag) ||
	    nla_put_u32(skb, TTYVS_A_TERMIOS_LFLAG, t->c_lflag))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int ttyvs_put_icount(struct sk_buff *skb,
			    const struct ttyvs_port_state *st)
{
	struct nlattr *nest = nla_nest_start(skb, TTYVS_A_PORT_ICOUNT);
	const struct async_icount *c = &st->icount;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, TTYVS_A_ICOUNT_CTS, c->cts) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_DSR, c->dsr) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_RNG, c->rng) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_DCD, c->dcd) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_RX, c->rx) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_TX, c->tx) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_FRAME, c->frame) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_PARITY, c->parity) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_OVERRUN, c->overrun) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_BRK, c->brk) ||
	    nla_put_u32(skb, TTYVS_A_ICOUNT_BUF_OVERRUN, c->buf_overrun) ||
	    nla_put_u64_64bit(skb, TTYVS_A_ICOUNT_TX_DISCARDED,
			      st->tx_discarded, TTYVS_A_ICOUNT_PAD))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static u8 ttyvs_port_end(const struct ttyvs_port *p)
{
	return p == p->pair->ports[0] ? 0 : 1;
}

/* Identity of a port: index, name, end. */
static int ttyvs_put_port_id(struct sk_buff *skb, const struct ttyvs_port *p)
{
	char name[16];

	snprintf(name, sizeof(name), "%s%u", TTYVS_NAME, p->index);
	if (nla_put_u32(skb, TTYVS_A_PORT_INDEX, p->index) ||
	    nla_put_string(skb, TTYVS_A_PORT_NAME, name) ||
	    nla_put_u8(skb, TTYVS_A_PORT_END, ttyvs_port_end(p)))
		return -EMSGSIZE;
	return 0;
}

static int ttyvs_put_pair_id(struct sk_buff *skb,
			     const struct ttyvs_pair *pair)
{
	if (nla_put_u32(skb, TTYVS_A_PAIR_ID, pair->id))
		return -EMSGSIZE;
	if (pair->name[0] && nla_put_string(skb, TTYVS_A_PAIR_NAME, pair->name))
		return -EMSGSIZE;
	return 0;
}

static int ttyvs_fill_port(struct sk_buff *skb, struct ttyvs_port *p, u8 cmd,
			   u32 portid, u32 seq, int flags)
{
	struct ttyvs_port_state st;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ttyvs_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	ttyvs_port_snapshot(p, &st);
	if (ttyvs_put_pair_id(skb, p->pair) || ttyvs_put_port_id(skb, p) ||
	    nla_put_u32(skb, TTYVS_A_PORT_OPEN_COUNT, st.open_count) ||
	    ttyvs_put_wiring(skb, TTYVS_A_PORT_WIRING, st.wire) ||
	    ttyvs_put_termios(skb, &st.termios) ||
	    nla_put_u32(skb, TTYVS_A_PORT_LINES_OUT,
			ttyvs_lines_to_uapi(st.out)) ||
	    nla_put_u32(skb, TTYVS_A_PORT_LINES_IN,
			ttyvs_lines_to_uapi(st.in)) ||
	    ttyvs_put_icount(skb, &st) ||
	    nla_put_u32(skb, TTYVS_A_PORT_TX_QUEUED, st.tx_queued))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int ttyvs_fill_pair(struct sk_buff *skb, struct ttyvs_pair *pair,
			   u8 cmd, u32 portid, u32 seq, int flags)
{
	struct ttyvs_port_state st;
	struct nlattr *nest;
	unsigned int i, buf_size;
	bool emulate;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ttyvs_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	spin_lock_irq(&pair->lock);
	emulate = pair->emulate_baud;
	buf_size = pair->buf_size;
	spin_unlock_irq(&pair->lock);

	if (ttyvs_put_pair_id(skb, pair) ||
	    (pair->nports == 1 && nla_put_flag(skb, TTYVS_A_PAIR_LOOPBACK)) ||
	    nla_put_u8(skb, TTYVS_A_PAIR_BAUD_EMULATION, emulate) ||
	    nla_put_u32(skb, TTYVS_A_PAIR_BUF_SIZE, buf_size))
		goto cancel;

	for (i = 0; i < pair->nports; i++) {
		struct ttyvs_port *p = pair->ports[i];

		ttyvs_port_snapshot(p, &st);
		nest = nla_nest_start(skb, TTYVS_A_PAIR_PORT);
		if (!nest)
			goto cancel;
		if (ttyvs_put_port_id(skb, p) ||
		    nla_put_u32(skb, TTYVS_A_PORT_OPEN_COUNT, st.open_count) ||
		    ttyvs_put_wiring(skb, TTYVS_A_PORT_WIRING, st.wire))
			goto cancel;
		nla_nest_end(skb, nest);
	}

	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ------------------------------------------------------------------ */
/* Notifications */

static void ttyvs_nl_multicast(struct sk_buff *skb)
{
	rcu_read_lock();
	if (READ_ONCE(ttyvs_nl_up))
		genlmsg_multicast_allns(&ttyvs_nl_family, skb, 0, 0);
	else
		nlmsg_free(skb);
	rcu_read_unlock();
}

static struct sk_buff *ttyvs_pair_ntf_build(struct ttyvs_pair *pair, u8 cmd)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (skb && ttyvs_fill_pair(skb, pair, cmd, 0, 0, 0)) {
		nlmsg_free(skb);
		skb = NULL;
	}
	return skb;
}

/**
 * ttyvs_nl_pair_notify - tell listeners about a pair
 * @pair: the pair
 * @cmd: TTYVS_CMD_PAIR_NEW_NTF or TTYVS_CMD_PAIR_CHANGE_NTF
 */
void ttyvs_nl_pair_notify(struct ttyvs_pair *pair, u8 cmd)
{
	struct sk_buff *skb = ttyvs_pair_ntf_build(pair, cmd);

	if (skb)
		ttyvs_nl_multicast(skb);
}

static const u8 ttyvs_event_cmd[TTYVS_NR_EVENTS] = {
	[TTYVS_EV_OPEN] = TTYVS_CMD_PORT_OPEN_NTF,
	[TTYVS_EV_TERMIOS] = TTYVS_CMD_PORT_TERMIOS_NTF,
	[TTYVS_EV_LINES] = TTYVS_CMD_PORT_LINES_NTF,
	[TTYVS_EV_BREAK] = TTYVS_CMD_PORT_BREAK_NTF,
	[TTYVS_EV_CLOSE] = TTYVS_CMD_PORT_CLOSE_NTF,
};

static void ttyvs_ntf_work(struct work_struct *work)
{
	struct ttyvs_port *p = container_of(to_delayed_work(work),
					    struct ttyvs_port, ntf_work);
	struct sk_buff *skb;
	unsigned int ev;

	WRITE_ONCE(p->ntf_last, jiffies);
	for (ev = 0; ev < TTYVS_NR_EVENTS; ev++) {
		/* Cleared before the snapshot: a later change re-queues. */
		if (!test_and_clear_bit(ev, &p->ntf_pending))
			continue;
		skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!skb)
			continue;
		if (ttyvs_fill_port(skb, p, ttyvs_event_cmd[ev], 0, 0, 0)) {
			nlmsg_free(skb);
			continue;
		}
		ttyvs_nl_multicast(skb);
	}
}

void ttyvs_port_events_init(struct ttyvs_port *p)
{
	INIT_DELAYED_WORK(&p->ntf_work, ttyvs_ntf_work);
}

/**
 * ttyvs_port_event - queue a port event for the "events" group
 * @p: the port
 * @ev: what happened
 *
 * Any context. Events of one kind within TTYVS_NTF_INTERVAL merge into
 * one message, which carries the state at the time it is sent.
 */
void ttyvs_port_event(struct ttyvs_port *p, enum ttyvs_event ev)
{
	unsigned long next = READ_ONCE(p->ntf_last) + TTYVS_NTF_INTERVAL;
	unsigned long delay = 0;

	/* A destroyed pair was reported as a whole (PAIR_DEL_NTF). */
	if (!READ_ONCE(ttyvs_nl_up) || READ_ONCE(p->pair->dead))
		return;
	if (test_and_set_bit(ev, &p->ntf_pending))
		return;
	if (time_before(jiffies, next))
		delay = next - jiffies;
	queue_delayed_work(system_wq, &p->ntf_work, delay);
}

/* The port is going away: no event work may run after this. */
void ttyvs_port_events_stop(struct ttyvs_port *p)
{
	cancel_delayed_work_sync(&p->ntf_work);
}

/* ------------------------------------------------------------------ */
/* Requests */

/* The pair a request names, by TTYVS_A_PAIR_ID or TTYVS_A_PAIR_NAME. */
static struct ttyvs_pair *ttyvs_nl_pair(struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct ttyvs_pair *pair;

	if (attrs[TTYVS_A_PAIR_ID]) {
		pair = ttyvs_pair_lookup(nla_get_u32(attrs[TTYVS_A_PAIR_ID]),
					 NULL);
		if (!pair)
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[TTYVS_A_PAIR_ID],
					    "no pair with this id");
	} else if (attrs[TTYVS_A_PAIR_NAME]) {
		pair = ttyvs_pair_lookup(0, nla_data(attrs[TTYVS_A_PAIR_NAME]));
		if (!pair)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[TTYVS_A_PAIR_NAME],
					    "no pair with this name");
	} else {
		NL_SET_ERR_MSG(info->extack, "PAIR_ID or PAIR_NAME required");
		return ERR_PTR(-EINVAL);
	}
	return pair ?: ERR_PTR(-ENOENT);
}

/* Parse a wiring nest into @wire; inputs not given are left as they are. */
static int ttyvs_nl_wiring(struct nlattr *nest, u8 *wire,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TTYVS_A_WIRE_MAX + 1];
	unsigned int in;
	int ret;

	ret = nla_parse_nested(tb, TTYVS_A_WIRE_MAX, nest, ttyvs_wire_policy,
			       extack);
	if (ret)
		return ret;
	for (in = 0; in < TTYVS_NR_INPUTS; in++) {
		struct nlattr *a = tb[ttyvs_wire_attr[in]];
		u8 v;

		if (!a)
			continue;
		v = nla_get_u8(a);
		if ((v & ~TTYVS_WIRE_INVERT) > TTYVS_WIRE_SRC_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, a, "unknown wiring source");
			return -EINVAL;
		}
		wire[in] = v;
	}
	return 0;
}

/* Wiring attributes of pair-new / pair-set into @wire[end][input]. */
static int ttyvs_nl_wirings(struct genl_info *info, bool loopback,
			    u8 wire[][TTYVS_NR_INPUTS])
{
	struct nlattr **attrs = info->attrs;
	int ret;

	if (attrs[TTYVS_A_PAIR_WIRING_A]) {
		ret = ttyvs_nl_wiring(attrs[TTYVS_A_PAIR_WIRING_A], wire[0],
				      info->extack);
		if (ret)
			return ret;
	}
	if (attrs[TTYVS_A_PAIR_WIRING_B]) {
		if (loopback) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[TTYVS_A_PAIR_WIRING_B],
					    "a loopback pair has only one end");
			return -EINVAL;
		}
		ret = ttyvs_nl_wiring(attrs[TTYVS_A_PAIR_WIRING_B], wire[1],
				      info->extack);
		if (ret)
			return ret;
	}
	return 0;
}

static int ttyvs_nl_reply_pair(struct genl_info *info,
			       struct ttyvs_pair *pair, u8 cmd)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = ttyvs_fill_pair(msg, pair, cmd, info->snd_portid, info->snd_seq,
			      0);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int ttyvs_nl_pair_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct ttyvs_pair_config cfg;
	struct ttyvs_pair *pair;
	int ret;

	ttyvs_pair_config_init(&cfg);
	if (attrs[TTYVS_A_PAIR_ID])
		cfg.id = min_t(u32, nla_get_u32(attrs[TTYVS_A_PAIR_ID]), INT_MAX);
	if (attrs[TTYVS_A_PAIR_NAME]) {
		cfg.name = nla_data(attrs[TTYVS_A_PAIR_NAME]);
		if (!ttyvs_name_valid(cfg.name)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[TTYVS_A_PAIR_NAME],
					    "pair name must be 1-32 of [A-Za-z0-9_.-]");
			return -EINVAL;
		}
	}
	cfg.loopback = nla_get_flag(attrs[TTYVS_A_PAIR_LOOPBACK]);
	if (attrs[TTYVS_A_PAIR_BAUD_EMULATION])
		cfg.emulate_baud =
			nla_get_u8(attrs[TTYVS_A_PAIR_BAUD_EMULATION]);
	if (attrs[TTYVS_A_PAIR_BUF_SIZE])
		cfg.buf_size = nla_get_u32(attrs[TTYVS_A_PAIR_BUF_SIZE]);
	ret = ttyvs_nl_wirings(info, cfg.loopback, cfg.wire);
	if (ret)
		return ret;

	/* Say which of the two is taken (genl serialises us with pair-del). */
	if (cfg.id >= 0) {
		pair = ttyvs_pair_lookup(cfg.id, NULL);
		if (pair) {
			ttyvs_pair_put(pair);
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[TTYVS_A_PAIR_ID],
					    "pair id already in use");
			return -EEXIST;
		}
	}
	if (cfg.name) {
		pair = ttyvs_pair_lookup(0, cfg.name);
		if (pair) {
			ttyvs_pair_put(pair);
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[TTYVS_A_PAIR_NAME],
					    "pair name already in use");
			return -EEXIST;
		}
	}

	pair = ttyvs_pair_create(&cfg);
	if (IS_ERR(pair)) {
		ret = PTR_ERR(pair);
		if (ret == -EEXIST)
			NL_SET_ERR_MSG(info->extack,
				       "pair id or name already in use");
		else if (ret == -ENOSPC && cfg.id >= 0)
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[TTYVS_A_PAIR_ID],
					    "pair id beyond max_pairs");
		else if (ret == -ENOSPC)
			NL_SET_ERR_MSG(info->extack, "max_pairs reached");
		return ret;
	}

	pair = ttyvs_pair_lookup(pair->id, NULL);
	if (!pair)	/* deleted already by someone else */
		return -ENOENT;
	ret = ttyvs_nl_reply_pair(info, pair, TTYVS_CMD_PAIR_NEW);
	ttyvs_nl_pair_notify(pair, TTYVS_CMD_PAIR_NEW_NTF);
	ttyvs_pair_put(pair);
	return ret;
}

static int ttyvs_nl_pair_del(struct sk_buff *skb, struct genl_info *info)
{
	bool force = nla_get_flag(info->attrs[TTYVS_A_PAIR_FORCE]);
	struct ttyvs_port *busy = NULL;
	struct ttyvs_pair *pair;
	struct sk_buff *ntf;
	int ret;

	pair = ttyvs_nl_pair(info);
	if (IS_ERR(pair))
		return PTR_ERR(pair);

	/* Describe the pair while it still has its ports. */
	ntf = ttyvs_pair_ntf_build(pair, TTYVS_CMD_PAIR_DEL_NTF);
	ret = ttyvs_pair_destroy(pair, force, &busy);
	if (ret == -EBUSY && ttyvs_port_end(busy) == 0)
		NL_SET_ERR_MSG(info->extack,
			       "port a (first end) is open; PAIR_FORCE hangs it up");
	else if (ret == -EBUSY)
		NL_SET_ERR_MSG(info->extack,
			       "port b (second end) is open; PAIR_FORCE hangs it up");
	if (ret)
		nlmsg_free(ntf);
	else if (ntf)
		ttyvs_nl_multicast(ntf);
	ttyvs_pair_put(pair);
	return ret;
}

static int ttyvs_nl_pair_get(struct sk_buff *skb, struct genl_info *info)
{
	struct ttyvs_pair *pair = ttyvs_nl_pair(info);
	int ret;

	if (IS_ERR(pair))
		return PTR_ERR(pair);
	ret = ttyvs_nl_reply_pair(info, pair, TTYVS_CMD_PAIR_GET);
	ttyvs_pair_put(pair);
	return ret;
}

static int ttyvs_nl_pair_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 id = cb->args[0];
	struct ttyvs_pair *pair;
	int ret;

	while ((pair = ttyvs_pair_next(&id))) {
		ret = ttyvs_fill_pair(skb, pair, TTYVS_CMD_PAIR_GET,
				      NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		ttyvs_pair_put(pair);
		if (ret)
			break;
		id++;
	}
	cb->args[0] = id;
	return skb->len;
}

static int ttyvs_nl_pair_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	u8 wire[TTYVS_PORTS_PER_PAIR][TTYVS_NR_INPUTS];
	struct ttyvs_pair *pair;
	struct nlattr *a;
	int ret;

	if (attrs[TTYVS_A_PAIR_LOOPBACK]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[TTYVS_A_PAIR_LOOPBACK],
				    "loopback is fixed at creation");
		return -EINVAL;
	}
	pair = ttyvs_nl_pair(info);
	if (IS_ERR(pair))
		return PTR_ERR(pair);

	memset(wire, TTYVS_WIRE_KEEP, sizeof(wire));
	ret = ttyvs_nl_wirings(info, pair->nports == 1, wire);
	if (ret)
		goto out;

	a = attrs[TTYVS_A_PAIR_BAUD_EMULATION];
	if (a)
		ttyvs_pair_set_emulate_baud(pair, nla_get_u8(a));
	a = attrs[TTYVS_A_PAIR_BUF_SIZE];
	if (a)
		ttyvs_pair_set_buf_size(pair, nla_get_u32(a));
	ttyvs_pair_set_wiring(pair, wire);
	ttyvs_nl_pair_notify(pair, TTYVS_CMD_PAIR_CHANGE_NTF);
out:
	ttyvs_pair_put(pair);
	return ret;
}

/* "ttyVS3" -> 3 */
static int ttyvs_parse_port_name(const char *name, u32 *index)
{
	size_t len = strlen(TTYVS_NAME);

	if (strncmp(name, TTYVS_NAME, len) || !name[len])
		return -EINVAL;
	return kstrtou32(name + len, 10, index);
}

static int ttyvs_nl_port_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct ttyvs_port *p;
	struct sk_buff *msg;
	u32 index;
	int ret;

	if (attrs[TTYVS_A_PORT_INDEX]) {
		index = nla_get_u32(attrs[TTYVS_A_PORT_INDEX]);
	} else if (attrs[TTYVS_A_PORT_NAME]) {
		if (ttyvs_parse_port_name(nla_data(attrs[TTYVS_A_PORT_NAME]),
					  &index)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[TTYVS_A_PORT_NAME],
					    "port name must be ttyVS<number>");
			return -EINVAL;
		}
	} else {
		NL_SET_ERR_MSG(info->extack, "PORT_INDEX or PORT_NAME required");
		return -EINVAL;
	}

	p = ttyvs_port_get_by_index(index);
	if (!p) {
		NL_SET_ERR_MSG(info->extack, "no such port");
		return -ENOENT;
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	ret = -ENOMEM;
	if (msg) {
		ret = ttyvs_fill_port(msg, p, TTYVS_CMD_PORT_GET,
				      info->snd_portid, info->snd_seq, 0);
		if (ret)
			nlmsg_free(msg);
		else
			ret = genlmsg_reply(msg, info);
	}
	tty_port_put(&p->port);
	return ret;
}

/* cb->args[0]: pair id, cb->args[1]: end within that pair. */
static int ttyvs_nl_port_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 id = cb->args[0];
	unsigned int end = cb->args[1];
	struct ttyvs_pair *pair;
	int ret = 0;

	while ((pair = ttyvs_pair_next(&id))) {
		/* The pair we stopped in is gone: start the next one afresh. */
		if (id != cb->args[0])
			end = 0;
		for (; end < pair->nports; end++) {
			ret = ttyvs_fill_port(skb, pair->ports[end],
					      TTYVS_CMD_PORT_GET,
					      NETLINK_CB(cb->skb).portid,
					      cb->nlh->nlmsg_seq, NLM_F_MULTI);
			if (ret)
				break;
		}
		ttyvs_pair_put(pair);
		if (ret)
			break;
		id++;
		end = 0;
		cb->args[0] = id;
	}
	cb->args[0] = id;
	cb->args[1] = end;
	return skb->len;
}

static const struct genl_ops ttyvs_nl_ops[] = {
	{
		.cmd = TTYVS_CMD_PAIR_NEW,
		.doit = ttyvs_nl_pair_new,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TTYVS_CMD_PAIR_DEL,
		.doit = ttyvs_nl_pair_del,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TTYVS_CMD_PAIR_GET,
		.doit = ttyvs_nl_pair_get,
		.dumpit = ttyvs_nl_pair_dump,
	},
	{
		.cmd = TTYVS_CMD_PAIR_SET,
		.doit = ttyvs_nl_pair_set,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TTYVS_CMD_PORT_GET,
		.doit = ttyvs_nl_port_get,
		.dumpit = ttyvs_nl_port_dump,
	},
};

static const struct genl_multicast_group ttyvs_nl_mcgrps[] = {
	{ .name = TTYVS_MCGRP_EVENTS },
};

static struct genl_family ttyvs_nl_family __ro_after_init = {
	.name = TTYVS_FAMILY_NAME,
	.version = TTYVS_FAMILY_VERSION,
	.maxattr = TTYVS_A_MAX,
	.policy = ttyvs_policy,
	/* Serial ports are host-wide; a bridge may live in any netns. */
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = ttyvs_nl_ops,
	.n_ops = ARRAY_SIZE(ttyvs_nl_ops),
	.mcgrps = ttyvs_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ttyvs_nl_mcgrps),
};

int ttyvs_nl_init(void)
{
	int ret = genl_register_family(&ttyvs_nl_family);

	if (!ret)
		WRITE_ONCE(ttyvs_nl_up, true);
	return ret;
}

void ttyvs_nl_exit(void)
{
	WRITE_ONCE(ttyvs_nl_up, false);
	/* Event senders that saw the family up are done after this. */
	synchronize_rcu();
	genl_unregister_family(&ttyvs_nl_family);
}
