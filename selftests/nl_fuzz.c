// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized requests to the ttyvs netlink family: valid and invalid
 * commands (unknown numbers too), attributes of random types, lengths,
 * nesting and values, mixed with well-formed requests, sent by root and by
 * an unprivileged child. Every request must be answered (ack, error or
 * dump end) within a timeout; unprivileged mutations must all fail. At the
 * end every pair the run created is destroyed and the module's two default
 * pairs must still work.
 *
 * Environment: TTYVS_FUZZ_SEED (default: time based, printed),
 * TTYVS_FUZZ_COUNT (requests, default 10000; a quarter unprivileged).
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "ttyvs_lib.h"
#include "ttyvs_nl.h"

#define NOBODY		65534
#define MAX_LIVE	64
#define ANSWER_MS	5000

static uint64_t rng_state;

static uint32_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
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

static const char *const names[] = {
	"fz", "fz-1", "fz_2", "fz.3", "A", "x", "bad name", "", "fz/4",
	"abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz0123456",
};

struct fuzz {
	struct tnl nl;
	bool priv;
	int live[MAX_LIVE];
	int nlive;
	long sent, answered, errors, acks, timeouts, unpriv_ok;
	long by_err[140];
};

static uint32_t rand_id(struct fuzz *f)
{
	switch (rn(6)) {
	case 0:
		return rn(1100);
	case 1:
		return rnd();
	case 2:
	case 3:
		if (f->nlive)
			return f->live[rn(f->nlive)];
		/* fall through */
	default:
		return 2 + rn(40);
	}
}

static uint8_t rand_wire(void)
{
	if (chance(70))
		return rn(TTYVS_WIRE_SRC_MAX + 1) | (chance(30) ? TTYVS_WIRE_INVERT : 0);
	return rnd();
}

static void put_garbage(struct tnl_msg *m, int depth)
{
	uint8_t data[48];
	uint16_t type;
	size_t len = rn(sizeof(data)), i;

	for (i = 0; i < len; i++)
		data[i] = rnd();
	switch (rn(4)) {
	case 0:
		type = rn(0x10000);
		break;
	default:
		type = rn(TTYVS_A_MAX + 4);
		break;
	}
	if (depth < 3 && chance(25)) {
		int k, n = rn(4);

		tnl_nest_start(m, type & NLA_TYPE_MASK);
		for (k = 0; k < n; k++)
			put_garbage(m, depth + 1);
		tnl_nest_end(m);
		return;
	}
	tnl_put(m, type, data, len);
}

static void put_wiring(struct tnl_msg *m, uint16_t type)
{
	int k;

	tnl_nest_start(m, type);
	for (k = 1; k <= TTYVS_A_WIRE_MAX + 1; k++)
		if (chance(50))
			tnl_put_u8(m, chance(95) ? (uint32_t)k : rn(300), rand_wire());
	if (chance(10))
		put_garbage(m, 2);
	tnl_nest_end(m);
}

static void put_valid_attr(struct fuzz *f, struct tnl_msg *m)
{
	switch (rn(12)) {
	case 0:
		tnl_put_u32(m, TTYVS_A_PAIR_ID, rand_id(f));
		break;
	case 1:
		tnl_put_str(m, TTYVS_A_PAIR_NAME, names[rn(ARRAY_SIZE(names))]);
		break;
	case 2:
		tnl_put_flag(m, TTYVS_A_PAIR_FORCE);
		break;
	case 3:
		tnl_put_flag(m, TTYVS_A_PAIR_LOOPBACK);
		break;
	case 4:
		tnl_put_u8(m, TTYVS_A_PAIR_BAUD_EMULATION, chance(80) ? rn(2) : rnd());
		break;
	case 5:
		tnl_put_u32(m, TTYVS_A_PAIR_BUF_SIZE,
			    chance(70) ? TTYVS_BUF_SIZE_MIN + rn(TTYVS_BUF_SIZE_MAX - TTYVS_BUF_SIZE_MIN + 1)
				       : rnd());
		break;
	case 6:
		put_wiring(m, TTYVS_A_PAIR_WIRING_A);
		break;
	case 7:
		put_wiring(m, TTYVS_A_PAIR_WIRING_B);
		break;
	case 8:
		tnl_put_u32(m, TTYVS_A_PORT_INDEX, chance(50) ? rn(8) : rand_id(f) * 2 + rn(2));
		break;
	case 9: {
		char name[24];

		snprintf(name, sizeof(name), chance(80) ? "ttyVS%u" : "ttyS%u", rn(2100));
		tnl_put_str(m, TTYVS_A_PORT_NAME, name);
		break;
	}
	case 10:
		/* an output-only attribute in a request */
		tnl_put_u32(m, TTYVS_A_PAIR_PORT + rn(TTYVS_A_MAX - TTYVS_A_PAIR_PORT + 1), rnd());
		break;
	default:
		tnl_put_u32(m, TTYVS_A_PAIR_ID, rn(4));
		break;
	}
}

