/* [health]: how lvsdr events checks a director's real servers (interval,
 * timeout, rise, fall, action). Format and limits in lvsdr.ini(5); the
 * checking itself is src/events_health.c. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "profile_internal.h"
#include "util.h"

void health_defaults(struct health_policy *hp)
{
	*hp = (struct health_policy){ .interval_ms = LVSDR_HEALTH_INTERVAL_MS, .timeout_ms = LVSDR_HEALTH_TIMEOUT_MS, .rise = LVSDR_HEALTH_RISE, .fall = LVSDR_HEALTH_FALL, .action = HEALTH_WEIGHT0 };
}

static void count_parse(struct diag *d, unsigned line, const char *key, const char *value, unsigned *out)
{
	int n;

	if (!parse_int(value, &n) || n < 1 || n > (int)LVSDR_HEALTH_COUNT_MAX)
		diag_error(d, line, "[health] %s = %s: must be a whole number, 1-%u", key, value,
			   LVSDR_HEALTH_COUNT_MAX);
	else
		*out = (unsigned)n;
}

static void duration_parse(struct diag *d, unsigned line, const char *key, const char *value, unsigned min_ms,
			   unsigned max_ms, const char *example, unsigned *out)
{
	unsigned ms;

	if (!parse_duration_ms(value, &ms) || ms < min_ms || ms > max_ms)
		diag_error(d, line, "[health] %s = %s: must be a duration from %ums to %us, such as %s", key, value,
			   min_ms, max_ms / 1000, example);
	else
		*out = ms;
}

/* quorum 1-max, hysteresis 0-max: weights, as the services' are. */
static void weight_parse(struct diag *d, unsigned line, const char *key, const char *value, unsigned min,
			 unsigned *out, unsigned *out_line)
{
	uint64_t v;

	if (!parse_uint(value, LVSDR_HEALTH_QUORUM_MAX, &v) || v < min)
		diag_error(d, line, "[health] %s = %s: must be a whole number, %u-%u (a sum of real servers' weights)",
			   key, value, min, LVSDR_HEALTH_QUORUM_MAX);
	else
		*out = (unsigned)v, *out_line = line;
}

/* One address, without a port: in direct routing the sorry server gets
 * the frames of the service's own port, as every real server does. */
static void sorry_parse(struct diag *d, unsigned line, const char *value, struct health_policy *hp)
{
	const char *why, *hint;
	bool has_prefix;

	if (!ipaddr_parse(value, &hp->sorry, &has_prefix) || has_prefix) {
		diag_error(d, line, "[health] sorry = %s: must be the sorry server's own IPv4 or IPv6 address, without a "
				    "prefix or a port (in direct routing it serves the service's own port)",
			   value);
		return;
	}
	if ((why = address_unusable(&hp->sorry, &hint))) {
		diag_error(d, line, "[health] sorry = %s: %s, not a server's address%s", value, why, hint);
		return;
	}
	hp->sorry_line = line;
}

void health_key(struct diag *d, unsigned line, enum health_key key, const char *value, struct health_policy *hp)
{
	switch (key) {
	case HEALTH_KEY_INTERVAL:
		duration_parse(d, line, "interval", value, LVSDR_HEALTH_INTERVAL_MIN_MS, LVSDR_HEALTH_INTERVAL_MAX_MS,
			       "2s", &hp->interval_ms);
		break;
	case HEALTH_KEY_TIMEOUT:
		duration_parse(d, line, "timeout", value, PATHCHECK_TIMEOUT_MIN_MS, PATHCHECK_TIMEOUT_MAX_MS, "1s",
			       &hp->timeout_ms);
		break;
	case HEALTH_KEY_RISE:
		count_parse(d, line, "rise", value, &hp->rise);
		break;
	case HEALTH_KEY_FALL:
		count_parse(d, line, "fall", value, &hp->fall);
		break;
	case HEALTH_KEY_ACTION:
		if (!strcmp(value, "weight0"))
			hp->action = HEALTH_WEIGHT0;
		else if (!strcmp(value, "remove"))
			hp->action = HEALTH_REMOVE;
		else
			diag_error(d, line, "[health] action = %s: must be weight0 (its connections finish) or remove",
				   value);
		break;
	case HEALTH_KEY_SORRY:
		sorry_parse(d, line, value, hp);
		break;
	case HEALTH_KEY_QUORUM:
		weight_parse(d, line, "quorum", value, 1, &hp->quorum, &hp->quorum_line);
		break;
	case HEALTH_KEY_HYSTERESIS:
		weight_parse(d, line, "hysteresis", value, 0, &hp->hysteresis, &hp->hysteresis_line);
		break;
	}
}

