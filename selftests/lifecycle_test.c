// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle tests for ttyvs: unload refused while a port is open,
 * reload with other parameters, read-only parameters, pairs > max_pairs,
 * repeated load/unload, open/close storms and a writer whose peer keeps
 * going away.
 *
 * The tests that unload the module need TTYVS_KO (path of ttyvs.ko) to
 * load it again; without it they are skipped.  Every test that touched
 * the module leaves it loaded with its default parameters (2 pairs).
 *
 * Module (un)loading uses the syscalls, not insmod/rmmod, so that the
 * exact errno is visible:
 *  - delete_module() of a module whose refcount is not zero fails with
 *    EWOULDBLOCK (== EAGAIN) on current kernels (try_stop_module()); older
 *    kernels and a module in a transitional state answer EBUSY.  Both mean
 *    "in use", so both are accepted.
 *  - closing the last fd of a tty drops its module reference from a work
 *    item (release_one_tty()), so right after close() the refcount can
 *    still be held for a moment: unloads after a close are retried for a
 *    short while on EAGAIN/EBUSY.
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

#define MOD_NAME	"ttyvs"
#define MAX_FDS		8

#define REQUIRE_KO()							\
	do {								\
		if (!self->ko)						\
			SKIP(return, "TTYVS_KO unset or not readable: "	\
			     "cannot reload ttyvs");			\
	} while (0)

static int mod_unload_once(void)
{
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK);
}

/* Unload, retrying "in use" for up to ms (see the note at the top). */
static int mod_unload(int ms)
{
	double end = tvs_now() + tvs_ms(ms) / 1000.0;

	for (;;) {
		if (!mod_unload_once())
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) || tvs_now() > end)
			return -1;
		tvs_msleep(10);
	}
}

static int mod_load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret, e;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	e = errno;
	close(fd);
	errno = e;
	return ret;
}

