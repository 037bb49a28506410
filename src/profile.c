/* Profile reader. inih splits sections, keys and values; the line reader we
 * hand it (profile_next_line) sees every raw line first, counts lines for
 * the messages, and turns each thing inih would silently reinterpret
 * (indented continuation lines, '#' after a value, long lines split in two,
 * sections that merge, "key: value") into a normal line or a clear error. */
#include "profile.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile_internal.h"
#include "safe_open.h"
#include "util.h"

#define RAW_LINE_MAX 4096
/* Raw text quoted in a message is cut here, with "...". */
#define QUOTE_MAX 40
/* Longer than any key; keeps an unknown key's message short. */
#define KEY_NAME_MAX 32

enum section { SEC_HOST, SEC_ARP, SEC_VIP, SEC_GARP, SEC_PATHCHECK, SEC_HEALTH, SEC_COUNT, SEC_NONE = -1, SEC_UNKNOWN = -2,
	SEC_SERVICE = -3 /* [service NAME]: src/profile_service.c reads it */ };
static const char *const section_names[SEC_COUNT] = { "host", "arp", "vip", "garp", "pathcheck", "health" };

enum key {
	KEY_ROLE, KEY_INTERFACE,
	KEY_IGNORE, KEY_ANNOUNCE, KEY_FILTER, KEY_ACCEPT, KEY_NOTIFY, KEY_SCOPE,
	KEY_ADDRESS, KEY_RANGE, KEY_WIDE, KEY_VIP_ANNOUNCE,
	KEY_COUNT_, KEY_INTERVAL, KEY_REFRESH, KEY_MODE, KEY_CONFLICT,
	KEY_REALSERVER, KEY_PORT, KEY_TIMEOUT, KEY_RETRIES,
	KEY_H_INTERVAL, KEY_H_TIMEOUT, KEY_RISE, KEY_FALL, KEY_ACTION, KEY_SORRY,
	KEY_MAX
};

static const struct key_info {
	enum section section;
	const char *name;
	bool repeatable;
	bool director_only;
} key_table[KEY_MAX] = {
	[KEY_ROLE]      = { SEC_HOST, "role",      false, false },
	[KEY_INTERFACE] = { SEC_HOST, "interface", false, false },
	[KEY_IGNORE]    = { SEC_ARP,  "ignore",    false, false },
	[KEY_ANNOUNCE]  = { SEC_ARP,  "announce",  false, false },
	[KEY_FILTER]    = { SEC_ARP,  "filter",    false, false },
	[KEY_ACCEPT]    = { SEC_ARP,  "accept",    false, false },
	[KEY_NOTIFY]    = { SEC_ARP,  "notify",    false, false },
	[KEY_SCOPE]     = { SEC_ARP,  "scope",     false, false },
	[KEY_ADDRESS]   = { SEC_VIP,  "address",   true,  false },
	[KEY_RANGE]     = { SEC_VIP,  "range",     true,  false },
	[KEY_WIDE]      = { SEC_VIP,  "wide",      false, false },
	[KEY_VIP_ANNOUNCE] = { SEC_VIP, "announce", true, true },
	[KEY_COUNT_]    = { SEC_GARP, "count",     false, true  },
	[KEY_INTERVAL]  = { SEC_GARP, "interval",  false, true  },
	[KEY_REFRESH]   = { SEC_GARP, "refresh",   false, true  },
	[KEY_MODE]      = { SEC_GARP, "mode",      false, true  },
	[KEY_CONFLICT]  = { SEC_GARP, "conflict",  false, true  },
	[KEY_REALSERVER] = { SEC_PATHCHECK, "realserver", true, true },
	[KEY_PORT]      = { SEC_PATHCHECK, "port",    true,  true  },
	[KEY_TIMEOUT]   = { SEC_PATHCHECK, "timeout", false, true  },
	[KEY_RETRIES]   = { SEC_PATHCHECK, "retries", false, true  },
	[KEY_H_INTERVAL] = { SEC_HEALTH, "interval", false, true },
	[KEY_H_TIMEOUT] = { SEC_HEALTH, "timeout",  false, true  },
	[KEY_RISE]      = { SEC_HEALTH, "rise",     false, true  },
	[KEY_FALL]      = { SEC_HEALTH, "fall",     false, true  },
	[KEY_ACTION]    = { SEC_HEALTH, "action",   false, true  },
	[KEY_SORRY]     = { SEC_HEALTH, "sorry",    false, true  },
};

struct parser {
	struct host *host;
	struct diag *d;
	const char *text;
	size_t len, pos;
	unsigned lineno;
	bool stop;
	int section;                     /* enum section */
	unsigned section_line[SEC_COUNT];
	unsigned key_line[KEY_MAX];      /* first line of each key, 0 = unset */
	unsigned role_line;
	size_t vip_cap, range_cap;
	unsigned wide_line;              /* wide = yes */
	bool announce_failed;            /* an announce = line was refused */
	size_t realserver_cap, port_cap;
	struct services_reader *services;
	size_t long_line;                /* "key=value" did not fit inih's buffer: its length */
	int line_limit;                  /* and what fits */
};

