/* lvsdr events: the resident service beside keepalived. keepalived writes
 * every VRRP state change, in order, to its notify FIFO and starts this
 * command as the FIFO's reader (vrrp_notify_fifo_script, which appends the
 * FIFO's path). Each event is acted on in that order, one at a time, by
 * the code of takeover (MASTER) and release (the others): the profile is
 * read and the announcing socket opened before the first event, and the
 * links and addresses followed from the kernel's notifications (a view,
 * src/rtnetlink_view.c), so a MASTER costs the lock, the record, a bind
 * and a frame. A single poll loop (the FIFO, signals, the notifications,
 * the announcement timer) holds it all: later duties are more descriptors
 * and timers in it. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "rtnetlink.h"
#include "engine.h"
#include "events_fifo.h"
#include "events_health.h"
#include "events_metrics.h"
#include "events_sync.h"
#include "garp.h"
#include "lvsdr.h"
#include "monitor.h"
#include "notified.h"
#include "owned.h"
#include "privilege.h"
#include "profile.h"
#include "sysctl.h"
#include "syslog_mirror.h"
#include "util.h"

static const char events_usage[] =
	"Usage: lvsdr events [--name NAME]... [--prom FILE] PROFILE FIFO\n"
	"Read keepalived's notify FIFO (vrrp_notify_fifo) and act on each event in order:\n"
	"MASTER runs takeover, BACKUP, FAULT, STOP or DELETED runs release. In keepalived.conf:\n"
	"  vrrp_notify_fifo /run/keepalived/lvsdr.fifo\n"
	"  vrrp_notify_fifo_script \"/usr/sbin/lvsdr events /etc/lvsdr/director.ini\"\n"
	"A missing FIFO is made. SIGHUP reads the profile again (a bad one is refused and\n"
	"the old one kept). SIGTERM or SIGINT: the events keepalived still writes (its STOP\n"
	"follows the signal) are acted on until it closes the FIFO, for up to 2 s, then the\n"
	"service ends, leaving the VIPs as the last event left them.\n"
	"With [health] in PROFILE, every real server of its tcp and udp services is checked the\n"
	"DR way, never holding an event back; one failing is held at weight 0 or removed, and\n"
	"below [health] quorum the VIPs are released, as [health] says.\n"
	"With [sync], the kernel's IPVS sync daemon runs as master after MASTER and as backup\n"
	"after the others; at the end the daemons stay as the last event left them.\n"
	"  -n, --name NAME  act only on the events of this instance or group (repeatable;\n"
	"                   default: every event)\n"
	"      --prom FILE  keep FILE (*.prom) up to date for node_exporter\n"
	"Every event, its outcome and each change go to stdout and syslog.\n"
	"Exit status: 0 stopped by a signal, 2 error before the first event.\n";

struct resident {
	const char *profile, *fifo_path, *prom;
	char **names;
	size_t nnames;
	unsigned stops;		/* SIGTERM and SIGINT received */
	uint64_t stop_deadline; /* the end of the grace after the first */
	struct host want;	/* the profile as read at start or by SIGHUP */
	struct netlink *nl;	/* rtnetlink, open for the whole run */
	struct garp_sender *garp;
	struct fifo_reader fifo;
	int sigfd;
	struct events_metrics m;
	struct events_health health; /* [health]: the DR checks of the real servers */
	struct events_sync sync;     /* [sync]: the connection-sync daemons */
	/* Per event only flock() and no realpath(): the lock file stays open
	 * and the record's next file is made between events (owned_keep), the
	 * profile's canonical path is resolved when it is read. */
	struct owned_keep keep;
	char *canonical;
	/* The rounds of the last takeover still to send: round next_round of
	 * rounds is due at announce_start + announce_round_at(). */
	struct vip *announce;
	size_t nannounce;
	unsigned next_round, rounds;
	uint64_t announce_start;
};

/* One line of the service's log: syslog at LOG_INFO and stdout, as are
 * the changes each event makes (syslog_note_echo()). */
static void resident_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void resident_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	syslog_vnote(fmt, ap);
	va_end(ap);
}

