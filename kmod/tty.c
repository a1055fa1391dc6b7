// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs tty and tty_port operations: the data path between the two ends,
 * modem control, flow control and break.
 *
 * Data written on one end goes straight into the peer's flip buffer, as on
 * a pty. We count what sits there unconsumed (rx_inflight) and bound it by
 * the pair's buf_size; write_room() reports the rest, so a writer to a
 * stalled reader blocks instead of losing data, and is woken once the
 * peer's line discipline has taken half of it (or all). A port with a raw
 * channel (raw.c) gets its input there instead of in the flip buffer.
 */
#include <linux/serial.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_flip.h>

#include "ttyvs.h"

/* Classic 16550 clock (1.8432 MHz / 16), reported by TIOCGSERIAL. */
#define TTYVS_BAUD_BASE		115200

static struct tty_port_client_operations ttyvs_client_ops __ro_after_init;

static struct ttyvs_port *to_ttyvs_port(struct tty_port *port)
{
	return container_of(port, struct ttyvs_port, port);
}

/**
 * ttyvs_tx_allowed - may this end put characters on the wire now?
 * @p: the port; caller holds the pair lock
 *
 * Not while output is stopped by XOFF, nor while hardware flow control is
 * on and CTS is low.
 */
bool ttyvs_tx_allowed(const struct ttyvs_port *p)
{
	if (p->stopped)
		return false;
	return !(p->crtscts && !(p->msr & TIOCM_CTS));
}

/**
 * ttyvs_tx_resume - a condition that held a writer back may have cleared
 * @p: the writing port; called without the pair lock
 */
void ttyvs_tx_resume(struct ttyvs_port *p)
{
	ttyvs_pace_kick(p);
	tty_port_tty_wakeup(&p->port);
	ttyvs_raw_wake_writer(p);
}

/**
 * ttyvs_rx_put - characters arrive at a port
 * @p: the receiving port, open; caller holds the pair lock
 * @buf: the characters
 * @count: how many
 *
 * Into @p's raw channel if it has one, else into its flip buffer; the
 * caller bounds @count by ttyvs_rx_room() and pushes afterwards. Returns
 * how many were taken.
 */
unsigned int ttyvs_rx_put(struct ttyvs_port *p, const u8 *buf,
			  unsigned int count)
{
	unsigned int n;

	if (p->raw)
		return ttyvs_raw_put(p, buf, count);
	n = tty_insert_flip_string(&p->port, buf, count);
	p->rx_inflight += n;
	return n;
}

/* Hand what ttyvs_rx_put() took to the reader (pair lock held). */
void ttyvs_rx_push(struct ttyvs_port *p)
{
	if (p->raw)
		ttyvs_raw_push(p);
	else
		tty_flip_buffer_push(&p->port);
}

/*
 * Put one character (or, with TTY_BREAK, a break) on the peer's wire ahead
 * of any queued data. Only data characters count as tx/rx bytes.
 */
static void ttyvs_send_char_locked(struct ttyvs_port *p, u8 ch, u8 flag)
{
	struct ttyvs_port *peer = p->peer;
	bool data = flag == TTY_NORMAL;

	if (data)
		p->icount.tx++;
	if (!peer->open) {
		if (data)
			p->tx_discarded++;
		return;
	}
	if (peer->raw) {
		/*
		 * A break reads as a NUL, as from n_tty in raw mode. Like the
		 * flip buffer, the fifo takes this one beyond the room bound
		 * if it can: STOP and START must not wait behind data.
		 */
		if (ttyvs_raw_put(peer, &ch, 1) != 1) {
			peer->icount.buf_overrun++;
			return;
		}
	} else {
		if (tty_insert_flip_char(&peer->port, ch, flag) != 1) {
			peer->icount.buf_overrun++;
			return;
		}
		peer->rx_inflight++;
	}
	if (data)
		peer->icount.rx++;
	ttyvs_rx_push(peer);
}

