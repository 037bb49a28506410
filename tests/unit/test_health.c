/* lvsdr events' health checks: the rise/fall state machine, the [health]
 * keys (values, limits, the line each error lands on), and what a held
 * real server does to the plan of the IPVS table. */
#include <netinet/in.h>
#include <string.h>

#include "harness.h"
#include "health.h"
#include "profile.h"

/* Lines 1-12: a director with one tcp service of two real servers. */
#define HEAD "[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100/24\n\n" \
	     "[service web]\naddress = 192.0.2.100\nport = tcp/80\nrealserver = 192.0.2.11\nrealserver = 192.0.2.12\n"

static bool only_error(const struct diag *d, unsigned line, const char *text)
{
	char want[512];

	snprintf(want, sizeof(want), "t.ini:%u: %s", line, text);
	if (d->count != 1 || d->entries[0].line != line || strcmp(d->entries[0].text, want)) {
		for (size_t i = 0; i < d->count; i++)
			printf("#   %u: %s\n", d->entries[i].line, d->entries[i].text);
		return false;
	}
	return true;
}

/* Parse HEAD + tail; true when it gives exactly one error, text at line. */
static bool refused(const char *tail, unsigned line, const char *text)
{
	char buf[1024];
	struct diag d = { .file = "t.ini" };
	struct host h;
	bool ok;

	snprintf(buf, sizeof(buf), "%s%s", HEAD, tail);
	profile_parse_exact(buf, strlen(buf), &h, &d);
	ok = only_error(&d, line, text);
	host_free(&h);
	diag_free(&d);
	return ok;
}

static void test_rise_fall(void)
{
	struct health_state st = { 0 };
	bool flips[8];
	/* fall 3, rise 2: F F S F F F S S */
	const bool passed[8] = { false, false, true, false, false, false, true, true };

	for (int i = 0; i < 8; i++)
		flips[i] = health_record(&st, passed[i], 2, 3);
	CHECK(!flips[0] && !flips[1] && !flips[2] && !flips[3] && !flips[4] && flips[5],
	      "health_record: fall 3 goes down on the third failure in a row, a success between resets the count");
	CHECK(!flips[6] && flips[7] && !st.down, "health_record: rise 2 comes back on the second success in a row");
	CHECK(st.checks == 8 && st.failed == 5, "health_record: counts every check and every failure (8, 5)");
	st = (struct health_state){ .down = true };
	CHECK(!health_record(&st, true, 3, 1) && !health_record(&st, false, 3, 1) && !health_record(&st, true, 3, 1) &&
		      !health_record(&st, true, 3, 1) && health_record(&st, true, 3, 1) && !st.down,
	      "health_record: down, a failure between successes restarts the rise");
	st = (struct health_state){ 0 };
	CHECK(health_record(&st, false, 1, 1) && st.down && health_record(&st, true, 1, 1) && !st.down &&
		      !health_record(&st, true, 1, 1),
	      "health_record: rise 1, fall 1 follow every result; a passing one that is up stays up");
}

static void test_quorum(void)
{
	bool lost = false;
	/* quorum 4, hysteresis 1: lost below 3, met again at 5 */
	CHECK(!quorum_record(&lost, 4, 4, 1) && !quorum_record(&lost, 3, 4, 1) && !lost,
	      "quorum_record: met, a live weight down to quorum - hysteresis keeps it met");
	CHECK(quorum_record(&lost, 2, 4, 1) && lost, "quorum_record: below quorum - hysteresis, lost");
	CHECK(!quorum_record(&lost, 3, 4, 1) && !quorum_record(&lost, 4, 4, 1) && lost,
	      "quorum_record: lost, back to the quorum itself is not enough with a hysteresis");
	CHECK(quorum_record(&lost, 5, 4, 1) && !lost, "quorum_record: at quorum + hysteresis, met again");
	lost = false;
	CHECK(!quorum_record(&lost, 1, 1, 0) && quorum_record(&lost, 0, 1, 0) && lost && quorum_record(&lost, 1, 1, 0) &&
		      !lost,
	      "quorum_record: quorum 1 without hysteresis follows the last real server exactly");

	struct health_target t[5] = {
		{ .svc = 0, .weight = 3 },
		{ .svc = 0, .weight = 2 },
		{ .svc = 2, .weight = 1 },
		{ .svc = 2, .weight = 4 },
		{ .svc = 0, .weight = 1 },
	};
	size_t svc = 99;
	CHECK(quorum_live_weight(t, 5, &svc) == 5 && svc == 2,
	      "quorum_live_weight: per service, the least (service 2 weighs 5, service 0 weighs 6)");
	t[0].st.down = t[4].st.down = true;
	CHECK(quorum_live_weight(t, 5, &svc) == 2 && svc == 0,
	      "quorum_live_weight: a real server down weighs nothing (service 0 down to 2)");
	t[2].st.down = t[3].st.down = true;
	CHECK(quorum_live_weight(t, 5, &svc) == 0 && svc == 2, "quorum_live_weight: every real server down: 0");
	CHECK(quorum_live_weight(t, 0, &svc) == UINT64_MAX, "quorum_live_weight: nothing checked: no quorum to lose");
}

