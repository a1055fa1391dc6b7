/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ttyvs: paired virtual serial ports joined like a null-modem cable.
 *
 * Objects and their lifetimes
 * ---------------------------
 * A struct ttyvs_pair owns two struct ttyvs_port, one per tty device
 * (/dev/ttyVS(2n) and /dev/ttyVS(2n+1) for pair id n). Each port embeds its
 * struct tty_port, whose kref counts the users of that end; when it drops
 * to zero the port's destruct drops the port's reference on the pair. The
 * pair frees itself and both port structures with its last reference, so a
 * peer pointer is valid for as long as either end is in use.
 *
 * Lock order
 * ----------
 * ttyvs_pairs_lock (mutex, pair.c: the pair idr) is taken alone or before
 * tty core locks. A raw channel's read_lock and write_lock (raw.c) are
 * taken alone, before the pair lock. tty_port::mutex (activate/shutdown/dtr_rts) and
 * tty_struct::flow.lock (stop/start) may be held when we take
 * ttyvs_pair::lock, which is innermost: under it we only insert into flip
 * buffers, queue work and arm the pacing hrtimer, never sleep and never
 * call back into the tty core.
 */
#ifndef TTYVS_H
#define TTYVS_H

#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/serial.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_port.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/ttyvs.h>
#include <linux/ttyvs_raw.h>

#define TTYVS_NAME		"ttyVS"
#define TTYVS_PORTS_PER_PAIR	2
#define TTYVS_MAX_PAIRS_LIMIT	32768
/* Transmit queue of the baud-rate emulation (power of two). */
#define TTYVS_TXQ_SIZE		4096

/* Modem outputs a user may drive, and the inputs wiring produces. */
#define TTYVS_MCTRL_OUT		(TIOCM_DTR | TIOCM_RTS | TIOCM_OUT1 | TIOCM_OUT2)
#define TTYVS_MCTRL_IN		(TIOCM_CTS | TIOCM_DSR | TIOCM_CD | TIOCM_RI)

/* Modem inputs, in the order of ttyvs_port::wire[]. */
enum ttyvs_input {
	TTYVS_IN_CTS,
	TTYVS_IN_DSR,
	TTYVS_IN_DCD,
	TTYVS_IN_RI,
	TTYVS_NR_INPUTS,
};

/* Bits of ttyvs_port::flags (atomic, no lock). */
enum {
	/* A write found no room: wake the writer when the peer consumes. */
	TTYVS_TX_STARVED,
};

/* Port events waiting to be multicast (ttyvs_port::ntf_pending bits). */
enum ttyvs_event {
	TTYVS_EV_OPEN,
	TTYVS_EV_TERMIOS,
	TTYVS_EV_LINES,
	TTYVS_EV_BREAK,
	TTYVS_EV_CLOSE,
	TTYVS_NR_EVENTS,
};

struct ttyvs_pair;

/* Largest piece a raw channel copies to or from user space at once. */
#define TTYVS_RAW_CHUNK		8192

/**
 * struct ttyvs_raw - a port's raw data channel, owned by its file (raw.c)
 * @port: the port it reads and writes; the file holds a port reference
 * @wait: readers, writers and pollers of the file
 * @read_lock: serialises readers; guards @rbuf
 * @write_lock: serialises writers; guards @wbuf
 * @rbuf: bounce buffer of a read (user copies must not hold the pair lock)
 * @wbuf: bounce buffer of a write
 *
 * Fields below are guarded by &ttyvs_pair.lock.
 * @fifo: characters received and not yet read
 * @flushes: bumped when @fifo is emptied by a flush or hangup
 * @hup: the port went down; the channel is over
 * @flow: a STOP or START character seen with IXON, for @port's raw_work
 */
struct ttyvs_raw {
	struct ttyvs_port *port;
	wait_queue_head_t wait;
	struct mutex read_lock;		/* see above */
	struct mutex write_lock;	/* see above */
	u8 rbuf[TTYVS_RAW_CHUNK];
	u8 wbuf[TTYVS_RAW_CHUNK];

	DECLARE_KFIFO_PTR(fifo, u8);
	unsigned int flushes;
	bool hup;
	u8 flow;
};

