// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers for the ttyvs selftests.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ttyvs_lib.h"

bool tvs_module_loaded(void)
{
	struct stat st;

	return stat(TTYVS_SYS_MODULE, &st) == 0;
}

void tvs_path(int idx, char *buf, size_t len)
{
	snprintf(buf, len, "/dev/ttyVS%d", idx);
}

int tvs_open(int idx, bool nonblock)
{
	char path[32];

	tvs_path(idx, path, sizeof(path));
	return open(path, O_RDWR | O_NOCTTY | (nonblock ? O_NONBLOCK : 0));
}

int tvs_set_nonblock(int fd, bool nonblock)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = nonblock ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

void tvs_raw_termios(struct termios *t, speed_t speed)
{
	memset(t, 0, sizeof(*t));
	cfmakeraw(t);
	t->c_cflag &= ~(CRTSCTS | CSTOPB | PARENB);
	t->c_cflag |= CLOCAL | CREAD | CS8 | HUPCL;
	t->c_iflag &= ~(IXON | IXOFF | IXANY);
	/* The usual control characters (0 = disabled). */
	t->c_cc[VINTR] = 0x03;
	t->c_cc[VQUIT] = 0x1c;
	t->c_cc[VERASE] = 0x7f;
	t->c_cc[VKILL] = 0x15;
	t->c_cc[VEOF] = 0x04;
	t->c_cc[VSTART] = 0x11;
	t->c_cc[VSTOP] = 0x13;
	t->c_cc[VSUSP] = 0x1a;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
	cfsetispeed(t, speed);
	cfsetospeed(t, speed);
}

int tvs_make_raw(int fd, speed_t speed)
{
	struct termios t;

	tvs_raw_termios(&t, speed);
	return tcsetattr(fd, TCSANOW, &t);
}

static int ms_left(double deadline)
{
	double left = deadline - tvs_now();

	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

ssize_t tvs_read_exact(int fd, void *buf, size_t len, int timeout_ms)
{
	double deadline = tvs_now() + tvs_ms(timeout_ms) / 1000.0;
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = ms_left(deadline);
		ssize_t n;
		int r;

		r = poll(&pfd, 1, left);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0) {
			if (!left)
				break;
			continue;
		}
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

ssize_t tvs_read_quiet(int fd, void *buf, size_t len, int timeout_ms,
		       int quiet_ms)
{
	double deadline = tvs_now() + tvs_ms(timeout_ms) / 1000.0;
	size_t got = 0;

	quiet_ms = tvs_ms(quiet_ms);
	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = ms_left(deadline);
		ssize_t n;
		int r;

		if (got && left > quiet_ms)
			left = quiet_ms;
		r = poll(&pfd, 1, left);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0)
			break;
		if (r < 0)
			continue;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

ssize_t tvs_write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return done ? (ssize_t)done : -1;
		}
		done += n;
	}
	return done;
}

int tvs_inq(int fd)
{
	int n;

	return ioctl(fd, FIONREAD, &n) ? -1 : n;
}

int tvs_outq(int fd)
{
	int n;

	return ioctl(fd, TIOCOUTQ, &n) ? -1 : n;
}

int tvs_modem(int fd)
{
	int m;

	return ioctl(fd, TIOCMGET, &m) ? -1 : m;
}

int tvs_wait_modem(int fd, int mask, int want, int timeout_ms)
{
	double deadline = tvs_now() + tvs_ms(timeout_ms) / 1000.0;
	int m;

	for (;;) {
		m = tvs_modem(fd);
		if (m < 0 || (m & mask) == want || tvs_now() >= deadline)
			return m;
		tvs_msleep(5);
	}
}

uint64_t tvs_csum(uint64_t seed, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t h = seed ? seed : 0xcbf29ce484222325ULL;
	size_t i;

	if (!len)
		return seed;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void tvs_prng_fill(uint64_t *state, void *buf, size_t len)
{
	unsigned char *p = buf;
	uint64_t x = *state;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (x * 0x2545F4914F6CDD1DULL) >> 56;
	}
	*state = x;
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int tvs_param_read(const char *name, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), TTYVS_PARAM_DIR "/%s", name);
	return read_file(path, buf, len);
}

int tvs_param_write(const char *name, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TTYVS_PARAM_DIR "/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

int tvs_tty_attr_u64(int idx, const char *attr, uint64_t *val)
{
	char path[256], buf[64], *end;

	snprintf(path, sizeof(path), "/sys/class/tty/ttyVS%d/%s", idx, attr);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int tvs_slow_factor = 1;

/* Read once, before main(): the tests' threads only read it. */
static void __attribute__((constructor)) tvs_slow_init(void)
{
	const char *s = getenv("TTYVS_SLOW");
	char *end;
	long v;

	if (!s || !*s)
		return;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!errno && !*end && v >= 1 && v <= 100)
		tvs_slow_factor = v;
}

int tvs_slow(void)
{
	return tvs_slow_factor;
}

int tvs_ms(int ms)
{
	return ms * tvs_slow();
}

double tvs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void tvs_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void tvs_alarm_handler(int sig)
{
	(void)sig;
}

void tvs_alarm(unsigned int sec)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tvs_alarm_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(sec * tvs_slow());
}