/* The default pairs 0 and 1 must survive: retarget mutations aimed at them. */
static void protect_defaults(struct tnl_msg *m)
{
	struct genlmsghdr *g = NLMSG_DATA(&m->hdr);
	int rem = (int)m->hdr.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_HDRLEN + GENL_HDRLEN);

	if (g->cmd != TTYVS_CMD_PAIR_DEL && g->cmd != TTYVS_CMD_PAIR_SET)
		return;
	while (rem >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) == TTYVS_A_PAIR_ID && a->nla_len >= NLA_HDRLEN + 4) {
			uint32_t *v = (uint32_t *)((char *)a + NLA_HDRLEN);

			if (*v < 2)
				*v = 2 + rn(100);
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
}

static int new_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct fuzz *f = arg;
	struct tnl_pair p;

	if (tnl_cmd(nlh) != TTYVS_CMD_PAIR_NEW || tnl_parse_pair(nlh, &p) ||
	    !p.has[TTYVS_A_PAIR_ID] || f->nlive >= MAX_LIVE)
		return 0;
	f->live[f->nlive++] = p.id;
	return 0;
}

static void drop_live(struct fuzz *f, uint32_t id)
{
	int i;

	for (i = 0; i < f->nlive; i++)
		if ((uint32_t)f->live[i] == id) {
			f->live[i] = f->live[--f->nlive];
			return;
		}
}

static void one_request(struct fuzz *f)
{
	static const uint8_t cmds[] = { TTYVS_CMD_PAIR_NEW, TTYVS_CMD_PAIR_DEL, TTYVS_CMD_PAIR_GET,
		TTYVS_CMD_PAIR_SET, TTYVS_CMD_PORT_GET };
	struct tnl_msg m;
	struct tnl_err e;
	uint8_t cmd;
	uint16_t flags = NLM_F_ACK;
	int k, n, r;
	size_t len;

	if (chance(80))
		cmd = cmds[rn(ARRAY_SIZE(cmds))];
	else if (chance(50))
		cmd = TTYVS_CMD_PAIR_NEW_NTF + rn(TTYVS_CMD_MAX - TTYVS_CMD_PAIR_NEW_NTF + 1);
	else
		cmd = chance(20) ? 0 : rn(256);
	if (f->nlive >= MAX_LIVE && f->priv)
		cmd = TTYVS_CMD_PAIR_DEL;
	if ((cmd == TTYVS_CMD_PAIR_GET || cmd == TTYVS_CMD_PORT_GET || chance(3)) && chance(30))
		flags |= NLM_F_DUMP;
	tnl_msg_init(&m, &f->nl, cmd, flags);
	if (chance(3))
		((struct genlmsghdr *)NLMSG_DATA(&m.hdr))->version = rnd();

	if (cmd == TTYVS_CMD_PAIR_DEL && f->nlive && chance(60)) {
		/* a well-formed delete of a pair this run made */
		tnl_put_u32(&m, TTYVS_A_PAIR_ID, f->live[rn(f->nlive)]);
		if (chance(50))
			tnl_put_flag(&m, TTYVS_A_PAIR_FORCE);
	} else if (cmd == TTYVS_CMD_PAIR_NEW && chance(40)) {
		/* a well-formed create, with some options */
		if (chance(30))
			tnl_put_str(&m, TTYVS_A_PAIR_NAME, names[rn(6)]);
		if (chance(20))
			tnl_put_flag(&m, TTYVS_A_PAIR_LOOPBACK);
		if (chance(20))
			tnl_put_u32(&m, TTYVS_A_PAIR_BUF_SIZE, TTYVS_BUF_SIZE_MIN << rn(11));
		if (chance(20))
			put_wiring(&m, TTYVS_A_PAIR_WIRING_A);
	} else {
		n = rn(7);
		for (k = 0; k < n; k++) {
			if (chance(60))
				put_valid_attr(f, &m);
			else
				put_garbage(&m, 0);
		}
	}
	if (f->priv)
		protect_defaults(&m);

	len = m.hdr.nlmsg_len;
	if (chance(3)) {
		/* message-level damage that still reaches genetlink */
		switch (rn(3)) {
		case 0:	/* no genl header */
			len = NLMSG_HDRLEN;
			break;
		case 1:	/* trailing bytes that are not an attribute */
			if (len + 3 < sizeof(m.buf)) {
				memset(m.buf + len, 0xa5, 3);
				len += 3;
			}
			break;
		case 2:	/* first attribute claims more than there is */
			if (len >= NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN) {
				struct nlattr *a = (struct nlattr *)(m.buf + NLMSG_HDRLEN + GENL_HDRLEN);

				a->nla_len = len + rn(100);
			}
			break;
		}
		m.hdr.nlmsg_len = len;
	}

	f->sent++;
	r = tnl_do_raw(&f->nl, m.buf, len, new_cb, f, &e);
	if (r == -ETIMEDOUT) {
		f->timeouts++;
		ksft_print_msg("request %ld (cmd %u, %zu bytes) not answered within %d ms\n",
			       f->sent, cmd, len, ANSWER_MS);
		return;
	}
	f->answered++;
	if (r) {
		f->errors++;
		if (-r > 0 && -r < (int)ARRAY_SIZE(f->by_err))
			f->by_err[-r]++;
	} else {
		f->acks++;
	}
	if (!f->priv && !r && (cmd == TTYVS_CMD_PAIR_NEW || cmd == TTYVS_CMD_PAIR_DEL ||
			       cmd == TTYVS_CMD_PAIR_SET) && !(flags & NLM_F_DUMP)) {
		f->unpriv_ok++;
		ksft_print_msg("unprivileged %s succeeded (request %ld)\n", tnl_cmd_name(cmd), f->sent);
	}
	if (!r && cmd == TTYVS_CMD_PAIR_DEL && !(flags & NLM_F_DUMP) && len == m.hdr.nlmsg_len) {
		/* which pair went away: whatever id the request named */
		struct tnl_pair tmp;
		int i;

		for (i = f->nlive - 1; i >= 0; i--)
			if (tnl_pair_get(&f->nl, f->live[i], NULL, &tmp, NULL) == -ENOENT)
				drop_live(f, f->live[i]);
	}
}

