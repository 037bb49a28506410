/* Subcommands and the exit codes every one of them shares (lvsdr(8)). */
#ifndef LVSDR_H
#define LVSDR_H

#include <stdbool.h>

enum lvsdr_exit {
	LVSDR_EXIT_OK = 0,              /* success, or in sync */
	LVSDR_EXIT_DRIFT = 1,           /* verify: live state differs from the profile */
	LVSDR_EXIT_ERROR = 2,           /* bad input, bad usage, or a failure rolled back */
	LVSDR_EXIT_ROLLBACK_FAILED = 3, /* a failure whose rollback failed too: state is listed */
};

extern const char *lvsdr_prog;

int check_main(int argc, char **argv);
int verify_main(int argc, char **argv);
int apply_main(int argc, char **argv);
int takeover_main(int argc, char **argv);
int release_main(int argc, char **argv);
int notify_main(int argc, char **argv);
int probe_main(int argc, char **argv);
int watch_main(int argc, char **argv);
int persist_main(int argc, char **argv);
int pathcheck_main(int argc, char **argv);
int drain_main(int argc, char **argv);
int undrain_main(int argc, char **argv);
int import_main(int argc, char **argv);

/* The command line of a command taking [-q] [-h] and exactly one PROFILE,
 * which is then argv[optind]: -1 to go on, or the status to exit with. */
int command_line_simple(int argc, char **argv, const char *usage, bool *quiet);

/* The director commands' bodies, shared with notify, which passes the
 * order of its events (engine.h); NULL for the commands themselves. */
struct session_order;
int takeover_run(const char *profile, bool quiet, const struct session_order *order);
int release_run(const char *profile, bool quiet, const struct session_order *order);

#endif
