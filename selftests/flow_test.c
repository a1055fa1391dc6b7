// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs flow control: CRTSCTS (RTS of a throttled reader drops the
 * writer's CTS), CRTSCTS towards a closed peer, IXON (XOFF/XON from the
 * reader stop and resume the writer) and IXOFF (a throttled reader sends
 * STOP_CHAR, START_CHAR once drained).  Uses pair 0: a = ttyVS0 is the
 * writer, b = ttyVS1 the reader.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ttyvs_lib.h"

#define XOFF	0x13
#define XON	0x11

FIXTURE(flow) {
	int a;			/* ttyVS0, writer */
	int b;			/* ttyVS1, reader */
	pid_t child;
	struct termios save_a, save_b;
};

FIXTURE_SETUP(flow)
{
	self->a = -1;
	self->b = -1;
	self->child = -1;
	TVS_SKIP_IF_MISSING();
	tvs_param_write("emulate_baud", "N");

	self->a = tvs_open(0, false);
	ASSERT_LE(0, self->a) TH_LOG("open ttyVS0: %s", strerror(errno));
	self->b = tvs_open(1, false);
	ASSERT_LE(0, self->b) TH_LOG("open ttyVS1: %s", strerror(errno));
	ASSERT_EQ(0, tcgetattr(self->a, &self->save_a));
	ASSERT_EQ(0, tcgetattr(self->b, &self->save_b));
	ASSERT_EQ(0, tvs_make_raw(self->a, B115200));
	ASSERT_EQ(0, tvs_make_raw(self->b, B115200));
	ASSERT_EQ(0, tcflush(self->a, TCIOFLUSH));
	ASSERT_EQ(0, tcflush(self->b, TCIOFLUSH));
}

FIXTURE_TEARDOWN(flow)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->a >= 0) {
		tcflow(self->a, TCOON);
		tcflush(self->a, TCIOFLUSH);
		tcsetattr(self->a, TCSANOW, &self->save_a);
		close(self->a);
	}
	if (self->b >= 0) {
		tcflow(self->b, TCOON);
		tcflush(self->b, TCIOFLUSH);
		tcsetattr(self->b, TCSANOW, &self->save_b);
		close(self->b);
	}
}

static int set_flags(int fd, tcflag_t iset, tcflag_t cset)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -1;
	t.c_iflag |= iset;
	t.c_cflag |= cset;
	return tcsetattr(fd, TCSANOW, &t);
}

/*
 * Write pseudo-random data on a non-blocking fd until it stays full (no
 * POLLOUT within quiet_ms).  Returns bytes accepted; *csum covers them.
 */
static ssize_t fill_nonblock(int fd, uint64_t *st, uint64_t *csum,
			     size_t limit, int quiet_ms)
{
	unsigned char buf[1024];
	size_t total = 0;

	while (total < limit) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		tvs_prng_fill(st, buf, sizeof(buf));
		n = write(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno != EAGAIN)
				return -1;
			if (poll(&p, 1, quiet_ms) == 0)
				break;
			continue;
		}
		*csum = tvs_csum(*csum, buf, n);
		total += n;
	}
	return total;
}

/* Read len bytes in pieces, folding them into *csum. */
static ssize_t drain(int fd, size_t len, uint64_t *csum, int timeout_ms)
{
	unsigned char buf[4096];
	size_t got = 0;

	while (got < len) {
		size_t want = len - got < sizeof(buf) ? len - got : sizeof(buf);
		ssize_t n = tvs_read_exact(fd, buf, want, timeout_ms);

		if (n <= 0)
			break;
		*csum = tvs_csum(*csum, buf, n);
		got += n;
	}
	return got;
}

/*
 * The reader throttles: its RTS drops, the writer's CTS drops and the
 * writer stops (EAGAIN); draining raises both again and nothing is lost.
 */
TEST_F_TIMEOUT(flow, crtscts_throttle_nonblock, 60)
{
	uint64_t st = 7, wsum = 0, rsum = 0;
	ssize_t total, more, got;
	int m;

	ASSERT_EQ(0, set_flags(self->a, 0, CRTSCTS));
	ASSERT_EQ(0, set_flags(self->b, 0, CRTSCTS));
	m = tvs_modem(self->a);
	ASSERT_EQ(TIOCM_CTS, m & TIOCM_CTS) TH_LOG("writer CTS low at start");

	ASSERT_EQ(0, tvs_set_nonblock(self->a, true));
	total = fill_nonblock(self->a, &st, &wsum, 4 << 20, 300);
	ASSERT_LT(0, total);
	ASSERT_GT(4 << 20, total) TH_LOG("the writer was never held back");
	TH_LOG("%zd bytes accepted before the writer stopped", total);

	m = tvs_wait_modem(self->b, TIOCM_RTS, 0, 2000);
	ASSERT_EQ(0, m & TIOCM_RTS) TH_LOG("throttled reader's RTS still high");
	m = tvs_wait_modem(self->a, TIOCM_CTS, 0, 2000);
	ASSERT_EQ(0, m & TIOCM_CTS) TH_LOG("writer's CTS still high");

	errno = 0;
	EXPECT_EQ(-1, write(self->a, "x", 1));
	EXPECT_EQ(EAGAIN, errno);

	/* The reader drains: RTS/CTS rise and the writer goes on. */
	got = drain(self->b, total, &rsum, 3000);
	ASSERT_EQ(total, got);
	ASSERT_EQ(wsum, rsum);
	m = tvs_wait_modem(self->b, TIOCM_RTS, TIOCM_RTS, 2000);
	ASSERT_EQ(TIOCM_RTS, m & TIOCM_RTS) TH_LOG("reader's RTS still low after the drain");
	m = tvs_wait_modem(self->a, TIOCM_CTS, TIOCM_CTS, 2000);
	ASSERT_EQ(TIOCM_CTS, m & TIOCM_CTS) TH_LOG("writer's CTS still low after the drain");

	more = fill_nonblock(self->a, &st, &wsum, 2048, 300);
	ASSERT_EQ(2048, more);
	got = drain(self->b, more, &rsum, 3000);
	ASSERT_EQ(more, got);
	ASSERT_EQ(wsum, rsum);
}

