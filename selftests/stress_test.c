// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs stress: for TTYVS_STRESS_SECONDS (default 30) many threads hammer
 * both ends of pairs 0 and 1 at once: open/close loops, blocking and
 * non-blocking writers, readers, TIOCVHANGUP, line discipline switches
 * (TIOCSETD), modem line toggles, TIOCMIWAIT, termios changes and
 * emulate_baud flips.  Afterwards every thread must have made progress
 * and stopped in time, and both pairs must carry data cleanly again.
 * Kernel reports (lockdep, KASAN, WARN, ...) are caught by the VM runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/tty.h>

#include "kselftest_harness.h"
#include "ttyvs_lib.h"

#ifndef TIOCM_OUT1
#define TIOCM_OUT1	0x2000
#define TIOCM_OUT2	0x4000
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define NR_ENDS		4	/* ttyVS0..3: pairs 0 and 1 */
#define MAX_WORKERS	32

enum kind {
	K_READER, K_OPENCLOSE, K_WRITER_BLOCK, K_WRITER_NB, K_VHANGUP,
	K_LDISC, K_MODEM, K_TERMIOS, K_EMULATE, K_MIWAIT,
};

struct worker {
	pthread_t th;
	char name[32];
	enum kind kind;
	int idx;
	unsigned int seed;
	unsigned long ops;	/* successful operations */
	unsigned long errs;	/* failed calls (expected under hangups) */
	unsigned long long bytes;
	pid_t tid;
	bool started, done;
};

static int stop_actors;	/* everything but readers/miwait (atomic) */
static int stop_all;	/* atomic */
static int alt_ldisc = -1;		/* N_NULL or N_HDLC if available */

static bool stopping(const struct worker *w)
{
	if (w->kind == K_READER || w->kind == K_MIWAIT)
		return __atomic_load_n(&stop_all, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&stop_actors, __ATOMIC_ACQUIRE);
}

static int reopen(int fd, int idx, bool nonblock)
{
	if (fd >= 0)
		close(fd);
	fd = tvs_open(idx, true);
	if (fd >= 0 && !nonblock)
		tvs_set_nonblock(fd, false);
	return fd;
}

