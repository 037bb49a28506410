/* lvsdr check: validate profiles. Never touches the host, needs no
 * privileges, so it runs anywhere a profile is written. */
#include <getopt.h>
#include <stdio.h>

#include "host.h"
#include "lvsdr.h"
#include "profile.h"

static const char check_usage[] =
	"Usage: lvsdr check [-q] PROFILE...\n"
	"Validate each PROFILE and print every error as file:line: message.\n"
	"  -q, --quiet   print nothing when a profile is valid\n"
	"Exit status: 0 all valid, 2 any error.\n";

int check_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct command_line c = { "check", check_usage, "qh", options, command_line_quiet, 1, -1, false };
	bool quiet = false;
	int status = command_line_parse(&c, argc, argv, &quiet);

	if (status >= 0)
		return status;
	status = LVSDR_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		struct host host;

		if (profile_load_print(argv[i], &host) != 0) {
			status = LVSDR_EXIT_ERROR;
		} else if (!quiet) {
			size_t ndests = 0;
			char services[64] = "", ranges[32] = "";
			for (size_t k = 0; k < host.nservices; k++)
				ndests += host.services[k].ndests;
			if (host.nservices)
				snprintf(services, sizeof(services), ", %zu service%s, %zu real server%s", host.nservices,
					 host.nservices == 1 ? "" : "s", ndests, ndests == 1 ? "" : "s");
			if (host.nranges)
				snprintf(ranges, sizeof(ranges), ", %zu range%s", host.nranges, host.nranges == 1 ? "" : "s");
			printf("%s: ok (%s on %s, %zu VIP%s%s%s)\n", argv[i],
			       host.role == ROLE_DIRECTOR ? "director" : "realserver", host.ifname, host.nvips,
			       host.nvips == 1 ? "" : "s", ranges, services);
		}
		host_free(&host);
	}
	return status;
}
