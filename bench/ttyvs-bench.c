// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs-bench - compare a ttyVS pair with a pty pair, side by side.
 *
 * For each kind of pair it measures (pty, then ttyVS, for each measurement;
 * the whole sequence repeated R times):
 *   - one-way throughput A->B and B->A: a forked writer sends SIZE MiB in
 *     4 KiB writes, the reader (this process) reads in 4 KiB reads and times
 *     from the first byte received to the last; the byte count and a
 *     checksum of the stream are verified (any loss fails the run, exit 1);
 *   - 1-byte ping-pong round trip: this process writes one byte on A, a
 *     forked echo process reads it on B and writes it back; median and p99.
 * It then prints the median of each measurement over the repetitions and
 * the ratios ttyVS/pty, plus one machine-readable "bench:" line.
 *
 * With --ref-a/--ref-b the pty pair is replaced by two given tty devices
 * (the application ends of a reference chain, e.g. two socat ptys joined
 * over TCP) and -a/-b need not be a ttyVS pair (e.g. the application ends
 * of two pairs joined by ttyvsctl bridges): end-to-end comparisons.
 *
 * Exit status: 0 success, 1 failure (lost/corrupt data, I/O error, stall),
 * 2 usage or setup refused (e.g. emulate_baud=Y), 4 skipped (no device).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define EXIT_SKIP	4

#define IO_CHUNK	4096		/* write and read size */
#define PAT_LEN		(1048576 + 4093) /* pattern period: not a multiple of 8 or 4096 */
#define STALL_SEC	30		/* no progress for this long = failure */
#define REARM_EVERY	64		/* re-arm the stall alarm every N ops */
#define LAT_WARMUP	100		/* untimed round trips before measuring */
#define EXTRA_WAIT_MS	200		/* how long to look for unexpected extra bytes */

static const char *prog = "ttyvs-bench";

struct pair {
	const char *kind;	/* "pty" or "ttyvs" (or "pty2", or --ref-name/--name) */
	char name_a[PATH_MAX];
	char name_b[PATH_MAX];
	int fd_a;
	int fd_b;
};

struct result {
	double thr_ab;		/* MiB/s */
	double thr_ba;		/* MiB/s */
	double lat_med;		/* microseconds */
	double lat_p99;		/* microseconds */
	/* context switches (all tasks, from /proc/stat) per 4 KiB or per trip */
	double cs_ab;
	double cs_ba;
	double cs_rtt;
};

#define N_METRICS	7

static unsigned char *pattern;	/* PAT_LEN + IO_CHUNK bytes, wraps */
static uint64_t total_bytes;
static uint64_t expect_sum;
static char *pty_mnt_dir;	/* private devpts mount (fallback), or NULL */

static volatile sig_atomic_t alarmed;

