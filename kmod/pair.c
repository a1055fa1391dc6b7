// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs pair objects: creation, lookup, destruction, and the modem-line
 * wiring that joins the two ends.
 */
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_flip.h>

#include "ttyvs.h"

/*
 * ttyvs_pairs_lock guards the pair idr and every pair's transition to dead,
 * so that a tty being installed either sees a live pair and takes a port
 * reference, or does not see it at all. An id stays allocated until the
 * pair is freed, so a minor is never reused while a tty still holds it.
 */
static DEFINE_MUTEX(ttyvs_pairs_lock);
static DEFINE_IDR(ttyvs_pairs);

/* Null-modem cable: my RTS drives your CTS, my DTR your DSR and DCD. */
const u8 ttyvs_null_modem[TTYVS_NR_INPUTS] = {
	[TTYVS_IN_CTS] = TTYVS_WIRE_PEER_RTS,
	[TTYVS_IN_DSR] = TTYVS_WIRE_PEER_DTR,
	[TTYVS_IN_DCD] = TTYVS_WIRE_PEER_DTR,
	[TTYVS_IN_RI]  = TTYVS_WIRE_OFF,
};

static const unsigned int ttyvs_input_bit[TTYVS_NR_INPUTS] = {
	[TTYVS_IN_CTS] = TIOCM_CTS,
	[TTYVS_IN_DSR] = TIOCM_DSR,
	[TTYVS_IN_DCD] = TIOCM_CD,
	[TTYVS_IN_RI]  = TIOCM_RI,
};

/**
 * ttyvs_port_outputs - the modem outputs a port presents to the cable
 * @p: the port; caller holds the pair lock
 *
 * RTS follows the user's setting except while hardware flow control has
 * dropped it because the line discipline throttled input.
 */
unsigned int ttyvs_port_outputs(const struct ttyvs_port *p)
{
	unsigned int out = p->mctrl;

	if (p->crtscts && p->throttled)
		out &= ~TIOCM_RTS;
	return out;
}

static bool ttyvs_wire_level(const struct ttyvs_port *p, u8 wire)
{
	const struct ttyvs_port *from = p->peer;
	unsigned int out = ttyvs_port_outputs(from);
	bool level;

	switch (wire & ~TTYVS_WIRE_INVERT) {
	case TTYVS_WIRE_ON:
		level = true;
		break;
	case TTYVS_WIRE_PEER_RTS:
		level = out & TIOCM_RTS;
		break;
	case TTYVS_WIRE_PEER_DTR:
		level = out & TIOCM_DTR;
		break;
	case TTYVS_WIRE_PEER_OUT1:
		level = out & TIOCM_OUT1;
		break;
	case TTYVS_WIRE_PEER_OUT2:
		level = out & TIOCM_OUT2;
		break;
	case TTYVS_WIRE_PEER_OPEN:
		level = from->open;
		break;
	default:
		level = false;
		break;
	}
	return level != !!(wire & TTYVS_WIRE_INVERT);
}

static void ttyvs_count_transitions(struct ttyvs_port *p, unsigned int diff)
{
	if (diff & TIOCM_CTS)
		p->icount.cts++;
	if (diff & TIOCM_DSR)
		p->icount.dsr++;
	if (diff & TIOCM_CD)
		p->icount.dcd++;
	if (diff & TIOCM_RI)
		p->icount.rng++;
}

/**
 * ttyvs_pair_rewire - recompute both ends' modem inputs
 * @pair: the pair; caller holds its lock
 * @d: collects the transitions for ttyvs_pair_msr_notify()
 *
 * Called after anything that may move a line: outputs, open state,
 * throttling, wiring. Counts every transition in the icount.
 */
void ttyvs_pair_rewire(struct ttyvs_pair *pair, struct ttyvs_msr_delta *d)
{
	int i, in;

	lockdep_assert_held(&pair->lock);

	for (i = 0; i < pair->nports; i++) {
		struct ttyvs_port *p = pair->ports[i];
		unsigned int msr = 0, lines;

		for (in = 0; in < TTYVS_NR_INPUTS; in++)
			if (ttyvs_wire_level(p, p->wire[in]))
				msr |= ttyvs_input_bit[in];

		ttyvs_count_transitions(p, msr ^ p->msr);
		p->msr = msr;

		lines = ttyvs_port_outputs(p) | msr;
		d->changed[i] |= lines ^ p->lines;
		d->now[i] = lines;
		p->lines = lines;
	}
}

