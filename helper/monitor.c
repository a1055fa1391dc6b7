// SPDX-License-Identifier: GPL-2.0
/*
 * ttyvsctl monitor: one line per event from the "events" group until
 * SIGINT or SIGTERM. poll() on the nonblocking event socket and a
 * signalfd; no threads, no blocking reads.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"
#include "print.h"

const char monitor_detail[] =
	"  One line per event: pair-new, pair-del, pair-change (pair attributes)\n"
	"  and port-open, port-close, port-termios, port-lines, port-break (port\n"
	"  state when the event was sent; port events are coalesced, at most one\n"
	"  of each kind per port per 10 ms, the last carrying the final state).\n"
	"  With -j, one JSON object per line: {\"event\": ..., \"pair\"|\"port\": {...}}.\n"
	"  timestamp: prefix each line with the time it was received\n"
	"  (\"time\": seconds since the epoch, in JSON).\n"
	"  Runs until SIGINT (Ctrl-C) or SIGTERM (exit status 0), or until the\n"
	"  module is unloaded (exit status 3).\n";

static void on_event(const struct event *ev, void *arg)
{
	bool timestamp = *(bool *)arg;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_event(&j, ev, timestamp ? &ts : NULL);
		putchar('\n');
	} else {
		if (timestamp) {
			struct tm tm;
			char buf[32];

			localtime_r(&ts.tv_sec, &tm);
			strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
			printf("[%s.%06ld] ", buf, ts.tv_nsec / 1000);
		}
		print_event(stdout, ev);
	}
	fflush(stdout);
}

int monitor_main(int argc, char **argv)
{
	struct pollfd pfd[2];
	sigset_t mask;
	bool timestamp = false;
	struct nlc *c;
	int sfd, err;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "timestamp")) {
			fprintf(stderr, PROG ": monitor: unexpected argument \"%s\"\n", argv[i]);
			return CMD_USAGE;
		}
		timestamp = true;
	}
	/*
	 * Block SIGINT and SIGTERM before anything else: a signal sent while
	 * the socket is being set up stays pending for the signalfd instead
	 * of being lost. A shell without job control starts background
	 * commands with SIGINT ignored, and an ignored signal that is not
	 * blocked is discarded when it is sent: "ttyvsctl monitor &" then
	 * never saw the SIGINT that was meant to stop it.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		err = -errno;
		fprintf(stderr, PROG ": monitor: signalfd: %s\n", strerror(-err));
		return err;
	}
	err = nlc_events_open(&c);
	if (err) {
		close(sfd);
		return err;
	}
	pfd[0] = (struct pollfd){ .fd = nlc_fd(c), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			fprintf(stderr, PROG ": monitor: poll: %s\n", strerror(-err));
			break;
		}
		if (pfd[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				err = 0;
				break;
			}
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			/* POLLERR also signals an overrun: let the read report it. */
			if (!(pfd[0].revents & (POLLIN | POLLERR))) {
				fprintf(stderr, PROG ": monitor: event socket closed\n");
				err = -EPIPE;
				break;
			}
		}
		if (pfd[0].revents) {
			err = nlc_events_read(c, on_event, &timestamp);
			if (err == -ENOBUFS) {
				fprintf(stderr, PROG ": monitor: events were lost (receive buffer overrun)\n");
				err = 0;
			} else if (err == -EPROTONOSUPPORT) {
				fprintf(stderr, PROG ": monitor: the ttyvs module was unloaded\n");
				break;
			} else if (err) {
				fprintf(stderr, PROG ": monitor: %s\n", strerror(-err));
				break;
			}
		}
	}
	/*
	 * The signals stay blocked: the command ends here, and unblocking
	 * would let a second pending SIGINT kill it (exit 130, not 0).
	 */
	close(sfd);
	nlc_close(c);
	return err;
}