static void die(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static void arm_watchdog(void)
{
	alarm(STALL_SEC);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Context switches so far on the whole system (0 if unknown). */
static unsigned long long ctxt_count(void)
{
	unsigned long long v = 0;
	char line[256];
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Order-sensitive stream checksum: FNV-1a style over 64-bit words at
 * 8-byte-aligned stream offsets, independent of how the stream is chunked.
 */
struct cksum {
	uint64_t h;
	uint64_t n;
	unsigned char part[8];
	unsigned int plen;
};

#define CK_PRIME 0x100000001b3ull

static void ck_init(struct cksum *c)
{
	memset(c, 0, sizeof(*c));
	c->h = 0xcbf29ce484222325ull;
}

static void ck_feed(struct cksum *c, const unsigned char *p, size_t len)
{
	uint64_t w, h = c->h;

	c->n += len;
	while (c->plen && len) {
		c->part[c->plen++] = *p++;
		len--;
		if (c->plen == 8) {
			memcpy(&w, c->part, 8);
			h = (h ^ w) * CK_PRIME;
			c->plen = 0;
		}
	}
	while (len >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * CK_PRIME;
		p += 8;
		len -= 8;
	}
	while (len--)
		c->part[c->plen++] = *p++;
	c->h = h;
}

static uint64_t ck_final(struct cksum *c)
{
	uint64_t w = 0, h = c->h;

	if (c->plen) {
		memcpy(&w, c->part, c->plen);
		h = (h ^ w) * CK_PRIME;
	}
	return (h ^ c->n) * CK_PRIME;
}

static void make_pattern(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct cksum c;
	uint64_t pos;
	size_t i;

	pattern = malloc(PAT_LEN + IO_CHUNK);
	if (!pattern)
		die(EXIT_FAIL, "out of memory");
	for (i = 0; i < PAT_LEN; i++) {
		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = (unsigned char)(x >> 32);
	}
	memcpy(pattern + PAT_LEN, pattern, IO_CHUNK);

	ck_init(&c);
	for (pos = 0; pos < total_bytes; ) {
		size_t n = total_bytes - pos < IO_CHUNK ? total_bytes - pos : IO_CHUNK;

		ck_feed(&c, pattern + pos % PAT_LEN, n);
		pos += n;
	}
	expect_sum = ck_final(&c);
}

/* Raw 8N1 115200, no flow control, blocking reads of >= 1 byte. */
static void set_raw(int fd, const char *name)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		die(EXIT_FAIL, "tcgetattr %s: %s", name, strerror(errno));
	cfmakeraw(&t);
	t.c_iflag &= ~(IXON | IXOFF | IXANY);
	t.c_cflag &= ~(CRTSCTS | CSTOPB | PARENB | CSIZE);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, B115200) || cfsetospeed(&t, B115200))
		die(EXIT_FAIL, "cfsetspeed %s: %s", name, strerror(errno));
	if (tcsetattr(fd, TCSANOW, &t))
		die(EXIT_FAIL, "tcsetattr %s: %s", name, strerror(errno));
	if (tcflush(fd, TCIOFLUSH))
		die(EXIT_FAIL, "tcflush %s: %s", name, strerror(errno));
}

static void set_blocking(int fd, const char *name)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		die(EXIT_FAIL, "fcntl %s: %s", name, strerror(errno));
}

/*
 * If /dev/ptmx is unusable (no devpts at /dev/pts, as in a minimal VM),
 * mount a private devpts instance in a private mount namespace; it vanishes
 * with this process.
 */
static int open_private_ptmx(void)
{
	static char tmpl[] = "/tmp/ttyvs-bench-pts.XXXXXX";
	char path[PATH_MAX];

	if (!pty_mnt_dir) {
		if (unshare(CLONE_NEWNS))
			return -1;
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			return -1;
		if (!mkdtemp(tmpl))
			return -1;
		if (mount("devpts", tmpl, "devpts", 0, "newinstance,ptmxmode=0600")) {
			rmdir(tmpl);
			return -1;
		}
		pty_mnt_dir = tmpl;
	}
	snprintf(path, sizeof(path), "%s/ptmx", pty_mnt_dir);
	return open(path, O_RDWR | O_NOCTTY);
}

static void cleanup_private_ptmx(void)
{
	if (pty_mnt_dir) {
		umount2(pty_mnt_dir, MNT_DETACH);
		rmdir(pty_mnt_dir);
		pty_mnt_dir = NULL;
	}
}

