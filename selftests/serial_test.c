// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvs TIOCGSERIAL/TIOCSSERIAL: the struct comes back fully initialised
 * (no stale user bytes), describes a 16550A with line = tty index, and
 * TIOCSSERIAL accepts user flags and close timings but refuses changes to
 * hardware fields with EINVAL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <linux/serial.h>
#include <linux/tty_flags.h>

#include "kselftest_harness.h"
#include "ttyvs_lib.h"

#define GARBAGE		0xa5
#define PORT_16550A_ID	4	/* PORT_16550A in <linux/serial_core.h> */
#define PORT_16450_ID	2
#define TTYVS_FIFO	4096
#define TTYVS_BAUD_BASE	115200

FIXTURE(serial) {
	int fd;
	int idx;
	bool saved;
	struct serial_struct orig;
};

FIXTURE_VARIANT(serial) {
	int idx;
};

/* Both ends of pair 0 and one end of pair 1. */
FIXTURE_VARIANT_ADD(serial, ttyVS0) { .idx = 0 };
FIXTURE_VARIANT_ADD(serial, ttyVS1) { .idx = 1 };
FIXTURE_VARIANT_ADD(serial, ttyVS2) { .idx = 2 };

FIXTURE_SETUP(serial)
{
	self->fd = -1;
	self->idx = variant->idx;
	TVS_SKIP_IF_MISSING();
	self->fd = tvs_open(self->idx, true);
	ASSERT_LE(0, self->fd) TH_LOG("open ttyVS%d: %s", self->idx,
				      strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, TIOCGSERIAL, &self->orig))
		TH_LOG("TIOCGSERIAL: %s", strerror(errno));
	self->saved = true;
}

FIXTURE_TEARDOWN(serial)
{
	if (self->fd < 0)
		return;
	if (self->saved)
		ioctl(self->fd, TIOCSSERIAL, &self->orig);
	close(self->fd);
}

static int get_serial(int fd, struct serial_struct *ss)
{
	memset(ss, GARBAGE, sizeof(*ss));
	return ioctl(fd, TIOCGSERIAL, ss);
}

TEST_F(serial, get_fully_initialised)
{
	struct serial_struct ss;
	const unsigned char *p = (const unsigned char *)&ss;
	size_t i, stale = 0;

	ASSERT_EQ(0, get_serial(self->fd, &ss));

	EXPECT_EQ(PORT_16550A_ID, ss.type);
	EXPECT_EQ(self->idx, ss.line);
	EXPECT_EQ(0U, ss.port);
	EXPECT_EQ(0, ss.irq);
	EXPECT_EQ(0, ss.flags & ~ASYNC_USR_MASK);
	EXPECT_EQ(TTYVS_FIFO, ss.xmit_fifo_size);
	EXPECT_EQ(0, ss.custom_divisor);
	EXPECT_EQ(TTYVS_BAUD_BASE, ss.baud_base);
	EXPECT_NE(0xa5a5, ss.close_delay);
	EXPECT_EQ(0, ss.io_type);
	EXPECT_EQ(0, ss.reserved_char[0]);
	EXPECT_EQ(0, ss.hub6);
	EXPECT_NE(0xa5a5, ss.closing_wait);
	EXPECT_EQ(0, ss.closing_wait2);
	EXPECT_EQ(NULL, ss.iomem_base);
	EXPECT_EQ(0, ss.iomem_reg_shift);
	EXPECT_EQ(0U, ss.port_high);
	EXPECT_EQ(0UL, ss.iomap_base);

	/* No byte of the user buffer, padding included, was left stale. */
	for (i = 0; i < sizeof(ss); i++)
		if (p[i] == GARBAGE)
			stale++;
	EXPECT_EQ(0U, stale) TH_LOG("%zu bytes still hold the 0x%02x fill",
				    stale, GARBAGE);
}

TEST_F(serial, set_unchanged_ok)
{
	struct serial_struct ss, back;

	ASSERT_EQ(0, get_serial(self->fd, &ss));
	ASSERT_EQ(0, ioctl(self->fd, TIOCSSERIAL, &ss))
		TH_LOG("TIOCSSERIAL: %s", strerror(errno));
	ASSERT_EQ(0, get_serial(self->fd, &back));
	EXPECT_EQ(0, memcmp(&ss, &back, sizeof(ss)));
}

TEST_F(serial, set_low_latency_and_close_timings)
{
	struct serial_struct ss, back;

	ASSERT_EQ(0, get_serial(self->fd, &ss));
	ss.flags ^= ASYNC_LOW_LATENCY;
	ss.close_delay = ss.close_delay == 50 ? 60 : 50;
	ss.closing_wait = ss.closing_wait == 500 ? 600 : 500;
	ASSERT_EQ(0, ioctl(self->fd, TIOCSSERIAL, &ss))
		TH_LOG("TIOCSSERIAL: %s", strerror(errno));
	ASSERT_EQ(0, get_serial(self->fd, &back));
	EXPECT_EQ(ss.flags & ASYNC_LOW_LATENCY, back.flags & ASYNC_LOW_LATENCY);
	EXPECT_EQ(ss.close_delay, back.close_delay);
	EXPECT_EQ(ss.closing_wait, back.closing_wait);

	/* ASYNC_CLOSING_WAIT_NONE is kept as such. */
	ss.closing_wait = ASYNC_CLOSING_WAIT_NONE;
	ASSERT_EQ(0, ioctl(self->fd, TIOCSSERIAL, &ss));
	ASSERT_EQ(0, get_serial(self->fd, &back));
	EXPECT_EQ(ASYNC_CLOSING_WAIT_NONE, back.closing_wait);
}

/* Changing what the "hardware" is must fail and change nothing. */
TEST_F(serial, set_hardware_fields_einval)
{
	struct serial_struct ss, back;

	ASSERT_EQ(0, get_serial(self->fd, &ss));
	ss.type = PORT_16450_ID;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TIOCSSERIAL, &ss));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, get_serial(self->fd, &ss));
	ss.irq = 4;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TIOCSSERIAL, &ss));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, get_serial(self->fd, &ss));
	ss.port = 0x3f8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TIOCSSERIAL, &ss));
	EXPECT_EQ(EINVAL, errno);

	/* A refused change together with an allowed one changes nothing. */
	ASSERT_EQ(0, get_serial(self->fd, &ss));
	ss.irq = 3;
	ss.close_delay += 7;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TIOCSSERIAL, &ss));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, get_serial(self->fd, &back));
	EXPECT_EQ(self->orig.close_delay, back.close_delay);
	EXPECT_EQ(0, memcmp(&self->orig, &back, sizeof(back)));
}

TEST_HARNESS_MAIN
