// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs netlink control plane: pair create/destroy (1 and 1000), names,
 * ids, max_pairs, EBUSY vs force with blocked users, wiring (every source,
 * inverted, live changes), loopback, buffer size, every event type, event
 * storm coalescing, unprivileged callers and malformed requests.
 *
 * Talks raw generic netlink (ttyvs_nl.c). Needs root; the module must be
 * loaded with its defaults (pairs=2, max_pairs=1024), as run_tests.sh does.
 * Each test skips when the "ttyvs" family is not registered.
 * TTYVS_NL_ONLY="test1 test2" runs only the tests named.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/serial.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ttyvs_lib.h"
#include "ttyvs_nl.h"

#ifndef TIOCM_OUT1
#define TIOCM_OUT1	0x2000
#endif
#ifndef TIOCM_OUT2
#define TIOCM_OUT2	0x4000
#endif

#define MAX_IDS		2048
#define NOBODY		65534

FIXTURE(nl) {
	struct tnl nl;
	int ids[MAX_IDS];
	int nids;
};

FIXTURE_SETUP(nl)
{
	const char *only = getenv("TTYVS_NL_ONLY");
	int r;

	self->nids = 0;
	/* TTYVS_NL_ONLY="name1 name2": run just these (6.1's harness has no -t) */
	if (only && *only && !strstr(only, _metadata->name))
		TVS_SKIP_SETUP("not in TTYVS_NL_ONLY");
	r = tnl_open(&self->nl);
	if (r == -ENOENT) {
		tnl_close(&self->nl);
		TVS_SKIP_SETUP("generic netlink family \"ttyvs\" not registered (module not loaded or without netlink)");
	}
	ASSERT_EQ(0, r) TH_LOG("netlink socket: %s", strerror(-r));
	self->nl.recv_timeout_ms = 10000;
}

FIXTURE_TEARDOWN(nl)
{
	int i;

	/* the pairs this test created and may have left behind */
	for (i = 0; i < self->nids; i++)
		if (self->ids[i] >= 0)
			tnl_pair_del(&self->nl, self->ids[i], NULL, true, NULL);
	tnl_close(&self->nl);
}

/* Create a pair and remember it for teardown. Returns the error. */
static int new_pair(FIXTURE_DATA(nl) *self, const struct tnl_pair_cfg *c,
		    struct tnl_pair *p, struct tnl_err *e)
{
	struct tnl_pair tmp;
	int r;

	if (!p)
		p = &tmp;
	r = tnl_pair_new(&self->nl, c, p, e);
	if (!r && p->has[TTYVS_A_PAIR_ID] && self->nids < MAX_IDS)
		self->ids[self->nids++] = p->id;
	return r;
}

static void forget_pair(FIXTURE_DATA(nl) *self, int id)
{
	int i;

	for (i = 0; i < self->nids; i++)
		if (self->ids[i] == id)
			self->ids[i] = -1;
}

