/* Profile reader: the sections and their keys, and each key's value to
 * its parser. inih splits sections, keys and values; the line reader in
 * front of it (src/profile_lexer.c) sees every raw line first. The rules
 * that need the whole file are in src/profile_validate.c, the file itself
 * (opened, bounded, trusted) in src/profile_file.c. */
#include "profile.h"

#include <arpa/inet.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "profile_internal.h"
#include "profile_reader.h"
#include "util.h"

const char *const section_names[SEC_COUNT] = { "host", "arp", "vip", "garp", "pathcheck", "health", "sync" };

const struct key_info key_table[KEY_MAX] = {
	[KEY_ROLE] = { SEC_HOST, "role", false, false },
	[KEY_INTERFACE] = { SEC_HOST, "interface", false, false },
	[KEY_IGNORE] = { SEC_ARP, "ignore", false, false },
	[KEY_ANNOUNCE] = { SEC_ARP, "announce", false, false },
	[KEY_FILTER] = { SEC_ARP, "filter", false, false },
	[KEY_ACCEPT] = { SEC_ARP, "accept", false, false },
	[KEY_NOTIFY] = { SEC_ARP, "notify", false, false },
	[KEY_SCOPE] = { SEC_ARP, "scope", false, false },
	[KEY_ADDRESS] = { SEC_VIP, "address", true, false },
	[KEY_RANGE] = { SEC_VIP, "range", true, false },
	[KEY_WIDE] = { SEC_VIP, "wide", false, false },
	[KEY_VIP_ANNOUNCE] = { SEC_VIP, "announce", true, true },
	[KEY_COUNT_] = { SEC_GARP, "count", false, true },
	[KEY_INTERVAL] = { SEC_GARP, "interval", false, true },
	[KEY_REFRESH] = { SEC_GARP, "refresh", false, true },
	[KEY_MODE] = { SEC_GARP, "mode", false, true },
	[KEY_CONFLICT] = { SEC_GARP, "conflict", false, true },
	[KEY_REALSERVER] = { SEC_PATHCHECK, "realserver", true, true },
	[KEY_PORT] = { SEC_PATHCHECK, "port", true, true },
	[KEY_TIMEOUT] = { SEC_PATHCHECK, "timeout", false, true },
	[KEY_RETRIES] = { SEC_PATHCHECK, "retries", false, true },
	[KEY_H_INTERVAL] = { SEC_HEALTH, "interval", false, true },
	[KEY_H_TIMEOUT] = { SEC_HEALTH, "timeout", false, true },
	[KEY_RISE] = { SEC_HEALTH, "rise", false, true },
	[KEY_FALL] = { SEC_HEALTH, "fall", false, true },
	[KEY_ACTION] = { SEC_HEALTH, "action", false, true },
	[KEY_SORRY] = { SEC_HEALTH, "sorry", false, true },
	[KEY_QUORUM] = { SEC_HEALTH, "quorum", false, true },
	[KEY_HYSTERESIS] = { SEC_HEALTH, "hysteresis", false, true },
};

/* "[host], [arp], [vip], [garp], [pathcheck] and [service NAME]", for
 * messages. */
const char *section_list(char *buf, size_t size)
{
	size_t used = 0;

	for (int s = 0; s < SEC_COUNT && used < size; s++)
		used += (size_t)snprintf(buf + used, size - used, "%s[%s]", s == 0 ? "" : ", ", section_names[s]);
	if (used < size)
		snprintf(buf + used, size - used, " and [service NAME]");
	return buf;
}

/* "role and interface": the keys of one section, for messages. Returns
 * how many there are. */
int section_keys(int section, char *buf, size_t size)
{
	int n = 0, done = 0;
	size_t used = 0;

	for (int k = 0; k < KEY_MAX; k++)
		n += (int)key_table[k].section == section;
	buf[0] = '\0';
	for (int k = 0; k < KEY_MAX && used < size; k++) {
		if ((int)key_table[k].section != section)
			continue;
		done++;
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 done == 1 ? "" : done == n ? " and "
								    : ", ",
					 key_table[k].name);
	}
	return n;
}