static void do_reader(struct worker *w)
{
	char buf[4096];
	int fd = -1, iter = 0;

	while (!stopping(w)) {
		struct pollfd p;
		ssize_t n;

		if (fd < 0 || ++iter % 200 == 0) {
			fd = reopen(fd, w->idx, true);
			if (fd < 0) {
				w->errs++;
				tvs_msleep(5);
				continue;
			}
		}
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			w->ops++;
			w->bytes += n;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* Hung up or another ldisc: start over. */
			w->errs++;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
}

static void do_openclose(struct worker *w)
{
	while (!stopping(w)) {
		int fd = tvs_open(w->idx, true);

		if (fd < 0) {
			w->errs++;
			tvs_msleep(1);
			continue;
		}
		w->ops++;
		if (rand_r(&w->seed) % 4 == 0 && write(fd, "oc", 2) < 0)
			w->errs++;
		close(fd);
	}
}

static void do_writer(struct worker *w, bool nonblock)
{
	char buf[512];
	int fd = -1;
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 'a' + i % 26;
	while (!stopping(w)) {
		ssize_t n;

		if (fd < 0) {
			fd = reopen(fd, w->idx, nonblock);
			if (fd < 0) {
				w->errs++;
				tvs_msleep(5);
				continue;
			}
		}
		n = write(fd, buf, 1 + rand_r(&w->seed) % sizeof(buf));
		if (n > 0) {
			w->ops++;
			w->bytes += n;
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 50);
		} else {
			w->errs++;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
}

static void do_vhangup(struct worker *w)
{
	while (!stopping(w)) {
		int fd = tvs_open(rand_r(&w->seed) % NR_ENDS, true);

		if (fd < 0) {
			w->errs++;
		} else {
			if (ioctl(fd, TIOCVHANGUP) == 0)
				w->ops++;
			else
				w->errs++;
			close(fd);
		}
		tvs_msleep(100 + rand_r(&w->seed) % 100);
	}
}

/*
 * Switch an end to the other ldisc and back.  Getting back to N_TTY is
 * retried (TIOCSETD fails with EBUSY while a blocked reader or writer
 * holds the ldisc): an end left in N_NULL would stop consuming and hold
 * its peer's writers for good, which is correct behaviour, not a hang.
 */
static void do_ldisc(struct worker *w)
{
	int n_tty = N_TTY;

	while (!stopping(w)) {
		int idx = rand_r(&w->seed) % NR_ENDS;
		int fd = tvs_open(idx, true), tries;

		if (fd < 0) {
			w->errs++;
			tvs_msleep(5);
			continue;
		}
		if (alt_ldisc >= 0) {
			if (ioctl(fd, TIOCSETD, &alt_ldisc))
				w->errs++;
			tvs_msleep(rand_r(&w->seed) % 10);
		}
		for (tries = 0; tries < 200; tries++) {
			if (ioctl(fd, TIOCSETD, &n_tty) == 0) {
				w->ops++;
				break;
			}
			w->errs++;
			/* A hung-up fd cannot switch back: use a new one. */
			fd = reopen(fd, idx, true);
			tvs_msleep(10);
		}
		if (fd >= 0)
			close(fd);
		tvs_msleep(10 + rand_r(&w->seed) % 30);
	}
}

static void do_modem(struct worker *w)
{
	static const int bits[] = { TIOCM_DTR, TIOCM_RTS, TIOCM_OUT1, TIOCM_OUT2 };
	int fd = -1;

	while (!stopping(w)) {
		int b = bits[rand_r(&w->seed) % 4], m, r;

		if (fd < 0 || rand_r(&w->seed) % 50 == 0)
			fd = reopen(fd, rand_r(&w->seed) % NR_ENDS, true);
		if (fd < 0) {
			w->errs++;
			tvs_msleep(5);
			continue;
		}
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
			close(fd);
			fd = -1;
		}
		tvs_msleep(rand_r(&w->seed) % 3);
	}
	if (fd >= 0)
		close(fd);
}

static void do_termios(struct worker *w)
{
	static const speed_t speeds[] = { B9600, B38400, B115200, B0 };

	while (!stopping(w)) {
		int idx = rand_r(&w->seed) % NR_ENDS;
		int fd = tvs_open(idx, true);
		unsigned int r = rand_r(&w->seed);
		struct termios t;

		if (fd < 0) {
			w->errs++;
			tvs_msleep(5);
			continue;
		}
		/* Never flow control (a stray 0x13 would stop a writer for
		 * good) and never ECHO on both ends of a pair (ping-pong).
		 */
		tvs_raw_termios(&t, speeds[r % 4]);
		if (r & 0x10)
			t.c_cflag = (t.c_cflag & ~CSIZE) | CS7;
		if (r & 0x20)
			t.c_cflag |= PARENB;
		if (r & 0x40)
			t.c_cflag |= CSTOPB;
		if (r & 0x80)
			t.c_lflag |= ICANON;
		if ((r & 0x100) && idx % 2 == 0)
			t.c_lflag |= ECHO;
		if (r & 0x200)
			t.c_iflag |= ICRNL | PARMRK;
		if (tcsetattr(fd, (r & 0x400) ? TCSADRAIN : TCSANOW, &t) == 0)
			w->ops++;
		else
			w->errs++;
		if (r & 0x800)
			tcflush(fd, TCIOFLUSH);
		close(fd);
		tvs_msleep(5 + rand_r(&w->seed) % 20);
	}
}

static void do_emulate(struct worker *w)
{
	while (!stopping(w)) {
		if (tvs_param_write("emulate_baud", "Y") == 0)
			w->ops++;
		else
			w->errs++;
		tvs_msleep(50);
		if (tvs_param_write("emulate_baud", "N"))
			w->errs++;
		tvs_msleep(450);
	}
	tvs_param_write("emulate_baud", "N");
}

static void do_miwait(struct worker *w)
{
	int fd = -1;

	while (!stopping(w)) {
		if (fd < 0) {
			fd = reopen(fd, w->idx, true);
			if (fd < 0) {
				w->errs++;
				tvs_msleep(5);
				continue;
			}
		}
		if (ioctl(fd, TIOCMIWAIT, TIOCM_CTS | TIOCM_DSR | TIOCM_CD |
					   TIOCM_RNG) == 0) {
			w->ops++;
		} else {
			/* EIO after a hangup: count it as progress too. */
			if (errno == EIO)
				w->ops++;
			else
				w->errs++;
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	w->started = true;
	switch (w->kind) {
	case K_READER:
		do_reader(w);
		break;
	case K_OPENCLOSE:
		do_openclose(w);
		break;
	case K_WRITER_BLOCK:
		do_writer(w, false);
		break;
	case K_WRITER_NB:
		do_writer(w, true);
		break;
	case K_VHANGUP:
		do_vhangup(w);
		break;
	case K_LDISC:
		do_ldisc(w);
		break;
	case K_MODEM:
		do_modem(w);
		break;
	case K_TERMIOS:
		do_termios(w);
		break;
	case K_EMULATE:
		do_emulate(w);
		break;
	case K_MIWAIT:
		do_miwait(w);
		break;
	}
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Find a second line discipline the kernel can load. */
static int probe_alt_ldisc(void)
{
	static const int cand[] = { 27 /* N_NULL */, 13 /* N_HDLC */ };
	int n_tty = N_TTY, found = -1;
	unsigned int i;
	int fd;

	fd = tvs_open(0, true);
	if (fd < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(cand) && found < 0; i++)
		if (ioctl(fd, TIOCSETD, &cand[i]) == 0)
			found = cand[i];
	ioctl(fd, TIOCSETD, &n_tty);
	close(fd);
	return found;
}

FIXTURE(stress) {
	struct worker w[MAX_WORKERS];
	int nr;
};

FIXTURE_SETUP(stress)
{
	TVS_SKIP_IF_MISSING();
	tvs_param_write("emulate_baud", "N");
	self->nr = 0;
}

FIXTURE_TEARDOWN(stress)
{
	tvs_param_write("emulate_baud", "N");
}

static void add(FIXTURE_DATA(stress) *self, enum kind kind, int idx,
		const char *name)
{
	struct worker *w = &self->w[self->nr];

	w->kind = kind;
	w->idx = idx;
	w->seed = 0x5eed + self->nr * 7919;
	snprintf(w->name, sizeof(w->name), "%s/ttyVS%d", name, idx);
	self->nr++;
}

/* Show where a stuck thread sits in the kernel. */
static void dump_stack(struct __test_metadata *_metadata,
		       const struct worker *w)
{
	char path[64], buf[2048];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", w->tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	TH_LOG("%s kernel stack:\n%s", w->name, buf);
}

/* State of every end, printed once when something is stuck. */
static void dump_ports(struct __test_metadata *_metadata)
{
	int i;

	for (i = 0; i < NR_ENDS; i++) {
		int fd = tvs_open(i, true), d = -1;
		struct termios t;

		if (fd < 0) {
			TH_LOG("ttyVS%d: open: %s", i, strerror(errno));
			continue;
		}
		ioctl(fd, TIOCGETD, &d);
		memset(&t, 0, sizeof(t));
		tcgetattr(fd, &t);
		TH_LOG("ttyVS%d: ldisc %d inq %d outq %d mctrl %#x iflag %#o lflag %#o cflag %#o",
		       i, d, tvs_inq(fd), tvs_outq(fd), tvs_modem(fd),
		       t.c_iflag, t.c_lflag, t.c_cflag);
		close(fd);
	}
}

/* Join the workers of one group; false if one is still running at deadline. */
static bool join_group(struct __test_metadata *_metadata,
		       FIXTURE_DATA(stress) *self, bool readers,
		       double deadline)
{
	bool ok = true;
	int i;

	for (i = 0; i < self->nr; i++) {
		struct worker *w = &self->w[i];
		bool is_reader = w->kind == K_READER || w->kind == K_MIWAIT;
		struct timespec ts;
		double left;

		if (is_reader != readers)
			continue;
		left = deadline - tvs_now();
		if (left < 0)
			left = 0;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(w->th, NULL, &ts)) {
			TH_LOG("%s is stuck (did not stop in time)", w->name);
			if (ok)
				dump_ports(_metadata);
			dump_stack(_metadata, w);
			ok = false;
		}
	}
	return ok;
}

/* Poke the modem lines of every end so TIOCMIWAIT waiters wake up. */
static void poke_lines(void)
{
	int bits = TIOCM_DTR | TIOCM_RTS, i;

	for (i = 0; i < NR_ENDS; i++) {
		int fd = tvs_open(i, true);

		if (fd < 0)
			continue;
		ioctl(fd, TIOCMBIC, &bits);
		ioctl(fd, TIOCMBIS, &bits);
		close(fd);
	}
}

/* A clean round trip on pair n after the storm. */
static void check_pair(struct __test_metadata *_metadata, int pair)
{
	static unsigned char out[4096], in[4096];
	uint64_t st = 1 + pair;
	int a, b, d, dir;

	a = tvs_open(2 * pair, false);
	ASSERT_LE(0, a) TH_LOG("reopen ttyVS%d: %s", 2 * pair, strerror(errno));
	b = tvs_open(2 * pair + 1, false);
	ASSERT_LE(0, b) TH_LOG("reopen ttyVS%d: %s", 2 * pair + 1, strerror(errno));
	ASSERT_EQ(0, ioctl(a, TIOCGETD, &d));
	EXPECT_EQ(N_TTY, d);
	ASSERT_EQ(0, tvs_make_raw(a, B115200));
	ASSERT_EQ(0, tvs_make_raw(b, B115200));
	/* Both ends just opened, not B0: DTR/RTS up on each side. */
	EXPECT_EQ(TIOCM_CTS | TIOCM_DSR | TIOCM_CD,
		  tvs_wait_modem(a, TIOCM_CTS | TIOCM_DSR | TIOCM_CD,
				 TIOCM_CTS | TIOCM_DSR | TIOCM_CD, 2000) &
		  (TIOCM_CTS | TIOCM_DSR | TIOCM_CD));
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
		EXPECT_EQ(0, tvs_read_quiet(rx, in, sizeof(in), 200, 50));
	}
	close(a);
	close(b);
}

/* Has every worker done at least one operation? */
static bool all_progressed(FIXTURE_DATA(stress) *self)
{
	int i;

	for (i = 0; i < self->nr; i++)
		if (!__atomic_load_n(&self->w[i].ops, __ATOMIC_RELAXED))
			return false;
	return true;
}

TEST_F_TIMEOUT(stress, storm, 3600)
{
	const char *env = getenv("TTYVS_STRESS_SECONDS");
	int secs = env ? atoi(env) : 30;
	bool joined;
	char refcnt[32];
	double t0, storm;
	int i;

	if (secs <= 0)
		secs = 30;
	alt_ldisc = probe_alt_ldisc();
	if (alt_ldisc < 0)
		TH_LOG("no second line discipline loadable: TIOCSETD only sets N_TTY");
	else
		TH_LOG("switching between N_TTY and ldisc %d", alt_ldisc);

	for (i = 0; i < NR_ENDS; i++) {
		add(self, K_READER, i, "reader");
		add(self, K_OPENCLOSE, i, "openclose");
	}
	add(self, K_WRITER_BLOCK, 0, "writer");
	add(self, K_WRITER_BLOCK, 3, "writer");
	add(self, K_WRITER_NB, 1, "writer-nb");
	add(self, K_WRITER_NB, 2, "writer-nb");
	add(self, K_VHANGUP, 0, "vhangup");
	add(self, K_LDISC, 0, "ldisc");
	add(self, K_MODEM, 0, "modem");
	add(self, K_TERMIOS, 0, "termios");
	add(self, K_EMULATE, 0, "emulate_baud");
	add(self, K_MIWAIT, 1, "miwait");
	add(self, K_MIWAIT, 2, "miwait");

	for (i = 0; i < self->nr; i++)
		ASSERT_EQ(0, pthread_create(&self->w[i].th, NULL, worker_fn,
					    &self->w[i]));
	TH_LOG("%d threads for %d s", self->nr, secs);
	t0 = tvs_now();
	/*
	 * On a slow kernel a thread may not have had its first success yet
	 * (the debug kernel on a busy machine: readers with 0-2 reads in
	 * 30 s): go on until each has, up to secs x TTYVS_SLOW.
	 */
	while (tvs_now() - t0 < secs ||
	       (tvs_now() - t0 < (double)secs * tvs_slow() && !all_progressed(self)))
		tvs_msleep(200);
	storm = tvs_now() - t0;
	if (storm > secs + 1)
		TH_LOG("storm went on for %.0f s until every thread had made progress", storm);

	/* Actors stop first, readers keep draining so writers can finish. */
	__atomic_store_n(&stop_actors, 1, __ATOMIC_RELEASE);
	tvs_param_write("emulate_baud", "N");
	joined = join_group(_metadata, self, false, tvs_now() + 30 * tvs_slow());
	__atomic_store_n(&stop_all, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 20; i++) {
		int j, running = 0;

		for (j = 0; j < self->nr; j++)
			if (!__atomic_load_n(&self->w[j].done, __ATOMIC_ACQUIRE))
				running++;
		if (!running)
			break;
		poke_lines();
		tvs_msleep(100);
	}
	joined = join_group(_metadata, self, true, tvs_now() + 15 * tvs_slow()) && joined;
	TH_LOG("stopped in %.1f s after the storm", tvs_now() - t0 - storm);

	for (i = 0; i < self->nr; i++) {
		struct worker *w = &self->w[i];

		TH_LOG("%-22s ops %8lu  errs %6lu  bytes %llu", w->name, w->ops,
		       w->errs, w->bytes);
		EXPECT_LT(0UL, w->ops) TH_LOG("%s made no progress", w->name);
	}
	ASSERT_TRUE(joined) TH_LOG("threads stuck: see above");

	/* The ports still work and nothing holds the module any more. */
	check_pair(_metadata, 0);
	check_pair(_metadata, 1);
	for (i = 0; i < 100; i++) {
		if (tvs_param_read("../refcnt", refcnt, sizeof(refcnt)) == 0 &&
		    !strcmp(refcnt, "0"))
			break;
		tvs_msleep(20);
	}
	EXPECT_STREQ("0", refcnt) TH_LOG("module refcnt stays at %s", refcnt);
}

TEST_HARNESS_MAIN
