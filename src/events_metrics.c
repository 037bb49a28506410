#include "events_metrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "host.h"
#include "monitor.h"
#include "record_file.h"

/* A family of one sample, labelled with the profile only. */
static void metric(FILE *out, const char *name, const char *help, long long value, const char *profile)
{
	prom_family(out, name, help);
	prom_sample(out, name, value, "profile", profile, NULL);
}

/* [health]: one sample per real server of each checked service. */
static void metrics_health(FILE *out, const struct events_metrics *m)
{
	static const struct {
		const char *name, *help;
	} families[] = {
		{ "lvsdr_events_realserver_up", "1 while the real server passes its DR check (rise/fall counted), 0 held out." },
		{ "lvsdr_events_realserver_weight", "The weight lvsdr events gives the real server: the profile's, 0 held out." },
		{ "lvsdr_events_realserver_checks", "DR checks of the real server run since the service started." },
		{ "lvsdr_events_realserver_checks_failed", "DR checks of the real server that failed." },
	};
	const struct events_health *eh = m->health;

	for (size_t f = 0; eh && eh->n && f < sizeof(families) / sizeof(families[0]); f++) {
		prom_family(out, families[f].name, families[f].help);
		for (size_t i = 0; i < eh->n; i++) {
			const struct health_target *t = &eh->t[i];
			long long v[] = { !t->st.down, t->st.down ? 0 : (long long)t->weight, (long long)t->st.checks,
					  (long long)t->st.failed };
			char rs[64];
			ipaddr_format(&t->ip, rs, sizeof(rs));
			prom_sample(out, families[f].name, v[f], "profile", m->profile, "service", t->service,
				    "realserver", rs, NULL);
		}
	}
}

/* [sync]: which daemon lvsdr runs, and the switches that failed. */
static void metrics_sync(FILE *out, const struct events_metrics *m)
{
	const struct events_sync *es = m->sync;

	if (!es || !es->enabled)
		return;
	prom_family(out, "lvsdr_events_sync_daemon", "1 while the IPVS sync daemon of this state runs as the profile's "
						     "[sync] says (started or taken over by lvsdr events).");
	for (int s = IPVS_SYNC_MASTER; s <= IPVS_SYNC_BACKUP; s++)
		prom_sample(out, "lvsdr_events_sync_daemon", es->ours[s], "profile", m->profile, "state",
			    ipvs_sync_state_name((enum ipvs_sync_state)s), NULL);
	metric(out, "lvsdr_events_sync_failed", "Sync daemon starts, stops and reads that failed.", (long long)es->failed,
	       m->profile);
}

/* Its signature is record_render()'s: ctx is the struct events_metrics. */
static void metrics_render(FILE *out, const void *ctx)
{
	const struct events_metrics *m = ctx;
	const char *p = m->profile;

	prom_family(out, "lvsdr_events_state", "1 for the state of the last keepalived event acted on (none before the first).");
	prom_sample(out, "lvsdr_events_state", m->state < 0, "profile", p, "state", "none", NULL);
	for (int s = 0; s < 5; s++)
		prom_sample(out, "lvsdr_events_state", m->state == s, "profile", p, "state", event_state_words[s], NULL);
	metric(out, "lvsdr_events_vips", "VIPs in the profile.", m->vips, p);
	metric(out, "lvsdr_events_vips_held", "VIPs of the profile bound on its interface after the last event.",
	       m->vips_held, p);
	metric(out, "lvsdr_events_handled", "Events acted on since the service started.", m->handled, p);
	metric(out, "lvsdr_events_failed", "Events whose takeover or release did not complete (exit status not 0).",
	       m->failed, p);
	metric(out, "lvsdr_events_ignored", "FIFO lines not acted on: malformed, or a name not selected.", m->ignored, p);
	metric(out, "lvsdr_events_started_timestamp_seconds", "When the service started.", m->started, p);
	metrics_health(out, m);
	if (m->health && m->health->quorum_set)
		metric(out, "lvsdr_events_quorum", "1 while every checked service's live real servers meet [health] quorum, "
						   "0 while it is lost (the VIPs released).",
		       !m->health->quorum_lost, p);
	metrics_sync(out, m);
	if (!m->handled)
		return;
	metric(out, "lvsdr_events_last_event_timestamp_seconds", "When the last event acted on arrived.", m->last_time, p);
	prom_family(out, "lvsdr_events_last_event", "The last event acted on, as keepalived wrote it.");
	prom_sample(out, "lvsdr_events_last_event", 1, "profile", p, "type", m->last.group ? "GROUP" : "INSTANCE",
		    "name", m->last.name, "state", event_state_words[m->last.state], NULL);
}

int events_metrics_write(const char *path, const struct events_metrics *m, char *err, size_t errlen)
{
	return record_render(path, metrics_render, m, prom_write_file, err, errlen) < 0 ? -1 : 0;
}
