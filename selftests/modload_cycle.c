// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of modload_test.sh: load and unload ttyvs many times with the
 * syscalls (an exec of insmod costs most of a second in the TCG guest).
 *
 * usage: modload_cycle KO MODE COUNT
 *   plain    load with the default parameters (ttyVS0..3, nothing more)
 *   pairs8   load with pairs=8 (ttyVS0..15)
 *   netlink  load, create a pair, a named pair and a loopback pair over
 *            netlink, open every port, write a byte, close them all and
 *            unload; every other round the netlink socket, subscribed to
 *            the events, stays open across the unload
 *   busy     with ttyVS1 open, delete_module must fail (EAGAIN/EBUSY) and
 *            the module still work (data ttyVS0 -> ttyVS1); after the
 *            close the unload succeeds
 * The module must not be loaded at the start and is not loaded at the end.
 * Prints "# ..." diagnostics; exit 0 when every round passed, 1 if not,
 * 4 when MODE needs something this module lacks (netlink family).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ttyvs_lib.h"
#include "ttyvs_nl.h"

static void *image;
static size_t image_len;

static int mod_load(const char *params)
{
	return syscall(SYS_init_module, image, image_len, params);
}

/*
 * The last close drops the module reference from a work item, a moment
 * after close() returns: retry "in use" for up to 3 s.
 */
static int mod_unload(void)
{
	double end = tvs_now() + 3 * tvs_slow();

	for (;;) {
		if (!syscall(SYS_delete_module, "ttyvs", O_NONBLOCK))
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) || tvs_now() > end)
			return -1;
		tvs_msleep(5);
	}
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static bool port_exists(int idx)
{
	char path[32];

	tvs_path(idx, path, sizeof(path));
	return exists(path);
}

static int count_ports(void)
{
	struct dirent *d;
	DIR *dir = opendir("/dev");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += !strncmp(d->d_name, "ttyVS", 5);
	closedir(dir);
	return n;
}

static int read_file(const char *path)
{
	struct stat st;
	ssize_t r;
	size_t off = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return -1;
	image_len = st.st_size;
	image = malloc(image_len);
	if (!image)
		return -1;
	while (off < image_len && (r = read(fd, (char *)image + off, image_len - off)) > 0)
		off += r;
	close(fd);
	return off == image_len ? 0 : -1;
}

#define FAIL(...)						\
	do {							\
		printf("# round %d: ", round);			\
		printf(__VA_ARGS__);				\
		printf("\n");					\
		goto fail;					\
	} while (0)

static int round_plain(int round, bool eight)
{
	char val[16];
	int last = eight ? 15 : 3;

	if (mod_load(eight ? "pairs=8" : ""))
		FAIL("init_module: %s", strerror(errno));
	if (!port_exists(last) || port_exists(last + 1))
		FAIL("want exactly ttyVS0..%d, have %d ports", last, count_ports());
	if (tvs_param_read("pairs", val, sizeof(val)) || atoi(val) != (eight ? 8 : 2))
		FAIL("pairs parameter %s", val);
	if (mod_unload())
		FAIL("delete_module: %s", strerror(errno));
	if (exists(TTYVS_SYS_MODULE) || port_exists(0))
		FAIL("module or ttyVS0 still there after the unload");
	return 0;
fail:
	if (exists(TTYVS_SYS_MODULE))
		mod_unload();
	return -1;
}

