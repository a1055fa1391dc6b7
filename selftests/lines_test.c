// SPDX-License-Identifier: GPL-2.0
/*
 * Modem line tests for ttyvs: null-modem wiring, DTR/RTS on open, close
 * and B0, TIOCMIWAIT, TIOCGICOUNT, CLOCAL and carrier-loss hangup, and
 * the sysfs "peer" attribute.
 *
 * Pair 0 is ttyVS0 (A) <-> ttyVS1 (B), pair 1 is ttyVS2 <-> ttyVS3.
 * Wiring: my DTR -> peer DSR and DCD, my RTS -> peer CTS, RI unwired.
 *
 * Every fixture opens its ports with O_NONBLOCK (a test before us may
 * have left CLOCAL clear in the persisted termios), sets raw 9600 8N1
 * with CLOCAL and HUPCL, then switches the fd to blocking mode.  The
 * teardown puts CLOCAL, HUPCL and 9600 back into the persisted termios
 * of both ports so that later openers are not blocked by our leftovers.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ttyvs_lib.h"

/* from <asm-generic/termios.h>; glibc's <sys/ioctl.h> lacks them */
#ifndef TIOCM_OUT1
#define TIOCM_OUT1	0x2000
#endif
#ifndef TIOCM_OUT2
#define TIOCM_OUT2	0x4000
#endif

#define IDX_A	0
#define IDX_B	1

#define OUTS	(TIOCM_DTR | TIOCM_RTS)
#define INS	(TIOCM_CTS | TIOCM_DSR | TIOCM_CD | TIOCM_RI)
#define WIRED	(TIOCM_CTS | TIOCM_DSR | TIOCM_CD)
/* Time the peer's view gets to follow a change (it is normally instant). */
#define SETTLE_MS	1000
/* How long a waiter must stay blocked to count as "not woken". */
#define STILL_MS	300

/* Change CLOCAL / HUPCL / output speed on an open port, keeping the rest. */
static int port_cflag(int fd, tcflag_t set, tcflag_t clear)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -1;
	t.c_cflag |= set;
	t.c_cflag &= ~clear;
	return tcsetattr(fd, TCSANOW, &t);
}

static int port_ospeed(int fd, speed_t speed)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -1;
	if (cfsetospeed(&t, speed))
		return -1;
	return tcsetattr(fd, TCSANOW, &t);
}

/*
 * Open /dev/ttyVS<idx> without blocking on carrier, make it raw 9600 8N1
 * with CLOCAL and HUPCL (and then clear CLOCAL when !clocal), and return
 * a blocking fd.
 */