static bool path_exists(int idx)
{
	char path[32];

	tvs_path(idx, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* Wait until /dev/ttyVS<idx> exists (or not); devtmpfs is asynchronous. */
static bool wait_node(int idx, bool exist, int timeout_ms)
{
	double end = tvs_now() + tvs_ms(timeout_ms) / 1000.0;

	for (;;) {
		if (path_exists(idx) == exist)
			return true;
		if (tvs_now() > end)
			return false;
		tvs_msleep(5);
	}
}

/* Open a port (nonblocking, raw 9600) once its node exists. */
static int open_port(int idx)
{
	int fd;

	if (!wait_node(idx, true, 3000))
		return -1;
	fd = tvs_open(idx, true);
	if (fd >= 0 && tvs_make_raw(fd, B9600)) {
		close(fd);
		return -1;
	}
	return fd;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	long v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int count_pairs(struct tnl *n)
{
	return tnl_pair_dump(n, NULL, 0);
}

/* The extack "names the attribute": offset, missing type or a keyword. */
static bool names_attr(const struct tnl_err *e, int off, const char *word)
{
	if (off > 0 && e->has_offs && (int)e->offs == off)
		return true;
	if (e->has_miss)
		return true;
	return word && e->has_msg && strcasestr(e->msg, word);
}

static int wait_event(struct tnl *n, uint8_t cmd, int64_t pair_id,
		      int64_t port_idx, int timeout_ms, struct tnl_pair *pair,
		      struct tnl_port *port);

/* A name for the log, control and non-ASCII bytes as \xNN. */
static const char *esc(const char *s)
{
	static char buf[4 * 64 + 1];
	size_t o = 0;

	for (; *s && o + 5 < sizeof(buf); s++) {
		unsigned char c = *s;

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = c;
		else
			o += snprintf(buf + o, sizeof(buf) - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return buf;
}

/* ------------------------------------------------------------------ */

TEST_F(nl, family_and_default_pairs)
{
	struct tnl_pair pairs[8];
	struct tnl_port ports[8];
	int n, i;

	EXPECT_NE(0, self->nl.events_grp) TH_LOG("no \"events\" multicast group");
	n = tnl_pair_dump(&self->nl, pairs, 8);
	ASSERT_GE(n, 2) TH_LOG("dump: %d (the 2 pairs of pairs=2 expected)", n);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ((uint32_t)i, pairs[i].id);
		EXPECT_EQ(2, pairs[i].nports);
		EXPECT_EQ(8192U, pairs[i].buf_size);
		EXPECT_FALSE(pairs[i].has[TTYVS_A_PAIR_NAME]);
		EXPECT_FALSE(pairs[i].loopback);
		EXPECT_EQ((uint32_t)(2 * i), pairs[i].port[0].index);
		EXPECT_EQ((uint32_t)(2 * i + 1), pairs[i].port[1].index);
	}
	n = tnl_port_dump(&self->nl, ports, 8);
	ASSERT_GE(n, 4);
	for (i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "ttyVS%d", i);
		EXPECT_EQ((uint32_t)i, ports[i].index);
		EXPECT_STREQ(name, ports[i].name);
		EXPECT_EQ((uint32_t)(i / 2), ports[i].pair_id);
		EXPECT_EQ(i % 2, ports[i].end);
		EXPECT_TRUE(ports[i].has[TTYVS_A_PORT_TERMIOS]);
		EXPECT_TRUE(ports[i].has[TTYVS_A_PORT_ICOUNT]);
	}
}

TEST_F(nl, create_destroy_one)
{
	struct tnl_pair_cfg c;
	struct tnl_pair p, g;
	struct tnl_port pt;
	struct tnl_err e;
	int fa, fb, id, before, i;
	char buf[8];

	before = count_pairs(&self->nl);
	tnl_cfg_init(&c);
	ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("pair-new: %s (%s)", strerror(-e.err), e.msg);
	ASSERT_TRUE(p.has[TTYVS_A_PAIR_ID]);
	id = p.id;
	EXPECT_EQ(2, p.nports);
	EXPECT_EQ(8192U, p.buf_size);
	EXPECT_EQ(0, p.baud_emulation);
	EXPECT_FALSE(p.has[TTYVS_A_PAIR_NAME]);
	for (i = 0; i < 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "ttyVS%d", 2 * id + i);
		EXPECT_EQ((uint32_t)(2 * id + i), p.port[i].index);
		EXPECT_STREQ(name, p.port[i].name);
		EXPECT_EQ(i, p.port[i].end);
		EXPECT_EQ(0U, p.port[i].open_count);
		/* null-modem default */
		EXPECT_EQ(TTYVS_WIRE_PEER_RTS, p.port[i].wire[TTYVS_A_WIRE_CTS]);
		EXPECT_EQ(TTYVS_WIRE_PEER_DTR, p.port[i].wire[TTYVS_A_WIRE_DSR]);
		EXPECT_EQ(TTYVS_WIRE_PEER_DTR, p.port[i].wire[TTYVS_A_WIRE_DCD]);
		EXPECT_EQ(TTYVS_WIRE_OFF, p.port[i].wire[TTYVS_A_WIRE_RI]);
	}
	EXPECT_EQ(before + 1, count_pairs(&self->nl));
	ASSERT_EQ(0, tnl_pair_get(&self->nl, id, NULL, &g, NULL));
	EXPECT_EQ((uint32_t)id, g.id);
	EXPECT_EQ(2, g.nports);

	/* never opened: driver default termios */
	ASSERT_EQ(0, tnl_port_get(&self->nl, 2 * id + 1, NULL, &pt, &e));
	EXPECT_EQ(9600U, pt.termios[TTYVS_A_TERMIOS_BAUD]);
	EXPECT_EQ(8, pt.termios[TTYVS_A_TERMIOS_DATA_BITS]);
	EXPECT_EQ(TTYVS_PARITY_NONE, pt.termios[TTYVS_A_TERMIOS_PARITY]);
	EXPECT_EQ(1, pt.termios[TTYVS_A_TERMIOS_STOP_BITS]);
	EXPECT_EQ(1, pt.termios[TTYVS_A_TERMIOS_CLOCAL]);
	EXPECT_EQ((uint32_t)id, pt.pair_id);
	EXPECT_EQ(1, pt.end);

	/* data flows through the new pair; open counts are reported */
	fa = open_port(2 * id);
	fb = open_port(2 * id + 1);
	ASSERT_GE(fa, 0) TH_LOG("open ttyVS%d: %m", 2 * id);
	ASSERT_GE(fb, 0) TH_LOG("open ttyVS%d: %m", 2 * id + 1);
	ASSERT_EQ(3, write(fa, "abc", 3));
	ASSERT_EQ(3, tvs_read_exact(fb, buf, 3, 2000));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	ASSERT_EQ(0, tnl_port_get(&self->nl, -1, p.port[0].name, &pt, NULL));
	EXPECT_EQ(1U, pt.open_count);
	EXPECT_EQ(3U, pt.icount[TTYVS_A_ICOUNT_TX]);
	close(fa);
	close(fb);

	ASSERT_EQ(0, tnl_pair_del(&self->nl, id, NULL, false, &e)) TH_LOG("pair-del: %s (%s)", strerror(-e.err), e.msg);
	forget_pair(self, id);
	EXPECT_TRUE(wait_node(2 * id, false, 3000));
	EXPECT_TRUE(wait_node(2 * id + 1, false, 3000));
	EXPECT_EQ(-ENOENT, tnl_pair_get(&self->nl, id, NULL, NULL, NULL));
	EXPECT_EQ(-ENOENT, tnl_port_get(&self->nl, 2 * id, NULL, NULL, NULL));
	EXPECT_EQ(-ENOENT, tnl_pair_del(&self->nl, id, NULL, false, NULL));
	EXPECT_EQ(before, count_pairs(&self->nl));
}

TEST_F_TIMEOUT(nl, create_destroy_1000, 280)
{
	const int N = 1000;
	long avail0, avail1, slab0, slab1, unrec0, unrec1;
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl_err e;
	int i, before, fails = 0;
	static int ids[1000];
	double t0, t1, t2;

	before = count_pairs(&self->nl);
	ASSERT_GE(before, 0);
	tnl_cfg_init(&c);
	sync();
	tvs_msleep(200);
	avail0 = meminfo_kb("MemAvailable");
	slab0 = meminfo_kb("Slab");
	unrec0 = meminfo_kb("SUnreclaim");
	t0 = tvs_now();
	for (i = 0; i < N; i++) {
		if (new_pair(self, &c, &p, &e)) {
			TH_LOG("pair %d: %s (%s)", i, strerror(-e.err), e.msg);
			break;
		}
		ids[i] = p.id;
	}
	t1 = tvs_now();
	ASSERT_EQ(N, i);
	/* let devtmpfs and the workqueues settle */
	wait_node(2 * ids[N - 1] + 1, true, 5000);
	tvs_msleep(500);
	avail1 = meminfo_kb("MemAvailable");
	slab1 = meminfo_kb("Slab");
	unrec1 = meminfo_kb("SUnreclaim");
	EXPECT_EQ(before + N, count_pairs(&self->nl));
	for (i = 0; i < N; i++)
		fails += !path_exists(2 * ids[i]) || !path_exists(2 * ids[i] + 1);
	EXPECT_EQ(0, fails) TH_LOG("%d pairs without both /dev nodes", fails);

	t2 = tvs_now();
	for (i = 0; i < N; i++) {
		int r = tnl_pair_del(&self->nl, ids[i], NULL, false, &e);

		if (r) {
			TH_LOG("del %d: %s (%s)", ids[i], strerror(-r), e.msg);
			fails++;
		} else {
			forget_pair(self, ids[i]);
		}
	}
	t0 = t1 - t0;
	t2 = tvs_now() - t2;
	EXPECT_EQ(0, fails);
	EXPECT_EQ(before, count_pairs(&self->nl));
	TH_LOG("create %d pairs: %.3f s (%.2f ms/pair); destroy: %.3f s (%.2f ms/pair)",
	       N, t0, t0 * 1000 / N, t2, t2 * 1000 / N);
	TH_LOG("kernel memory per idle pair: MemAvailable -%.1f KiB, Slab +%.1f KiB (SUnreclaim +%.1f KiB)",
	       (double)(avail0 - avail1) / N, (double)(slab1 - slab0) / N,
	       (double)(unrec1 - unrec0) / N);
	printf("# METRIC pairs_1000_create_s=%.3f pairs_1000_destroy_s=%.3f mem_per_pair_kib=%.1f slab_per_pair_kib=%.1f\n",
	       t0, t2, (double)(avail0 - avail1) / N, (double)(slab1 - slab0) / N);
	EXPECT_TRUE(wait_node(2 * ids[N - 1] + 1, false, 5000));
}

TEST_F(nl, names)
{
	static const char *const good[] = {
		"a", "Z", "0", "lab-1", "modem_2.b", "A.b-C_d",
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 */
	};
	static const char *const bad[] = {
		"", "a b", "a/b", "x:y", "tab\t", "caf\xc3\xa9", "new\nline", "../up",
		"\xc0\xc9\xd0",	/* Latin-1 letters: not [A-Za-z] */
		"abcdefghijklmnopqrstuvwxyz0123456",	/* 33 */
	};
	struct tnl_pair_cfg c;
	struct tnl_pair p, g;
	struct tnl_err e;
	unsigned int i;
	int before = count_pairs(&self->nl);
	char path[128], val[64];

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		tnl_cfg_init(&c);
		c.name = good[i];
		ASSERT_EQ(0, new_pair(self, &c, &p, &e))
			TH_LOG("name \"%s\": %s (%s)", good[i], strerror(-e.err), e.msg);
		EXPECT_STREQ(good[i], p.name);
		/* lookup by name; "" is no name and never finds an unnamed pair */
		EXPECT_EQ(-ENOENT, tnl_pair_get(&self->nl, -1, "", NULL, NULL));
		EXPECT_EQ(-ENOENT, tnl_pair_del(&self->nl, -1, "", true, NULL));
		ASSERT_EQ(0, tnl_pair_get(&self->nl, -1, good[i], &g, NULL));
		EXPECT_EQ(p.id, g.id);
		EXPECT_STREQ(good[i], g.name);
		/* sysfs for udev */
		snprintf(path, sizeof(path), "/sys/class/tty/ttyVS%u/pair_name", p.port[1].index);
		if (wait_node(p.port[1].index, true, 3000)) {
			FILE *f = fopen(path, "r");

			if (f) {
				if (fgets(val, sizeof(val), f))
					val[strcspn(val, "\n")] = 0;
				fclose(f);
				EXPECT_STREQ(good[i], val);
			} else {
				TH_LOG("%s: %m", path);
			}
		}
		/* duplicate */
		tnl_cfg_init(&c);
		c.name = good[i];
		EXPECT_EQ(-EEXIST, new_pair(self, &c, NULL, &e)) TH_LOG("duplicate \"%s\"", good[i]);
		EXPECT_TRUE(e.has_msg && e.msg[0]) TH_LOG("no extack message for a duplicate name");
	}
	/* a port's view names its pair */
	{
		struct tnl_port pt;

		ASSERT_EQ(0, tnl_port_get(&self->nl, p.port[0].index, NULL, &pt, NULL));
		EXPECT_STREQ(good[ARRAY_SIZE(good) - 1], pt.pair_name);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		tnl_cfg_init(&c);
		c.name = bad[i];
		e.err = 0;
		new_pair(self, &c, NULL, &e);
		EXPECT_TRUE(e.err == -EINVAL || e.err == -ERANGE)
			TH_LOG("bad name \"%s\": got %d (%s), want -EINVAL", esc(bad[i]), e.err, strerror(-e.err));
		EXPECT_TRUE(e.has_msg && e.msg[0]) TH_LOG("bad name \"%s\": no extack message", esc(bad[i]));
	}
	/* delete by name; the name is free again */
	ASSERT_EQ(0, tnl_pair_del(&self->nl, -1, "lab-1", false, &e)) TH_LOG("%s", e.msg);
	EXPECT_EQ(-ENOENT, tnl_pair_get(&self->nl, -1, "lab-1", NULL, NULL));
	EXPECT_EQ(-ENOENT, tnl_pair_del(&self->nl, -1, "lab-1", false, NULL));
	tnl_cfg_init(&c);
	c.name = "lab-1";
	EXPECT_EQ(0, new_pair(self, &c, NULL, &e)) TH_LOG("%s", e.msg);
	/* id wins over name */
	ASSERT_EQ(0, tnl_pair_get(&self->nl, -1, "Z", &g, NULL));
	ASSERT_EQ(0, tnl_pair_get(&self->nl, g.id, "a", &p, NULL));
	EXPECT_EQ(g.id, p.id);
	EXPECT_EQ(before + (int)ARRAY_SIZE(good), count_pairs(&self->nl));
}

/* A pair re-created on a used minor starts from the default termios. */
TEST_F(nl, recreated_pair_default_termios)
{
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl_err e;
	struct termios t;
	int fd, ret, i;

	tnl_cfg_init(&c);
	c.id = 600;
	ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("%s", e.msg);
	ASSERT_TRUE(wait_node(1200, true, 3000));
	fd = tvs_open(1200, true);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcgetattr(fd, &t));
	ASSERT_EQ(B9600, cfgetospeed(&t));
	cfsetospeed(&t, B19200);
	cfsetispeed(&t, B19200);
	ASSERT_EQ(0, tcsetattr(fd, TCSANOW, &t));
	close(fd);
	ASSERT_EQ(0, tnl_pair_del(&self->nl, 600, NULL, false, &e)) TH_LOG("%s", e.msg);

	/* The id is free once the last tty of the old pair is released. */
	for (i = 0; i < 100 * tvs_slow(); i++) {
		ret = new_pair(self, &c, &p, &e);
		if (ret != -EEXIST)
			break;
		tvs_msleep(20);
	}
	ASSERT_EQ(0, ret) TH_LOG("re-create id 600: %s", e.msg);
	ASSERT_TRUE(wait_node(1200, true, 3000));
	fd = tvs_open(1200, true);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tcgetattr(fd, &t));
	EXPECT_EQ(B9600, cfgetospeed(&t)) TH_LOG("the old pair's 19200 survived");
	close(fd);
}

