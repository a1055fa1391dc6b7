// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs raw data channel (TTYVS_IOC_RAW_OPEN, uapi/linux/ttyvs_raw.h).
 *
 * A program that only moves bytes between a port and somewhere else, like
 * the bridge, has no use for a line discipline. Given a raw channel, the
 * port's input goes into a fifo that the channel's file reads, instead of
 * through the flip buffer, its worker and n_tty; what the file writes goes
 * the way a write on the tty goes. This end then costs one copy each way
 * and no worker wake-up, and a read is not cut at n_tty's 4 KiB.
 *
 * What n_tty would do for the port is done here: with CRTSCTS or IXOFF it
 * throttles (RTS drops, STOP goes out) when the fifo is nearly full and
 * unthrottles when it is half empty; with IXON, STOP and START characters
 * stop and restart its output and are not read.
 *
 * Lifetime: the file holds a reference on the port (and so on the pair).
 * It is attached (port->raw) from the ioctl until it is released or the
 * port goes down, whichever comes first; after the port went down it
 * reads end-of-file.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ttyvs.h"

/* Throttle when less than this is free, as n_tty does. */
#define TTYVS_RAW_THROTTLE_ROOM	128

/* ttyvs_raw::flow */
enum {
	TTYVS_RAW_FLOW_NONE,
	TTYVS_RAW_FLOW_STOP,
	TTYVS_RAW_FLOW_START,
};

/**
 * ttyvs_raw_room - how much more a port with a raw channel may take
 * @p: the port; caller holds the pair lock
 *
 * The pair's buffer size bounds the fifo and anything the line discipline
 * still has to take from the flip buffer from before the channel.
 */
unsigned int ttyvs_raw_room(const struct ttyvs_port *p)
{
	unsigned int size = p->pair->buf_size;
	unsigned int used = p->rx_inflight + kfifo_len(&p->raw->fifo);

	if (used >= size)
		return 0;
	return min(size - used, kfifo_avail(&p->raw->fifo));
}

static bool ttyvs_raw_should_throttle(const struct ttyvs_port *p)
{
	if (!p->crtscts && !(p->termios.c_iflag & IXOFF))
		return false;
	if (p->raw_throttled)
		return ttyvs_rx_room(p) < p->pair->buf_size / 2;
	return ttyvs_rx_room(p) < TTYVS_RAW_THROTTLE_ROOM;
}

/* Under the pair lock, from ttyvs_lines_update(). */
static void ttyvs_raw_throttle_change(struct ttyvs_port *p, void *arg)
{
	bool throttle = p->raw && ttyvs_raw_should_throttle(p);

	if (throttle == p->raw_throttled)
		return;
	p->raw_throttled = throttle;
	ttyvs_set_throttled_locked(p, throttle);
}

/* Throttle or unthrottle the port as its raw channel's fill says. */
static void ttyvs_raw_flow(struct ttyvs_port *p)
{
	ttyvs_lines_update(p, ttyvs_raw_throttle_change, NULL);
}

/*
 * Flow control the fifo's producer cannot do under the pair lock: stop or
 * start the port's output for IXON (through the tty, so that the tty's
 * own flow state and TCOON agree), and throttle.
 */
static void ttyvs_raw_work(struct work_struct *work)
{
	struct ttyvs_port *p = container_of(work, struct ttyvs_port, raw_work);
	struct tty_struct *tty;
	unsigned long flags;
	u8 flow = TTYVS_RAW_FLOW_NONE;

	spin_lock_irqsave(&p->pair->lock, flags);
	if (p->raw) {
		flow = p->raw->flow;
		p->raw->flow = TTYVS_RAW_FLOW_NONE;
	}
	spin_unlock_irqrestore(&p->pair->lock, flags);

	if (flow != TTYVS_RAW_FLOW_NONE) {
		tty = tty_port_tty_get(&p->port);
		if (tty) {
			if (flow == TTYVS_RAW_FLOW_STOP)
				stop_tty(tty);
			else
				start_tty(tty);
			tty_kref_put(tty);
		}
	}
	ttyvs_raw_flow(p);
}