static void test_keys(void)
{
	char buf[1024];
	struct diag d = { .file = "t.ini" };
	struct host h;

	snprintf(buf, sizeof(buf), "%s", HEAD);
	CHECK(profile_parse_exact(buf, strlen(buf), &h, &d) == 0 && !h.health.enabled,
	      "[health]: absent, nothing is checked");
	host_free(&h);
	snprintf(buf, sizeof(buf), "%s\n[health]\n", HEAD);
	CHECK(profile_parse_exact(buf, strlen(buf), &h, &d) == 0 && h.health.enabled && h.health.line == 14 &&
		      h.health.interval_ms == LVSDR_HEALTH_INTERVAL_MS && h.health.timeout_ms == LVSDR_HEALTH_TIMEOUT_MS &&
		      h.health.rise == LVSDR_HEALTH_RISE && h.health.fall == LVSDR_HEALTH_FALL &&
		      h.health.action == HEALTH_WEIGHT0,
	      "[health] alone: the defaults (2s, 500ms, rise 2, fall 3, weight0)");
	host_free(&h);
	snprintf(buf, sizeof(buf), "%s\n[health]\ninterval = 10s\ntimeout = 1s\nrise = 5\nfall = 1\naction = remove\n",
		 HEAD);
	CHECK(profile_parse_exact(buf, strlen(buf), &h, &d) == 0 && h.health.interval_ms == 10000 &&
		      h.health.timeout_ms == 1000 && h.health.rise == 5 && h.health.fall == 1 &&
		      h.health.action == HEALTH_REMOVE,
	      "[health]: every key read");

	host_free(&h);
	diag_free(&d);
	CHECK(refused("[health]\ninterval = 50ms\n", 14,
		      "[health] interval = 50ms: must be a duration from 100ms to 3600s, such as 2s"),
	      "[health] interval = 50ms refused at its line");
	CHECK(refused("[health]\ninterval = 2\n", 14,
		      "[health] interval = 2: must be a duration from 100ms to 3600s, such as 2s"),
	      "[health] interval without a unit refused");
	CHECK(refused("[health]\ntimeout = 0s\n", 14,
		      "[health] timeout = 0s: must be a duration from 10ms to 60s, such as 1s"),
	      "[health] timeout = 0s refused");
	CHECK(refused("[health]\nrise = 0\n", 14, "[health] rise = 0: must be a whole number, 1-100"),
	      "[health] rise = 0 refused");
	CHECK(refused("[health]\nfall = 101\n", 14, "[health] fall = 101: must be a whole number, 1-100"),
	      "[health] fall = 101 refused");
	CHECK(refused("[health]\nfall = three\n", 14, "[health] fall = three: must be a whole number, 1-100"),
	      "[health] fall = three refused");
	CHECK(refused("[health]\naction = Remove\n", 14,
		      "[health] action = Remove: must be weight0 (its connections finish) or remove"),
	      "[health] action is case-sensitive");
	CHECK(refused("[health]\ninterval = 1s\ntimeout = 500ms\n", 15,
		      "[health] timeout = 500ms with interval = 1000ms: a round of checks waits up to twice the "
		      "timeout, which must be less than the interval"),
	      "[health] a timeout of half the interval refused at the timeout's line");
	CHECK(refused("[health]\nsorry = 192.0.2.13:80\n", 14,
		      "[health] sorry = 192.0.2.13:80: must be the sorry server's own IPv4 or IPv6 address, without a "
		      "prefix or a port (in direct routing it serves the service's own port)"),
	      "[health] sorry with a port refused");
	CHECK(refused("[health]\nsorry = 192.0.2.12\n", 14,
		      "[health] sorry = 192.0.2.12: is a real server of service web (line 12); the sorry server stands "
		      "in when every real server is out"),
	      "[health] sorry that is a real server refused");
	CHECK(refused("[health]\nsorry = 2001:db8::13\n", 14,
		      "[health] sorry = 2001:db8::13: no tcp or udp service of its address family to stand in for"),
	      "[health] sorry of a family without a service refused");
	CHECK(refused("[health]\nsorry = 224.0.0.1\n", 14,
		      "[health] sorry = 224.0.0.1: multicast (224.0.0.0/4), not a server's address"),
	      "[health] sorry on a multicast address refused");
	CHECK(refused("[health]\nrise = 2\nrise = 3\n", 15,
		      "[health] rise is set again (first at line 14); set each key once"),
	      "[health] a key set twice refused");
}