/* [host] role and interface. */
static void parse_host_value(struct parser *p, enum key key, const char *value)
{
	struct host *h = p->host;

	if (key == KEY_ROLE) {
		if (!strcmp(value, "realserver"))
			h->role = ROLE_REALSERVER;
		else if (!strcmp(value, "director"))
			h->role = ROLE_DIRECTOR;
		else
			diag_error(p->d, p->lineno, "[host] role = %s: must be realserver or director", value);
		p->role_line = p->lineno;
		return;
	}
	if (strlen(value) >= IF_NAMESIZE)
		diag_error(p->d, p->lineno, "[host] interface = %s: %zu characters; the kernel allows at most %d",
			   value, strlen(value), IF_NAMESIZE - 1);
	else if (!interface_name_valid(value))
		diag_error(p->d, p->lineno, "[host] interface = %s: not an interface name: printable ASCII "
					    "without '/', ':' or white space, and not \".\" or \"..\"",
			   value);
	else if (!strcmp(value, "lo"))
		diag_error(p->d, p->lineno, "[host] interface = lo: name the NIC on the segment shared by "
					    "director and real servers; lo never receives the ARP requests that matter");
	else if (!strcmp(value, "all") || !strcmp(value, "default"))
		/* Would alias /proc/sys/net/ipv4/conf/{all,default}: writing "the interface"
		 * knob would then change every interface on the host. */
		diag_error(p->d, p->lineno, "[host] interface = %s: conf/%s is not an interface; name the NIC "
					    "on the segment shared by director and real servers",
			   value, value);
	else {
		snprintf(h->ifname, sizeof(h->ifname), "%s", value);
		h->ifname_line = p->lineno;
	}
}

/* [arp]: the knobs, and the scope they are written to. */
static void parse_arp_value(struct parser *p, enum key key, const char *value)
{
	if (key != KEY_SCOPE)
		parse_knob(p, (enum arp_knob)(key - KEY_IGNORE), value);
	else if (!strcmp(value, "all+interface"))
		p->host->policy = POLICY_ALL_AND_DEV;
	else if (!strcmp(value, "interface"))
		p->host->policy = POLICY_DEV_ONLY;
	else
		diag_error(p->d, p->lineno, "[arp] scope = %s: must be all+interface or interface", value);
}

/* [vip]: the addresses and how each is announced. */
static void parse_vip_value(struct parser *p, enum key key, const char *value)
{
	switch (key) {
	case KEY_ADDRESS:
		parse_address_key(p, value);
		break;
	case KEY_RANGE:
		range_parse(p->d, p->lineno, value, p->host, &p->range_cap);
		break;
	case KEY_WIDE:
		if (!strcmp(value, "yes"))
			p->wide_line = p->lineno;
		else if (strcmp(value, "no"))
			diag_error(p->d, p->lineno, "[vip] wide = %s: must be yes or no", value);
		break;
	default:
		p->announce_failed |= !announce_parse(p->d, p->lineno, value, p->host, &p->vip_cap);
		break;
	}
}

/* [garp] count, interval and refresh: the numbers of the announcement. */
static void parse_garp_timing(struct parser *p, enum key key, const char *value)
{
	struct garp_policy *g = &p->host->garp;
	unsigned ms;
	int n;

	if (key == KEY_COUNT_) {
		if (!parse_int(value, &n) || n < 1 || n > 100)
			diag_error(p->d, p->lineno, "[garp] count = %s: must be a whole number, 1-100", value);
		else
			g->count = (unsigned)n;
	} else if (key == KEY_INTERVAL) {
		if (!parse_duration_ms(value, &ms) || ms > 10000)
			diag_error(p->d, p->lineno, "[garp] interval = %s: must be a duration from 0ms to 10s, "
						    "such as 100ms",
				   value);
		else
			g->interval_ms = ms;
	} else {
		if (!parse_duration_ms(value, &ms) || ms > 3600000)
			diag_error(p->d, p->lineno, "[garp] refresh = %s: must be 0 (never) or a duration up to 3600s, "
						    "such as 5s",
				   value);
		else
			g->refresh_ms = ms;
	}
}

/* The index of value among the n words, -1 when it is none of them. */
static int word_index(const char *value, const char *const *words, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(value, words[i]))
			return i;
	return -1;
}

