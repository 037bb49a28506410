/* A profile's ARP knobs as a sysctl.d drop-in, so that they hold from early
 * boot and come back when udev sees an interface appear again; and the
 * check that no later sysctl file undoes them. */
#ifndef LVSDR_PERSIST_H
#define LVSDR_PERSIST_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "plan.h"

#define PERSIST_DIR "/etc/sysctl.d"
/* Before Debian's 99-sysctl.conf (/etc/sysctl.conf), which verify reports
 * when it sets one of the keys again. */
#define PERSIST_PREFIX "90-lvsdr-"

/* One line of the drop-in: a knob in a scope the profile writes. */
struct persist_setting {
	enum arp_knob knob;
	enum scope scope;
	int value;
	char key[64];  /* slash form, as sysctl_conf matches keys */
	char line[80]; /* as written: dotted, or the slash form when the name has a dot */
};
#define PERSIST_MAX_SETTINGS (KNOB_COUNT * 2)

size_t persist_settings(const struct host *want, struct persist_setting out[PERSIST_MAX_SETTINGS]);

/* Why a sysctl.d line cannot name ifname (sysctl.d(5) has no escapes):
 * the character and what systemd-sysctl would make of it; NULL when it
 * can. */
const char *persist_ifname_unsafe(const char *ifname);

/* "90-lvsdr-web1.conf" for ".../web1.ini" (the unit's instance name is the
 * same "web1"). false when the profile's file name leaves no name. */
bool persist_dropin_name(const char *profile, char *out, size_t len);

/* The drop-in's text, allocated; NULL when the profile sets no knob. */
char *persist_render(const struct host *want, const char *profile);

/* Replace path with text atomically (temporary file, fsync, rename).
 * 1 written, 0 already so, -1 with err. */
int persist_write(const char *path, const char *text, char *err, size_t errlen);

/* What would keep the drop-in's knobs from holding after a boot: a file
 * that sets one of them later to another value, a drop-in that no longer
 * matches the profile, an unreadable configuration. */
struct persist_finding {
	char subject[64];
	char detail[256];
};
/* Allocated array of *n findings under root (sysctl_conf_root()). */
struct persist_finding *persist_boot_findings(const char *root, const struct host *want, const char *profile,
					      size_t *n);

/* verify: the same, as warn findings of the plan. */
void persist_check_boot(const struct host *want, const char *profile, struct plan *plan);

#endif