static void open_pty_pair(struct pair *p, const char *kind)
{
	const char *sname;
	int m;

	p->kind = kind;
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 && (errno == ENOENT || errno == ENODEV)) {
		int err = errno;

		m = open_private_ptmx();
		if (m < 0)
			die(EXIT_FAIL, "cannot open /dev/ptmx (%s) and no private devpts (%s); mount devpts on /dev/pts",
			    strerror(err), strerror(errno));
	}
	if (m < 0)
		die(EXIT_FAIL, "posix_openpt: %s", strerror(errno));
	if (grantpt(m) || unlockpt(m))
		die(EXIT_FAIL, "grantpt/unlockpt: %s", strerror(errno));
	p->fd_a = m;
	snprintf(p->name_a, sizeof(p->name_a), "%s", pty_mnt_dir ? "ptmx(private)" : "/dev/ptmx");

	/* The slave: by its name if visible, else via the master (TIOCGPTPEER). */
	p->fd_b = -1;
	sname = ptsname(m);
	if (sname && !pty_mnt_dir) {
		snprintf(p->name_b, sizeof(p->name_b), "%s", sname);
		p->fd_b = open(sname, O_RDWR | O_NOCTTY);
	}
	if (p->fd_b < 0) {
#ifdef TIOCGPTPEER
		p->fd_b = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
#endif
		if (p->fd_b < 0)
			die(EXIT_FAIL, "cannot open pty slave %s: %s",
			    sname ? sname : "?", strerror(errno));
		if (!sname || pty_mnt_dir)
			snprintf(p->name_b, sizeof(p->name_b), "pts(peer of ptmx)");
	}
	set_raw(p->fd_a, p->name_a);
	set_raw(p->fd_b, p->name_b);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Warn (not fail) if sysfs says A's peer is not B. */
static void check_peer(const char *a, const char *b)
{
	char path[PATH_MAX], buf[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/tty/%s/peer", base_name(a));
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		if (strcmp(buf, base_name(b)))
			die(EXIT_USAGE, "%s is paired with %s, not %s (pick a pair with -a/-b)",
			    a, buf, b);
	}
	fclose(f);
}

static void check_emulate_baud(void)
{
	const char *path = "/sys/module/ttyvs/parameters/emulate_baud";
	char c = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	if (c == 'Y' || c == 'y' || c == '1')
		die(EXIT_USAGE, "%s is Y: ttyVS throughput would be paced at the baud rate; "
		    "echo N > %s first", path, path);
}

static int open_tty(const char *path)
{
	int fd, tries;

	/*
	 * O_NONBLOCK: do not wait for carrier if an earlier user left CLOCAL
	 * clear; blocking mode is restored once the termios is set.
	 */
	for (tries = 0; ; tries++) {
		fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
		if (fd >= 0)
			break;
		/* module just loaded: give devtmpfs a moment */
		if (errno == ENOENT && tries < 20 && access("/sys/module/ttyvs", F_OK) == 0) {
			usleep(100000);
			continue;
		}
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
			printf("%s: SKIP: %s: %s (is the ttyvs module loaded?)\n",
			       prog, path, strerror(errno));
			fflush(stdout);
			exit(EXIT_SKIP);
		}
		die(EXIT_FAIL, "open %s: %s", path, strerror(errno));
	}
	if (!isatty(fd))
		die(EXIT_USAGE, "%s is not a tty", path);
	return fd;
}

static void open_dev_pair(struct pair *p, const char *kind, const char *a, const char *b, int peers)
{
	p->kind = kind;
	snprintf(p->name_a, sizeof(p->name_a), "%s", a);
	snprintf(p->name_b, sizeof(p->name_b), "%s", b);
	p->fd_a = open_tty(a);
	p->fd_b = open_tty(b);
	if (peers)
		check_peer(a, b);
	set_raw(p->fd_a, a);
	set_raw(p->fd_b, b);
	set_blocking(p->fd_a, a);
	set_blocking(p->fd_b, b);
}

/* Reap the child; returns its exit status (or 128+signal). */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			die(EXIT_FAIL, "waitpid: %s", strerror(errno));
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	reap(pid);
}

static void child_writer(int fd, const char *name)
{
	uint64_t pos = 0;
	unsigned long ops = 0;

	arm_watchdog();
	while (pos < total_bytes) {
		size_t n = total_bytes - pos < IO_CHUNK ? total_bytes - pos : IO_CHUNK;
		ssize_t w = write(fd, pattern + pos % PAT_LEN, n);

		if (w < 0) {
			if (errno == EINTR && !alarmed)
				continue;
			fprintf(stderr, "%s: writer %s: %s after %llu of %llu bytes\n", prog, name,
				alarmed ? "stalled" : strerror(errno),
				(unsigned long long)pos, (unsigned long long)total_bytes);
			_exit(EXIT_FAIL);
		}
		pos += w;
		if (++ops % REARM_EVERY == 0)
			arm_watchdog();
	}
	alarm(0);
	_exit(0);
}