void ttyvs_raw_init(struct ttyvs_port *p)
{
	INIT_WORK(&p->raw_work, ttyvs_raw_work);
}

/* IXON: STOP and START act on our output and are not passed on. */
static unsigned int ttyvs_raw_put_ixon(struct ttyvs_port *p, const u8 *buf,
				       unsigned int count)
{
	const u8 stop = p->termios.c_cc[VSTOP];
	const u8 start = p->termios.c_cc[VSTART];
	struct ttyvs_raw *raw = p->raw;
	unsigned int i;

	for (i = 0; i < count; i++) {
		u8 c = buf[i];
		bool stopped;

		if (c == __DISABLED_CHAR || (c != stop && c != start)) {
			if (!kfifo_put(&raw->fifo, c))
				break;
			continue;
		}
		stopped = raw->flow ? raw->flow == TTYVS_RAW_FLOW_STOP :
				      p->stopped;
		/* One character for both toggles, as in n_tty. */
		if (c == stop && (c != start || !stopped))
			raw->flow = TTYVS_RAW_FLOW_STOP;
		else
			raw->flow = TTYVS_RAW_FLOW_START;
		schedule_work(&p->raw_work);
	}
	return i;
}

/**
 * ttyvs_raw_put - characters for a port's raw channel
 * @p: the port, with a raw channel; caller holds the pair lock
 * @buf: the characters
 * @count: how many, at most ttyvs_rx_room()
 *
 * Returns how many were taken.
 */
unsigned int ttyvs_raw_put(struct ttyvs_port *p, const u8 *buf,
			   unsigned int count)
{
	unsigned int n;

	if (p->termios.c_iflag & IXON)
		n = ttyvs_raw_put_ixon(p, buf, count);
	else
		n = kfifo_in(&p->raw->fifo, buf, count);
	if (!p->raw_throttled && ttyvs_raw_should_throttle(p))
		schedule_work(&p->raw_work);
	return n;
}

/* New input: wake the reader (pair lock held). */
void ttyvs_raw_push(struct ttyvs_port *p)
{
	wake_up_interruptible_poll(&p->raw->wait, EPOLLIN | EPOLLRDNORM);
}

/* The port may write again: wake its raw channel's writer, if any. */
void ttyvs_raw_wake_writer(struct ttyvs_port *p)
{
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	if (p->raw)
		wake_up_interruptible_poll(&p->raw->wait,
					   EPOLLOUT | EPOLLWRNORM);
	spin_unlock_irqrestore(&p->pair->lock, flags);
}

/* TCIFLUSH on the port's tty empties the raw channel too (lock held). */
void ttyvs_raw_flush_locked(struct ttyvs_port *p)
{
	if (!p->raw)
		return;
	kfifo_reset(&p->raw->fifo);
	p->raw->flushes++;
}

/* The port goes down and takes its raw channel with it (lock held). */
void ttyvs_raw_detach_locked(struct ttyvs_port *p)
{
	struct ttyvs_raw *raw = p->raw;

	p->raw_throttled = false;
	if (!raw)
		return;
	ttyvs_raw_flush_locked(p);
	raw->hup = true;
	p->raw = NULL;
	wake_up_interruptible_poll(&raw->wait, EPOLLHUP | EPOLLIN | EPOLLOUT);
}

/* ------------------------------------------------------------------ */
/* The file */

static bool ttyvs_raw_readable(struct ttyvs_raw *raw)
{
	return !kfifo_is_empty(&raw->fifo) || READ_ONCE(raw->hup);
}

/*
 * Copy up to @count received bytes to user space and only then take them
 * from the fifo, so that a fault loses nothing. Under raw->read_lock.
 */
