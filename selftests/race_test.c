// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs race stress (issue 7): pairs created by the test over netlink are
 * worked on from many threads at once while a destroyer thread deletes
 * them with FORCE and creates new ones, and an unloader thread keeps
 * trying to unload the module.
 *
 * On both ends of every test pair: open/close (blocking and O_NONBLOCK),
 * blocking and non-blocking readers and writers, TIOCMSET/BIS/BIC/GET
 * toggling, TIOCMIWAIT waiters, termios changes (CLOCAL, CRTSCTS, B0,
 * parity, canonical mode, IXON), tcflush, tcdrain, breaks (TIOCSBRK/
 * TIOCCBRK, tcsendbreak), TCXONC, TIOCSETD switching between N_TTY and a
 * second line discipline, TIOCVHANGUP.  Meanwhile the destroyer force-
 * deletes pairs (hanging up every fd on them), re-creates them with random
 * options and changes their wiring live (PAIR_SET); the unloader calls
 * delete_module("ttyvs", O_NONBLOCK), which must fail with EAGAIN or
 * EBUSY every time (the test keeps ttyVS0 open all along).  A kicker
 * sends SIGUSR1 (no SA_RESTART) to random workers so blocking calls are
 * interrupted too.
 *
 * Afterwards: every thread made progress (ops/s per kind and in total are
 * logged), every thread stopped within a deadline (the kernel stacks of
 * stuck ones are printed), every test pair is gone and the module's
 * default pairs carry data both ways.  Kernel reports (KASAN, lockdep,
 * WARN, ...) are caught by the VM runner from dmesg.
 *
 * Environment: TTYVS_STRESS_SECONDS or DURATION (seconds, default 20),
 * TTYVS_RACE_SEED (default: time based, printed).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/tty.h>

#include "kselftest_harness.h"
#include "ttyvs_lib.h"
#include "ttyvs_nl.h"

#ifndef TIOCM_OUT1
#define TIOCM_OUT1	0x2000
#define TIOCM_OUT2	0x4000
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define NSLOTS		4	/* test pairs alive at a time */
#define MAX_WORKERS	48
#define STOP_DEADLINE	30	/* seconds for the workers to stop */

enum kind {
	K_OPEN, K_READ, K_WRITE, K_MODEM, K_MIWAIT, K_TERMIOS, K_FLUSH,
	K_LDISC, K_VHANGUP, K_DESTROY, K_UNLOAD, NR_KINDS
};

static const char *const kind_name[NR_KINDS] = {
	[K_OPEN] = "open/close", [K_READ] = "read", [K_WRITE] = "write",
	[K_MODEM] = "modem", [K_MIWAIT] = "miwait", [K_TERMIOS] = "termios",
	[K_FLUSH] = "flush/drain/break", [K_LDISC] = "ldisc",
	[K_VHANGUP] = "vhangup", [K_DESTROY] = "pair destroy/create/set",
	[K_UNLOAD] = "unload attempt",
};

struct worker {
	pthread_t th;
	char name[40];
	enum kind kind;
	int slot, end;		/* -1: any, picked at random */
	bool nonblock;
	unsigned int seed;
	unsigned long ops, errs;
	unsigned long long bytes;
	pid_t tid;
	bool done;		/* atomic */
	char fail[160];		/* a broken expectation, "" if none */
};

/* Pair id of each slot, -1 while it has none (atomic). */
static int slot_id[NSLOTS];
static int stop;		/* atomic */
static int unloaded;		/* atomic: delete_module succeeded */
static int alt_ldisc = -1;

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_ACQUIRE);
}

static int get_slot(int slot)
{
	return __atomic_load_n(&slot_id[slot], __ATOMIC_ACQUIRE);
}

static void set_slot(int slot, int id)
{
	__atomic_store_n(&slot_id[slot], id, __ATOMIC_RELEASE);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void __attribute__((format(printf, 2, 3)))
fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->fail[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->fail, sizeof(w->fail), fmt, ap);
	va_end(ap);
}

/* Open an end of a slot's current pair; -1 when the slot is empty. */
static int open_end(struct worker *w, int slot, int end, bool nonblock)
{
	char path[32];
	int id = get_slot(slot), fd;

	if (id < 0) {
		errno = ENOENT;
		return -1;
	}
	tvs_path(2 * id + end, path, sizeof(path));
	fd = open(path, O_RDWR | O_NOCTTY | (nonblock ? O_NONBLOCK : 0));
	if (fd >= 0 && rand_r(&w->seed) % 4)
		tvs_make_raw(fd, B115200);
	return fd;
}