static bool dev_exists(int idx)
{
	char path[32];
	struct stat st;

	tvs_path(idx, path, sizeof(path));
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/* Wait up to ms for /dev/ttyVS<idx> to (dis)appear; true on success. */
static bool wait_dev(int idx, bool present, int ms)
{
	double end = tvs_now() + tvs_ms(ms) / 1000.0;

	while (dev_exists(idx) != present) {
		if (tvs_now() > end)
			return false;
		tvs_msleep(10);
	}
	return true;
}

/* Number of consecutive /dev/ttyVS<n> nodes from 0 (bounded). */
static int count_devs(int limit)
{
	int n = 0;

	while (n < limit && dev_exists(n))
		n++;
	return n;
}

static int param_uint(const char *name)
{
	char buf[32];

	if (tvs_param_read(name, buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* Open a port without waiting for carrier, raw 9600, blocking fd. */
static int port_open_cfg(int idx)
{
	int fd = tvs_open(idx, true);

	if (fd < 0)
		return -1;
	if (tvs_make_raw(fd, B9600) || tvs_set_nonblock(fd, false)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* One message each way between two open ports. */
static int ping_pong(int x, int y, const char *tag)
{
	char buf[64];
	size_t n = strlen(tag);

	if (tvs_write_all(x, tag, n) != (ssize_t)n ||
	    tvs_read_exact(y, buf, n, 3000) != (ssize_t)n ||
	    memcmp(buf, tag, n))
		return -1;
	if (tvs_write_all(y, tag, n) != (ssize_t)n ||
	    tvs_read_exact(x, buf, n, 3000) != (ssize_t)n ||
	    memcmp(buf, tag, n))
		return -1;
	return 0;
}

FIXTURE(lifecycle) {
	const char *ko;
	bool touched;	/* the module was unloaded or reloaded */
	int fd[MAX_FDS];
	pid_t child;
	int rfd;
};

FIXTURE_SETUP(lifecycle)
{
	const char *ko = getenv("TTYVS_KO");
	int i;

	for (i = 0; i < MAX_FDS; i++)
		self->fd[i] = -1;
	self->child = -1;
	self->rfd = -1;
	if (ko && *ko && access(ko, R_OK) == 0)
		self->ko = ko;
	TVS_SKIP_IF_MISSING();
}

static void close_fds(int *fd)
{
	int i;

	for (i = 0; i < MAX_FDS; i++) {
		if (fd[i] >= 0)
			close(fd[i]);
		fd[i] = -1;
	}
}

FIXTURE_TEARDOWN(lifecycle)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->rfd >= 0)
		close(self->rfd);
	close_fds(self->fd);
	if (!self->touched || !self->ko)
		return;
	/* leave the module as the runner loaded it: default parameters */
	if (tvs_module_loaded() && param_uint("pairs") != 2)
		mod_unload(3000);
	if (!tvs_module_loaded() && mod_load(self->ko, ""))
		TH_LOG("could not reload %s: %m", self->ko);
	wait_dev(3, true, 2000);
}

TEST_F_TIMEOUT(lifecycle, unload_refused_while_open, 60)
{
	int i, ret, e;

	REQUIRE_KO();

	self->fd[0] = port_open_cfg(0);
	ASSERT_LE(0, self->fd[0]) TH_LOG("open ttyVS0: %m");
	ret = mod_unload_once();
	e = errno;
	if (!ret)
		self->touched = true;
	ASSERT_EQ(-1, ret) TH_LOG("ttyvs unloaded while /dev/ttyVS0 was open");
	ASSERT_TRUE(e == EAGAIN || e == EWOULDBLOCK || e == EBUSY)
		TH_LOG("delete_module: %s", strerror(e));
	ASSERT_TRUE(tvs_module_loaded());
	/* still working */
	self->fd[1] = port_open_cfg(1);
	ASSERT_LE(0, self->fd[1]);
	ASSERT_EQ(0, ping_pong(self->fd[0], self->fd[1], "alive"));
	close_fds(self->fd);

	self->touched = true;
	ASSERT_EQ(0, mod_unload(3000)) TH_LOG("unload after close: %m");
	ASSERT_FALSE(tvs_module_loaded());
	ASSERT_TRUE(wait_dev(0, false, 2000))
		TH_LOG("/dev/ttyVS0 still there after unload");

	/* reload with 3 pairs */
	ASSERT_EQ(0, mod_load(self->ko, "pairs=3")) TH_LOG("load: %m");
	ASSERT_TRUE(wait_dev(5, true, 2000));
	ASSERT_EQ(6, count_devs(8));
	ASSERT_EQ(3, param_uint("pairs"));
	self->fd[4] = port_open_cfg(4);
	ASSERT_LE(0, self->fd[4]) TH_LOG("open ttyVS4: %m");
	self->fd[5] = port_open_cfg(5);
	ASSERT_LE(0, self->fd[5]) TH_LOG("open ttyVS5: %m");
	ASSERT_EQ(0, ping_pong(self->fd[4], self->fd[5], "pair2"));
	/* the other pairs were not cross-wired */
	for (i = 0; i < 4; i++) {
		self->fd[i] = port_open_cfg(i);
		ASSERT_LE(0, self->fd[i]);
	}
	ASSERT_EQ(0, ping_pong(self->fd[0], self->fd[1], "pair0"));
	ASSERT_EQ(0, ping_pong(self->fd[2], self->fd[3], "pair1"));
	ASSERT_EQ(0, tvs_inq(self->fd[4]));
	ASSERT_EQ(0, tvs_inq(self->fd[5]));
	close_fds(self->fd);

	/* back to the default */
	ASSERT_EQ(0, mod_unload(3000)) TH_LOG("unload: %m");
	ASSERT_TRUE(wait_dev(5, false, 2000));
	ASSERT_EQ(0, mod_load(self->ko, "")) TH_LOG("load: %m");
	ASSERT_TRUE(wait_dev(3, true, 2000));
	ASSERT_EQ(4, count_devs(8));
	ASSERT_EQ(2, param_uint("pairs"));
}

static void check_readonly_param(struct __test_metadata *_metadata,
				 const char *name)
{
	char path[128], before[32], after[32];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), TTYVS_PARAM_DIR "/%s", name);
	ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %m", path);
	ASSERT_EQ(0444u, st.st_mode & 0777) TH_LOG("%s mode %o", name,
						  st.st_mode & 0777);
	ASSERT_EQ(0, tvs_param_read(name, before, sizeof(before)));

	/*
	 * Root bypasses the mode bits, but sysfs has no store method for a
	 * 0444 parameter: the write-open (or the write) must fail.
	 */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = write(fd, "7", 1);
		int e = errno;

		close(fd);
		ASSERT_EQ(-1, n) TH_LOG("%s accepted a write", name);
		ASSERT_TRUE(e == EACCES || e == EPERM || e == EIO)
			TH_LOG("%s write: %s", name, strerror(e));
	} else {
		ASSERT_TRUE(errno == EACCES || errno == EPERM)
			TH_LOG("%s open: %m", name);
	}
	ASSERT_EQ(0, tvs_param_read(name, after, sizeof(after)));
	ASSERT_STREQ(before, after);
}

TEST_F(lifecycle, params_read_only)
{
	struct stat st;

	check_readonly_param(_metadata, "pairs");
	check_readonly_param(_metadata, "max_pairs");
	ASSERT_EQ(0, stat(TTYVS_PARAM_DIR "/emulate_baud", &st));
	ASSERT_EQ(0644u, st.st_mode & 0777);
}

/* Read every /dev/kmsg record that is waiting; true if one has "needle". */
static bool kmsg_has(int fd, const char *needle)
{
	char rec[1024];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten records */
				continue;
			break;
		}
		rec[n] = '\0';
		if (strstr(rec, needle))
			found = true;
	}
	return found;
}