static int port_open_cfg(int idx, bool clocal)
{
	int fd = tvs_open(idx, true);

	if (fd < 0)
		return -1;
	if (tvs_make_raw(fd, B9600) ||
	    (!clocal && port_cflag(fd, 0, CLOCAL)) ||
	    tvs_set_nonblock(fd, false)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Persist sane settings (CLOCAL, HUPCL, 9600) for the next opener. */
static void port_restore(int idx)
{
	int fd = tvs_open(idx, true);

	if (fd < 0)
		return;
	tvs_make_raw(fd, B9600);
	close(fd);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int icount(int fd, struct serial_icounter_struct *ic)
{
	memset(ic, 0, sizeof(*ic));
	return ioctl(fd, TIOCGICOUNT, ic);
}

static bool still_blocked_after(int rfd, int ms)
{
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 0;
}

/* Read one fixed-size record from a child's pipe, waiting up to ms. */
static int read_record(int rfd, void *rec, size_t len, int ms)
{
	return tvs_read_exact(rfd, rec, len, ms) == (ssize_t)len ? 0 : -1;
}

static void reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

/* State letter of a process from /proc/<pid>/stat, 0 if unknown. */
static char proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Wait until pid sleeps interruptibly inside syscall nr (per
 * /proc/<pid>/syscall).  Where that file is not available, just give the
 * child 200 ms.  Returns false if it is not seen sleeping there within ms.
 */
static bool wait_sleeping_in(pid_t pid, long nr, int ms)
{
	double end = tvs_now() + tvs_ms(ms) / 1000.0;
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (;;) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tvs_msleep(200);
			return true;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n < 0) {
			tvs_msleep(200);
			return true;
		}
		buf[n] = '\0';
		if (strtol(buf, NULL, 10) == nr && proc_state(pid) == 'S')
			return true;
		if (tvs_now() > end)
			return false;
		tvs_msleep(5);
	}
}

/* ------------------------------------------------------------------ */
/* TIOCMIWAIT waiter child                                             */
/* ------------------------------------------------------------------ */

struct wresult {
	int ret;
	int err;
};

static void on_sigusr1(int sig)
{
	(void)sig;
}

/*
 * Fork a child that calls TIOCMIWAIT(mask) on fd and writes a struct
 * wresult to a pipe when it returns.  Returns once the child sleeps in
 * the ioctl (TIOCMIWAIT only reports changes after it started), or once
 * it has already returned (the caller's checks then report that).
 */
static int waiter_start(pid_t *pid, int *rfd, int fd, int mask,
			bool catch_usr1)
{
	int p[2];
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		struct wresult r;

		close(p[0]);
		alarm(30);	/* never outlive the test */
		if (catch_usr1) {
			struct sigaction sa = { .sa_handler = on_sigusr1 };

			/* no SA_RESTART: the ioctl must fail with EINTR */
			sigemptyset(&sa.sa_mask);
			sigaction(SIGUSR1, &sa, NULL);
		}
		c = 'R';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		r.ret = ioctl(fd, TIOCMIWAIT, mask);
		r.err = errno;
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	if (tvs_read_exact(*rfd, &c, 1, 5000) != 1)
		return -1;
	if (!wait_sleeping_in(*pid, SYS_ioctl, 5000) &&
	    still_blocked_after(*rfd, 0))
		return -1;
	tvs_msleep(20);
	return 0;
}

/*
 * Fork a child that sleeps in a blocking read(fd, 1 byte) and reports
 * its struct wresult (ret, errno).  other is closed in the child so that
 * the parent's close of it stays the last one.
 */
static int reader_start(pid_t *pid, int *rfd, int fd, int other)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		struct wresult r;
		char c;

		close(p[0]);
		if (other >= 0)
			close(other);
		alarm(30);
		r.ret = read(fd, &c, 1);
		r.err = errno;
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	if (!wait_sleeping_in(*pid, SYS_read, 5000) &&
	    still_blocked_after(*rfd, 0))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fixture: pair 0 open on both ends                                   */
/* ------------------------------------------------------------------ */

FIXTURE(lines) {
	int a, b;
	int c, d;	/* pair 1, when a test needs it */
	pid_t child;
	int rfd;
};

FIXTURE_SETUP(lines)
{
	self->a = self->b = self->rfd = -1;
	self->c = self->d = -1;
	self->child = -1;
	TVS_SKIP_IF_MISSING();
	self->a = port_open_cfg(IDX_A, true);
	ASSERT_LE(0, self->a) TH_LOG("open ttyVS0: %m");
	self->b = port_open_cfg(IDX_B, true);
	ASSERT_LE(0, self->b) TH_LOG("open ttyVS1: %m");
}

FIXTURE_TEARDOWN(lines)
{
	int m = TIOCM_OUT1 | TIOCM_OUT2;

	reap(&self->child);
	close_fd(&self->rfd);
	if (self->a >= 0)
		ioctl(self->a, TIOCMBIC, &m);
	if (self->b >= 0)
		ioctl(self->b, TIOCMBIC, &m);
	close_fd(&self->a);
	close_fd(&self->b);
	close_fd(&self->c);
	close_fd(&self->d);
	port_restore(IDX_A);
	port_restore(IDX_B);
}

static int bic(int fd, int bits)
{
	return ioctl(fd, TIOCMBIC, &bits);
}

static int bis(int fd, int bits)
{
	return ioctl(fd, TIOCMBIS, &bits);
}

static int mset(int fd, int bits)
{
	return ioctl(fd, TIOCMSET, &bits);
}

/* Both ends open: own DTR|RTS up, CTS|DSR|CD up, RI down, on each end. */
TEST_F(lines, default_wiring)
{
	ASSERT_EQ(OUTS | WIRED, tvs_modem(self->a) & (OUTS | INS));
	ASSERT_EQ(OUTS | WIRED, tvs_modem(self->b) & (OUTS | INS));
}

TEST_F(lines, dtr_drives_dsr_and_cd)
{
	ASSERT_EQ(0, bic(self->a, TIOCM_DTR));
	ASSERT_EQ(TIOCM_RTS, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(TIOCM_CTS,
		  tvs_wait_modem(self->b, INS, TIOCM_CTS, SETTLE_MS) & INS);
	/* A's own inputs follow B's outputs, which did not change */
	ASSERT_EQ(WIRED, tvs_modem(self->a) & INS);

	ASSERT_EQ(0, bis(self->a, TIOCM_DTR));
	ASSERT_EQ(OUTS, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED, SETTLE_MS) & INS);

	/* and the other direction */
	ASSERT_EQ(0, bic(self->b, TIOCM_DTR));
	ASSERT_EQ(TIOCM_CTS,
		  tvs_wait_modem(self->a, INS, TIOCM_CTS, SETTLE_MS) & INS);
	ASSERT_EQ(WIRED, tvs_modem(self->b) & INS);
	ASSERT_EQ(0, bis(self->b, TIOCM_DTR));
	ASSERT_EQ(WIRED, tvs_wait_modem(self->a, INS, WIRED, SETTLE_MS) & INS);
}

TEST_F(lines, rts_drives_cts)
{
	ASSERT_EQ(0, bic(self->a, TIOCM_RTS));
	ASSERT_EQ(TIOCM_DTR, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(TIOCM_DSR | TIOCM_CD,
		  tvs_wait_modem(self->b, INS, TIOCM_DSR | TIOCM_CD,
				 SETTLE_MS) & INS);
	ASSERT_EQ(0, bis(self->a, TIOCM_RTS));
	ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED, SETTLE_MS) & INS);

	ASSERT_EQ(0, bic(self->b, TIOCM_RTS));
	ASSERT_EQ(TIOCM_DSR | TIOCM_CD,
		  tvs_wait_modem(self->a, INS, TIOCM_DSR | TIOCM_CD,
				 SETTLE_MS) & INS);
	ASSERT_EQ(0, bis(self->b, TIOCM_RTS));
	ASSERT_EQ(WIRED, tvs_wait_modem(self->a, INS, WIRED, SETTLE_MS) & INS);
}

/* TIOCMSET sets exactly the given outputs; the peer follows. */
TEST_F(lines, tiocmset_exact)
{
	static const struct {
		int set;
		int peer_in;
	} steps[] = {
		{ 0, 0 },
		{ TIOCM_DTR, TIOCM_DSR | TIOCM_CD },
		{ TIOCM_RTS, TIOCM_CTS },
		{ TIOCM_DTR | TIOCM_RTS, WIRED },
		{ TIOCM_RTS, TIOCM_CTS },
		{ 0, 0 },
		{ TIOCM_DTR | TIOCM_RTS, WIRED },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		ASSERT_EQ(0, mset(self->a, steps[i].set));
		ASSERT_EQ(steps[i].set, tvs_modem(self->a) & OUTS)
			TH_LOG("step %u", i);
		ASSERT_EQ(steps[i].peer_in,
			  tvs_wait_modem(self->b, INS, steps[i].peer_in,
					 SETTLE_MS) & INS)
			TH_LOG("step %u", i);
		/* B's outputs are untouched, so A's inputs stay wired */
		ASSERT_EQ(WIRED, tvs_modem(self->a) & INS) TH_LOG("step %u", i);
	}
}

