/* lvsdr takeover: bind every VIP of a director profile and announce every
 * one of them, bound before or not, so each neighbour re-points now. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "engine.h"
#include "frames.h"
#include "garp.h"
#include "lvsdr.h"
#include "probe.h"

static const char takeover_usage[] =
	"Usage: lvsdr takeover [-q] PROFILE\n"
	"Bind every VIP of a director PROFILE on its interface and announce all of them\n"
	"with gratuitous ARP (IPv6: unsolicited neighbour advertisements).\n"
	"  -q, --quiet   print only errors\n"
	"Exit status: 0 done, 1 VIPs bound but announcing failed, 2 error or refused\n"
	"(nothing changed), 3 rollback failed.\n";

int takeover_run(const char *profile, bool quiet)
{
	struct session_options opt = { .lock = true, .expect = EXPECT_BOUND };
	struct garp_sender *g = NULL;
	int conflict_rx = -1;
	struct execute_result res;
	struct session s;
	char err[256];
	int status = session_open(&s, profile, &opt);

	if (status != LVSDR_EXIT_OK)
		goto out;
	if (s.want.role != ROLE_DIRECTOR) {
		fprintf(stderr, "%s: %s: takeover is for role = director; a real server never announces its VIPs\n",
			lvsdr_prog, profile);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	if (s.plan.blocked) {
		plan_print_text(&s.plan, profile, false, stderr);
		fprintf(stderr, "%s: %s: refusing to take over: %zu finding%s need a hand; nothing changed\n",
			lvsdr_prog, profile, s.plan.blocked, s.plan.blocked == 1 ? "" : "s");
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	if ((status = privilege_require(true)) != LVSDR_EXIT_OK)
		goto out;
	/* The socket is ready before the bind, so the first frame follows it
	 * at once. */
	if (garp_open_live(&g, &s.live, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: %s; nothing changed\n", lvsdr_prog, profile, err);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	/* [garp] conflict: the listening socket needs CAP_NET_RAW too; with
	 * conflict = off nothing is opened and nothing waits. */
	if (s.want.garp.conflict != CONFLICT_OFF &&
	    (conflict_rx = frames_open(s.want.ifname, err, sizeof(err))) < 0) {
		fprintf(stderr, "%s: %s: %s; nothing changed\n", lvsdr_prog, profile, err);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	privilege_drop_net_raw();
	if (conflict_rx >= 0) {
		status = conflict_check(g, conflict_rx, &s.want, profile);
		close(conflict_rx);
		conflict_rx = -1;
		if (status != LVSDR_EXIT_OK)
			goto out;
	}
	if (s.plan.nsteps && (status = plan_execute(&s, true, &res)) != LVSDR_EXIT_OK)
		goto out;
	if (!quiet)
		printf("%s: took over %zu VIP%s on %s (%zu change%s)\n", profile, s.want.nvips,
		       s.want.nvips == 1 ? "" : "s", s.want.ifname, s.plan.nsteps, s.plan.nsteps == 1 ? "" : "s");
	/* The VIPs are bound now and stay bound: a failed announcement is 1. */
	if (session_announce(&s, g, s.want.vips, s.want.nvips, quiet) != LVSDR_EXIT_OK) {
		fprintf(stderr, "%s: %s: the VIPs are bound, but neighbours may keep the old MAC until their "
			"entries expire; run takeover again once %s can send\n", lvsdr_prog, profile, s.want.ifname);
		status = LVSDR_EXIT_DRIFT;
	}
out:
	if (conflict_rx >= 0)
		close(conflict_rx);
	garp_close(g);
	session_close(&s);
	return status;
}

int takeover_main(int argc, char **argv)
{
	bool quiet;
	int status = command_line_simple(argc, argv, takeover_usage, &quiet);

	return status >= 0 ? status : takeover_run(argv[optind], quiet);
}