TEST_F_TIMEOUT(lifecycle, pairs_above_max_pairs, 60)
{
	int kfd, ret, e;

	REQUIRE_KO();
	self->touched = true;
	ASSERT_EQ(0, mod_unload(3000)) TH_LOG("unload: %m");
	ASSERT_TRUE(wait_dev(0, false, 2000));

	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);
	ret = mod_load(self->ko, "pairs=5 max_pairs=2");
	e = errno;
	TH_LOG("pairs=5 max_pairs=2: %s", ret ? strerror(e) : "loaded");
	if (ret) {
		if (kfd >= 0)
			close(kfd);
		ASSERT_EQ(EINVAL, e) TH_LOG("load failed: %s", strerror(e));
		ASSERT_FALSE(tvs_module_loaded());
		ASSERT_FALSE(dev_exists(0));
		return;
	}
	/* loaded: must be clamped to max_pairs */
	ASSERT_TRUE(wait_dev(3, true, 2000));
	tvs_msleep(100);
	EXPECT_EQ(4, count_devs(12)) TH_LOG("pairs=5 max_pairs=2 created %d",
					    count_devs(12));
	EXPECT_FALSE(dev_exists(4));
	EXPECT_NE(0, access("/sys/class/tty/ttyVS4", F_OK));
	EXPECT_EQ(2, param_uint("max_pairs"));
	if (kfd >= 0) {
		EXPECT_TRUE(kmsg_has(kfd, "pairs"))
			TH_LOG("no kernel log line about clamping pairs");
		close(kfd);
	}
}

TEST_F_TIMEOUT(lifecycle, reload_20_times, 300)
{
	char tag[16];
	int i;

	REQUIRE_KO();
	self->touched = true;
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, mod_unload(3000)) TH_LOG("round %d unload: %m", i);
		ASSERT_TRUE(wait_dev(0, false, 2000)) TH_LOG("round %d", i);
		ASSERT_EQ(0, mod_load(self->ko, "")) TH_LOG("round %d load: %m",
							  i);
		ASSERT_TRUE(wait_dev(1, true, 2000)) TH_LOG("round %d", i);
		self->fd[0] = port_open_cfg(0);
		ASSERT_LE(0, self->fd[0]) TH_LOG("round %d open: %m", i);
		self->fd[1] = port_open_cfg(1);
		ASSERT_LE(0, self->fd[1]) TH_LOG("round %d open: %m", i);
		snprintf(tag, sizeof(tag), "round%02d", i);
		ASSERT_EQ(0, ping_pong(self->fd[0], self->fd[1], tag))
			TH_LOG("round %d", i);
		close_fds(self->fd);
	}
}

/*
 * Two processes open and close the two ends of pair 0 as fast as they
 * can for 2 s, and on a slow kernel longer (up to 2 s x TTYVS_SLOW) until
 * each has done its 100 rounds; every open and close must succeed and the
 * pair must work afterwards with the default wiring.
 */
#define STORM_ROUNDS	100

static bool storm_on(double start, long rounds)
{
	double t = tvs_now() - start;

	return t < 2.0 || (rounds <= STORM_ROUNDS && t < 2.0 * tvs_slow());
}

TEST_F_TIMEOUT(lifecycle, open_close_storm, 60)
{
	struct { long rounds, fails; int err; } res = { 0 }, mine = { 0 };
	double start;
	int p[2];

	/* persisted termios: CLOCAL, so even blocking opens don't wait */
	self->fd[0] = port_open_cfg(0);
	ASSERT_LE(0, self->fd[0]);
	self->fd[1] = port_open_cfg(1);
	ASSERT_LE(0, self->fd[1]);
	close_fds(self->fd);

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	start = tvs_now();
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(p[0]);
		alarm(30 * tvs_slow());
		while (storm_on(start, res.rounds)) {
			int fd = tvs_open(0, res.rounds & 1);

			if (fd < 0 || close(fd)) {
				res.fails++;
				res.err = errno;
			}
			res.rounds++;
		}
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	self->rfd = p[0];
	while (storm_on(start, mine.rounds)) {
		int fd = tvs_open(1, !(mine.rounds & 1));

		if (fd < 0 || close(fd)) {
			mine.fails++;
			mine.err = errno;
		}
		mine.rounds++;
	}
	ASSERT_EQ((ssize_t)sizeof(res),
		  tvs_read_exact(self->rfd, &res, sizeof(res), 10000));
	waitpid(self->child, NULL, 0);
	self->child = -1;
	TH_LOG("ttyVS0: %ld open/close, ttyVS1: %ld", res.rounds,
	       mine.rounds);
	EXPECT_EQ(0, res.fails) TH_LOG("ttyVS0: %s", strerror(res.err));
	EXPECT_EQ(0, mine.fails) TH_LOG("ttyVS1: %s", strerror(mine.err));
	EXPECT_LT(STORM_ROUNDS, res.rounds);
	EXPECT_LT(STORM_ROUNDS, mine.rounds);

	self->fd[0] = port_open_cfg(0);
	ASSERT_LE(0, self->fd[0]);
	self->fd[1] = port_open_cfg(1);
	ASSERT_LE(0, self->fd[1]);
	ASSERT_EQ(TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CD,
		  tvs_wait_modem(self->fd[0], 0x1ff, TIOCM_DTR | TIOCM_RTS |
				 TIOCM_CTS | TIOCM_DSR | TIOCM_CD, 1000) &
		  (TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CD |
		   TIOCM_RI));
	ASSERT_EQ(0, ping_pong(self->fd[0], self->fd[1], "after-storm"));
}

