/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where ttyvs deals with kernel version differences.
 *
 * The driver is written against the current tty API. Where an ops-table
 * prototype changed, a version test picks the type used in our callbacks;
 * helpers that distributions backport are feature-tested instead.
 */
#ifndef TTYVS_COMPAT_H
#define TTYVS_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "ttyvs supports Linux 6.1 and newer"
#endif

/*
 * 6.6 made tty_operations::write() take and return sizes, send_xchar() take
 * a u8, and the port client receive_buf() return size_t.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define TTYVS_WRITE_RET		ssize_t
#define TTYVS_WRITE_LEN		size_t
#define TTYVS_XCHAR		u8
#define TTYVS_RECV_RET		size_t
#define TTYVS_RECV_CHAR		u8
#else
#define TTYVS_WRITE_RET		int
#define TTYVS_WRITE_LEN		int
#define TTYVS_XCHAR		char
#define TTYVS_RECV_RET		int
#define TTYVS_RECV_CHAR		unsigned char
#endif

/* 6.3 turned tty_port_operations::carrier_raised() and dtr_rts() to bool. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define TTYVS_CARRIER_RET	bool
#define TTYVS_DTR_RTS_ARG	bool
#else
#define TTYVS_CARRIER_RET	int
#define TTYVS_DTR_RTS_ARG	int
#endif

/*
 * hrtimer_setup() (6.13) sets the callback with the clock and mode;
 * hrtimer_init() is gone in 7.x. Feature-tested by kmod/Kbuild (a grep of
 * the kernel's hrtimer.h): stable kernels may get it backported.
 */
#include <linux/hrtimer.h>
#ifndef TTYVS_HAVE_HRTIMER_SETUP
static inline void
hrtimer_setup(struct hrtimer *timer,
	      enum hrtimer_restart (*function)(struct hrtimer *),
	      clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

#endif /* TTYVS_COMPAT_H */