TEST_F(nl, pair_id_request)
{
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl_err e;
	char max[32];
	int maxp = 1024;

	if (!tvs_param_read("max_pairs", max, sizeof(max)))
		maxp = atoi(max);
	tnl_cfg_init(&c);
	c.id = 500;
	ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("id 500: %s (%s)", strerror(-e.err), e.msg);
	EXPECT_EQ(500U, p.id);
	EXPECT_EQ(1000U, p.port[0].index);
	EXPECT_EQ(1001U, p.port[1].index);
	EXPECT_TRUE(wait_node(1001, true, 3000));
	EXPECT_EQ(-EEXIST, new_pair(self, &c, NULL, &e));
	EXPECT_TRUE(e.has_msg && e.msg[0]) TH_LOG("no extack message for a taken id");
	c.id = 0;	/* a pairs= pair */
	EXPECT_EQ(-EEXIST, new_pair(self, &c, NULL, &e));
	c.id = maxp;	/* out of range */
	EXPECT_NE(0, new_pair(self, &c, NULL, &e)) TH_LOG("id max_pairs accepted");
	EXPECT_TRUE(e.has_msg && e.msg[0]) TH_LOG("id %d: no extack message", maxp);
	c.id = maxp - 1;
	EXPECT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("id %d: %s (%s)", maxp - 1, strerror(-e.err), e.msg);
	/* pairs without an id get a free one */
	tnl_cfg_init(&c);
	ASSERT_EQ(0, new_pair(self, &c, &p, &e));
	EXPECT_NE(500U, p.id);
	EXPECT_LT(p.id, (uint32_t)maxp);
}

TEST_F_TIMEOUT(nl, max_pairs_enforced, 280)
{
	struct tnl_pair_cfg c;
	struct tnl_err e;
	char max[32];
	int maxp, before, made = 0, r;

	ASSERT_EQ(0, tvs_param_read("max_pairs", max, sizeof(max)));
	maxp = atoi(max);
	before = count_pairs(&self->nl);
	ASSERT_LE(before, maxp);
	tnl_cfg_init(&c);
	for (;;) {
		r = new_pair(self, &c, NULL, &e);
		if (r)
			break;
		if (++made > maxp)
			break;
	}
	EXPECT_EQ(-ENOSPC, r) TH_LOG("after %d pairs: %d (%s)", made, r, e.msg);
	EXPECT_EQ(maxp - before, made);
	EXPECT_TRUE(e.has_msg && strstr(e.msg, "max_pairs")) TH_LOG("extack \"%s\"", e.msg);
	EXPECT_EQ(maxp, count_pairs(&self->nl));
	c.id = 1;
	EXPECT_EQ(-ENOSPC == new_pair(self, &c, NULL, &e) || e.err == -EEXIST, 1);
	/* one freed slot can be used again */
	ASSERT_GT(self->nids, 0);
	ASSERT_EQ(0, tnl_pair_del(&self->nl, self->ids[self->nids - 1], NULL, false, NULL));
	self->ids[--self->nids] = -1;
	tnl_cfg_init(&c);
	EXPECT_EQ(0, new_pair(self, &c, NULL, &e)) TH_LOG("%s", e.msg);
	EXPECT_EQ(-ENOSPC, new_pair(self, &c, NULL, &e));
}

/* ------------------------------------------------------------------ */
/* destroy with open and blocked users */

struct blocked {
	int fd;
	int kind;		/* 0 write, 1 read, 2 TIOCMIWAIT */
	volatile int started, done;
	ssize_t ret;
	int err;
	ssize_t total;
	double t_done;
};

static void *blocked_fn(void *arg)
{
	struct blocked *b = arg;
	static char buf[64 * 1024];

	b->started = 1;
	switch (b->kind) {
	case 0:
		for (;;) {
			b->ret = write(b->fd, buf, sizeof(buf));
			b->err = errno;
			if (b->ret <= 0)
				break;
			b->total += b->ret;
			if (b->ret < (ssize_t)sizeof(buf))
				break;
		}
		break;
	case 1:
		b->ret = read(b->fd, buf, sizeof(buf));
		b->err = errno;
		break;
	case 2:
		b->ret = ioctl(b->fd, TIOCMIWAIT, TIOCM_CTS | TIOCM_DSR | TIOCM_CD | TIOCM_RNG);
		b->err = errno;
		break;
	}
	b->t_done = tvs_now();
	b->done = 1;
	return NULL;
}

TEST_F_TIMEOUT(nl, busy_and_force, 60)
{
	static const char *const what[] = { "writer in write()", "reader in read()",
		"waiter in TIOCMIWAIT" };
	struct blocked b[3] = {};
	pthread_t th[3];
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl_err e;
	int fa, fb, fa2, id, i;
	double t_del;
	char portname[24];

	tnl_cfg_init(&c);
	ASSERT_EQ(0, new_pair(self, &c, &p, &e));
	id = p.id;
	fb = open_port(2 * id + 1);
	ASSERT_GE(fb, 0);
	/* one port open: EBUSY naming it, no matter how the pair is named */
	EXPECT_EQ(-EBUSY, tnl_pair_del(&self->nl, id, NULL, false, &e));
	snprintf(portname, sizeof(portname), "ttyVS%d", 2 * id + 1);
	/* 6.1 has no formatted extack: "port b" names the end instead */
	EXPECT_TRUE(e.has_msg && (strstr(e.msg, portname) || strstr(e.msg, "port b")))
		TH_LOG("extack \"%s\" names neither %s nor port b", e.msg, portname);
	EXPECT_EQ(0, tnl_pair_get(&self->nl, id, NULL, NULL, NULL));

	/* blocking users: a writer to a stalled reader, a reader, a waiter */
	fa = open_port(2 * id);
	fa2 = open_port(2 * id);
	ASSERT_GE(fa, 0);
	ASSERT_GE(fa2, 0);
	tvs_set_nonblock(fa, false);
	tvs_set_nonblock(fa2, false);
	tvs_set_nonblock(fb, false);
	b[0].fd = fa;
	b[0].kind = 0;
	b[1].fd = fa2;
	b[1].kind = 1;
	b[2].fd = fb;
	b[2].kind = 2;
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, blocked_fn, &b[i]));
	tvs_msleep(500);
	for (i = 0; i < 3; i++) {
		struct blocked *bi = &b[i];

		EXPECT_FALSE(bi->done) TH_LOG("%s returned early: %zd (%s)", what[i], bi->ret, strerror(bi->err));
	}

	EXPECT_EQ(-EBUSY, tnl_pair_del(&self->nl, id, NULL, false, &e));
	t_del = tvs_now();
	ASSERT_EQ(0, tnl_pair_del(&self->nl, id, NULL, true, &e)) TH_LOG("force: %s (%s)", strerror(-e.err), e.msg);
	forget_pair(self, id);
	for (i = 0; i < 3; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 5;
		if (pthread_timedjoin_np(th[i], NULL, &ts)) {
			TH_LOG("%s still blocked 5 s after the forced delete", what[i]);
			EXPECT_TRUE(0);
			/* do not close the fds under it; let the harness clean up */
			pthread_detach(th[i]);
			continue;
		}
		TH_LOG("%s returned %zd (%s) after %.0f ms", what[i], b[i].ret,
		       b[i].ret < 0 ? strerror(b[i].err) : "ok", (b[i].t_done - t_del) * 1000);
		EXPECT_LT(b[i].t_done - t_del, 2.0);
		if (b[i].ret < 0)
			EXPECT_EQ(EIO, b[i].err);
		if (i == 2)
			EXPECT_EQ(-1, b[i].ret) TH_LOG("TIOCMIWAIT must fail with EIO on hangup");
	}
	/* hung-up fds: read 0 or EIO, write EIO */
	{
		char x;
		ssize_t r = read(fa, &x, 1);

		EXPECT_TRUE(r == 0 || (r < 0 && errno == EIO)) TH_LOG("read after hangup: %zd %m", r);
		errno = 0;
		EXPECT_EQ(-1, write(fb, "x", 1));
		EXPECT_EQ(EIO, errno);
	}
	EXPECT_TRUE(wait_node(2 * id, false, 3000)) TH_LOG("/dev/ttyVS%d still there", 2 * id);
	EXPECT_TRUE(wait_node(2 * id + 1, false, 3000)) TH_LOG("/dev/ttyVS%d still there", 2 * id + 1);
	EXPECT_EQ(-ENOENT, tnl_pair_get(&self->nl, id, NULL, NULL, NULL));
	close(fa);
	close(fa2);
	close(fb);
	/* the id is reusable once the hung-up fds are closed */
	tnl_cfg_init(&c);
	c.id = id;
	t_del = tvs_now();
	while (new_pair(self, &c, &p, &e) == -EEXIST && tvs_now() - t_del < 3 * tvs_slow())
		tvs_msleep(20);
	EXPECT_EQ(0, e.err) TH_LOG("re-create id %d 3 s after the last close: %s (%s)", id,
				   strerror(-e.err), e.msg);
}

/* ------------------------------------------------------------------ */
/* wiring */

static const struct {
	int wire;	/* TTYVS_A_WIRE_* */
	int tiocm;	/* TIOCM_* of that input */
	int line;	/* TTYVS_LINE_* */
} inputs[] = {
	{ TTYVS_A_WIRE_CTS, TIOCM_CTS, TTYVS_LINE_CTS },
	{ TTYVS_A_WIRE_DSR, TIOCM_DSR, TTYVS_LINE_DSR },
	{ TTYVS_A_WIRE_DCD, TIOCM_CD, TTYVS_LINE_DCD },
	{ TTYVS_A_WIRE_RI, TIOCM_RNG, TTYVS_LINE_RI },
};