/* Line outputs or line-affecting state changed: rewire and notify. */
void ttyvs_lines_update(struct ttyvs_port *p,
			void (*change)(struct ttyvs_port *p, void *arg),
			void *arg)
{
	struct ttyvs_pair *pair = p->pair;
	struct ttyvs_msr_delta d = {};
	unsigned long flags;

	spin_lock_irqsave(&pair->lock, flags);
	change(p, arg);
	ttyvs_pair_rewire(pair, &d);
	spin_unlock_irqrestore(&pair->lock, flags);

	ttyvs_pair_msr_notify(pair, &d);
}

/* ------------------------------------------------------------------ */
/* Receive side: wake the peer's writer when our line discipline eats. */

/**
 * ttyvs_rx_room - how much more a port's input may take
 * @p: the receiving port; caller holds the pair lock
 */
unsigned int ttyvs_rx_room(const struct ttyvs_port *p)
{
	unsigned int size = p->pair->buf_size;

	if (p->raw)
		return ttyvs_raw_room(p);
	return p->rx_inflight < size ? size - p->rx_inflight : 0;
}

static TTYVS_RECV_RET ttyvs_receive_buf(struct tty_port *port,
					const TTYVS_RECV_CHAR *cp,
					const TTYVS_RECV_CHAR *fp, size_t count)
{
	struct ttyvs_port *p = to_ttyvs_port(port);
	struct ttyvs_port *writer = p->peer;
	unsigned long flags;
	TTYVS_RECV_RET n;
	bool wake;

	n = tty_port_default_client_ops.receive_buf(port, cp, fp, count);
	if (!n)
		return 0;

	/*
	 * A starved writer is woken once half the buffer is free (or all of
	 * it has been taken), not for every chunk the line discipline eats:
	 * like a pipe, this makes a blocked writer move big pieces instead of
	 * waking for each few hundred bytes.
	 */
	spin_lock_irqsave(&p->pair->lock, flags);
	p->rx_inflight -= min_t(unsigned int, n, p->rx_inflight);
	wake = ttyvs_rx_room(p) >= p->pair->buf_size / 2 || !p->rx_inflight;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	/* The lock orders the room we freed before the writer's flag. */
	if (wake && test_and_clear_bit(TTYVS_TX_STARVED, &writer->flags))
		ttyvs_tx_resume(writer);
	return n;
}

/**
 * ttyvs_client_ops_init - our tty_port client ops
 *
 * The default ones, with receive_buf wrapped to restart a starved writer:
 * the line discipline only calls unthrottle after it throttled, so a
 * serial-type driver learns about consumed input nowhere else.
 */
void ttyvs_client_ops_init(void)
{
	ttyvs_client_ops = tty_port_default_client_ops;
	ttyvs_client_ops.receive_buf = ttyvs_receive_buf;
}

void ttyvs_port_init_ops(struct ttyvs_port *p)
{
	p->port.ops = &ttyvs_port_ops;
	p->port.client_ops = &ttyvs_client_ops;
}

/* Caller holds the pair lock, which orders this against the consumer. */
static void ttyvs_mark_starved(struct ttyvs_port *p)
{
	set_bit(TTYVS_TX_STARVED, &p->flags);
}

/* ------------------------------------------------------------------ */
/* tty_operations */

static int ttyvs_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct ttyvs_port *p = ttyvs_port_get_by_index(tty->index);
	int ret;

	if (!p)
		return -ENODEV;

	tty->driver_data = p;
	ret = tty_port_install(&p->port, driver, tty);
	if (ret) {
		tty->driver_data = NULL;
		tty_port_put(&p->port);
	}
	return ret;
}

static void ttyvs_cleanup(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;

	tty->driver_data = NULL;
	tty_port_put(&p->port);
}

static int ttyvs_open(struct tty_struct *tty, struct file *filp)
{
	struct ttyvs_port *p = tty->driver_data;

	return tty_port_open(&p->port, tty, filp);
}

