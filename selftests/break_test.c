// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs break: every way of sending a break succeeds, and the peer sees
 * exactly one break per assertion through n_tty ('\0', "\377\0\0" with
 * PARMRK, SIGINT with BRKINT, nothing with IGNBRK) and icount.brk + 1.
 * Pair 0: a = ttyVS0 sends, b = ttyVS1 receives.
 */
#include <errno.h>
#include <signal.h>
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

enum brk_how { BRK_SBRK_CBRK, BRK_TCSBRK, BRK_TCSBRKP, BRK_TCSENDBREAK };

FIXTURE(brk) {
	int a;
	int b;
	pid_t child;
	struct termios save_a, save_b;
};

FIXTURE_SETUP(brk)
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

FIXTURE_TEARDOWN(brk)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->a >= 0) {
		ioctl(self->a, TIOCCBRK);
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

static int send_break(int fd, enum brk_how how)
{
	switch (how) {
	case BRK_SBRK_CBRK:
		if (ioctl(fd, TIOCSBRK))
			return -1;
		tvs_msleep(100);
		return ioctl(fd, TIOCCBRK);
	case BRK_TCSBRK:
		return ioctl(fd, TCSBRK, 0);
	case BRK_TCSBRKP:
		return ioctl(fd, TCSBRKP, 0);
	case BRK_TCSENDBREAK:
		return tcsendbreak(fd, 0);
	}
	return -1;
}

static int brk_count(int fd)
{
	struct serial_icounter_struct ic;

	if (ioctl(fd, TIOCGICOUNT, &ic))
		return -1;
	return ic.brk;
}

static int set_iflag(int fd, tcflag_t set)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -1;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | IGNPAR | INPCK);
	t.c_iflag |= set;
	return tcsetattr(fd, TCSANOW, &t);
}

/* Send one break `how`; the receiver must read exactly want[0..len). */
static void one_break(struct __test_metadata *_metadata,
		      FIXTURE_DATA(brk) *self, enum brk_how how,
		      const char *want, int len)
{
	char buf[16];
	int before, after;
	ssize_t n;

	before = brk_count(self->b);
	ASSERT_LE(0, before) TH_LOG("TIOCGICOUNT: %s", strerror(errno));
	ASSERT_EQ(0, send_break(self->a, how))
		TH_LOG("break %d: %s", how, strerror(errno));
	n = tvs_read_quiet(self->b, buf, sizeof(buf), len ? 2000 : 500, 200);
	ASSERT_EQ(len, n) TH_LOG("break %d: got %zd bytes", how, n);
	ASSERT_EQ(0, memcmp(buf, want, len));
	after = brk_count(self->b);
	EXPECT_EQ(before + 1, after) TH_LOG("break %d: icount.brk %d -> %d",
					    how, before, after);

	/* The line is usable after the break. */
	ASSERT_EQ(2, write(self->a, "ok", 2));
	ASSERT_EQ(2, tvs_read_exact(self->b, buf, 2, 2000));
	ASSERT_EQ(0, memcmp(buf, "ok", 2));
}

TEST_F(brk, tiocsbrk_tioccbrk)
{
	one_break(_metadata, self, BRK_SBRK_CBRK, "", 1);
}

TEST_F(brk, tcsbrk)
{
	one_break(_metadata, self, BRK_TCSBRK, "", 1);
}

TEST_F(brk, tcsbrkp)
{
	one_break(_metadata, self, BRK_TCSBRKP, "", 1);
}

TEST_F(brk, tcsendbreak)
{
	one_break(_metadata, self, BRK_TCSENDBREAK, "", 1);
}

/* Several breaks in a row: one '\0' and one count each. */
TEST_F(brk, three_in_a_row)
{
	char buf[16];
	int before, i;

	before = brk_count(self->b);
	ASSERT_LE(0, before);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, send_break(self->a, BRK_SBRK_CBRK));
	ASSERT_EQ(3, tvs_read_quiet(self->b, buf, sizeof(buf), 2000, 300));
	ASSERT_EQ(0, memcmp(buf, "\0\0\0", 3));
	EXPECT_EQ(before + 3, brk_count(self->b));
}

TEST_F(brk, parmrk)
{
	ASSERT_EQ(0, set_iflag(self->b, PARMRK));
	one_break(_metadata, self, BRK_TCSENDBREAK, "\377\0\0", 3);
}

TEST_F(brk, ignbrk)
{
	ASSERT_EQ(0, set_iflag(self->b, IGNBRK));
	one_break(_metadata, self, BRK_TCSENDBREAK, "", 0);
}

/*
 * BRKINT + ISIG: the break raises SIGINT in the foreground process group
 * of the receiving tty.  A child makes ttyVS1 its controlling tty in a
 * new session and waits for the signal.
 */
TEST_F_TIMEOUT(brk, brkint_sigint, 30)
{
	int pfd[2], status, before;
	char c;

	ASSERT_EQ(0, pipe(pfd));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct timespec ts = { 10, 0 };
		struct termios t;
		sigset_t set;
		int fd, sig;

		close(pfd[0]);
		alarm(20);
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		signal(SIGHUP, SIG_IGN);
		if (setsid() < 0)
			_exit(10);
		fd = tvs_open(1, false);
		if (fd < 0 || ioctl(fd, TIOCSCTTY, 0))
			_exit(11);
		if (tcgetattr(fd, &t))
			_exit(12);
		t.c_iflag |= BRKINT;
		t.c_iflag &= ~(IGNBRK | PARMRK);
		t.c_lflag |= ISIG;
		if (tcsetattr(fd, TCSANOW, &t))
			_exit(13);
		if (write(pfd[1], "r", 1) != 1)
			_exit(14);
		sig = sigtimedwait(&set, NULL, &ts);
		/* Give the tty up without hanging it up for the others. */
		ioctl(fd, TIOCNOTTY);
		close(fd);
		_exit(sig == SIGINT ? 0 : 1);
	}
	close(pfd[1]);
	ASSERT_EQ(1, read(pfd[0], &c, 1)) TH_LOG("child setup failed");
	close(pfd[0]);

	before = brk_count(self->b);
	ASSERT_EQ(0, tcsendbreak(self->a, 0));
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = -1;
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child died: status %#x", status);
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child: no SIGINT from the break (exit %d)",
		       WEXITSTATUS(status));
	EXPECT_EQ(before + 1, brk_count(self->b));
	/* BRKINT: the break is not also queued as data. */
	{
		char buf[8];

		EXPECT_EQ(0, tvs_read_quiet(self->b, buf, sizeof(buf), 300, 50));
	}
}

TEST_HARNESS_MAIN
