/* lvsdr notify: keepalived's notify script. keepalived appends
 * TYPE NAME STATE PRIORITY to the command it runs; MASTER takes over,
 * BACKUP, FAULT, STOP and DELETED (sent with notify_deleted) release.
 * Scripts run concurrently and may arrive out of order: each run takes the lock and converges on the state it is
 * given from whatever the kernel shows, so the last one wins. */
#include <stdio.h>
#include <string.h>

#include "lvsdr.h"

static const char notify_usage[] =
	"Usage: lvsdr notify PROFILE [TYPE NAME] STATE [PRIORITY]\n"
	"keepalived notify entry point: STATE MASTER runs takeover, BACKUP, FAULT, STOP or DELETED\n"
	"runs release. In keepalived.conf: notify \"/usr/sbin/lvsdr notify /etc/lvsdr/director.ini\"\n"
	"Exit status: as takeover and release.\n";

int notify_main(int argc, char **argv)
{
	const char *state;

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
	if (!strcmp(state, "MASTER"))
		return takeover_run(argv[1], false);
	if (!strcmp(state, "BACKUP") || !strcmp(state, "FAULT") || !strcmp(state, "STOP") ||
	    !strcmp(state, "DELETED"))
		return release_run(argv[1], false);
	fprintf(stderr, "%s notify: state \"%s\" is not MASTER, BACKUP, FAULT, STOP or DELETED\n", lvsdr_prog, state);
	return LVSDR_EXIT_ERROR;
}