static void ttyvs_close(struct tty_struct *tty, struct file *filp)
{
	struct ttyvs_port *p = tty->driver_data;

	tty_port_close(&p->port, tty, filp);
}

static void ttyvs_hangup(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;

	tty_port_hangup(&p->port);
}

/* Direct path: straight into the peer's flip buffer, bounded by its room. */
static unsigned int ttyvs_write_direct(struct ttyvs_port *p, const u8 *buf,
				       unsigned int count)
{
	struct ttyvs_port *peer = p->peer;
	unsigned int room, n;

	if (!ttyvs_tx_allowed(p))
		return 0;

	if (!peer->open) {
		/* A cable with nobody listening: the bytes are gone. */
		p->icount.tx += count;
		p->tx_discarded += count;
		return count;
	}

	room = ttyvs_rx_room(peer);
	n = ttyvs_rx_put(peer, buf, min(count, room));
	if (n) {
		p->icount.tx += n;
		peer->icount.rx += n;
		ttyvs_rx_push(peer);
	}
	return n;
}

/**
 * ttyvs_port_write_locked - a write on a port (its tty or its raw channel)
 * @p: the writing port; caller holds the pair lock
 * @buf: the data
 * @count: its length, not 0
 * @paced: set when the data went to the baud-rate queue; the caller then
 *	kicks the pacing timer after dropping the lock
 *
 * Returns how many bytes were taken; fewer than @count marks the writer
 * starved, so it is woken when room comes.
 */
unsigned int ttyvs_port_write_locked(struct ttyvs_port *p, const u8 *buf,
				     unsigned int count, bool *paced)
{
	unsigned int n;

	*paced = ttyvs_pace_active(p);
	if (*paced)
		n = ttyvs_pace_enqueue(p, buf, count);
	else
		n = ttyvs_write_direct(p, buf, count);
	if (n < count)
		ttyvs_mark_starved(p);
	return n;
}

static TTYVS_WRITE_RET ttyvs_write(struct tty_struct *tty, const u8 *buf,
				   TTYVS_WRITE_LEN count)
{
	struct ttyvs_port *p = tty->driver_data;
	unsigned long flags;
	unsigned int n;
	bool paced;

	if (!count)
		return 0;

	spin_lock_irqsave(&p->pair->lock, flags);
	n = ttyvs_port_write_locked(p, buf, count, &paced);
	spin_unlock_irqrestore(&p->pair->lock, flags);

	if (paced)
		ttyvs_pace_kick(p);
	return n;
}

/* What a write may hand over now; caller holds the pair lock. */
unsigned int ttyvs_port_write_room_locked(struct ttyvs_port *p)
{
	unsigned int room;

	if (ttyvs_pace_active(p))
		room = ttyvs_pace_room(p);
	else if (!ttyvs_tx_allowed(p))
		room = 0;
	else if (!p->peer->open)
		room = p->pair->buf_size;
	else
		room = ttyvs_rx_room(p->peer);
	if (!room)
		ttyvs_mark_starved(p);
	return room;
}

static unsigned int ttyvs_write_room(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;
	unsigned long flags;
	unsigned int room;

	spin_lock_irqsave(&p->pair->lock, flags);
	room = ttyvs_port_write_room_locked(p);
	spin_unlock_irqrestore(&p->pair->lock, flags);

	return room;
}

static unsigned int ttyvs_chars_in_buffer(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&p->pair->lock, flags);
	n = ttyvs_pace_queued(p);
	spin_unlock_irqrestore(&p->pair->lock, flags);
	return n;
}

static void ttyvs_flush_buffer(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;

	ttyvs_pace_flush(p);
	tty_wakeup(tty);
}

static void ttyvs_send_xchar(struct tty_struct *tty, TTYVS_XCHAR ch)
{
	struct ttyvs_port *p = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	ttyvs_send_char_locked(p, ch, TTY_NORMAL);
	spin_unlock_irqrestore(&p->pair->lock, flags);
}

