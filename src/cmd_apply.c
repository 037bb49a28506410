/* lvsdr apply: carry out the plan verify prints, all or nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "garp.h"
#include "lvsdr.h"
#include "privilege.h"
#include "util.h"

static const char apply_usage[] =
	"Usage: lvsdr apply [-n] [-q] [--json] [--adopt] PROFILE\n"
	"       lvsdr apply --boot [-q] PROFILE\n"
	"Bring the host to PROFILE's state: knobs first, then VIPs, then a director's IPVS\n"
	"services; a failure rolls back this run.\n"
	"  -n, --dry-run   print the plan and change nothing (the same as verify)\n"
	"  -q, --quiet     print only errors\n"
	"      --json      print the plan and its outcome as JSON (schema in lvsdr(8))\n"
	"      --adopt     take over IPVS services on the profile's keys that lvsdr did not create\n"
	"      --boot      as lvsdr@.service runs it at boot and on reload: a real server\n"
	"                  all of it, a director its knobs only (its VIPs are keepalived's)\n"
	"Exit status: 0 done or nothing to do, 1 changes made but not confirmed (announcing\n"
	"failed, or the kernel does not show them), 2 error or refused (nothing changed),\n"
	"3 a failure whose rollback also failed. With --dry-run: as verify.\n";

/* A director announces the VIPs this run bound, like a takeover would. */
static size_t new_vips(const struct session *s, struct vip **out)
{
	size_t n = 0;

	*out = NULL;
	if (s->want.role != ROLE_DIRECTOR)
		return 0;
	for (size_t i = 0; i < s->plan.nsteps; i++)
		n += s->plan.steps[i].kind == STEP_ADDR_ADD;
	if (!n)
		return 0;
	*out = xcalloc(n, sizeof(**out));
	n = 0;
	for (size_t i = 0; i < s->plan.nsteps; i++) {
		const struct step *st = &s->plan.steps[i];
		if (st->kind != STEP_ADDR_ADD)
			continue;
		(*out)[n++].ip = st->addr.ip;
	}
	return n;
}

/* A plan with a blocked finding is refused whole: the plan, then why. */
static int apply_refused(struct session *s, bool json)
{
	if (json)
		plan_print_json(&s->plan, s->profile, "refused", stdout);
	else
		plan_print_text(&s->plan, s->profile, false, stderr);
	lvsdr_warnx("%s: refusing to apply: %zu finding%s need%s a hand (marked \"blocked\"); "
		    "nothing changed",
		    s->profile, s->plan.blocked, s->plan.blocked == 1 ? "" : "s",
		    s->plan.blocked == 1 ? "s" : "");
	return LVSDR_EXIT_ERROR;
}

/* Before the first change: the privileges, and for a director binding
 * VIPs, the knowledge that no other host holds them and the socket to
 * announce them. Nothing has changed when this fails. */