static int pick_slot(struct worker *w)
{
	return w->slot >= 0 ? w->slot : (int)(rand_r(&w->seed) % NSLOTS);
}

static int pick_end(struct worker *w)
{
	return w->end >= 0 ? w->end : (int)(rand_r(&w->seed) % 2);
}

/* A worker's long-lived fd: (re)opened when missing. */
static int keep_open(struct worker *w, int *fd)
{
	if (*fd >= 0)
		return *fd;
	*fd = open_end(w, pick_slot(w), pick_end(w), w->nonblock);
	if (*fd < 0) {
		w->errs++;
		tvs_msleep(2);
	}
	return *fd;
}

static void drop_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void do_open(struct worker *w)
{
	while (!stopping()) {
		bool nb = rand_r(&w->seed) % 2;
		int fd = open_end(w, pick_slot(w), pick_end(w), nb), m;

		if (fd < 0) {
			w->errs++;
			tvs_msleep(1);
			continue;
		}
		w->ops++;
		switch (rand_r(&w->seed) % 4) {
		case 0:
			if (write(fd, "open\n", 5) < 0)
				w->errs++;
			break;
		case 1:
			if (ioctl(fd, TIOCMGET, &m))
				w->errs++;
			break;
		default:
			break;
		}
		close(fd);
	}
}

static void do_read(struct worker *w)
{
	char buf[2048];
	int fd = -1, n = 0;

	while (!stopping()) {
		ssize_t r;

		if (keep_open(w, &fd) < 0)
			continue;
		if (w->nonblock) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, 50) <= 0)
				continue;
		}
		r = read(fd, buf, sizeof(buf));
		if (r > 0) {
			w->ops++;
			w->bytes += r;
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* Hung up (pair destroyed, vhangup, DCD fell) */
			w->ops++;
			drop_fd(&fd);
		}
		if (++n % 500 == 0)
			drop_fd(&fd);
	}
	drop_fd(&fd);
}

static void do_write(struct worker *w)
{
	char buf[512];
	int fd = -1;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
	while (!stopping()) {
		ssize_t r;

		if (keep_open(w, &fd) < 0)
			continue;
		r = write(fd, buf, 1 + rand_r(&w->seed) % sizeof(buf));
		if (r > 0) {
			w->ops++;
			w->bytes += r;
		} else if (r < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 50);
		} else if (r < 0 && errno == EINTR) {
			w->errs++;
		} else {
			/* EIO after a hangup: progress of its own kind */
			w->ops++;
			drop_fd(&fd);
		}
		if (rand_r(&w->seed) % 300 == 0)
			drop_fd(&fd);
	}
	drop_fd(&fd);
}

static void do_modem(struct worker *w)
{
	static const int bits[] = { TIOCM_DTR, TIOCM_RTS, TIOCM_OUT1,
				    TIOCM_OUT2 };
	int fd = -1;

	while (!stopping()) {
		int b = bits[rand_r(&w->seed) % 4], m, r;

		if (rand_r(&w->seed) % 40 == 0)
			drop_fd(&fd);
		if (keep_open(w, &fd) < 0)
			continue;
		switch (rand_r(&w->seed) % 4) {
		case 0:
			r = ioctl(fd, TIOCMBIS, &b);
			break;
		case 1:
			r = ioctl(fd, TIOCMBIC, &b);
			break;
		case 2:
			m = rand_r(&w->seed) & (TIOCM_DTR | TIOCM_RTS |
						TIOCM_OUT1 | TIOCM_OUT2);
			r = ioctl(fd, TIOCMSET, &m);
			break;
		default:
			r = ioctl(fd, TIOCMGET, &m);
			break;
		}
		if (r == 0) {
			w->ops++;
		} else {
			w->errs++;
			drop_fd(&fd);
		}
		if (rand_r(&w->seed) % 4 == 0)
			tvs_msleep(1);
	}
	drop_fd(&fd);
}

