/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the ttyvs selftests.
 *
 * Pair n is /dev/ttyVS(2n) <-> /dev/ttyVS(2n+1).  Every helper returns
 * -1 with errno set on failure unless stated otherwise.
 */
#ifndef TTYVS_LIB_H
#define TTYVS_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>

#define TTYVS_SYS_MODULE	"/sys/module/ttyvs"
#define TTYVS_PARAM_DIR		TTYVS_SYS_MODULE "/parameters"

/* True when the ttyvs module is loaded (/sys/module/ttyvs exists). */
bool tvs_module_loaded(void);

/*
 * Skip the current harness test when the module is not loaded.  Use it
 * first thing in FIXTURE_SETUP, before anything needs cleaning up.
 *
 * 6.1's harness runs the test body even after a SKIP(return, ...) in
 * FIXTURE_SETUP, so this leaves the test child with exit status 255,
 * which the harness reports as "ok N # SKIP <reason>".
 */
#define TVS_SKIP_SETUP(fmt, ...)					\
	SKIP({ fflush(stdout); fflush(stderr); _exit(255); },		\
	     fmt, ##__VA_ARGS__)

#define TVS_SKIP_IF_MISSING()						\
	do {								\
		if (!tvs_module_loaded())				\
			TVS_SKIP_SETUP("ttyvs not loaded");		\
	} while (0)

/* "/dev/ttyVS<idx>" into buf (at least 32 bytes). */
void tvs_path(int idx, char *buf, size_t len);

/* Open /dev/ttyVS<idx> O_RDWR|O_NOCTTY (|O_NONBLOCK if nonblock). */
int tvs_open(int idx, bool nonblock);

/* Set or clear O_NONBLOCK on an open fd. */
int tvs_set_nonblock(int fd, bool nonblock);

/*
 * Raw mode: cfmakeraw, CLOCAL|CREAD, no flow control, VMIN=1 VTIME=0,
 * both speeds = speed (a Bxxx constant), applied with TCSANOW.
 */
int tvs_make_raw(int fd, speed_t speed);

/* Fill *t with the raw settings tvs_make_raw() would apply. */
void tvs_raw_termios(struct termios *t, speed_t speed);

/*
 * The waits below (timeout_ms, quiet_ms, the alarm's sec) are scaled by
 * tvs_slow(): callers give the stock kernel's figure.
 *
 * Read exactly len bytes, waiting at most timeout_ms in total (poll).
 * Returns the number of bytes read (< len on timeout or EOF), or -1 on an
 * error other than EAGAIN/EINTR.
 */
ssize_t tvs_read_exact(int fd, void *buf, size_t len, int timeout_ms);

/*
 * Read whatever arrives within timeout_ms (returns as soon as the line
 * has been quiet for quiet_ms after some data).  Returns bytes read.
 */
ssize_t tvs_read_quiet(int fd, void *buf, size_t len, int timeout_ms,
		       int quiet_ms);

/* Write all len bytes (retrying short writes and EINTR). */
ssize_t tvs_write_all(int fd, const void *buf, size_t len);

/* Bytes waiting in the input queue (FIONREAD), -1 on error. */
int tvs_inq(int fd);

/* Bytes waiting in the output queue (TIOCOUTQ), -1 on error. */
int tvs_outq(int fd);

/* TIOCMGET, -1 on error. */
int tvs_modem(int fd);

/*
 * Poll TIOCMGET until (bits & mask) == want or timeout_ms passes.
 * Returns the last value read (or -1 on an ioctl error).
 */
int tvs_wait_modem(int fd, int mask, int want, int timeout_ms);

/* FNV-1a 64-bit; pass 0 as seed for a new checksum (no bytes: 0). */
uint64_t tvs_csum(uint64_t seed, const void *buf, size_t len);

/* Deterministic pseudo-random bytes (xorshift64*); *state must be != 0. */
void tvs_prng_fill(uint64_t *state, void *buf, size_t len);

/* Module parameter helpers: value without the trailing newline. */
int tvs_param_read(const char *name, char *buf, size_t len);
int tvs_param_write(const char *name, const char *val);

/* Read an unsigned sysfs attribute of /sys/class/tty/ttyVS<idx>/<attr>. */
int tvs_tty_attr_u64(int idx, const char *attr, uint64_t *val);

/* Monotonic time in seconds. */
double tvs_now(void);

/* Sleep for ms milliseconds. */
void tvs_msleep(int ms);

/*
 * alarm(sec) with a SIGALRM handler that does nothing and has no
 * SA_RESTART: a blocking call still running then fails with EINTR (or
 * returns a short count) instead of hanging the test.  0 cancels.
 */
void tvs_alarm(unsigned int sec);

/*
 * The test kernel's slowness factor: how many times slower than the stock
 * kernel it runs, from TTYVS_SLOW (1 to 100; default 1, also for a bad
 * value). The debug kernel's resolver sets it (KASAN, lockdep and kmemleak
 * make the guest several times slower) and the VM runner passes it in.
 * Timeouts (how long to wait for something that must happen) and timing
 * tolerances scale with it; assertions never depend on it.
 */
int tvs_slow(void);

/* ms * tvs_slow(): a timeout in milliseconds for this kernel. */
int tvs_ms(int ms);

#ifdef __KSELFTEST_HARNESS_H
/*
 * The harness kills a test after its TEST_F_TIMEOUT (default 30 s): scale
 * those by tvs_slow() too, in a main() that replaces TEST_HARNESS_MAIN's
 * (the tests include this file after kselftest_harness.h).
 */
static inline void tvs_scale_harness_timeouts(void)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int k = tvs_slow();

	for (f = __fixture_list; k > 1 && f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= k;
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN						\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		tvs_scale_harness_timeouts();				\
		return test_harness_run(argc, argv);			\
	}
#endif

#include "ttyvs_termios2.h"

#endif /* TTYVS_LIB_H */