/**
 * ttyvs_set_throttled_locked - our input is (no longer) nearly full
 * @p: the receiving port; caller holds the pair lock and rewires after
 * @throttle: stop the sender, or let it go on
 */
void ttyvs_set_throttled_locked(struct ttyvs_port *p, bool throttle)
{
	const struct ktermios *t = &p->termios;

	p->throttled = throttle;
	/* Software flow control: tell the sender, as a UART with auto-XOFF. */
	if (t->c_iflag & IXOFF)
		ttyvs_send_char_locked(p, t->c_cc[throttle ? VSTOP : VSTART],
				       TTY_NORMAL);
}

static void ttyvs_set_throttled(struct ttyvs_port *p, void *arg)
{
	ttyvs_set_throttled_locked(p, !!arg);
}

/*
 * The line discipline's input buffer is nearly full. With CRTSCTS our RTS
 * drops (the peer's CTS falls), with IXOFF we send STOP.
 */
static void ttyvs_throttle(struct tty_struct *tty)
{
	ttyvs_lines_update(tty->driver_data, ttyvs_set_throttled, tty);
}

static void ttyvs_unthrottle(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;

	ttyvs_lines_update(p, ttyvs_set_throttled, NULL);
	/* Input was flushed or drained: the peer may write again. */
	ttyvs_tx_resume(p->peer);
}

/* Called with tty->flow.lock held. */
static void ttyvs_stop(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	p->stopped = true;
	spin_unlock_irqrestore(&p->pair->lock, flags);
}

/*
 * Called with tty->flow.lock held; the core wakes the tty's writers
 * afterwards, we wake the raw channel's.
 */
static void ttyvs_start(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	p->stopped = false;
	spin_unlock_irqrestore(&p->pair->lock, flags);
	ttyvs_pace_kick(p);
	ttyvs_raw_wake_writer(p);
}

struct ttyvs_termios_arg {
	struct tty_struct *tty;
	const struct ktermios *old;
};

static void ttyvs_apply_termios(struct ttyvs_port *p, void *arg)
{
	const struct ttyvs_termios_arg *t = arg;
	struct tty_struct *tty = t->tty;
	const struct ktermios *old = t->old;

	p->termios = tty->termios;
	p->crtscts = C_CRTSCTS(tty);
	p->ignbrk = I_IGNBRK(tty);
	ttyvs_pace_set_termios(p, tty);

	if (!old)
		return;
	/* Entering B0 hangs up the modem; leaving it raises the lines. */
	if ((old->c_cflag & CBAUD) && !C_BAUD(tty))
		p->mctrl &= ~(TIOCM_DTR | TIOCM_RTS);
	else if (!(old->c_cflag & CBAUD) && C_BAUD(tty))
		p->mctrl |= TIOCM_DTR | TIOCM_RTS;
}

static void ttyvs_set_termios(struct tty_struct *tty,
			      const struct ktermios *old)
{
	struct ttyvs_port *p = tty->driver_data;
	struct ttyvs_termios_arg t = { .tty = tty, .old = old };

	ttyvs_lines_update(p, ttyvs_apply_termios, &t);
	ttyvs_port_event(p, TTYVS_EV_TERMIOS);
	/* CRTSCTS may have been cleared under a blocked writer. */
	ttyvs_tx_resume(p);
}

/* A new line discipline takes over our input: the peer may write again. */
static void ttyvs_set_ldisc(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;

	ttyvs_tx_resume(p->peer);
}

static int ttyvs_tiocmget(struct tty_struct *tty)
{
	struct ttyvs_port *p = tty->driver_data;
	unsigned long flags;
	int val;

	spin_lock_irqsave(&p->pair->lock, flags);
	val = ttyvs_port_outputs(p) | p->msr;
	spin_unlock_irqrestore(&p->pair->lock, flags);
	return val;
}