/* Expected input level for a source, given the peer's outputs and state. */
static int expect_level(int src, int peer_tiocm, bool peer_open)
{
	int inv = !!(src & TTYVS_WIRE_INVERT), v = 0;

	switch (src & ~TTYVS_WIRE_INVERT) {
	case TTYVS_WIRE_OFF:
		v = 0;
		break;
	case TTYVS_WIRE_ON:
		v = 1;
		break;
	case TTYVS_WIRE_PEER_RTS:
		v = !!(peer_tiocm & TIOCM_RTS);
		break;
	case TTYVS_WIRE_PEER_DTR:
		v = !!(peer_tiocm & TIOCM_DTR);
		break;
	case TTYVS_WIRE_PEER_OUT1:
		v = !!(peer_tiocm & TIOCM_OUT1);
		break;
	case TTYVS_WIRE_PEER_OUT2:
		v = !!(peer_tiocm & TIOCM_OUT2);
		break;
	case TTYVS_WIRE_PEER_OPEN:
		v = peer_open;
		break;
	}
	return v ^ inv;
}

static const char *src_name(int src)
{
	static const char *const n[] = { "off", "on", "peer-rts", "peer-dtr",
		"peer-out1", "peer-out2", "peer-open" };
	static char buf[32];

	snprintf(buf, sizeof(buf), "%s%s", n[src & 0x7f], src & TTYVS_WIRE_INVERT ? "|invert" : "");
	return buf;
}

/*
 * Check every input of the port behind fd against src, for the peer
 * outputs set to each of the patterns. Returns the number of mismatches.
 */
static int check_inputs(struct __test_metadata *_metadata, struct tnl *nl,
			int fd, int idx, int peer_fd, int src)
{
	static const int pats[] = { 0, TIOCM_DTR, TIOCM_RTS, TIOCM_OUT1, TIOCM_OUT2,
		TIOCM_DTR | TIOCM_RTS | TIOCM_OUT1 | TIOCM_OUT2 };
	const int all = TIOCM_DTR | TIOCM_RTS | TIOCM_OUT1 | TIOCM_OUT2;
	unsigned int k, i;
	int bad = 0;

	for (k = 0; k < ARRAY_SIZE(pats); k++) {
		int want = 0, have, mask = 0;
		struct tnl_port pt;

		if (peer_fd >= 0) {
			int clr = all & ~pats[k], set = pats[k];

			ioctl(peer_fd, TIOCMBIC, &clr);
			ioctl(peer_fd, TIOCMBIS, &set);
		} else if (k) {
			break;	/* peer closed: its outputs are not ours to set */
		}
		for (i = 0; i < ARRAY_SIZE(inputs); i++) {
			mask |= inputs[i].tiocm;
			if (expect_level(src, pats[k], peer_fd >= 0))
				want |= inputs[i].tiocm;
		}
		if ((src & 0x7f) == TTYVS_WIRE_PEER_RTS || (src & 0x7f) == TTYVS_WIRE_PEER_DTR ||
		    (src & 0x7f) == TTYVS_WIRE_PEER_OUT1 || (src & 0x7f) == TTYVS_WIRE_PEER_OUT2) {
			if (peer_fd < 0)
				break;	/* a closed peer's outputs: not specified */
		}
		have = tvs_wait_modem(fd, mask, want, 1000);
		if (have < 0 || (have & mask) != want) {
			TH_LOG("ttyVS%d source %s, peer %s outputs %#x: inputs %#x, want %#x",
			       idx, src_name(src), peer_fd >= 0 ? "open" : "closed", pats[k],
			       have & mask, want);
			bad++;
		}
		/* the netlink view agrees */
		if (!tnl_port_get(nl, idx, NULL, &pt, NULL)) {
			int lw = 0;

			for (i = 0; i < ARRAY_SIZE(inputs); i++)
				if (want & inputs[i].tiocm)
					lw |= inputs[i].line;
			if ((pt.lines_in & 0xf0) != (uint32_t)lw) {
				TH_LOG("ttyVS%d source %s: port-get lines-in %#x, want %#x",
				       idx, src_name(src), pt.lines_in, lw);
				bad++;
			}
			for (i = 0; i < ARRAY_SIZE(inputs); i++)
				if (pt.wire[inputs[i].wire] != src) {
					TH_LOG("ttyVS%d: port-wiring %d is %#x, want %#x", idx,
					       inputs[i].wire, pt.wire[inputs[i].wire], src);
					bad++;
				}
		}
	}
	return bad;
}

TEST_F_TIMEOUT(nl, wiring_every_source, 120)
{
	int src, inv, bad = 0;

	for (inv = 0; inv <= TTYVS_WIRE_INVERT; inv += TTYVS_WIRE_INVERT) {
		for (src = TTYVS_WIRE_OFF; src <= TTYVS_WIRE_SRC_MAX; src++) {
			struct tnl_pair_cfg c;
			struct tnl_pair p;
			struct tnl_err e;
			int fa, fb, i, w = src | inv;

			tnl_cfg_init(&c);
			for (i = 1; i <= TTYVS_A_WIRE_MAX; i++)
				c.wiring_a[i] = c.wiring_b[i] = w;
			ASSERT_EQ(0, new_pair(self, &c, &p, &e))
				TH_LOG("wiring %s: %s (%s)", src_name(w), strerror(-e.err), e.msg);
			fa = open_port(p.port[0].index);
			ASSERT_GE(fa, 0);
			/* peer closed */
			bad += check_inputs(_metadata, &self->nl, fa, p.port[0].index, -1, w);
			fb = open_port(p.port[1].index);
			ASSERT_GE(fb, 0);
			bad += check_inputs(_metadata, &self->nl, fa, p.port[0].index, fb, w);
			bad += check_inputs(_metadata, &self->nl, fb, p.port[1].index, fa, w);
			close(fb);
			/* peer closed again */
			bad += check_inputs(_metadata, &self->nl, fa, p.port[0].index, -1, w);
			close(fa);
			ASSERT_EQ(0, tnl_pair_del(&self->nl, p.id, NULL, false, &e)) TH_LOG("%s", e.msg);
			forget_pair(self, p.id);
		}
	}
	EXPECT_EQ(0, bad);
}

struct waiter {
	int fd, mask;
	volatile int done;
	int ret, err;
};

static void *miwait_fn(void *arg)
{
	struct waiter *w = arg;

	w->ret = ioctl(w->fd, TIOCMIWAIT, w->mask);
	w->err = errno;
	w->done = 1;
	return NULL;
}

static bool wait_flag(volatile int *flag, int timeout_ms)
{
	double end = tvs_now() + tvs_ms(timeout_ms) / 1000.0;

	while (!*flag && tvs_now() < end)
		tvs_msleep(2);
	return *flag;
}

