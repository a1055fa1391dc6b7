// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs raw data channel (TTYVS_IOC_RAW_OPEN): data both ways past the
 * line discipline, its errors, backpressure and big reads, break, flush,
 * hardware and software flow control, the end of the channel with its
 * port, and the tty getting its input back. Uses pair 0: the application
 * end ttyVS0 (a) and the raw end ttyVS1 (b).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "../uapi/linux/ttyvs_raw.h"

#include "kselftest_harness.h"
#include "ttyvs_lib.h"

#define BUF_SIZE	8192	/* the pair's default receive buffer */

FIXTURE(raw) {
	int a;			/* ttyVS0, the application's end */
	int b;			/* ttyVS1, the end with the raw channel */
	int r;			/* b's raw channel */
};

FIXTURE_SETUP(raw)
{
	self->a = -1;
	self->b = -1;
	self->r = -1;
	TVS_SKIP_IF_MISSING();
	tvs_param_write("emulate_baud", "N");

	self->a = tvs_open(0, true);
	ASSERT_LE(0, self->a) TH_LOG("open ttyVS0: %s", strerror(errno));
	self->b = tvs_open(1, true);
	ASSERT_LE(0, self->b) TH_LOG("open ttyVS1: %s", strerror(errno));
	ASSERT_EQ(0, tvs_make_raw(self->a, B115200));
	ASSERT_EQ(0, tvs_make_raw(self->b, B115200));
	ASSERT_EQ(0, tcflush(self->a, TCIOFLUSH));
	ASSERT_EQ(0, tcflush(self->b, TCIOFLUSH));
	self->r = ioctl(self->b, TTYVS_IOC_RAW_OPEN, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, self->r) TH_LOG("TTYVS_IOC_RAW_OPEN: %s", strerror(errno));
}

FIXTURE_TEARDOWN(raw)
{
	if (self->r >= 0)
		close(self->r);
	if (self->a >= 0) {
		tcflush(self->a, TCIOFLUSH);
		close(self->a);
	}
	if (self->b >= 0) {
		tcflush(self->b, TCIOFLUSH);
		close(self->b);
	}
}

/* Wait for poll events on fd; returns revents (0 on timeout). */
static short wait_for(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (poll(&p, 1, tvs_ms(timeout_ms)) <= 0)
		return 0;
	return p.revents;
}

/* Write non-blocking until the writer is held back; returns bytes taken. */
static size_t fill(int fd, unsigned char c)
{
	unsigned char buf[1024];
	size_t total = 0;
	ssize_t n;

	memset(buf, c, sizeof(buf));
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		total += n;
	return total;
}

TEST_F(raw, data_both_ways_past_the_line_discipline)
{
	unsigned char in[64];
	static const unsigned char msg[] = "abc\r\n\x03\x7f\xff\0xyz";

	/* ICANON, ISIG and ICRNL on b would all change this stream. */
	struct termios t;

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_lflag |= ICANON | ISIG | ECHO;
	t.c_iflag |= ICRNL;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));

	ASSERT_EQ((ssize_t)sizeof(msg), write(self->a, msg, sizeof(msg)));
	ASSERT_EQ((ssize_t)sizeof(msg),
		  tvs_read_exact(self->r, in, sizeof(msg), 2000));
	EXPECT_EQ(0, memcmp(in, msg, sizeof(msg)));
	/* Nothing reached the tty itself, and nothing was echoed. */
	EXPECT_EQ(0, tvs_read_quiet(self->b, in, sizeof(in), 200, 50));
	EXPECT_EQ(0, tvs_read_quiet(self->a, in, sizeof(in), 200, 50));

	ASSERT_EQ((ssize_t)sizeof(msg), write(self->r, msg, sizeof(msg)));
	ASSERT_EQ((ssize_t)sizeof(msg),
		  tvs_read_exact(self->a, in, sizeof(msg), 2000));
	EXPECT_EQ(0, memcmp(in, msg, sizeof(msg)));
}