static void do_miwait(struct worker *w)
{
	int fd = -1;

	while (!stopping()) {
		if (keep_open(w, &fd) < 0)
			continue;
		if (ioctl(fd, TIOCMIWAIT, TIOCM_CTS | TIOCM_DSR | TIOCM_CD |
					  TIOCM_RNG) == 0) {
			w->ops++;
		} else if (errno == EIO) {
			w->ops++;	/* hung up: the waiter woke */
			drop_fd(&fd);
		} else if (errno == EINTR) {
			w->errs++;
		} else {
			fail(w, "TIOCMIWAIT: %s", strerror(errno));
			w->errs++;
			drop_fd(&fd);
		}
	}
	drop_fd(&fd);
}

static void do_termios(struct worker *w)
{
	static const speed_t speeds[] = { B0, B300, B9600, B38400, B115200,
					  B4000000 };

	while (!stopping()) {
		int end = pick_end(w);
		int fd = open_end(w, pick_slot(w), end, true);
		unsigned int r = rand_r(&w->seed);
		struct termios t;

		if (fd < 0) {
			w->errs++;
			tvs_msleep(2);
			continue;
		}
		tvs_raw_termios(&t, speeds[r % ARRAY_SIZE(speeds)]);
		if (r & 0x8)
			t.c_cflag &= ~CLOCAL;
		if (r & 0x10)
			t.c_cflag |= CRTSCTS;
		if (r & 0x20)
			t.c_cflag |= PARENB | ((r & 0x40) ? PARODD : 0);
		if (r & 0x80)
			t.c_cflag = (t.c_cflag & ~CSIZE) | CS7;
		if (r & 0x100)
			t.c_cflag |= CSTOPB;
		if (r & 0x200)
			t.c_lflag |= ICANON;
		if ((r & 0x400) && end == 0)
			t.c_lflag |= ECHO;	/* never on both: ping-pong */
		if ((r & 0x1800) == 0x1800)
			t.c_iflag |= IXON;
		if (r & 0x2000)
			t.c_cflag |= HUPCL;
		if (r & 0x4000)
			cfsetispeed(&t, speeds[(r >> 16) % ARRAY_SIZE(speeds)]);
		if (tcsetattr(fd, (r >> 20) % 3 == 0 ? TCSANOW :
			      (r >> 20) % 3 == 1 ? TCSADRAIN : TCSAFLUSH, &t) == 0)
			w->ops++;
		else
			w->errs++;
		close(fd);
		tvs_msleep(rand_r(&w->seed) % 8);
	}
}

static void do_flush(struct worker *w)
{
	while (!stopping()) {
		int fd = open_end(w, pick_slot(w), pick_end(w), true), r;

		if (fd < 0) {
			w->errs++;
			tvs_msleep(2);
			continue;
		}
		switch (rand_r(&w->seed) % 8) {
		case 0:
			r = tcflush(fd, TCIFLUSH);
			break;
		case 1:
			r = tcflush(fd, TCOFLUSH);
			break;
		case 2:
			r = tcflush(fd, TCIOFLUSH);
			break;
		case 3:
			r = tcdrain(fd);
			break;
		case 4:
			r = ioctl(fd, TIOCSBRK);
			tvs_msleep(rand_r(&w->seed) % 5);
			r |= ioctl(fd, TIOCCBRK);
			break;
		case 5:
			/* 250..500 ms on the wire; interruptible */
			r = rand_r(&w->seed) % 4 ? ioctl(fd, TCSBRKP, 1) :
						   tcsendbreak(fd, 0);
			break;
		case 6:
			r = tcflow(fd, TCOOFF);
			r |= tcflow(fd, TCOON);
			break;
		default:
			r = tcflow(fd, rand_r(&w->seed) % 2 ? TCIOFF : TCION);
			break;
		}
		if (r == 0)
			w->ops++;
		else
			w->errs++;
		close(fd);
		tvs_msleep(rand_r(&w->seed) % 4);
	}
}