/* [garp] mode and conflict: which frames, and what a rival holder means. */
static void parse_garp_value(struct parser *p, enum key key, const char *value)
{
	static const char *const modes[] = { [GARP_REQUEST] = "request", [GARP_REPLY] = "reply", [GARP_BOTH] = "both" };
	static const char *const conflicts[] = { [CONFLICT_OFF] = "off",
						 [CONFLICT_WARN] = "warn",
						 [CONFLICT_REFUSE] = "refuse" };
	struct garp_policy *g = &p->host->garp;
	int i;

	if (key == KEY_MODE) {
		if ((i = word_index(value, modes, 3)) >= 0)
			g->mode = (enum garp_mode)i;
		else
			diag_error(p->d, p->lineno, "[garp] mode = %s: must be request, reply or both", value);
	} else if (key != KEY_CONFLICT) {
		parse_garp_timing(p, key, value);
	} else if ((i = word_index(value, conflicts, 3)) >= 0) {
		g->conflict = (enum conflict_mode)i;
	} else {
		diag_error(p->d, p->lineno, "[garp] conflict = %s: must be off, warn or refuse", value);
	}
}

/* [pathcheck]: what to probe, and how long and how often to try. */
static void parse_pathcheck_value(struct parser *p, enum key key, const char *value)
{
	struct host *h = p->host;
	unsigned ms;
	int n;

	switch (key) {
	case KEY_REALSERVER:
		parse_realserver(p, value);
		break;
	case KEY_PORT:
		parse_port(p, value);
		break;
	case KEY_TIMEOUT:
		if (!parse_duration_ms(value, &ms) || ms < PATHCHECK_TIMEOUT_MIN_MS || ms > PATHCHECK_TIMEOUT_MAX_MS)
			diag_error(p->d, p->lineno, "[pathcheck] timeout = %s: must be a duration from %ums to %us, such "
						    "as 2s",
				   value, PATHCHECK_TIMEOUT_MIN_MS, PATHCHECK_TIMEOUT_MAX_MS / 1000);
		else
			h->pathcheck.timeout_ms = ms;
		break;
	default:
		if (!parse_int(value, &n) || n < 0 || n > PATHCHECK_RETRIES_MAX)
			diag_error(p->d, p->lineno, "[pathcheck] retries = %s: must be a whole number, 0-%d", value,
				   PATHCHECK_RETRIES_MAX);
		else
			h->pathcheck.retries = (unsigned)n;
		break;
	}
}

static void parse_health_value(struct parser *p, enum key key, const char *value)
{
	health_key(p->d, p->lineno, (enum health_key)(key - KEY_H_INTERVAL), value, &p->host->health);
}

/* A key's value to the parser of its section: each section's keys and
 * messages stay together. [sync] and [service] have readers of their own. */
static void parse_value(struct parser *p, enum key key, const char *value)
{
	typedef void section_parser(struct parser *, enum key, const char *);
	static section_parser *const parsers[SEC_COUNT] = {
		[SEC_HOST] = parse_host_value,
		[SEC_ARP] = parse_arp_value,
		[SEC_VIP] = parse_vip_value,
		[SEC_GARP] = parse_garp_value,
		[SEC_PATHCHECK] = parse_pathcheck_value,
		[SEC_HEALTH] = parse_health_value,
	};

	if (parsers[key_table[key].section])
		parsers[key_table[key].section](p, key, value);
}

/* The key closest to name in any section, current section first on a tie;
 * -1 when nothing is within two edits. */
static int closest_key(int section, const char *name)
{
	unsigned best_dist = 3;
	int best = -1;

	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < KEY_MAX; k++) {
			if (((int)key_table[k].section == section) != (pass == 0))
				continue;
			unsigned dist = edit_distance(name, key_table[k].name);
			if (dist < best_dist) {
				best_dist = dist;
				best = k;
			}
		}
	return best;
}

static void unknown_key(struct parser *p, const char *name)
{
	const char *sec = section_names[p->section];
	char keys[96];
	int k;

	/* A real key in the wrong section is likelier than a typo. */
	for (k = 0; k < KEY_MAX; k++)
		if (!strcmp(name, key_table[k].name)) {
			diag_error(p->d, p->lineno, "unknown key %s in [%s]; it belongs in [%s]", name, sec,
				   section_names[key_table[k].section]);
			return;
		}
	if (services_key_known(name)) {
		diag_error(p->d, p->lineno, "unknown key %s in [%s]; it belongs in a [service NAME] section", name, sec);
		return;
	}
	k = closest_key(p->section, name);
	if (k >= 0 && (int)key_table[k].section == p->section) {
		diag_error(p->d, p->lineno, "unknown key %s in [%s]; did you mean %s?", name, sec, key_table[k].name);
	} else if (k >= 0) {
		diag_error(p->d, p->lineno, "unknown key %s in [%s]; did you mean %s in [%s]?", name, sec,
			   key_table[k].name, section_names[key_table[k].section]);
	} else if (section_keys(p->section, keys, sizeof(keys)) == 1) {
		diag_error(p->d, p->lineno, "unknown key %s in [%s]; its only key is %s", name, sec, keys);
	} else {
		diag_error(p->d, p->lineno, "unknown key %s in [%s]; its keys are %s", name, sec, keys);
	}
}

