/* [sync]: the kernel's connection-sync daemon that lvsdr events switches
 * with keepalived's events. Format, defaults and limits in lvsdr.ini(5);
 * the switching itself is src/events_sync.c. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "profile.h"
#include "profile_internal.h"
#include "util.h"

static const char *const sync_keys[SYNC_KEY_COUNT] = { "interface", "syncid", "group", "port", "ttl", "maxlen" };

bool sync_key_known(const char *name)
{
	for (int k = 0; k < SYNC_KEY_COUNT; k++)
		if (!strcmp(name, sync_keys[k]))
			return true;
	return false;
}

static void unknown_key(struct diag *d, unsigned line, const char *name)
{
	const char *best = closest_word(name, sync_keys, SYNC_KEY_COUNT, sizeof(sync_keys[0]));

	if (best)
		diag_error(d, line, "unknown key %s in [sync]; did you mean %s?", name, best);
	else
		diag_error(d, line, "unknown key %s in [sync]; its keys are interface, syncid, group, port, ttl and "
				    "maxlen",
			   name);
}

static void number_parse(struct diag *d, unsigned line, const char *key, const char *value, int min, int max,
			 unsigned *out)
{
	int n;

	if (!parse_int(value, &n) || n < min || n > max)
		diag_error(d, line, "[sync] %s = %s: must be a whole number, %d-%d", key, value, min, max);
	else
		*out = (unsigned)n;
}

static void interface_parse(struct diag *d, unsigned line, const char *value, struct ipvs_daemon *daemon)
{
	if (strlen(value) >= sizeof(daemon->ifname))
		diag_error(d, line, "[sync] interface = %s: %zu characters; the kernel allows at most %zu", value,
			   strlen(value), sizeof(daemon->ifname) - 1);
	else if (!interface_name_valid(value))
		diag_error(d, line, "[sync] interface = %s: not an interface name: printable ASCII without '/', ':' or "
				    "white space, and not \".\" or \"..\"",
			   value);
	else if (!strcmp(value, "lo"))
		diag_error(d, line, "[sync] interface = lo: the other director never hears what is sent on lo; name "
				    "the NIC the directors share");
	else
		snprintf(daemon->ifname, sizeof(daemon->ifname), "%s", value);
}

/* The kernel refuses a group that is not multicast (ip_vs_ctl.c). */
static void group_parse(struct diag *d, unsigned line, const char *value, struct ipvs_daemon *daemon)
{
	bool has_prefix;
	struct ip_addr addr;

	if (!ipaddr_parse(value, &addr, &has_prefix) || has_prefix ||
	    (addr.family == AF_INET ? (addr.bytes[0] & 0xf0) != 0xe0 : addr.bytes[0] != 0xff)) {
		diag_error(d, line, "[sync] group = %s: must be a multicast address, IPv4 (224.0.0.0/4) or IPv6 "
				    "(ff00::/8), without a prefix",
			   value);
		return;
	}
	daemon->group = addr;
}

void sync_key(struct diag *d, unsigned line, const char *name, const char *value, struct sync_policy *sp)
{
	struct ipvs_daemon *daemon = &sp->daemon;
	int k = 0;

	while (k < SYNC_KEY_COUNT && strcmp(name, sync_keys[k]))
		k++;
	if (k == SYNC_KEY_COUNT) {
		unknown_key(d, line, name);
		return;
	}
	if (sp->key_line[k]) {
		diag_error(d, line, "[sync] %s is set again (first at line %u); set each key once", name, sp->key_line[k]);
		return;
	}
	sp->key_line[k] = line;
	if (!value)
		return;
	switch ((enum sync_key)k) {
	case SYNC_KEY_INTERFACE:
		interface_parse(d, line, value, daemon);
		break;
	case SYNC_KEY_SYNCID:
		number_parse(d, line, "syncid", value, 0, LVSDR_SYNC_SYNCID_MAX, &daemon->syncid);
		break;
	case SYNC_KEY_GROUP:
		group_parse(d, line, value, daemon);
		break;
	case SYNC_KEY_PORT:
		number_parse(d, line, "port", value, 1, 65535, &daemon->port);
		break;
	case SYNC_KEY_TTL:
		number_parse(d, line, "ttl", value, 1, 255, &daemon->ttl);
		break;
	case SYNC_KEY_MAXLEN:
		number_parse(d, line, "maxlen", value, LVSDR_SYNC_MAXLEN_MIN, LVSDR_SYNC_MAXLEN_MAX4, &daemon->maxlen);
		break;
	case SYNC_KEY_COUNT:
		break;
	}
}

void sync_check(struct diag *d, struct host *h, unsigned role_line)
{
	struct sync_policy *sp = &h->sync;

	if (!sp->enabled)
		return;
	if (h->role == ROLE_REALSERVER) {
		diag_error(d, sp->line, "[sync]: only a director runs the connection-sync daemon (role = realserver at "
					"line %u)",
			   role_line);
		return;
	}
	/* The kernel would cut a larger value down to fit the IPv6 headers,
	 * and the running daemon would no longer match the profile. */
	if (sp->daemon.group.family == AF_INET6 && sp->daemon.maxlen > LVSDR_SYNC_MAXLEN_MAX6)
		diag_error(d, sp->key_line[SYNC_KEY_MAXLEN], "[sync] maxlen = %u with an IPv6 group: at most %d (65535 "
							     "less the IPv6 and UDP headers)",
			   sp->daemon.maxlen, LVSDR_SYNC_MAXLEN_MAX6);
	if (!sp->daemon.ifname[0])
		snprintf(sp->daemon.ifname, sizeof(sp->daemon.ifname), "%s", h->ifname);
}