static void do_ldisc(struct worker *w)
{
	int n_tty = N_TTY;

	while (!stopping()) {
		int slot = pick_slot(w), end = pick_end(w), tries;
		int fd = open_end(w, slot, end, true);

		if (fd < 0) {
			w->errs++;
			tvs_msleep(2);
			continue;
		}
		if (alt_ldisc >= 0) {
			if (ioctl(fd, TIOCSETD, &alt_ldisc))
				w->errs++;
			tvs_msleep(rand_r(&w->seed) % 10);
		}
		/* Back to N_TTY (EBUSY while a reader holds the ldisc). */
		for (tries = 0; tries < 20 && !stopping(); tries++) {
			if (ioctl(fd, TIOCSETD, &n_tty) == 0) {
				w->ops++;
				break;
			}
			w->errs++;
			close(fd);
			fd = open_end(w, slot, end, true);
			if (fd < 0)
				break;	/* pair destroyed meanwhile */
			tvs_msleep(5);
		}
		if (fd >= 0)
			close(fd);
		tvs_msleep(5 + rand_r(&w->seed) % 20);
	}
}

static void do_vhangup(struct worker *w)
{
	while (!stopping()) {
		int fd = open_end(w, pick_slot(w), pick_end(w), true);

		if (fd < 0) {
			w->errs++;
		} else {
			if (ioctl(fd, TIOCVHANGUP) == 0)
				w->ops++;
			else
				w->errs++;
			close(fd);
		}
		tvs_msleep(50 + rand_r(&w->seed) % 100);
	}
}

static void rand_wiring(struct worker *w, int *wire)
{
	int k;

	for (k = 0; k <= TTYVS_A_WIRE_MAX; k++)
		wire[k] = -1;
	for (k = 1; k <= TTYVS_A_WIRE_MAX; k++)
		if (rand_r(&w->seed) % 3 == 0)
			wire[k] = rand_r(&w->seed) % (TTYVS_WIRE_SRC_MAX + 1) |
				  (rand_r(&w->seed) % 4 ? 0 : TTYVS_WIRE_INVERT);
}

static int create_pair(struct worker *w, struct tnl *nl)
{
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl_err e;
	int r;

	tnl_cfg_init(&c);
	if (w) {
		if (rand_r(&w->seed) % 8 == 0)
			c.baud_emulation = 1;
		if (rand_r(&w->seed) % 4 == 0)
			c.buf_size = TTYVS_BUF_SIZE_MIN << (rand_r(&w->seed) % 6);
		if (rand_r(&w->seed) % 4 == 0)
			rand_wiring(w, c.wiring_a);
		if (rand_r(&w->seed) % 4 == 0)
			rand_wiring(w, c.wiring_b);
	}
	r = tnl_pair_new(nl, &c, &p, &e);
	if (r)
		return r;
	if (!p.has[TTYVS_A_PAIR_ID])
		return -EPROTO;
	return (int)p.id;
}

static void do_destroy(struct worker *w)
{
	struct tnl nl;
	int r;

	r = tnl_open(&nl);
	if (r) {
		fail(w, "netlink: %s", strerror(-r));
		tnl_close(&nl);
		return;
	}
	while (!stopping()) {
		int slot = rand_r(&w->seed) % NSLOTS, id = get_slot(slot);
		unsigned int what = rand_r(&w->seed) % 10;
		struct tnl_pair_cfg c;

		if (id < 0) {
			id = create_pair(w, &nl);
			if (id < 0) {
				fail(w, "PAIR_NEW (slot %d): %s", slot, strerror(-id));
				w->errs++;
				tvs_msleep(50);
				continue;
			}
			set_slot(slot, id);
			w->ops++;
		} else if (what < 3) {
			/* Live rewiring and buffer size under load. */
			tnl_cfg_init(&c);
			c.id = id;
			rand_wiring(w, c.wiring_a);
			rand_wiring(w, c.wiring_b);
			if (what == 0)
				c.buf_size = TTYVS_BUF_SIZE_MIN << (rand_r(&w->seed) % 6);
			if (what == 1)
				c.baud_emulation = rand_r(&w->seed) % 2;
			r = tnl_pair_set(&nl, &c, NULL);
			if (r == 0)
				w->ops++;
			else
				fail(w, "PAIR_SET of pair %d: %s", id, strerror(-r));
		} else {
			bool force = what != 3;

			r = tnl_pair_del(&nl, id, NULL, force, NULL);
			if (r == 0) {
				/* Workers may still race on the old id */
				set_slot(slot, -1);
				w->ops++;
			} else if (r == -EBUSY && !force) {
				w->ops++;
			} else {
				fail(w, "PAIR_DEL of pair %d (force %d): %s", id, force, strerror(-r));
				w->errs++;
			}
		}
		tvs_msleep(10 + rand_r(&w->seed) % 60);
	}
	tnl_close(&nl);
}