/* OUT1/OUT2 are settable and readable, and unwired by default. */
TEST_F(lines, out1_out2_local_only)
{
	struct serial_icounter_struct before, after;
	int bits[] = { TIOCM_OUT1, TIOCM_OUT2, TIOCM_OUT1 | TIOCM_OUT2 };
	unsigned int i;

	ASSERT_EQ(0, icount(self->b, &before));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, bis(self->a, bits[i]));
		ASSERT_EQ(bits[i], tvs_modem(self->a) &
			  (TIOCM_OUT1 | TIOCM_OUT2)) TH_LOG("bits %#x", bits[i]);
		ASSERT_EQ(OUTS, tvs_modem(self->a) & OUTS);
		tvs_msleep(20);
		ASSERT_EQ(OUTS | WIRED, tvs_modem(self->b) & (OUTS | INS));
		ASSERT_EQ(0, tvs_modem(self->b) & (TIOCM_OUT1 | TIOCM_OUT2));
		ASSERT_EQ(0, bic(self->a, bits[i]));
		ASSERT_EQ(0, tvs_modem(self->a) & (TIOCM_OUT1 | TIOCM_OUT2));
	}
	/* TIOCMSET with OUT1|OUT2 only clears DTR/RTS and sets the OUTs */
	ASSERT_EQ(0, mset(self->a, TIOCM_OUT1 | TIOCM_OUT2));
	ASSERT_EQ(TIOCM_OUT1 | TIOCM_OUT2,
		  tvs_modem(self->a) & (OUTS | TIOCM_OUT1 | TIOCM_OUT2));
	ASSERT_EQ(0, tvs_wait_modem(self->b, INS, 0, SETTLE_MS) & INS);
	ASSERT_EQ(0, mset(self->a, OUTS));
	ASSERT_EQ(OUTS, tvs_modem(self->a) & (OUTS | TIOCM_OUT1 | TIOCM_OUT2));
	ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED, SETTLE_MS) & INS);

	/* OUT toggles alone were no transitions on B's inputs */
	ASSERT_EQ(0, icount(self->b, &after));
	ASSERT_EQ(before.cts + 2, after.cts);
	ASSERT_EQ(before.dsr + 2, after.dsr);
	ASSERT_EQ(before.dcd + 2, after.dcd);
	ASSERT_EQ(before.rng, after.rng);
}

/* RI is unwired: nothing done on either end ever raises it. */
TEST_F(lines, ri_never_set)
{
	int fds[2] = { self->a, self->b };
	int ops[] = { TIOCM_DTR, TIOCM_RTS, TIOCM_OUT1, TIOCM_OUT2,
		      TIOCM_RNG, TIOCM_DTR | TIOCM_RTS | TIOCM_RNG };
	unsigned int i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < ARRAY_SIZE(ops); j++) {
			ASSERT_EQ(0, bic(fds[i], ops[j]));
			ASSERT_EQ(0, tvs_modem(self->a) & TIOCM_RNG);
			ASSERT_EQ(0, tvs_modem(self->b) & TIOCM_RNG);
			ASSERT_EQ(0, bis(fds[i], ops[j]));
			ASSERT_EQ(0, tvs_modem(self->a) & TIOCM_RNG);
			ASSERT_EQ(0, tvs_modem(self->b) & TIOCM_RNG);
		}
		ASSERT_EQ(0, mset(fds[i], OUTS | TIOCM_RNG | TIOCM_CTS));
		tvs_msleep(20);
		ASSERT_EQ(0, tvs_modem(self->a) & TIOCM_RNG);
		ASSERT_EQ(0, tvs_modem(self->b) & TIOCM_RNG);
		ASSERT_EQ(0, bic(fds[i], TIOCM_OUT1 | TIOCM_OUT2));
	}
	ASSERT_EQ(OUTS | WIRED, tvs_modem(self->a) & (OUTS | INS));
	ASSERT_EQ(OUTS | WIRED, tvs_modem(self->b) & (OUTS | INS));
}

/* Lines and data on pair 0 do not leak into pair 1. */
TEST_F(lines, pairs_isolated)
{
	struct serial_icounter_struct c0, d0, c1, d1;
	int mc, md;

	self->c = port_open_cfg(2, true);
	ASSERT_LE(0, self->c);
	self->d = port_open_cfg(3, true);
	ASSERT_LE(0, self->d);
	mc = tvs_modem(self->c);
	md = tvs_modem(self->d);
	ASSERT_EQ(OUTS | WIRED, mc & (OUTS | INS));
	ASSERT_EQ(OUTS | WIRED, md & (OUTS | INS));
	ASSERT_EQ(0, icount(self->c, &c0));
	ASSERT_EQ(0, icount(self->d, &d0));

	ASSERT_EQ(0, bic(self->a, OUTS));
	ASSERT_EQ(0, bic(self->b, OUTS));
	ASSERT_EQ(0, tvs_wait_modem(self->b, INS, 0, SETTLE_MS) & INS);
	tvs_msleep(20);
	EXPECT_EQ(mc, tvs_modem(self->c));
	EXPECT_EQ(md, tvs_modem(self->d));
	ASSERT_EQ(0, bis(self->a, OUTS));
	ASSERT_EQ(0, bis(self->b, OUTS));
	ASSERT_EQ(4, tvs_write_all(self->a, "pair", 4));
	ASSERT_EQ(4, tvs_write_all(self->b, "zero", 4));
	tvs_msleep(100);
	EXPECT_EQ(0, tvs_inq(self->c));
	EXPECT_EQ(0, tvs_inq(self->d));
	ASSERT_EQ(0, icount(self->c, &c1));
	ASSERT_EQ(0, icount(self->d, &d1));
	EXPECT_EQ(0, memcmp(&c0, &c1, sizeof(c0)));
	EXPECT_EQ(0, memcmp(&d0, &d1, sizeof(d0)));

	/* and the other way round */
	ASSERT_EQ(0, bic(self->c, OUTS));
	tvs_msleep(20);
	EXPECT_EQ(OUTS | WIRED, tvs_modem(self->a) & (OUTS | INS));
	EXPECT_EQ(OUTS | WIRED, tvs_modem(self->b) & (OUTS | INS));
	ASSERT_EQ(0, bis(self->c, OUTS));
}