static int quote_len(size_t n)
{
	return (int)(n > QUOTE_MAX ? QUOTE_MAX : n);
}

static const char *quote_more(size_t n)
{
	return n > QUOTE_MAX ? "..." : "";
}

/* "[host], [arp], [vip], [garp], [pathcheck] and [service NAME]", for
 * messages. */
static const char *section_list(char *buf, size_t size)
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
static int section_keys(int section, char *buf, size_t size)
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
					 done == 1 ? "" : done == n ? " and " : ", ", key_table[k].name);
	}
	return n;
}

static void suggest_section(struct parser *p, const char *name)
{
	unsigned best_dist = 3; /* three edits or more is another word */
	int best = -1;
	char list[96];

	/* The closest, not the first close one: [gap] is [garp], not [arp]. */
	for (int s = 0; s < SEC_COUNT; s++) {
		unsigned dist = edit_distance(name, section_names[s]);
		if (dist < best_dist) {
			best_dist = dist;
			best = s;
		}
	}
	if (best >= 0) {
		diag_error(p->d, p->lineno, "unknown section [%s]; did you mean [%s]?", name, section_names[best]);
		return;
	}
	/* [servce web], [services]: the named section, with the name kept. */
	const char *space = strchr(name, ' ');
	char word[64];
	snprintf(word, sizeof(word), "%.*s", space ? (int)(space - name) : (int)strlen(name), name);
	if (edit_distance(word, "service") < best_dist) {
		diag_error(p->d, p->lineno, "unknown section [%s]; did you mean [service %s]?", name,
			   space ? space + 1 : "NAME");
		return;
	}
	diag_error(p->d, p->lineno, "unknown section [%s]; sections are %s", name, section_list(list, sizeof(list)));
}

/* Section header already trimmed: "[name]". A malformed or unknown header
 * is reported here, and the keys under it are skipped without more noise. */
static void section_begin(struct parser *p, const char *line, size_t len)
{
	char name[64];
	size_t n = len - 2;

	if (len < 3 || line[len - 1] != ']' || n >= sizeof(name)) {
		diag_error(p->d, p->lineno, "malformed section header %.*s%s: write [name] alone on the line",
			   quote_len(len), line, quote_more(len));
		p->section = SEC_UNKNOWN;
		return;
	}
	memcpy(name, line + 1, n);
	name[n] = '\0';
	if (!strncmp(name, "service", 7) && (name[7] == '\0' || name[7] == ' ')) {
		bool ok = services_section(p->services, p->lineno, name[7] ? name + 8 : "");
		p->section = ok ? SEC_SERVICE : SEC_UNKNOWN;
		return;
	}
	p->section = SEC_UNKNOWN;
	for (int s = 0; s < SEC_COUNT; s++)
		if (!strcmp(name, section_names[s]))
			p->section = s;
	if (p->section == SEC_UNKNOWN) {
		suggest_section(p, name);
		return;
	}
	if (p->section_line[p->section])
		diag_error(p->d, p->lineno, "section [%s] appears again (first at line %u); write each section once",
			   name, p->section_line[p->section]);
	else
		p->section_line[p->section] = p->lineno;
}

/* Cut a comment: ';' or '#' at the start of the line or after white space.
 * inih alone would keep "1 # comment" as the value. */