/**
 * ttyvs_pair_msr_notify - act on modem-input transitions
 * @pair: the pair; called without its lock
 * @d: transitions collected by ttyvs_pair_rewire()
 *
 * Wakes TIOCMIWAIT sleepers, lets a blocking open proceed when carrier
 * rises, hangs up a session without CLOCAL when carrier falls, resumes a
 * writer held back by hardware flow control when CTS rises, and reports
 * the new line state.
 */
void ttyvs_pair_msr_notify(struct ttyvs_pair *pair,
			   const struct ttyvs_msr_delta *d)
{
	unsigned int i;

	for (i = 0; i < pair->nports; i++) {
		struct ttyvs_port *p = pair->ports[i];
		unsigned int changed = d->changed[i];

		if (!changed)
			continue;

		ttyvs_port_event(p, TTYVS_EV_LINES);
		if (!(changed & TTYVS_MCTRL_IN))
			continue;

		if (changed & TIOCM_CD) {
			if (d->now[i] & TIOCM_CD)
				wake_up_interruptible(&p->port.open_wait);
			else
				tty_port_tty_hangup(&p->port, true);
		}
		if ((changed & TIOCM_CTS) && (d->now[i] & TIOCM_CTS))
			ttyvs_tx_resume(p);

		wake_up_interruptible(&p->port.delta_msr_wait);
	}
}

static ssize_t peer_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct ttyvs_port *p = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s%u\n", TTYVS_NAME, p->peer->index);
}
static DEVICE_ATTR_RO(peer);

static ssize_t tx_discarded_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct ttyvs_port *p = dev_get_drvdata(dev);
	unsigned long flags;
	u64 n;

	spin_lock_irqsave(&p->pair->lock, flags);
	n = p->tx_discarded;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	return sysfs_emit(buf, "%llu\n", n);
}
static DEVICE_ATTR_RO(tx_discarded);

static ssize_t pair_name_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct ttyvs_port *p = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", p->pair->name);
}
static DEVICE_ATTR_RO(pair_name);

static ssize_t pair_end_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct ttyvs_port *p = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%c\n", p == p->pair->ports[0] ? 'a' : 'b');
}
static DEVICE_ATTR_RO(pair_end);

static struct attribute *ttyvs_port_attrs[] = {
	&dev_attr_peer.attr,
	&dev_attr_tx_discarded.attr,
	&dev_attr_pair_name.attr,
	&dev_attr_pair_end.attr,
	NULL,
};

static const struct attribute_group ttyvs_port_group = {
	.attrs = ttyvs_port_attrs,
};

const struct attribute_group *ttyvs_port_groups[] = {
	&ttyvs_port_group,
	NULL,
};

static void ttyvs_pair_free(struct ttyvs_pair *pair)
{
	unsigned int i;

	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++)
		kfree(pair->ports[i]);
	kfree(pair);
}

static void ttyvs_pair_release(struct kref *kref)
{
	struct ttyvs_pair *pair = container_of(kref, struct ttyvs_pair, kref);
	unsigned int i;

	/*
	 * An end destructed while its peer was still open may have had an
	 * event queued since (the peer's close moves its lines).
	 */
	for (i = 0; i < pair->nports; i++)
		ttyvs_port_events_stop(pair->ports[i]);

	mutex_lock(&ttyvs_pairs_lock);
	idr_remove(&ttyvs_pairs, pair->id);
	mutex_unlock(&ttyvs_pairs_lock);

	ttyvs_pair_free(pair);
}

/* Drop a port's reference on its pair (from the port's destruct). */
void ttyvs_pair_put(struct ttyvs_pair *pair)
{
	kref_put(&pair->kref, ttyvs_pair_release);
}

/*
 * A new pair starts from the driver's default termios even on a minor an
 * earlier pair used: drop what the tty core saved there at its last close.
 * No tty can hold the minor now, its id was only freed after every tty of
 * the old pair was released. (Debian's 6.1 has a driver flag for this;
 * mainline does not.)
 */
static void ttyvs_forget_saved_termios(unsigned int index)
{
	kfree(ttyvs_driver->termios[index]);
	ttyvs_driver->termios[index] = NULL;
}