static void resident_metrics(struct resident *r)
{
	char err[PATH_MAX + 64];

	if (r->prom && events_metrics_write(r->prom, &r->m, err, sizeof(err)) < 0)
		lvsdr_warnx_cmd("events", "--prom: %s", err);
}

/* The profile, read and judged as takeover would; the old one stays
 * untouched on failure. 0, or -1 with the reasons printed. */
static int resident_load(struct resident *r, struct host *out)
{
	char err[512];
	bool good = profile_load_report(r->profile, out, err, sizeof(err)) == 0;

	if (good && geteuid() == 0 && profile_trusted(r->profile, &out->source, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s", err);
		good = false;
	} else if (good && out->role != ROLE_DIRECTOR) {
		lvsdr_warnx("%s: events is for role = director; a real server never takes VIPs over",
			    r->profile);
		good = false;
	}
	/* A profile refused is freed all the same: parts of it were read. */
	if (!good) {
		host_free(out);
		return -1;
	}
	/* The name its record entries carry, as of this read (NULL: each run
	 * resolves it, and says why it cannot). */
	free(r->canonical);
	r->canonical = realpath(r->profile, NULL);
	return 0;
}

/* Read the live state as it is now (a run killed before us may have left
 * half of it): how many VIPs of the profile are bound, and, at start, the
 * announcing socket for the NIC. 0, or an exit status. */
static int resident_read_state(struct resident *r, bool open_garp)
{
	struct session_options opt = { .expect = EXPECT_ANY, .loaded = &r->want, .nl = r->nl, .resident = true };
	struct session s;
	char err[256];
	int status = session_open(&s, r->profile, &opt);

	if (status == LVSDR_EXIT_OK) {
		r->m.vips_held = session_still_bound(&s.live, s.want.vips, s.want.nvips, s.want.vips);
		if (open_garp && garp_open_live(&r->garp, &s.live, err, sizeof(err)) < 0) {
			lvsdr_warnx("%s: %s", r->profile, err);
			status = LVSDR_EXIT_ERROR;
		}
	}
	session_close(&s);
	return status;
}

static void announce_cancel(struct resident *r)
{
	free(r->announce);
	r->announce = NULL;
	r->nannounce = 0;
}

/* A later round of the last takeover, under the lock, for the VIPs still
 * bound: a release meanwhile (by hand, or another run) is not undone. */
static void announce_round(struct resident *r)
{
	struct session_options opt = { .lock = true, .expect = EXPECT_ANY, .loaded = &r->want, .nl = r->nl, .resident = true, .keep = &r->keep, .canonical = r->canonical };
	struct session s;
	int ret = -1;

	if (session_open(&s, r->profile, &opt) == LVSDR_EXIT_OK && garp_sends_for(r->garp, &s.live)) {
		r->nannounce = session_still_bound(&s.live, r->announce, r->nannounce, r->announce);
		ret = r->nannounce ? garp_round(r->garp, r->announce, r->nannounce, r->want.garp.mode) : 0;
	}
	session_close(&s);
	if (ret < 0)
		lvsdr_warnx("%s: announcements stopped after %u of %u rounds", r->profile,
			    r->next_round, r->rounds);
	if (ret < 0 || !r->nannounce || ++r->next_round >= r->rounds)
		announce_cancel(r);
}

/* Milliseconds until the next announcement is due, -1 for none. */
static int announce_wait_ms(const struct resident *r)
{
	if (!r->nannounce)
		return -1;
	return ms_until(r->announce_start + announce_round_at(&r->want.garp, r->next_round), monotonic_ns());
}

static bool resident_selected(const struct resident *r, const char *name)
{
	if (!r->nnames)
		return true;
	for (size_t i = 0; i < r->nnames; i++)
		if (!strcmp(r->names[i], name))
			return true;
	return false;
}

/* The state keepalived gave, for verify --state notified (the track
 * script), as notify records it; after the first frame, which it would
 * delay. Its ticket also makes a notify run still waiting give way. */
static void resident_notified(const struct resident *r, const struct event *ev)
{
	char err[PATH_MAX + 64];
	uint64_t ticket;

	if (notified_arrive(r->profile, event_state_words[ev->state], &ticket, err, sizeof(err)) < 0)
		lvsdr_warnx("warning: %s; verify --state notified may not know this host is %s",
			    err, event_state_words[ev->state]);
}

/* Take the VIPs over or release them, for an event or the quorum: the
 * first frame before the log, then the VIPs held and the announcements
 * still to send. Returns the exit status; *took the time to the end.
 * The lock is taken per event, not once for the service's life: held for
 * good it would keep every other lvsdr run (release or apply by hand, a
 * notify, the health round's own session) waiting 30 s and failing, and
 * it costs an event 0.04 ms. The record is read under it and names the
 * VIP before the bind (plan_execute()), so a SIGKILL between the two
 * leaves a record that claims it, never one that does not. */
static int resident_switch(struct resident *r, bool take, uint64_t *took)
{
	struct director_call call = { .quiet = true, .loaded = &r->want, .nl = r->nl, .garp = &r->garp, .resident = true, .keep = &r->keep, .canonical = r->canonical };
	int status;

	announce_cancel(r);
	r->announce_start = monotonic_ns();
	status = take ? takeover_run(r->profile, &call) : release_run(r->profile, &call);
	*took = monotonic_ns() - r->announce_start;
	if (status == LVSDR_EXIT_OK || (take && status == LVSDR_EXIT_DRIFT && call.held))
		r->m.vips_held = call.nheld;
	else
		resident_read_state(r, false);
	r->rounds = announce_rounds(&r->want.garp);
	if (call.held && call.nheld && r->rounds > 1) {
		r->announce = call.held;
		r->nannounce = call.nheld;
		r->next_round = 1;
		call.held = NULL;
	}
	free(call.held);
	return status;
}

/* Act on one event: takeover or release, then the log and the metrics.
 * A MASTER while the [health] quorum is lost releases: the VIPs come back
 * when it is met again. */
static void resident_act(struct resident *r, const struct event *ev)
{
	bool master = ev->state == EVENT_MASTER, take = master && !r->health.quorum_lost;
	unsigned long n = r->m.handled + 1;
	uint64_t took;
	int status;

	/* The log waits until the first frame has left. */
	syslog_note_hold(true);
	resident_log("event %lu (%s:%lu): %s \"%s\" %s %d: %s%s%s", n, r->fifo_path, r->fifo.lineno,
		     ev->group ? "GROUP" : "INSTANCE", ev->name, event_state_words[ev->state], ev->priority,
		     take ? "taking over" : master ? "not taking over, the quorum is lost ("
						   : "releasing",
		     take || !master ? "" : r->health.quorum_why, take || !master ? "" : ")");
	status = resident_switch(r, take, &took);
	mark_note("switched");
	resident_notified(r, ev);
	mark_note("notified");
	syslog_note_hold(false);
	r->m.handled = n;
	r->m.state = (int)ev->state;
	r->m.last = *ev;
	r->m.last_time = time(NULL);
	if (status != LVSDR_EXIT_OK)
		r->m.failed++;
	resident_log("event %lu: %s %s: exit status %d, %zu of %zu VIPs held (%.2f ms)", n,
		     event_state_words[ev->state], status == LVSDR_EXIT_OK ? "done" : "failed", status, r->m.vips_held,
		     r->want.nvips, (double)took / 1e6);
	if (marks_enabled()) {
		char marks[1024];
		marks_format(marks, sizeof(marks));
		resident_log("event %lu: marks (ms after the line was read): %s", n, marks);
	}
	/* After the VIPs: a takeover's first frame waits for nothing else.
	 * The daemons follow keepalived's state, not the quorum. */
	events_sync_switch(&r->sync, master);
	resident_metrics(r);
}

/* [health] quorum lost, or met again: the VIPs released, or taken back if
 * keepalived's last word was MASTER. */
static void resident_quorum(struct resident *r, enum quorum_change qc)
{
	bool take = qc == QUORUM_MET && r->m.state == EVENT_MASTER;
	uint64_t took;
	int status;

	if (qc == QUORUM_MET && !take) {
		resident_log("health: quorum met again (%s); the last event was %s: the VIPs stay released",
			     r->health.quorum_why, r->m.state < 0 ? "none" : event_state_words[r->m.state]);
		return;
	}
	syslog_note_hold(true);
	resident_log("health: quorum %s (%s): %s", take ? "met again" : "lost", r->health.quorum_why,
		     take ? "taking the VIPs back (the last event was MASTER)" : "releasing the VIPs");
	status = resident_switch(r, take, &took);
	syslog_note_hold(false);
	resident_log("health: quorum %s: exit status %d, %zu of %zu VIPs held (%.2f ms)", take ? "met" : "lost", status,
		     r->m.vips_held, r->want.nvips, (double)took / 1e6);
}

/* The signals waiting: read between events, never during one, so no
 * takeover or release is cut in half. */
static void resident_signals(struct resident *r, bool *reload)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			*reload = true;
		else
			r->stops++;
	}
}