TEST_F(raw, errors)
{
	int r2;

	r2 = ioctl(self->b, TTYVS_IOC_RAW_OPEN, O_CLOEXEC);
	EXPECT_EQ(-1, r2);
	EXPECT_EQ(EBUSY, errno);
	r2 = ioctl(self->a, TTYVS_IOC_RAW_OPEN, O_CLOEXEC | O_APPEND);
	EXPECT_EQ(-1, r2);
	EXPECT_EQ(EINVAL, errno);
	/* Not a stream one can seek. */
	EXPECT_EQ(-1, lseek(self->r, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	/* O_CLOEXEC was asked for and given. */
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->r, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_NONBLOCK, fcntl(self->r, F_GETFL) & O_NONBLOCK);
	/* Empty and non-blocking. */
	{
		char c;

		EXPECT_EQ(-1, read(self->r, &c, 1));
		EXPECT_EQ(EAGAIN, errno);
	}
}

TEST_F(raw, backpressure_and_big_reads)
{
	static unsigned char buf[4 * BUF_SIZE];
	size_t taken, got = 0;
	ssize_t n;

	/* The writer is held back at the buffer size, nothing is lost. */
	taken = fill(self->a, 'q');
	EXPECT_EQ((size_t)BUF_SIZE, taken);
	EXPECT_EQ(POLLIN, wait_for(self->r, POLLIN, 1000) & POLLIN);
	EXPECT_EQ(0, wait_for(self->a, POLLOUT, 100) & POLLOUT);

	/* One read takes all of it: not cut at n_tty's 4 KiB. */
	n = read(self->r, buf, sizeof(buf));
	EXPECT_EQ((ssize_t)taken, n);
	if (n > 0)
		got = n;
	for (size_t i = 0; i < got; i++)
		if (buf[i] != 'q') {
			EXPECT_EQ('q', buf[i]) TH_LOG("byte %zu", i);
			break;
		}
	/* Room again: the writer is woken. */
	EXPECT_EQ(POLLOUT, wait_for(self->a, POLLOUT, 1000) & POLLOUT);

	/*
	 * The other way: a raw writer held back by a's buffers, once a's
	 * line discipline has taken what it can (its worker runs a bit later).
	 */
	taken = fill(self->r, 'w');
	for (size_t more = 1; more; taken += more) {
		tvs_msleep(100);
		more = fill(self->r, 'w');
	}
	EXPECT_LT(0, (ssize_t)taken);
	EXPECT_EQ(0, wait_for(self->r, POLLOUT, 100) & POLLOUT);
	n = tvs_read_exact(self->a, buf, taken, 5000);
	EXPECT_EQ((ssize_t)taken, n);
	EXPECT_EQ(POLLOUT, wait_for(self->r, POLLOUT, 1000) & POLLOUT);
}

TEST_F(raw, fault_loses_nothing)
{
	unsigned char buf[8];
	void *bad;

	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	ASSERT_EQ(3, write(self->a, "xyz", 3));
	ASSERT_EQ(POLLIN, wait_for(self->r, POLLIN, 1000) & POLLIN);
	EXPECT_EQ(-1, read(self->r, bad, 3));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(3, read(self->r, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "xyz", 3));
	EXPECT_EQ(-1, write(self->r, bad, 3));
	EXPECT_EQ(EFAULT, errno);
	munmap(bad, 4096);
}

TEST_F(raw, break_reads_as_nul_unless_ignbrk)
{
	unsigned char buf[8];
	struct termios t;

	ASSERT_EQ(0, ioctl(self->a, TIOCSBRK));
	ASSERT_EQ(0, ioctl(self->a, TIOCCBRK));
	ASSERT_EQ(1, tvs_read_exact(self->r, buf, 1, 2000));
	EXPECT_EQ(0, buf[0]);

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_iflag |= IGNBRK;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));
	ASSERT_EQ(0, ioctl(self->a, TIOCSBRK));
	ASSERT_EQ(0, ioctl(self->a, TIOCCBRK));
	ASSERT_EQ(1, write(self->a, "k", 1));
	ASSERT_EQ(1, tvs_read_exact(self->r, buf, 1, 2000));
	EXPECT_EQ('k', buf[0]);
}

TEST_F(raw, tciflush_on_the_tty_empties_it)
{
	unsigned char buf[16];

	ASSERT_EQ((ssize_t)BUF_SIZE, (ssize_t)fill(self->a, 'f'));
	ASSERT_EQ(0, tcflush(self->b, TCIFLUSH));
	EXPECT_EQ(0, wait_for(self->r, POLLIN, 100) & POLLIN);
	/* The writer held back by the full buffer may go on. */
	EXPECT_EQ(POLLOUT, wait_for(self->a, POLLOUT, 1000) & POLLOUT);
	ASSERT_EQ(2, write(self->a, "ok", 2));
	ASSERT_EQ(2, tvs_read_exact(self->r, buf, 2, 2000));
	EXPECT_EQ(0, memcmp(buf, "ok", 2));
}