static void ttyvs_port_setup(struct ttyvs_pair *pair, unsigned int i,
			     const struct ttyvs_pair_config *cfg)
{
	struct ttyvs_port *p = pair->ports[i];

	tty_port_init(&p->port);
	ttyvs_port_init_ops(p);
	tty_buffer_set_limit(&p->port, pair->buf_size);
	p->pair = pair;
	/* A loopback plug: the port is its own peer. */
	p->peer = pair->ports[pair->nports == 1 ? 0 : !i];
	p->index = pair->id * TTYVS_PORTS_PER_PAIR + i;
	ttyvs_forget_saved_termios(p->index);
	p->termios = ttyvs_driver->init_termios;
	memcpy(p->wire, cfg->wire[i], sizeof(p->wire));
	ttyvs_pace_init(p);
	ttyvs_raw_init(p);
	ttyvs_port_events_init(p);
}

/*
 * The inputs a new pair's wiring gives while nothing is open (e.g. DCD wired
 * "on"), as its initial state rather than as transitions.
 */
static void ttyvs_pair_init_lines(struct ttyvs_pair *pair)
{
	struct ttyvs_msr_delta d = {};
	unsigned int i;

	spin_lock_irq(&pair->lock);
	ttyvs_pair_rewire(pair, &d);
	for (i = 0; i < pair->nports; i++)
		memset(&pair->ports[i]->icount, 0,
		       sizeof(pair->ports[i]->icount));
	spin_unlock_irq(&pair->lock);
}

/**
 * ttyvs_name_valid - is @name acceptable as a pair name?
 * @name: NUL-terminated
 *
 * 1 to TTYVS_NAME_MAX characters from [A-Za-z0-9_.-]: safe in /dev paths.
 */
bool ttyvs_name_valid(const char *name)
{
	size_t len = strnlen(name, TTYVS_NAME_MAX + 1);
	size_t i;

	if (!len || len > TTYVS_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) || (!isalnum(name[i]) &&
					  !strchr("_.-", name[i])))
			return false;
	return true;
}

/* Caller holds ttyvs_pairs_lock. */
static bool ttyvs_name_taken(const char *name)
{
	struct ttyvs_pair *pair;
	int id;

	idr_for_each_entry(&ttyvs_pairs, pair, id)
		if (!pair->dead && !strcmp(pair->name, name))
			return true;
	return false;
}

/**
 * ttyvs_pair_config_init - defaults for a new pair: null-modem, 8 KiB
 * @cfg: filled in
 */
void ttyvs_pair_config_init(struct ttyvs_pair_config *cfg)
{
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->id = -1;
	cfg->buf_size = TTYVS_BUF_SIZE_DEFAULT;
	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++)
		memcpy(cfg->wire[i], ttyvs_null_modem, sizeof(cfg->wire[i]));
}

/**
 * ttyvs_pair_create - create a pair and its tty devices
 * @cfg: what to create; see ttyvs_pair_config_init()
 *
 * Return: the pair (owned by the driver; look it up again to use it), or
 * an ERR_PTR: -EEXIST when the requested id or name is taken, -ENOSPC
 * when max_pairs is reached, -ENOMEM, or a device registration error.
 */
struct ttyvs_pair *ttyvs_pair_create(const struct ttyvs_pair_config *cfg)
{
	unsigned int max_id = ttyvs_driver->num / TTYVS_PORTS_PER_PAIR;
	struct ttyvs_pair *pair;
	struct device *dev;
	unsigned int i;
	int ret;

	if (cfg->id >= (int)max_id)
		return ERR_PTR(-ENOSPC);

