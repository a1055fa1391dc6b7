// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs data path: transparency, the n_tty line discipline on top of the
 * pair, termios round trips, backpressure, writes to a closed peer and
 * the output queue ioctls.  Uses pair 0 (ttyVS0 <-> ttyVS1).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/serial.h>

#include "kselftest_harness.h"
#include "ttyvs_lib.h"

FIXTURE(data) {
	int a;			/* ttyVS0 */
	int b;			/* ttyVS1 */
	struct termios save_a, save_b;
};

FIXTURE_SETUP(data)
{
	self->a = -1;
	self->b = -1;
	TVS_SKIP_IF_MISSING();
	/* Without baud emulation every byte is delivered at once. */
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

FIXTURE_TEARDOWN(data)
{
	tvs_param_write("emulate_baud", "N");
	if (self->a >= 0) {
		tcflush(self->a, TCIOFLUSH);
		tcsetattr(self->a, TCSANOW, &self->save_a);
		close(self->a);
	}
	if (self->b >= 0) {
		tcflush(self->b, TCIOFLUSH);
		tcsetattr(self->b, TCSANOW, &self->save_b);
		close(self->b);
	}
}

/* A short message each way. */
TEST_F(data, both_ways)
{
	char buf[32];

	ASSERT_EQ(6, write(self->a, "hello\n", 6));
	ASSERT_EQ(6, tvs_read_exact(self->b, buf, 6, 2000));
	ASSERT_EQ(0, memcmp(buf, "hello\n", 6));

	ASSERT_EQ(5, write(self->b, "world", 5));
	ASSERT_EQ(5, tvs_read_exact(self->a, buf, 5, 2000));
	ASSERT_EQ(0, memcmp(buf, "world", 5));

	/* Nothing else arrived on either side. */
	EXPECT_EQ(0, tvs_read_quiet(self->a, buf, sizeof(buf), 200, 50));
	EXPECT_EQ(0, tvs_read_quiet(self->b, buf, sizeof(buf), 200, 50));
}

/* Every byte value 0x00..0xff passes unchanged in raw mode, both ways. */
TEST_F(data, all_byte_values)
{
	unsigned char out[512], in[512];
	int i, dir;

	for (i = 0; i < 256; i++) {
		out[i] = i;
		out[511 - i] = i;
	}
	for (dir = 0; dir < 2; dir++) {
		int tx = dir ? self->b : self->a;
		int rx = dir ? self->a : self->b;

		memset(in, 0, sizeof(in));
		ASSERT_EQ((ssize_t)sizeof(out), tvs_write_all(tx, out, sizeof(out)));
		ASSERT_EQ((ssize_t)sizeof(in),
			  tvs_read_exact(rx, in, sizeof(in), 3000))
			TH_LOG("direction %d: short read", dir);
		for (i = 0; i < (int)sizeof(in); i++) {
			ASSERT_EQ(out[i], in[i])
				TH_LOG("direction %d: byte %d differs", dir, i);
		}
	}
}

/* A canonical, ICRNL reader: "abc\r" becomes the line "abc\n". */
TEST_F(data, canonical_icrnl)
{
	struct termios t;
	char buf[64];
	ssize_t n;

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_lflag |= ICANON;
	t.c_lflag &= ~(ECHO | ECHONL | ISIG | IEXTEN);
	t.c_iflag |= ICRNL;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));

	ASSERT_EQ(4, write(self->a, "abc\r", 4));
	ASSERT_EQ(4, tvs_read_quiet(self->b, buf, sizeof(buf), 2000, 200));
	ASSERT_EQ(0, memcmp(buf, "abc\n", 4));

	/* No line yet: the canonical reader does not wake up. */
	ASSERT_EQ(2, write(self->a, "de", 2));
	{
		struct pollfd p = { .fd = self->b, .events = POLLIN };

		EXPECT_EQ(0, poll(&p, 1, 300));
	}
	ASSERT_EQ(1, write(self->a, "\r", 1));
	n = tvs_read_quiet(self->b, buf, sizeof(buf), 2000, 200);
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, memcmp(buf, "de\n", 3));
}

/* An ECHO reader sends what it receives back to the sender. */
TEST_F(data, echo)
{
	struct termios t;
	char buf[64];

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_lflag |= ECHO;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));

	ASSERT_EQ(4, write(self->a, "ping", 4));
	ASSERT_EQ(4, tvs_read_exact(self->a, buf, 4, 2000))
		TH_LOG("the echo did not come back to the sender");
	ASSERT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, tvs_read_exact(self->b, buf, 4, 2000));
	ASSERT_EQ(0, memcmp(buf, "ping", 4));
	/* The sender (no ECHO) does not echo the echo back. */
	EXPECT_EQ(0, tvs_read_quiet(self->b, buf, sizeof(buf), 300, 50));
}

