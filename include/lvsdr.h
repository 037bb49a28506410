/* Subcommands and the exit codes every one of them shares (lvsdr(8)). */
#ifndef LVSDR_H
#define LVSDR_H

#include <stdbool.h>

#include "command_line.h"
#include "exit_status.h"
#include "progname.h"

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

int events_main(int argc, char **argv);

/* The director commands' bodies, shared with notify and events; a zeroed
 * call is the commands' own. */
struct session_order;
struct host;
struct garp_sender;
struct netlink;
struct owned_keep;

struct director_call {
	bool quiet;
	const struct session_order *order; /* notify: the order of its events (engine.h) */
	/* events: the profile read and checked once, the announcing socket
	 * kept open (takeover replaces it when the NIC changed), signals
	 * answered between events, and the announcements after the first
	 * round left to its loop. */
	const struct host *loaded;
	struct netlink *nl;
	struct garp_sender **garp;
	bool resident;
	struct owned_keep *keep; /* events: session_options.keep */
	const char *canonical;	 /* events: session_options.canonical */
	/* Out: the VIPs of the profile this host holds after the run, for the
	 * caller's metrics; takeover's copy is the caller's to free. */
	struct vip *held;
	size_t nheld;
};
int takeover_run(const char *profile, struct director_call *call);
int release_run(const char *profile, struct director_call *call);

#endif