TEST_F(raw, crtscts_throttles_by_rts)
{
	unsigned char buf[BUF_SIZE];
	struct termios t;

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_cflag |= CRTSCTS;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));
	ASSERT_EQ(TIOCM_CTS, tvs_modem(self->a) & TIOCM_CTS);

	/* Full: b's RTS drops, a sees CTS fall. */
	ASSERT_EQ((size_t)BUF_SIZE, fill(self->a, 'h'));
	EXPECT_EQ(0, tvs_wait_modem(self->a, TIOCM_CTS, 0, 2000) & TIOCM_CTS);
	/* Read less than half: still throttled. */
	ASSERT_EQ(1024, read(self->r, buf, 1024));
	tvs_msleep(100);
	EXPECT_EQ(0, tvs_modem(self->a) & TIOCM_CTS);
	/* Half and more free: CTS back. */
	ASSERT_EQ(BUF_SIZE - 1024, read(self->r, buf, sizeof(buf)));
	EXPECT_EQ(TIOCM_CTS,
		  tvs_wait_modem(self->a, TIOCM_CTS, TIOCM_CTS, 2000) & TIOCM_CTS);
}

TEST_F(raw, closing_a_throttled_channel_raises_rts)
{
	struct termios t;

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_cflag |= CRTSCTS;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));
	ASSERT_EQ((size_t)BUF_SIZE, fill(self->a, 'c'));
	ASSERT_EQ(0, tvs_wait_modem(self->a, TIOCM_CTS, 0, 2000) & TIOCM_CTS);
	/* Its unread input goes with it, and so does its throttling. */
	close(self->r);
	self->r = -1;
	EXPECT_EQ(TIOCM_CTS,
		  tvs_wait_modem(self->a, TIOCM_CTS, TIOCM_CTS, 2000) & TIOCM_CTS);
}

TEST_F(raw, ixoff_sends_stop_and_start)
{
	unsigned char buf[BUF_SIZE];
	struct termios t;
	ssize_t n;

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_iflag |= IXOFF;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));

	ASSERT_EQ((size_t)BUF_SIZE, fill(self->a, 'x'));
	n = tvs_read_exact(self->a, buf, 1, 2000);
	ASSERT_EQ(1, n);
	EXPECT_EQ(t.c_cc[VSTOP], buf[0]);
	ASSERT_EQ(BUF_SIZE, read(self->r, buf, sizeof(buf)));
	n = tvs_read_exact(self->a, buf, 1, 2000);
	ASSERT_EQ(1, n);
	EXPECT_EQ(t.c_cc[VSTART], buf[0]);
}

TEST_F(raw, ixon_stop_and_start_are_acted_on)
{
	unsigned char buf[16];
	struct termios t;

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_iflag |= IXON;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));

	buf[0] = 'x';
	buf[1] = t.c_cc[VSTOP];
	buf[2] = 'y';
	ASSERT_EQ(3, write(self->a, buf, 3));
	ASSERT_EQ(2, tvs_read_exact(self->r, buf, 2, 2000));
	EXPECT_EQ(0, memcmp(buf, "xy", 2));
	/*
	 * b's output stops: its raw writer is held back. As with n_tty,
	 * that happens a moment after the STOP was read, not at once.
	 */
	for (int i = 0; i < 100 && (wait_for(self->r, POLLOUT, 0) & POLLOUT); i++)
		tvs_msleep(20);
	EXPECT_EQ(0, wait_for(self->r, POLLOUT, 300) & POLLOUT);
	EXPECT_EQ(-1, write(self->r, "z", 1));
	EXPECT_EQ(EAGAIN, errno);

	buf[0] = t.c_cc[VSTART];
	ASSERT_EQ(1, write(self->a, buf, 1));
	EXPECT_EQ(POLLOUT, wait_for(self->r, POLLOUT, 2000) & POLLOUT);
	ASSERT_EQ(1, write(self->r, "z", 1));
	ASSERT_EQ(1, tvs_read_exact(self->a, buf, 1, 2000));
	EXPECT_EQ('z', buf[0]);
	EXPECT_EQ(0, tvs_read_quiet(self->r, buf, sizeof(buf), 200, 50));
}

TEST_F(raw, ixon_stop_reaches_a_full_channel)
{
	unsigned char buf[BUF_SIZE];
	struct termios t;

	ASSERT_EQ(0, tcgetattr(self->b, &t));
	t.c_iflag |= IXON;
	ASSERT_EQ(0, tcsetattr(self->b, TCSANOW, &t));
	ASSERT_EQ((size_t)BUF_SIZE, fill(self->a, 'n'));

	/* a's STOP must not wait behind the data that fills b's channel. */
	ASSERT_EQ(0, tcflow(self->a, TCIOFF));
	for (int i = 0; i < 100 && (wait_for(self->r, POLLOUT, 0) & POLLOUT); i++)
		tvs_msleep(20);
	EXPECT_EQ(0, wait_for(self->r, POLLOUT, 300) & POLLOUT);
	ASSERT_EQ(0, tcflow(self->a, TCION));
	EXPECT_EQ(POLLOUT, wait_for(self->r, POLLOUT, 2000) & POLLOUT);
	/* Neither character was read as data. */
	EXPECT_EQ(BUF_SIZE, read(self->r, buf, sizeof(buf)));
	EXPECT_EQ(0, tvs_read_quiet(self->r, buf, sizeof(buf), 200, 50));
}