static void report(struct fuzz *f, const char *who)
{
	char buf[512];
	int i, o = 0;

	for (i = 1; i < (int)ARRAY_SIZE(f->by_err); i++)
		if (f->by_err[i])
			o += snprintf(buf + o, sizeof(buf) - o, " %s:%ld", strerrorname_np(i) ?: "?",
				      f->by_err[i]);
	buf[o] = 0;
	ksft_print_msg("%s: %ld requests, %ld answered (%ld ok, %ld errors:%s), %ld unanswered\n",
		       who, f->sent, f->answered, f->acks, f->errors, buf, f->timeouts);
}

static int run_unpriv(long count, uint64_t seed)
{
	struct fuzz f = { .priv = false };
	long i;
	int r;

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		ksft_print_msg("cannot become uid %d: %s\n", NOBODY, strerror(errno));
		return 2;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	rng_state = seed ^ 0x9e3779b97f4a7c15ULL;
	r = tnl_open(&f.nl);
	if (r) {
		ksft_print_msg("unprivileged: netlink: %s\n", strerror(-r));
		return 3;
	}
	f.nl.recv_timeout_ms = ANSWER_MS;
	for (i = 0; i < count; i++)
		one_request(&f);
	report(&f, "unprivileged");
	tnl_close(&f.nl);
	return f.timeouts || f.unpriv_ok ? 1 : 0;
}

/* Delete every pair not in keep[] (the ones present at the start). */
static int cleanup(struct tnl *nl, const struct tnl_pair *keep, int nkeep)
{
	static struct tnl_pair all[1100];
	int n = tnl_pair_dump(nl, all, 1100), i, j, bad = 0;

	if (n < 0)
		return n;
	for (i = 0; i < n && i < 1100; i++) {
		bool kept = false;

		for (j = 0; j < nkeep; j++)
			kept |= keep[j].id == all[i].id;
		if (kept)
			continue;
		if (tnl_pair_del(nl, all[i].id, NULL, true, NULL)) {
			ksft_print_msg("cannot delete pair %u\n", all[i].id);
			bad++;
		}
	}
	return bad;
}