/*
 * A second open of A neither lowers nor glitches DTR/RTS (the peer's
 * icount must not move), and closing it (not the last close) keeps them.
 */
TEST_F(lines, second_open_keeps_lines)
{
	struct serial_icounter_struct before, after;
	char path[32];
	int a2;

	ASSERT_EQ(0, icount(self->b, &before));
	tvs_path(IDX_A, path, sizeof(path));
	a2 = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);	/* blocking open */
	ASSERT_LE(0, a2) TH_LOG("second open: %m");
	tvs_msleep(50);
	EXPECT_EQ(OUTS | WIRED, tvs_modem(a2) & (OUTS | INS));
	EXPECT_EQ(OUTS, tvs_modem(self->a) & OUTS);
	EXPECT_EQ(OUTS | WIRED, tvs_modem(self->b) & (OUTS | INS));
	close(a2);
	tvs_msleep(50);
	EXPECT_EQ(OUTS | WIRED, tvs_modem(self->a) & (OUTS | INS));
	EXPECT_EQ(OUTS | WIRED, tvs_modem(self->b) & (OUTS | INS));
	ASSERT_EQ(0, icount(self->b, &after));
	EXPECT_EQ(before.cts, after.cts);
	EXPECT_EQ(before.dsr, after.dsr);
	EXPECT_EQ(before.dcd, after.dcd);
}

/* HUPCL: the last close drops DTR/RTS, the next open raises them again. */
TEST_F(lines, hupcl_last_close_drops)
{
	ASSERT_EQ(WIRED, tvs_modem(self->b) & INS);
	close_fd(&self->a);
	ASSERT_EQ(0, tvs_wait_modem(self->b, INS, 0, SETTLE_MS) & INS);
	self->a = port_open_cfg(IDX_A, true);
	ASSERT_LE(0, self->a);
	ASSERT_EQ(OUTS, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED, SETTLE_MS) & INS);
}

/* -hupcl: the last close leaves DTR/RTS up. */
TEST_F(lines, no_hupcl_last_close_keeps)
{
	ASSERT_EQ(0, port_cflag(self->a, 0, HUPCL));
	close_fd(&self->a);
	tvs_msleep(100);
	ASSERT_EQ(WIRED, tvs_modem(self->b) & INS);
	self->a = port_open_cfg(IDX_A, true);	/* sets HUPCL again */
	ASSERT_LE(0, self->a);
	ASSERT_EQ(OUTS, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(WIRED, tvs_modem(self->b) & INS);
	/* with HUPCL back, the next last close drops them */
	close_fd(&self->a);
	ASSERT_EQ(0, tvs_wait_modem(self->b, INS, 0, SETTLE_MS) & INS);
}

/*
 * Every last close (HUPCL) and every open of A is exactly one transition
 * of each of B's wired inputs: no glitches, nothing lost.
 */
TEST_F(lines, icount_open_close_cycles)
{
	struct serial_icounter_struct before, after;
	int i, n = 25;

	ASSERT_EQ(0, icount(self->b, &before));
	for (i = 0; i < n; i++) {
		close_fd(&self->a);
		ASSERT_EQ(0, tvs_wait_modem(self->b, INS, 0, SETTLE_MS) & INS)
			TH_LOG("cycle %d", i);
		self->a = tvs_open(IDX_A, i & 1);
		ASSERT_LE(0, self->a) TH_LOG("cycle %d: %m", i);
		ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED,
						 SETTLE_MS) & INS)
			TH_LOG("cycle %d", i);
	}
	ASSERT_EQ(0, icount(self->b, &after));
	EXPECT_EQ(before.cts + 2 * n, after.cts);
	EXPECT_EQ(before.dsr + 2 * n, after.dsr);
	EXPECT_EQ(before.dcd + 2 * n, after.dcd);
	EXPECT_EQ(before.rng, after.rng);
}