TEST_F_TIMEOUT(nl, wiring_live_change, 60)
{
	struct serial_icounter_struct ic0, ic1;
	struct waiter w = {};
	struct tnl_pair_cfg c;
	struct tnl_pair p, g;
	struct tnl_port pt;
	struct tnl_err e;
	pthread_t th;
	int fa, fb, id, m;

	tnl_cfg_init(&c);
	c.name = "live-wiring";
	ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("%s", e.msg);
	id = p.id;
	fa = open_port(2 * id);
	fb = open_port(2 * id + 1);
	ASSERT_GE(fa, 0);
	ASSERT_GE(fb, 0);
	/* null-modem: peer DTR/RTS up -> CTS DSR CD, no RI */
	m = tvs_wait_modem(fa, TIOCM_CTS | TIOCM_DSR | TIOCM_CD | TIOCM_RNG,
			   TIOCM_CTS | TIOCM_DSR | TIOCM_CD, 1000);
	EXPECT_EQ(TIOCM_CTS | TIOCM_DSR | TIOCM_CD, m & (TIOCM_CTS | TIOCM_DSR | TIOCM_CD | TIOCM_RNG));
	ASSERT_EQ(0, ioctl(fa, TIOCGICOUNT, &ic0));

	/* RI on: a TIOCMIWAIT waiter on RI wakes, rng counts */
	w.fd = fa;
	w.mask = TIOCM_RNG;
	ASSERT_EQ(0, pthread_create(&th, NULL, miwait_fn, &w));
	tvs_msleep(200);
	EXPECT_FALSE(w.done);
	tnl_cfg_init(&c);
	c.id = id;
	c.wiring_a[TTYVS_A_WIRE_RI] = TTYVS_WIRE_ON;
	ASSERT_EQ(0, tnl_pair_set(&self->nl, &c, &e)) TH_LOG("pair-set: %s (%s)", strerror(-e.err), e.msg);
	EXPECT_TRUE(wait_flag(&w.done, 2000)) TH_LOG("TIOCMIWAIT(RNG) did not wake on the wiring change");
	if (!w.done) {
		int clr = TIOCM_RTS;

		/* not woken: pthread_cancel is unsafe in ioctl; end it via a CTS change */
		ioctl(fb, TIOCMBIC, &clr);
	}
	pthread_join(th, NULL);
	EXPECT_EQ(0, w.ret);
	m = tvs_modem(fa);
	EXPECT_TRUE(m & TIOCM_RNG);
	EXPECT_TRUE(m & TIOCM_DSR);	/* partial wiring: others unchanged */

	/* CTS off (peer RTS is up): CTS falls, cts counts; by name */
	tnl_cfg_init(&c);
	c.name = "live-wiring";
	c.wiring_a[TTYVS_A_WIRE_CTS] = TTYVS_WIRE_OFF;
	c.wiring_a[TTYVS_A_WIRE_DCD] = TTYVS_WIRE_PEER_DTR | TTYVS_WIRE_INVERT;
	ASSERT_EQ(0, tnl_pair_set(&self->nl, &c, &e)) TH_LOG("pair-set by name: %s (%s)", strerror(-e.err), e.msg);
	m = tvs_wait_modem(fa, TIOCM_CTS | TIOCM_CD, 0, 1000);
	EXPECT_EQ(0, m & (TIOCM_CTS | TIOCM_CD));
	EXPECT_TRUE(m & TIOCM_DSR);
	ASSERT_EQ(0, ioctl(fa, TIOCGICOUNT, &ic1));
	EXPECT_GE(ic1.rng - ic0.rng, 1) TH_LOG("icount.rng %d -> %d", ic0.rng, ic1.rng);
	EXPECT_GE(ic1.cts - ic0.cts, 1) TH_LOG("icount.cts %d -> %d", ic0.cts, ic1.cts);
	EXPECT_GE(ic1.dcd - ic0.dcd, 1) TH_LOG("icount.dcd %d -> %d", ic0.dcd, ic1.dcd);
	EXPECT_EQ(ic1.dsr, ic0.dsr);
	/* the inverted DCD follows the peer's DTR */
	{
		int d = TIOCM_DTR;

		ioctl(fb, TIOCMBIC, &d);
		m = tvs_wait_modem(fa, TIOCM_CD | TIOCM_DSR, TIOCM_CD, 1000);
		EXPECT_EQ(TIOCM_CD, m & (TIOCM_CD | TIOCM_DSR));
		ioctl(fb, TIOCMBIS, &d);
	}
	/* the other end is untouched */
	m = tvs_modem(fb);
	EXPECT_EQ(TIOCM_CTS | TIOCM_DSR | TIOCM_CD, m & (TIOCM_CTS | TIOCM_DSR | TIOCM_CD | TIOCM_RNG));

	ASSERT_EQ(0, tnl_port_get(&self->nl, 2 * id, NULL, &pt, NULL));
	EXPECT_EQ(TTYVS_WIRE_OFF, pt.wire[TTYVS_A_WIRE_CTS]);
	EXPECT_EQ(TTYVS_WIRE_PEER_DTR, pt.wire[TTYVS_A_WIRE_DSR]);
	EXPECT_EQ(TTYVS_WIRE_PEER_DTR | TTYVS_WIRE_INVERT, pt.wire[TTYVS_A_WIRE_DCD]);
	EXPECT_EQ(TTYVS_WIRE_ON, pt.wire[TTYVS_A_WIRE_RI]);
	EXPECT_EQ(TTYVS_LINE_DSR | TTYVS_LINE_RI, pt.lines_in);
	EXPECT_EQ((uint64_t)(ic1.cts), pt.icount[TTYVS_A_ICOUNT_CTS]);

	/* other settings: buffer size, baud emulation; loopback is fixed */
	tnl_cfg_init(&c);
	c.id = id;
	c.buf_size = 65536;
	c.baud_emulation = 1;
	ASSERT_EQ(0, tnl_pair_set(&self->nl, &c, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(0, tnl_pair_get(&self->nl, id, NULL, &g, NULL));
	EXPECT_EQ(65536U, g.buf_size);
	EXPECT_EQ(1, g.baud_emulation);
	{
		struct tnl_msg msg;

		tnl_msg_init(&msg, &self->nl, TTYVS_CMD_PAIR_SET, NLM_F_ACK);
		tnl_put_u32(&msg, TTYVS_A_PAIR_ID, id);
		tnl_put_flag(&msg, TTYVS_A_PAIR_LOOPBACK);
		EXPECT_EQ(-EINVAL, tnl_do(&self->nl, &msg, NULL, NULL, &e));
		EXPECT_TRUE(e.has_msg && e.msg[0]);
	}
	tnl_cfg_init(&c);
	c.id = 99999;
	c.baud_emulation = 0;
	EXPECT_EQ(-ENOENT, tnl_pair_set(&self->nl, &c, &e));
	close(fa);
	close(fb);
}

TEST_F(nl, loopback)
{
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl_err e;
	char buf[16];
	int fd, m, bits, idx;

	tnl_cfg_init(&c);
	c.loopback = true;
	c.wiring_b[TTYVS_A_WIRE_CTS] = TTYVS_WIRE_ON;
	EXPECT_EQ(-EINVAL, new_pair(self, &c, NULL, &e)) TH_LOG("loopback with wiring-b accepted");
	EXPECT_TRUE(e.has_msg && e.msg[0]);

	tnl_cfg_init(&c);
	c.loopback = true;
	ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("%s (%s)", strerror(-e.err), e.msg);
	EXPECT_TRUE(p.loopback);
	EXPECT_EQ(1, p.nports);
	idx = p.port[0].index;
	EXPECT_EQ(2 * p.id, (uint32_t)idx);
	fd = open_port(idx);
	ASSERT_GE(fd, 0);
	tvs_msleep(100);
	EXPECT_FALSE(path_exists(idx + 1)) TH_LOG("loopback pair has /dev/ttyVS%d", idx + 1);

	ASSERT_EQ(5, write(fd, "hello", 5));
	ASSERT_EQ(5, tvs_read_exact(fd, buf, 5, 2000));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	/* RTS -> CTS, DTR -> DSR + DCD on itself */
	bits = TIOCM_RTS | TIOCM_DTR;
	ASSERT_EQ(0, ioctl(fd, TIOCMBIC, &bits));
	m = tvs_wait_modem(fd, TIOCM_CTS | TIOCM_DSR | TIOCM_CD, 0, 1000);
	EXPECT_EQ(0, m & (TIOCM_CTS | TIOCM_DSR | TIOCM_CD));
	bits = TIOCM_RTS;
	ASSERT_EQ(0, ioctl(fd, TIOCMBIS, &bits));
	m = tvs_wait_modem(fd, TIOCM_CTS | TIOCM_DSR | TIOCM_CD, TIOCM_CTS, 1000);
	EXPECT_EQ(TIOCM_CTS, m & (TIOCM_CTS | TIOCM_DSR | TIOCM_CD));
	bits = TIOCM_DTR;
	ASSERT_EQ(0, ioctl(fd, TIOCMBIS, &bits));
	m = tvs_wait_modem(fd, TIOCM_CTS | TIOCM_DSR | TIOCM_CD, TIOCM_CTS | TIOCM_DSR | TIOCM_CD, 1000);
	EXPECT_EQ(TIOCM_CTS | TIOCM_DSR | TIOCM_CD, m & (TIOCM_CTS | TIOCM_DSR | TIOCM_CD));
	EXPECT_EQ(0, m & TIOCM_RNG);

	/* a port-get of the only port */
	{
		struct tnl_port pt;

		ASSERT_EQ(0, tnl_port_get(&self->nl, idx, NULL, &pt, NULL));
		EXPECT_EQ(1U, pt.open_count);
		EXPECT_EQ(5U, pt.icount[TTYVS_A_ICOUNT_RX]);
		EXPECT_EQ(5U, pt.icount[TTYVS_A_ICOUNT_TX]);
		EXPECT_EQ(-ENOENT, tnl_port_get(&self->nl, idx + 1, NULL, NULL, NULL));
	}
	EXPECT_EQ(-EBUSY, tnl_pair_del(&self->nl, p.id, NULL, false, &e));
	close(fd);
	EXPECT_EQ(0, tnl_pair_del(&self->nl, p.id, NULL, false, &e)) TH_LOG("%s", e.msg);
	forget_pair(self, p.id);
	EXPECT_TRUE(wait_node(idx, false, 3000));
}

/* Bytes a nonblocking writer gets accepted by a stalled reader. */
static long fill_until_eagain(int wfd)
{
	char buf[256];
	long total = 0;
	int quiet = 0;

	memset(buf, 'x', sizeof(buf));
	/* a short pause lets deferred pushes make room; stop after 3 EAGAINs */
	while (quiet < 3) {
		ssize_t r = write(wfd, buf, sizeof(buf));

		if (r > 0) {
			total += r;
			quiet = 0;
		} else if (r < 0 && errno == EAGAIN) {
			quiet++;
			tvs_msleep(50);
		} else {
			return -1;
		}
	}
	return total;
}

TEST_F_TIMEOUT(nl, buf_size, 60)
{
	static const long sizes[] = { 1024, 8192, 65536 };
	long got[ARRAY_SIZE(sizes)];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct tnl_pair_cfg c;
		struct tnl_pair p;
		struct tnl_err e;
		int fa, fb;

		tnl_cfg_init(&c);
		if (sizes[i] != TTYVS_BUF_SIZE_DEFAULT)
			c.buf_size = sizes[i];
		ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("%s", e.msg);
		EXPECT_EQ((uint32_t)sizes[i], p.buf_size);
		fa = open_port(p.port[0].index);
		fb = open_port(p.port[1].index);
		ASSERT_GE(fa, 0);
		ASSERT_GE(fb, 0);
		got[i] = fill_until_eagain(fa);
		TH_LOG("buf-size %ld: writer accepted %ld bytes before EAGAIN (buf + %ld)",
		       sizes[i], got[i], got[i] - sizes[i]);
		EXPECT_GE(got[i], sizes[i]);
		/* buf-size + n_tty's 4 KiB, + one flip buffer chunk of slack */
		EXPECT_LE(got[i], sizes[i] + 4096 + 2048)
			TH_LOG("a stalled reader buffers %ld bytes with buf-size %ld", got[i], sizes[i]);
		close(fa);
		close(fb);
	}
	for (i = 1; i < ARRAY_SIZE(sizes); i++)
		EXPECT_GT(got[i], got[i - 1]);
}

/* ------------------------------------------------------------------ */
/* events */

/*
 * Wait for an event of type cmd about pair_id (pair events) or port_idx
 * (port events), skipping others. Returns 0 when found, -ETIMEDOUT, or
 * -ENOBUFS when the socket overflowed.
 */
static int wait_event(struct tnl *n, uint8_t cmd, int64_t pair_id,
		      int64_t port_idx, int timeout_ms, struct tnl_pair *pair,
		      struct tnl_port *port)
{
	static char buf[TNL_BUF_SIZE];
	double end = tvs_now() + tvs_ms(timeout_ms) / 1000.0;

	for (;;) {
		int left = (int)((end - tvs_now()) * 1000), len;
		struct nlmsghdr *nlh;

		if (left <= 0)
			return -ETIMEDOUT;
		len = tnl_recv_event(n, buf, left);
		if (len < 0)
			return len;
		if (!len)
			return -ETIMEDOUT;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			struct tnl_pair p;
			struct tnl_port pt;

			if (nlh->nlmsg_type != n->family || tnl_cmd(nlh) != cmd)
				continue;
			if (cmd <= TTYVS_CMD_PAIR_CHANGE_NTF) {
				tnl_parse_pair(nlh, &p);
				if (pair_id >= 0 && p.id != pair_id)
					continue;
				if (pair)
					*pair = p;
			} else {
				tnl_parse_port(nlh, &pt);
				if (port_idx >= 0 && pt.index != port_idx)
					continue;
				if (port)
					*port = pt;
			}
			return 0;
		}
	}
}

