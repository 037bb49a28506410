/* lvsdr verify: print the plan; change nothing. Needs no privileges:
 * sysctls and addresses are readable by anyone. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "lvsdr.h"
#include "monitor.h"
#include "notified.h"
#include "persist.h"

static const char verify_usage[] =
	"Usage: lvsdr verify [-q|-v] [--json|--nagios] [--prom FILE] [--state master|backup|any|notified]\n"
	"                    PROFILE\n"
	"Compare the live state with PROFILE; print each difference and the changes apply would make.\n"
	"  -q, --quiet     print nothing; the exit status tells (for track scripts, monitors)\n"
	"  -v, --verbose   also list what is in sync\n"
	"      --state S   director: master (VIPs bound), backup (VIPs absent),\n"
	"                  any (either; only the knobs and foreign copies are judged),\n"
	"                  notified (master if keepalived last notified MASTER here, else any:\n"
	"                  for a track script, which runs on master and backup alike);\n"
	"                  without it, each VIP bound or held by another host (a backup)\n"
	"      --json      print the result as JSON (schema in lvsdr(8))\n"
	"      --nagios    print a Nagios/Icinga plugin line; exit with the plugin's codes\n"
	"      --prom FILE also write the result to FILE (*.prom) for node_exporter\n"
	"Exit status: 0 in sync, 1 drift, 2 error. With --nagios: 0 OK, 1 WARNING (only\n"
	"findings to fix by hand), 2 CRITICAL (drift or blocked), 3 UNKNOWN (error).\n";

/* --state notified: master when keepalived's last notify here said
 * MASTER, any otherwise (backup, fault, or never notified: the VIPs are
 * not this host's to hold). -1 when the record cannot be read. */
static int verify_notified_expect(const char *profile, bool quiet)
{
	char state[NOTIFIED_STATE_MAX], err[PATH_MAX + 64];
	int found = notified_load(profile, state, err, sizeof(err));

	if (found < 0) {
		lvsdr_warnx_cmd("verify", "--state notified: %s", err);
		return -1;
	}
	if (!quiet)
		printf("%s: keepalived last notified %s here: judged as %s\n", profile, found ? state : "nothing",
		       found && !strcmp(state, "MASTER") ? "master (every VIP bound)" : "any");
	return found && !strcmp(state, "MASTER") ? EXPECT_BOUND : EXPECT_ANY;
}

/* What the command line asks of verify. */
struct verify_args {
	struct command_monitor m; /* first: -q, --json, --nagios, --prom */
	bool verbose, notified;
	struct session_options sopt;
};

static int verify_option(void *args, int opt)
{
	struct verify_args *a = args;

	if (opt == 'v') {
		a->verbose = true;
		return -1;
	}
	/* 's' */
	if (!strcmp(optarg, "master"))
		a->sopt.expect = EXPECT_BOUND;
	else if (!strcmp(optarg, "backup"))
		a->sopt.expect = EXPECT_ABSENT;
	else if (!strcmp(optarg, "any"))
		a->sopt.expect = EXPECT_ANY;
	else if (!strcmp(optarg, "notified"))
		a->notified = true;
	else
		return monitor_usage_error(a->m.plugin, "verify", NULL, "--state %s: must be master, backup, any or notified",
					   optarg);
	return -1;
}

/* The command line into a. Returns -1 to go on, else the exit status:
 * --help, or a usage error (a plugin's UNKNOWN with --nagios). */
static int verify_parse(int argc, char **argv, struct verify_args *a)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "state", required_argument, NULL, 's' },
		{ "nagios", no_argument, NULL, 'N' },
		{ "prom", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct command_line c = { "verify", verify_usage, "qvh", options, verify_option, 1, 1, true };

	return command_line_parse(&c, argc, argv, a);
}

int verify_main(int argc, char **argv)
{
	struct verify_args a = { .sopt = { .expect = -1, .ipvs = true } };
	struct session s;
	int status = verify_parse(argc, argv, &a);
	char err[256];

	if (status >= 0)
		return status;
	/* A track script judges what decides who should be master: the VIPs
	 * and the knobs. Both directors carry the IPVS table; its drift is for
	 * a monitor to report, not a reason to move the VIPs. */
	if (a.notified)
		a.sopt.ipvs = false;
	if (a.notified && (a.sopt.expect = verify_notified_expect(argv[optind], a.m.quiet || a.m.json || a.m.nagios)) < 0)
		return a.m.plugin ? NAGIOS_UNKNOWN : LVSDR_EXIT_ERROR;
	status = session_open(&s, argv[optind], &a.sopt);
	if (status == LVSDR_EXIT_OK) {
		/* What apply set must survive the next boot too. */
		persist_check_boot(&s.want, s.profile, &s.plan);
		if (a.m.quiet || a.m.nagios)
			;
		else if (a.m.json)
			plan_print_json(&s.plan, s.profile, NULL, stdout);
		else
			plan_print_text(&s.plan, s.profile, a.verbose, stdout);
		status = plan_in_sync(&s.plan) ? LVSDR_EXIT_OK : LVSDR_EXIT_DRIFT;
	}
	if (a.m.prom && monitor_verify_prom_write(a.m.prom, status == LVSDR_EXIT_ERROR ? NULL : &s.plan, argv[optind], err,
						  sizeof(err)) < 0) {
		lvsdr_warnx_cmd("verify", "--prom: %s", err);
		if (status != LVSDR_EXIT_ERROR)
			snprintf(s.error, sizeof(s.error), "--prom: %s", err);
		status = LVSDR_EXIT_ERROR;
	}
	if (a.m.nagios)
		status = (int)monitor_verify_nagios(stdout, status == LVSDR_EXIT_ERROR ? NULL : &s.plan, argv[optind],
						    s.error);
	session_close(&s);
	return status;
}