/* Reader side of one throughput run: returns MiB/s. */
static double run_throughput(struct pair *p, int a_to_b)
{
	int wfd = a_to_b ? p->fd_a : p->fd_b;
	int rfd = a_to_b ? p->fd_b : p->fd_a;
	const char *wname = a_to_b ? p->name_a : p->name_b;
	const char *rname = a_to_b ? p->name_b : p->name_a;
	static unsigned char buf[IO_CHUNK];
	uint64_t got = 0, first_n = 0;
	unsigned long ops = 0;
	double t_first = 0, t_last = 0;
	struct pollfd pfd;
	struct cksum c;
	uint64_t sum;
	pid_t pid;
	int st;

	ck_init(&c);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die(EXIT_FAIL, "fork: %s", strerror(errno));
	if (pid == 0)
		child_writer(wfd, wname);

	alarmed = 0;
	arm_watchdog();
	while (got < total_bytes) {
		size_t want = total_bytes - got < IO_CHUNK ? total_bytes - got : IO_CHUNK;
		ssize_t r = read(rfd, buf, want);

		if (r <= 0) {
			if (r < 0 && errno == EINTR && !alarmed)
				continue;
			alarm(0);
			kill_reap(pid);
			die(EXIT_FAIL, "FAIL: %s %s->%s: reader %s after %llu of %llu bytes",
			    p->kind, wname, rname,
			    r == 0 ? "got EOF" : alarmed ? "stalled (data lost?)" : strerror(errno),
			    (unsigned long long)got, (unsigned long long)total_bytes);
		}
		if (!got) {
			t_first = now_sec();
			first_n = r;
		}
		got += r;
		ck_feed(&c, buf, r);
		if (++ops % REARM_EVERY == 0)
			arm_watchdog();
	}
	t_last = now_sec();
	alarm(0);

	st = reap(pid);
	if (st)
		die(EXIT_FAIL, "FAIL: %s %s->%s: writer exited with status %d", p->kind, wname, rname, st);

	/* Nothing more may arrive. */
	pfd.fd = rfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, EXTRA_WAIT_MS) > 0 && (pfd.revents & POLLIN)) {
		ssize_t r = read(rfd, buf, sizeof(buf));

		die(EXIT_FAIL, "FAIL: %s %s->%s: %zd unexpected extra bytes after %llu",
		    p->kind, wname, rname, r, (unsigned long long)total_bytes);
	}

	sum = ck_final(&c);
	if (got != total_bytes || sum != expect_sum)
		die(EXIT_FAIL, "FAIL: %s %s->%s: data mismatch: %llu bytes, checksum %016llx, expected %llu bytes, %016llx",
		    p->kind, wname, rname, (unsigned long long)got, (unsigned long long)sum,
		    (unsigned long long)total_bytes, (unsigned long long)expect_sum);

	if (t_last <= t_first)
		return 0;
	return (double)(total_bytes - first_n) / (t_last - t_first) / 1048576.0;
}