TEST_F_TIMEOUT(nl, events_every_type, 60)
{
	struct tnl ev;
	struct tnl_pair_cfg c;
	struct tnl_pair p, ep;
	struct tnl_port pt;
	struct tnl_err e;
	struct termios t;
	int fd, id, idx, bits, r;

	ASSERT_EQ(0, tnl_open(&ev));
	ASSERT_EQ(0, tnl_subscribe(&ev));

	tnl_cfg_init(&c);
	c.name = "events";
	c.buf_size = 4096;
	ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("%s", e.msg);
	id = p.id;
	idx = p.port[0].index;
	r = wait_event(&ev, TTYVS_CMD_PAIR_NEW_NTF, id, -1, 2000, &ep, NULL);
	ASSERT_EQ(0, r) TH_LOG("no PAIR_NEW_NTF: %s", strerror(-r));
	EXPECT_STREQ("events", ep.name);
	EXPECT_EQ(4096U, ep.buf_size);
	EXPECT_EQ(2, ep.nports);
	EXPECT_EQ((uint32_t)idx, ep.port[0].index);
	EXPECT_EQ((uint32_t)idx + 1, ep.port[1].index);

	fd = open_port(idx);
	ASSERT_GE(fd, 0);
	r = wait_event(&ev, TTYVS_CMD_PORT_OPEN_NTF, -1, idx, 2000, NULL, &pt);
	ASSERT_EQ(0, r) TH_LOG("no PORT_OPEN_NTF: %s", strerror(-r));
	EXPECT_EQ(1U, pt.open_count);
	EXPECT_EQ((uint32_t)id, pt.pair_id);
	EXPECT_STREQ("events", pt.pair_name);
	EXPECT_EQ(0, pt.end);
	EXPECT_TRUE(pt.has[TTYVS_A_PORT_TERMIOS] && pt.has[TTYVS_A_PORT_ICOUNT] &&
		    pt.has[TTYVS_A_PORT_WIRING] && pt.has[TTYVS_A_PORT_LINES_OUT]);

	ASSERT_EQ(0, tcgetattr(fd, &t));
	cfsetospeed(&t, B19200);
	cfsetispeed(&t, B19200);
	t.c_cflag = (t.c_cflag & ~CSIZE) | CS7 | PARENB | PARODD | CSTOPB;
	ASSERT_EQ(0, tcsetattr(fd, TCSANOW, &t));
	/* skip one for open_port()'s raw mode if it comes separately */
	do {
		r = wait_event(&ev, TTYVS_CMD_PORT_TERMIOS_NTF, -1, idx, 2000, NULL, &pt);
	} while (!r && pt.termios[TTYVS_A_TERMIOS_BAUD] != 19200);
	ASSERT_EQ(0, r) TH_LOG("no PORT_TERMIOS_NTF with 19200 baud: %s", strerror(-r));
	EXPECT_EQ(19200U, pt.termios[TTYVS_A_TERMIOS_BAUD]);
	EXPECT_EQ(7U, pt.termios[TTYVS_A_TERMIOS_DATA_BITS]);
	EXPECT_EQ((uint32_t)TTYVS_PARITY_ODD, pt.termios[TTYVS_A_TERMIOS_PARITY]);
	EXPECT_EQ(2U, pt.termios[TTYVS_A_TERMIOS_STOP_BITS]);
	EXPECT_EQ((uint32_t)t.c_cflag, pt.termios[TTYVS_A_TERMIOS_CFLAG]);

	bits = TIOCM_DTR;
	ASSERT_EQ(0, ioctl(fd, TIOCMBIC, &bits));
	bits = TIOCM_OUT1;
	ASSERT_EQ(0, ioctl(fd, TIOCMBIS, &bits));
	r = wait_event(&ev, TTYVS_CMD_PORT_LINES_NTF, -1, idx, 2000, NULL, &pt);
	ASSERT_EQ(0, r) TH_LOG("no PORT_LINES_NTF: %s", strerror(-r));
	/* coalescing may have split the two changes; the last shows both */
	while (!(pt.lines_out & TTYVS_LINE_OUT1) &&
	       !wait_event(&ev, TTYVS_CMD_PORT_LINES_NTF, -1, idx, 500, NULL, &pt))
		;
	EXPECT_EQ(TTYVS_LINE_RTS | TTYVS_LINE_OUT1, pt.lines_out & 0xf)
		TH_LOG("lines-out %#x", pt.lines_out);

	ASSERT_EQ(0, ioctl(fd, TIOCSBRK));
	tvs_msleep(20);
	ASSERT_EQ(0, ioctl(fd, TIOCCBRK));
	r = wait_event(&ev, TTYVS_CMD_PORT_BREAK_NTF, -1, idx, 2000, NULL, &pt);
	ASSERT_EQ(0, r) TH_LOG("no PORT_BREAK_NTF: %s", strerror(-r));
	EXPECT_EQ((uint32_t)idx, pt.index);
	EXPECT_EQ(1U, pt.open_count);

	tnl_cfg_init(&c);
	c.id = id;
	c.buf_size = 16384;
	c.wiring_b[TTYVS_A_WIRE_RI] = TTYVS_WIRE_ON;
	ASSERT_EQ(0, tnl_pair_set(&self->nl, &c, &e)) TH_LOG("%s", e.msg);
	r = wait_event(&ev, TTYVS_CMD_PAIR_CHANGE_NTF, id, -1, 2000, &ep, NULL);
	ASSERT_EQ(0, r) TH_LOG("no PAIR_CHANGE_NTF: %s", strerror(-r));
	EXPECT_EQ(16384U, ep.buf_size);
	EXPECT_EQ(TTYVS_WIRE_ON, ep.port[1].wire[TTYVS_A_WIRE_RI]);
	EXPECT_EQ(TTYVS_WIRE_OFF, ep.port[0].wire[TTYVS_A_WIRE_RI]);

	close(fd);
	r = wait_event(&ev, TTYVS_CMD_PORT_CLOSE_NTF, -1, idx, 2000, NULL, &pt);
	ASSERT_EQ(0, r) TH_LOG("no PORT_CLOSE_NTF: %s", strerror(-r));
	EXPECT_EQ(0U, pt.open_count);

	ASSERT_EQ(0, tnl_pair_del(&self->nl, id, NULL, false, &e)) TH_LOG("%s", e.msg);
	forget_pair(self, id);
	r = wait_event(&ev, TTYVS_CMD_PAIR_DEL_NTF, id, -1, 2000, &ep, NULL);
	ASSERT_EQ(0, r) TH_LOG("no PAIR_DEL_NTF: %s", strerror(-r));
	EXPECT_EQ((uint32_t)id, ep.id);
	EXPECT_STREQ("events", ep.name);

	/* a forced delete of an open port: close notification, then del */
	tnl_cfg_init(&c);
	ASSERT_EQ(0, new_pair(self, &c, &p, &e));
	fd = open_port(p.port[1].index);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, wait_event(&ev, TTYVS_CMD_PORT_OPEN_NTF, -1, p.port[1].index, 2000, NULL, NULL));
	ASSERT_EQ(0, tnl_pair_del(&self->nl, p.id, NULL, true, &e));
	forget_pair(self, p.id);
	EXPECT_EQ(0, wait_event(&ev, TTYVS_CMD_PAIR_DEL_NTF, p.id, -1, 2000, NULL, NULL));
	close(fd);
	tnl_close(&ev);
}