static void do_unload(struct worker *w)
{
	while (!stopping()) {
		if (syscall(SYS_delete_module, "ttyvs", O_NONBLOCK) == 0) {
			__atomic_store_n(&unloaded, 1, __ATOMIC_RELEASE);
			fail(w, "delete_module succeeded with ports open");
			__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
			break;
		}
		if (errno == EAGAIN || errno == EBUSY)
			w->ops++;
		else
			fail(w, "delete_module: %s, want EAGAIN or EBUSY",
			     strerror(errno));
		tvs_msleep(20 + rand_r(&w->seed) % 80);
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	switch (w->kind) {
	case K_OPEN:
		do_open(w);
		break;
	case K_READ:
		do_read(w);
		break;
	case K_WRITE:
		do_write(w);
		break;
	case K_MODEM:
		do_modem(w);
		break;
	case K_MIWAIT:
		do_miwait(w);
		break;
	case K_TERMIOS:
		do_termios(w);
		break;
	case K_FLUSH:
		do_flush(w);
		break;
	case K_LDISC:
		do_ldisc(w);
		break;
	case K_VHANGUP:
		do_vhangup(w);
		break;
	case K_DESTROY:
		do_destroy(w);
		break;
	case K_UNLOAD:
		do_unload(w);
		break;
	case NR_KINDS:
		break;
	}
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* A second line discipline the kernel has (N_NULL, else N_HDLC). */
static int probe_alt_ldisc(int fd)
{
	static const int cand[] = { 27 /* N_NULL */, 13 /* N_HDLC */ };
	int n_tty = N_TTY, found = -1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cand) && found < 0; i++)
		if (ioctl(fd, TIOCSETD, &cand[i]) == 0)
			found = cand[i];
	ioctl(fd, TIOCSETD, &n_tty);
	return found;
}

FIXTURE(race) {
	struct worker w[MAX_WORKERS];
	int nr;
	struct tnl nl;
	bool nl_open;
	int npairs0;		/* pairs before the test */
	int holder;		/* ttyVS0, open all along */
};

FIXTURE_SETUP(race)
{
	struct sigaction sa;
	int r;

	TVS_SKIP_IF_MISSING();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	self->nr = 0;
	self->holder = -1;
	r = tnl_open(&self->nl);
	self->nl_open = true;
	if (r == -ENOENT)
		TVS_SKIP_SETUP("no ttyvs netlink family (module too old?)");
	ASSERT_EQ(0, r) TH_LOG("netlink: %s", strerror(-r));
	self->npairs0 = tnl_pair_dump(&self->nl, NULL, 0);
	ASSERT_LE(2, self->npairs0);
	tvs_param_write("emulate_baud", "N");
}

FIXTURE_TEARDOWN(race)
{
	int i;

	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	if (self->nl_open) {
		for (i = 0; i < NSLOTS; i++)
			if (get_slot(i) >= 0)
				tnl_pair_del(&self->nl, get_slot(i), NULL, true,
					     NULL);
		tnl_close(&self->nl);
	}
	if (self->holder >= 0)
		close(self->holder);
}

static void add(FIXTURE_DATA(race) *self, enum kind kind, int slot, int end,
		bool nonblock, uint64_t seed)
{
	struct worker *w = &self->w[self->nr];
	char where[16] = "";

	w->kind = kind;
	w->slot = slot;
	w->end = end;
	w->nonblock = nonblock;
	w->seed = (unsigned int)(seed ^ (seed >> 32)) + self->nr * 7919;
	if (slot >= 0)
		snprintf(where, sizeof(where), "/p%d%c", slot,
			 end < 0 ? '*' : 'a' + end);
	snprintf(w->name, sizeof(w->name), "%s%s%s#%d", kind_name[kind],
		 nonblock ? "-nb" : "", where, self->nr);
	self->nr++;
}

static void dump_stack(struct __test_metadata *_metadata,
		       const struct worker *w)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", w->tid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		TH_LOG("%s: %s: %s", w->name, path, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	TH_LOG("%s (tid %d) kernel stack:\n%s", w->name, w->tid, buf);
}

