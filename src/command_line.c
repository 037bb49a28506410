/* Option parsing shared by the commands whose whole command line is
 * [-q] [-h] PROFILE. Outside main.c so the unit binary links without main(). */
#include <getopt.h>
#include <stdio.h>

#include "lvsdr.h"

int command_line_simple(int argc, char **argv, const char *usage, bool *quiet)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	*quiet = false;
	while ((opt = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (opt) {
		case 'q':
			*quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return LVSDR_EXIT_OK;
		default:
			fputs(usage, stderr);
			return LVSDR_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return LVSDR_EXIT_ERROR;
	}
	return -1;
}