static int check_defaults(struct tnl *nl)
{
	struct tnl_pair p;
	int i, bad = 0;

	for (i = 0; i < 2; i++) {
		char buf[4];
		int fa, fb, m;

		if (tnl_pair_get(nl, i, NULL, &p, NULL) || p.nports != 2 || p.buf_size != 8192 ||
		    p.port[0].wire[TTYVS_A_WIRE_CTS] != TTYVS_WIRE_PEER_RTS ||
		    p.port[1].wire[TTYVS_A_WIRE_DCD] != TTYVS_WIRE_PEER_DTR) {
			ksft_print_msg("default pair %d changed or missing\n", i);
			bad++;
			continue;
		}
		fa = tvs_open(2 * i, true);
		fb = tvs_open(2 * i + 1, true);
		if (fa < 0 || fb < 0 || tvs_make_raw(fa, B9600) || tvs_make_raw(fb, B9600) ||
		    write(fa, "ok!", 3) != 3 || tvs_read_exact(fb, buf, 3, 2000) != 3 ||
		    memcmp(buf, "ok!", 3)) {
			ksft_print_msg("default pair %d: data does not pass\n", i);
			bad++;
		}
		m = fb >= 0 ? tvs_wait_modem(fb, TIOCM_CTS | TIOCM_DSR | TIOCM_CD,
					    TIOCM_CTS | TIOCM_DSR | TIOCM_CD, 1000) : -1;
		if (m < 0 || (m & (TIOCM_CTS | TIOCM_DSR | TIOCM_CD)) != (TIOCM_CTS | TIOCM_DSR | TIOCM_CD)) {
			ksft_print_msg("default pair %d: ttyVS%d inputs %#x\n", i, 2 * i + 1, m);
			bad++;
		}
		if (fa >= 0)
			close(fa);
		if (fb >= 0)
			close(fb);
	}
	return bad;
}

int main(void)
{
	static struct tnl_pair keep[64];
	struct fuzz f = { .priv = true };
	const char *s;
	uint64_t seed;
	long count = 10000, nroot, nunpriv, i;
	int r, nkeep, status, bad;
	double t0;
	pid_t pid;

	ksft_print_header();
	s = getenv("TTYVS_FUZZ_SEED");
	seed = s && *s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!seed)
		seed = 1;
	s = getenv("TTYVS_FUZZ_COUNT");
	if (s && *s)
		count = strtol(s, NULL, 0);
	nunpriv = count / 4;
	nroot = count - nunpriv;

	r = tnl_open(&f.nl);
	if (r == -ENOENT)
		ksft_exit_skip("generic netlink family \"ttyvs\" not registered\n");
	if (r)
		ksft_exit_fail_msg("netlink: %s\n", strerror(-r));
	f.nl.recv_timeout_ms = ANSWER_MS;
	nkeep = tnl_pair_dump(&f.nl, keep, 64);
	if (nkeep < 2 || nkeep > 64)
		ksft_exit_skip("expected the module's 2 default pairs, found %d\n", nkeep);

	ksft_set_plan(3);
	ksft_print_msg("seed %llu (TTYVS_FUZZ_SEED=%llu to repeat), %ld requests\n",
		       (unsigned long long)seed, (unsigned long long)seed, count);
	rng_state = seed;

	t0 = tvs_now();
	for (i = 0; i < nroot; i++) {
		one_request(&f);
		if (i % 2000 == 1999 && tnl_pair_get(&f.nl, 0, NULL, NULL, NULL))
			ksft_print_msg("pair 0 gone after request %ld\n", f.sent);
	}
	report(&f, "root");
	ksft_print_msg("root: %.1f s, %d pairs of this run alive\n", tvs_now() - t0, f.nlive);
	ksft_test_result(f.timeouts == 0 && f.answered == nroot, "root: %ld random requests all answered\n",
			 nroot);

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		fflush(stdout);
		r = run_unpriv(nunpriv, seed);
		fflush(stdout);	/* its report, before _exit() */
		_exit(r);
	}
	r = waitpid(pid, &status, 0);
	ksft_test_result(r == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "unprivileged: %ld random requests answered, no mutation allowed\n", nunpriv);

	bad = cleanup(&f.nl, keep, nkeep);
	r = tnl_pair_dump(&f.nl, NULL, 0);
	if (r != nkeep) {
		ksft_print_msg("%d pairs after cleanup, %d before the run\n", r, nkeep);
		bad++;
	}
	bad += check_defaults(&f.nl);
	ksft_test_result(!bad, "cleanup: pairs of the run destroyed, default pairs work\n");
	tnl_close(&f.nl);
	ksft_finished();
}