/* stty(1) on the device node changes what tcgetattr() reports. */
TEST_F(data, stty_roundtrip)
{
	struct termios t;
	int rc;

	fflush(stdout);
	fflush(stderr);
	rc = system("stty -F /dev/ttyVS0 19200 cs7 parenb -parodd -cstopb");
	if (rc == -1 || (WIFEXITED(rc) && WEXITSTATUS(rc) == 127))
		SKIP(return, "stty not available");
	ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
		TH_LOG("stty failed: status %d", rc);

	ASSERT_EQ(0, tcgetattr(self->a, &t));
	EXPECT_EQ((speed_t)B19200, cfgetospeed(&t));
	EXPECT_EQ((speed_t)B19200, cfgetispeed(&t));
	EXPECT_EQ((tcflag_t)CS7, t.c_cflag & CSIZE);
	EXPECT_EQ((tcflag_t)PARENB, t.c_cflag & (PARENB | PARODD));
	EXPECT_EQ(0U, t.c_cflag & CSTOPB);

	/* And back through stty's own view. */
	rc = system("stty -F /dev/ttyVS0 9600 cs8 -parenb cstopb");
	ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	ASSERT_EQ(0, tcgetattr(self->a, &t));
	EXPECT_EQ((speed_t)B9600, cfgetospeed(&t));
	EXPECT_EQ((tcflag_t)CS8, t.c_cflag & CSIZE);
	EXPECT_EQ(0U, t.c_cflag & PARENB);
	EXPECT_EQ((tcflag_t)CSTOPB, t.c_cflag & CSTOPB);
}

/* A non-standard rate via TCSETS2/BOTHER reads back unchanged. */
TEST_F(data, custom_baud_termios2)
{
	unsigned int ispeed = 0, ospeed = 0, cbaud = 0;
	char buf[8];

	ASSERT_EQ(0, tvs_set_custom_baud(self->a, 250000))
		TH_LOG("TCSETS2: %s", strerror(errno));
	ASSERT_EQ(0, tvs_get_speeds2(self->a, &ispeed, &ospeed, &cbaud));
	EXPECT_EQ(250000U, ospeed);
	EXPECT_EQ(250000U, ispeed);
	EXPECT_EQ(0010000U, cbaud);	/* BOTHER */

	/* Data still flows at the custom rate. */
	ASSERT_EQ(3, write(self->a, "xyz", 3));
	ASSERT_EQ(3, tvs_read_exact(self->b, buf, 3, 2000));
	ASSERT_EQ(0, memcmp(buf, "xyz", 3));
}

/* ---- backpressure with a late, slow reader ---------------------------- */

#define BP_TOTAL	(16u << 20)
#define BP_SEED		0x7474795653ULL

struct bp_writer {
	int fd;
	size_t total;
	size_t written;		/* atomic */
	uint64_t csum;
	int err;
};

static void *bp_writer_fn(void *arg)
{
	struct bp_writer *w = arg;
	uint64_t st = BP_SEED;
	static char buf[8192];
	size_t done = 0;

	while (done < w->total) {
		size_t n = w->total - done < sizeof(buf) ?
			   w->total - done : sizeof(buf);
		ssize_t r;

		tvs_prng_fill(&st, buf, n);
		w->csum = tvs_csum(w->csum, buf, n);
		r = tvs_write_all(w->fd, buf, n);
		if (r != (ssize_t)n) {
			w->err = r < 0 ? errno : EIO;
			break;
		}
		done += n;
		__atomic_store_n(&w->written, done, __ATOMIC_RELEASE);
	}
	return NULL;
}

