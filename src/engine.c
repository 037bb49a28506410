#include "engine.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "garp.h"

#include "lvsdr.h"
#include "profile.h"
#include "state.h"

int session_open(struct session *s, const char *profile, const struct session_options *opt)
{
	struct diag d = { 0 };
	char err[512];

	memset(s, 0, sizeof(*s));
	s->profile = profile;
	s->lock_fd = -1;
	if (profile_load(profile, &s->want, &d) != 0) {
		diag_print(&d, stderr);
		diag_free(&d);
		return LVSDR_EXIT_ERROR;
	}
	diag_free(&d);
	if (opt->lock && geteuid() == 0 && profile_trusted(profile, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s; nothing changed\n", lvsdr_prog, err);
		return LVSDR_EXIT_ERROR;
	}
	if (opt->expect >= 0)
		s->want.expect = (enum vip_expect)opt->expect;
	if (opt->release) {
		s->want.expect = EXPECT_ABSENT;
		for (int k = 0; k < KNOB_COUNT; k++)
			memset(s->want.knobs[k].present, 0, sizeof(s->want.knobs[k].present));
	}
	if (netlink_open(&s->nl, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", lvsdr_prog, err);
		return LVSDR_EXIT_ERROR;
	}
	if (owned_load(&s->owned, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", lvsdr_prog, err);
		return LVSDR_EXIT_ERROR;
	}
	if (opt->lock) {
		/* Read the record again once we hold the lock: the run before
		 * us may have changed it. */
		s->lock_fd = owned_lock(&s->owned, LVSDR_LOCK_TIMEOUT_MS, err, sizeof(err));
		if (s->lock_fd < 0) {
			fprintf(stderr, "%s: %s; nothing changed\n", lvsdr_prog, err);
			return LVSDR_EXIT_ERROR;
		}
		owned_free(&s->owned);
		if (owned_load(&s->owned, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", lvsdr_prog, err);
			return LVSDR_EXIT_ERROR;
		}
	}
	return session_replan(s);
}

int session_replan(struct session *s)
{
	char err[512];

	if (s->planned) {
		plan_free(&s->plan);
		host_free(&s->live);
		s->planned = false;
	}
	if (state_read(&s->want, s->nl, &s->owned, &s->live, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", lvsdr_prog, s->profile, err);
		return LVSDR_EXIT_ERROR;
	}
	plan_compute(&s->want, &s->live, &s->plan);
	s->planned = true;
	return LVSDR_EXIT_OK;
}

void session_close(struct session *s)
{
	if (s->planned)
		plan_free(&s->plan);
	host_free(&s->want);
	host_free(&s->live);
	owned_free(&s->owned);
	netlink_close(s->nl);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
}

int session_announce(struct session *s, struct garp_sender *g, const struct vip *vips, size_t n, bool quiet)
{
	const struct garp_policy *policy = &s->want.garp;
	static const char *const modes[] = { "request", "reply", "both" };
	long frames;

	if (!n)
		return LVSDR_EXIT_OK;
	frames = garp_announce(g, vips, n, policy);
	if (frames < 0) {
		fprintf(stderr, "%s: %s: announcing on %s: %s\n", lvsdr_prog, s->profile, s->want.ifname,
			strerror((int)-frames));
		return LVSDR_EXIT_ERROR;
	}
	if (!quiet)
		printf("announced %zu VIP%s on %s: %ld frames (%u round%s of %s, %u ms apart%s)\n", n, n == 1 ? "" : "s",
		       s->want.ifname, frames, policy->count, policy->count == 1 ? "" : "s", modes[policy->mode],
		       policy->interval_ms, policy->refresh_ms ? ", then again after the refresh delay" : "");
	return LVSDR_EXIT_OK;
}
