// SPDX-License-Identifier: GPL-2.0
/*
 * The epoll loop. Reports of one epoll_wait() batch are dispatched in
 * order; an fd removed during the batch has its remaining reports
 * cleared, so a callback may close and free any object (including its
 * own) safely. Deferred work runs after the batch, in queue order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "loop.h"

#define LOOP_BATCH 64

struct loop {
	int epfd;
	bool quit;
	int status;
	struct epoll_event ev[LOOP_BATCH];
	int nev, cur;
	struct loop_defer *dhead, *dtail;
	struct loop_fd sig;
	void (*sig_cb)(struct loop *l, int signo, void *arg);
	void *sig_arg;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_new(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = -errno;

		free(l);
		return err;
	}
	l->sig.fd = -1;
	*out = l;
	return 0;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->sig.fd >= 0)
		close(l->sig.fd);
	close(l->epfd);
	free(l);
}

void loop_fd_init(struct loop_fd *lfd, int fd, void (*cb)(struct loop_fd *, uint32_t), void *arg)
{
	lfd->fd = fd;
	lfd->events = 0;
	lfd->registered = false;
	lfd->keep = false;
	lfd->cb = cb;
	lfd->arg = arg;
}

static void forget_pending(struct loop *l, struct loop_fd *lfd)
{
	for (int i = l->cur; i < l->nev; i++)
		if (l->ev[i].data.ptr == lfd)
			l->ev[i].data.ptr = NULL;
}

int loop_fd_set(struct loop *l, struct loop_fd *lfd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lfd };

	if (lfd->fd < 0)
		return -EBADF;
	if (!events && !lfd->keep) {
		if (lfd->registered)
			loop_fd_del(l, lfd);
		return 0;
	}
	if (lfd->registered && lfd->events == events)
		return 0;
	if (epoll_ctl(l->epfd, lfd->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, lfd->fd, &ev) < 0)
		return -errno;
	lfd->registered = true;
	lfd->events = events;
	return 0;
}

void loop_fd_del(struct loop *l, struct loop_fd *lfd)
{
	if (lfd->registered && lfd->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, lfd->fd, NULL);
	lfd->registered = false;
	lfd->events = 0;
	forget_pending(l, lfd);
}

/* ---- timers ---- */

static void timer_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct loop_timer *t = lfd->arg;
	uint64_t n;

	(void)revents;
	if (read(lfd->fd, &n, sizeof(n)) != sizeof(n))
		return;		/* disarmed meanwhile */
	t->armed = false;
	t->cb(t);
}

int loop_timer_init(struct loop *l, struct loop_timer *t, void (*cb)(struct loop_timer *), void *arg)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	loop_fd_init(&t->lfd, fd, timer_cb, t);
	t->cb = cb;
	t->arg = arg;
	t->armed = false;
	return loop_fd_set(l, &t->lfd, EPOLLIN);
}

int loop_timer_arm(struct loop *l, struct loop_timer *t, unsigned int ms)
{
	struct itimerspec its = { 0 };

	(void)l;
	if (!ms)
		ms = 1;
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
	if (timerfd_settime(t->lfd.fd, 0, &its, NULL) < 0)
		return -errno;
	t->armed = true;
	return 0;
}

void loop_timer_disarm(struct loop *l, struct loop_timer *t)
{
	struct itimerspec its = { 0 };

	if (t->lfd.fd < 0)
		return;
	timerfd_settime(t->lfd.fd, 0, &its, NULL);
	t->armed = false;
	forget_pending(l, &t->lfd);
}

void loop_timer_free(struct loop *l, struct loop_timer *t)
{
	if (t->lfd.fd < 0)
		return;
	loop_fd_del(l, &t->lfd);
	close(t->lfd.fd);
	t->lfd.fd = -1;
	t->armed = false;
}

/* ---- signals ---- */

static void sig_cb(struct loop_fd *lfd, uint32_t revents)
{
	struct loop *l = lfd->arg;
	struct signalfd_siginfo si;

	(void)revents;
	while (read(lfd->fd, &si, sizeof(si)) == sizeof(si))
		l->sig_cb(l, (int)si.ssi_signo, l->sig_arg);
}

void loop_block_stop_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigprocmask(SIG_BLOCK, mask, NULL);
}

int loop_signals(struct loop *l, const sigset_t *mask, void (*cb)(struct loop *l, int signo, void *arg),
		 void *arg)
{
	int fd;

	if (sigprocmask(SIG_BLOCK, mask, NULL) < 0)
		return -errno;
	fd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	loop_fd_init(&l->sig, fd, sig_cb, l);
	l->sig_cb = cb;
	l->sig_arg = arg;
	return loop_fd_set(l, &l->sig, EPOLLIN);
}

/* ---- deferred work ---- */

void loop_defer(struct loop *l, struct loop_defer *d)
{
	if (d->queued)
		return;
	d->queued = true;
	d->next = NULL;
	if (l->dtail)
		l->dtail->next = d;
	else
		l->dhead = d;
	l->dtail = d;
}

void loop_defer_cancel(struct loop *l, struct loop_defer *d)
{
	struct loop_defer **pp, *prev = NULL;

	if (!d->queued)
		return;
	for (pp = &l->dhead; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			if (l->dtail == d)
				l->dtail = prev;
			break;
		}
	}
	d->queued = false;
}

static void run_deferred(struct loop *l)
{
	/* Work queued while running is run in the same pass (bounded by owners). */
	for (int budget = 1024; l->dhead && budget; budget--) {
		struct loop_defer *d = l->dhead;

		l->dhead = d->next;
		if (!l->dhead)
			l->dtail = NULL;
		d->queued = false;
		d->cb(d);
	}
}

int loop_run(struct loop *l)
{
	l->quit = false;
	run_deferred(l);
	while (!l->quit) {
		int n = epoll_wait(l->epfd, l->ev, LOOP_BATCH, l->dhead ? 0 : -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		l->nev = n;
		for (l->cur = 0; l->cur < l->nev; ) {
			struct epoll_event *e = &l->ev[l->cur++];
			struct loop_fd *lfd = e->data.ptr;

			if (lfd)
				lfd->cb(lfd, e->events);
		}
		l->nev = l->cur = 0;
		run_deferred(l);
	}
	return l->status;
}

void loop_quit(struct loop *l, int status)
{
	l->quit = true;
	l->status = status;
}