struct bw_arg {
	int fd;
	size_t total;
	uint64_t csum;
	int err;
};

static void *blocking_writer(void *arg)
{
	struct bw_arg *w = arg;
	unsigned char buf[4096];
	uint64_t st = 99;
	size_t done = 0;

	while (done < w->total) {
		ssize_t n;

		tvs_prng_fill(&st, buf, sizeof(buf));
		n = tvs_write_all(w->fd, buf, sizeof(buf));
		if (n != (ssize_t)sizeof(buf)) {
			w->err = n < 0 ? errno : EIO;
			break;
		}
		w->csum = tvs_csum(w->csum, buf, n);
		done += n;
	}
	return NULL;
}

/* A blocking CRTSCTS writer against a slow reader: throttles, no loss. */
TEST_F_TIMEOUT(flow, crtscts_blocking_no_loss, 120)
{
	struct bw_arg w = { .fd = self->a, .total = 2 << 20 };
	unsigned char buf[4096];
	uint64_t rsum = 0;
	size_t got = 0;
	int rts_low_seen = 0;
	pthread_t th;

	ASSERT_EQ(0, set_flags(self->a, 0, CRTSCTS));
	ASSERT_EQ(0, set_flags(self->b, 0, CRTSCTS));
	ASSERT_EQ(0, pthread_create(&th, NULL, blocking_writer, &w));

	while (got < w.total) {
		ssize_t n;

		/* Read slowly so the reader keeps throttling. */
		if ((got & 0x3ffff) < sizeof(buf)) {
			tvs_msleep(100);
			if (!(tvs_modem(self->b) & TIOCM_RTS))
				rts_low_seen++;
		}
		n = tvs_read_exact(self->b, buf, sizeof(buf), 5000);
		ASSERT_LT(0, n) TH_LOG("reader stalled at %zu bytes (writer err %d)",
				       got, w.err);
		rsum = tvs_csum(rsum, buf, n);
		got += n;
	}
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, w.err);
	ASSERT_EQ(w.total, got);
	ASSERT_EQ(w.csum, rsum);
	EXPECT_LT(0, rts_low_seen) TH_LOG("RTS never dropped while the reader lagged");
}

/*
 * CRTSCTS writer, peer closed (HUPCL dropped its RTS): the writer is held
 * (EAGAIN / blocks) instead of discarding, and goes on when the peer opens.
 */
TEST_F_TIMEOUT(flow, crtscts_peer_closed, 30)
{
	int pfd[2], m, status;
	uint64_t d0, d1;
	char buf[32];
	ssize_t n;

	ASSERT_EQ(0, set_flags(self->a, 0, CRTSCTS));
	ASSERT_EQ(0, set_flags(self->b, 0, HUPCL));
	ASSERT_EQ(0, close(self->b));
	self->b = -1;

	m = tvs_wait_modem(self->a, TIOCM_CTS, 0, 2000);
	ASSERT_EQ(0, m & TIOCM_CTS) TH_LOG("CTS still high with the peer closed");
	ASSERT_EQ(0, tvs_tty_attr_u64(0, "tx_discarded", &d0));

	ASSERT_EQ(0, tvs_set_nonblock(self->a, true));
	errno = 0;
	n = write(self->a, "nb", 2);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, tvs_set_nonblock(self->a, false));

	/* A blocking write in a child must still be waiting after 700 ms. */
	ASSERT_EQ(0, pipe(pfd));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(pfd[0]);
		alarm(20);
		n = write(self->a, "blocked!", 8);
		if (write(pfd[1], &n, sizeof(n)) != sizeof(n))
			_exit(2);
		_exit(n == 8 ? 0 : 1);
	}
	close(pfd[1]);
	tvs_msleep(700);
	ASSERT_EQ(0, waitpid(self->child, &status, WNOHANG))
		TH_LOG("the blocking write returned with CTS low");

	/* The peer opens: RTS rises, the write completes, the bytes arrive. */
	self->b = tvs_open(1, false);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, tvs_make_raw(self->b, B115200));
	ASSERT_EQ(8, tvs_read_exact(self->b, buf, 8, 5000));
	ASSERT_EQ(0, memcmp(buf, "blocked!", 8));
	ASSERT_EQ((ssize_t)sizeof(n), read(pfd[0], &n, sizeof(n)));
	EXPECT_EQ(8, n);
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = -1;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pfd[0]);

	/* Nothing went to the discard counter. */
	ASSERT_EQ(0, tvs_tty_attr_u64(0, "tx_discarded", &d1));
	EXPECT_EQ(d0, d1);
}