static bool join_all(struct __test_metadata *_metadata,
		     FIXTURE_DATA(race) *self)
{
	double deadline = tvs_now() + STOP_DEADLINE * tvs_slow();
	bool ok = true;
	int i;

	/* Wake blocked callers (open waiting for DCD, writers held by
	 * CRTSCTS, TIOCMIWAIT, tcdrain, breaks) until all are out.
	 */
	while (tvs_now() < deadline) {
		int running = 0;

		for (i = 0; i < self->nr; i++) {
			if (__atomic_load_n(&self->w[i].done, __ATOMIC_ACQUIRE))
				continue;
			running++;
			pthread_kill(self->w[i].th, SIGUSR1);
		}
		if (!running)
			break;
		tvs_msleep(50);
	}
	for (i = 0; i < self->nr; i++) {
		struct worker *w = &self->w[i];

		if (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
			TH_LOG("%s is stuck (did not stop within %d s)",
			       w->name, STOP_DEADLINE * tvs_slow());
			dump_stack(_metadata, w);
			ok = false;
			continue;
		}
		pthread_join(w->th, NULL);
	}
	return ok;
}

/* A clean round trip both ways on default pair n. */
static void check_pair(struct __test_metadata *_metadata, int pair)
{
	static unsigned char out[4096], in[4096];
	uint64_t st = 0x77 + pair;
	int a, b, dir;

	a = tvs_open(2 * pair, true);
	ASSERT_LE(0, a) TH_LOG("open ttyVS%d: %s", 2 * pair, strerror(errno));
	b = tvs_open(2 * pair + 1, true);
	ASSERT_LE(0, b) TH_LOG("open ttyVS%d: %s", 2 * pair + 1, strerror(errno));
	ASSERT_EQ(0, tvs_make_raw(a, B115200));
	ASSERT_EQ(0, tvs_make_raw(b, B115200));
	ASSERT_EQ(0, tcflush(a, TCIOFLUSH));
	ASSERT_EQ(0, tcflush(b, TCIOFLUSH));
	for (dir = 0; dir < 2; dir++) {
		int tx = dir ? b : a, rx = dir ? a : b;

		tvs_prng_fill(&st, out, sizeof(out));
		ASSERT_EQ((ssize_t)sizeof(out), tvs_write_all(tx, out, sizeof(out)));
		ASSERT_EQ((ssize_t)sizeof(in), tvs_read_exact(rx, in, sizeof(in), 5000))
			TH_LOG("pair %d direction %d: short read", pair, dir);
		ASSERT_EQ(0, memcmp(out, in, sizeof(in)))
			TH_LOG("pair %d direction %d: data differs", pair, dir);
	}
	close(a);
	close(b);
}

static int duration(void)
{
	const char *s = getenv("TTYVS_STRESS_SECONDS");
	int secs;

	if (!s || !*s)
		s = getenv("DURATION");
	secs = s && *s ? atoi(s) : 0;
	return secs > 0 ? secs : 20;
}