/* B0 hangs up the modem lines, a real speed raises them again. */
TEST_F(lines, b0_drops_lines)
{
	char path[32];

	ASSERT_EQ(0, port_ospeed(self->a, B0));
	ASSERT_EQ(0, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(0, tvs_wait_modem(self->b, INS, 0, SETTLE_MS) & INS);
	ASSERT_EQ(0, port_ospeed(self->a, B9600));
	ASSERT_EQ(OUTS, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED, SETTLE_MS) & INS);

	/* B0 persisted across close: opening must not raise DTR/RTS */
	ASSERT_EQ(0, port_ospeed(self->a, B0));
	close_fd(&self->a);
	ASSERT_EQ(0, tvs_wait_modem(self->b, INS, 0, SETTLE_MS) & INS);
	self->a = tvs_open(IDX_A, true);
	ASSERT_LE(0, self->a);
	tvs_msleep(50);
	ASSERT_EQ(0, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(0, tvs_modem(self->b) & INS);
	close_fd(&self->a);

	/* the same through a blocking open (CLOCAL is set) */
	tvs_path(IDX_A, path, sizeof(path));
	self->a = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_LE(0, self->a);
	tvs_msleep(50);
	ASSERT_EQ(0, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(0, tvs_modem(self->b) & INS);

	/* leaving B0 raises them */
	ASSERT_EQ(0, port_ospeed(self->a, B9600));
	ASSERT_EQ(OUTS, tvs_modem(self->a) & OUTS);
	ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED, SETTLE_MS) & INS);
}

/* ------------------------------------------------------------------ */
/* TIOCMIWAIT and TIOCGICOUNT                                          */
/* ------------------------------------------------------------------ */

TEST_F(lines, miwait_cd_wakes_on_dtr)
{
	struct serial_icounter_struct before, after;
	struct wresult r;
	int round;

	ASSERT_EQ(0, icount(self->b, &before));
	for (round = 1; round <= 2; round++) {
		ASSERT_EQ(0, waiter_start(&self->child, &self->rfd, self->b,
					  TIOCM_CD, false));
		ASSERT_TRUE(still_blocked_after(self->rfd, 50))
			TH_LOG("TIOCMIWAIT returned with no change");
		if (round == 1) {
			ASSERT_EQ(0, bic(self->a, TIOCM_DTR));
		} else {
			ASSERT_EQ(0, bis(self->a, TIOCM_DTR));
		}
		ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 3000))
			TH_LOG("round %d: TIOCMIWAIT(CD) not woken", round);
		ASSERT_EQ(0, r.ret) TH_LOG("errno %d", r.err);
		reap(&self->child);
		close_fd(&self->rfd);

		ASSERT_EQ(0, icount(self->b, &after));
		ASSERT_EQ(before.dcd + round, after.dcd);
		ASSERT_EQ(before.dsr + round, after.dsr);
		ASSERT_EQ(before.cts, after.cts);
		ASSERT_EQ(before.rng, after.rng);
	}
}

TEST_F(lines, miwait_cts_ignores_dtr_wakes_on_rts)
{
	struct wresult r;

	ASSERT_EQ(0, waiter_start(&self->child, &self->rfd, self->b,
				  TIOCM_CTS, false));
	ASSERT_EQ(0, bic(self->a, TIOCM_DTR));
	ASSERT_TRUE(still_blocked_after(self->rfd, STILL_MS))
		TH_LOG("TIOCMIWAIT(CTS) woken by a DTR change");
	ASSERT_EQ(0, bis(self->a, TIOCM_DTR));
	ASSERT_TRUE(still_blocked_after(self->rfd, STILL_MS))
		TH_LOG("TIOCMIWAIT(CTS) woken by a DTR change");
	ASSERT_EQ(0, bic(self->a, TIOCM_RTS));
	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 3000))
		TH_LOG("TIOCMIWAIT(CTS) not woken by RTS");
	ASSERT_EQ(0, r.ret) TH_LOG("errno %d", r.err);
	ASSERT_EQ(0, bis(self->a, TIOCM_RTS));
}

TEST_F(lines, miwait_rng_never_woken)
{
	int ops[] = { TIOCM_DTR, TIOCM_RTS, TIOCM_OUT1, TIOCM_OUT2 };
	unsigned int i;

	ASSERT_EQ(0, waiter_start(&self->child, &self->rfd, self->b,
				  TIOCM_RNG, false));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, bic(self->a, ops[i]));
		ASSERT_EQ(0, bis(self->a, ops[i]));
		ASSERT_EQ(0, bic(self->b, ops[i]));
		ASSERT_EQ(0, bis(self->b, ops[i]));
	}
	ASSERT_EQ(0, bic(self->a, TIOCM_OUT1 | TIOCM_OUT2));
	ASSERT_EQ(0, bic(self->b, TIOCM_OUT1 | TIOCM_OUT2));
	ASSERT_TRUE(still_blocked_after(self->rfd, STILL_MS))
		TH_LOG("TIOCMIWAIT(RNG) woken in default wiring");
}

TEST_F(lines, miwait_eintr_on_signal)
{
	struct wresult r;

	ASSERT_EQ(0, waiter_start(&self->child, &self->rfd, self->b,
				  TIOCM_CD, true));
	ASSERT_TRUE(still_blocked_after(self->rfd, 50));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 3000))
		TH_LOG("TIOCMIWAIT not interrupted by SIGUSR1");
	ASSERT_EQ(-1, r.ret);
	ASSERT_EQ(EINTR, r.err);
}

TEST_F(lines, miwait_eio_on_hangup)
{
	struct wresult r;
	int b2;

	ASSERT_EQ(0, waiter_start(&self->child, &self->rfd, self->b,
				  TIOCM_CD, false));
	ASSERT_TRUE(still_blocked_after(self->rfd, 50));
	b2 = tvs_open(IDX_B, true);
	ASSERT_LE(0, b2);
	if (ioctl(b2, TIOCVHANGUP) && errno == EPERM) {
		close(b2);
		SKIP(return, "TIOCVHANGUP needs CAP_SYS_ADMIN");
	}
	close(b2);
	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 3000))
		TH_LOG("TIOCMIWAIT not woken by a hangup");
	ASSERT_EQ(-1, r.ret);
	ASSERT_EQ(EIO, r.err);
}

