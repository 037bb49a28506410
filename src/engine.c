#include "engine.h"

#include <stdio.h>
#include <string.h>

#include "lvsdr.h"
#include "profile.h"
#include "state.h"

int session_open(struct session *s, const char *profile)
{
	struct diag d = { 0 };
	char err[512];

	memset(s, 0, sizeof(*s));
	s->profile = profile;
	if (profile_load(profile, &s->want, &d) != 0) {
		diag_print(&d, stderr);
		diag_free(&d);
		return LVSDR_EXIT_ERROR;
	}
	diag_free(&d);
	if (netlink_open(&s->nl, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", lvsdr_prog, err);
		return LVSDR_EXIT_ERROR;
	}
	if (owned_load(&s->owned, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", lvsdr_prog, err);
		return LVSDR_EXIT_ERROR;
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
	memset(s, 0, sizeof(*s));
}