TEST_F_TIMEOUT(race, pairs_destroyed_under_load, 7200)
{
	unsigned long kops[NR_KINDS] = { 0 }, total = 0;
	int kthreads[NR_KINDS] = { 0 };
	const char *s = getenv("TTYVS_RACE_SEED");
	int secs = duration(), i, slot, n;
	uint64_t seed;
	bool joined, bad = false;
	double t0, elapsed;
	char refcnt[32] = "?";

	seed = s && *s ? strtoull(s, NULL, 0) :
	       (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
	TH_LOG("seed %llu (TTYVS_RACE_SEED to repeat the thread mix; timing is not)",
	       (unsigned long long)seed);

	self->holder = tvs_open(0, true);
	ASSERT_LE(0, self->holder) TH_LOG("open ttyVS0: %s", strerror(errno));
	alt_ldisc = probe_alt_ldisc(self->holder);
	if (alt_ldisc < 0)
		TH_LOG("no second line discipline: TIOCSETD only sets N_TTY");
	else
		TH_LOG("TIOCSETD switches between N_TTY and ldisc %d", alt_ldisc);

	for (slot = 0; slot < NSLOTS; slot++) {
		int id = create_pair(NULL, &self->nl);

		ASSERT_LE(0, id) TH_LOG("PAIR_NEW: %s", strerror(-id));
		set_slot(slot, id);
	}

	for (slot = 0; slot < NSLOTS; slot++) {
		add(self, K_READ, slot, 0, slot % 2, seed);
		add(self, K_READ, slot, 1, !(slot % 2), seed);
		add(self, K_WRITE, slot, 0, false, seed);
		add(self, K_WRITE, slot, 1, true, seed);
		add(self, K_MIWAIT, slot, slot % 2, false, seed);
	}
	add(self, K_OPEN, -1, -1, false, seed);
	add(self, K_OPEN, -1, -1, false, seed);
	add(self, K_MODEM, -1, -1, true, seed);
	add(self, K_MODEM, -1, -1, true, seed);
	add(self, K_TERMIOS, -1, -1, true, seed);
	add(self, K_TERMIOS, -1, -1, true, seed);
	add(self, K_FLUSH, -1, -1, true, seed);
	add(self, K_LDISC, -1, -1, true, seed);
	add(self, K_VHANGUP, -1, -1, true, seed);
	add(self, K_DESTROY, -1, -1, false, seed);
	add(self, K_UNLOAD, -1, -1, false, seed);

	for (i = 0; i < self->nr; i++)
		ASSERT_EQ(0, pthread_create(&self->w[i].th, NULL, worker_fn,
					    &self->w[i]));
	TH_LOG("%d threads on %d pairs for %d s", self->nr, NSLOTS, secs);
	t0 = tvs_now();
	while (tvs_now() - t0 < secs && !stopping()) {
		/* Interrupt a random worker's blocking call now and then. */
		struct worker *w = &self->w[rand() % self->nr];

		if (w->kind != K_DESTROY && w->kind != K_UNLOAD &&
		    !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
			pthread_kill(w->th, SIGUSR1);
		tvs_msleep(20);
	}
	elapsed = tvs_now() - t0;
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	joined = join_all(_metadata, self);
	TH_LOG("workers stopped %.1f s after the storm", tvs_now() - t0 - elapsed);

	for (i = 0; i < self->nr; i++) {
		struct worker *w = &self->w[i];

		TH_LOG("%-34s ops %8lu (%7.1f/s) errs %6lu bytes %llu", w->name,
		       w->ops, w->ops / elapsed, w->errs, w->bytes);
		kops[w->kind] += w->ops;
		kthreads[w->kind]++;
		total += w->ops;
		if (w->fail[0]) {
			TH_LOG("%s: %s", w->name, w->fail);
			bad = true;
		}
		EXPECT_LT(0UL, w->ops) TH_LOG("%s made no progress", w->name);
	}
	for (i = 0; i < NR_KINDS; i++)
		if (kthreads[i])
			TH_LOG("%-24s %2d threads %9lu ops %9.1f ops/s", kind_name[i],
			       kthreads[i], kops[i], kops[i] / elapsed);
	TH_LOG("stress operations per second: %.0f (%lu ops in %.1f s, %d threads)",
	       total / elapsed, total, elapsed, self->nr);
	ASSERT_EQ(0, __atomic_load_n(&unloaded, __ATOMIC_ACQUIRE))
		TH_LOG("the module was unloaded while ports were open");
	EXPECT_FALSE(bad) TH_LOG("an expectation broke: see above");
	ASSERT_TRUE(joined) TH_LOG("threads stuck: see the stacks above");

	/* Every test pair goes; only the pairs from before stay. */
	for (slot = 0; slot < NSLOTS; slot++) {
		int id = get_slot(slot), r;

		if (id < 0)
			continue;
		r = tnl_pair_del(&self->nl, id, NULL, true, NULL);
		EXPECT_EQ(0, r) TH_LOG("PAIR_DEL %d: %s", id, strerror(-r));
		set_slot(slot, -1);
	}
	n = tnl_pair_dump(&self->nl, NULL, 0);
	EXPECT_EQ(self->npairs0, n) TH_LOG("pairs left over after the test");

	check_pair(_metadata, 0);
	check_pair(_metadata, 1);
	close(self->holder);
	self->holder = -1;
	for (i = 0; i < 100; i++) {
		if (tvs_param_read("../refcnt", refcnt, sizeof(refcnt)) == 0 &&
		    !strcmp(refcnt, "0"))
			break;
		tvs_msleep(20);
	}
	EXPECT_STREQ("0", refcnt) TH_LOG("module refcnt stays at %s", refcnt);
}

TEST_HARNESS_MAIN
