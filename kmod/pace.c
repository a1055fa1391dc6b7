// SPDX-License-Identifier: GPL-2.0
/*
 * Baud-rate timing emulation.
 *
 * With emulation on, a port's writes go into a transmit queue that an
 * hrtimer drains at the rate a real UART would put characters on the wire:
 * baud / (start + data + parity + stop bits). The timer runs in softirq
 * context and only takes the pair lock; it stops whenever transmission is
 * held back (XOFF, CTS low, peer's buffer full, queue empty) and is kicked
 * again by whatever lifts the condition.
 */
#include <linux/circ_buf.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/tty.h>

#include "ttyvs.h"

/* Deliver in batches at most this often, whatever the rate. */
#define TTYVS_PACE_MIN_PERIOD_NS	(1 * NSEC_PER_MSEC)
#define TTYVS_DEFAULT_BAUD		9600

static unsigned int ttyvs_txq_cnt(const struct ttyvs_port *p)
{
	return CIRC_CNT(p->txq_head, p->txq_tail, TTYVS_TXQ_SIZE);
}

/* Frame length in bits: start bit, data bits, parity, stop bits. */
static unsigned int ttyvs_frame_bits(const struct tty_struct *tty)
{
	unsigned int bits = 1 + tty_get_char_size(tty->termios.c_cflag);

	if (C_PARENB(tty))
		bits++;
	return bits + (C_CSTOPB(tty) ? 2 : 1);
}

/**
 * ttyvs_pace_set_termios - recompute the character time from termios
 * @p: the port; caller holds the pair lock
 * @tty: its tty
 *
 * B0 keeps the previous rate: like a UART, the line still has a clock.
 */
void ttyvs_pace_set_termios(struct ttyvs_port *p, struct tty_struct *tty)
{
	unsigned int baud = tty_get_baud_rate(tty);
	u64 bits = ttyvs_frame_bits(tty);

	if (!baud)
		return;
	p->char_ns = div_u64(bits * NSEC_PER_SEC + baud - 1, baud);
}

/* Is this port's output paced? (pair lock held) */
bool ttyvs_pace_active(const struct ttyvs_port *p)
{
	if (!p->txq)
		return false;
	/* Keep order: drain what was queued even if emulation was turned off. */
	return READ_ONCE(ttyvs_emulate_baud) || p->pair->emulate_baud ||
	       p->pacing || ttyvs_txq_cnt(p);
}

unsigned int ttyvs_pace_queued(const struct ttyvs_port *p)
{
	return p->txq ? ttyvs_txq_cnt(p) : 0;
}

unsigned int ttyvs_pace_room(const struct ttyvs_port *p)
{
	return CIRC_SPACE(p->txq_head, p->txq_tail, TTYVS_TXQ_SIZE);
}

/* Queue bytes for paced transmission (pair lock held). */
unsigned int ttyvs_pace_enqueue(struct ttyvs_port *p, const u8 *buf,
				unsigned int count)
{
	unsigned int done = 0;

	while (done < count) {
		unsigned int n = CIRC_SPACE_TO_END(p->txq_head, p->txq_tail,
						   TTYVS_TXQ_SIZE);

		n = min(n, count - done);
		if (!n)
			break;
		memcpy(p->txq + p->txq_head, buf + done, n);
		p->txq_head = (p->txq_head + n) & (TTYVS_TXQ_SIZE - 1);
		done += n;
	}
	return done;
}

/*
 * Move up to @n queued characters onto the wire: into the peer's input
 * (flip buffer or raw channel), or nowhere when the peer is closed.
 * Returns how many went.
 */
static unsigned int ttyvs_pace_deliver(struct ttyvs_port *p, unsigned int n)
{
	struct ttyvs_port *peer = p->peer;
	unsigned int done = 0;

	while (done < n) {
		unsigned int chunk = CIRC_CNT_TO_END(p->txq_head, p->txq_tail,
						     TTYVS_TXQ_SIZE);
		unsigned int put;

		chunk = min(chunk, n - done);
		if (!chunk)
			break;
		if (peer->open)
			put = ttyvs_rx_put(peer, p->txq + p->txq_tail, chunk);
		else
			put = chunk;
		p->txq_tail = (p->txq_tail + put) & (TTYVS_TXQ_SIZE - 1);
		done += put;
		if (put < chunk)
			break;
	}

	p->icount.tx += done;
	if (peer->open) {
		peer->icount.rx += done;
		if (done)
			ttyvs_rx_push(peer);
	} else {
		p->tx_discarded += done;
	}
	return done;
}