	pair = kzalloc(sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return ERR_PTR(-ENOMEM);
	pair->nports = cfg->loopback ? 1 : TTYVS_PORTS_PER_PAIR;
	for (i = 0; i < pair->nports; i++) {
		pair->ports[i] = kzalloc(sizeof(*pair->ports[i]), GFP_KERNEL);
		if (!pair->ports[i]) {
			ttyvs_pair_free(pair);
			return ERR_PTR(-ENOMEM);
		}
	}

	spin_lock_init(&pair->lock);
	/* One reference per port, dropped by the port's destruct. */
	kref_init(&pair->kref);
	refcount_set(&pair->kref.refcount, pair->nports);
	if (cfg->name)
		strscpy(pair->name, cfg->name, sizeof(pair->name));
	pair->emulate_baud = cfg->emulate_baud;
	pair->buf_size = cfg->buf_size;
	/* Not visible to install until the devices exist. */
	pair->dead = true;

	mutex_lock(&ttyvs_pairs_lock);
	if (cfg->name && ttyvs_name_taken(cfg->name)) {
		ret = -EEXIST;
	} else if (cfg->id >= 0) {
		ret = idr_alloc(&ttyvs_pairs, pair, cfg->id, cfg->id + 1,
				GFP_KERNEL);
		if (ret == -ENOSPC)
			ret = -EEXIST;
	} else {
		ret = idr_alloc(&ttyvs_pairs, pair, 0, max_id, GFP_KERNEL);
	}
	if (ret < 0) {
		mutex_unlock(&ttyvs_pairs_lock);
		ttyvs_pair_free(pair);
		return ERR_PTR(ret);
	}
	pair->id = ret;
	mutex_unlock(&ttyvs_pairs_lock);

	for (i = 0; i < pair->nports; i++)
		ttyvs_port_setup(pair, i, cfg);
	ttyvs_pair_init_lines(pair);

	for (i = 0; i < pair->nports; i++) {
		struct ttyvs_port *p = pair->ports[i];

		dev = tty_port_register_device_attr(&p->port, ttyvs_driver,
						    p->index, NULL, p,
						    ttyvs_port_groups);
		if (IS_ERR(dev)) {
			ret = PTR_ERR(dev);
			goto err_unregister;
		}
	}

	mutex_lock(&ttyvs_pairs_lock);
	pair->dead = false;
	mutex_unlock(&ttyvs_pairs_lock);
	return pair;

err_unregister:
	while (i-- > 0)
		tty_unregister_device(ttyvs_driver, pair->ports[i]->index);
	/* Nobody can have opened the ports: drop them, freeing the pair. */
	for (i = 0; i < pair->nports; i++)
		tty_port_put(&pair->ports[i]->port);
	return ERR_PTR(ret);
}

/**
 * ttyvs_port_get_by_index - find the live port behind a tty index
 * @index: tty index
 *
 * Return: the port with a tty_port reference held, or NULL.
 */
struct ttyvs_port *ttyvs_port_get_by_index(unsigned int index)
{
	struct ttyvs_port *p = NULL;
	struct ttyvs_pair *pair;

	mutex_lock(&ttyvs_pairs_lock);
	pair = idr_find(&ttyvs_pairs, index / TTYVS_PORTS_PER_PAIR);
	if (pair && !pair->dead &&
	    index % TTYVS_PORTS_PER_PAIR < pair->nports) {
		p = pair->ports[index % TTYVS_PORTS_PER_PAIR];
		if (!tty_port_get(&p->port))
			p = NULL;
	}
	mutex_unlock(&ttyvs_pairs_lock);
	return p;
}

/**
 * ttyvs_pair_lookup - find a live pair by id or, if @name is set, by name
 * @id: pair id
 * @name: pair name, or NULL
 *
 * Return: the pair with a reference held (ttyvs_pair_put()), or NULL.
 */
struct ttyvs_pair *ttyvs_pair_lookup(u32 id, const char *name)
{
	struct ttyvs_pair *pair = NULL, *it;
	int i;

	mutex_lock(&ttyvs_pairs_lock);
	if (!name) {
		pair = idr_find(&ttyvs_pairs, id);
	} else if (*name) {
		/* Unnamed pairs have name "": never found by name. */
		idr_for_each_entry(&ttyvs_pairs, it, i) {
			if (!it->dead && !strcmp(it->name, name)) {
				pair = it;
				break;
			}
		}
	}
	if (pair && (pair->dead || !kref_get_unless_zero(&pair->kref)))
		pair = NULL;
	mutex_unlock(&ttyvs_pairs_lock);
	return pair;
}

/**
 * ttyvs_pair_next - iterate over live pairs in id order
 * @id: in: first id to consider; out: the id found
 *
 * Return: the pair with a reference held, or NULL at the end.
 */
struct ttyvs_pair *ttyvs_pair_next(u32 *id)
{
	struct ttyvs_pair *pair;
	int i = *id;