static void child_echo(int fd, const char *name, unsigned long trips)
{
	unsigned long i;
	unsigned char ch;
	ssize_t r;

	arm_watchdog();
	for (i = 0; i < trips; i++) {
		do
			r = read(fd, &ch, 1);
		while (r < 0 && errno == EINTR && !alarmed);
		if (r != 1)
			goto fail;
		do
			r = write(fd, &ch, 1);
		while (r < 0 && errno == EINTR && !alarmed);
		if (r != 1)
			goto fail;
		if (i % REARM_EVERY == 0)
			arm_watchdog();
	}
	alarm(0);
	_exit(0);
fail:
	fprintf(stderr, "%s: echo %s: %s at trip %lu\n", prog, name,
		r == 0 ? "EOF" : alarmed ? "stalled" : strerror(errno), i);
	_exit(EXIT_FAIL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Ping on A, echo on B. Median and p99 in microseconds. */
static void run_latency(struct pair *p, unsigned long trips, double *med, double *p99)
{
	unsigned long total = trips + LAT_WARMUP, i;
	uint64_t *ns = malloc(trips * sizeof(*ns));
	unsigned char out, in;
	size_t k;
	ssize_t r;
	pid_t pid;
	int st;

	if (!ns)
		die(EXIT_FAIL, "out of memory");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die(EXIT_FAIL, "fork: %s", strerror(errno));
	if (pid == 0)
		child_echo(p->fd_b, p->name_b, total);

	alarmed = 0;
	arm_watchdog();
	for (i = 0; i < total; i++) {
		uint64_t t0, t1;

		out = (unsigned char)(i * 37 + 11);
		t0 = now_ns();
		do
			r = write(p->fd_a, &out, 1);
		while (r < 0 && errno == EINTR && !alarmed);
		if (r == 1) {
			do
				r = read(p->fd_a, &in, 1);
			while (r < 0 && errno == EINTR && !alarmed);
		}
		t1 = now_ns();
		if (r != 1 || in != out) {
			alarm(0);
			kill_reap(pid);
			die(EXIT_FAIL, "FAIL: %s ping-pong %s<->%s at trip %lu: %s", p->kind,
			    p->name_a, p->name_b, i,
			    r == 1 ? "wrong byte echoed" : r == 0 ? "EOF" :
			    alarmed ? "stalled (byte lost?)" : strerror(errno));
		}
		if (i >= LAT_WARMUP)
			ns[i - LAT_WARMUP] = t1 - t0;
		if (i % REARM_EVERY == 0)
			arm_watchdog();
	}
	alarm(0);
	st = reap(pid);
	if (st)
		die(EXIT_FAIL, "FAIL: %s ping-pong: echo process exited with status %d", p->kind, st);

	qsort(ns, trips, sizeof(*ns), cmp_u64);
	*med = (trips % 2 ? ns[trips / 2] : (ns[trips / 2 - 1] + ns[trips / 2]) / 2.0) / 1000.0;
	k = (size_t)((trips * 99 + 99) / 100);	/* nearest-rank p99 */
	if (k < 1)
		k = 1;
	*p99 = ns[k - 1] / 1000.0;
	free(ns);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *const metric_name[N_METRICS] = {
	"throughput A->B (MiB/s)", "throughput B->A (MiB/s)",
	"rtt median (us)", "rtt p99 (us)",
	"ctxt switches/4KiB A->B", "ctxt switches/4KiB B->A", "ctxt switches/trip",
};

static double metric(const struct result *x, int m)
{
	switch (m) {
	case 0: return x->thr_ab;
	case 1: return x->thr_ba;
	case 2: return x->lat_med;
	case 3: return x->lat_p99;
	case 4: return x->cs_ab;
	case 5: return x->cs_ba;
	default: return x->cs_rtt;
	}
}

static void usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
		"usage: %s [-s MiB] [-n trips] [-r reps] [-a dev] [-b dev] [-q] [--pty-only]\n"
		"       [--ref-a dev --ref-b dev] [--ref-name NAME] [--name NAME]\n"
		"Compare a ttyVS pair with a pty pair (throughput both ways, 1-byte round trip).\n"
		"  -s MiB     bytes per throughput run (default 64)\n"
		"  -n trips   round trips per latency run (default 20000)\n"
		"  -r reps    repetitions, interleaved pty/ttyvs (default 3)\n"
		"  -a dev     side A of the ttyVS pair (default /dev/ttyVS0)\n"
		"  -b dev     side B of the ttyVS pair (default /dev/ttyVS1)\n"
		"  -q         quick smoke run: -s 8 -n 2000 -r 1 (explicit options win)\n"
		"  --pty-only use a second pty pair instead of ttyVS (self-test without the driver)\n"
		"  --ref-a dev, --ref-b dev  compare with these two ttys (a reference chain)\n"
		"             instead of a pty pair; -a/-b then need not be peers\n"
		"  --ref-name NAME, --name NAME  labels of the two chains (default pty, ttyvs)\n"
		"Exit: 0 ok, 1 failure (data lost/corrupt, I/O error), 2 usage/refused, 4 skipped.\n",
		prog);
	exit(status);
}

static unsigned long parse_num(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		die(EXIT_USAGE, "bad %s: '%s' (1..%lu)", what, s, max);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pty-only", no_argument, NULL, 'P' },
		{ "ref-a", required_argument, NULL, 'R' },
		{ "ref-b", required_argument, NULL, 'S' },
		{ "ref-name", required_argument, NULL, 'N' },
		{ "name", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long size_mib = 64, trips = 20000, reps = 3;
	int set_s = 0, set_n = 0, set_r = 0, quick = 0, pty_only = 0;
	const char *dev_a = "/dev/ttyVS0", *dev_b = "/dev/ttyVS1";
	const char *ref_a = NULL, *ref_b = NULL, *ref_name = "pty", *name = "ttyvs";
	struct pair pairs[2];
	struct result *res[2];
	double *v, med[2][N_METRICS];
	unsigned long long cs, chunks;
	struct sigaction sa;
	struct utsname u;
	char ratio_name[64];
	unsigned long r;
	int opt, k, m;

	while ((opt = getopt_long(argc, argv, "s:n:r:a:b:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			size_mib = parse_num(optarg, "size", 65536);
			set_s = 1;
			break;
		case 'n':
			trips = parse_num(optarg, "round trips", 100000000);
			set_n = 1;
			break;
		case 'r':
			reps = parse_num(optarg, "repetitions", 1000);
			set_r = 1;
			break;
		case 'a':
			dev_a = optarg;
			break;
		case 'b':
			dev_b = optarg;
			break;
		case 'q':
			quick = 1;
			break;
		case 'P':
			pty_only = 1;
			break;
		case 'R':
			ref_a = optarg;
			break;
		case 'S':
			ref_b = optarg;
			break;
		case 'N':
			ref_name = optarg;
			break;
		case 'M':
			name = optarg;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(EXIT_USAGE);
		}
	}
	if (optind != argc || !ref_a != !ref_b || (ref_a && pty_only))
		usage(EXIT_USAGE);
	if (quick) {
		if (!set_s)
			size_mib = 8;
		if (!set_n)
			trips = 2000;
		if (!set_r)
			reps = 1;
	}
	total_bytes = (uint64_t)size_mib << 20;
	chunks = (total_bytes + IO_CHUNK - 1) / IO_CHUNK;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: a stalled read/write returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Open the device pair first: a missing device is a skip, not a failure. */
	if (pty_only) {
		open_pty_pair(&pairs[1], "pty2");
	} else {
		check_emulate_baud();
		open_dev_pair(&pairs[1], name, dev_a, dev_b, !ref_a);
	}
	if (ref_a)
		open_dev_pair(&pairs[0], ref_name, ref_a, ref_b, 0);
	else
		open_pty_pair(&pairs[0], ref_name);
	make_pattern();

	uname(&u);
	printf("%s: kernel %s, %ld cpu(s) online\n", prog, u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%s: %-5s A=%s B=%s\n", prog, pairs[0].kind, pairs[0].name_a, pairs[0].name_b);
	printf("%s: %-5s A=%s B=%s\n", prog, pairs[1].kind, pairs[1].name_a, pairs[1].name_b);
	printf("%s: %lu MiB per direction in %d-byte writes/reads, %lu round trips, %lu rep(s), "
	       "MiB/s = 2^20 bytes/s\n", prog, size_mib, IO_CHUNK, trips, reps);

	for (k = 0; k < 2; k++) {
		res[k] = calloc(reps, sizeof(*res[k]));
		if (!res[k])
			die(EXIT_FAIL, "out of memory");
	}
	/*
	 * Interleave at the level of single measurements (pty then ttyvs for
	 * each), so that a slow phase of a shared host hits both kinds alike.
	 */
	for (r = 0; r < reps; r++) {
		for (k = 0; k < 2; k++) {
			cs = ctxt_count();
			res[k][r].thr_ab = run_throughput(&pairs[k], 1);
			res[k][r].cs_ab = (ctxt_count() - cs) / (double)chunks;
		}
		for (k = 0; k < 2; k++) {
			cs = ctxt_count();
			res[k][r].thr_ba = run_throughput(&pairs[k], 0);
			res[k][r].cs_ba = (ctxt_count() - cs) / (double)chunks;
		}
		for (k = 0; k < 2; k++) {
			cs = ctxt_count();
			run_latency(&pairs[k], trips, &res[k][r].lat_med, &res[k][r].lat_p99);
			res[k][r].cs_rtt = (ctxt_count() - cs) / (double)(trips + LAT_WARMUP);
		}
		for (k = 0; k < 2; k++) {
			struct pair *p = &pairs[k];
			struct result *x = &res[k][r];

			printf("rep %lu %-5s: A->B %8.2f MiB/s  B->A %8.2f MiB/s  rtt median %8.2f us  p99 %8.2f us"
			       "  (ctxt/4KiB %.2f %.2f, ctxt/trip %.2f)\n",
			       r + 1, p->kind, x->thr_ab, x->thr_ba, x->lat_med, x->lat_p99,
			       x->cs_ab, x->cs_ba, x->cs_rtt);
		}
	}

	v = malloc(reps * sizeof(*v));
	if (!v)
		die(EXIT_FAIL, "out of memory");
	for (k = 0; k < 2; k++) {
		for (m = 0; m < N_METRICS; m++) {
			for (r = 0; r < reps; r++)
				v[r] = metric(&res[k][r], m);
			med[k][m] = median(v, reps);
		}
	}

	/*
	 * The headline ratio is of the medians; the range of the per-repetition
	 * ratios (each of two back-to-back measurements) shows how noisy it is.
	 */
	snprintf(ratio_name, sizeof(ratio_name), "%s/%s", pairs[1].kind, pairs[0].kind);
	printf("\nmedian of %lu rep(s)       %10s %10s %10s  %-15s\n", reps, pairs[0].kind,
	       pairs[1].kind, ratio_name, "per-rep ratios");
	for (m = 0; m < N_METRICS; m++) {
		double lo = 0, hi = 0;

		for (r = 0; r < reps; r++) {
			double q = metric(&res[1][r], m) / metric(&res[0][r], m);

			if (!r || q < lo)
				lo = q;
			if (!r || q > hi)
				hi = q;
		}
		printf("%-23s %10.2f %10.2f %10.3f  %.2f..%.2f  (%s)\n",
		       metric_name[m], med[0][m], med[1][m], med[1][m] / med[0][m],
		       lo, hi, m < 2 ? "higher is better" : m < 4 ? "lower is better" :
		       "fewer is cheaper");
	}
	printf("bench: thr_ab_ratio=%.3f thr_ba_ratio=%.3f lat_med_ratio=%.3f lat_p99_ratio=%.3f",
	       med[1][0] / med[0][0], med[1][1] / med[0][1],
	       med[1][2] / med[0][2], med[1][3] / med[0][3]);
	for (k = 0; k < 2; k++)
		printf(" %s_thr_ab=%.2f %s_thr_ba=%.2f %s_lat_med_us=%.2f %s_lat_p99_us=%.2f"
		       " %s_ctxt_ab=%.2f %s_ctxt_ba=%.2f %s_ctxt_trip=%.2f",
		       pairs[k].kind, med[k][0], pairs[k].kind, med[k][1],
		       pairs[k].kind, med[k][2], pairs[k].kind, med[k][3],
		       pairs[k].kind, med[k][4], pairs[k].kind, med[k][5],
		       pairs[k].kind, med[k][6]);
	printf("\n");

	for (k = 0; k < 2; k++) {
		close(pairs[k].fd_a);
		close(pairs[k].fd_b);
		free(res[k]);
	}
	free(v);
	free(pattern);
	cleanup_private_ptmx();
	return 0;
}