TEST_F(raw, blocking_read_and_write)
{
	static unsigned char out[65536], in[65536];
	uint64_t st = 0xb10c;
	pid_t pid;
	int status;

	ASSERT_EQ(0, fcntl(self->r, F_SETFL, 0));
	ASSERT_EQ(0, tvs_set_nonblock(self->a, false));
	tvs_alarm(20);

	/* A read waits for data that comes later. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		tvs_msleep(200);
		_exit(write(self->a, "late", 4) == 4 ? 0 : 1);
	}
	EXPECT_EQ(4, read(self->r, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(in, "late", 4));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);

	/* A write of eight buffers' worth waits for the reader, all of it. */
	tvs_prng_fill(&st, out, sizeof(out));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		ssize_t n = tvs_read_exact(self->a, in, sizeof(in), 10000);

		_exit(n == (ssize_t)sizeof(in) && !memcmp(in, out, sizeof(in)) ? 0 : 1);
	}
	EXPECT_EQ((ssize_t)sizeof(out), write(self->r, out, sizeof(out)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	tvs_alarm(0);
}

TEST_F(raw, paced_writes_are_woken_and_complete)
{
	static unsigned char buf[16384];
	size_t taken;

	/* 115200 8N1: 11520 characters a second through a 4 KiB queue. */
	ASSERT_EQ(0, tvs_param_write("emulate_baud", "Y"));
	ASSERT_EQ(0, tvs_make_raw(self->a, B115200));
	ASSERT_EQ(0, tvs_make_raw(self->b, B115200));
	taken = fill(self->r, 'p');
	/* The queue (4095 usable) and what drained meanwhile, not more. */
	EXPECT_LE((size_t)4000, taken);
	EXPECT_GT(sizeof(buf) / 2, taken);
	/* The queue drains at the line's rate and the writer is woken. */
	EXPECT_EQ(POLLOUT, wait_for(self->r, POLLOUT, 3000) & POLLOUT);
	taken += fill(self->r, 'p');
	EXPECT_EQ((ssize_t)taken, tvs_read_exact(self->a, buf, taken, 10000));
	tvs_param_write("emulate_baud", "N");
}

TEST_F(raw, ends_with_its_port)
{
	unsigned char buf[8];
	int r2;

	ASSERT_EQ(3, write(self->a, "abc", 3));
	ASSERT_EQ(POLLIN, wait_for(self->r, POLLIN, 1000) & POLLIN);
	/* A hangup takes the port down: unread input goes, the channel ends. */
	ASSERT_EQ(0, ioctl(self->b, TIOCVHANGUP));
	EXPECT_EQ(POLLHUP, wait_for(self->r, POLLIN, 1000) & POLLHUP);
	EXPECT_EQ(0, read(self->r, buf, sizeof(buf)));
	EXPECT_EQ(-1, write(self->r, "x", 1));
	EXPECT_EQ(EIO, errno);
	/* A closed end: what a writes falls off the cable, not blocked. */
	EXPECT_EQ(3, write(self->a, "def", 3));

	/* Reopened, the port takes a new channel while the old fd lingers. */
	close(self->b);
	self->b = tvs_open(1, true);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, tvs_make_raw(self->b, B115200));
	r2 = ioctl(self->b, TTYVS_IOC_RAW_OPEN, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, r2) TH_LOG("second channel: %s", strerror(errno));
	EXPECT_EQ(0, read(self->r, buf, sizeof(buf)));
	ASSERT_EQ(3, write(self->a, "ghi", 3));
	ASSERT_EQ(3, tvs_read_exact(r2, buf, 3, 2000));
	EXPECT_EQ(0, memcmp(buf, "ghi", 3));
	close(r2);
}

TEST_F(raw, close_gives_the_tty_its_input_back)
{
	unsigned char buf[8];

	ASSERT_EQ((size_t)BUF_SIZE, fill(self->a, 'u'));
	/* Unread input goes with the channel, and the writer may go on. */
	close(self->r);
	self->r = -1;
	EXPECT_EQ(POLLOUT, wait_for(self->a, POLLOUT, 1000) & POLLOUT);
	ASSERT_EQ(3, write(self->a, "tty", 3));
	ASSERT_EQ(3, tvs_read_exact(self->b, buf, 3, 2000));
	EXPECT_EQ(0, memcmp(buf, "tty", 3));
}

TEST_HARNESS_MAIN