static size_t strip_comment(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((s[i] == ';' || s[i] == '#') && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
			return i;
	return len;
}

static bool key_name_valid(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* Normalise one raw line into out (as "[sec]\n", "key=value\n" or "\n").
 * Returns false to stop parsing altogether (binary file). */
static bool normalise_line(struct parser *p, const char *raw, size_t len, char *out, int outsize)
{
	size_t bom = 0, start, end; /* columns in messages count from after a BOM */

	strcpy(out, "\n");
	p->long_line = 0;
	if (p->lineno == 1 && len >= 3 && !memcmp(raw, "\xEF\xBB\xBF", 3))
		bom = 3; /* UTF-8 byte order mark, as some Windows editors write */
	start = bom;
	if (memchr(raw, '\0', len)) {
		diag_error(p->d, p->lineno, "NUL byte: this is not a text profile");
		return false;
	}
	if (len > RAW_LINE_MAX) {
		diag_error(p->d, p->lineno, "line is %zu bytes long; the limit is %d", len, RAW_LINE_MAX);
		return true;
	}
	if (len > start && raw[len - 1] == '\r')
		len--; /* CRLF line ending */
	for (size_t i = start; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (c == '\r') {
			diag_error(p->d, p->lineno, "carriage return at column %zu, inside the line (old Mac line "
				   "endings?)", i - bom + 1);
			return true;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			diag_error(p->d, p->lineno, "control character 0x%02x at column %zu", c, i - bom + 1);
			return true;
		}
	}
	end = start + strip_comment(raw + start, len - start);
	/* Outside comments only ASCII means anything. A pasted non-breaking
	 * space or typographic quote is invisible in the message, so name it. */
	for (size_t i = start; i < end; i++) {
		if ((unsigned char)raw[i] < 0x80)
			continue;
		if (end - i >= 3 && !memcmp(raw + i, "\xEF\xBB\xBF", 3))
			diag_error(p->d, p->lineno, "byte order mark at column %zu: one is allowed only at the start "
				   "of the file", i - bom + 1);
		else
			diag_error(p->d, p->lineno, "non-ASCII byte 0x%02x at column %zu (a non-breaking space or a "
				   "typographic quote?): only comments may hold non-ASCII text",
				   (unsigned char)raw[i], i - bom + 1);
		return true;
	}
	/* Leading white space is dropped so an indented line keeps its own
	 * meaning instead of becoming a continuation of the previous value. */
	while (start < end && isspace((unsigned char)raw[start]))
		start++;
	while (end > start && isspace((unsigned char)raw[end - 1]))
		end--;
	if (start == end)
		return true;

	const char *line = raw + start;
	size_t n = end - start;
	if (line[0] == '[') {
		section_begin(p, line, n);
		if (p->section >= 0)
			snprintf(out, (size_t)outsize, "[%s]\n", section_names[p->section]);
		return true;
	}
	const char *eq = memchr(line, '=', n);
	if (!eq) {
		diag_error(p->d, p->lineno, "expected \"key = value\", found \"%.*s%s\"%s", quote_len(n), line,
			   quote_more(n), memchr(line, ':', n) ? " (lvsdr takes only '=' between key and value)" : "");
		return true;
	}
	size_t klen = (size_t)(eq - line), vstart = klen + 1;
	while (klen && isspace((unsigned char)line[klen - 1]))
		klen--;
	while (vstart < n && isspace((unsigned char)line[vstart]))
		vstart++;
	if (!klen) {
		diag_error(p->d, p->lineno, "found \"%.*s%s\": a value with no key before '='", quote_len(n), line,
			   quote_more(n));
		return true;
	}
	if (!key_name_valid(line, klen)) {
		diag_error(p->d, p->lineno, "\"%.*s%s\" is not a key name: keys are letters, digits, '_' and '-'",
			   quote_len(klen), line, quote_more(klen));
		return true;
	}
	if (klen > KEY_NAME_MAX) {
		diag_error(p->d, p->lineno, "unknown key %.*s...: no key is %zu characters long", quote_len(klen), line,
			   klen);
		return true;
	}
	/* A value too long for inih's buffer (no valid one comes close) still
	 * reaches the handler, as empty, so the key is checked and counted as
	 * present like any other: no "address is missing" on top. */
	/* "key=value" and its NUL: inih needs no newline, so Debian's
	 * 200-byte buffer holds a key and value of 198 characters together. */
	if ((int)(klen + 1 + (n - vstart) + 1) > outsize) {
		p->long_line = klen + (n - vstart);
		p->line_limit = outsize - 2;
		vstart = n;
	}
	/* Fits: the value by the check above, the key because no key name is
	 * longer than KEY_NAME_MAX, far below inih's line buffer. Copied, not
	 * formatted: 10,000 VIPs are 10,000 lines. */
	size_t vlen = n - vstart;
	memcpy(out, line, klen);
	out[klen] = '=';
	memcpy(out + klen + 1, line + vstart, vlen);
	out[klen + 1 + vlen] = '\0';
	return true;
}

static char *profile_next_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *raw, *nl;
	size_t len;

	if (p->stop || p->pos >= p->len)
		return NULL;
	raw = p->text + p->pos;
	nl = memchr(raw, '\n', p->len - p->pos);
	len = nl ? (size_t)(nl - raw) : p->len - p->pos;
	p->pos += len + (nl ? 1 : 0);
	p->lineno++;
	if (!normalise_line(p, raw, len, str, num)) {
		p->stop = true;
		return NULL;
	}
	return str;
}

static void parse_knob(struct parser *p, enum arp_knob knob, const char *value)
{
	struct knob_values *k = &p->host->knobs[knob];
	char range[32];
	int v;

	if (knob == KNOB_IGNORE)
		snprintf(range, sizeof(range), "0-3 or 8 (4-7 are reserved)");
	else
		snprintf(range, sizeof(range), "%d-%d", knob_table[knob].min, knob_table[knob].max);
	if (!parse_int(value, &v)) {
		diag_error(p->d, p->lineno, "[arp] %s = %s: must be a whole number, %s", knob_table[knob].key, value,
			   range);
		return;
	}
	if (!knob_value_meaningful(knob, v)) {
		diag_error(p->d, p->lineno, "[arp] %s = %s: must be %s", knob_table[knob].key, value, range);
		return;
	}
	k->value[SCOPE_ALL] = k->value[SCOPE_DEV] = v;
	k->present[SCOPE_ALL] = k->present[SCOPE_DEV] = true;
	k->line = p->lineno;
}

static bool vip_address_sane(struct parser *p, int family, const uint8_t *a, const char *value)
{
	const char *hint = "", *why = address_unusable(family, a, &hint);

	if (why)
		diag_error(p->d, p->lineno, "[vip] address = %s: %s, not usable as a VIP%s", value, why, hint);
	return !why;
}

/* parse_address() said no: tell which part is wrong and what is right. */
static void address_error(struct parser *p, const char *value)
{
	const char *slash = strchr(value, '/');
	char text[256];
	uint8_t addr[16];
	unsigned prefix;
	bool has_prefix;
	int family;

	if (strpbrk(value, ", \t")) {
		diag_error(p->d, p->lineno, "[vip] address = %s: one address per line; repeat address = for each VIP",
			   value);
		return;
	}
	snprintf(text, sizeof(text), "%.*s", slash ? (int)(slash - value) : (int)sizeof(text) - 1, value);
	if (slash && parse_address(text, &family, addr, &prefix, &has_prefix)) {
		diag_error(p->d, p->lineno, "[vip] address = %s: the prefix after '/' must be a number from 1 to %u",
			   value, host_prefix(family));
		return;
	}
	if (strchr(text, ':'))
		diag_error(p->d, p->lineno, "[vip] address = %s: not an IPv6 address such as 2001:db8::10", value);
	else
		diag_error(p->d, p->lineno, "[vip] address = %s: not an IPv4 address: write four numbers 0-255 "
			   "without leading zeros, such as 192.0.2.10", value);
}

static void parse_address_key(struct parser *p, const char *value)
{
	struct vip vip = { .line = p->lineno };
	unsigned prefix;
	bool has_prefix;

	if (!parse_address(value, &vip.family, vip.addr, &prefix, &has_prefix)) {
		address_error(p, value);
		return;
	}
	if (!vip_address_sane(p, vip.family, vip.addr, value))
		return;
	if (has_prefix && prefix == 0) {
		diag_error(p->d, p->lineno, "[vip] address = %s: /0 would make every address local", value);
		return;
	}
	vip.prefix = (uint8_t)prefix;
	if (p->host->nvips == p->vip_cap) {
		p->vip_cap = p->vip_cap ? p->vip_cap * 2 : 8;
		p->host->vips = xreallocarray(p->host->vips, p->vip_cap, sizeof(*p->host->vips));
	}
	p->host->vips[p->host->nvips++] = vip;
}

static void parse_realserver(struct parser *p, const char *value)
{
	struct realserver rs = { .line = p->lineno };
	const char *why, *hint;
	unsigned prefix;
	bool has_prefix;

	if (strpbrk(value, ", \t")) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: one address per line; repeat realserver = for "
			   "each real server", value);
		return;
	}
	if (!parse_address(value, &rs.family, rs.addr, &prefix, &has_prefix)) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: not an IPv4 or IPv6 address such as 192.0.2.11",
			   value);
		return;
	}
	if (has_prefix) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: a real server is one address; write it "
			   "without a prefix", value);
		return;
	}
	if ((why = address_unusable(rs.family, rs.addr, &hint))) {
		diag_error(p->d, p->lineno, "[pathcheck] realserver = %s: %s, not a real server's address%s", value, why,
			   hint);
		return;
	}
	struct pathcheck_policy *pc = &p->host->pathcheck;
	if (pc->nrealservers == p->realserver_cap) {
		p->realserver_cap = p->realserver_cap ? p->realserver_cap * 2 : 8;
		pc->realservers = xreallocarray(pc->realservers, p->realserver_cap, sizeof(*pc->realservers));
	}
	pc->realservers[pc->nrealservers++] = rs;
}

