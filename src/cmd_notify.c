/* lvsdr notify: keepalived's notify script. keepalived appends
 * TYPE NAME STATE PRIORITY to the command it runs; MASTER takes over,
 * BACKUP, FAULT, STOP and DELETED (sent with notify_deleted) release.
 * Scripts run concurrently and may arrive out of order: each run takes the lock and converges on the state it is
 * given from whatever the kernel shows, so the last one wins. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lvsdr.h"
#include "notified.h"

static const char notify_usage[] =
	"Usage: lvsdr notify PROFILE [TYPE NAME] STATE [PRIORITY]\n"
	"keepalived notify entry point: STATE MASTER runs takeover, BACKUP, FAULT, STOP or DELETED\n"
	"runs release. In keepalived.conf: notify \"/usr/sbin/lvsdr notify /etc/lvsdr/director.ini\"\n"
	"The state is recorded for verify --state notified (the track script).\n"
	"Exit status: as takeover and release.\n";

int notify_main(int argc, char **argv)
{
	const char *state;
	char err[PATH_MAX + 64];

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(notify_usage, stdout);
		return LVSDR_EXIT_OK;
	}
	/* notify PROFILE STATE | notify PROFILE TYPE NAME STATE [PRIORITY] */
	if (argc == 3)
		state = argv[2];
	else if (argc == 5 || argc == 6)
		state = argv[4];
	else {
		fputs(notify_usage, stderr);
		return LVSDR_EXIT_ERROR;
	}
	bool master = !strcmp(state, "MASTER");
	if (!master && strcmp(state, "BACKUP") && strcmp(state, "FAULT") && strcmp(state, "STOP") &&
	    strcmp(state, "DELETED")) {
		fprintf(stderr, "%s notify: state \"%s\" is not MASTER, BACKUP, FAULT, STOP or DELETED\n", lvsdr_prog,
			state);
		return LVSDR_EXIT_ERROR;
	}
	/* First, so the track script judges by the new state at once; a
	 * record that cannot be written must not cost the failover. */
	if (notified_save(argv[1], state, err, sizeof(err)) < 0)
		fprintf(stderr, "%s: warning: %s: verify --state notified will not know this host is %s\n", lvsdr_prog,
			err, state);
	return master ? takeover_run(argv[1], false) : release_run(argv[1], false);
}