/* Exact counters over a known sequence. */
TEST_F(lines, icount_exact)
{
	struct serial_icounter_struct a0, b0, a1, b1;
	static const int seq[][2] = {	/* { 1 = set / 0 = clear, bits } */
		{ 0, TIOCM_DTR }, { 1, TIOCM_DTR },
		{ 0, TIOCM_RTS }, { 1, TIOCM_RTS },
		{ 0, TIOCM_DTR | TIOCM_RTS }, { 1, TIOCM_DTR | TIOCM_RTS },
		{ 1, TIOCM_DTR },	/* already set: no transition */
		{ 0, TIOCM_OUT1 },	/* unwired: no transition */
	};
	char buf[1000], rbuf[1000];
	unsigned int i;
	uint64_t seed = 42;

	ASSERT_EQ(0, icount(self->a, &a0));
	ASSERT_EQ(0, icount(self->b, &b0));
	for (i = 0; i < ARRAY_SIZE(seq); i++) {
		if (seq[i][0]) {
			ASSERT_EQ(0, bis(self->a, seq[i][1]));
		} else {
			ASSERT_EQ(0, bic(self->a, seq[i][1]));
		}
	}
	ASSERT_EQ(0, bic(self->b, TIOCM_RTS));
	ASSERT_EQ(0, bis(self->b, TIOCM_RTS));
	ASSERT_EQ(WIRED, tvs_wait_modem(self->b, INS, WIRED, SETTLE_MS) & INS);
	ASSERT_EQ(WIRED, tvs_wait_modem(self->a, INS, WIRED, SETTLE_MS) & INS);

	ASSERT_EQ(0, icount(self->a, &a1));
	ASSERT_EQ(0, icount(self->b, &b1));
	EXPECT_EQ(b0.dsr + 4, b1.dsr);
	EXPECT_EQ(b0.dcd + 4, b1.dcd);
	EXPECT_EQ(b0.cts + 4, b1.cts);
	EXPECT_EQ(b0.rng, b1.rng);
	EXPECT_EQ(a0.cts + 2, a1.cts);
	EXPECT_EQ(a0.dsr, a1.dsr);
	EXPECT_EQ(a0.dcd, a1.dcd);
	EXPECT_EQ(a0.rng, a1.rng);

	/* bytes: write N on A -> A.tx += N, B.rx += N */
	tvs_prng_fill(&seed, buf, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), tvs_write_all(self->a, buf,
						     sizeof(buf)));
	ASSERT_EQ((ssize_t)sizeof(rbuf),
		  tvs_read_exact(self->b, rbuf, sizeof(rbuf), 5000));
	ASSERT_EQ(0, memcmp(buf, rbuf, sizeof(buf)));
	ASSERT_EQ(0, icount(self->a, &a1));
	ASSERT_EQ(0, icount(self->b, &b1));
	EXPECT_EQ(a0.tx + (int)sizeof(buf), a1.tx);
	EXPECT_EQ(b0.rx + (int)sizeof(buf), b1.rx);
	EXPECT_EQ(a0.rx, a1.rx);
	EXPECT_EQ(b0.tx, b1.tx);

	/* break: one per assertion, counted by the receiver */
	ASSERT_EQ(0, tcsendbreak(self->a, 0));
	tvs_msleep(100);
	ASSERT_EQ(0, icount(self->a, &a1));
	ASSERT_EQ(0, icount(self->b, &b1));
	EXPECT_EQ(b0.brk + 1, b1.brk);
	EXPECT_EQ(a0.brk, a1.brk);
	tcflush(self->b, TCIFLUSH);

	/* no line errors on a virtual wire */
	EXPECT_EQ(0, a1.frame);
	EXPECT_EQ(0, a1.parity);
	EXPECT_EQ(0, a1.overrun);
	EXPECT_EQ(0, a1.buf_overrun);
	EXPECT_EQ(0, b1.frame);
	EXPECT_EQ(0, b1.parity);
	EXPECT_EQ(0, b1.overrun);
	EXPECT_EQ(0, b1.buf_overrun);
}

/* ------------------------------------------------------------------ */
/* CLOCAL and blocking open                                            */
/* ------------------------------------------------------------------ */

struct oresult {
	int ret;	/* 0 when open() succeeded */
	int err;
};

/*
 * Fork a child that opens /dev/ttyVS<idx> with flags and reports the
 * result on a pipe, then keeps the fd until it is killed.
 */
static int opener_start(pid_t *pid, int *rfd, int idx, int flags)
{
	char path[32];
	int p[2];
	char c;

	tvs_path(idx, path, sizeof(path));
	if (pipe2(p, O_CLOEXEC))
		return -1;
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		struct oresult r = { 0, 0 };
		int fd;

		close(p[0]);
		alarm(30);
		c = 'R';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		fd = open(path, O_RDWR | O_NOCTTY | flags);
		if (fd < 0) {
			r.ret = -1;
			r.err = errno;
		}
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return tvs_read_exact(*rfd, &c, 1, 5000) == 1 ? 0 : -1;
}

/*
 * Leave A closed (DTR low, since HUPCL) and B closed with the given
 * CLOCAL persisted.  A is closed first, while B still has CLOCAL set, so
 * the carrier drop cannot hang B up.
 */
static int park_pair(int *a, int *b, bool b_clocal)
{
	close_fd(a);
	if ((tvs_wait_modem(*b, TIOCM_CD, 0, SETTLE_MS) & TIOCM_CD))
		return -1;
	if (!b_clocal && port_cflag(*b, 0, CLOCAL))
		return -1;
	close_fd(b);
	return 0;
}

