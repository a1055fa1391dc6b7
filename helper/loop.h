/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small epoll loop: fd callbacks, one-shot timers (timerfd), signals
 * (signalfd) and deferred work run after each batch of events. One
 * thread, level-triggered; interest masks are set by the owner from its
 * own state (loop_fd_set), never toggled by the loop.
 */
#ifndef TTYVSCTL_LOOP_H
#define TTYVSCTL_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct loop;

struct loop_fd {
	int fd;
	uint32_t events;	/* interest currently registered */
	bool registered;	/* in the epoll set */
	bool keep;		/* stay registered with no interest (see HUP/ERR) */
	void (*cb)(struct loop_fd *lfd, uint32_t revents);
	void *arg;
};

struct loop_timer {
	struct loop_fd lfd;
	void (*cb)(struct loop_timer *t);
	void *arg;
	bool armed;
};

struct loop_defer {
	void (*cb)(struct loop_defer *d);
	void *arg;
	bool queued;
	struct loop_defer *next;
};

int loop_new(struct loop **out);
void loop_free(struct loop *l);

/* Prepare lfd; no epoll registration until loop_fd_set() asks for events. */
void loop_fd_init(struct loop_fd *lfd, int fd, void (*cb)(struct loop_fd *, uint32_t), void *arg);
/*
 * Sets the interest. 0 removes the fd from the epoll set (no HUP/ERR
 * reports either) unless lfd->keep. Returns 0 or -errno.
 */
int loop_fd_set(struct loop *l, struct loop_fd *lfd, uint32_t events);
/* Removes the fd from the set and forgets pending reports; does not close it. */
void loop_fd_del(struct loop *l, struct loop_fd *lfd);

int loop_timer_init(struct loop *l, struct loop_timer *t, void (*cb)(struct loop_timer *), void *arg);
int loop_timer_arm(struct loop *l, struct loop_timer *t, unsigned int ms);
void loop_timer_disarm(struct loop *l, struct loop_timer *t);
void loop_timer_free(struct loop *l, struct loop_timer *t);

/*
 * Fills mask with the signals that stop a program on this loop (SIGINT,
 * SIGTERM) or reload it (SIGHUP) and blocks them at once, before any
 * setup: one sent before loop_signals() makes its signalfd then waits for
 * it instead of being lost (a signal the process inherited as ignored is
 * discarded unless it is blocked).
 */
void loop_block_stop_signals(sigset_t *mask);
/* Blocks the signals of mask and reports them through cb(signo). */
int loop_signals(struct loop *l, const sigset_t *mask, void (*cb)(struct loop *l, int signo, void *arg),
		 void *arg);

/* Queues d to run once after the current batch of events. */
void loop_defer(struct loop *l, struct loop_defer *d);
void loop_defer_cancel(struct loop *l, struct loop_defer *d);

/* Runs until loop_quit(); returns its status. */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int status);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

#endif