/*
 * A blocking writer on ttyVS0 for 2 s while ttyVS1 is opened and closed
 * over and over (never read): every write succeeds in full, none waits
 * long (0.5 s x TTYVS_SLOW: the peer going away releases a writer stalled
 * on a full buffer,
 * and with the peer closed bytes are discarded), and A's icount.tx counts
 * every byte.
 */
TEST_F_TIMEOUT(lifecycle, writer_survives_peer_cycling, 60)
{
	struct {
		long writes, errors, shorts, bytes;
		double max_lat;
		int err;
	} w = { 0 };
	struct serial_icounter_struct ic0, ic1;
	uint64_t disc0 = 0, disc1 = 0;
	long cycles = 0, open_fail = 0;
	bool have_disc;
	double end;
	int p[2];

	self->fd[1] = port_open_cfg(1);	/* persist raw + CLOCAL on B */
	ASSERT_LE(0, self->fd[1]);
	close(self->fd[1]);
	self->fd[1] = -1;
	self->fd[0] = port_open_cfg(0);
	ASSERT_LE(0, self->fd[0]);
	ASSERT_EQ(0, ioctl(self->fd[0], TIOCGICOUNT, &ic0));
	have_disc = tvs_tty_attr_u64(0, "tx_discarded", &disc0) == 0;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	end = tvs_now() + 2.0;
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		char buf[256];

		close(p[0]);
		alarm(30 * tvs_slow());
		memset(buf, 'w', sizeof(buf));
		while (tvs_now() < end) {
			double t0 = tvs_now(), lat;
			ssize_t n = write(self->fd[0], buf, sizeof(buf));

			lat = tvs_now() - t0;
			if (lat > w.max_lat)
				w.max_lat = lat;
			w.writes++;
			if (n < 0) {
				w.errors++;
				w.err = errno;
			} else {
				w.bytes += n;
				if (n != sizeof(buf))
					w.shorts++;
			}
		}
		if (write(p[1], &w, sizeof(w)) != sizeof(w))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	self->rfd = p[0];
	while (tvs_now() < end + 0.2) {
		int fd = tvs_open(1, true);

		if (fd < 0) {
			open_fail++;
		} else {
			tvs_msleep(cycles % 3);
			close(fd);
		}
		tvs_msleep(1);
		cycles++;
	}
	ASSERT_EQ((ssize_t)sizeof(w),
		  tvs_read_exact(self->rfd, &w, sizeof(w), 5000))
		TH_LOG("writer did not finish: blocked");
	waitpid(self->child, NULL, 0);
	self->child = -1;
	TH_LOG("%ld writes, %ld bytes, max write latency %.3f s, %ld cycles",
	       w.writes, w.bytes, w.max_lat, cycles);
	EXPECT_EQ(0, open_fail);
	EXPECT_EQ(0, w.errors) TH_LOG("write: %s", strerror(w.err));
	EXPECT_EQ(0, w.shorts);
	EXPECT_GT(w.writes, 10);
	EXPECT_LT(w.max_lat, 0.5 * tvs_slow()) TH_LOG("a write blocked %.3f s", w.max_lat);

	ASSERT_EQ(0, ioctl(self->fd[0], TIOCGICOUNT, &ic1));
	EXPECT_EQ(w.bytes, (long)ic1.tx - (long)ic0.tx);
	if (have_disc) {
		ASSERT_EQ(0, tvs_tty_attr_u64(0, "tx_discarded", &disc1));
		EXPECT_LT(disc0, disc1) TH_LOG("nothing counted as discarded");
	}
}

TEST_HARNESS_MAIN
