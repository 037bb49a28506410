/* lvsdr events --prom FILE: the resident service's state as a Prometheus
 * text file, rewritten whole (temporary file + rename) on every change.
 * Metric names are documented in lvsdr(8), EVENTS. */
#ifndef LVSDR_EVENTS_METRICS_H
#define LVSDR_EVENTS_METRICS_H

#include <stddef.h>
#include <time.h>

#include "events_fifo.h"
#include "events_health.h"
#include "events_sync.h"

struct events_metrics {
	const char *profile;
	int state;		/* enum event_state of the last event acted on, -1 before any */
	size_t vips, vips_held; /* in the profile; bound on its NIC */
	unsigned long handled, failed, ignored;
	struct event last; /* valid when handled > 0 */
	time_t last_time;
	time_t started;
	const struct events_health *health; /* NULL or none: no real server checked */
	const struct events_sync *sync;	    /* NULL or not enabled: no [sync] */
};

/* 0, or -1 with err. */
int events_metrics_write(const char *path, const struct events_metrics *m, char *err, size_t errlen);

#endif
