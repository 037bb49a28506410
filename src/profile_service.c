/* [service NAME]: a director's IPVS virtual services and their real
 * servers (lvsdr.ini(5)). Keys are read as they come; what depends on other
 * keys or sections (the VIPs, the service's port and family, the scheduler)
 * is checked once the whole file is read, in service_check(). */
#include "profile_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "profile.h"
#include "util.h"

/* t-90-man.sh reads the key names from these lines. */
static const struct svc_key_info {
	const char *name;
	bool repeatable;
} svc_keys[SVC_MAX] = {
	[SVC_ADDRESS] = { "address", false },
	[SVC_PORT] = { "port", false },
	[SVC_FWMARK] = { "fwmark", false },
	[SVC_FAMILY] = { "family", false },
	[SVC_SCHEDULER] = { "scheduler", false },
	[SVC_SH_FALLBACK] = { "sh-fallback", false },
	[SVC_SH_PORT] = { "sh-port", false },
	[SVC_MH_FALLBACK] = { "mh-fallback", false },
	[SVC_MH_PORT] = { "mh-port", false },
	[SVC_PERSISTENCE] = { "persistence", false },
	[SVC_PERSISTENCE_PREFIX] = { "persistence-prefix", false },
	[SVC_ONE_PACKET] = { "one-packet", false },
	[SVC_DRAIN] = { "drain", false },
	[SVC_REALSERVER] = { "realserver", true },
};

/* The schedulers of Linux's net/netfilter/ipvs (ip_vs_*.c). Whether the
 * running kernel has one is for verify and apply to say. */
static const char *const schedulers[] = { "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
					  "fo", "ovf", "mh", "twos" };
#define NSCHEDULERS (sizeof(schedulers) / sizeof(schedulers[0]))

struct services_reader {
	struct diag *d;
	struct service_draft *drafts;
	size_t n, cap;
	struct service_draft *cur; /* NULL under a refused header */
	size_t *slots;		   /* by name: draft index + 1, 0 free */
	size_t nslots;		   /* a power of two, over twice n */
};

struct services_reader *services_reader_new(struct diag *d)
{
	struct services_reader *r = xcalloc(1, sizeof(*r));

	r->d = d;
	return r;
}

void services_reader_free(struct services_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->drafts[i].svc.dests);
	free(r->drafts);
	free(r->slots);
	free(r);
}

size_t services_count(const struct services_reader *r)
{
	return r->n;
}

const char *services_label(const struct services_reader *r)
{
	static char label[LVSDR_SERVICE_NAME_MAX + 8];

	snprintf(label, sizeof(label), "service %s", r->cur ? r->cur->svc.name : "");
	return label;
}

bool services_key_known(const char *name)
{
	for (int k = 0; k < SVC_MAX; k++)
		if (!strcmp(name, svc_keys[k].name))
			return true;
	return false;
}

