/* lvsdr: LVS direct-routing host set-up. A table of subcommands, each in its
 * own file with one *_main(); usage is generated from the table. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lvsdr.h"
/* LVSDR_VERSION, written by the Makefile from git describe or VERSION. */
#include "version.h"
#include "syslog_mirror.h"

static const struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{ "check", check_main, "Validate profiles without touching the host" },
	{ "verify", verify_main, "Compare the live kernel state with a profile and print the plan" },
	{ "apply", apply_main, "Bring the host to the profile's state, rolling back on failure" },
	{ "takeover", takeover_main, "Director: bind every VIP and announce it with gratuitous ARP" },
	{ "release", release_main, "Director: remove the VIPs lvsdr bound, nothing else" },
	{ "notify", notify_main, "keepalived notify entry point: MASTER takes over, others release" },
	{ "events", events_main, "Director: read keepalived's notify FIFO, act on each event in order" },
	{ "probe", probe_main, "Ask the segment which MACs answer for each VIP (leaks, conflicts)" },
	{ "watch", watch_main, "Log every frame claiming a VIP; flag foreign owners and flip-flops" },
	{ "persist", persist_main, "Write the profile's knobs to a sysctl.d drop-in for every boot" },
	{ "pathcheck", pathcheck_main, "Probe each real server through the VIP as the director forwards to it" },
	{ "drain", drain_main, "Director: weight 0 for a real server on every service, wait for its connections" },
	{ "undrain", undrain_main, "Director: give a drained real server its profile weight back" },
	{ "import", import_main, "Print profile [service] sections for the live IPVS table or ipvsadm-save" },
};

static void show_usage(FILE *out)
{
	fprintf(out, "Usage: %s <command> [<args>]\n\nCommands:\n", lvsdr_prog);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].description);
	fprintf(out, "\n'%s <command> --help' describes a command; lvsdr(8) and lvsdr.ini(5) describe all.\n"
		     "Exit status: 0 ok or in sync, 1 drift found, 2 error (nothing left changed),\n"
		     "3 a failure whose rollback also failed.\n",
		lvsdr_prog);
}

int main(int argc, char **argv)
{
	/* A reader that leaves (`lvsdr apply | head -n 1`) is no request to
	 * stop: a write to it fails with EPIPE and the run goes on to its end,
	 * instead of dying between two steps with nothing rolled back. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		show_usage(stderr);
		return LVSDR_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		show_usage(stdout);
		return LVSDR_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") || !strcmp(argv[1], "version")) {
		printf("lvsdr %s\n", LVSDR_VERSION);
		return LVSDR_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name)) {
			/* getopt names argv[0] in its messages: make it "lvsdr apply". */
			char name[32];
			snprintf(name, sizeof(name), "%s %s", lvsdr_prog, subcommands[i].name);
			argv[1] = name;
			syslog_mirror_start(argc - 1, argv + 1);
			int status = subcommands[i].main(argc - 1, argv + 1);
			syslog_mirror_finish(status);
			return status;
		}
	lvsdr_warnx("'%s' is not a command; see '%s --help'", argv[1], lvsdr_prog);
	return LVSDR_EXIT_ERROR;
}
