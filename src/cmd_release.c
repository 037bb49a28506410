/* lvsdr release: remove the VIPs lvsdr bound, and nothing else; the knobs
 * stay as they are. */
#include <getopt.h>
#include <stdio.h>

#include "engine.h"
#include "lvsdr.h"
#include "privilege.h"

static const char release_usage[] =
	"Usage: lvsdr release [-q] PROFILE\n"
	"Remove the VIPs of PROFILE that lvsdr bound; addresses it did not bind and the ARP\n"
	"knobs are left alone.\n"
	"  -q, --quiet   print only errors\n"
	"Exit status: 0 done or nothing to release, 2 error (nothing changed), 3 rollback failed.\n";

int release_run(const char *profile, struct director_call *call)
{
	struct session_options opt = { .lock = true, .release = true, .expect = -1, .order = call->order, .loaded = call->loaded, .nl = call->nl, .resident = call->resident, .keep = call->keep, .canonical = call->canonical };
	bool quiet = call->quiet;
	struct execute_result res;
	struct session s;
	int status = session_open(&s, profile, &opt);

	if (status != LVSDR_EXIT_OK || s.superseded)
		goto out;
	/* Foreign copies of a VIP are warnings here: reported, left alone. */
	for (size_t i = 0; i < s.plan.nvips; i++)
		if (s.plan.vips[i].verdict == VERDICT_WARN && s.plan.vips[i].detail)
			lvsdr_warnx("%s: %s", profile, s.plan.vips[i].detail);
	/* So are addresses the kernel takes along with one of ours. */
	for (size_t i = 0; i < s.plan.nextras; i++)
		if (s.plan.extras[i].verdict == VERDICT_WARN)
			lvsdr_warnx("%s: %s: %s", profile, s.plan.extras[i].subject,
				    s.plan.extras[i].detail);
	if (!s.plan.nsteps) {
		if (!quiet)
			printf("%s: nothing to release on %s\n", profile, host_vip_ifname(&s.want));
		goto out;
	}
	if ((status = privilege_require(false)) != LVSDR_EXIT_OK)
		goto out;
	if (!quiet)
		printf("%s: releasing on %s:\n", profile, host_vip_ifname(&s.want));
	status = plan_execute(&s, quiet, &res);
out:
	session_close(&s);
	return status;
}

int release_main(int argc, char **argv)
{
	bool quiet;
	int status = command_line_simple(argc, argv, release_usage, &quiet);

	struct director_call call = { .quiet = quiet };

	return status >= 0 ? status : release_run(argv[optind], &call);
}
