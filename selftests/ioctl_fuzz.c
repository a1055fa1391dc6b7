// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized tty ioctls on ttyVS fds: the tty ioctl set (termios old and
 * new, breaks, flow, flushes, modem lines, TIOCMIWAIT, counters, serial
 * info, queues, exclusive mode, soft carrier, line discipline, window
 * size, TIOCSTI, TIOCVHANGUP, FIONBIO, process groups, locked termios,
 * TTYVS_IOC_RAW_OPEN) plus random unknown command numbers, with random arguments: valid
 * buffers of random contents, NULL, -1, kernel addresses, unmapped and
 * read-only pages, buffers that run into an unmapped page, random ints.
 * Both ends of default pair 1 and, when the netlink family is there, both
 * ends of a pair and the port of a loopback pair created for the run.
 * First as root (for a while with emulate_baud on), then from a child
 * that dropped to uid 65534 after the ports were opened (it asks the
 * parent for new fds after a hangup). Raw channels it opens are kept (a
 * few at a time) and read, written, polled and closed at random between
 * the ioctls, so they meet hangups, flushes and flow control.
 *
 * Every call must return (blocking ones are cut short by a timer): a call
 * that is not meant to block and takes over 5 s fails the run; kernel
 * reports are caught by the VM runner from dmesg.  Afterwards the ports,
 * reset to a clean state, carry data both ways.
 *
 * Environment: TTYVS_FUZZ_SEED (default: time based, printed),
 * TTYVS_IOCTL_FUZZ_COUNT, else TTYVS_FUZZ_COUNT (calls, default 20000; a
 * quarter unprivileged).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/serial.h>
#include <linux/tty.h>

#include "kselftest.h"
#include "ttyvs_lib.h"
#include "ttyvs_nl.h"
#include "../uapi/linux/ttyvs_raw.h"

#define NOBODY		65534
#define MAX_PORTS	5
#define SLOW_S		5.0	/* a non-blocking call taking longer fails */

#ifndef TIOCM_OUT1
#define TIOCM_OUT1	0x2000
#define TIOCM_OUT2	0x4000
#endif
#ifndef TIOCM_LOOP
#define TIOCM_LOOP	0x8000
#endif
#ifndef BOTHER
#define BOTHER		0010000
#endif

/* The kernel's termios2 (asm/termbits.h clashes with termios.h). */
struct k_termios2 {
	unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line;
	unsigned char c_cc[19];
	unsigned int c_ispeed, c_ospeed;
};

#define K_TCGETS2	_IOR('T', 0x2A, struct k_termios2)
#define K_TCSETS2	_IOW('T', 0x2B, struct k_termios2)
#define K_TCSETSW2	_IOW('T', 0x2C, struct k_termios2)
#define K_TCSETSF2	_IOW('T', 0x2D, struct k_termios2)

enum argt { A_NONE, A_PTR, A_INT, A_LDISC };

struct cmd {
	unsigned long nr;
	const char *name;
	enum argt arg;
	bool blocks;	/* may wait: cut short by the timer */
	int weight;
};

