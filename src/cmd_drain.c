/* lvsdr drain / undrain: hold a real server at weight 0 on every service of
 * the profile (its established connections finish, new ones go elsewhere),
 * across later applies and reboots, until undrain gives its weight back. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "lvsdr.h"
#include "privilege.h"
#include "util.h"

#define DRAIN_WAIT_MS_DEFAULT 300000u

static const char drain_usage[] =
	"Usage: lvsdr drain [-q] [-w DURATION] PROFILE REALSERVER\n"
	"Set REALSERVER's weight to 0 on every service of PROFILE and wait until its active\n"
	"connections are gone; it stays drained across applies and reboots until undrain.\n"
	"  -w, --wait DURATION  how long to wait for the connections to end (default 300s,\n"
	"                       0: do not wait)\n"
	"  -q, --quiet          print only errors\n"
	"Exit status: 0 drained, no active connection left, 1 drained but connections remain\n"
	"after the wait, 2 error (nothing changed).\n";

static const char undrain_usage[] =
	"Usage: lvsdr undrain [-q] PROFILE REALSERVER\n"
	"Give REALSERVER, drained by lvsdr drain, its weight back as PROFILE sets it.\n"
	"  -q, --quiet   print only errors\n"
	"Exit status: 0 done, 2 error (nothing changed).\n";

/* Keep only the plan's steps that change rs's weight: a drain touches
 * nothing else, whatever other drift the host has. */
static void plan_keep_realserver(struct plan *p, const struct ip_addr *rs)
{
	size_t kept = 0;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct step *st = &p->steps[i];
		const struct ipvs_change *c = st->kind == STEP_IPVS ? &p->ipvs[st->ipvs].change : NULL;
		if (c && c->op == IPVS_DEST_EDIT && ipaddr_equal(&c->dest.ip, rs))
			p->steps[kept++] = *st;
	}
	p->nsteps = kept;
}

/* Active connections of rs over the services lvsdr owns; *services gets
 * how many of them have it. */
static unsigned long active_connections(const struct host *live, const struct ip_addr *rs, unsigned *services)
{
	unsigned long active = 0;

	*services = 0;
	for (size_t i = 0; i < live->nservices; i++)
		for (size_t j = 0; j < live->services[i].ndests; j++) {
			const struct ipvs_dest *d = &live->services[i].dests[j];
			if (live->services[i].owned && ipaddr_equal(&d->ip, rs)) {
				active += d->active;
				(*services)++;
			}
		}
	return active;
}

static bool profile_has_realserver(const struct host *want, const struct ip_addr *rs)
{
	for (size_t i = 0; i < want->nservices; i++)
		for (size_t j = 0; j < want->services[i].ndests; j++)
			if (ipaddr_equal(&want->services[i].dests[j].ip, rs))
				return true;
	return false;
}

/* Wait, re-reading the table every second, until rs has no active
 * connection or the wait is over. */
static int drain_wait(struct session *s, const char *rs, const struct ip_addr *addr, unsigned wait_ms,
		      bool quiet)
{
	uint64_t deadline = monotonic_ns() + (uint64_t)wait_ms * 1000000ull;
	unsigned long active, last = (unsigned long)-1;
	unsigned services;

	for (;;) {
		active = active_connections(&s->live, addr, &services);
		if (!active) {
			if (!quiet)
				printf("%s: drained: weight 0 on %u service%s, no active connection\n", rs, services,
				       services == 1 ? "" : "s");
			return LVSDR_EXIT_OK;
		}
		uint64_t now = monotonic_ns();
		if (now >= deadline) {
			printf("%s: drained (weight 0 on %u service%s), but %lu active connection%s still open after "
			       "the wait\n",
			       rs, services, services == 1 ? "" : "s", active, active == 1 ? " is" : "s are");
			return LVSDR_EXIT_DRIFT;
		}
		if (!quiet && active != last)
			printf("%s: %lu active connection%s on %u service%s, waiting up to %ds more\n", rs, active,
			       active == 1 ? "" : "s", services, services == 1 ? "" : "s",
			       (ms_until(deadline, now) + 999) / 1000);
		fflush(stdout);
		last = active;
		struct timespec ts = { 1, 0 };
		nanosleep(&ts, NULL);
		if (session_replan(s) != LVSDR_EXIT_OK)
			return LVSDR_EXIT_ERROR;
	}
}