static void parse_port(struct parser *p, const char *value)
{
	struct service_port sp = { .line = p->lineno };
	struct pathcheck_policy *pc = &p->host->pathcheck;

	if (strpbrk(value, ", \t")) {
		diag_error(p->d, p->lineno, "[pathcheck] port = %s: one port per line; repeat port = for each", value);
		return;
	}
	if (!service_port_parse(value, &sp) || sp.proto == IPPROTO_SCTP) {
		diag_error(p->d, p->lineno, "[pathcheck] port = %s: must be tcp/N or udp/N, N from 1 to 65535 without "
			   "leading zeros, such as tcp/80", value);
		return;
	}
	if (pc->nports == p->port_cap) {
		p->port_cap = p->port_cap ? p->port_cap * 2 : 8;
		pc->ports = xreallocarray(pc->ports, p->port_cap, sizeof(*pc->ports));
	}
	pc->ports[pc->nports++] = sp;
}

static void parse_value(struct parser *p, enum key key, const char *value)
{
	struct host *h = p->host;
	unsigned ms;
	int n;

	switch (key) {
	case KEY_ROLE:
		if (!strcmp(value, "realserver"))
			h->role = ROLE_REALSERVER;
		else if (!strcmp(value, "director"))
			h->role = ROLE_DIRECTOR;
		else
			diag_error(p->d, p->lineno, "[host] role = %s: must be realserver or director", value);
		p->role_line = p->lineno;
		break;
	case KEY_INTERFACE:
		if (strlen(value) >= IF_NAMESIZE)
			diag_error(p->d, p->lineno, "[host] interface = %s: %zu characters; the kernel allows at most %d",
				   value, strlen(value), IF_NAMESIZE - 1);
		else if (!interface_name_valid(value))
			diag_error(p->d, p->lineno, "[host] interface = %s: not an interface name: printable ASCII "
				   "without '/', ':' or white space, and not \".\" or \"..\"", value);
		else if (!strcmp(value, "lo"))
			diag_error(p->d, p->lineno, "[host] interface = lo: name the NIC on the segment shared by "
				   "director and real servers; lo never receives the ARP requests that matter");
		else if (!strcmp(value, "all") || !strcmp(value, "default"))
			/* Would alias /proc/sys/net/ipv4/conf/{all,default}: writing "the interface"
			 * knob would then change every interface on the host. */
			diag_error(p->d, p->lineno, "[host] interface = %s: conf/%s is not an interface; name the NIC "
				   "on the segment shared by director and real servers", value, value);
		else {
			snprintf(h->ifname, sizeof(h->ifname), "%s", value);
			h->ifname_line = p->lineno;
		}
		break;
	case KEY_IGNORE: case KEY_ANNOUNCE: case KEY_FILTER: case KEY_ACCEPT: case KEY_NOTIFY:
		parse_knob(p, (enum arp_knob)(key - KEY_IGNORE), value);
		break;
	case KEY_SCOPE:
		if (!strcmp(value, "all+interface"))
			h->policy = POLICY_ALL_AND_DEV;
		else if (!strcmp(value, "interface"))
			h->policy = POLICY_DEV_ONLY;
		else
			diag_error(p->d, p->lineno, "[arp] scope = %s: must be all+interface or interface", value);
		break;
	case KEY_ADDRESS:
		parse_address_key(p, value);
		break;
	case KEY_RANGE:
		range_parse(p->d, p->lineno, value, h, &p->range_cap);
		break;
	case KEY_WIDE:
		if (!strcmp(value, "yes"))
			p->wide_line = p->lineno;
		else if (strcmp(value, "no"))
			diag_error(p->d, p->lineno, "[vip] wide = %s: must be yes or no", value);
		break;
	case KEY_VIP_ANNOUNCE:
		p->announce_failed |= !announce_parse(p->d, p->lineno, value, h, &p->vip_cap);
		break;
	case KEY_COUNT_:
		if (!parse_int(value, &n) || n < 1 || n > 100)
			diag_error(p->d, p->lineno, "[garp] count = %s: must be a whole number, 1-100", value);
		else
			h->garp.count = (unsigned)n;
		break;
	case KEY_INTERVAL:
		if (!parse_duration_ms(value, &ms) || ms > 10000)
			diag_error(p->d, p->lineno, "[garp] interval = %s: must be a duration from 0ms to 10s, "
				   "such as 100ms", value);
		else
			h->garp.interval_ms = ms;
		break;
	case KEY_REFRESH:
		if (!parse_duration_ms(value, &ms) || ms > 3600000)
			diag_error(p->d, p->lineno, "[garp] refresh = %s: must be 0 (never) or a duration up to 3600s, "
				   "such as 5s", value);
		else
			h->garp.refresh_ms = ms;
		break;
	case KEY_MODE:
		if (!strcmp(value, "request"))
			h->garp.mode = GARP_REQUEST;
		else if (!strcmp(value, "reply"))
			h->garp.mode = GARP_REPLY;
		else if (!strcmp(value, "both"))
			h->garp.mode = GARP_BOTH;
		else
			diag_error(p->d, p->lineno, "[garp] mode = %s: must be request, reply or both", value);
		break;
	case KEY_REALSERVER:
		parse_realserver(p, value);
		break;
	case KEY_PORT:
		parse_port(p, value);
		break;
	case KEY_TIMEOUT:
		if (!parse_duration_ms(value, &ms) || ms < PATHCHECK_TIMEOUT_MIN_MS || ms > PATHCHECK_TIMEOUT_MAX_MS)
			diag_error(p->d, p->lineno, "[pathcheck] timeout = %s: must be a duration from %ums to %us, such "
				   "as 2s", value, PATHCHECK_TIMEOUT_MIN_MS, PATHCHECK_TIMEOUT_MAX_MS / 1000);
		else
			h->pathcheck.timeout_ms = ms;
		break;
	case KEY_RETRIES:
		if (!parse_int(value, &n) || n < 0 || n > PATHCHECK_RETRIES_MAX)
			diag_error(p->d, p->lineno, "[pathcheck] retries = %s: must be a whole number, 0-%d", value,
				   PATHCHECK_RETRIES_MAX);
		else
			h->pathcheck.retries = (unsigned)n;
		break;
	case KEY_H_INTERVAL:
	case KEY_H_TIMEOUT:
	case KEY_RISE:
	case KEY_FALL:
	case KEY_ACTION:
	case KEY_SORRY:
		health_key(p->d, p->lineno, (enum health_key)(key - KEY_H_INTERVAL), value, &h->health);
		break;
	case KEY_CONFLICT:
		if (!strcmp(value, "off"))
			h->garp.conflict = CONFLICT_OFF;
		else if (!strcmp(value, "warn"))
			h->garp.conflict = CONFLICT_WARN;
		else if (!strcmp(value, "refuse"))
			h->garp.conflict = CONFLICT_REFUSE;
		else
			diag_error(p->d, p->lineno, "[garp] conflict = %s: must be off, warn or refuse", value);
		break;
	default:
		break;
	}
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

static int profile_handle(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	int key = -1;
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
	for (int k = 0; k < KEY_MAX; k++)
		if ((int)key_table[k].section == p->section && !strcmp(name, key_table[k].name))
			key = k;
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

static int realserver_compare(const void *a, const void *b)
{
	const struct realserver *x = a, *y = b;
	int c = addr_compare(x->family, x->addr, y->family, y->addr);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int port_compare(const void *a, const void *b)
{
	const struct service_port *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* [pathcheck] as a whole: both lists or neither, each entry once, and
 * every real server reachable through a VIP of its family that is not
 * itself. Sorted copies keep a long list n log n. */
static void validate_pathcheck(struct parser *p)
{
	const struct pathcheck_policy *pc = &p->host->pathcheck;
	struct vip *vips = NULL;
	bool has_family[2] = { false, false };
	char text[INET6_ADDRSTRLEN];

	/* One source of truth: with services, pathcheck probes theirs. */
	if (services_count(p->services)) {
		for (int k = KEY_REALSERVER; k <= KEY_PORT; k++)
			if (p->key_line[k])
				diag_error(p->d, p->key_line[k], "[pathcheck] %s: pathcheck probes the real servers and ports "
					   "of the [service NAME] sections; delete [pathcheck] realserver and port",
					   key_table[k].name);
		return;
	}
	if (p->key_line[KEY_REALSERVER] && !p->key_line[KEY_PORT])
		diag_error(p->d, 0, "[pathcheck] port is missing: list the service ports to check, such as port = tcp/80");
	if (p->key_line[KEY_PORT] && !p->key_line[KEY_REALSERVER])
		diag_error(p->d, 0, "[pathcheck] realserver is missing: list the real servers to check by their own "
			   "addresses");
	if ((p->key_line[KEY_TIMEOUT] || p->key_line[KEY_RETRIES]) && !p->key_line[KEY_REALSERVER] &&
	    !p->key_line[KEY_PORT])
		diag_error(p->d, 0, "[pathcheck] has no realserver and no port: timeout and retries alone check nothing");
	if (pc->nrealservers > 1) {
		struct realserver *sorted = xmalloc(pc->nrealservers * sizeof(*sorted));
		memcpy(sorted, pc->realservers, pc->nrealservers * sizeof(*sorted));
		sort_array(sorted, pc->nrealservers, sizeof(*sorted), realserver_compare);
		for (size_t i = 1; i < pc->nrealservers; i++)
			if (sorted[i - 1].family == sorted[i].family && !memcmp(sorted[i - 1].addr, sorted[i].addr, 16)) {
				addr_format(sorted[i].family, sorted[i].addr, text, sizeof(text));
				diag_error(p->d, sorted[i].line, "[pathcheck] realserver %s is listed again (first at line %u)",
					   text, sorted[i - 1].line);
				sorted[i].line = sorted[i - 1].line;
			}
		free(sorted);
	}
	if (pc->nports > 1) {
		struct service_port *sorted = xmalloc(pc->nports * sizeof(*sorted));
		memcpy(sorted, pc->ports, pc->nports * sizeof(*sorted));
		sort_array(sorted, pc->nports, sizeof(*sorted), port_compare);
		for (size_t i = 1; i < pc->nports; i++)
			if (sorted[i - 1].proto == sorted[i].proto && sorted[i - 1].port == sorted[i].port) {
				service_port_format(&sorted[i], text, sizeof(text));
				diag_error(p->d, sorted[i].line, "[pathcheck] port %s is listed again (first at line %u)", text,
					   sorted[i - 1].line);
				sorted[i].line = sorted[i - 1].line;
			}
		free(sorted);
	}
	if (!pc->nrealservers)
		return;
	vips = xmalloc((p->host->nvips ? p->host->nvips : 1) * sizeof(*vips));
	memcpy(vips, p->host->vips, p->host->nvips * sizeof(*vips));
	sort_array(vips, p->host->nvips, sizeof(*vips), vip_compare);
	for (size_t i = 0; i < p->host->nvips; i++)
		has_family[vips[i].family == AF_INET6] = true;
	for (size_t i = 0; i < pc->nrealservers; i++) {
		const struct realserver *rs = &pc->realservers[i];
		struct vip key = { .family = rs->family };
		const struct vip *same;
		memcpy(key.addr, rs->addr, 16);
		addr_format(rs->family, rs->addr, text, sizeof(text));
		same = p->host->nvips ? bsearch(&key, vips, p->host->nvips, sizeof(*vips), vip_compare) : NULL;
		if (same)
			diag_error(p->d, rs->line, "[pathcheck] realserver = %s: a VIP (line %u); list each real server by "
				   "its own address", text, same->line);
		else if (!has_family[rs->family == AF_INET6] && p->host->nvips)
			diag_error(p->d, rs->line, "[pathcheck] realserver = %s: no %s VIP in [vip] to check it through",
				   text, rs->family == AF_INET6 ? "IPv6" : "IPv4");
	}
	free(vips);
}

/* What a director-only key's section does, for the message refusing it on
 * a real server. */
static const char *director_duty(enum section section)
{
	if (section == SEC_PATHCHECK)
		return "sends to real servers";
	return section == SEC_HEALTH ? "checks real servers" : "announces VIPs";
}

/* Rules that need the whole file: required keys, role-specific keys,
 * prefixes, duplicate VIPs. */
static void validate_whole(struct parser *p)
{
	struct host *h = p->host;

	if (!p->key_line[KEY_ROLE])
		diag_error(p->d, 0, "[host] role is missing: set role = realserver or role = director");
	if (!p->key_line[KEY_INTERFACE])
		diag_error(p->d, 0, "[host] interface is missing: name the NIC on the segment shared by director and real servers");
	if (!p->key_line[KEY_ADDRESS] && !p->key_line[KEY_RANGE])
		diag_error(p->d, 0, "[vip] address is missing: list at least one VIP");
	if (h->role != ROLE_REALSERVER)
		validate_pathcheck(p);
	/* Duplicates: sort a copy, so 10,000 VIPs cost n log n. The copy is
	 * kept: reading the state and planning look VIPs up in it. */
	if (h->nvips > 1) {
		struct vip *sorted = xmalloc(h->nvips * sizeof(*sorted));
		memcpy(sorted, h->vips, h->nvips * sizeof(*sorted));
		sort_array(sorted, h->nvips, sizeof(*sorted), vip_compare);
		for (size_t i = 1; i < h->nvips; i++)
			if (!vip_compare(&sorted[i - 1], &sorted[i])) {
				char text[INET6_ADDRSTRLEN];
				unsigned a = sorted[i - 1].line, b = sorted[i].line;
				addr_format(sorted[i].family, sorted[i].addr, text, sizeof(text));
				diag_error(p->d, a > b ? a : b, "[vip] address %s is listed again (first at line %u)", text,
					   a < b ? a : b);
				sorted[i].line = a < b ? a : b;
			}
		free(h->vips_sorted);
		h->vips_sorted = sorted;
	}
	services_finish(p->services, h, p->role_line);
	h->health.line = p->section_line[SEC_HEALTH];
	h->health.enabled = h->health.line != 0;
	health_check(p->d, h, p->key_line[KEY_H_TIMEOUT]);
	if (h->role == ROLE_NONE)
		return;
	ranges_check(p->d, h, p->wide_line, p->announce_failed);

	if (h->role == ROLE_REALSERVER) {
		for (int k = 0; k < KEY_MAX; k++)
			if (key_table[k].director_only && p->key_line[k])
				diag_error(p->d, p->key_line[k], "[%s] %s: only a director %s (role = realserver at line %u)",
					   section_names[key_table[k].section], key_table[k].name,
					   director_duty(key_table[k].section), p->role_line);
		/* The defaults that stop the leak; weaker values are refused
		 * because they leak (see lvsdr.ini(5)). */
		struct knob_values *ign = &h->knobs[KNOB_IGNORE], *ann = &h->knobs[KNOB_ANNOUNCE];
		if (!ign->line) {
			ign->value[SCOPE_ALL] = ign->value[SCOPE_DEV] = 1;
			ign->present[SCOPE_ALL] = ign->present[SCOPE_DEV] = true;
		} else if (ign->value[SCOPE_DEV] != 1 && ign->value[SCOPE_DEV] != 2) {
			diag_error(p->d, ign->line, "[arp] ignore = %d: a real server needs 1 or 2, otherwise it %s",
				   ign->value[SCOPE_DEV], ign->value[SCOPE_DEV] == 8
				   ? "never answers ARP, even for its own address" : "answers ARP for the VIP on lo");
		}
		if (!ann->line) {
			ann->value[SCOPE_ALL] = ann->value[SCOPE_DEV] = 2;
			ann->present[SCOPE_ALL] = ann->present[SCOPE_DEV] = true;
		} else if (ann->value[SCOPE_DEV] != 2) {
			diag_error(p->d, ann->line, "[arp] announce = %d: a real server needs 2, otherwise its replies "
				   "from the VIP send ARP requests with the VIP as sender and re-point clients",
				   ann->value[SCOPE_DEV]);
		}
	}
	if (h->policy == POLICY_DEV_ONLY)
		for (int k = 0; k < KNOB_COUNT; k++)
			h->knobs[k].present[SCOPE_ALL] = false;

	for (size_t i = 0; i < h->nvips; i++) {
		struct vip *v = &h->vips[i];
		unsigned max = host_prefix(v->family);
		if (h->role == ROLE_REALSERVER && v->prefix != max) {
			char text[64];
			vip_format(v, text, sizeof(text));
			diag_error(p->d, v->line, "[vip] address = %s: a real server binds VIPs on lo as /%u; a wider prefix "
				   "makes the whole subnet local and cuts the host off from its neighbours", text, max);
		}
		const char *edge = h->role == ROLE_DIRECTOR ? vip_subnet_edge(v) : NULL;
		if (edge) {
			char text[64];
			vip_format(v, text, sizeof(text));
			diag_error(p->d, v->line, "[vip] address = %s: is %s; no host can hold it for clients (pick "
				   "another address or prefix)", text, edge);
		}
	}
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
		validate_whole(&p);
	services_reader_free(p.services);
	return (int)(d->errors - errors_before);
}

int profile_load(const char *path, struct host *host, struct diag *d)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, ret;

	d->file = path;
	memset(host, 0, sizeof(*host));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		diag_error(d, 0, "cannot open the profile: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		diag_error(d, 0, "cannot read the profile: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, 0, S_ISDIR(st.st_mode) ? "is a directory, not a profile" : "is not a regular file");
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > LVSDR_PROFILE_MAX_BYTES) {
		diag_error(d, 0, "is %lld bytes; a profile may be at most %u", (long long)st.st_size,
			   LVSDR_PROFILE_MAX_BYTES);
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				diag_error(d, 0, "cannot read the profile: %s", strerror(errno));
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (d->errors) {
		free(buf);
		return -1;
	}
	ret = profile_parse(buf, got, host, d);
	host->source = st; /* profile_parse() cleared host */
	free(buf);
	return ret;
}

int profile_load_report(const char *path, struct host *host, char *why, size_t whylen)
{
	struct diag d = { 0 };
	int ret = profile_load(path, host, &d);

	if (ret != 0)
		diag_print(&d, stderr); /* sorts: the first entry is the first line */
	if (ret != 0 && why && d.count) {
		size_t more = d.errors - 1;
		if (more)
			snprintf(why, whylen, "%s (and %zu more error%s)", d.entries[0].text, more, more == 1 ? "" : "s");
		else
			snprintf(why, whylen, "%s", d.entries[0].text);
	}
	diag_free(&d);
	return ret;
}

int profile_load_print(const char *path, struct host *host)
{
	return profile_load_report(path, host, NULL, 0);
}

int profile_trusted(const char *path, const struct stat *opened, char *err, size_t errlen)
{
	char *real = realpath(path, NULL), *slash;
	struct stat st;
	int ret = 0;

	if (!real) {
		snprintf(err, errlen, "%s: cannot resolve the path: %s", path, strerror(errno));
		return -1;
	}
	/* The file read is judged by its descriptor's fstat; the path must
	 * still name it, or another file could be judged in its place. */
	if (stat(real, &st) == 0 && (st.st_dev != opened->st_dev || st.st_ino != opened->st_ino)) {
		snprintf(err, errlen, "%s: refusing to run as root: the file changed while it was read", path);
		free(real);
		return -1;
	}
	st = *opened;
	/* The file, then each directory above it up to /. */
	for (bool first = true;; first = false) {
		const char *why;
		if (!first && stat(*real ? real : "/", &st) < 0) {
			snprintf(err, errlen, "%s: cannot check %s: %s", path, *real ? real : "/", strerror(errno));
			ret = -1;
			break;
		}
		if ((why = safe_stat_untrusted(&st, true))) {
			snprintf(err, errlen, "%s: refusing to run as root: %s %s (mode %04o, uid %u, gid %u), so "
				 "another user could choose what this host binds; fix it with chown root and chmod go-w",
				 path, *real ? real : "/", why, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
				 (unsigned)st.st_gid);
			ret = -1;
			break;
		}
		if (!*real)
			break;
		slash = strrchr(real, '/');
		*slash = '\0';
	}
	free(real);
	return ret;
}
