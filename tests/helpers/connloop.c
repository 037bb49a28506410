/*
 * connloop - new TCP connections at a steady rate, for the failover tests
 *
 *   connloop [-i INTERVAL_MS] [-w WAIT_MS] ADDRESS PORT
 *
 * Every INTERVAL_MS (default 50) opens a new connection to ADDRESS:PORT
 * (IPv4 or IPv6) and reads the one line the server answers (the lab's real
 * servers answer their name). An attempt that has not connected and read
 * its line within WAIT_MS (default 800) fails. Attempts overlap: a slow one
 * does not delay the next, so the rate holds while the service is down,
 * which is what a count of lost connections needs.
 *
 * Prints "ready" on stderr once running, then one line per attempt on
 * stdout, when it ends (so not always in order):
 *   MS SEQ ok NAME        MS: CLOCK_REALTIME in ms when the attempt began
 *   MS SEQ fail WHY
 * Runs until SIGTERM or SIGINT; the attempts still open then are not
 * reported.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TOOL_NAME "connloop"
#include "tool.h"

/* 64 attempts of 800 ms at one per 50 ms leave a margin of four. */
#define CONNLOOP_SLOTS 64

struct attempt {
	int fd; /* -1: a free slot */
	long seq;
	long long began_ms, deadline_ms;
	bool connected;
	size_t got;
	char line[64];
};

struct loop {
	struct sockaddr_storage to;
	socklen_t to_len;
	long interval_ms, wait_ms, seq;
	struct attempt slot[CONNLOOP_SLOTS];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* finish: one line for the attempt, and its slot free again. The line is
 * written at once: the test reads the output while the loop runs. */
static void finish(struct attempt *a, const char *verdict, const char *what)
{
	printf("%lld %ld %s %s\n", a->began_ms, a->seq, verdict, what);
	fflush(stdout);
	close(a->fd);
	a->fd = -1;
}

static void begin(struct loop *l)
{
	struct attempt *a = NULL;
	int fd;

	for (size_t i = 0; i < CONNLOOP_SLOTS && !a; i++)
		if (l->slot[i].fd < 0)
			a = &l->slot[i];
	l->seq++;
	if (!a) {
		printf("%lld %ld fail no free slot\n", now_ms(CLOCK_REALTIME), l->seq);
		fflush(stdout);
		return;
	}
	fd = socket(l->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	*a = (struct attempt){ .fd = fd, .seq = l->seq, .began_ms = now_ms(CLOCK_REALTIME) };
	a->deadline_ms = now_ms(CLOCK_MONOTONIC) + l->wait_ms;
	if (connect(fd, (struct sockaddr *)&l->to, l->to_len) == 0)
		a->connected = true;
	else if (errno != EINPROGRESS)
		finish(a, "fail", strerror(errno));
}

/* step: the attempt's socket is ready (EVENTS from poll). */
static void step(struct attempt *a, short events)
{
	int err = 0;
	socklen_t len = sizeof(err);
	ssize_t n;

	if (!a->connected) {
		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			finish(a, "fail", strerror(err));
			return;
		}
		a->connected = true;
		if (!(events & (POLLIN | POLLHUP)))
			return;
	}
	n = read(a->fd, a->line + a->got, sizeof(a->line) - 1 - a->got);
	if (n < 0) {
		if (errno != EAGAIN)
			finish(a, "fail", strerror(errno));
		return;
	}
	a->got += (size_t)n;
	a->line[a->got] = '\0';
	if (strchr(a->line, '\n') || n == 0 || a->got == sizeof(a->line) - 1) {
		a->line[strcspn(a->line, "\n")] = '\0';
		if (a->line[0])
			finish(a, "ok", a->line);
		else
			finish(a, "fail", "closed without an answer");
	}
}

static void run(struct loop *l)
{
	struct pollfd pfd[CONNLOOP_SLOTS];
	struct attempt *of[CONNLOOP_SLOTS];
	long long next = now_ms(CLOCK_MONOTONIC), now;

	while (!stop) {
		int n = 0, timeout;

		now = now_ms(CLOCK_MONOTONIC);
		if (now >= next) {
			begin(l);
			next += l->interval_ms;
			if (next < now) /* the loop was held up: no burst to catch up */
				next = now + l->interval_ms;
		}
		timeout = (int)(next - now);
		for (size_t i = 0; i < CONNLOOP_SLOTS; i++) {
			struct attempt *a = &l->slot[i];

			if (a->fd < 0)
				continue;
			if (now >= a->deadline_ms) {
				finish(a, "fail", a->connected ? "no answer in time" : "no connection in time");
				continue;
			}
			if (a->deadline_ms - now < timeout)
				timeout = (int)(a->deadline_ms - now);
			pfd[n] = (struct pollfd){ .fd = a->fd, .events = a->connected ? POLLIN : POLLOUT };
			of[n++] = a;
		}
		if (poll(pfd, (nfds_t)n, timeout < 0 ? 0 : timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++)
			if (pfd[i].revents && of[i]->fd >= 0)
				step(of[i], pfd[i].revents);
	}
}

static void parse_address(struct loop *l, const char *addr, long port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&l->to;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->to;

	memset(&l->to, 0, sizeof(l->to));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		l->to_len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		l->to_len = sizeof(*sin6);
	} else {
		die("'%s' is not an IPv4 or IPv6 address", addr);
	}
}

int main(int argc, char **argv)
{
	static struct loop l = { .interval_ms = 50, .wait_ms = 800 };
	struct sigaction sa = { .sa_handler = on_signal };
	int opt;

	while ((opt = getopt(argc, argv, "i:w:")) != -1) {
		switch (opt) {
		case 'i':
			l.interval_ms = parse_number(optarg, 1, 60000, "-i INTERVAL_MS");
			break;
		case 'w':
			l.wait_ms = parse_number(optarg, 1, 60000, "-w WAIT_MS");
			break;
		default:
			die("usage: connloop [-i INTERVAL_MS] [-w WAIT_MS] ADDRESS PORT");
		}
	}
	if (argc - optind != 2)
		die("usage: connloop [-i INTERVAL_MS] [-w WAIT_MS] ADDRESS PORT");
	parse_address(&l, argv[optind], parse_number(argv[optind + 1], 1, 65535, "PORT"));
	if (l.wait_ms > l.interval_ms * (CONNLOOP_SLOTS - 4))
		die("-w WAIT_MS may be at most %ld x -i INTERVAL_MS", (long)(CONNLOOP_SLOTS - 4));
	for (size_t i = 0; i < CONNLOOP_SLOTS; i++)
		l.slot[i].fd = -1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fputs("ready\n", stderr);
	run(&l);
	return 0;
}
