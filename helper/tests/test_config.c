// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the daemon's config parser (config.c): good files, and
 * each kind of error with its FILE:LINE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config.h"
#include "tap.h"

static struct conf c;
static char err[512];

static int parse_n(const char *text, size_t len)
{
	conf_free(&c);
	memset(err, 0, sizeof(err));
	return conf_parse(text, len, "t.conf", &c, err, sizeof(err));
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void good(const char *text, size_t npairs, size_t nbridges, const char *what)
{
	int rc = parse(text);

	ok(rc == 0, "%s: parses", what);
	if (rc)
		diag("error: %s", err);
	ok(c.npairs == npairs && c.nbridges == nbridges, "%s: %zu pairs, %zu bridges", what, npairs,
	   nbridges);
	if (c.npairs != npairs || c.nbridges != nbridges)
		diag("got %zu pairs, %zu bridges", c.npairs, c.nbridges);
}

/* text is refused with "t.conf:LINE: " + msg... and an empty result. */
static void bad(const char *text, int line, const char *msg)
{
	char want[300];
	int rc = parse(text);

	snprintf(want, sizeof(want), "t.conf:%d: %s", line, msg);
	ok(rc == -EINVAL, "refused: %s", msg);
	ok(!strncmp(err, want, strlen(want)), "message: %s", want);
	if (strncmp(err, want, strlen(want)))
		diag("got: %s", err);
	ok(!c.pairs && !c.npairs && !c.bridges && !c.nbridges, "nothing kept after: %s", msg);
}

static void test_good(void)
{
	static const char full[] =
		"# ttyvsd.conf\n"
		"\n"
		"pair vm1   # a comment after a blank\n"
		"\tpair lb loopback baud-emulation on buffer 64k\n"
		"pair w wiring-a cts=rts,dsr=dtr wiring-b dcd=!open,ri=off baud-emulation off buffer 1M\n"
		"bridge vm1-a tcp-listen:4000\n"
		"bridge\tttyVS5\tunix:/run/x,retry=100\n"
		"bridge /dev/ttyVS7 file:/tmp/log#1,hex   #comment\n"
		"   # indented comment\n";

	good("", 0, 0, "empty text");
	ok(!c.pairs && !c.bridges, "empty text: no arrays");
	good("\n\n# only\n   \t\n#\n", 0, 0, "blanks and comments");

	good(full, 3, 3, "full example");
	if (c.npairs != 3 || c.nbridges != 3)
		return;
	is_str(c.pairs[0].name, "vm1", "pair 1 name");
	is_int(c.pairs[0].line, 3, "pair 1 line");
	ok(c.pairs[0].req.name == c.pairs[0].name, "req.name points to the name");
	ok(!c.pairs[0].req.loopback && c.pairs[0].req.baud_emulation == -1 &&
	   !c.pairs[0].req.has_buf_size && !c.pairs[0].req.has_wiring[0] &&
	   !c.pairs[0].req.has_wiring[1], "pair 1: nothing set");
	is_str(c.pairs[1].req.name, "lb", "pair 2 name");
	ok(c.pairs[1].req.loopback, "pair 2 loopback");
	is_int(c.pairs[1].req.baud_emulation, 1, "pair 2 baud-emulation on");
	ok(c.pairs[1].req.has_buf_size && c.pairs[1].req.buf_size == 65536, "pair 2 buffer 64k");
	is_int(c.pairs[2].req.baud_emulation, 0, "pair 3 baud-emulation off");
	is_int(c.pairs[2].req.buf_size, 1048576, "pair 3 buffer 1M");
	ok(c.pairs[2].req.has_wiring[0] && c.pairs[2].req.has_wiring[1], "pair 3 wiring a and b");
	is_int(c.pairs[2].req.wiring[0].v[WIRE_CTS], TTYVS_WIRE_PEER_RTS, "wiring-a cts=rts");
	is_int(c.pairs[2].req.wiring[0].v[WIRE_DSR], TTYVS_WIRE_PEER_DTR, "wiring-a dsr=dtr");
	is_int(c.pairs[2].req.wiring[0].v[WIRE_DCD], WIRE_UNSET, "wiring-a dcd unset");
	is_int(c.pairs[2].req.wiring[1].v[WIRE_DCD], TTYVS_WIRE_PEER_OPEN | TTYVS_WIRE_INVERT,
	       "wiring-b dcd=!open");
	is_int(c.pairs[2].req.wiring[1].v[WIRE_RI], TTYVS_WIRE_OFF, "wiring-b ri=off");
	is_str(c.bridges[0].port, "vm1-a", "bridge 1 port");
	is_int(c.bridges[0].line, 6, "bridge 1 line");
	ok(c.bridges[0].addr.kind == ADDR_TCP_LISTEN, "bridge 1 tcp-listen");
	is_str(c.bridges[0].addr.port, "4000", "bridge 1 port number");
	is_str(c.bridges[1].port, "ttyVS5", "bridge 2 port, tab separated");
	ok(c.bridges[1].addr.kind == ADDR_UNIX && c.bridges[1].addr.retry_ms == 100, "bridge 2 unix");
	is_str(c.bridges[2].port, "/dev/ttyVS7", "bridge 3 device path");
	is_str(c.bridges[2].addr.path, "/tmp/log#1", "a # inside a word is not a comment");
	ok(c.bridges[2].addr.hex, "bridge 3 hex");
	is_int(c.bridges[2].line, 8, "bridge 3 line");

	good("pair a\r\nbridge a-b tcp:h:1\r\n", 1, 1, "CRLF line ends");
	is_str(c.bridges[0].addr.port, "1", "CR not part of the last word");
	good("pair a\npair b", 2, 0, "no newline at the end");
	is_str(c.pairs[1].name, "b", "last line read");
	ok(parse_n("pair a\npair b", 6) == 0 && c.npairs == 1, "only len bytes are read");
	good("pair a buffer 1024\npair b buffer 1048576\npair c buffer 1k\npair d buffer 1m", 4, 0,
	     "buffer limits and suffixes");
	is_int(c.pairs[2].req.buf_size, 1024, "1k");
	is_int(c.pairs[3].req.buf_size, 1048576, "1m");
	good("pair abcdefghijklmnopqrstuvwxyz._-12\nbridge abcdefghijklmnopqrstuvwxyz._-12-b fifo:/x",
	     1, 1, "32-character name and its port");
	good("pair 1a\nbridge 1a-a fifo:/x\npair x-a\nbridge x-a-b fifo:/y", 2, 2,
	     "names with digits and dashes");
	good("pair a loopback loopback buffer 2k buffer 4k", 1, 0, "repeated options: the last wins");
	is_int(c.pairs[0].req.buf_size, 4096, "last buffer wins");
	good("bridge ttyVS0 tcp-listen:1\nbridge ttyVS00 tcp-listen:2", 0, 2,
	     "ports compared as written");
	good("pair a wiring-a cts=rts wiring-a cts=dtr", 1, 0, "wiring-a twice: the last wins");
	is_int(c.pairs[0].req.wiring[0].v[WIRE_CTS], TTYVS_WIRE_PEER_DTR, "last wiring wins");
	{
		/* the longest line and the most words */
		char line[CONF_LINE_MAX + 8];

		memset(line, ' ', sizeof(line));
		memcpy(line, "pair a", 6);
		line[CONF_LINE_MAX] = '\n';
		line[CONF_LINE_MAX + 1] = '\0';
		good(line, 1, 0, "a line of 1022 characters");
	}
	good("pair a loopback loopback loopback loopback loopback loopback loopback loopback loopback "
	     "loopback loopback loopback loopback loopback", 1, 0, "16 words");
	{
		/* many statements: arrays grow */
		static char big[64 * 200];
		size_t off = 0;

		for (int i = 0; i < 200; i++)
			off += snprintf(big + off, sizeof(big) - off,
					"pair p%d\nbridge p%d-a tcp-listen:%d\n", i, i, 1000 + i);
		good(big, 200, 200, "200 pairs and 200 bridges");
		is_str(c.pairs[199].req.name, "p199", "req.name right after the arrays moved");
		is_int(c.bridges[199].line, 400, "last bridge line");
	}
}

static void test_errors(void)
{
	char s[2048];

	bad("pair", 1, "pair: missing NAME");
	bad("\n\npair 123", 3, "pair: bad name \"123\" ([A-Za-z0-9_.-], 1..32 characters, not digits only)");
	bad("pair a/b", 1, "pair: bad name \"a/b\"");
	bad("pair abcdefghijklmnopqrstuvwxyz._-1234", 1, "pair: bad name");
	bad("pair a\n# x\npair a", 3, "pair \"a\" already defined at line 1");
	bad("pair a foo loopback", 1, "pair: unknown option \"foo\" (loopback, baud-emulation on|off");
	bad("pair a buffer", 1, "pair: unknown option \"buffer\" or a missing value");
	bad("pair a wiring-a", 1, "pair: unknown option \"wiring-a\" or a missing value");
	bad("pair a baud-emulation maybe", 1, "baud-emulation: \"maybe\": expected on or off");
	bad("pair a buffer 1023", 1, "buffer: \"1023\": bytes 1024..1048576 expected (k and M suffixes)");
	bad("pair a buffer 1025k", 1, "buffer: \"1025k\": bytes 1024..1048576");
	bad("pair a buffer 4294967296", 1, "buffer: \"4294967296\"");
	bad("pair a buffer 4194304k", 1, "buffer: \"4194304k\"");
	bad("pair a buffer 99999999999999999999999", 1, "buffer: \"99999999999999999999999\"");
	bad("pair a buffer -1", 1, "buffer: \"-1\"");
	bad("pair a buffer 2kk", 1, "buffer: \"2kk\"");
	bad("pair a buffer k", 1, "buffer: \"k\"");
	bad("pair a buffer 2G", 1, "buffer: \"2G\"");
	bad("pair a wiring-a cts=bogus", 1,
	    "wiring-a: wiring \"cts=bogus\": unknown source \"bogus\" (rts, dtr, out1, out2, open, on, off");
	bad("pair a wiring-b xyz", 1, "wiring-b: wiring \"xyz\": expected LINE=SOURCE");
	bad("pair a wiring-b foo=rts", 1, "wiring-b: wiring \"foo=rts\": unknown input line \"foo\"");
	bad("pair a wiring-a cts=rts,cts=dtr", 1, "wiring-a: wiring: cts given twice");
	bad("pair a wiring-a cts=rts,", 1, "wiring-a: wiring spec \"cts=rts,\" ends with a comma");
	bad("pair a loopback wiring-b cts=rts", 1, "pair \"a\": a loopback pair has no end b (wiring-b)");
	bad("bridge a-a", 1, "bridge: expected \"bridge PORT BACKEND\"");
	bad("bridge a-a tcp:h:1 extra", 1, "bridge: expected \"bridge PORT BACKEND\"");
	bad("bridge foo tcp-listen:1", 1, "bridge: bad port \"foo\" (NAME-a, NAME-b, ttyVSn or /dev/...)");
	bad("bridge a-c tcp-listen:1", 1, "bridge: bad port \"a-c\"");
	bad("bridge -a tcp-listen:1", 1, "bridge: bad port \"-a\"");
	bad("bridge 123-a tcp-listen:1", 1, "bridge: bad port \"123-a\"");
	bad("bridge a/b-a tcp-listen:1", 1, "bridge: bad port \"a/b-a\"");
	bad("bridge ttyVS tcp-listen:1", 1, "bridge: bad port \"ttyVS\"");
	bad("bridge ttyVS1x tcp-listen:1", 1, "bridge: bad port \"ttyVS1x\"");
	bad("bridge abcdefghijklmnopqrstuvwxyz._-1234-a tcp-listen:1", 1, "bridge: bad port");
	snprintf(s, sizeof(s), "bridge /dev/%063d tcp-listen:1", 0);
	bad(s, 1, "bridge: bad port \"/dev/000");
	snprintf(s, sizeof(s), "bridge ttyVS%070d tcp-listen:1", 0);
	bad(s, 1, "bridge: bad port \"ttyVS000");
	bad("bridge a-a tcp-listen:1\npair a\nbridge a-a tcp-listen:2", 3,
	    "bridge: a-a already bridged at line 1");
	bad("bridge a-a foo:1", 1, "bridge: bad backend: unknown address kind \"foo\"");
	bad("bridge a-a tcp-listen:0", 1, "bridge: bad backend: tcp-listen: port \"0\" is not a number");
	bad("frobnicate", 1, "unknown statement \"frobnicate\" (pair, bridge)");
	bad("Pair a", 1, "unknown statement \"Pair\"");
	bad("pair a#b", 1, "pair: bad name \"a#b\"");
	bad("pair a loopback loopback loopback loopback loopback loopback loopback loopback loopback "
	    "loopback loopback loopback loopback loopback x", 1, "too many words (at most 16)");

	memset(s, 'x', sizeof(s));
	memcpy(s, "pair a\n\n# ", 10);
	s[10 + CONF_LINE_MAX - 1] = '\0';	/* line 3: 1023 characters */
	bad(s, 3, "line too long (at most 1022 characters)");
	memset(s, 'x', sizeof(s));
	memcpy(s, "pair a\n", 7);
	s[7 + CONF_LINE_MAX + 1] = '\n';
	s[7 + CONF_LINE_MAX + 2] = '\0';
	bad(s, 2, "line too long");

	ok(parse_n("pair a\npair b\0c\npair d", 22) == -EINVAL, "a NUL byte is refused");
	is_str(err, "t.conf:2: a NUL byte in the line (not a text file?)", "NUL byte message");
	ok(parse_n("pair a\n\0", 8) == -EINVAL, "a lone NUL byte is refused");
	has_str(err, "t.conf:2: a NUL byte", "lone NUL on line 2");

	/* errors in the middle leave nothing behind; the file name is the caller's */
	conf_free(&c);
	ok(conf_parse("pair a\nbridge a-a tcp-listen:1\nbad", 34, "/etc/ttyvs/x.conf", &c, err,
		      sizeof(err)) == -EINVAL, "error after good lines");
	is_str(err, "/etc/ttyvs/x.conf:3: unknown statement \"bad\" (pair, bridge)", "file name as given");
	ok(!c.npairs && !c.nbridges && !c.pairs && !c.bridges, "good lines before it not kept");

	{
		char small[16];

		memset(small, 'Z', sizeof(small));
		ok(conf_parse("frobnicate", 10, "t.conf", &c, small, 8) == -EINVAL,
		   "refused with an 8-byte buffer");
		ok(small[7] == '\0' && small[8] == 'Z', "message cut, not overrun");
		ok(conf_parse("frobnicate", 10, "a-long-file-name.conf", &c, small, 8) == -EINVAL,
		   "file name longer than the buffer");
		ok(small[7] == '\0' && small[8] == 'Z', "still not overrun");
		ok(conf_parse("frobnicate", 10, "t.conf", &c, NULL, 0) == -EINVAL,
		   "no message buffer at all");
	}
}

static void test_port_arg(void)
{
	static const struct {
		const char *s;
		bool ok;
		const char *pair;
	} cases[] = {
		{ "vm-a", true, "vm" }, { "vm-b", true, "vm" }, { "a-b-a", true, "a-b" },
		{ "ttyVS0", true, "" }, { "ttyVS12", true, "" }, { "/dev/ttyvs/x-a", true, "" },
		{ "vm-c", false, "" }, { "vm", false, "" }, { "", false, "" }, { "-a", false, "" },
		{ "ttyVS", false, "" }, { "ttyS0", false, "" }, { "12-a", false, "12" },
	};
	char pair[TTYVS_NAME_MAX + 3];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool r = conf_port_arg(cases[i].s, pair);

		ok(r == cases[i].ok, "conf_port_arg(\"%s\") is %s", cases[i].s, cases[i].ok ? "a port" : "not a port");
		if (r)
			is_str(pair, cases[i].pair, "conf_port_arg(\"%s\") pair \"%s\"", cases[i].s, cases[i].pair);
	}
}