TEST_F_TIMEOUT(nl, event_storm_coalesced, 120)
{
	const int N = 10001;	/* odd: DTR ends low */
	static char buf[TNL_BUF_SIZE];
	struct tnl ev;
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl_port last = {}, lastb = {};
	struct tnl_err e;
	int fd, idx, i, bits = TIOCM_DTR, na = 0, nb = 0, overflow = 0;
	double t0, dt;

	ASSERT_EQ(0, tnl_open(&ev));
	ASSERT_EQ(0, tnl_subscribe(&ev));
	tnl_cfg_init(&c);
	ASSERT_EQ(0, new_pair(self, &c, &p, &e));
	idx = p.port[0].index;
	fd = open_port(idx);
	ASSERT_GE(fd, 0);
	tvs_msleep(100);
	while (tnl_recv_event(&ev, buf, 100) > 0)
		;	/* drain the open's events */

	t0 = tvs_now();
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, ioctl(fd, (i & 1) ? TIOCMBIS : TIOCMBIC, &bits));
	dt = tvs_now() - t0;
	EXPECT_EQ(0, tvs_modem(fd) & TIOCM_DTR);

	for (;;) {
		int len = tnl_recv_event(&ev, buf, 500);
		struct nlmsghdr *nlh;

		if (len == -ENOBUFS) {
			overflow++;
			continue;
		}
		if (len <= 0)
			break;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			struct tnl_port pt;

			if (nlh->nlmsg_type != ev.family || tnl_cmd(nlh) != TTYVS_CMD_PORT_LINES_NTF)
				continue;
			tnl_parse_port(nlh, &pt);
			if (pt.index == (uint32_t)idx) {
				na++;
				last = pt;
			} else if (pt.index == (uint32_t)idx + 1) {
				nb++;
				lastb = pt;
			}
		}
	}
	TH_LOG("%d DTR toggles in %.3f s: %d PORT_LINES_NTF for the port (1 per %.0f toggles), %d for its peer",
	       N, dt, na, na ? (double)N / na : 0.0, nb);
	printf("# METRIC storm_toggles=%d storm_seconds=%.3f lines_ntf=%d coalescing_ratio=%.1f\n",
	       N, dt, na, na ? (double)N / na : 0.0);
	EXPECT_EQ(0, overflow) TH_LOG("event socket overflowed (ENOBUFS)");
	ASSERT_GE(na, 1);
	EXPECT_LT(na, N / 10);
	/* bounded by the 10 ms window (+ slack for scheduling) */
	EXPECT_LE(na, (int)(dt * 100) + 20);
	EXPECT_EQ(0U, last.lines_out & TTYVS_LINE_DTR) TH_LOG("last LINES_NTF shows DTR up");
	EXPECT_TRUE(last.lines_out & TTYVS_LINE_RTS);
	if (nb) {
		EXPECT_EQ(0U, lastb.lines_in & (TTYVS_LINE_DSR | TTYVS_LINE_DCD))
			TH_LOG("peer's last LINES_NTF lines-in %#x", lastb.lines_in);
		EXPECT_LT(nb, N / 10);
	}
	close(fd);
	tnl_close(&ev);
}

/* ------------------------------------------------------------------ */
/* unprivileged callers */

static int unpriv_child(int ready_fd, int go_fd, int new_id)
{
	struct tnl n;
	struct tnl_pair_cfg c;
	struct tnl_err e;
	int bad = 0, r;
	char x;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		printf("# unpriv: cannot become uid %d: %m\n", NOBODY);
		return 2;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	r = tnl_open(&n);
	if (r) {
		printf("# unpriv: netlink open/resolve: %s\n", strerror(-r));
		return 3;
	}
#define CHECK(cond, ...) do { if (!(cond)) { printf("# unpriv: " __VA_ARGS__); printf("\n"); bad++; } } while (0)
	tnl_cfg_init(&c);
	r = tnl_pair_new(&n, &c, NULL, &e);
	CHECK(r == -EPERM, "PAIR_NEW: %d (%s), want -EPERM", r, strerror(-r));
	r = tnl_pair_del(&n, 0, NULL, false, &e);
	CHECK(r == -EPERM, "PAIR_DEL: %d (%s), want -EPERM", r, strerror(-r));
	r = tnl_pair_del(&n, 0, NULL, true, &e);
	CHECK(r == -EPERM, "PAIR_DEL force: %d (%s), want -EPERM", r, strerror(-r));
	c.id = 0;
	c.baud_emulation = 0;
	r = tnl_pair_set(&n, &c, &e);
	CHECK(r == -EPERM, "PAIR_SET: %d (%s), want -EPERM", r, strerror(-r));
	r = tnl_pair_dump(&n, NULL, 0);
	CHECK(r >= 2, "PAIR_GET dump: %d", r);
	r = tnl_port_dump(&n, NULL, 0);
	CHECK(r >= 4, "PORT_GET dump: %d", r);
	r = tnl_pair_get(&n, 0, NULL, NULL, NULL);
	CHECK(r == 0, "PAIR_GET do: %d", r);
	r = tnl_port_get(&n, -1, "ttyVS1", NULL, NULL);
	CHECK(r == 0, "PORT_GET do: %d", r);
	r = tnl_subscribe(&n);
	CHECK(r == 0, "subscribe to events: %s", strerror(-r));
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &x, 1) != 1)
		return 4;
	if (!r) {
		r = wait_event(&n, TTYVS_CMD_PAIR_NEW_NTF, new_id, -1, 3000, NULL, NULL);
		CHECK(r == 0, "no PAIR_NEW_NTF for pair %d: %s", new_id, strerror(-r));
	}
	tnl_close(&n);
	return bad ? 1 : 0;
#undef CHECK
}

TEST_F_TIMEOUT(nl, unprivileged, 60)
{
	struct tnl_pair_cfg c;
	struct tnl_err e;
	int ready[2], go[2], status, before;
	pid_t pid;
	char x;

	before = count_pairs(&self->nl);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		fflush(stdout);
		_exit(unpriv_child(ready[1], go[0], 777));
	}
	ASSERT_EQ(1, read(ready[0], &x, 1)) TH_LOG("child died before subscribing");
	tnl_cfg_init(&c);
	c.id = 777;
	EXPECT_EQ(0, new_pair(self, &c, NULL, &e)) TH_LOG("%s", e.msg);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* nothing changed: default pairs intact, baud emulation untouched */
	EXPECT_EQ(before + 1, count_pairs(&self->nl));
	EXPECT_EQ(0, tnl_pair_get(&self->nl, 0, NULL, NULL, NULL));
}

/* ------------------------------------------------------------------ */
/* malformed requests */

struct bad_case {
	const char *what;
	uint8_t cmd;
	int want1, want2;	/* accepted errors */
	const char *word;	/* the extack should name this ... */
	int mark;		/* ... or point at the attribute built with mark */
};

static void check_bad(struct __test_metadata *_metadata, struct tnl *n,
		      struct tnl_msg *m, int mark_off, const struct bad_case *bc,
		      int *bad)
{
	struct tnl_err e;
	int r = tnl_do(n, m, NULL, NULL, &e);

	if (r != bc->want1 && r != bc->want2) {
		TH_LOG("%s: got %d (%s), want %d or %d", bc->what, r, strerror(-r), bc->want1, bc->want2);
		(*bad)++;
		return;
	}
	if (!e.has_msg || !e.msg[0]) {
		TH_LOG("%s: %s without an extack message%s", bc->what, strerror(-r),
		       e.has_miss ? " (only NLMSGERR_ATTR_MISS_TYPE)" : "");
		(*bad)++;
		return;
	}
	if ((bc->word || mark_off > 0) && !names_attr(&e, mark_off, bc->word)) {
		TH_LOG("%s: extack \"%s\" (offs %s %u, want %d) does not name the attribute",
		       bc->what, e.msg, e.has_offs ? "" : "none", e.offs, mark_off);
		(*bad)++;
		return;
	}
	TH_LOG("%s: %s, \"%s\"%s", bc->what, strerror(-r), e.msg, e.has_offs ? " (+offset)" : "");
}