/**
 * struct ttyvs_port - one end of a pair
 * @port: the tty_port; its kref is the port's lifetime
 * @pair: the pair this end belongs to
 * @peer: the other end (where this end's bytes and lines go)
 * @index: tty index (minor offset) of this end
 * @flags: TTYVS_TX_STARVED
 * @pace_timer: baud-rate emulation clock, see pace.c
 * @ntf_pending: enum ttyvs_event bits not yet sent (atomic)
 * @ntf_work: sends them, at most once per TTYVS_NTF_INTERVAL
 * @ntf_last: when @ntf_work last sent (jiffies)
 * @raw_work: throttling and IXON for a raw channel, see raw.c
 *
 * Fields below are guarded by &ttyvs_pair.lock.
 * @mctrl: outputs as set by the user (DTR, RTS, OUT1, OUT2)
 * @msr: current inputs (CTS, DSR, CD, RI), derived from @wire
 * @lines: outputs and inputs as last reported (for change detection)
 * @wire: what drives each input
 * @termios: copy of the tty's termios (the driver default until opened)
 * @open: the port is active (between activate and shutdown)
 * @throttled: the line discipline asked us to stop input
 * @stopped: output stopped by XOFF (mirror of tty->flow.stopped)
 * @crtscts: CRTSCTS of this end's termios
 * @ignbrk: IGNBRK of this end's termios (breaks are not delivered)
 * @break_on: a break condition is being sent
 * @icount: serial counters (TIOCGICOUNT)
 * @tx_discarded: bytes written while the peer was closed
 * @rx_inflight: characters in our flip buffer not yet taken by the ldisc
 * @raw: the raw channel our input goes to instead of the flip buffer
 * @raw_throttled: @raw's fill, not the line discipline, set @throttled
 * @txq: baud-emulation transmit queue, @txq_head/@txq_tail index it
 * @pacing: @pace_timer is armed or running
 * @char_ns: time one character takes on the wire at this end's termios
 * @next_tx: when the next queued character has been transmitted
 */
struct ttyvs_port {
	struct tty_port port;
	struct ttyvs_pair *pair;
	struct ttyvs_port *peer;
	unsigned int index;
	unsigned long flags;
	struct hrtimer pace_timer;
	unsigned long ntf_pending;
	struct delayed_work ntf_work;
	unsigned long ntf_last;
	struct work_struct raw_work;

	unsigned int mctrl;
	unsigned int msr;
	unsigned int lines;
	u8 wire[TTYVS_NR_INPUTS];
	struct ktermios termios;
	bool open;
	bool throttled;
	bool stopped;
	bool crtscts;
	bool ignbrk;
	bool break_on;
	struct async_icount icount;
	u64 tx_discarded;
	unsigned int rx_inflight;
	struct ttyvs_raw *raw;
	bool raw_throttled;

	u8 *txq;
	unsigned int txq_head;
	unsigned int txq_tail;
	bool pacing;
	u64 char_ns;
	ktime_t next_tx;
};

/**
 * struct ttyvs_pair - two ports joined by a virtual null-modem cable
 * @lock: guards the modem, flow and queue state of both ports (see
 *	&struct ttyvs_port) and serialises every producer into either port's
 *	flip buffer (writers, echo, xchar, break, the pacing timer). Taken with
 *	interrupts off; never held across anything that sleeps.
 * @kref: one reference per port; the last one frees the pair
 * @id: pair number; the ports are tty indexes 2*id and 2*id+1
 * @dead: destroyed; no new opens. Written under ttyvs_pairs_lock and @lock.
 * @name: optional unique name ("" if none), fixed at creation
 * @nports: 2, or 1 for a loopback pair (one port wired to itself)
 * @emulate_baud: pace this pair's output at the baud rate (under @lock)
 * @buf_size: receive buffer of each end, bytes (under @lock)
 * @ports: the ends, freed with the pair
 */
struct ttyvs_pair {
	spinlock_t lock;	/* guards both ports, see above */
	struct kref kref;
	u32 id;
	bool dead;
	char name[TTYVS_NAME_MAX + 1];
	unsigned int nports;
	bool emulate_baud;
	unsigned int buf_size;
	struct ttyvs_port *ports[TTYVS_PORTS_PER_PAIR];
};

/* Everything pair-new may ask for; see TTYVS_CMD_PAIR_NEW. */
struct ttyvs_pair_config {
	int id;				/* -1: lowest free */
	const char *name;		/* NULL: unnamed */
	bool loopback;
	bool emulate_baud;
	unsigned int buf_size;
	u8 wire[TTYVS_PORTS_PER_PAIR][TTYVS_NR_INPUTS];
};

/* Ask for no change of a wiring input (ttyvs_pair_set_wiring()). */
#define TTYVS_WIRE_KEEP		0xff
#define TTYVS_NTF_INTERVAL	(HZ / 100)

/* Transitions of the modem inputs, collected under the lock. */
struct ttyvs_msr_delta {
	unsigned int changed[TTYVS_PORTS_PER_PAIR];
	unsigned int now[TTYVS_PORTS_PER_PAIR];
};