static void test_load(void)
{
	char path[] = "/tmp/ttyvs-test-config.XXXXXX";
	int fd = mkstemp(path), rc;
	static const char text[] = "pair a\nbridge a-a tcp-listen:4000\n";
	char *big;

	if (fd < 0) {
		skip("mkstemp failed", "conf_load");
		return;
	}
	ok(write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1, "wrote a config file");
	conf_free(&c);
	rc = conf_load(path, &c);
	ok(rc == 0 && c.npairs == 1 && c.nbridges == 1, "conf_load reads it");
	conf_free(&c);

	big = calloc(1, CONF_FILE_MAX + 1);
	memset(big, '\n', CONF_FILE_MAX + 1);
	ok(ftruncate(fd, 0) == 0 && pwrite(fd, big, CONF_FILE_MAX, 0) == CONF_FILE_MAX,
	   "1 MiB of empty lines");
	ok(conf_load(path, &c) == 0 && !c.npairs, "a file of exactly 1 MiB is read");
	ok(pwrite(fd, big, 1, CONF_FILE_MAX) == 1, "one byte more");
	diag("conf_load prints its error on stderr:");
	fflush(stdout);
	ok(conf_load(path, &c) == -EFBIG, "a bigger file is refused");
	free(big);
	close(fd);
	unlink(path);
	ok(conf_load(path, &c) == -ENOENT, "a missing file: -ENOENT");
	ok(conf_load("/", &c) == -EISDIR, "a directory: -EISDIR");
	conf_free(&c);
}

int main(void)
{
	test_good();
	test_errors();
	test_port_arg();
	test_load();
	conf_free(&c);
	return tap_done();
}