TEST_F_TIMEOUT(data, backpressure_16m, 240)
{
	struct bp_writer w = { .fd = self->a, .total = BP_TOTAL };
	static unsigned char buf[65536], want[65536];
	uint64_t st = BP_SEED, csum = 0;
	size_t got = 0, early, next_pause = 1 << 20;
	double t0, deadline;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, bp_writer_fn, &w));

	/* The reader starts late: the writer must be held back, not dropped. */
	tvs_msleep(700);
	early = __atomic_load_n(&w.written, __ATOMIC_ACQUIRE);
	TH_LOG("written before the reader started: %zu bytes", early);
	EXPECT_GT(early, 0u);
	EXPECT_LT(early, 1u << 20)
		TH_LOG("receiver buffering is not bounded");

	t0 = tvs_now();
	deadline = t0 + 180 * tvs_slow();
	while (got < BP_TOTAL && tvs_now() < deadline) {
		size_t want_n = BP_TOTAL - got < sizeof(buf) ?
				BP_TOTAL - got : sizeof(buf);
		ssize_t n = tvs_read_exact(self->b, buf,
					   want_n < 4096 ? want_n : 4096, 5000);
		ssize_t i;

		ASSERT_LT(0, n) TH_LOG("reader stalled at %zu of %u bytes (writer %zu, err %d)",
				       got, BP_TOTAL,
				       __atomic_load_n(&w.written, __ATOMIC_ACQUIRE),
				       w.err);
		tvs_prng_fill(&st, want, n);
		for (i = 0; i < n; i++)
			if (buf[i] != want[i])
				break;
		ASSERT_EQ(n, i) TH_LOG("data differs at offset %zu", got + i);
		csum = tvs_csum(csum, buf, n);
		got += n;
		/* Read slowly, in bursts. */
		if (got >= next_pause) {
			tvs_msleep(30);
			next_pause += 1 << 20;
		}
	}
	ASSERT_EQ(0, pthread_join(th, NULL));
	TH_LOG("16 MiB in %.2f s", tvs_now() - t0);
	ASSERT_EQ(0, w.err) TH_LOG("writer error: %s", strerror(w.err));
	ASSERT_EQ(BP_TOTAL, got);
	ASSERT_EQ(w.csum, csum);
	/* Not a byte more. */
	EXPECT_EQ(0, tvs_read_quiet(self->b, buf, sizeof(buf), 300, 50));
}

/* O_NONBLOCK writer: EAGAIN when the reader stalls, POLLOUT after a drain. */
TEST_F_TIMEOUT(data, nonblock_eagain_pollout, 60)
{
	static unsigned char out[4096], in[65536];
	uint64_t wst = 42, wsum = 0, rsum = 0;
	struct pollfd p = { .fd = self->a, .events = POLLOUT };
	size_t total = 0, got = 0;
	ssize_t n;

	ASSERT_EQ(0, tvs_set_nonblock(self->a, true));
	for (;;) {
		tvs_prng_fill(&wst, out, sizeof(out));
		n = write(self->a, out, sizeof(out));
		if (n < 0) {
			ASSERT_EQ(EAGAIN, errno) TH_LOG("write: %s", strerror(errno));
			/* Full for good only when no POLLOUT comes back. */
			p.revents = 0;
			if (poll(&p, 1, 300) == 0)
				break;
			continue;
		}
		/* The checksum covers exactly the bytes accepted. */
		wsum = tvs_csum(wsum, out, n);
		total += n;
		ASSERT_LT(total, 8u << 20) TH_LOG("never got EAGAIN");
	}
	TH_LOG("%zu bytes accepted before EAGAIN", total);
	ASSERT_GT(total, 0u);

	/* Still full: EAGAIN again and no POLLOUT. */
	errno = 0;
	EXPECT_EQ(-1, write(self->a, out, sizeof(out)));
	EXPECT_EQ(EAGAIN, errno);
	p.revents = 0;
	EXPECT_EQ(0, poll(&p, 1, 300));

	/* Drain: everything written arrives, then POLLOUT comes back. */
	while (got < total) {
		n = tvs_read_exact(self->b, in,
				   total - got < sizeof(in) ? total - got : sizeof(in),
				   3000);
		ASSERT_LT(0, n) TH_LOG("only %zu of %zu bytes arrived", got, total);
		rsum = tvs_csum(rsum, in, n);
		got += n;
	}
	ASSERT_EQ(wsum, rsum);
	p.revents = 0;
	ASSERT_EQ(1, poll(&p, 1, 3000)) TH_LOG("no POLLOUT after the drain");
	ASSERT_TRUE(p.revents & POLLOUT);
	n = write(self->a, "more", 4);
	ASSERT_EQ(4, n);
	ASSERT_EQ(4, tvs_read_exact(self->b, in, 4, 2000));
	ASSERT_EQ(0, memcmp(in, "more", 4));
}

/*
 * The reader throws its input away (TCIFLUSH) while the writer is held
 * back: room has returned, so the writer must get POLLOUT and go on.
 */