static enum hrtimer_restart ttyvs_pace_tick(struct hrtimer *timer)
{
	struct ttyvs_port *p = container_of(timer, struct ttyvs_port,
					    pace_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	struct ttyvs_port *peer = p->peer;
	unsigned int queued, n, sent;
	ktime_t now = ktime_get();
	unsigned long flags;
	bool wake = false;
	u64 due;

	spin_lock_irqsave(&p->pair->lock, flags);

	queued = ttyvs_txq_cnt(p);
	if (!queued || !p->open || !ttyvs_tx_allowed(p))
		goto stop;

	if (ktime_before(now, p->next_tx)) {
		hrtimer_set_expires(timer, p->next_tx);
		ret = HRTIMER_RESTART;
		goto out;
	}

	/* Characters whose last stop bit has gone out by now. */
	due = div64_u64(ktime_to_ns(ktime_sub(now, p->next_tx)), p->char_ns) + 1;
	n = min_t(u64, due, queued);
	if (peer->open) {
		n = min(n, ttyvs_rx_room(peer));
		if (!n) {
			/* Receiver full: its line discipline restarts us. */
			set_bit(TTYVS_TX_STARVED, &p->flags);
			goto stop;
		}
	}

	sent = ttyvs_pace_deliver(p, n);
	wake = sent;
	p->next_tx = ktime_add_ns(p->next_tx, (u64)sent * p->char_ns);
	/* Held back for a while: the line was idle, do not burst to catch up. */
	if (ktime_before(ktime_add_ns(p->next_tx, p->char_ns), now))
		p->next_tx = now;

	if (!ttyvs_txq_cnt(p))
		goto stop;

	hrtimer_set_expires(timer, max(p->next_tx,
				       ktime_add_ns(now, TTYVS_PACE_MIN_PERIOD_NS)));
	ret = HRTIMER_RESTART;
	goto out;

stop:
	p->pacing = false;
	/* An empty queue ends a tcdrain(). */
	wake = wake || !queued || !ttyvs_txq_cnt(p);
out:
	spin_unlock_irqrestore(&p->pair->lock, flags);
	if (wake) {
		tty_port_tty_wakeup(&p->port);
		ttyvs_raw_wake_writer(p);
	}
	return ret;
}

void ttyvs_pace_init(struct ttyvs_port *p)
{
	hrtimer_setup(&p->pace_timer, ttyvs_pace_tick, CLOCK_MONOTONIC,
		      HRTIMER_MODE_ABS_SOFT);
	p->char_ns = div_u64(10ULL * NSEC_PER_SEC, TTYVS_DEFAULT_BAUD);
}

/**
 * ttyvs_pace_kick - start the transmit clock if there is work for it
 * @p: the port; called without the pair lock
 */
void ttyvs_pace_kick(struct ttyvs_port *p)
{
	unsigned long flags;
	ktime_t now;

	spin_lock_irqsave(&p->pair->lock, flags);
	if (!p->pacing && p->open && p->txq && ttyvs_txq_cnt(p) &&
	    ttyvs_tx_allowed(p)) {
		now = ktime_get();
		/* From an idle line the first character takes a full frame. */
		if (ktime_before(p->next_tx, now))
			p->next_tx = ktime_add_ns(now, p->char_ns);
		p->pacing = true;
		hrtimer_start(&p->pace_timer, p->next_tx, HRTIMER_MODE_ABS_SOFT);
	}
	spin_unlock_irqrestore(&p->pair->lock, flags);
}

/* TCOFLUSH: drop what has not been transmitted yet. */
void ttyvs_pace_flush(struct ttyvs_port *p)
{
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	p->txq_tail = p->txq_head;
	spin_unlock_irqrestore(&p->pair->lock, flags);
}

/* Port shutdown: stop the clock and forget the queue. Process context. */
void ttyvs_pace_stop(struct ttyvs_port *p)
{
	unsigned long flags;

	/* p->open is false now, so nobody restarts the timer. */
	hrtimer_cancel(&p->pace_timer);

	spin_lock_irqsave(&p->pair->lock, flags);
	p->pacing = false;
	p->txq_tail = p->txq_head;
	spin_unlock_irqrestore(&p->pair->lock, flags);
}