TEST_F(lines, clocal_clear_blocking_open_waits_for_dcd)
{
	struct oresult r;

	ASSERT_EQ(0, park_pair(&self->a, &self->b, false));
	ASSERT_EQ(0, opener_start(&self->child, &self->rfd, IDX_B, 0));
	ASSERT_TRUE(still_blocked_after(self->rfd, 500))
		TH_LOG("blocking open with CLOCAL clear did not wait for DCD");
	ASSERT_TRUE(wait_sleeping_in(self->child, SYS_openat, 3000))
		TH_LOG("opener is not sleeping in open()");
	self->a = port_open_cfg(IDX_A, true);	/* raises DTR -> B's DCD */
	ASSERT_LE(0, self->a);
	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 3000))
		TH_LOG("blocking open not completed after the peer raised DTR");
	ASSERT_EQ(0, r.ret) TH_LOG("errno %d", r.err);
}

TEST_F(lines, clocal_clear_nonblock_open_returns)
{
	struct oresult r;

	ASSERT_EQ(0, park_pair(&self->a, &self->b, false));
	ASSERT_EQ(0, opener_start(&self->child, &self->rfd, IDX_B,
				  O_NONBLOCK));
	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 1000))
		TH_LOG("O_NONBLOCK open blocked");
	ASSERT_EQ(0, r.ret) TH_LOG("errno %d", r.err);
}

TEST_F(lines, clocal_set_blocking_open_returns)
{
	struct oresult r;

	ASSERT_EQ(0, park_pair(&self->a, &self->b, true));
	ASSERT_EQ(0, opener_start(&self->child, &self->rfd, IDX_B, 0));
	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 1000))
		TH_LOG("blocking open with CLOCAL set blocked");
	ASSERT_EQ(0, r.ret) TH_LOG("errno %d", r.err);
}

/* ------------------------------------------------------------------ */
/* sysfs                                                                */
/* ------------------------------------------------------------------ */

static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

TEST(sysfs_peer)
{
	static const char *const want[] = {
		"ttyVS1\n", "ttyVS0\n", "ttyVS3\n", "ttyVS2\n",
	};
	char path[64], buf[64];
	int i;

	if (!tvs_module_loaded())
		SKIP(return, "ttyvs not loaded");
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/sys/class/tty/ttyVS%d/peer", i);
		ASSERT_EQ(0, read_text(path, buf, sizeof(buf)))
			TH_LOG("%s: %m", path);
		ASSERT_STREQ(want[i], buf);
	}
}

/* ------------------------------------------------------------------ */
/* Carrier loss on a !CLOCAL session                                   */
/* ------------------------------------------------------------------ */

/*
 *  variant              B's CLOCAL  how A drops DTR     B's session
 *  tiocmbic_noclocal    clear       TIOCMBIC DTR        hung up: SIGHUP,
 *  close_noclocal       clear       last close, HUPCL   read 0/EIO, write EIO
 *  tiocmbic_clocal      set         TIOCMBIC DTR        untouched: no SIGHUP,
 *  close_clocal         set         last close, HUPCL   data still flows
 */
FIXTURE(carrier) {
	int a, b;
	pid_t child, reader;
	int rfd, reader_rfd;
};

FIXTURE_VARIANT(carrier) {
	bool clocal;
	bool by_close;
};

FIXTURE_VARIANT_ADD(carrier, tiocmbic_noclocal) {
	.clocal = false, .by_close = false,
};

FIXTURE_VARIANT_ADD(carrier, close_noclocal) {
	.clocal = false, .by_close = true,
};

FIXTURE_VARIANT_ADD(carrier, tiocmbic_clocal) {
	.clocal = true, .by_close = false,
};

FIXTURE_VARIANT_ADD(carrier, close_clocal) {
	.clocal = true, .by_close = true,
};

FIXTURE_SETUP(carrier)
{
	self->a = self->b = self->rfd = self->reader_rfd = -1;
	self->child = self->reader = -1;
	TVS_SKIP_IF_MISSING();
	self->a = port_open_cfg(IDX_A, true);
	ASSERT_LE(0, self->a);
	/* CLOCAL is cleared while DCD is up, so that is no hangup */
	self->b = port_open_cfg(IDX_B, variant->clocal);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(TIOCM_CD, tvs_modem(self->b) & TIOCM_CD);
}

FIXTURE_TEARDOWN(carrier)
{
	reap(&self->child);
	reap(&self->reader);
	close_fd(&self->rfd);
	close_fd(&self->reader_rfd);
	close_fd(&self->a);
	close_fd(&self->b);
	port_restore(IDX_A);
	port_restore(IDX_B);
}

struct sresult {
	int step;	/* 0: session set up; else the failing step */
	int err;
	int sighup;
	int rd_ret, rd_err;
	char rd_buf[8];
	int wr_ret, wr_err;
};

static volatile sig_atomic_t got_hup;

static void on_sighup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/*
 * Child: new session with ttyVS1 as controlling tty.  Reports setup, then
 * waits (up to 3 s) for SIGHUP or incoming data, then tries one read and
 * one write, and reports what happened.
 */