TEST_F_TIMEOUT(data, reader_flush_frees_writer, 60)
{
	static unsigned char out[4096], in[64];
	struct pollfd p = { .fd = self->a, .events = POLLOUT };
	size_t total = 0;
	ssize_t n;

	memset(out, 'F', sizeof(out));
	ASSERT_EQ(0, tvs_set_nonblock(self->a, true));
	for (;;) {
		n = write(self->a, out, sizeof(out));
		if (n < 0) {
			ASSERT_EQ(EAGAIN, errno);
			p.revents = 0;
			if (poll(&p, 1, 300) == 0)
				break;
			continue;
		}
		total += n;
		ASSERT_LT(total, 8u << 20) TH_LOG("never got EAGAIN");
	}
	TH_LOG("%zu bytes accepted before EAGAIN", total);

	ASSERT_EQ(0, tcflush(self->b, TCIFLUSH));
	p.revents = 0;
	ASSERT_EQ(1, poll(&p, 1, 3000))
		TH_LOG("no POLLOUT after the reader flushed its input");
	n = write(self->a, "after", 5);
	ASSERT_EQ(5, n) TH_LOG("write after the flush: %zd (%s)", n,
			       n < 0 ? strerror(errno) : "short");
	/* Only "after" (and nothing from before the flush) is readable. */
	n = tvs_read_quiet(self->b, in, sizeof(in), 2000, 200);
	ASSERT_EQ(5, n);
	ASSERT_EQ(0, memcmp(in, "after", 5));
}

/* Fill a -> b with a non-blocking writer until a stays full. */
static ssize_t fill_until_full(int fd, char ch)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	unsigned char out[1024];
	size_t total = 0;
	double t0 = tvs_now();
	ssize_t n;

	memset(out, ch, sizeof(out));
	if (tvs_set_nonblock(fd, true))
		return -1;
	while (tvs_now() - t0 < 20 && total < (8u << 20)) {
		n = write(fd, out, sizeof(out));
		if (n < 0) {
			if (errno != EAGAIN)
				return -1;
			p.revents = 0;
			if (poll(&p, 1, 500) == 0)
				break;
			continue;
		}
		total += n;
	}
	return total;
}

/*
 * The full reader is hung up (TIOCVHANGUP) and closed, then opened again:
 * the writer must not stay blocked, and the new opener sees only bytes
 * written after it opened.  paced: the same with emulate_baud=Y.
 */
static void hangup_full_reader(struct __test_metadata *_metadata,
			       FIXTURE_DATA(data) *self, bool paced,
			       bool hangup)
{
	struct pollfd p = { .fd = self->a, .events = POLLOUT };
	char in[64];
	ssize_t n, total;
	int i, q = -1;

	if (paced)
		ASSERT_EQ(0, tvs_param_write("emulate_baud", "Y"));
	total = fill_until_full(self->a, 'H');
	ASSERT_LT(0, total);
	TH_LOG("%zd bytes accepted, sender queue %d, reader has %d", total,
	       tvs_outq(self->a), tvs_inq(self->b));

	if (hangup)
		ASSERT_EQ(0, ioctl(self->b, TIOCVHANGUP));
	ASSERT_EQ(0, close(self->b));
	self->b = -1;

	/* Peer closed: writes are discarded, so the writer is free again. */
	ASSERT_EQ(1, poll(&p, 1, 3000))
		TH_LOG("writer still blocked after the reader went away");
	for (i = 0; i < 300 * tvs_slow() && (q = tvs_outq(self->a)) > 0; i++)
		tvs_msleep(10);
	EXPECT_EQ(0, q) TH_LOG("bytes stay queued for a closed peer");

	self->b = tvs_open(1, false);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, tvs_make_raw(self->b, B115200));
	ASSERT_EQ(0, tvs_set_nonblock(self->a, false));
	tvs_alarm(10);
	n = write(self->a, "new", 3);
	tvs_alarm(0);
	ASSERT_EQ(3, n) TH_LOG("write after the reopen: %zd (%s)", n,
			       n < 0 ? strerror(errno) : "short");
	n = tvs_read_quiet(self->b, in, sizeof(in), 3000, 300);
	ASSERT_LT(0, n) TH_LOG("nothing arrives after the reopen");
	EXPECT_EQ(3, n) TH_LOG("%zd bytes arrived, first 0x%02x: stale bytes from before the close",
			       n, (unsigned char)in[0]);
	EXPECT_EQ(0, memcmp(in + (n > 3 ? n - 3 : 0), "new", 3));
	if (paced)
		tvs_param_write("emulate_baud", "N");
}

TEST_F_TIMEOUT(data, full_reader_closed, 60)
{
	hangup_full_reader(_metadata, self, false, false);
}

