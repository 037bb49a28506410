/* lvsdr verify: print the plan; change nothing. Needs no privileges:
 * sysctls and addresses are readable by anyone. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "lvsdr.h"

static const char verify_usage[] =
	"Usage: lvsdr verify [-q|-v] [--json] [--state master|backup|any] PROFILE\n"
	"Compare the live state with PROFILE; print each difference and the changes apply would make.\n"
	"  -q, --quiet     print nothing; the exit status tells (for track scripts, monitors)\n"
	"  -v, --verbose   also list what is in sync\n"
	"      --state S   director: master (VIPs bound, the default), backup (VIPs absent),\n"
	"                  any (either; only the knobs and foreign copies are judged)\n"
	"      --json      print the result as JSON (schema in lvsdr(8))\n"
	"Exit status: 0 in sync, 1 drift, 2 error.\n";

int verify_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool quiet = false, verbose = false, json = false;
	struct session_options sopt = { .expect = -1 };
	struct session s;
	int opt, status;

	while ((opt = getopt_long(argc, argv, "qvh", options, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'j':
			json = true;
			break;
		case 's':
			if (!strcmp(optarg, "master"))
				sopt.expect = EXPECT_BOUND;
			else if (!strcmp(optarg, "backup"))
				sopt.expect = EXPECT_ABSENT;
			else if (!strcmp(optarg, "any"))
				sopt.expect = EXPECT_ANY;
			else {
				fprintf(stderr, "%s verify: --state %s: must be master, backup or any\n", lvsdr_prog, optarg);
				return LVSDR_EXIT_ERROR;
			}
			break;
		case 'h':
			fputs(verify_usage, stdout);
			return LVSDR_EXIT_OK;
		default:
			fputs(verify_usage, stderr);
			return LVSDR_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		fputs(verify_usage, stderr);
		return LVSDR_EXIT_ERROR;
	}
	status = session_open(&s, argv[optind], &sopt);
	if (status == LVSDR_EXIT_OK) {
		if (quiet)
			;
		else if (json)
			plan_print_json(&s.plan, s.profile, NULL, stdout);
		else
			plan_print_text(&s.plan, s.profile, verbose, stdout);
		status = plan_in_sync(&s.plan) ? LVSDR_EXIT_OK : LVSDR_EXIT_DRIFT;
	}
	session_close(&s);
	return status;
}