#define C(n, a, b, w)	{ n, #n, a, b, w }
static const struct cmd cmds[] = {
	C(TCGETS, A_PTR, false, 4),
	C(TCSETS, A_PTR, false, 4),
	C(TCSETSW, A_PTR, true, 1),
	C(TCSETSF, A_PTR, true, 1),
	C(K_TCGETS2, A_PTR, false, 3),
	C(K_TCSETS2, A_PTR, false, 4),
	C(K_TCSETSW2, A_PTR, true, 1),
	C(K_TCSETSF2, A_PTR, true, 1),
	C(TCGETA, A_PTR, false, 1),
	C(TCSETA, A_PTR, false, 1),
	C(TCSETAW, A_PTR, true, 1),
	C(TCSETAF, A_PTR, true, 1),
	C(TIOCGLCKTRMIOS, A_PTR, false, 1),
	C(TIOCSLCKTRMIOS, A_PTR, false, 1),
	C(TCSBRK, A_INT, true, 1),
	C(TCSBRKP, A_INT, true, 1),
	C(TIOCSBRK, A_NONE, true, 2),	/* waits until sent */
	C(TIOCCBRK, A_NONE, false, 2),
	C(TCXONC, A_INT, false, 3),
	C(TCFLSH, A_INT, false, 3),
	C(TIOCMGET, A_PTR, false, 3),
	C(TIOCMSET, A_PTR, false, 4),
	C(TIOCMBIS, A_PTR, false, 4),
	C(TIOCMBIC, A_PTR, false, 4),
	C(TIOCMIWAIT, A_INT, true, 2),
	C(TIOCGICOUNT, A_PTR, false, 3),
	C(TIOCGSERIAL, A_PTR, false, 3),
	C(TIOCSSERIAL, A_PTR, false, 4),
	C(TIOCSERGETLSR, A_PTR, false, 1),
	C(TIOCOUTQ, A_PTR, false, 2),
	C(TIOCINQ, A_PTR, false, 2),
	C(TIOCEXCL, A_NONE, false, 1),
	C(TIOCNXCL, A_NONE, false, 1),
	C(TIOCGEXCL, A_PTR, false, 1),
	C(TIOCGSOFTCAR, A_PTR, false, 2),
	C(TIOCSSOFTCAR, A_PTR, false, 2),
	C(TIOCSETD, A_LDISC, true, 2),	/* waits until sent too */
	C(TIOCGETD, A_PTR, false, 2),
	C(TIOCGWINSZ, A_PTR, false, 2),
	C(TIOCSWINSZ, A_PTR, false, 2),
	C(TIOCSTI, A_PTR, false, 2),
	C(TIOCVHANGUP, A_NONE, false, 0),	/* rare: see pick_cmd() */
	C(FIONBIO, A_PTR, false, 2),
	C(FIOASYNC, A_PTR, false, 1),
	C(FIOCLEX, A_NONE, false, 1),
	C(FIONCLEX, A_NONE, false, 1),
	C(TIOCGPGRP, A_PTR, false, 1),
	C(TIOCSPGRP, A_PTR, false, 1),
	C(TIOCGSID, A_PTR, false, 1),
	C(TIOCNOTTY, A_NONE, false, 1),
	C(TIOCGDEV, A_PTR, false, 1),
	C(TIOCGRS485, A_PTR, false, 1),
	C(TIOCSRS485, A_PTR, false, 1),
	C(TIOCGPTPEER, A_INT, false, 1),
	C(TIOCSERCONFIG, A_NONE, false, 1),
	C(TIOCSERGWILD, A_PTR, false, 1),
	C(TIOCGISO7816, A_PTR, false, 1),
	C(TIOCSISO7816, A_PTR, false, 1),
	C(TTYVS_IOC_RAW_OPEN, A_INT, false, 2),
};

/* Never issued with random numbers: console redirection, controlling tty,
 * fs freezing, ldiscs other than the two chosen ones.
 */
static const unsigned long banned[] = {
	TIOCCONS, TIOCSCTTY, TIOCLINUX, TIOCSETD, TIOCVHANGUP,
	FIFREEZE, FITHAW,
};

struct port {
	int idx;
	int fd[2];		/* blocking, O_NONBLOCK */
	struct serial_struct ser;
	bool have_ser;
};

static struct port ports[MAX_PORTS];
static int nports;
static uint64_t rng;
static char *good, *ro_page, *edge_page, *hole;
static int alt_ldisc = -1;
static bool privileged = true;
static int req_sock = -1;	/* child: ask the parent for new fds */

struct stats {
	long calls, ok, err, interrupted, slow, hangups, unknown;
	long by_err[135];
};

