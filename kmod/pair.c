// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs pair objects: creation, lookup, destruction, and the modem-line
 * wiring that joins the two ends.
 */
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
static const struct ttyvs_wire ttyvs_null_modem[TTYVS_NR_INPUTS] = {
	[TTYVS_IN_CTS] = { .src = TTYVS_SRC_RTS },
	[TTYVS_IN_DSR] = { .src = TTYVS_SRC_DTR },
	[TTYVS_IN_DCD] = { .src = TTYVS_SRC_DTR },
	[TTYVS_IN_RI]  = { .src = TTYVS_SRC_OFF },
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

static bool ttyvs_wire_level(const struct ttyvs_port *p,
			     const struct ttyvs_wire *w)
{
	const struct ttyvs_port *from = p->peer;
	unsigned int out = ttyvs_port_outputs(from);
	bool level;

	switch (w->src) {
	case TTYVS_SRC_ON:
		level = true;
		break;
	case TTYVS_SRC_RTS:
		level = out & TIOCM_RTS;
		break;
	case TTYVS_SRC_DTR:
		level = out & TIOCM_DTR;
		break;
	case TTYVS_SRC_OUT1:
		level = out & TIOCM_OUT1;
		break;
	case TTYVS_SRC_OUT2:
		level = out & TIOCM_OUT2;
		break;
	case TTYVS_SRC_OPEN:
		level = from->open;
		break;
	default:
		level = false;
		break;
	}
	return level != w->invert;
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

	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++) {
		struct ttyvs_port *p = pair->ports[i];
		unsigned int msr = 0, diff;

		for (in = 0; in < TTYVS_NR_INPUTS; in++)
			if (ttyvs_wire_level(p, &p->wire[in]))
				msr |= ttyvs_input_bit[in];

		diff = msr ^ p->msr;
		p->msr = msr;
		ttyvs_count_transitions(p, diff);
		d->changed[i] |= diff;
		d->now[i] = msr;
	}
}

/**
 * ttyvs_pair_msr_notify - act on modem-input transitions
 * @pair: the pair; called without its lock
 * @d: transitions collected by ttyvs_pair_rewire()
 *
 * Wakes TIOCMIWAIT sleepers, lets a blocking open proceed when carrier
 * rises, hangs up a session without CLOCAL when carrier falls, and resumes
 * a writer held back by hardware flow control when CTS rises.
 */
void ttyvs_pair_msr_notify(struct ttyvs_pair *pair,
			   const struct ttyvs_msr_delta *d)
{
	int i;

	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++) {
		struct ttyvs_port *p = pair->ports[i];
		unsigned int changed = d->changed[i];

		if (!changed)
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

static struct attribute *ttyvs_port_attrs[] = {
	&dev_attr_peer.attr,
	&dev_attr_tx_discarded.attr,
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
	int i;

	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++)
		kfree(pair->ports[i]);
	kfree(pair);
}

static void ttyvs_pair_release(struct kref *kref)
{
	struct ttyvs_pair *pair = container_of(kref, struct ttyvs_pair, kref);

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

static void ttyvs_port_setup(struct ttyvs_pair *pair, int i)
{
	struct ttyvs_port *p = pair->ports[i];

	tty_port_init(&p->port);
	ttyvs_port_init_ops(p);
	tty_buffer_set_limit(&p->port, TTYVS_RX_BUF_SIZE);
	p->pair = pair;
	p->peer = pair->ports[!i];
	p->index = pair->id * TTYVS_PORTS_PER_PAIR + i;
	memcpy(p->wire, ttyvs_null_modem, sizeof(p->wire));
	ttyvs_pace_init(p);
}

/**
 * ttyvs_pair_create - create a pair and its two tty devices
 * @id: pair id to use, or -1 for the lowest free one
 *
 * Return: the pair, or an ERR_PTR: -ENOSPC when max_pairs is reached or
 * @id is taken, -ENOMEM, or the device registration error.
 */
struct ttyvs_pair *ttyvs_pair_create(int id)
{
	unsigned int max_id = ttyvs_driver->num / TTYVS_PORTS_PER_PAIR;
	struct ttyvs_pair *pair;
	struct device *dev;
	int i, ret;

	pair = kzalloc(sizeof(*pair), GFP_KERNEL);
	if (!pair)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++) {
		pair->ports[i] = kzalloc(sizeof(*pair->ports[i]), GFP_KERNEL);
		if (!pair->ports[i]) {
			ttyvs_pair_free(pair);
			return ERR_PTR(-ENOMEM);
		}
	}

	spin_lock_init(&pair->lock);
	/* One reference per port, dropped by the port's destruct. */
	kref_init(&pair->kref);
	kref_get(&pair->kref);

	mutex_lock(&ttyvs_pairs_lock);
	if (id >= 0)
		ret = idr_alloc(&ttyvs_pairs, pair, id, id + 1, GFP_KERNEL);
	else
		ret = idr_alloc(&ttyvs_pairs, pair, 0, max_id, GFP_KERNEL);
	if (ret < 0) {
		mutex_unlock(&ttyvs_pairs_lock);
		ttyvs_pair_free(pair);
		return ERR_PTR(ret);
	}
	pair->id = ret;
	/* Not visible to install until both devices exist. */
	pair->dead = true;
	mutex_unlock(&ttyvs_pairs_lock);

	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++)
		ttyvs_port_setup(pair, i);

	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++) {
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
	while (--i >= 0)
		tty_unregister_device(ttyvs_driver, pair->ports[i]->index);
	/* Nobody can have opened the ports: drop them, freeing the pair. */
	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++)
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
	if (pair && !pair->dead) {
		p = pair->ports[index % TTYVS_PORTS_PER_PAIR];
		if (!tty_port_get(&p->port))
			p = NULL;
	}
	mutex_unlock(&ttyvs_pairs_lock);
	return p;
}

static bool ttyvs_port_in_use(struct ttyvs_port *p)
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
 *
 * Return: 0, -EBUSY when a port is open and @force is false, or -ENODEV
 * when the pair is already being destroyed.
 */
int ttyvs_pair_destroy(struct ttyvs_pair *pair, bool force)
{
	unsigned long flags;
	int i;

	mutex_lock(&ttyvs_pairs_lock);
	if (pair->dead) {
		mutex_unlock(&ttyvs_pairs_lock);
		return -ENODEV;
	}
	if (!force) {
		for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++) {
			if (ttyvs_port_in_use(pair->ports[i])) {
				mutex_unlock(&ttyvs_pairs_lock);
				return -EBUSY;
			}
		}
	}
	spin_lock_irqsave(&pair->lock, flags);
	pair->dead = true;
	spin_unlock_irqrestore(&pair->lock, flags);
	mutex_unlock(&ttyvs_pairs_lock);

	for (i = 0; i < TTYVS_PORTS_PER_PAIR; i++)
		ttyvs_port_kill(pair->ports[i]);
	return 0;
}

/* Module exit: the module refcount guarantees no tty is open. */
void ttyvs_pair_destroy_all(void)
{
	struct ttyvs_pair *pair;
	int id;

	for (;;) {
		mutex_lock(&ttyvs_pairs_lock);
		pair = NULL;
		idr_for_each_entry(&ttyvs_pairs, pair, id)
			if (!pair->dead)
				break;
		mutex_unlock(&ttyvs_pairs_lock);
		if (!pair)
			break;
		ttyvs_pair_destroy(pair, true);
	}
}

void ttyvs_pairs_exit(void)
{
	WARN_ON(!idr_is_empty(&ttyvs_pairs));
	idr_destroy(&ttyvs_pairs);
}