/* quorum and hysteresis: read, and each bad value or pair refused at the
 * line to change. */
static void test_quorum_keys(void)
{
	static const struct {
		const char *tail;
		unsigned line;
		const char *text, *name;
	} bad[] = {
		{ "[health]\nquorum = 0\n", 14,
		  "[health] quorum = 0: must be a whole number, 1-1000000 (a sum of real servers' weights)",
		  "[health] quorum = 0 refused" },
		{ "[health]\nhysteresis = x\n", 14,
		  "[health] hysteresis = x: must be a whole number, 0-1000000 (a sum of real servers' weights)",
		  "[health] hysteresis not a number refused" },
		{ "[health]\nhysteresis = 1\n", 14,
		  "[health] hysteresis = 1: means nothing without quorum; add quorum or delete it",
		  "[health] hysteresis without quorum refused at its line" },
		{ "[health]\nquorum = 2\nhysteresis = 2\n", 15,
		  "[health] hysteresis = 2 with quorum = 2: must be less than the quorum, or the quorum could never be lost",
		  "[health] hysteresis as large as the quorum refused at its line" },
		{ "[health]\nquorum = 3\n", 14,
		  "[health] quorum = 3: the real servers of service web weigh 2 in all, so the quorum (plus the "
		  "hysteresis) could never be met",
		  "[health] a quorum above the service's total weight refused at its line" },
		{ "[health]\nhysteresis = 1\nquorum = 2\n", 15,
		  "[health] quorum = 2 with hysteresis: the real servers of service web weigh 2 in all, so the quorum "
		  "(plus the hysteresis) could never be met",
		  "[health] quorum + hysteresis above the total weight refused at the quorum's line" },
	};
	struct diag d = { .file = "t.ini" };
	char buf[1024];
	struct host h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(refused(bad[i].tail, bad[i].line, bad[i].text), "%s", bad[i].name);
	/* HEAD with rs2 at weight 2: 3 in all. */
	snprintf(buf, sizeof(buf), "%s", HEAD);
	buf[strlen(buf) - 1] = '\0';
	strcat(buf, " weight=2\n\n[health]\nquorum = 2\nhysteresis = 1\n");
	CHECK(profile_parse_exact(buf, strlen(buf), &h, &d) == 0 && h.health.quorum == 2 && h.health.hysteresis == 1 &&
		      h.health.quorum_line == 15 && h.health.hysteresis_line == 16,
	      "[health] quorum and hysteresis read (real servers weighing 3: quorum + hysteresis can be met)");
	host_free(&h);
	diag_free(&d);
}

static void test_keys_whole_file(void)
{
	static const char no_service[] = "[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100/24\n"
					 "\n[health]\n";
	static const char realserver[] = "[host]\nrole = realserver\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100\n"
					 "\n[health]\nfall = 2\n";
	struct diag d = { .file = "t.ini" };
	struct host h;

	profile_parse_exact(no_service, strlen(no_service), &h, &d);
	CHECK(only_error(&d, 8, "[health]: no [service NAME] with a tcp or udp port to check; add one or delete "
				"[health]"),
	      "[health] on a director without a service refused at its header");
	host_free(&h);
	diag_free(&d);
	d = (struct diag){ .file = "t.ini" };
	profile_parse_exact(realserver, strlen(realserver), &h, &d);
	CHECK(only_error(&d, 9, "[health] fall: only a director checks real servers (role = realserver at line 2)"),
	      "[health] on a real server refused at its key");
	host_free(&h);
	diag_free(&d);
}

void test_health(void)
{
	test_rise_fall();
	test_quorum();
	test_keys();
	test_quorum_keys();
	test_keys_whole_file();
}