static int apply_prepare(struct session *s, size_t nannounce, struct garp_sender **g)
{
	char err[256];
	int status;

	if ((status = privilege_require(nannounce > 0)) != LVSDR_EXIT_OK)
		return status;
	/* Bind a director's VIP only knowing that no other host holds it. */
	if (nannounce && s->probe_error[0]) {
		lvsdr_warnx("%s: refusing to bind the VIPs: cannot tell whether another director holds them: "
			    "%s; nothing changed",
			    s->profile, s->probe_error);
		return LVSDR_EXIT_ERROR;
	}
	if (nannounce && garp_open_live(g, &s->live, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s: %s; nothing changed", s->profile, err);
		return LVSDR_EXIT_ERROR;
	}
	privilege_drop_net_raw();
	return LVSDR_EXIT_OK;
}

/* Confirm from the kernel, not from what we believe we did: read it again
 * and plan again; anything left to do is drift. */
static int apply_confirm(struct session *s, bool quiet, bool json)
{
	if (session_replan(s) != LVSDR_EXIT_OK) {
		lvsdr_warnx("%s: the kernel does not show the applied state: it cannot be read again",
			    s->profile);
		return LVSDR_EXIT_DRIFT;
	}
	if (s->plan.nsteps || s->plan.blocked) {
		plan_print_text(&s->plan, s->profile, false, stderr);
		lvsdr_warnx("%s: the kernel does not show the applied state", s->profile);
		return LVSDR_EXIT_DRIFT;
	}
	if (!quiet && !json)
		printf("%s\n", plan_in_sync(&s->plan) ? "ok: in sync" : "applied; what is left needs a hand:");
	if (!plan_in_sync(&s->plan) && !json)
		plan_print_text(&s->plan, s->profile, false, stdout);
	return LVSDR_EXIT_OK;
}

/* Refuse, or prepare, run, announce and confirm. */
static int apply_run(struct session *s, bool quiet, bool json)
{
	struct garp_sender *g = NULL;
	struct execute_result res;
	struct vip *announce;
	size_t nannounce;
	int status;

	if (s->plan.blocked)
		return apply_refused(s, json);
	if (s->plan.nsteps == 0) {
		if (json)
			plan_print_json(&s->plan, s->profile, "unchanged", stdout);
		else if (!quiet)
			plan_print_text(&s->plan, s->profile, false, stdout);
		return LVSDR_EXIT_OK;
	}
	nannounce = new_vips(s, &announce);
	if ((status = apply_prepare(s, nannounce, &g)) != LVSDR_EXIT_OK)
		goto out;
	if (!quiet && !json)
		printf("%s: %s on %s: applying %zu change%s\n", s->profile,
		       s->want.role == ROLE_DIRECTOR ? "director" : "realserver", s->want.ifname, s->plan.nsteps,
		       s->plan.nsteps == 1 ? "" : "s");
	/* Out before the first change, so a log or a watcher sees the run start. */
	fflush(stdout);
	status = plan_execute(s, quiet || json, &res);
	if (json)
		plan_print_json(&s->plan, s->profile,
				status == LVSDR_EXIT_OK	     ? "applied"
				: status == LVSDR_EXIT_ERROR ? "rolled-back"
							     : "rollback-failed",
				stdout);
	if (status != LVSDR_EXIT_OK)
		goto out;
	/* From here the changes stand: a failure to announce them, or a kernel
	 * that does not show them, is reported as drift (1), never as 2, which
	 * promises that nothing changed. */
	if (nannounce && session_announce(s, g, announce, nannounce, quiet || json, NULL, 0) != LVSDR_EXIT_OK) {
		lvsdr_warnx("%s: the VIPs are bound, but neighbours may keep the old MAC until their "
			    "entries expire",
			    s->profile);
		status = LVSDR_EXIT_DRIFT;
	}
	if (apply_confirm(s, quiet, json) != LVSDR_EXIT_OK)
		status = LVSDR_EXIT_DRIFT;
out:
	garp_close(g);
	free(announce);
	return status;
}

/* What the command line asks of apply. */
struct apply_args {
	bool dry_run, quiet, json;
	struct session_options sopt;
};

static int apply_option(void *args, int opt)
{
	struct apply_args *a = args;

	switch (opt) {
	case 'A':
		a->sopt.adopt = true;
		break;
	case 'b':
		a->sopt.boot = true;
		break;
	case 'j':
		a->json = true;
		break;
	case 'n':
		a->dry_run = true;
		break;
	default: /* 'q' */
		a->quiet = true;
	}
	return -1;
}

int apply_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "boot", no_argument, NULL, 'b' },
		{ "adopt", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct command_line c = { "apply", apply_usage, "nqh", options, apply_option, 1, 1, false };
	struct apply_args a = { .sopt = { .expect = -1, .ipvs = true } };
	struct session s;
	int status = command_line_parse(&c, argc, argv, &a);

	if (status >= 0)
		return status;
	a.sopt.lock = !a.dry_run;
	status = session_open(&s, argv[optind], &a.sopt);
	if (status == LVSDR_EXIT_OK) {
		if (a.dry_run) {
			if (a.json)
				plan_print_json(&s.plan, s.profile, NULL, stdout);
			else
				plan_print_text(&s.plan, s.profile, false, stdout);
			status = plan_in_sync(&s.plan) ? LVSDR_EXIT_OK : LVSDR_EXIT_DRIFT;
		} else {
			status = apply_run(&s, a.quiet, a.json);
		}
	}
	session_close(&s);
	return status;
}