struct ttyvs_mctrl_arg {
	unsigned int set;
	unsigned int clear;
};

static void ttyvs_apply_mctrl(struct ttyvs_port *p, void *arg)
{
	const struct ttyvs_mctrl_arg *m = arg;

	p->mctrl = (p->mctrl & ~m->clear) | m->set;
	p->mctrl &= TTYVS_MCTRL_OUT;
}

static int ttyvs_tiocmset(struct tty_struct *tty, unsigned int set,
			  unsigned int clear)
{
	struct ttyvs_mctrl_arg m = { .set = set, .clear = clear };

	ttyvs_lines_update(tty->driver_data, ttyvs_apply_mctrl, &m);
	return 0;
}

static int ttyvs_break_ctl(struct tty_struct *tty, int state)
{
	struct ttyvs_port *p = tty->driver_data;
	struct ttyvs_port *peer = p->peer;
	unsigned long flags;
	bool sent = false;

	spin_lock_irqsave(&p->pair->lock, flags);
	/* The peer sees one break per assertion, unless it ignores breaks. */
	if (state && !p->break_on) {
		if (peer->open)
			peer->icount.brk++;
		if (!peer->ignbrk)
			ttyvs_send_char_locked(p, 0, TTY_BREAK);
		sent = true;
	}
	p->break_on = state;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	if (sent)
		ttyvs_port_event(p, TTYVS_EV_BREAK);
	return 0;
}

static int ttyvs_get_icount(struct tty_struct *tty,
			    struct serial_icounter_struct *icount)
{
	struct ttyvs_port *p = tty->driver_data;
	struct async_icount c;
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	c = p->icount;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	icount->cts = c.cts;
	icount->dsr = c.dsr;
	icount->rng = c.rng;
	icount->dcd = c.dcd;
	icount->tx = c.tx;
	icount->rx = c.rx;
	icount->frame = c.frame;
	icount->parity = c.parity;
	icount->overrun = c.overrun;
	icount->brk = c.brk;
	icount->buf_overrun = c.buf_overrun;
	return 0;
}

static bool ttyvs_msr_changed(struct ttyvs_port *p, unsigned long mask,
			      const struct async_icount *prev)
{
	struct async_icount now;
	unsigned long flags;
	bool dead;

	spin_lock_irqsave(&p->pair->lock, flags);
	now = p->icount;
	dead = p->pair->dead;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	if (dead || !tty_port_initialized(&p->port))
		return true;
	return ((mask & TIOCM_CTS) && now.cts != prev->cts) ||
	       ((mask & TIOCM_DSR) && now.dsr != prev->dsr) ||
	       ((mask & TIOCM_CD) && now.dcd != prev->dcd) ||
	       ((mask & TIOCM_RI) && now.rng != prev->rng);
}

/* TIOCMIWAIT: sleep until one of the masked inputs changes. */
static int ttyvs_wait_msr(struct ttyvs_port *p, unsigned long mask)
{
	struct async_icount prev;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&p->pair->lock, flags);
	prev = p->icount;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	ret = wait_event_interruptible(p->port.delta_msr_wait,
				       ttyvs_msr_changed(p, mask, &prev));
	if (ret)
		return ret;
	if (p->pair->dead || !tty_port_initialized(&p->port))
		return -EIO;
	return 0;
}

/*
 * TCIFLUSH: the core has just emptied our flip buffer without the line
 * discipline seeing it, so nothing is in flight any more and the peer's
 * writer may go on. The ldisc still gets the ioctl afterwards.
 */
static void ttyvs_input_flushed(struct ttyvs_port *p)
{
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	p->rx_inflight = 0;
	ttyvs_raw_flush_locked(p);
	spin_unlock_irqrestore(&p->pair->lock, flags);
	ttyvs_tx_resume(p->peer);
}