TEST_F_TIMEOUT(data, full_reader_hung_up, 60)
{
	hangup_full_reader(_metadata, self, false, true);
}

TEST_F_TIMEOUT(data, full_reader_closed_paced, 60)
{
	hangup_full_reader(_metadata, self, true, false);
}

TEST_F_TIMEOUT(data, full_reader_hung_up_paced, 60)
{
	hangup_full_reader(_metadata, self, true, true);
}

/* Writing to a closed peer: full count, at once, counted as discarded. */
TEST_F(data, closed_peer_discards)
{
	static char out[100000], in[256];
	struct serial_icounter_struct ic0, ic1;
	uint64_t d0, d1;
	double t0, dt;
	ssize_t n;

	memset(out, 'D', sizeof(out));
	ASSERT_EQ(0, close(self->b));
	self->b = -1;
	tvs_msleep(50);

	ASSERT_EQ(0, tvs_tty_attr_u64(0, "tx_discarded", &d0))
		TH_LOG("/sys/class/tty/ttyVS0/tx_discarded: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->a, TIOCGICOUNT, &ic0));

	tvs_alarm(10);
	t0 = tvs_now();
	n = write(self->a, out, sizeof(out));
	dt = tvs_now() - t0;
	tvs_alarm(0);
	ASSERT_EQ((ssize_t)sizeof(out), n)
		TH_LOG("write to closed peer: %zd (%s) after %.2f s", n,
		       n < 0 ? strerror(errno) : "short", dt);
	EXPECT_LT(dt, 2.0 * tvs_slow());

	ASSERT_EQ(0, tvs_tty_attr_u64(0, "tx_discarded", &d1));
	EXPECT_EQ(sizeof(out), d1 - d0);
	ASSERT_EQ(0, ioctl(self->a, TIOCGICOUNT, &ic1));
	EXPECT_EQ((int)sizeof(out), ic1.tx - ic0.tx);

	/* Peer comes back: only bytes written from now on arrive. */
	self->b = tvs_open(1, false);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, tvs_make_raw(self->b, B115200));
	EXPECT_EQ(0, tvs_read_quiet(self->b, in, sizeof(in), 300, 50))
		TH_LOG("discarded bytes showed up after the reopen");
	ASSERT_EQ(5, write(self->a, "fresh", 5));
	ASSERT_EQ(5, tvs_read_exact(self->b, in, 5, 2000));
	ASSERT_EQ(0, memcmp(in, "fresh", 5));
	EXPECT_EQ(0, tvs_read_quiet(self->b, in, sizeof(in), 300, 50));

	/* tx_discarded does not move while the peer is open. */
	ASSERT_EQ(0, tvs_tty_attr_u64(0, "tx_discarded", &d0));
	EXPECT_EQ(d1, d0);
}

/* TIOCOUTQ is 0 without emulation, tcdrain returns, tcflush empties. */
TEST_F(data, outq_drain_flush)
{
	char out[1000], in[16];
	double t0;
	int i;

	memset(out, 'q', sizeof(out));
	ASSERT_EQ((ssize_t)sizeof(out), tvs_write_all(self->a, out, sizeof(out)));
	EXPECT_EQ(0, tvs_outq(self->a));

	tvs_alarm(5);
	t0 = tvs_now();
	ASSERT_EQ(0, tcdrain(self->a)) TH_LOG("tcdrain: %s", strerror(errno));
	tvs_alarm(0);
	EXPECT_LT(tvs_now() - t0, 1.0 * tvs_slow());

	/* The bytes are waiting on the other side... */
	for (i = 0; i < 200 * tvs_slow() && tvs_inq(self->b) < (int)sizeof(out); i++)
		tvs_msleep(10);
	ASSERT_EQ((int)sizeof(out), tvs_inq(self->b));

	/* ...until the reader flushes them. */
	ASSERT_EQ(0, tcflush(self->b, TCIOFLUSH));
	EXPECT_EQ(0, tvs_inq(self->b));
	ASSERT_EQ(0, tcflush(self->a, TCIOFLUSH));
	EXPECT_EQ(0, tvs_outq(self->a));
	EXPECT_EQ(0, tvs_read_quiet(self->b, in, sizeof(in), 200, 50));

	ASSERT_EQ(1, write(self->a, "x", 1));
	ASSERT_EQ(1, tvs_read_exact(self->b, in, 1, 2000));
	ASSERT_EQ('x', in[0]);
	EXPECT_EQ(0, tvs_read_quiet(self->b, in, sizeof(in), 200, 50));
}

TEST_HARNESS_MAIN