static ssize_t ttyvs_raw_take(struct ttyvs_raw *raw, char __user *ubuf,
			      size_t count)
{
	struct ttyvs_port *p = raw->port;
	struct ttyvs_port *writer = p->peer;
	unsigned int n, flushes, size;
	bool wake, unthrottle;
	unsigned long flags;

	spin_lock_irqsave(&p->pair->lock, flags);
	n = kfifo_out_peek(&raw->fifo, raw->rbuf, count);
	flushes = raw->flushes;
	spin_unlock_irqrestore(&p->pair->lock, flags);
	if (!n)
		return 0;

	if (copy_to_user(ubuf, raw->rbuf, n))
		return -EFAULT;

	spin_lock_irqsave(&p->pair->lock, flags);
	/* A flush since the peek has already dropped them. */
	if (raw->flushes == flushes)
		n = kfifo_out(&raw->fifo, raw->rbuf, n);
	/* Wake a starved writer at half room, as ttyvs_receive_buf() does. */
	size = p->pair->buf_size;
	wake = !p->raw || ttyvs_rx_room(p) >= size / 2 ||
	       kfifo_is_empty(&raw->fifo);
	unthrottle = p->raw_throttled && p->raw &&
		     ttyvs_rx_room(p) >= size / 2;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	if (wake && test_and_clear_bit(TTYVS_TX_STARVED, &writer->flags))
		ttyvs_tx_resume(writer);
	if (unthrottle)
		ttyvs_raw_flow(p);
	return n;
}

static ssize_t ttyvs_raw_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct ttyvs_raw *raw = file->private_data;
	size_t done = 0;
	ssize_t ret = 0;

	if (!count)
		return 0;
	if (mutex_lock_interruptible(&raw->read_lock))
		return -ERESTARTSYS;
	while (done < count) {
		ret = ttyvs_raw_take(raw, ubuf + done,
				     min_t(size_t, count - done,
					   TTYVS_RAW_CHUNK));
		if (ret > 0) {
			done += ret;
			continue;
		}
		if (ret < 0 || done || READ_ONCE(raw->hup))
			break;
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		ret = wait_event_interruptible(raw->wait,
					       ttyvs_raw_readable(raw));
		if (ret)
			break;
	}
	mutex_unlock(&raw->read_lock);
	return done ? done : ret;
}

static bool ttyvs_raw_writable(struct ttyvs_raw *raw)
{
	struct ttyvs_port *p = raw->port;
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&p->pair->lock, flags);
	ok = raw->hup || ttyvs_port_write_room_locked(p);
	spin_unlock_irqrestore(&p->pair->lock, flags);
	return ok;
}

/* Hand @count bytes to the port's output; how many went, or -EIO. */
static ssize_t ttyvs_raw_give(struct ttyvs_raw *raw, const u8 *buf,
			      unsigned int count)
{
	struct ttyvs_port *p = raw->port;
	unsigned long flags;
	bool paced = false;
	ssize_t n;

	spin_lock_irqsave(&p->pair->lock, flags);
	if (raw->hup)
		n = -EIO;
	else
		n = ttyvs_port_write_locked(p, buf, count, &paced);
	spin_unlock_irqrestore(&p->pair->lock, flags);

	if (paced)
		ttyvs_pace_kick(p);
	return n;
}

static ssize_t ttyvs_raw_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct ttyvs_raw *raw = file->private_data;
	size_t done = 0;
	ssize_t ret = 0;

	if (!count)
		return 0;
	if (mutex_lock_interruptible(&raw->write_lock))
		return -ERESTARTSYS;
	while (done < count) {
		size_t chunk = min_t(size_t, count - done, TTYVS_RAW_CHUNK);
		size_t off = 0;

		if (copy_from_user(raw->wbuf, ubuf + done, chunk)) {
			ret = -EFAULT;
			break;
		}
		while (off < chunk) {
			ret = ttyvs_raw_give(raw, raw->wbuf + off, chunk - off);
			if (ret < 0)
				goto out;
			if (ret > 0) {
				off += ret;
				done += ret;
				continue;
			}
			if (file->f_flags & O_NONBLOCK) {
				ret = -EAGAIN;
				goto out;
			}
			ret = wait_event_interruptible(raw->wait,
						       ttyvs_raw_writable(raw));
			if (ret)
				goto out;
		}
	}