static int ttyvs_ioctl(struct tty_struct *tty, unsigned int cmd,
		       unsigned long arg)
{
	struct ttyvs_port *p = tty->driver_data;

	switch (cmd) {
	case TIOCMIWAIT:
		return ttyvs_wait_msr(p, arg);
	case TTYVS_IOC_RAW_OPEN:
		return ttyvs_raw_open(p, arg);
	case TCFLSH:
		if (arg == TCIFLUSH || arg == TCIOFLUSH)
			ttyvs_input_flushed(p);
		break;
	}
	return -ENOIOCTLCMD;
}

static int ttyvs_get_serial(struct tty_struct *tty, struct serial_struct *ss)
{
	struct ttyvs_port *p = tty->driver_data;
	struct tty_port *port = &p->port;

	/* The core has zeroed *ss. */
	ss->type = PORT_16550A;
	ss->line = tty->index;
	ss->flags = port->flags & ASYNC_USR_MASK;
	ss->xmit_fifo_size = TTYVS_TXQ_SIZE;
	ss->baud_base = TTYVS_BAUD_BASE;
	ss->close_delay = jiffies_to_msecs(port->close_delay) / 10;
	ss->closing_wait = port->closing_wait == ASYNC_CLOSING_WAIT_NONE ?
			   ASYNC_CLOSING_WAIT_NONE :
			   jiffies_to_msecs(port->closing_wait) / 10;
	return 0;
}

/*
 * There is no hardware to reconfigure: accept what TIOCGSERIAL reported
 * with changed user flags and close timings, refuse anything else. Custom
 * divisors are refused too; BOTHER sets any rate.
 */
static int ttyvs_set_serial(struct tty_struct *tty, struct serial_struct *ss)
{
	struct ttyvs_port *p = tty->driver_data;
	struct tty_port *port = &p->port;
	unsigned int close_delay, closing_wait;

	if (ss->type != PORT_16550A || ss->line != tty->index ||
	    ss->port || ss->port_high || ss->irq || ss->hub6 ||
	    ss->iomem_base || ss->iomem_reg_shift || ss->io_type ||
	    ss->xmit_fifo_size != TTYVS_TXQ_SIZE ||
	    ss->baud_base != TTYVS_BAUD_BASE || ss->custom_divisor ||
	    (ss->flags & ~ASYNC_USR_MASK) || (ss->flags & ASYNC_SPD_MASK))
		return -EINVAL;

	close_delay = msecs_to_jiffies(ss->close_delay * 10);
	closing_wait = ss->closing_wait == ASYNC_CLOSING_WAIT_NONE ?
		       ASYNC_CLOSING_WAIT_NONE :
		       msecs_to_jiffies(ss->closing_wait * 10);

	mutex_lock(&port->mutex);
	port->flags = (port->flags & ~ASYNC_USR_MASK) |
		      (ss->flags & ASYNC_USR_MASK);
	port->close_delay = close_delay;
	port->closing_wait = closing_wait;
	mutex_unlock(&port->mutex);
	return 0;
}

const struct tty_operations ttyvs_tty_ops = {
	.install		= ttyvs_install,
	.cleanup		= ttyvs_cleanup,
	.open			= ttyvs_open,
	.close			= ttyvs_close,
	.hangup			= ttyvs_hangup,
	.write			= ttyvs_write,
	.write_room		= ttyvs_write_room,
	.chars_in_buffer	= ttyvs_chars_in_buffer,
	.flush_buffer		= ttyvs_flush_buffer,
	.send_xchar		= ttyvs_send_xchar,
	.throttle		= ttyvs_throttle,
	.unthrottle		= ttyvs_unthrottle,
	.stop			= ttyvs_stop,
	.start			= ttyvs_start,
	.set_termios		= ttyvs_set_termios,
	.set_ldisc		= ttyvs_set_ldisc,
	.ioctl			= ttyvs_ioctl,
	.tiocmget		= ttyvs_tiocmget,
	.tiocmset		= ttyvs_tiocmset,
	.break_ctl		= ttyvs_break_ctl,
	.get_icount		= ttyvs_get_icount,
	.get_serial		= ttyvs_get_serial,
	.set_serial		= ttyvs_set_serial,
};