static uint32_t rnd(void)
{
	uint64_t x = rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t rn(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static bool chance(int percent)
{
	return (int)rn(100) < percent;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * SIGALRM every usec until disarm(): repeated, since a signal that comes
 * before the call has gone to sleep would not wake it.
 */
static void arm(long usec)
{
	struct itimerval it = {
		.it_value = { usec / 1000000, usec % 1000000 },
		.it_interval = { usec / 1000000, usec % 1000000 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int open_port(int idx, bool nonblock)
{
	int fd = tvs_open(idx, true);

	if (fd >= 0 && !nonblock)
		tvs_set_nonblock(fd, false);
	return fd;
}

static void close_fd(int fd)
{
	if (fd < 0)
		return;
	arm(50000);	/* a close waiting for queued output */
	close(fd);
	disarm();
}

/* Root: new fds for port p (after a hangup). */
static void reopen_port(struct port *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		close_fd(p->fd[i]);
		p->fd[i] = open_port(p->idx, i);
	}
}

/* Child: the parent sends two new fds for port k. */
static void request_port(int k)
{
	char c = k, cbuf[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fds[2], i;

	if (write(req_sock, &c, 1) != 1 || recvmsg(req_sock, &mh, 0) != 1)
		return;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(2 * sizeof(int)))
		return;
	memcpy(fds, CMSG_DATA(cm), sizeof(fds));
	for (i = 0; i < 2; i++) {
		close_fd(ports[k].fd[i]);
		ports[k].fd[i] = fds[i];
	}
}

/* Parent: serve the child's requests until it closes the socket. */
static void serve_requests(int sock)
{
	char c;

	while (read(sock, &c, 1) == 1) {
		char cbuf[CMSG_SPACE(2 * sizeof(int))];
		struct iovec iov = { .iov_base = &c, .iov_len = 1 };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		int fds[2];

		if (c < 0 || c >= nports)
			break;
		fds[0] = open_port(ports[(int)c].idx, false);
		fds[1] = open_port(ports[(int)c].idx, true);
		if (fds[0] < 0 || fds[1] < 0) {
			/* Nothing to pass: answer without fds. */
			mh.msg_control = NULL;
			mh.msg_controllen = 0;
		} else {
			memset(cbuf, 0, sizeof(cbuf));
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(fds));
			memcpy(CMSG_DATA(cm), fds, sizeof(fds));
		}
		sendmsg(sock, &mh, 0);
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
	}
}

static unsigned long rand_int(void)
{
	static const long v[] = { 0, 1, 2, 3, -1, -2, 0x7fffffff, 0x80000000L,
				  0xffffffffL, 0x100000000L, 10, 100, 1000 };

	switch (rn(4)) {
	case 0:
		return v[rn(ARRAY_SIZE(v))];
	case 1:
		return rnd();
	case 2:
		return ((uint64_t)rnd() << 32) | rnd();
	default:
		return rn(8);
	}
}

/* Sane-ish contents for the buffer of a set command. */
static void fill_plausible(unsigned long nr)
{
	struct k_termios2 *t2 = (void *)good;
	struct termios *t = (void *)good;	/* its head is the kernel's */
	struct serial_struct *ss = (void *)good;
	int *ip = (void *)good;
	int i;

	switch (nr) {
	case TCSETS: case TCSETSW: case TCSETSF:
	case K_TCSETS2: case K_TCSETSW2: case K_TCSETSF2:
	case TIOCSLCKTRMIOS:
		t2->c_iflag = chance(50) ? rnd() : rnd() & (IGNBRK | BRKINT | PARMRK | INPCK | IXON | IXOFF | ICRNL);
		t2->c_oflag = chance(80) ? 0 : rnd();
		t2->c_cflag = chance(30) ? rnd() : ((rnd() & (CSIZE | CSTOPB | PARENB | PARODD | CLOCAL | CRTSCTS | HUPCL | CMSPAR)) | CREAD |
						    (chance(80) ? (rn(2) ? CBAUDEX : 0) | rn(16) : BOTHER));
		t2->c_lflag = chance(50) ? rnd() & (ICANON | ECHO | ISIG | IEXTEN) : rnd();
		t2->c_line = chance(80) ? 0 : rnd();
		for (i = 0; i < 19; i++)
			t2->c_cc[i] = rnd();
		t2->c_ispeed = chance(50) ? rand_int() : 50 + rn(4000000);
		t2->c_ospeed = chance(50) ? rand_int() : 50 + rn(4000000);
		if (nr == TIOCSLCKTRMIOS && chance(70))
			memset(good, 0, sizeof(*t2));
		break;
	case TIOCSSERIAL:
		for (i = 0; i < nports; i++)
			if (ports[i].have_ser)
				break;
		if (i < nports) {
			memcpy(ss, &ports[i].ser, sizeof(*ss));
			if (chance(60))
				ss->flags = chance(50) ? rnd() : (ss->flags ^ (1u << rn(32)));
			if (chance(50))
				ss->close_delay = rn(3) ? rn(10) : rnd();
			if (chance(50))
				ss->closing_wait = rn(3) ? rn(100) : rnd();
			if (chance(20))
				ss->custom_divisor = rnd();
			if (chance(10))
				ss->baud_base = rnd();
			if (chance(10))
				ss->type = rn(120);
		}
		break;
	case TIOCMSET: case TIOCMBIS: case TIOCMBIC:
		*ip = chance(70) ? (int)(rnd() & (TIOCM_DTR | TIOCM_RTS | TIOCM_OUT1 | TIOCM_OUT2 | TIOCM_LOOP)) : (int)rnd();
		break;
	case TIOCSSOFTCAR: case FIONBIO: case FIOASYNC:
		*ip = rn(3);
		break;
	default:
		(void)t;
		break;
	}
}

/* A pointer argument: mostly a good buffer, else something bad. */
static unsigned long rand_ptr(unsigned long nr)
{
	switch (rn(16)) {
	case 0:
		return 0;
	case 1:
		return (unsigned long)-1;
	case 2:
		return 0xffffffff81000000UL;	/* kernel text */
	case 3:
		return 0xffff888000000000UL;	/* kernel direct map */
	case 4:
		return (unsigned long)hole + rn(4096);	/* unmapped */
	case 5:
		return (unsigned long)ro_page;		/* read-only */
	case 6:
		/* The object runs into an unmapped page. */
		return (unsigned long)edge_page + 4096 - 1 - rn(32);
	case 7:
		return (unsigned long)good + 1 + rn(7);	/* misaligned */
	case 8:
		return 0x7ffffffff000UL + rn(4096);	/* top of user space */
	default:
		tvs_prng_fill(&rng, good, 256);
		if (chance(70))
			fill_plausible(nr);
		return (unsigned long)good;
	}
}

static unsigned long rand_ldisc_arg(void)
{
	int *ip = (int *)good;

	if (chance(10))
		return rand_ptr(TIOCSETD);
	switch (rn(6)) {
	case 0:
	case 1:
		*ip = N_TTY;
		break;
	case 2:
	case 3:
		*ip = alt_ldisc >= 0 ? alt_ldisc : N_TTY;
		break;
	case 4:
		*ip = chance(50) ? -1 - (int)rn(100) : 30 + (int)rn(1000);
		break;
	default:
		*ip = (int)rnd() | 0x40000000;	/* out of range */
		break;
	}
	return (unsigned long)good;
}

static bool is_banned(unsigned long nr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(banned); i++)
		if ((unsigned int)nr == (unsigned int)banned[i])
			return true;
	return false;
}

static const struct cmd *pick_cmd(struct cmd *unknown)
{
	static int total;
	unsigned int i;
	int w;

	if (!total)
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			total += cmds[i].weight;
	if (chance(8)) {
		do {
			switch (rn(3)) {
			case 0:
				unknown->nr = rnd();
				break;
			case 1:
				unknown->nr = 0x5400 | rn(0x100);
				break;
			default:
				unknown->nr = _IOC(rn(4), chance(70) ? 'T' : rn(256), rn(256), rn(512));
				break;
			}
		} while (is_banned(unknown->nr));
		unknown->name = "unknown";
		unknown->arg = chance(50) ? A_PTR : A_INT;
		unknown->blocks = true;
		return unknown;
	}
	if (privileged && rn(2000) == 0) {
		for (i = 0; i < ARRAY_SIZE(cmds); i++)
			if (cmds[i].nr == TIOCVHANGUP)
				return &cmds[i];
	}
	w = rn(total);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		w -= cmds[i].weight;
		if (w < 0)
			return &cmds[i];
	}
	return &cmds[0];
}

/* After EIO: is the port hung up?  Then it gets new fds. */
static void check_hangup(struct stats *st, int k)
{
	char t[64];
	int i;

	for (i = 0; i < 2; i++) {
		if (ports[k].fd[i] >= 0 && ioctl(ports[k].fd[i], TCGETS, t) == 0)
			continue;
		st->hangups++;
		if (privileged)
			reopen_port(&ports[k]);
		else
			request_port(k);
		return;
	}
}

/* Raw channels from TTYVS_IOC_RAW_OPEN, kept open for raw_io(). */
static int raws[4] = { -1, -1, -1, -1 };

static void keep_raw(int fd)
{
	int k = rn(ARRAY_SIZE(raws));

	/* Never block in raw_io(), whatever flags the ioctl was given. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (raws[k] >= 0)
		close(raws[k]);
	raws[k] = fd;
}

static void close_raws(void)
{
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(raws); k++) {
		if (raws[k] >= 0)
			close(raws[k]);
		raws[k] = -1;
	}
}

/* Now and then something on a raw channel: I/O, good or bad, or close. */
static void raw_io(void)
{
	int k = rn(ARRAY_SIZE(raws)), fd = raws[k];
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	size_t len = rn(600);

	if (fd < 0 || !chance(15))
		return;
	switch (rn(6)) {
	case 0:
	case 1:
		if (read(fd, good, len) < 0 && errno != EAGAIN && errno != EIO)
			ksft_print_msg("raw read: %s\n", strerror(errno));
		break;
	case 2:
		if (write(fd, good, len) < 0 && errno != EAGAIN && errno != EIO)
			ksft_print_msg("raw write: %s\n", strerror(errno));
		break;
	case 3:
		/* Unmapped or read-only buffers: EFAULT, nothing else. */
		if (chance(50))
			(void)!read(fd, chance(50) ? hole : ro_page, len);
		else
			(void)!write(fd, hole, len);
		break;
	case 4:
		poll(&p, 1, 0);
		break;
	default:
		close(fd);
		raws[k] = -1;
		break;
	}
}

static int one_call(struct stats *st)
{
	struct cmd unknown;
	const struct cmd *c = pick_cmd(&unknown);
	int k = rn(nports), fd = ports[k].fd[rn(2)];
	unsigned long arg;
	double t0, dt;
	long r;

	if (fd < 0) {
		check_hangup(st, k);
		return 0;
	}
	switch (c->arg) {
	case A_PTR:
		arg = rand_ptr(c->nr);
		break;
	case A_INT:
		arg = rand_int();
		if (c->nr == TIOCMIWAIT && chance(70))
			arg = rnd() & (TIOCM_CTS | TIOCM_DSR | TIOCM_CD | TIOCM_RNG);
		if ((c->nr == TCSBRKP || c->nr == TCXONC || c->nr == TCFLSH) && chance(70))
			arg = rn(5);
		if (c->nr == TTYVS_IOC_RAW_OPEN && chance(80))
			arg = O_NONBLOCK | (chance(50) ? O_CLOEXEC : 0);
		break;
	case A_LDISC:
		arg = rand_ldisc_arg();
		break;
	default:
		arg = chance(80) ? 0 : rand_int();
		break;
	}
	st->calls++;
	if (c == &unknown)
		st->unknown++;
	arm(c->blocks ? 20000 : (long)(SLOW_S * 1e6));
	t0 = tvs_now();
	r = ioctl(fd, c->nr, arg);
	dt = tvs_now() - t0;
	disarm();
	if (r >= 0) {
		st->ok++;
		if (c->nr == TIOCGPTPEER && r > 2)
			close(r);
		if (c->nr == TTYVS_IOC_RAW_OPEN)
			keep_raw(r);
		return 0;
	}
	st->err++;
	if (errno < (int)ARRAY_SIZE(st->by_err))
		st->by_err[errno]++;
	if (errno == EINTR) {
		st->interrupted++;
		if (!c->blocks || dt > SLOW_S) {
			st->slow++;
			ksft_print_msg("%s (%#lx) arg %#lx on ttyVS%d took %.1f s\n",
				       c->name, c->nr, arg, ports[k].idx, dt);
		}
	}
	if (errno == EIO)
		check_hangup(st, k);
	return 0;
}

static void report(const struct stats *st, const char *who, double secs)
{
	char buf[768];
	int i, o = 0;

	for (i = 1; i < (int)ARRAY_SIZE(st->by_err); i++)
		if (st->by_err[i] && o < (int)sizeof(buf) - 40)
			o += snprintf(buf + o, sizeof(buf) - o, " %s:%ld",
				      strerrorname_np(i) ?: "?", st->by_err[i]);
	buf[o] = 0;
	ksft_print_msg("%s: %ld calls in %.1f s (%.0f/s), %ld ok, %ld errors (%s ), %ld unknown cmds, %ld interrupted, %ld hangups, %ld slow\n",
		       who, st->calls, secs, st->calls / (secs > 0 ? secs : 1), st->ok, st->err, buf,
		       st->unknown, st->interrupted, st->hangups, st->slow);
}

static int fuzz(long count, struct stats *st)
{
	double t0 = tvs_now();
	long i;

	for (i = 0; i < count; i++) {
		if (i && i % 10000 == 0)
			ksft_print_msg("%s: %ld calls, %.0f s\n", privileged ? "root" : "uid 65534",
				       i, tvs_now() - t0);
		if (privileged && i == count / 4)
			tvs_param_write("emulate_baud", "Y");
		if (privileged && i == count / 2)
			tvs_param_write("emulate_baud", "N");
		one_call(st);
		raw_io();
	}
	if (privileged)
		tvs_param_write("emulate_baud", "N");
	report(st, privileged ? "root" : "uid 65534", tvs_now() - t0);
	return st->slow ? 1 : 0;
}

static int run_unpriv(long count, uint64_t seed, int sock)
{
	struct stats st = { 0 };

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		ksft_print_msg("cannot become uid %d: %s\n", NOBODY, strerror(errno));
		return 2;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	privileged = false;
	req_sock = sock;
	rng = seed ^ 0x9e3779b97f4a7c15ULL;
	return fuzz(count, &st);
}

/* Back to a clean state: N_TTY, no locks, raw 115200, lines up, flushed. */
static void reset_port(struct port *p)
{
	struct termios zero_lock;
	int n_tty = N_TTY, fd, bits = TIOCM_DTR | TIOCM_RTS;

	fd = open_port(p->idx, true);
	if (fd < 0)
		return;
	ioctl(fd, TIOCNXCL);
	ioctl(fd, TIOCSETD, &n_tty);
	memset(&zero_lock, 0, sizeof(zero_lock));
	ioctl(fd, TIOCSLCKTRMIOS, &zero_lock);
	if (p->have_ser)
		ioctl(fd, TIOCSSERIAL, &p->ser);
	ioctl(fd, TIOCCBRK);
	tvs_make_raw(fd, B115200);
	tcflow(fd, TCOON);
	ioctl(fd, TIOCMBIS, &bits);
	tcflush(fd, TCIOFLUSH);
	close_fd(fd);
}

/* Data both ways between ports a and b (a == b: a loopback port). */
static bool data_ok(int a_idx, int b_idx)
{
	static unsigned char out[2048], in[2048];
	uint64_t st = 0x10c71 + a_idx;
	int a, b, dir, ndir = a_idx == b_idx ? 1 : 2;
	bool ok = true;

	a = tvs_open(a_idx, true);
	b = a_idx == b_idx ? a : tvs_open(b_idx, true);
	if (a < 0 || b < 0 || tvs_make_raw(a, B115200) || tvs_make_raw(b, B115200) ||
	    tcflush(a, TCIOFLUSH) || tcflush(b, TCIOFLUSH)) {
		ksft_print_msg("ttyVS%d/ttyVS%d: cannot set up: %s\n", a_idx, b_idx, strerror(errno));
		ok = false;
	}
	for (dir = 0; ok && dir < ndir; dir++) {
		int tx = dir ? b : a, rx = dir ? a : b;

		tvs_prng_fill(&st, out, sizeof(out));
		if (tvs_write_all(tx, out, sizeof(out)) != (ssize_t)sizeof(out) ||
		    tvs_read_exact(rx, in, sizeof(in), 5000) != (ssize_t)sizeof(in) ||
		    memcmp(out, in, sizeof(in))) {
			ksft_print_msg("ttyVS%d -> ttyVS%d: data does not pass\n",
				       dir ? b_idx : a_idx, dir ? a_idx : b_idx);
			ok = false;
		}
	}
	if (a >= 0)
		close(a);
	if (b >= 0 && b != a)
		close(b);
	return ok;
}

static int map_pages(void)
{
	good = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	edge_page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (good == MAP_FAILED || ro_page == MAP_FAILED || edge_page == MAP_FAILED ||
	    hole == MAP_FAILED)
		return -1;
	munmap(edge_page + 4096, 4096);
	munmap(hole, 4096);
	return 0;
}

static void add_port(int idx)
{
	struct port *p = &ports[nports++];

	p->idx = idx;
	p->fd[0] = open_port(idx, false);
	p->fd[1] = open_port(idx, true);
	p->have_ser = p->fd[1] >= 0 && ioctl(p->fd[1], TIOCGSERIAL, &p->ser) == 0;
}

int main(void)
{
	struct stats st = { 0 };
	struct sigaction sa;
	struct tnl nl;
	struct tnl_pair_cfg c;
	struct tnl_pair pr;
	int pair_id = -1, lb_id = -1, sv[2], status, r, i, bad = 0, n_null;
	bool have_nl;
	long count = 20000, nroot, nunpriv;
	uint64_t seed;
	const char *s;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress shows on a pipe */
	ksft_print_header();
	if (!tvs_module_loaded())
		ksft_exit_skip("ttyvs not loaded\n");
	if (getuid() != 0)
		ksft_exit_skip("needs root\n");
	s = getenv("TTYVS_FUZZ_SEED");
	seed = s && *s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!seed)
		seed = 1;
	s = getenv("TTYVS_IOCTL_FUZZ_COUNT");
	if (!s || !*s)
		s = getenv("TTYVS_FUZZ_COUNT");
	if (s && *s)
		count = strtol(s, NULL, 0);
	nunpriv = count / 4;
	nroot = count - nunpriv;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	/* Breaks (BRKINT), hangups, TIOCSTI'd ^C/^Z, FIOASYNC, SIGWINCH... */
	for (i = 1; i < NSIG; i++)
		if (i != SIGALRM && i != SIGKILL && i != SIGSTOP && i != SIGCHLD &&
		    i != SIGSEGV && i != SIGBUS && i != SIGABRT && i != SIGTERM &&
		    i < SIGRTMIN)
			signal(i, SIG_IGN);
	if (map_pages())
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));

	ksft_set_plan(3);
	ksft_print_msg("seed %llu (TTYVS_FUZZ_SEED=%llu to repeat), %ld calls\n",
		       (unsigned long long)seed, (unsigned long long)seed, count);
	rng = seed;

	have_nl = tnl_open(&nl) == 0;
	if (have_nl) {
		tnl_cfg_init(&c);
		r = tnl_pair_new(&nl, &c, &pr, NULL);
		if (!r)
			pair_id = pr.id;
		tnl_cfg_init(&c);
		c.loopback = true;
		r = tnl_pair_new(&nl, &c, &pr, NULL);
		if (!r)
			lb_id = pr.id;
	} else {
		ksft_print_msg("no netlink family: only default pair 1 is fuzzed\n");
	}
	add_port(2);
	add_port(3);
	if (pair_id >= 0) {
		add_port(2 * pair_id);
		add_port(2 * pair_id + 1);
	}
	if (lb_id >= 0)
		add_port(2 * lb_id);
	for (i = 0; i < nports; i++)
		if (ports[i].fd[0] < 0 || ports[i].fd[1] < 0)
			ksft_exit_fail_msg("open ttyVS%d: %s\n", ports[i].idx, strerror(errno));
	n_null = 27;
	if (ioctl(ports[0].fd[1], TIOCSETD, &n_null) == 0)
		alt_ldisc = n_null;
	reset_port(&ports[0]);
	ksft_print_msg("%d ports:%s%s%s, second ldisc %d\n", nports,
		       " ttyVS2 ttyVS3", pair_id >= 0 ? " + a netlink pair" : "",
		       lb_id >= 0 ? " + a loopback port" : "", alt_ldisc);

	r = fuzz(nroot, &st);
	close_raws();
	ksft_test_result(r == 0, "root: %ld random ioctls answered\n", nroot);

	/* Fresh fds for the child, opened as root before it drops privileges. */
	for (i = 0; i < nports; i++)
		reopen_port(&ports[i]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		ksft_exit_fail_msg("socketpair: %s\n", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		close(sv[0]);
		r = run_unpriv(nunpriv, seed, sv[1]);
		fflush(stdout);
		_exit(r);
	}
	close(sv[1]);
	serve_requests(sv[0]);
	close(sv[0]);
	r = waitpid(pid, &status, 0);
	if (r == pid && WIFSIGNALED(status))
		ksft_print_msg("unprivileged child killed by signal %d\n", WTERMSIG(status));
	ksft_test_result(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "uid 65534: %ld random ioctls answered\n", nunpriv);

	/* Clean state, then data must pass. */
	tvs_param_write("emulate_baud", "N");
	for (i = 0; i < nports; i++) {
		close_fd(ports[i].fd[0]);
		close_fd(ports[i].fd[1]);
		reset_port(&ports[i]);
	}
	if (!data_ok(2, 3))
		bad++;
	if (pair_id >= 0 && !data_ok(2 * pair_id, 2 * pair_id + 1))
		bad++;
	if (lb_id >= 0 && !data_ok(2 * lb_id, 2 * lb_id))
		bad++;
	if (have_nl) {
		if (pair_id >= 0 && tnl_pair_del(&nl, pair_id, NULL, true, NULL))
			bad++;
		if (lb_id >= 0 && tnl_pair_del(&nl, lb_id, NULL, true, NULL))
			bad++;
		tnl_close(&nl);
	}
	ksft_test_result(!bad, "ports work after the fuzzing (clean termios, data both ways)\n");
	ksft_finished();
}