static int round_netlink(int round)
{
	struct tnl_pair_cfg c;
	struct tnl_pair p;
	struct tnl nl = { .fd = -1 };
	char name[16];
	int fds[16], nfd = 0, i, r, want = 4;
	bool keep = round % 2;

	if (mod_load(""))
		FAIL("init_module: %s", strerror(errno));
	r = tnl_open(&nl);
	if (r == -ENOENT) {
		tnl_close(&nl);
		mod_unload();
		return 4;
	}
	if (r)
		FAIL("netlink: %s", strerror(-r));
	if (keep && tnl_subscribe(&nl))
		FAIL("subscribe: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		tnl_cfg_init(&c);
		if (i == 1) {
			snprintf(name, sizeof(name), "ml%d", round);
			c.name = name;
			c.baud_emulation = 1;
			c.wiring_a[TTYVS_A_WIRE_RI] = TTYVS_WIRE_PEER_OPEN;
		}
		c.loopback = i == 2;
		r = tnl_pair_new(&nl, &c, &p, NULL);
		if (r)
			FAIL("PAIR_NEW %d: %s", i, strerror(-r));
		want += c.loopback ? 1 : 2;
	}
	if (count_ports() != want)
		FAIL("%d ports, want %d", count_ports(), want);
	for (i = 0; i < 64 && nfd < (int)(sizeof(fds) / sizeof(fds[0])); i++) {
		if (!port_exists(i))
			continue;
		fds[nfd] = tvs_open(i, true);
		if (fds[nfd] < 0)
			FAIL("open ttyVS%d: %s", i, strerror(errno));
		if (write(fds[nfd], "x", 1) != 1)
			FAIL("write ttyVS%d: %s", i, strerror(errno));
		nfd++;
	}
	if (nfd != want)
		FAIL("opened %d ports, want %d", nfd, want);
	while (nfd)
		close(fds[--nfd]);
	if (!keep)
		tnl_close(&nl);
	if (mod_unload())
		FAIL("delete_module: %s", strerror(errno));
	if (keep) {
		/* The family is gone: the request fails, nothing breaks. */
		r = tnl_pair_get(&nl, 0, NULL, NULL, NULL);
		if (r == 0)
			FAIL("PAIR_GET answered after the unload");
		tnl_close(&nl);
	}
	if (exists(TTYVS_SYS_MODULE) || count_ports() != 0)
		FAIL("module or ports still there after the unload");
	return 0;
fail:
	while (nfd)
		close(fds[--nfd]);
	if (nl.fd >= 0)
		tnl_close(&nl);
	if (exists(TTYVS_SYS_MODULE))
		mod_unload();
	return -1;
}

static int round_busy(int round)
{
	char buf[16];
	int a = -1, b = -1, k;

	if (mod_load(""))
		FAIL("init_module: %s", strerror(errno));
	b = tvs_open(1, true);
	if (b < 0 || tvs_make_raw(b, B9600))
		FAIL("open ttyVS1: %s", strerror(errno));
	for (k = 0; k < 5; k++) {
		if (!syscall(SYS_delete_module, "ttyvs", O_NONBLOCK))
			FAIL("delete_module succeeded with ttyVS1 open");
		if (errno != EAGAIN && errno != EBUSY)
			FAIL("delete_module: %s, want EAGAIN or EBUSY", strerror(errno));
		if (!exists(TTYVS_SYS_MODULE) || !port_exists(0))
			FAIL("module or ttyVS0 gone after a refused unload");
	}
	a = tvs_open(0, true);
	if (a < 0 || tvs_make_raw(a, B9600))
		FAIL("open ttyVS0: %s", strerror(errno));
	if (write(a, "ping", 4) != 4 || tvs_read_exact(b, buf, 4, 3000) != 4 ||
	    memcmp(buf, "ping", 4))
		FAIL("no data after the refused unloads");
	close(a);
	close(b);
	a = b = -1;
	if (mod_unload())
		FAIL("delete_module after the close: %s", strerror(errno));
	return 0;
fail:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (exists(TTYVS_SYS_MODULE))
		mod_unload();
	return -1;
}

int main(int argc, char **argv)
{
	const char *mode;
	int count, round, r = 0;
	double t0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s KO plain|pairs8|netlink|busy COUNT\n", argv[0]);
		return 2;
	}
	mode = argv[2];
	count = atoi(argv[3]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (read_file(argv[1])) {
		printf("# %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (exists(TTYVS_SYS_MODULE)) {
		printf("# ttyvs is loaded already\n");
		return 1;
	}
	t0 = tvs_now();
	for (round = 1; round <= count && !r; round++) {
		if (!strcmp(mode, "plain"))
			r = round_plain(round, false);
		else if (!strcmp(mode, "pairs8"))
			r = round_plain(round, true);
		else if (!strcmp(mode, "netlink"))
			r = round_netlink(round);
		else if (!strcmp(mode, "busy"))
			r = round_busy(round);
		else
			return 2;
	}
	if (r == 4) {
		printf("# the module has no netlink family\n");
		return 4;
	}
	printf("# %s: %d rounds in %.1f s\n", mode, round - 1, tvs_now() - t0);
	return r ? 1 : 0;
}
