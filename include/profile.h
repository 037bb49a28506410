/* The INI profile: one host's role, NIC, ARP knobs, VIPs and GARP policy.
 * Format in man/lvsdr.ini.5. */
#ifndef LVSDR_PROFILE_H
#define LVSDR_PROFILE_H

#include <stddef.h>

#include "diag.h"
#include "host.h"

/* GARP defaults, justified in lvsdr.ini(5): one request+reply pair right
 * away moves every Linux neighbour and both kinds of switch; two more
 * 100 ms apart cover a lost frame; no refresh so the command returns at
 * once. */
#define LVSDR_GARP_COUNT 3
#define LVSDR_GARP_INTERVAL_MS 100
#define LVSDR_GARP_REFRESH_MS 0
#define LVSDR_GARP_MODE GARP_BOTH
/* Off: a takeover waits for nothing unless the profile asks. */
#define LVSDR_GARP_CONFLICT CONFLICT_OFF

/* [service NAME] defaults and limits, justified in lvsdr.ini(5): wlc is
 * the kernel's own default scheduler; a removed real server drains five
 * minutes, long enough for most HTTP keep-alive and short transfers; the
 * persistence limit is the one ipvsadm and keepalived enforce (31 days). */
#define LVSDR_SERVICE_SCHEDULER "wlc"
#define LVSDR_SERVICE_DRAIN_MS 300000u
#define LVSDR_SERVICE_DRAIN_MAX_MS 86400000u
#define LVSDR_SERVICE_PERSISTENCE_MAX_S 2678400u
#define LVSDR_SERVICE_WEIGHT 1u
#define LVSDR_SERVICE_WEIGHT_MAX 65535u
#define LVSDR_SERVICE_THRESHOLD_MAX 2147483647u

/* [vip] range: IPv4 ranges wider than /16 and IPv6 ranges wider than /48
 * need wide = yes (lvsdr.ini(5)); one announce = line names at most 4,096
 * addresses, each announced at every takeover. */
#define LVSDR_RANGE_WIDE4 16u
#define LVSDR_RANGE_WIDE6 48u
#define LVSDR_ANNOUNCE_MAX 4096u

/* [health] defaults and limits, justified in lvsdr.ini(5): a real server
 * that stops answering is out within fall x interval = 6 s, back after
 * rise x interval = 4 s of answers; a round (MACs, then probes) waits up
 * to twice the timeout, between two FIFO events. */
#define LVSDR_HEALTH_INTERVAL_MS 2000u
#define LVSDR_HEALTH_INTERVAL_MIN_MS 100u
#define LVSDR_HEALTH_INTERVAL_MAX_MS 3600000u
#define LVSDR_HEALTH_TIMEOUT_MS 500u
#define LVSDR_HEALTH_RISE 2u
#define LVSDR_HEALTH_FALL 3u
#define LVSDR_HEALTH_COUNT_MAX 100u
#define LVSDR_HEALTH_QUORUM_MAX 1000000u

/* [sync] defaults and limits, justified in lvsdr.ini(5): syncid 0, which
 * is ipvsadm's and the kernel's default and keepalived's without a VRRP
 * instance (keepalived takes the instance's VRID, which the FIFO does not
 * carry); a backup with syncid 0 takes every syncid's messages. maxlen
 * from 1024, below which the kernel raises a backup's, to 65507 (65535
 * less the IPv4 and UDP headers; 65487 with an IPv6 group). */
#define LVSDR_SYNC_SYNCID 0u
#define LVSDR_SYNC_SYNCID_MAX 255
#define LVSDR_SYNC_MAXLEN_MIN 1024
#define LVSDR_SYNC_MAXLEN_MAX4 65507
#define LVSDR_SYNC_MAXLEN_MAX6 65487

#define LVSDR_PROFILE_MAX_BYTES (8u << 20)

/* Load and validate. Returns 0 when valid; otherwise the number of errors,
 * all recorded in d (d->file is set from path). -1 when the file cannot
 * be read at all (also recorded). host is always safe to host_free(). */
int profile_load(const char *path, struct host *host, struct diag *d);

/* profile_load() with every error printed to stderr, as the commands
 * report them. */
int profile_load_print(const char *path, struct host *host);
/* The same, and the first error (with how many more there are) left in
 * why, for a report of one line such as a monitoring plugin's. */
int profile_load_report(const char *path, struct host *host, char *why, size_t whylen);

/* Run as root, a command that changes the host refuses a profile that
 * anyone but root could have written: the file or any directory above it
 * writable by others, or owned by another user (as keepalived and wg-quick
 * do). 0, or -1 with err filled. */
/* opened is what profile_load() read (host->source): that file is judged,
 * and path must still name it. */
int profile_trusted(const char *path, const struct stat *opened, char *err, size_t errlen);

/* The same on text already in memory: the fuzzer and unit tests use it. */
int profile_parse(const char *text, size_t len, struct host *host, struct diag *d);

#endif