out:
	mutex_unlock(&raw->write_lock);
	return done ? done : ret;
}

static __poll_t ttyvs_raw_poll(struct file *file, poll_table *wait)
{
	struct ttyvs_raw *raw = file->private_data;
	struct ttyvs_port *p = raw->port;
	unsigned long flags;
	__poll_t mask = 0;

	poll_wait(file, &raw->wait, wait);

	spin_lock_irqsave(&p->pair->lock, flags);
	if (!kfifo_is_empty(&raw->fifo))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (raw->hup)
		mask |= EPOLLHUP;
	else if (ttyvs_port_write_room_locked(p))
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock_irqrestore(&p->pair->lock, flags);
	return mask;
}

static int ttyvs_raw_release(struct inode *inode, struct file *file)
{
	struct ttyvs_raw *raw = file->private_data;
	struct ttyvs_port *p = raw->port;
	unsigned long flags;
	bool attached;

	spin_lock_irqsave(&p->pair->lock, flags);
	attached = p->raw == raw;
	if (attached)
		p->raw = NULL;
	spin_unlock_irqrestore(&p->pair->lock, flags);

	if (attached) {
		/* Unread input goes with the channel, and its throttling. */
		ttyvs_raw_flow(p);
		ttyvs_tx_resume(p->peer);
	}
	kfifo_free(&raw->fifo);
	kvfree(raw);
	tty_port_put(&p->port);
	return 0;
}

static const struct file_operations ttyvs_raw_fops = {
	.owner		= THIS_MODULE,
	.read		= ttyvs_raw_read,
	.write		= ttyvs_raw_write,
	.poll		= ttyvs_raw_poll,
	.release	= ttyvs_raw_release,
};

/**
 * ttyvs_raw_open - TTYVS_IOC_RAW_OPEN: give an open port a raw channel
 * @p: the port, open through the tty the ioctl came on
 * @flags: O_CLOEXEC and O_NONBLOCK for the new file descriptor
 *
 * Returns the new file descriptor or a negative errno.
 */
int ttyvs_raw_open(struct ttyvs_port *p, unsigned long flags)
{
	struct ttyvs_pair *pair = p->pair;
	struct ttyvs_raw *raw;
	unsigned long irqflags;
	struct file *file;
	int fd, err;

	if (flags & ~(unsigned long)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;

	raw = kvzalloc(sizeof(*raw), GFP_KERNEL);
	if (!raw)
		return -ENOMEM;
	err = kfifo_alloc(&raw->fifo,
			  roundup_pow_of_two(READ_ONCE(pair->buf_size)),
			  GFP_KERNEL);
	if (err)
		goto free;
	init_waitqueue_head(&raw->wait);
	mutex_init(&raw->read_lock);
	mutex_init(&raw->write_lock);
	raw->port = p;
	tty_port_get(&p->port);

	fd = get_unused_fd_flags(flags & O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto put;
	}
	file = anon_inode_getfile("[ttyvs-raw]", &ttyvs_raw_fops, raw,
				  O_RDWR | (flags & O_NONBLOCK));
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		put_unused_fd(fd);
		goto put;
	}

	/* From here the file's release frees @raw. */
	spin_lock_irqsave(&pair->lock, irqflags);
	if (!p->open || pair->dead)
		err = -EIO;
	else if (p->raw)
		err = -EBUSY;
	else
		p->raw = raw;
	spin_unlock_irqrestore(&pair->lock, irqflags);
	if (err) {
		put_unused_fd(fd);
		fput(file);
		return err;
	}
	fd_install(fd, file);
	return fd;

put:
	tty_port_put(&p->port);
	kfifo_free(&raw->fifo);
free:
	kvfree(raw);
	return err;
}