/* The sorry server stands in for the real servers: it is none of them,
 * and some checked service is of its family. */
static void sorry_check(struct diag *d, const struct host *h)
{
	const struct health_policy *hp = &h->health;
	size_t family_services = 0;
	char text[64];

	ipaddr_format(&hp->sorry, text, sizeof(text));
	for (size_t i = 0; i < h->nservices; i++) {
		const struct ipvs_service *svc = &h->services[i];
		if ((svc->proto != IPPROTO_TCP && svc->proto != IPPROTO_UDP) || svc->ip.family != hp->sorry.family)
			continue;
		family_services++;
		for (size_t j = 0; j < svc->ndests; j++)
			if (!memcmp(svc->dests[j].ip.bytes, hp->sorry.bytes, 16)) {
				diag_error(d, hp->sorry_line, "[health] sorry = %s: is a real server of service %s (line %u); "
							      "the sorry server stands in when every real server is out",
					   text, svc->name,
					   svc->dests[j].line);
				return;
			}
	}
	if (!family_services)
		diag_error(d, hp->sorry_line, "[health] sorry = %s: no tcp or udp service of its address family to "
					      "stand in for",
			   text);
}

/* The quorum can be lost and met again: the hysteresis under it, and
 * every checked service's real servers weighing enough to meet it. */
static void quorum_check(struct diag *d, const struct host *h)
{
	const struct health_policy *hp = &h->health;

	if (hp->hysteresis_line && !hp->quorum_line) {
		diag_error(d, hp->hysteresis_line, "[health] hysteresis = %u: means nothing without quorum; add quorum "
						   "or delete it",
			   hp->hysteresis);
		return;
	}
	if (!hp->quorum_line)
		return;
	if (hp->hysteresis >= hp->quorum) {
		diag_error(d, hp->hysteresis_line, "[health] hysteresis = %u with quorum = %u: must be less than the "
						   "quorum, or the quorum could never be lost",
			   hp->hysteresis, hp->quorum);
		return;
	}
	for (size_t i = 0; i < h->nservices; i++) {
		const struct ipvs_service *svc = &h->services[i];
		unsigned long long sum = 0;
		/* The services events checks (pathcheck_service_skipped()). */
		if (svc->fwmark || (svc->proto != IPPROTO_TCP && svc->proto != IPPROTO_UDP) || !svc->ndests)
			continue;
		for (size_t j = 0; j < svc->ndests; j++)
			sum += svc->dests[j].weight;
		if (sum < (unsigned long long)hp->quorum + hp->hysteresis)
			diag_error(d, hp->quorum_line, "[health] quorum = %u%s: the real servers of service %s weigh %llu "
						       "in all, so the quorum (plus the hysteresis) could never be met",
				   hp->quorum,
				   hp->hysteresis ? " with hysteresis" : "", svc->name, sum);
	}
}

/* The rules that need the whole file: a round must end before the next
 * is due, and there must be something to check. */
void health_check(struct diag *d, const struct host *h, unsigned timeout_line)
{
	const struct health_policy *hp = &h->health;
	size_t checked = 0;

	if (!hp->enabled)
		return;
	/* A round waits up to twice the timeout: the MACs, then the probes. */
	if (2ull * hp->timeout_ms >= hp->interval_ms)
		diag_error(d, timeout_line ? timeout_line : hp->line, "[health] timeout = %ums with interval = %ums: a "
								      "round of checks waits up to twice the timeout, which must be less than the interval",
			   hp->timeout_ms, hp->interval_ms);
	for (size_t i = 0; i < h->nservices; i++)
		checked += h->services[i].proto == IPPROTO_TCP || h->services[i].proto == IPPROTO_UDP ? 1 : 0;
	if (h->role == ROLE_DIRECTOR && !checked)
		diag_error(d, hp->line, "[health]: no [service NAME] with a tcp or udp port to check; add one or delete "
					"[health]");
	if (h->role == ROLE_DIRECTOR && checked && hp->sorry_line)
		sorry_check(d, h);
	if (h->role == ROLE_DIRECTOR && checked)
		quorum_check(d, h);
}
