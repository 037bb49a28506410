/* lvsdr events' connection sync (include/events_sync.h). Each switch
 * reads the daemons the kernel runs first: one stopped by hand since the
 * last event is not ours any more, and one someone else started is left
 * alone. keepalived's order is kept: stop the other state's daemon, then
 * start this one's. */
#include "events_sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipvs_netlink.h"
#include "lvsdr.h"
#include "syslog_mirror.h"

/* A warning goes to stderr and, as every line of the service's log, to
 * syslog and stdout. */
static void sync_warn(const char *text)
{
	lvsdr_warnx_cmd("events", "warning: %s", text);
	syslog_note("warning: %s", text);
}

static const struct ipvs_daemon *live_of(const struct ipvs_daemon *live, size_t n, enum ipvs_sync_state state)
{
	for (size_t i = 0; i < n; i++)
		if (live[i].state == state)
			return &live[i];
	return NULL;
}

/* Which running daemon is ours: one that matches the profile. start
 * names the ones taken over; otherwise a daemon of ours gone since is
 * named. Foreign ones are named each time: they block a switch. */
static void take_stock(struct events_sync *es, const struct ipvs_daemon *live, size_t n, bool start)
{
	char text[160], msg[320];

	for (int s = IPVS_SYNC_MASTER; s <= IPVS_SYNC_BACKUP; s++) {
		const struct ipvs_daemon *d = live_of(live, n, (enum ipvs_sync_state)s);
		struct ipvs_daemon want = es->want;
		bool was = es->ours[s];

		want.state = (enum ipvs_sync_state)s;
		es->ours[s] = d && ipvs_daemon_matches(d, &want);
		if (d)
			ipvs_daemon_format(d, text, sizeof(text));
		if (d && es->ours[s] && start)
			syslog_note("sync: %s daemon running as the profile says (%s): taken over", ipvs_sync_state_name(want.state), text);
		if (d && !es->ours[s] && start) {
			snprintf(msg, sizeof(msg), "sync: a %s daemon not of this profile runs (%s): left alone",
				 ipvs_sync_state_name(want.state), text);
			sync_warn(msg);
		}
		if (!d && was)
			syslog_note("sync: the %s daemon lvsdr ran is gone (stopped by someone else)",
				    ipvs_sync_state_name(want.state));
	}
}

/* The daemons the kernel runs now, into live; false when unreadable (said). */
static bool read_live(struct events_sync *es, struct ipvs_daemon live[2], size_t *n)
{
	char err[256];

	if (ipvs_netlink_daemons(es->ipvs, live, n, err, sizeof(err)) == 0)
		return true;
	sync_warn(err);
	return false;
}

static void daemon_stop(struct events_sync *es, enum ipvs_sync_state state)
{
	char err[256];
	int ret;

	if (!es->ours[state])
		return;
	ret = ipvs_netlink_daemon_stop(es->ipvs, state, err, sizeof(err));
	/* Gone meanwhile is what was asked. */
	if (ret < 0 && ret != -ESRCH) {
		es->failed++;
		sync_warn(err);
		return;
	}
	es->ours[state] = false;
	syslog_note("sync: %s daemon stopped", ipvs_sync_state_name(state));
}

static void daemon_start(struct events_sync *es, enum ipvs_sync_state state, const struct ipvs_daemon *running)
{
	struct ipvs_daemon want = es->want;
	char text[160], err[320];

	want.state = state;
	if (es->ours[state])
		return;
	if (running) {
		ipvs_daemon_format(running, text, sizeof(text));
		snprintf(err, sizeof(err), "sync: cannot start the %s daemon: one not of this profile runs (%s); left "
					   "alone",
			 ipvs_sync_state_name(state), text);
		es->failed++;
		sync_warn(err);
		return;
	}
	if (ipvs_netlink_daemon_start(es->ipvs, &want, err, sizeof(err)) < 0) {
		es->failed++;
		sync_warn(err);
		return;
	}
	es->ours[state] = true;
	ipvs_daemon_format(&want, text, sizeof(text));
	syslog_note("sync: %s daemon started (%s)", ipvs_sync_state_name(state), text);
}

void events_sync_switch(struct events_sync *es, bool master)
{
	enum ipvs_sync_state run = master ? IPVS_SYNC_MASTER : IPVS_SYNC_BACKUP;
	enum ipvs_sync_state other = master ? IPVS_SYNC_BACKUP : IPVS_SYNC_MASTER;
	struct ipvs_daemon live[2];
	size_t n;

	if (!es->enabled)
		return;
	es->switches++;
	if (!read_live(es, live, &n)) {
		es->failed++;
		return;
	}
	take_stock(es, live, n, false);
	daemon_stop(es, other);
	daemon_start(es, run, live_of(live, n, run));
}

int events_sync_init(struct events_sync *es, const struct host *want, char *err, size_t errlen)
{
	struct ipvs_daemon live[2];
	size_t n;

	memset(es, 0, sizeof(*es));
	if (!want->sync.enabled)
		return 0;
	if (ipvs_netlink_open(&es->ipvs, err, errlen) < 0)
		return -1;
	es->enabled = true;
	es->want = want->sync.daemon;
	if (ipvs_netlink_daemons(es->ipvs, live, &n, err, errlen) < 0)
		return -1;
	take_stock(es, live, n, true);
	return 0;
}

int events_sync_reload(struct events_sync *es, const struct host *want, char *err, size_t errlen)
{
	const struct sync_policy *sp = &want->sync;
	struct ipvs_daemon live[2];
	bool ran[3];
	size_t n;

	if (sp->enabled == es->enabled && (!sp->enabled || !memcmp(&sp->daemon, &es->want, sizeof(es->want))))
		return 0;
	if (sp->enabled && !es->ipvs && ipvs_netlink_open(&es->ipvs, err, errlen) < 0)
		return -1;
	memcpy(ran, es->ours, sizeof(ran));
	/* The old profile's daemons go first: the kernel runs one of each
	 * state, and the new profile's would be refused. */
	daemon_stop(es, IPVS_SYNC_MASTER);
	daemon_stop(es, IPVS_SYNC_BACKUP);
	es->enabled = sp->enabled;
	es->want = sp->daemon;
	if (!es->enabled) {
		events_sync_free(es);
		return 0;
	}
	if (!read_live(es, live, &n))
		return 0;
	for (int s = IPVS_SYNC_MASTER; s <= IPVS_SYNC_BACKUP; s++)
		if (ran[s])
			daemon_start(es, (enum ipvs_sync_state)s, live_of(live, n, (enum ipvs_sync_state)s));
	return 0;
}

void events_sync_free(struct events_sync *es)
{
	ipvs_netlink_close(es->ipvs);
	es->ipvs = NULL;
}