	mutex_lock(&ttyvs_pairs_lock);
	for (; (pair = idr_get_next(&ttyvs_pairs, &i)); i++)
		if (!pair->dead && kref_get_unless_zero(&pair->kref))
			break;
	mutex_unlock(&ttyvs_pairs_lock);
	*id = i;
	return pair;
}

/**
 * ttyvs_port_in_use - does a tty have this port open?
 * @p: the port
 */
bool ttyvs_port_in_use(struct ttyvs_port *p)
{
	struct tty_struct *tty = tty_port_tty_get(&p->port);

	tty_kref_put(tty);
	return tty;
}

/*
 * Hot-unplug order (usb-serial, rfcomm): no new opens, remove the node,
 * hang up whoever has it open and wake every sleeper, then drop our
 * reference; the last tty reference frees the port.
 */
static void ttyvs_port_kill(struct ttyvs_port *p)
{
	struct tty_struct *tty;

	ttyvs_port_events_stop(p);
	tty_unregister_device(ttyvs_driver, p->index);

	tty = tty_port_tty_get(&p->port);
	if (tty) {
		tty_vhangup(tty);
		tty_kref_put(tty);
	}
	wake_up_interruptible(&p->port.open_wait);
	wake_up_interruptible(&p->port.delta_msr_wait);
	tty_port_put(&p->port);
}

/**
 * ttyvs_pair_destroy - remove a pair
 * @pair: the pair
 * @force: hang up open ports instead of failing
 * @busy: if not NULL, set to the open port that made it fail
 *
 * The caller holds a reference on @pair (ttyvs_pair_lookup()), so the
 * pair outlives the last port reference dropped here.
 *
 * Return: 0, -EBUSY when a port is open and @force is false, or -ENOENT
 * when the pair is already being destroyed.
 */
int ttyvs_pair_destroy(struct ttyvs_pair *pair, bool force,
		       struct ttyvs_port **busy)
{
	unsigned long flags;
	unsigned int i;

	mutex_lock(&ttyvs_pairs_lock);
	if (pair->dead) {
		mutex_unlock(&ttyvs_pairs_lock);
		return -ENOENT;
	}
	for (i = 0; i < pair->nports && !force; i++) {
		if (ttyvs_port_in_use(pair->ports[i])) {
			mutex_unlock(&ttyvs_pairs_lock);
			if (busy)
				*busy = pair->ports[i];
			return -EBUSY;
		}
	}
	spin_lock_irqsave(&pair->lock, flags);
	pair->dead = true;
	spin_unlock_irqrestore(&pair->lock, flags);
	mutex_unlock(&ttyvs_pairs_lock);

	for (i = 0; i < pair->nports; i++)
		ttyvs_port_kill(pair->ports[i]);
	return 0;
}

/* Module exit: the module refcount guarantees no tty is open. */
void ttyvs_pair_destroy_all(void)
{
	struct ttyvs_pair *pair;
	u32 id = 0;

	while ((pair = ttyvs_pair_next(&id))) {
		ttyvs_pair_destroy(pair, true, NULL);
		ttyvs_pair_put(pair);
	}
}

/**
 * ttyvs_pair_set_wiring - rewire inputs live
 * @pair: the pair
 * @wire: per end, per input: a wiring value or TTYVS_WIRE_KEEP
 */
void ttyvs_pair_set_wiring(struct ttyvs_pair *pair,
			   const u8 wire[][TTYVS_NR_INPUTS])
{
	struct ttyvs_msr_delta d = {};
	unsigned long flags;
	unsigned int i, in;

	spin_lock_irqsave(&pair->lock, flags);
	for (i = 0; i < pair->nports; i++)
		for (in = 0; in < TTYVS_NR_INPUTS; in++)
			if (wire[i][in] != TTYVS_WIRE_KEEP)
				pair->ports[i]->wire[in] = wire[i][in];
	ttyvs_pair_rewire(pair, &d);
	spin_unlock_irqrestore(&pair->lock, flags);

	ttyvs_pair_msr_notify(pair, &d);
}

/**
 * ttyvs_pair_set_buf_size - resize both ends' receive buffers
 * @pair: the pair
 * @size: bytes, TTYVS_BUF_SIZE_MIN..TTYVS_BUF_SIZE_MAX
 *
 * Applies to what is written from now on; a grown buffer frees writers.
 */
void ttyvs_pair_set_buf_size(struct ttyvs_pair *pair, unsigned int size)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&pair->lock, flags);
	pair->buf_size = size;
	for (i = 0; i < pair->nports; i++)
		tty_buffer_set_limit(&pair->ports[i]->port, size);
	spin_unlock_irqrestore(&pair->lock, flags);

	for (i = 0; i < pair->nports; i++)
		ttyvs_tx_resume(pair->ports[i]);
}

void ttyvs_pair_set_emulate_baud(struct ttyvs_pair *pair, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&pair->lock, flags);
	pair->emulate_baud = on;
	spin_unlock_irqrestore(&pair->lock, flags);
}

void ttyvs_pairs_exit(void)
{
	WARN_ON(!idr_is_empty(&ttyvs_pairs));
	idr_destroy(&ttyvs_pairs);
}