/*
 * IXON writer: XOFF from the reader stops the writer with (almost)
 * nothing queued, XON resumes and everything accepted arrives.
 * xoff_by_char selects a raw 0x13/0x11 byte instead of tcflow().
 */
static void ixon_case(struct __test_metadata *_metadata,
		      FIXTURE_DATA(flow) *self, int xoff_by_char)
{
	static unsigned char out[65536], in[65536];
	uint64_t st = 5, wsum = 0, rsum = 0;
	ssize_t n, got;
	char c;

	ASSERT_EQ(0, set_flags(self->a, IXON, 0));

	if (xoff_by_char) {
		c = XOFF;
		ASSERT_EQ(1, write(self->b, &c, 1));
	} else {
		ASSERT_EQ(0, tcflow(self->b, TCIOFF));
	}
	tvs_msleep(300);
	/* The writer's n_tty ate the XOFF: its reader sees nothing. */
	EXPECT_EQ(0, tvs_inq(self->a));

	ASSERT_EQ(0, tvs_set_nonblock(self->a, true));
	tvs_prng_fill(&st, out, sizeof(out));
	n = write(self->a, out, sizeof(out));
	if (n < 0) {
		ASSERT_EQ(EAGAIN, errno) TH_LOG("write: %s", strerror(errno));
		n = 0;
	}
	TH_LOG("%zd bytes accepted while stopped", n);
	EXPECT_GT((ssize_t)sizeof(out) / 4, n)
		TH_LOG("the stopped writer accepted too much");
	wsum = tvs_csum(wsum, out, n);

	/* The reader gets nothing while XOFF holds. */
	EXPECT_EQ(0, tvs_read_quiet(self->b, in, sizeof(in), 500, 50))
		TH_LOG("bytes arrived after XOFF");

	if (xoff_by_char) {
		c = XON;
		ASSERT_EQ(1, write(self->b, &c, 1));
	} else {
		ASSERT_EQ(0, tcflow(self->b, TCION));
	}
	got = drain(self->b, n, &rsum, 3000);
	ASSERT_EQ(n, got);
	ASSERT_EQ(wsum, rsum);

	/* Flowing again: a full blocking-size write goes through. */
	ASSERT_EQ(0, tvs_set_nonblock(self->a, false));
	tvs_prng_fill(&st, out, 4096);
	wsum = tvs_csum(0, out, 4096);
	rsum = 0;
	ASSERT_EQ(4096, tvs_write_all(self->a, out, 4096));
	ASSERT_EQ(4096, drain(self->b, 4096, &rsum, 3000));
	ASSERT_EQ(wsum, rsum);
	EXPECT_EQ(0, tvs_inq(self->a));
}

TEST_F_TIMEOUT(flow, ixon_tcflow, 30)
{
	ixon_case(_metadata, self, 0);
}

TEST_F_TIMEOUT(flow, ixon_raw_chars, 30)
{
	ixon_case(_metadata, self, 1);
}

/* IXOFF reader: throttling sends STOP_CHAR, unthrottling START_CHAR. */
TEST_F_TIMEOUT(flow, ixoff_sends_stop_start, 30)
{
	uint64_t st = 11, wsum = 0, rsum = 0;
	unsigned char c = 0;
	ssize_t total, got;

	ASSERT_EQ(0, set_flags(self->b, IXOFF, 0));
	ASSERT_EQ(0, tvs_set_nonblock(self->a, true));
	total = fill_nonblock(self->a, &st, &wsum, 4 << 20, 300);
	ASSERT_LT(0, total);
	ASSERT_GT(4 << 20, total);

	/* The writer (raw, no IXON) reads the STOP char. */
	ASSERT_EQ(1, tvs_read_exact(self->a, &c, 1, 2000))
		TH_LOG("no STOP_CHAR from the throttled IXOFF reader");
	EXPECT_EQ(XOFF, c);

	got = drain(self->b, total, &rsum, 3000);
	ASSERT_EQ(total, got);
	ASSERT_EQ(wsum, rsum);

	c = 0;
	ASSERT_EQ(1, tvs_read_exact(self->a, &c, 1, 2000))
		TH_LOG("no START_CHAR after the reader drained");
	EXPECT_EQ(XON, c);
}

TEST_HARNESS_MAIN