static bool name_valid(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= LVSDR_SERVICE_NAME_MAX || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* The names seen, hashed: a profile of 1,000 services compared each new
 * name with every earlier one, half a million strcmp() calls, a tenth of a
 * verify's instructions (make bench). FNV-1a, open addressing. */
static size_t name_hash(const char *name)
{
	uint64_t h = 14695981039346656037ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return (size_t)h;
}

/* The slot of name: the one holding it, or the free one it would take. */
static size_t *name_slot(const struct services_reader *r, const char *name)
{
	size_t mask = r->nslots - 1, i = name_hash(name) & mask;

	while (r->slots[i] && strcmp(r->drafts[r->slots[i] - 1].svc.name, name))
		i = (i + 1) & mask;
	return &r->slots[i];
}

/* Room for one more name, keeping the table at most half full. */
static void names_grow(struct services_reader *r)
{
	size_t *old = r->slots, nold = r->nslots;

	if (2 * (r->n + 1) <= r->nslots)
		return;
	r->nslots = r->nslots ? 2 * r->nslots : 16;
	r->slots = xcalloc(r->nslots, sizeof(*r->slots));
	for (size_t i = 0; i < nold; i++)
		if (old[i])
			*name_slot(r, r->drafts[old[i] - 1].svc.name) = old[i];
	free(old);
}

bool services_section(struct services_reader *r, unsigned line, const char *text)
{
	size_t *slot;

	r->cur = NULL;
	if (!*text) {
		diag_error(r->d, line, "[service] needs a name: write [service NAME], such as [service web]");
		return false;
	}
	if (!name_valid(text)) {
		diag_error(r->d, line, "[service %s]: a service name is 1-%d lower-case letters, digits, '-', '_' or '.', "
				       "starting with a letter or digit",
			   text, LVSDR_SERVICE_NAME_MAX - 1);
		return false;
	}
	names_grow(r);
	slot = name_slot(r, text);
	if (*slot) {
		diag_error(r->d, line, "[service %s] appears again (first at line %u); give each service its own name",
			   text, r->drafts[*slot - 1].svc.line);
		return false;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4;
		r->drafts = xreallocarray(r->drafts, r->cap, sizeof(*r->drafts));
	}
	r->cur = &r->drafts[r->n++];
	*slot = r->n;
	memset(r->cur, 0, sizeof(*r->cur));
	snprintf(r->cur->svc.name, sizeof(r->cur->svc.name), "%s", text);
	r->cur->svc.line = line;
	snprintf(r->cur->svc.scheduler, sizeof(r->cur->svc.scheduler), "%s", LVSDR_SERVICE_SCHEDULER);
	r->cur->svc.drain_ms = LVSDR_SERVICE_DRAIN_MS;
	return true;
}

static void unknown_key(struct services_reader *r, unsigned line, const char *name)
{
	const char *best = closest_word(name, &svc_keys[0].name, SVC_MAX, sizeof(svc_keys[0]));
	char list[256];
	size_t used = 0;

	if (best) {
		diag_error(r->d, line, "unknown key %s in [service %s]; did you mean %s?", name, r->cur->svc.name, best);
		return;
	}
	for (int k = 0; k < SVC_MAX && used < sizeof(list); k++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", k == 0 ? "" : k == SVC_MAX - 1 ? " and "
														  : ", ",
					 svc_keys[k].name);
	diag_error(r->d, line, "unknown key %s in [service %s]; its keys are %s", name, r->cur->svc.name, list);
}

static bool parse_yes_no(struct services_reader *r, unsigned line, const char *key, const char *value, bool *out)
{
	if (!strcmp(value, "yes") || !strcmp(value, "no")) {
		*out = value[0] == 'y';
		return true;
	}
	diag_error(r->d, line, "[service %s] %s = %s: must be yes or no", r->cur->svc.name, key, value);
	return false;
}

static void parse_scheduler(struct services_reader *r, unsigned line, const char *value)
{
	const char *best;

	for (size_t i = 0; i < NSCHEDULERS; i++)
		if (!strcmp(value, schedulers[i])) {
			snprintf(r->cur->svc.scheduler, sizeof(r->cur->svc.scheduler), "%s", value);
			return;
		}
	best = closest_word(value, schedulers, NSCHEDULERS, sizeof(schedulers[0]));
	if (best)
		diag_error(r->d, line, "[service %s] scheduler = %s: not an IPVS scheduler; did you mean %s?",
			   r->cur->svc.name, value, best);
	else
		diag_error(r->d, line, "[service %s] scheduler = %s: not an IPVS scheduler; they are rr, wrr, lc, wlc, "
				       "lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh and twos",
			   r->cur->svc.name, value);
}

static void parse_address_key(struct services_reader *r, unsigned line, const char *value)
{
	struct ipvs_service *svc = &r->cur->svc;
	bool has_prefix;

	if (!ipaddr_parse(value, &svc->ip, &has_prefix)) {
		svc->ip.family = 0;
		diag_error(r->d, line, "[service %s] address = %s: not an IPv4 or IPv6 address; write one of the "
				       "profile's VIPs, such as 192.0.2.100",
			   svc->name, value);
	} else if (has_prefix) {
		svc->ip.family = 0;
		diag_error(r->d, line, "[service %s] address = %s: a service's address is one VIP; write it without "
				       "a prefix",
			   svc->name, value);
	}
}

static void parse_port_key(struct services_reader *r, unsigned line, const char *value)
{
	struct service_port sp;

	if (!service_port_parse(value, &sp)) {
		diag_error(r->d, line, "[service %s] port = %s: must be tcp/N, udp/N or sctp/N, N from 1 to 65535 "
				       "without leading zeros, such as tcp/80",
			   r->cur->svc.name, value);
		return;
	}
	r->cur->svc.proto = sp.proto;
	r->cur->svc.port = sp.port;
}

static void parse_number_key(struct services_reader *r, unsigned line, enum svc_key key, const char *value)
{
	struct service_draft *s = r->cur;
	uint64_t v;

	switch (key) {
	case SVC_FWMARK:
		if (!parse_uint(value, UINT32_MAX, &v) || v < 1)
			diag_error(r->d, line, "[service %s] fwmark = %s: must be a whole number, 1-%u", s->svc.name, value,
				   (unsigned)UINT32_MAX);
		else
			s->svc.fwmark = (uint32_t)v;
		break;
	case SVC_PERSISTENCE_PREFIX:
		if (!parse_uint(value, 128, &v) || v < 1)
			diag_error(r->d, line, "[service %s] persistence-prefix = %s: must be a whole number, 1-32 for "
					       "IPv4 or 1-128 for IPv6",
				   s->svc.name, value);
		else
			s->prefix = (unsigned)v;
		break;
	default:
		break;
	}
}

static void parse_duration_key(struct services_reader *r, unsigned line, enum svc_key key, const char *value)
{
	struct service_draft *s = r->cur;
	unsigned secs, ms;

	if (key == SVC_PERSISTENCE) {
		if (!parse_seconds(value, LVSDR_SERVICE_PERSISTENCE_MAX_S, &secs) || secs < 1)
			diag_error(r->d, line, "[service %s] persistence = %s: must be whole seconds from 1s to %us, such "
					       "as 300s; leave it out for no persistence",
				   s->svc.name, value,
				   LVSDR_SERVICE_PERSISTENCE_MAX_S);
		else
			s->svc.timeout = secs;
		return;
	}
	if (!parse_duration_ms(value, &ms) || ms > LVSDR_SERVICE_DRAIN_MAX_MS)
		diag_error(r->d, line, "[service %s] drain = %s: must be a duration from 0s to %us, such as 300s",
			   s->svc.name, value, LVSDR_SERVICE_DRAIN_MAX_MS / 1000);
	else
		s->svc.drain_ms = ms;
}

static void parse_flag_key(struct services_reader *r, unsigned line, enum svc_key key, const char *value)
{
	static const uint32_t flag[SVC_MAX] = {
		[SVC_SH_FALLBACK] = LVSDR_SVC_SCHED1,
		[SVC_MH_FALLBACK] = LVSDR_SVC_SCHED1,
		[SVC_SH_PORT] = LVSDR_SVC_SCHED2,
		[SVC_MH_PORT] = LVSDR_SVC_SCHED2,
		[SVC_ONE_PACKET] = LVSDR_SVC_ONEPACKET,
	};
	bool on;

	if (parse_yes_no(r, line, svc_keys[key].name, value, &on) && on)
		r->cur->svc.flags |= flag[key];
}

static void parse_family_key(struct services_reader *r, unsigned line, const char *value)
{
	if (!strcmp(value, "ipv4"))
		r->cur->family_key = AF_INET;
	else if (!strcmp(value, "ipv6"))
		r->cur->family_key = AF_INET6;
	else
		diag_error(r->d, line, "[service %s] family = %s: must be ipv4 or ipv6", r->cur->svc.name, value);
}

void services_key(struct services_reader *r, unsigned line, const char *name, const char *value)
{
	struct service_draft *s = r->cur;
	int key = -1;

	if (!s)
		return;
	for (int k = 0; k < SVC_MAX; k++)
		if (!strcmp(name, svc_keys[k].name))
			key = k;
	if (key < 0) {
		unknown_key(r, line, name);
		return;
	}
	if (s->key_line[key] && !svc_keys[key].repeatable) {
		diag_error(r->d, line, "[service %s] %s is set again (first at line %u); set each key once", s->svc.name,
			   name, s->key_line[key]);
		return;
	}
	if (!s->key_line[key])
		s->key_line[key] = line;
	if (!value)
		return;
	switch ((enum svc_key)key) {
	case SVC_ADDRESS:
		parse_address_key(r, line, value);
		break;
	case SVC_PORT:
		parse_port_key(r, line, value);
		break;
	case SVC_FWMARK:
	case SVC_PERSISTENCE_PREFIX:
		parse_number_key(r, line, (enum svc_key)key, value);
		break;
	case SVC_FAMILY:
		parse_family_key(r, line, value);
		break;
	case SVC_SCHEDULER:
		parse_scheduler(r, line, value);
		break;
	case SVC_SH_FALLBACK:
	case SVC_SH_PORT:
	case SVC_MH_FALLBACK:
	case SVC_MH_PORT:
	case SVC_ONE_PACKET:
		parse_flag_key(r, line, (enum svc_key)key, value);
		break;
	case SVC_PERSISTENCE:
	case SVC_DRAIN:
		parse_duration_key(r, line, (enum svc_key)key, value);
		break;
	case SVC_REALSERVER:
		if (s->svc.ndests == s->dest_cap) {
			s->dest_cap = s->dest_cap ? s->dest_cap * 2 : 4;
			s->svc.dests = xreallocarray(s->svc.dests, s->dest_cap, sizeof(*s->svc.dests));
		}
		if (realserver_parse(r->d, line, s->svc.name, value, &s->svc.dests[s->svc.ndests]))
			s->svc.ndests++;
		break;
	case SVC_MAX:
		break;
	}
}

/* The services' order, then the line: the later of two equal ones is the
 * one reported. */
static int service_line_compare(const void *a, const void *b)
{
	const struct ipvs_service *x = a, *y = b;
	int c = ipvs_service_compare(a, b);

	return c ? c : x->line < y->line ? -1
					 : x->line > y->line;
}

void services_finish(struct services_reader *r, struct host *h, unsigned role_line)
{
	struct vip *copy;
	const struct vip *vips = host_vips_sorted(h, &copy);
	char key[80];

	for (size_t i = 0; i < r->n; i++) {
		if (h->role == ROLE_REALSERVER)
			diag_error(r->d, r->drafts[i].svc.line, "[service %s]: only a director forwards to real servers "
								"(role = realserver at line %u)",
				   r->drafts[i].svc.name, role_line);
		else
			service_check(r->d, &r->drafts[i], vips, h->nvips);
	}
	free(copy);
	if (!r->n)
		return;
	h->services = xmalloc(r->n * sizeof(*h->services));
	for (size_t i = 0; i < r->n; i++)
		h->services[i] = r->drafts[i].svc;
	h->nservices = r->n;
	r->n = 0; /* the real servers belong to h now */
	sort_array(h->services, h->nservices, sizeof(*h->services), service_line_compare);
	for (size_t i = 1; i < h->nservices && h->role != ROLE_REALSERVER; i++) {
		const struct ipvs_service *a = &h->services[i - 1], *b = &h->services[i];
		/* One whose address, port or mark was refused is no service yet. */
		if (ipvs_service_compare(a, b) || !(a->fwmark || (a->ip.family && a->port)))
			continue;
		ipvs_service_format(b, key, sizeof(key));
		diag_error(r->d, b->line, "[service %s] is the same service as [service %s] (line %u): %s; IPVS keeps "
					  "one table entry per address, protocol and port, or per fwmark",
			   b->name, a->name, a->line, key);
	}
}