/* ------------------------------------------------------------------ */
/* tty_port_operations */

static void ttyvs_set_open(struct ttyvs_port *p, void *arg)
{
	struct tty_struct *tty = arg;

	p->open = !!tty;
	p->throttled = false;
	/* Whatever was in the flip buffer has been flushed. */
	p->rx_inflight = 0;
	p->break_on = false;
	/* Down: a raw channel ends with the port. */
	if (!tty)
		ttyvs_raw_detach_locked(p);
	if (tty) {
		p->termios = tty->termios;
		p->stopped = tty->flow.stopped;
		p->crtscts = C_CRTSCTS(tty);
		p->ignbrk = I_IGNBRK(tty);
		ttyvs_pace_set_termios(p, tty);
	}
}

/* First open: the port comes up (under port->mutex). */
static int ttyvs_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct ttyvs_port *p = to_ttyvs_port(port);

	if (READ_ONCE(p->pair->dead))
		return -ENODEV;
	if (!p->txq) {
		p->txq = kmalloc(TTYVS_TXQ_SIZE, GFP_KERNEL);
		if (!p->txq)
			return -ENOMEM;
	}

	/*
	 * A receiver that was off hears nothing from before: drop what a
	 * hung-up predecessor left in the flip buffer (a close after hangup
	 * does not flush it).
	 */
	tty_ldisc_flush(tty);
	ttyvs_lines_update(p, ttyvs_set_open, tty);
	ttyvs_port_event(p, TTYVS_EV_OPEN);
	/* Room again: a writer starved by that stale data may go on. */
	ttyvs_tx_resume(p->peer);
	return 0;
}

/* Last close or hangup: the port goes down (under port->mutex). */
static void ttyvs_shutdown(struct tty_port *port)
{
	struct ttyvs_port *p = to_ttyvs_port(port);

	ttyvs_lines_update(p, ttyvs_set_open, NULL);
	ttyvs_port_event(p, TTYVS_EV_CLOSE);
	ttyvs_pace_stop(p);
	/* The peer's writes now fall off the cable instead of waiting. */
	ttyvs_tx_resume(p->peer);
}

static TTYVS_CARRIER_RET ttyvs_carrier_raised(struct tty_port *port)
{
	struct ttyvs_port *p = to_ttyvs_port(port);

	return !!(READ_ONCE(p->msr) & TIOCM_CD);
}

static void ttyvs_apply_dtr_rts(struct ttyvs_port *p, void *arg)
{
	if (arg)
		p->mctrl |= TIOCM_DTR | TIOCM_RTS;
	else
		p->mctrl &= ~(TIOCM_DTR | TIOCM_RTS);
}

static void ttyvs_dtr_rts(struct tty_port *port, TTYVS_DTR_RTS_ARG active)
{
	ttyvs_lines_update(to_ttyvs_port(port), ttyvs_apply_dtr_rts,
			   active ? port : NULL);
}

/* The last reference to the port is gone. */
static void ttyvs_destruct(struct tty_port *port)
{
	struct ttyvs_port *p = to_ttyvs_port(port);

	hrtimer_cancel(&p->pace_timer);
	cancel_work_sync(&p->raw_work);
	ttyvs_port_events_stop(p);
	kfree(p->txq);
	ttyvs_pair_put(p->pair);
}

const struct tty_port_operations ttyvs_port_ops = {
	.activate	= ttyvs_activate,
	.shutdown	= ttyvs_shutdown,
	.carrier_raised	= ttyvs_carrier_raised,
	.dtr_rts	= ttyvs_dtr_rts,
	.destruct	= ttyvs_destruct,
};
