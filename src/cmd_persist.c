/* lvsdr persist: write the profile's ARP knobs as a sysctl.d drop-in, so
 * that systemd-sysctl sets them at boot and udev sets them again when the
 * interface is created anew. Addresses are not persisted: lvsdr@.service
 * binds them. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lvsdr.h"
#include "persist.h"
#include "profile.h"
#include "sysctl_conf.h"

static const char persist_usage[] =
	"Usage: lvsdr persist [-n] [-q] PROFILE\n"
	"Write PROFILE's ARP knobs to /etc/sysctl.d/90-lvsdr-NAME.conf (NAME: PROFILE's file\n"
	"name without .ini), applied at boot and whenever the interface appears.\n"
	"  -n, --dry-run   print the drop-in and write nothing\n"
	"  -q, --quiet     print nothing when all is well\n"
	"Exit status: 0 written or already so, 1 written, but a later sysctl file sets one\n"
	"of the knobs to another value (listed), 2 error (nothing written).\n";

/* Write, replace or remove the drop-in; prints what it did. */
static int persist_run(const struct host *want, const char *profile, const char *name, bool quiet)
{
	const char *root = sysctl_conf_root();
	char dir[PATH_MAX], path[PATH_MAX], err[PATH_MAX + 128];
	char *text = persist_render(want, profile);
	size_t nsettings, nfindings;
	struct persist_setting settings[PERSIST_MAX_SETTINGS];
	struct persist_finding *findings;
	int ret;

	nsettings = persist_settings(want, settings);
	if (snprintf(dir, sizeof(dir), "%s" PERSIST_DIR, root) >= (int)sizeof(dir) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		lvsdr_warnx("%s: LVSDR_SYSCTL_ROOT is too long; nothing written", profile);
		free(text);
		return LVSDR_EXIT_ERROR;
	}
	if (!text) {
		/* The drop-in mirrors the profile: one that sets no knob has none. */
		bool removed = unlink(path) == 0;
		if (!removed && errno != ENOENT) {
			lvsdr_warnx("%s: cannot remove " PERSIST_DIR "/%s: %s", profile, name, strerror(errno));
			return LVSDR_EXIT_ERROR;
		}
		if (!quiet)
			printf("%s: sets no knob: nothing to persist%s%s\n", profile,
			       removed ? "; removed " PERSIST_DIR "/" : "", removed ? name : "");
		return LVSDR_EXIT_OK;
	}
	/* 0755 whatever the umask: an unprivileged verify reads the drop-in. */
	if (mkdir(dir, 0755) == 0 ? chmod(dir, 0755) < 0 : errno != EEXIST) {
		lvsdr_warnx("%s: cannot create " PERSIST_DIR ": %s; nothing written", profile, strerror(errno));
		free(text);
		return LVSDR_EXIT_ERROR;
	}
	ret = persist_write(path, text, err, sizeof(err));
	free(text);
	if (ret < 0) {
		lvsdr_warnx("%s: %s; nothing written", profile, err);
		return LVSDR_EXIT_ERROR;
	}
	if (!quiet)
		printf("%s: %s " PERSIST_DIR "/%s%s (%zu setting%s)\n", profile, ret ? "wrote" : "unchanged:", name,
		       ret ? "" : " is up to date", nsettings, nsettings == 1 ? "" : "s");
	fflush(stdout); /* before the warnings, when both go to one file */
	findings = persist_boot_findings(root, want, profile, &nfindings);
	for (size_t i = 0; i < nfindings; i++)
		lvsdr_warnx("%s: %s: %s", profile, findings[i].subject, findings[i].detail);
	free(findings);
	return nfindings ? LVSDR_EXIT_DRIFT : LVSDR_EXIT_OK;
}

struct persist_args {
	bool dry_run, quiet;
};

static int persist_option(void *args, int opt)
{
	struct persist_args *a = args;

	if (opt == 'n')
		a->dry_run = true;
	else
		a->quiet = true; /* 'q' */
	return -1;
}

int persist_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct command_line c = { "persist", persist_usage, "nqh", options, persist_option, 1, 1, false };
	struct persist_args a = { false, false };
	struct host want;
	char name[NAME_MAX + 1], err[512];
	const char *profile, *why;
	int status = command_line_parse(&c, argc, argv, &a);

	if (status >= 0)
		return status;
	profile = argv[optind];
	if (profile_load_print(profile, &want) != 0) {
		host_free(&want);
		return LVSDR_EXIT_ERROR;
	}
	if ((why = persist_ifname_unsafe(want.ifname))) {
		fprintf(stderr, "%s:%u: [host] interface = %s: a sysctl.d line cannot name this interface: %s; "
				"nothing written (rename the interface, or set its knobs another way)\n",
			profile,
			want.ifname_line, want.ifname, why);
		status = LVSDR_EXIT_ERROR;
	} else if (!persist_dropin_name(profile, name, sizeof(name))) {
		lvsdr_warnx("%s: the file name leaves no name for the drop-in; nothing written",
			    profile);
		status = LVSDR_EXIT_ERROR;
	} else if (a.dry_run) {
		char *text = persist_render(&want, profile);
		if (text)
			fputs(text, stdout);
		else if (!a.quiet)
			printf("%s: sets no knob: nothing to persist\n", profile);
		free(text);
		status = LVSDR_EXIT_OK;
	} else if (geteuid() == 0 && profile_trusted(profile, &want.source, err, sizeof(err)) < 0) {
		/* Root applies the drop-in at every boot: the same rule as apply. */
		lvsdr_warnx("%s; nothing written", err);
		status = LVSDR_EXIT_ERROR;
	} else {
		status = persist_run(&want, profile, name, a.quiet);
	}
	host_free(&want);
	return status;
}