TEST_F(nl, malformed)
{
	struct tnl_msg m;
	int bad = 0, off, before = count_pairs(&self->nl);
	char longname[64], buf2[2] = { 1, 0 };
	struct bad_case bc;

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;

#define BAD(_what, _cmd, _w1, _w2, _word) \
	(bc = (struct bad_case){ .what = _what, .cmd = _cmd, .want1 = _w1, .want2 = _w2, .word = _word }, \
	 tnl_msg_init(&m, &self->nl, _cmd, NLM_F_ACK), off = 0)
#define RUN() check_bad(_metadata, &self->nl, &m, off, &bc, &bad)

	BAD("pair-del without id or name", TTYVS_CMD_PAIR_DEL, -EINVAL, -EINVAL, "id");
	RUN();
	BAD("pair-get do without id or name", TTYVS_CMD_PAIR_GET, -EINVAL, -EINVAL, "id");
	RUN();
	BAD("pair-set without id or name", TTYVS_CMD_PAIR_SET, -EINVAL, -EINVAL, "id");
	tnl_put_u8(&m, TTYVS_A_PAIR_BAUD_EMULATION, 0);
	RUN();
	BAD("port-get do without index or name", TTYVS_CMD_PORT_GET, -EINVAL, -EINVAL, "index");
	RUN();

	BAD("pair-new name of 63 chars", TTYVS_CMD_PAIR_NEW, -EINVAL, -ERANGE, "name");
	off = tnl_put_str(&m, TTYVS_A_PAIR_NAME, longname);
	RUN();
	BAD("pair-new name without NUL", TTYVS_CMD_PAIR_NEW, -EINVAL, -EINVAL, "name");
	off = tnl_put(&m, TTYVS_A_PAIR_NAME, "abc", 3);
	RUN();
	BAD("pair-new u32 buf-size with 2 bytes", TTYVS_CMD_PAIR_NEW, -EINVAL, -ERANGE, "buf");
	off = tnl_put(&m, TTYVS_A_PAIR_BUF_SIZE, buf2, 2);
	RUN();
	BAD("pair-del u32 id with 1 byte", TTYVS_CMD_PAIR_DEL, -EINVAL, -ERANGE, "id");
	off = tnl_put(&m, TTYVS_A_PAIR_ID, buf2, 1);
	RUN();
	BAD("pair-del u32 id with 8 bytes", TTYVS_CMD_PAIR_DEL, -EINVAL, -ERANGE, "id");
	off = tnl_put_u64(&m, TTYVS_A_PAIR_ID, 5);
	RUN();
	BAD("pair-new unknown attribute TTYVS_A_MAX + 1", TTYVS_CMD_PAIR_NEW, -EINVAL, -EINVAL, "attribute");
	off = tnl_put_u32(&m, TTYVS_A_MAX + 1, 1);
	RUN();
	BAD("pair-get unknown attribute 0x7fff", TTYVS_CMD_PAIR_GET, -EINVAL, -EINVAL, "attribute");
	tnl_put_u32(&m, TTYVS_A_PAIR_ID, 0);
	off = tnl_put_u32(&m, 0x7fff, 1);
	RUN();
	BAD("pair-new attribute type 0", TTYVS_CMD_PAIR_NEW, -EINVAL, -EINVAL, "attribute");
	off = tnl_put_u32(&m, 0, 1);
	RUN();
	BAD("pair-del bad id", TTYVS_CMD_PAIR_DEL, -ENOENT, -ENOENT, NULL);
	tnl_put_u32(&m, TTYVS_A_PAIR_ID, 99999);
	RUN();
	BAD("pair-get bad id", TTYVS_CMD_PAIR_GET, -ENOENT, -ENOENT, NULL);
	tnl_put_u32(&m, TTYVS_A_PAIR_ID, 0xffffffff);
	RUN();
	BAD("pair-get unknown name", TTYVS_CMD_PAIR_GET, -ENOENT, -ENOENT, NULL);
	tnl_put_str(&m, TTYVS_A_PAIR_NAME, "no-such-pair");
	RUN();
	BAD("port-get bad index", TTYVS_CMD_PORT_GET, -ENOENT, -ENOENT, NULL);
	tnl_put_u32(&m, TTYVS_A_PORT_INDEX, 99999);
	RUN();
	BAD("port-get bad name", TTYVS_CMD_PORT_GET, -ENOENT, -EINVAL, NULL);
	tnl_put_str(&m, TTYVS_A_PORT_NAME, "ttyS0");
	RUN();
	BAD("pair-new wiring source 7", TTYVS_CMD_PAIR_NEW, -EINVAL, -ERANGE, "wir");
	tnl_nest_start(&m, TTYVS_A_PAIR_WIRING_A);
	off = tnl_put_u8(&m, TTYVS_A_WIRE_CTS, TTYVS_WIRE_SRC_MAX + 1);
	tnl_nest_end(&m);
	RUN();
	BAD("pair-new wiring source 0x87", TTYVS_CMD_PAIR_NEW, -EINVAL, -ERANGE, "wir");
	tnl_nest_start(&m, TTYVS_A_PAIR_WIRING_B);
	off = tnl_put_u8(&m, TTYVS_A_WIRE_RI, TTYVS_WIRE_INVERT | (TTYVS_WIRE_SRC_MAX + 1));
	tnl_nest_end(&m);
	RUN();
	BAD("pair-new wiring bit 0x40", TTYVS_CMD_PAIR_NEW, -EINVAL, -ERANGE, "wir");
	tnl_nest_start(&m, TTYVS_A_PAIR_WIRING_A);
	off = tnl_put_u8(&m, TTYVS_A_WIRE_DSR, 0x40 | TTYVS_WIRE_ON);
	tnl_nest_end(&m);
	RUN();
	BAD("pair-set wiring source 200", TTYVS_CMD_PAIR_SET, -EINVAL, -ERANGE, "wir");
	tnl_put_u32(&m, TTYVS_A_PAIR_ID, 0);
	tnl_nest_start(&m, TTYVS_A_PAIR_WIRING_A);
	off = tnl_put_u8(&m, TTYVS_A_WIRE_DCD, 200);
	tnl_nest_end(&m);
	RUN();
	BAD("pair-new unknown wire attribute", TTYVS_CMD_PAIR_NEW, -EINVAL, -EINVAL, "attribute");
	tnl_nest_start(&m, TTYVS_A_PAIR_WIRING_A);
	off = tnl_put_u8(&m, TTYVS_A_WIRE_MAX + 1, 1);
	tnl_nest_end(&m);
	RUN();
	BAD("pair-new wiring as u32, not a nest", TTYVS_CMD_PAIR_NEW, -EINVAL, -ERANGE, "wir");
	off = tnl_put_u32(&m, TTYVS_A_PAIR_WIRING_A, 1);
	RUN();
	BAD("pair-new buf-size 1023", TTYVS_CMD_PAIR_NEW, -ERANGE, -EINVAL, "buf");
	off = tnl_put_u32(&m, TTYVS_A_PAIR_BUF_SIZE, TTYVS_BUF_SIZE_MIN - 1);
	RUN();
	BAD("pair-new buf-size 1048577", TTYVS_CMD_PAIR_NEW, -ERANGE, -EINVAL, "buf");
	off = tnl_put_u32(&m, TTYVS_A_PAIR_BUF_SIZE, TTYVS_BUF_SIZE_MAX + 1);
	RUN();
	BAD("pair-new buf-size 0", TTYVS_CMD_PAIR_NEW, -ERANGE, -EINVAL, "buf");
	off = tnl_put_u32(&m, TTYVS_A_PAIR_BUF_SIZE, 0);
	RUN();
	BAD("pair-set buf-size 0xffffffff", TTYVS_CMD_PAIR_SET, -ERANGE, -EINVAL, "buf");
	tnl_put_u32(&m, TTYVS_A_PAIR_ID, 0);
	off = tnl_put_u32(&m, TTYVS_A_PAIR_BUF_SIZE, 0xffffffff);
	RUN();
	BAD("pair-new baud-emulation 2", TTYVS_CMD_PAIR_NEW, -ERANGE, -EINVAL, "baud");
	off = tnl_put_u8(&m, TTYVS_A_PAIR_BAUD_EMULATION, 2);
	RUN();
	BAD("pair-new loopback flag with payload", TTYVS_CMD_PAIR_NEW, -ERANGE, -EINVAL, "loopback");
	off = tnl_put_u32(&m, TTYVS_A_PAIR_LOOPBACK, 1);
	RUN();
	BAD("pair-new truncated attribute", TTYVS_CMD_PAIR_NEW, -EINVAL, -ERANGE, NULL);
	off = tnl_put_u32(&m, TTYVS_A_PAIR_BUF_SIZE, 4096);
	((struct nlattr *)(m.buf + off))->nla_len = 200;	/* past the end */
	off = 0;
	RUN();

	/* ids and buf sizes that are fine stay fine: nothing was created */
	EXPECT_EQ(0, bad) TH_LOG("%d malformed requests handled wrongly", bad);
	EXPECT_EQ(before, count_pairs(&self->nl));
	/* and the family still works */
	EXPECT_EQ(0, tnl_pair_get(&self->nl, 0, NULL, NULL, NULL));
#undef BAD
#undef RUN
}

/*
 * Forced deletes with one end open, closed afterwards, many times: the
 * closed end's state must not be touched after it is gone (a use after
 * free here shows up as timer list corruption or an oops in dmesg).
 */
TEST_F_TIMEOUT(nl, force_delete_churn, 120)
{
	int i;

	for (i = 0; i < 40; i++) {
		struct tnl_pair_cfg c;
		struct tnl_pair p;
		struct tnl_err e;
		int fd, end = i & 1, bits = TIOCM_DTR;

		tnl_cfg_init(&c);
		ASSERT_EQ(0, new_pair(self, &c, &p, &e)) TH_LOG("%s", e.msg);
		fd = open_port(p.port[end].index);
		ASSERT_GE(fd, 0);
		if (i & 2)
			ioctl(fd, TIOCMBIC, &bits);
		ASSERT_EQ(0, tnl_pair_del(&self->nl, p.id, NULL, true, &e)) TH_LOG("%s", e.msg);
		forget_pair(self, p.id);
		if (i & 4)
			tvs_msleep(15);
		close(fd);
		/* churn: reuse the memory the pair had */
		tnl_cfg_init(&c);
		if (!new_pair(self, &c, &p, NULL)) {
			tnl_pair_del(&self->nl, p.id, NULL, false, NULL);
			forget_pair(self, p.id);
		}
	}
	tvs_msleep(100);
	EXPECT_EQ(0, tnl_pair_get(&self->nl, 0, NULL, NULL, NULL));
}

/* ------------------------------------------------------------------ */
/* max_pairs as a module parameter (reloads the module; runs last) */

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

TEST_F_TIMEOUT(nl, max_pairs_param_reload, 120)
{
	const char *ko = getenv("TTYVS_KO");
	struct tnl_pair_cfg c;
	struct tnl_err e;
	struct tnl n2;
	int r, made = 0;

	if (!ko || access(ko, R_OK))
		SKIP(return, "TTYVS_KO not set to the module file (run through run_tests.sh)");
	tnl_close(&self->nl);
	self->nids = 0;
	if (sh("rmmod ttyvs 2>&1", "")) {
		tnl_open(&self->nl);
		SKIP(return, "ttyvs cannot be unloaded here (in use?)");
	}
	r = sh("insmod '%s' max_pairs=4", ko);
	ASSERT_EQ(0, r) TH_LOG("insmod max_pairs=4 failed");
	r = tnl_open(&n2);
	if (!r) {
		tnl_cfg_init(&c);
		while (!(r = tnl_pair_new(&n2, &c, NULL, &e)) && made < 10)
			made++;
		EXPECT_EQ(2, made) TH_LOG("pairs created beyond pairs=2 with max_pairs=4: %d", made);
		EXPECT_EQ(-ENOSPC, r);
		EXPECT_TRUE(e.has_msg && strstr(e.msg, "max_pairs")) TH_LOG("extack \"%s\"", e.msg);
		EXPECT_EQ(4, count_pairs(&n2));
		c.id = 3;
		EXPECT_NE(0, tnl_pair_new(&n2, &c, NULL, &e));
		c.id = 7;	/* beyond max_pairs even if there was room */
		tnl_pair_del(&n2, 3, NULL, false, NULL);
		EXPECT_NE(0, tnl_pair_new(&n2, &c, NULL, &e)) TH_LOG("id 7 accepted with max_pairs=4");
	} else {
		TH_LOG("family after reload: %s", strerror(-r));
		EXPECT_EQ(0, r);
	}
	tnl_close(&n2);
	/* back to the defaults for the next test binary */
	EXPECT_EQ(0, sh("rmmod ttyvs", ""));
	EXPECT_EQ(0, sh("insmod '%s'", ko));
	wait_node(3, true, 3000);
	tnl_open(&self->nl);
}

TEST_HARNESS_MAIN
