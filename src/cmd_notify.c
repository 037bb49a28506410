/* lvsdr notify: keepalived's notify script. keepalived appends
 * TYPE NAME STATE PRIORITY to the command it runs; MASTER takes over,
 * BACKUP, FAULT, STOP and DELETED (sent with notify_deleted) release.
 * keepalived starts its scripts without waiting for the previous one: each
 * run takes a ticket as it starts, and one that gets the lock after a newer
 * event has arrived gives up, so the last event to arrive wins. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "engine.h"
#include "lvsdr.h"
#include "notified.h"
#include "syslog_mirror.h"

static const char notify_usage[] =
	"Usage: lvsdr notify PROFILE [TYPE NAME] STATE [PRIORITY]\n"
	"keepalived notify entry point: STATE MASTER runs takeover, BACKUP, FAULT, STOP or DELETED\n"
	"runs release. In keepalived.conf: notify \"/usr/sbin/lvsdr notify /etc/lvsdr/director.ini\"\n"
	"The state is recorded for verify --state notified (the track script). The last event\n"
	"to arrive wins: an older one still waiting for the lock gives way and exits 0.\n"
	"Exit status: as takeover and release.\n";

struct notify_event {
	const char *profile, *state;
	uint64_t ticket; /* 0: the order is unknown, the event runs */
};

static bool notify_superseded(void *arg)
{
	const struct notify_event *e = arg;
	char newer[NOTIFIED_STATE_MAX], err[PATH_MAX + 64];
	int ret;

	if (!e->ticket)
		return false;
	if ((ret = notified_newer(e->profile, e->ticket, newer, err, sizeof(err))) < 0)
		lvsdr_warnx("warning: %s: cannot tell whether a newer event arrived; %s goes ahead",
			    err, e->state);
	if (ret <= 0)
		return false;
	printf("%s: %s superseded by a newer event (%s); nothing changed\n", e->profile, e->state, newer);
	syslog_note("%s: %s superseded by a newer event (%s); nothing changed", e->profile, e->state, newer);
	return true;
}

int notify_main(int argc, char **argv)
{
	struct notify_event event;
	struct session_order order = { notify_superseded, &event };
	const char *state;
	char err[PATH_MAX + 64];

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return command_line_usage(notify_usage, 'h');
	/* notify PROFILE STATE | notify PROFILE TYPE NAME STATE [PRIORITY] */
	if (argc == 3)
		state = argv[2];
	else if (argc == 5 || argc == 6)
		state = argv[4];
	else
		return command_line_usage(notify_usage, '?');
	bool master = !strcmp(state, "MASTER");
	if (!master && strcmp(state, "BACKUP") && strcmp(state, "FAULT") && strcmp(state, "STOP") &&
	    strcmp(state, "DELETED")) {
		lvsdr_warnx_cmd("notify", "state \"%s\" is not MASTER, BACKUP, FAULT, STOP or DELETED", state);
		return LVSDR_EXIT_ERROR;
	}
	/* First, before the profile is read: the ticket keeps the order in
	 * which events arrive, and the state record, written with it, lets the
	 * track script judge by the newest state at once. Neither may cost the
	 * failover. */
	event = (struct notify_event){ .profile = argv[1], .state = state };
	/* A profile that cannot be read is said so by the run itself, below. */
	if (notified_arrive(argv[1], state, &event.ticket, err, sizeof(err)) < 0 && access(argv[1], R_OK) == 0)
		lvsdr_warnx("warning: %s: %s; verify --state notified may not know this host is %s",
			    err, event.ticket ? "the order of events is kept" : "events may run out of order",
			    state);
	struct director_call call = { .order = &order };
	int status = master ? takeover_run(argv[1], &call) : release_run(argv[1], &call);
	free(call.held);
	return status;
}