/* Checks every key shares, before its own. */
static bool value_plausible(struct parser *p, const char *name, const char *value)
{
	const char *sec = p->section == SEC_SERVICE ? services_label(p->services) : section_names[p->section];

	if (p->long_line) {
		diag_error(p->d, p->lineno, "[%s] %s: key and value are %zu characters long; the limit is %d", sec,
			   name, p->long_line, p->line_limit);
		return false;
	}
	if (!*value) {
		diag_error(p->d, p->lineno, "[%s] %s has no value", sec, name);
		return false;
	}
	return true;
}

/* The key of this name in the current section, -1 when none. The last
 * one found is tried first: a long profile is mostly one key again and
 * again (10,000 address = lines). A name is unique within its section. */
static int key_find(struct parser *p, const char *name)
{
	int last = p->last_key;

	if ((int)key_table[last].section == p->section && !strcmp(name, key_table[last].name))
		return last;
	for (int k = 0; k < KEY_MAX; k++)
		if ((int)key_table[k].section == p->section && !strcmp(name, key_table[k].name))
			return p->last_key = k;
	return -1;
}

static int profile_handle(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	int key;
	char list[96];

	(void)section; /* the reader tracks the section, including unknown ones */
	if (p->section == SEC_UNKNOWN)
		return 1; /* already reported at the header */
	if (p->section == SEC_SERVICE) {
		/* NULL: the key is there (set twice is still an error), its value unusable. */
		bool known = services_key_known(name);
		services_key(p->services, p->lineno, name, !known || value_plausible(p, name, value) ? value : NULL);
		return 1;
	}
	if (p->section == SEC_SYNC) { /* src/profile_sync.c reads its keys */
		sync_key(p->d, p->lineno, name, !sync_key_known(name) || value_plausible(p, name, value) ? value : NULL,
			 &p->host->sync);
		return 1;
	}
	if (p->section == SEC_NONE) {
		int k = closest_key(SEC_NONE, name);
		if (k >= 0 && !strcmp(name, key_table[k].name))
			diag_error(p->d, p->lineno, "%s comes before any [section]; it belongs in [%s]", name,
				   section_names[key_table[k].section]);
		else if (k >= 0)
			diag_error(p->d, p->lineno, "%s comes before any [section]; did you mean %s in [%s]?", name,
				   key_table[k].name, section_names[key_table[k].section]);
		else
			diag_error(p->d, p->lineno, "%s comes before any [section]; sections are %s", name,
				   section_list(list, sizeof(list)));
		return 1;
	}
	key = key_find(p, name);
	if (key < 0) {
		unknown_key(p, name);
		return 1;
	}
	if (p->key_line[key] && !key_table[key].repeatable) {
		diag_error(p->d, p->lineno, "[%s] %s is set again (first at line %u); set each key once",
			   section_names[p->section], name, p->key_line[key]);
		return 1;
	}
	if (!p->key_line[key])
		p->key_line[key] = p->lineno;
	if (value_plausible(p, name, value))
		parse_value(p, (enum key)key, value);
	return 1;
}

int profile_parse(const char *text, size_t len, struct host *host, struct diag *d)
{
	struct parser p = { .host = host, .d = d, .text = text, .len = len, .section = SEC_NONE };
	size_t errors_before = d->errors;

	memset(host, 0, sizeof(*host));
	host->policy = POLICY_ALL_AND_DEV;
	host->garp = (struct garp_policy){ LVSDR_GARP_COUNT, LVSDR_GARP_INTERVAL_MS, LVSDR_GARP_REFRESH_MS,
					   LVSDR_GARP_MODE, LVSDR_GARP_CONFLICT };
	host->pathcheck.timeout_ms = PATHCHECK_TIMEOUT_MS;
	host->pathcheck.retries = PATHCHECK_RETRIES;
	health_defaults(&host->health);
	if (len == 0) {
		diag_error(d, 0, "the profile is empty");
		return (int)(d->errors - errors_before);
	}
	p.services = services_reader_new(d);
	ini_parse_stream(profile_next_line, &p, profile_handle, &p);
	if (!p.stop)
		profile_validate(&p);
	services_reader_free(p.services);
	return (int)(d->errors - errors_before);
}