static int drain_run(const char *profile, const char *rs, bool drain, unsigned wait_ms, bool quiet)
{
	struct session_options opt = { .lock = true, .expect = -1, .ipvs = true };
	struct execute_result res;
	struct session s;
	struct ip_addr addr;
	bool has_prefix;
	int status;
	char err[512];

	if (!ipaddr_parse(rs, &addr, &has_prefix) || has_prefix) {
		lvsdr_warnx("%s: not a real server's address (an IPv4 or IPv6 address without a prefix)", rs);
		return LVSDR_EXIT_ERROR;
	}
	status = session_open(&s, profile, &opt);
	if (status != LVSDR_EXIT_OK)
		goto out;
	if (!profile_has_realserver(&s.want, &addr)) {
		lvsdr_warnx("%s: %s is no real server of any service of this profile; nothing changed",
			    profile, rs);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	if (!s.ipvs) {
		lvsdr_warnx("%s: %s; nothing changed", profile, s.ipvs_why);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	if ((status = privilege_require(false)) != LVSDR_EXIT_OK)
		goto out;
	drained_set_one(&s.drained, &addr, drain);
	if (drained_save(&s.drained, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s; nothing changed", err);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	session_mark_drained(&s);
	if ((status = session_replan(&s)) != LVSDR_EXIT_OK)
		goto out;
	plan_keep_realserver(&s.plan, &addr);
	if (s.plan.nsteps && (status = plan_execute(&s, quiet, &res)) != LVSDR_EXIT_OK) {
		/* Nothing changed in the table: the list goes back as it was. */
		drained_set_one(&s.drained, &addr, !drain);
		if (drained_save(&s.drained, err, sizeof(err)) < 0)
			lvsdr_warnx("%s", err);
		goto out;
	}
	if (s.lock_fd >= 0) { /* the wait holds no lock: an apply or a takeover may run meanwhile */
		close(s.lock_fd);
		s.lock_fd = -1;
	}
	if ((status = session_replan(&s)) != LVSDR_EXIT_OK)
		goto out;
	if (drain)
		status = drain_wait(&s, rs, &addr, wait_ms, quiet);
	else if (!quiet)
		printf("%s: undrained: weights as the profile sets them\n", rs);
out:
	session_close(&s);
	return status;
}

struct drain_args {
	const char *command; /* argv[0], "lvsdr drain" */
	unsigned wait_ms;
	bool quiet;
};

static int drain_option(void *args, int opt)
{
	struct drain_args *a = args;

	if (opt == 'q') {
		a->quiet = true;
	} else if (!parse_duration_ms(optarg, &a->wait_ms)) { /* 'w', drain's only */
		fprintf(stderr, "%s: --wait %s: a duration such as 30s or 500ms\n", a->command, optarg);
		return LVSDR_EXIT_ERROR;
	}
	return -1;
}

static int drain_command(int argc, char **argv, bool drain)
{
	static const struct option drain_options[] = {
		{ "wait", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct command_line drain_line = { "drain", drain_usage, "w:qh", drain_options, drain_option, 2, 2, false };
	static const struct command_line undrain_line = { "undrain", undrain_usage, "qh", drain_options + 1, drain_option, 2, 2, false };
	struct drain_args a = { argv[0], DRAIN_WAIT_MS_DEFAULT, false };
	int status = command_line_parse(drain ? &drain_line : &undrain_line, argc, argv, &a);

	if (status >= 0)
		return status;
	return drain_run(argv[optind], argv[optind + 1], drain, a.wait_ms, a.quiet);
}

int drain_main(int argc, char **argv)
{
	return drain_command(argc, argv, true);
}

int undrain_main(int argc, char **argv)
{
	return drain_command(argc, argv, false);
}