static void resident_reload(struct resident *r);
static void resident_health_init(struct resident *r);
static void resident_quorum(struct resident *r, enum quorum_change qc);

static void resident_line(void *arg, const char *line)
{
	struct resident *r = arg;
	struct event ev;
	const char *why = "a line longer than 511 characters";
	bool reload = false;
	int ret = line ? event_parse(line, &ev, &why) : -1;

	mark_start("line");
	/* Between two events: a SIGHUP counts from the next one on. */
	resident_signals(r, &reload);
	if (reload)
		resident_reload(r);
	if (ret < 0 || (ret > 0 && !resident_selected(r, ev.name))) {
		r->m.ignored++;
		resident_log("%s:%lu: ignored: %s%s%s", r->fifo_path, r->fifo.lineno,
			     ret < 0 ? why : "not one of the --name given", line ? ": " : "", line ? line : "");
		resident_metrics(r);
		return;
	}
	if (ret > 0)
		resident_act(r, &ev);
}

static void resident_reload(struct resident *r)
{
	char err[256];
	struct host fresh;

	if (resident_load(r, &fresh) < 0) {
		lvsdr_warnx("SIGHUP: %s: refused; the profile read before stays in force",
			    r->profile);
		return;
	}
	host_free(&r->want);
	r->want = fresh;
	r->m.vips = r->want.nvips;
	resident_log("SIGHUP: %s read again: %zu VIP%s on %s", r->profile, r->want.nvips,
		     r->want.nvips == 1 ? "" : "s", r->want.ifname);
	if (events_sync_reload(&r->sync, &r->want, err, sizeof(err)) < 0)
		lvsdr_warnx("SIGHUP: %s: [sync]: %s; the sync daemons stay as they were", r->profile, err);
	resident_health_init(r);
	resident_read_state(r, false);
	resident_metrics(r);
}

