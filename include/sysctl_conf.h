/* The boot-time sysctl configuration, read the way systemd-sysctl and
 * `sysctl --system` read it, to find which file sets a key last. */
#ifndef LVSDR_SYSCTL_CONF_H
#define LVSDR_SYSCTL_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* Searched in this order; a file name in an earlier directory hides the
 * same name in a later one (an /etc file masks a packaged one). */
extern const char *const sysctl_conf_dirs[];
extern const size_t sysctl_conf_ndirs;
/* Read after every drop-in by `sysctl --system`; Debian also links it in
 * as /etc/sysctl.d/99-sysctl.conf for systemd-sysctl. */
#define SYSCTL_CONF_FILE "/etc/sysctl.conf"

/* The directory that stands for "/" when reading and writing this
 * configuration: $LVSDR_SYSCTL_ROOT (tests), or "". */
const char *sysctl_conf_root(void);

/* A key as systemd-sysctl reads it, in the slash form: the first separator
 * decides which of '.' and '/' separates, so "net.ipv4.conf.eth0/100.x"
 * and "net/ipv4/conf/eth0.100/x" are both "net/ipv4/conf/eth0.100/x".
 * false when it does not fit in len. */
bool sysctl_key_normalize(const char *key, char *out, size_t len);

struct sysctl_assignment {
	bool found;
	char file[PATH_MAX]; /* as on the host, without the root */
	unsigned line;
	char value[64];
};

struct sysctl_query {
	const char *key;		     /* slash form */
	struct sysctl_assignment last;	     /* the assignment that wins */
	struct sysctl_assignment overridden; /* the latest earlier one with another value */
};

/* Read every file under root in precedence order and fill in each query.
 * 0, or -1 with err naming what could not be read (the queries then hold
 * what was read before it), or naming a file skipped because it is not a
 * regular file (a FIFO, a directory: the queries hold all the rest). */
int sysctl_conf_scan(const char *root, struct sysctl_query *queries, size_t n, char *err, size_t errlen);

#endif