extern struct tty_driver *ttyvs_driver;
extern bool ttyvs_emulate_baud;

/* pair.c */
extern const u8 ttyvs_null_modem[TTYVS_NR_INPUTS];
void ttyvs_pair_config_init(struct ttyvs_pair_config *cfg);
struct ttyvs_pair *ttyvs_pair_create(const struct ttyvs_pair_config *cfg);
int ttyvs_pair_destroy(struct ttyvs_pair *pair, bool force,
		       struct ttyvs_port **busy);
void ttyvs_pair_destroy_all(void);
struct ttyvs_port *ttyvs_port_get_by_index(unsigned int index);
struct ttyvs_pair *ttyvs_pair_lookup(u32 id, const char *name);
struct ttyvs_pair *ttyvs_pair_next(u32 *id);
void ttyvs_pair_put(struct ttyvs_pair *pair);
bool ttyvs_port_in_use(struct ttyvs_port *p);
void ttyvs_pair_set_wiring(struct ttyvs_pair *pair,
			   const u8 wire[][TTYVS_NR_INPUTS]);
void ttyvs_pair_set_buf_size(struct ttyvs_pair *pair, unsigned int size);
void ttyvs_pair_set_emulate_baud(struct ttyvs_pair *pair, bool on);
bool ttyvs_name_valid(const char *name);
unsigned int ttyvs_port_outputs(const struct ttyvs_port *p);
void ttyvs_pair_rewire(struct ttyvs_pair *pair, struct ttyvs_msr_delta *d);
void ttyvs_pair_msr_notify(struct ttyvs_pair *pair,
			   const struct ttyvs_msr_delta *d);
void ttyvs_pairs_exit(void);

/* tty.c */
extern const struct tty_operations ttyvs_tty_ops;
extern const struct tty_port_operations ttyvs_port_ops;
extern const struct attribute_group *ttyvs_port_groups[];
void ttyvs_client_ops_init(void);
void ttyvs_port_init_ops(struct ttyvs_port *p);
void ttyvs_tx_resume(struct ttyvs_port *p);
bool ttyvs_tx_allowed(const struct ttyvs_port *p);
unsigned int ttyvs_rx_room(const struct ttyvs_port *p);
unsigned int ttyvs_rx_put(struct ttyvs_port *p, const u8 *buf,
			  unsigned int count);
void ttyvs_rx_push(struct ttyvs_port *p);
unsigned int ttyvs_port_write_locked(struct ttyvs_port *p, const u8 *buf,
				     unsigned int count, bool *paced);
unsigned int ttyvs_port_write_room_locked(struct ttyvs_port *p);
void ttyvs_lines_update(struct ttyvs_port *p,
			void (*change)(struct ttyvs_port *p, void *arg),
			void *arg);
void ttyvs_set_throttled_locked(struct ttyvs_port *p, bool throttle);

/* raw.c */
void ttyvs_raw_init(struct ttyvs_port *p);
int ttyvs_raw_open(struct ttyvs_port *p, unsigned long flags);
unsigned int ttyvs_raw_room(const struct ttyvs_port *p);
unsigned int ttyvs_raw_put(struct ttyvs_port *p, const u8 *buf,
			   unsigned int count);
void ttyvs_raw_push(struct ttyvs_port *p);
void ttyvs_raw_wake_writer(struct ttyvs_port *p);
void ttyvs_raw_flush_locked(struct ttyvs_port *p);
void ttyvs_raw_detach_locked(struct ttyvs_port *p);

/* netlink.c */
int ttyvs_nl_init(void);
void ttyvs_nl_exit(void);
void ttyvs_port_event(struct ttyvs_port *p, enum ttyvs_event ev);
void ttyvs_port_events_init(struct ttyvs_port *p);
void ttyvs_port_events_stop(struct ttyvs_port *p);
void ttyvs_nl_pair_notify(struct ttyvs_pair *pair, u8 cmd);

/* pace.c */
void ttyvs_pace_init(struct ttyvs_port *p);
bool ttyvs_pace_active(const struct ttyvs_port *p);
unsigned int ttyvs_pace_queued(const struct ttyvs_port *p);
unsigned int ttyvs_pace_room(const struct ttyvs_port *p);
unsigned int ttyvs_pace_enqueue(struct ttyvs_port *p, const u8 *buf,
				unsigned int count);
void ttyvs_pace_kick(struct ttyvs_port *p);
void ttyvs_pace_flush(struct ttyvs_port *p);
void ttyvs_pace_stop(struct ttyvs_port *p);
void ttyvs_pace_set_termios(struct ttyvs_port *p, struct tty_struct *tty);

#endif /* TTYVS_H */