/* keepalived ends its FIFO's reader with SIGTERM and only then writes
 * STOP (measured with keepalived 2.2.7): after the first SIGTERM or SIGINT
 * the reader goes on acting on what arrives until every writer has closed
 * the FIFO (keepalived has exited), a second signal, or this grace. */
#define LVSDR_EVENTS_STOP_GRACE_MS 2000

static int wait_min(int a, int b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Milliseconds the loop may sleep: until the next announcement, the next
 * round of health checks, or the end of the grace; -1 for as long as
 * nothing happens. */
static int resident_wait_ms(const struct resident *r)
{
	int wait = wait_min(announce_wait_ms(r), events_health_wait_ms(&r->health));

	if (!r->stops)
		return wait;
	return wait_min(wait, ms_until(r->stop_deadline, monotonic_ns()));
}

/* Checks run whatever the state: a backup's table is ready when it takes
 * over. The round is driven on between events and never waits: its socket
 * and deadline are in the loop's poll. */
static void resident_health(struct resident *r)
{
	bool busy = r->health.m || events_health_wait_ms(&r->health) == 0;
	enum quorum_change qc;

	if (!r->health.n || r->stops)
		return;
	qc = events_health_run(&r->health, r->profile, &r->want, r->nl);
	if (qc != QUORUM_SAME)
		resident_quorum(r, qc);
	if (qc != QUORUM_SAME || (busy && !r->health.m))
		resident_metrics(r);
}

static void resident_health_init(struct resident *r)
{
	const struct health_policy *hp = &r->want.health;
	enum quorum_change qc = events_health_init(&r->health, &r->want);

	r->m.health = &r->health;
	if (r->health.n)
		resident_log("health: %zu real server%s checked the DR way every %u ms (timeout %u ms, rise %u, fall %u, "
			     "action %s)",
			     r->health.n, r->health.n == 1 ? "" : "s", hp->interval_ms, hp->timeout_ms,
			     hp->rise, hp->fall, hp->action == HEALTH_REMOVE ? "remove" : "weight0");
	if (qc != QUORUM_SAME)
		resident_quorum(r, qc);
}

/* The FIFO's lines, each acted on. 1 when every writer has closed it, 0,
 * or -1 when it cannot be read any more (said). */
static int resident_read(struct resident *r)
{
	char err[PATH_MAX + 64];
	int ret = fifo_reader_read(&r->fifo, resident_line, r, err, sizeof(err));

	if (ret < 0)
		lvsdr_warnx_cmd("events", "%s", err);
	else if (ret > 0)
		resident_log("%s: every writer closed it (keepalived stopped or restarts): opened again", r->fifo_path);
	return ret;
}

/* The kernel's link and address notifications into the view; said once
 * if it had to be given up (every event then asks the kernel). */
static void resident_watch(struct resident *r)
{
	if (!netlink_watch_drain(r->nl))
		resident_log("rtnetlink notifications cannot be followed any more: each event reads the links and "
			     "addresses from the kernel");
}

/* The loop: the FIFO, the signals, the announcement timer and the health
 * round in flight (its socket; -1, ignored by poll, when none). */
static int resident_loop(struct resident *r)
{
	for (;;) {
		struct pollfd pfd[4] = { { .fd = r->sigfd, .events = POLLIN }, { .fd = r->fifo.fd, .events = POLLIN }, { .fd = events_health_fd(&r->health), .events = POLLIN }, { .fd = netlink_watch_fd(r->nl), .events = POLLIN } };
		int wait = resident_wait_ms(r), ret = 0;
		bool reload = false, stopping = r->stops > 0;

		/* Before the wait, never on an event's path. */
		owned_keep_prepare(&r->keep);
		if (wait != 0 && poll(pfd, 4, wait) < 0 && errno != EINTR) {
			lvsdr_warnx_cmd("events", "poll: %s", strerror(errno));
			return LVSDR_EXIT_ERROR;
		}
		resident_signals(r, &reload);
		if (reload)
			resident_reload(r);
		if (r->stops && !stopping) {
			r->stop_deadline = monotonic_ns() + LVSDR_EVENTS_STOP_GRACE_MS * 1000000ull;
			resident_log("stop asked: acting on what the FIFO still brings, for up to %u ms",
				     LVSDR_EVENTS_STOP_GRACE_MS);
		}
		if (r->stops > 1)
			break;
		/* Between events, so the queue never overruns; an event drains
		 * what is left when its state read starts. */
		if (pfd[3].revents)
			resident_watch(r);
		if (pfd[1].revents && (ret = resident_read(r)) < 0)
			return LVSDR_EXIT_ERROR;
		if (r->stops && (ret > 0 || monotonic_ns() >= r->stop_deadline))
			break;
		if (r->nannounce && announce_wait_ms(r) == 0)
			announce_round(r);
		resident_health(r);
	}
	resident_log("stopping: %lu event%s acted on, %lu failed; the VIPs stay as they are (%zu of %zu held)%s",
		     r->m.handled, r->m.handled == 1 ? "" : "s", r->m.failed, r->m.vips_held, r->want.nvips,
		     r->sync.enabled ? ", and so do the sync daemons" : "");
	return LVSDR_EXIT_OK;
}

/* Everything before the first event: the profile, the privileges, the
 * live state and the announcing socket, the signals, the FIFO. */
static int resident_start(struct resident *r)
{
	char err[PATH_MAX + 64];
	sigset_t set;
	int status;

	if (resident_load(r, &r->want) < 0)
		return LVSDR_EXIT_ERROR;
	syslog_note_echo(stdout);
	r->m = (struct events_metrics){ .profile = r->profile, .state = -1, .vips = r->want.nvips, .started = time(NULL) };
	if ((status = privilege_require(true)) != LVSDR_EXIT_OK)
		return status;
	if (netlink_open(&r->nl, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s", err);
		return LVSDR_EXIT_ERROR;
	}
	/* Without it every event asks the kernel, as takeover does: slower,
	 * as true. */
	if (netlink_watch(r->nl, err, sizeof(err)) < 0)
		lvsdr_warnx("warning: %s; each event reads the links and addresses from the kernel", err);
	if ((status = resident_read_state(r, true)) != LVSDR_EXIT_OK)
		return status;
	if (events_sync_init(&r->sync, &r->want, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s: [sync]: %s", r->profile, err);
		return LVSDR_EXIT_ERROR;
	}
	r->m.sync = &r->sync;
	/* Blocked for good: signalfd hands them to the loop between events. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		lvsdr_warnx_cmd("events", "signalfd: %s", strerror(errno));
		return LVSDR_EXIT_ERROR;
	}
	if (fifo_reader_open(&r->fifo, r->fifo_path, err, sizeof(err)) < 0) {
		lvsdr_warnx_cmd("events", "%s", err);
		return LVSDR_EXIT_ERROR;
	}
	resident_health_init(r);
	/* The metrics first: once "ready" is logged, the textfile is there. */
	resident_metrics(r);
	resident_log("ready: %s, %zu VIP%s on %s (%zu held now), reading %s", r->profile, r->want.nvips,
		     r->want.nvips == 1 ? "" : "s", r->want.ifname, r->m.vips_held, r->fifo_path);
	return LVSDR_EXIT_OK;
}

/* --name and --prom into the resident: -1 to go on, or the status to exit
 * with. */
static int events_option(void *args, int opt)
{
	struct resident *r = args;
	const char *why;

	if (opt == 'n') {
		if (!*optarg || strlen(optarg) >= EVENT_NAME_MAX) {
			lvsdr_warnx_cmd("events", "--name \"%s\": must be 1 to %d characters", optarg,
					EVENT_NAME_MAX - 1);
			return LVSDR_EXIT_ERROR;
		}
		r->names = xreallocarray(r->names, r->nnames + 1, sizeof(*r->names));
		r->names[r->nnames++] = optarg;
	} else if ((why = prom_path_problem(optarg))) { /* 'P' */
		lvsdr_warnx_cmd("events", "--prom %s: %s", optarg, why);
		return LVSDR_EXIT_ERROR;
	} else {
		r->prom = optarg;
	}
	return -1;
}

/* The command line into r: -1 to go on, or the status to exit with. */
static int events_options(int argc, char **argv, struct resident *r)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "prom", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct command_line c = { "events", events_usage, "n:h", options, events_option, 2, 2, false };
	int status = command_line_parse(&c, argc, argv, r);

	if (status >= 0)
		return status;
	r->profile = argv[optind];
	r->fifo_path = argv[optind + 1];
	return -1;
}

int events_main(int argc, char **argv)
{
	struct resident r = { .sigfd = -1, .fifo = { .fd = -1 }, .keep = OWNED_KEEP_INIT };
	int status = events_options(argc, argv, &r);

	/* The knobs' directories, like the lock's, stay open between events. */
	sysctl_keep_dirs(true);
	if (status < 0 && (status = resident_start(&r)) == LVSDR_EXIT_OK)
		status = resident_loop(&r);
	sysctl_keep_dirs(false);
	announce_cancel(&r);
	fifo_reader_close(&r.fifo);
	if (r.sigfd >= 0)
		close(r.sigfd);
	owned_keep_close(&r.keep);
	free(r.canonical);
	garp_close(r.garp);
	if (r.nl)
		netlink_close(r.nl);
	events_health_free(&r.health);
	events_sync_free(&r.sync);
	host_free(&r.want);
	free(r.names);
	return status;
}