static void session_child(int wfd)
{
	struct sigaction sa = { .sa_handler = on_sighup };
	struct sresult r = { 0 };
	struct pollfd pfd;
	char path[32];
	double end;
	int fd;

	alarm(30);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	tvs_path(IDX_B, path, sizeof(path));
	if (setsid() < 0) {
		r.step = 1;
		goto fail;
	}
	fd = open(path, O_RDWR);	/* no O_NOCTTY: becomes our ctty */
	if (fd < 0) {
		r.step = 2;
		goto fail;
	}
	if (ioctl(fd, TIOCSCTTY, 0)) {
		r.step = 3;
		goto fail;
	}
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);

	pfd.fd = fd;
	pfd.events = POLLIN;
	end = tvs_now() + 3.0 * tvs_slow();
	while (!got_hup && tvs_now() < end) {
		pfd.revents = 0;
		if (poll(&pfd, 1, 10) > 0)
			break;
	}
	tvs_msleep(50);		/* let a late SIGHUP land */
	r.sighup = got_hup;
	pfd.revents = 0;
	if (poll(&pfd, 1, 1000) > 0) {
		r.rd_ret = read(fd, r.rd_buf, sizeof(r.rd_buf));
		r.rd_err = errno;
	} else {
		r.rd_ret = -2;	/* nothing to read: would block */
	}
	r.wr_ret = write(fd, "pong", 4);
	r.wr_err = errno;
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
fail:
	r.err = errno;
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(1);
}

TEST_F_TIMEOUT(carrier, dcd_drop, 30)
{
	struct oresult o;
	struct sresult r;
	struct wresult w;
	char buf[4], buf5[5];
	int p[2], m;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		/* A's last close must be the parent's */
		close(self->a);
		close(self->b);
		close(p[0]);
		session_child(p[1]);
	}
	close(p[1]);
	self->rfd = p[0];
	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 5000));
	ASSERT_EQ(0, r.step) TH_LOG("session setup step %d: %s", r.step,
				    strerror(r.err));
	if (!variant->clocal) {
		/* someone sleeping in read() on B must be woken too */
		ASSERT_EQ(0, reader_start(&self->reader, &self->reader_rfd,
					  self->b, self->a));
	}
	tvs_msleep(100);

	if (variant->by_close) {
		close_fd(&self->a);
	} else {
		ASSERT_EQ(0, bic(self->a, TIOCM_DTR));
	}
	/* (a hung-up fd answers TIOCMGET with EIO) */
	m = tvs_wait_modem(self->b, TIOCM_CD, 0, SETTLE_MS);
	if (m < 0) {
		ASSERT_FALSE(variant->clocal) TH_LOG("TIOCMGET: %m");
		ASSERT_EQ(EIO, errno);
	} else {
		ASSERT_EQ(0, m & TIOCM_CD) TH_LOG("B's DCD did not fall");
	}

	if (variant->clocal) {
		/* no hangup: data written after the drop still arrives */
		tvs_msleep(600);
		if (self->a < 0) {
			self->a = port_open_cfg(IDX_A, true);
			ASSERT_LE(0, self->a);
		}
		ASSERT_EQ(4, tvs_write_all(self->a, "ping", 4));
	}

	ASSERT_EQ(0, read_record(self->rfd, &r, sizeof(r), 8000));
	if (variant->clocal) {
		EXPECT_EQ(0, r.sighup);
		EXPECT_EQ(4, r.rd_ret) TH_LOG("read errno %d", r.rd_err);
		EXPECT_EQ(0, memcmp(r.rd_buf, "ping", 4));
		EXPECT_EQ(4, r.wr_ret) TH_LOG("write errno %d", r.wr_err);
		ASSERT_EQ(4, tvs_read_exact(self->a, buf, 4, 3000));
		ASSERT_EQ(0, memcmp(buf, "pong", 4));
	} else {
		EXPECT_EQ(1, r.sighup) TH_LOG("no SIGHUP on carrier loss");
		EXPECT_TRUE(r.rd_ret == 0 || (r.rd_ret == -1 &&
					      r.rd_err == EIO))
			TH_LOG("read after hangup: %d errno %d", r.rd_ret,
			       r.rd_err);
		EXPECT_EQ(-1, r.wr_ret);
		EXPECT_EQ(EIO, r.wr_err);
		ASSERT_EQ(0, read_record(self->reader_rfd, &w, sizeof(w),
					 3000))
			TH_LOG("a read() sleeping on B was not woken");
		EXPECT_TRUE(w.ret == 0 || (w.ret == -1 && w.err == EIO))
			TH_LOG("blocked read after hangup: %d errno %d",
			       w.ret, w.err);
		/* our own fd on B is hung up too: EOF or EIO, not EAGAIN */
		ASSERT_EQ(0, tvs_set_nonblock(self->b, true));
		errno = 0;
		EXPECT_TRUE(read(self->b, buf, 1) == 0 || errno == EIO)
			TH_LOG("parent fd on B not hung up: errno %d", errno);
	}
	waitpid(self->child, NULL, 0);
	self->child = -1;
	close_fd(&self->rfd);
	if (variant->clocal)
		return;

	/*
	 * Like a getty after a hangup: once every fd of B is closed and the
	 * carrier is back, B opens again (blocking, CLOCAL still clear) and
	 * works.
	 */
	close_fd(&self->b);
	if (self->a < 0) {
		self->a = port_open_cfg(IDX_A, true);
		ASSERT_LE(0, self->a);
	} else {
		ASSERT_EQ(0, bis(self->a, TIOCM_DTR));
	}
	ASSERT_EQ(0, opener_start(&self->child, &self->rfd, IDX_B, 0));
	ASSERT_EQ(0, read_record(self->rfd, &o, sizeof(o), 3000))
		TH_LOG("blocking reopen of B after the hangup blocked");
	ASSERT_EQ(0, o.ret) TH_LOG("reopen errno %d", o.err);
	self->b = tvs_open(IDX_B, true);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(TIOCM_CD, tvs_modem(self->b) & TIOCM_CD);
	ASSERT_EQ(5, tvs_write_all(self->a, "again", 5));
	ASSERT_EQ(5, tvs_read_exact(self->b, buf5, 5, 3000));
	ASSERT_EQ(0, memcmp(buf5, "again", 5));
}

TEST_HARNESS_MAIN
