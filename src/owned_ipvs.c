/* The IPVS ownership record and the drained list (include/owned_ipvs.h).
 * One entry a line, read strictly: lvsdr wrote it, so anything it cannot
 * read back was changed by hand and is refused whole, never half used. */
#include "owned_ipvs.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "record_file.h"
#include "util.h"

#define OWNED_IPVS_FILE "services"
#define LVSDR_STATEDIR "/var/lib/lvsdr"

static const char *proto_word(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp"
								   : "sctp";
}

/* "tcp 192.0.2.100 80" or "fwmark 1 inet6". */
static void key_write(FILE *f, const struct ipvs_service *s)
{
	char text[64];

	if (s->fwmark) {
		fprintf(f, "fwmark %u %s", (unsigned)s->fwmark, s->ip.family == AF_INET6 ? "inet6" : "inet");
		return;
	}
	ipaddr_format(&s->ip, text, sizeof(text));
	fprintf(f, "%s %s %u", proto_word(s->proto), text, (unsigned)s->port);
}

static bool parse_u32(const char *w, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!w || !*w || *w < '0' || *w > '9' || (w[0] == '0' && w[1]))
		return false;
	errno = 0;
	v = strtoull(w, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_addr_word(const char *w, struct ip_addr *a)
{
	bool has_prefix;

	memset(a, 0, sizeof(*a));
	return w && ipaddr_parse(w, a, &has_prefix) && !has_prefix;
}

/* Three words into a service key. */
static bool key_parse(char **w, struct ipvs_service *s)
{
	uint32_t v;

	memset(s, 0, sizeof(*s));
	if (!w[0] || !w[1] || !w[2])
		return false;
	if (!strcmp(w[0], "fwmark")) {
		if (!parse_u32(w[1], UINT32_MAX, &v) || !v)
			return false;
		s->fwmark = v;
		if (!strcmp(w[2], "inet"))
			s->ip.family = AF_INET;
		else if (!strcmp(w[2], "inet6"))
			s->ip.family = AF_INET6;
		else
			return false;
		return true;
	}
	if (!strcmp(w[0], "tcp"))
		s->proto = IPPROTO_TCP;
	else if (!strcmp(w[0], "udp"))
		s->proto = IPPROTO_UDP;
	else if (!strcmp(w[0], "sctp"))
		s->proto = IPPROTO_SCTP;
	else
		return false;
	if (!parse_addr_word(w[1], &s->ip) || !parse_u32(w[2], 65535, &v) || !v)
		return false;
	s->port = (uint16_t)v;
	return true;
}

static size_t split_words(char *line, char **w, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
		if (n == max)
			return max + 1;
		w[n++] = tok;
	}
	return n;
}

static bool line_parse(struct owned_ipvs *o, char *line)
{
	char *w[9] = { 0 };
	size_t n = split_words(line, w, 8);
	struct ipvs_service key;
	uint32_t port;

	if (n == 4 && !strcmp(w[0], "service") && key_parse(w + 1, &key)) {
		owned_ipvs_add(o, &key);
		return true;
	}
	if (n == 7 && !strcmp(w[0], "draining") && key_parse(w + 1, &key)) {
		struct ipvs_dest d = { 0 };
		char *end;
		unsigned long long since;
		if (!parse_addr_word(w[4], &d.ip) || !parse_u32(w[5], 65535, &port))
			return false;
		d.port = (uint16_t)port;
		errno = 0;
		since = strtoull(w[6], &end, 10);
		if (errno || *end || !since)
			return false;
		owned_ipvs_drain_set(o, &key, &d, since);
		return true;
	}
	return false;
}

/* Lines of a record file, each handed to parse(); a line that does not
 * parse, or is cut short, refuses the whole file. */
static int lines_read(const char *path, bool (*parse)(void *ctx, char *line), void *ctx, char *err, size_t errlen)
{
	char line[256];
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *end = strchr(line, '\n');
		lineno++;
		if (end)
			*end = '\0';
		if ((!end && !feof(f)) || !parse(ctx, line)) {
			snprintf(err, errlen, "%s:%u: damaged record; lvsdr wrote it, so it was changed by hand or the "
					      "disk lies: remove the line or the file",
				 path, lineno);
			fclose(f);
			return -EINVAL;
		}
	}
	fclose(f);
	return 0;
}

static bool owned_line(void *ctx, char *line)
{
	return line_parse(ctx, line);
}

int owned_ipvs_load(struct owned_ipvs *o, const struct owned_set *addrs, char *err, size_t errlen)
{
	int ret;

	memset(o, 0, sizeof(*o));
	/* No address record (a kernel without namespace cookies): no service
	 * record either, and no service lvsdr could call its own. */
	if (!addrs->path[0])
		return 0;
	snprintf(o->path, sizeof(o->path), "%s/" OWNED_IPVS_FILE, addrs->dir);
	ret = lines_read(o->path, owned_line, o, err, errlen);
	if (ret < 0) {
		owned_ipvs_free(o); /* never half a record */
		memset(o->path, 0, sizeof(o->path));
		return ret;
	}
	o->dirty = false;
	return 0;
}

static bool same_key(const struct ipvs_service *a, const struct ipvs_service *b)
{
	return !ipvs_service_compare(a, b);
}

static void key_copy(struct ipvs_service *to, const struct ipvs_service *from)
{
	memset(to, 0, sizeof(*to));
	to->ip.family = from->ip.family;
	to->proto = from->proto;
	memcpy(to->ip.bytes, from->ip.bytes, 16);
	to->port = from->port;
	to->fwmark = from->fwmark;
}

/* The services are kept sorted by ipvs_service_compare: a director with
 * 1,000 services asks for each of them when it reads the record and when
 * it reads the table, and a linear search made that quadratic (a seventh
 * of a verify's instructions, measured by make bench). The first index
 * whose key is not below svc's. */
static size_t service_lower_bound(const struct owned_ipvs *o, const struct ipvs_service *svc)
{
	size_t lo = 0, hi = o->nservices;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ipvs_service_compare(&o->services[mid], svc) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool owned_ipvs_has(const struct owned_ipvs *o, const struct ipvs_service *svc)
{
	size_t i = service_lower_bound(o, svc);

	return i < o->nservices && same_key(&o->services[i], svc);
}

void owned_ipvs_add(struct owned_ipvs *o, const struct ipvs_service *svc)
{
	size_t i = service_lower_bound(o, svc);

	if (i < o->nservices && same_key(&o->services[i], svc))
		return;
	o->services = xreallocarray(o->services, o->nservices + 1, sizeof(*o->services));
	memmove(&o->services[i + 1], &o->services[i], (o->nservices - i) * sizeof(*o->services));
	o->nservices++;
	key_copy(&o->services[i], svc);
	o->dirty = true;
}

void owned_ipvs_remove(struct owned_ipvs *o, const struct ipvs_service *svc)
{
	size_t i = service_lower_bound(o, svc);

	if (i == o->nservices || !same_key(&o->services[i], svc))
		return;
	memmove(&o->services[i], &o->services[i + 1], (o->nservices - i - 1) * sizeof(*o->services));
	o->nservices--;
	o->dirty = true;
}

static struct drain_mark *drain_find(const struct owned_ipvs *o, const struct ipvs_service *svc,
				     const struct ipvs_dest *dest)
{
	for (size_t i = 0; i < o->ndrains; i++)
		if (same_key(&o->drains[i].svc, svc) && !ipvs_dest_compare(&o->drains[i].dest, dest))
			return &o->drains[i];
	return NULL;
}

uint64_t owned_ipvs_drain_since(const struct owned_ipvs *o, const struct ipvs_service *svc,
				const struct ipvs_dest *dest)
{
	const struct drain_mark *m = drain_find(o, svc, dest);
	return m ? m->since : 0;
}

void owned_ipvs_drain_set(struct owned_ipvs *o, const struct ipvs_service *svc, const struct ipvs_dest *dest,
			  uint64_t since)
{
	struct drain_mark *m = drain_find(o, svc, dest);

	if (!m) {
		o->drains = xreallocarray(o->drains, o->ndrains + 1, sizeof(*o->drains));
		m = &o->drains[o->ndrains++];
		memset(m, 0, sizeof(*m));
		key_copy(&m->svc, svc);
		m->dest.ip = dest->ip;
		m->dest.port = dest->port;
	}
	if (m->since != since)
		o->dirty = true;
	m->since = since;
}

void owned_ipvs_drain_clear(struct owned_ipvs *o, const struct ipvs_service *svc, const struct ipvs_dest *dest)
{
	struct drain_mark *m = drain_find(o, svc, dest);

	if (m) {
		*m = o->drains[--o->ndrains];
		o->dirty = true;
	}
}

/* Write a record through emit(), then replace path with it. */
static int record_save(const char *path, void (*emit)(FILE *f, const void *ctx), const void *ctx, bool *dirty,
		       char *err, size_t errlen)
{
	int ret = record_render(path, emit, ctx, record_replace, err, errlen);

	if (!ret)
		*dirty = false;
	return ret;
}

static void owned_emit(FILE *f, const void *ctx)
{
	const struct owned_ipvs *o = ctx;
	char addr[64];

	for (size_t i = 0; i < o->nservices; i++) {
		fputs("service ", f);
		key_write(f, &o->services[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < o->ndrains; i++) {
		const struct ipvs_dest *d = &o->drains[i].dest;
		ipaddr_format(&d->ip, addr, sizeof(addr));
		fputs("draining ", f);
		key_write(f, &o->drains[i].svc);
		fprintf(f, " %s %u %llu\n", addr, (unsigned)d->port, (unsigned long long)o->drains[i].since);
	}
}

int owned_ipvs_save(struct owned_ipvs *o, char *err, size_t errlen)
{
	if (!o->dirty)
		return 0;
	if (!o->path[0]) {
		snprintf(err, errlen, "this kernel gives no network namespace cookie (SO_NETNS_COOKIE, Linux 5.14 or "
				      "later), so lvsdr keeps no record of the IPVS services it creates and cannot create any");
		return -ENOTSUP;
	}
	return record_save(o->path, owned_emit, o, &o->dirty, err, errlen);
}

void owned_ipvs_free(struct owned_ipvs *o)
{
	free(o->services);
	free(o->drains);
	o->services = NULL;
	o->drains = NULL;
	o->nservices = o->ndrains = 0;
}

static bool drained_line(void *ctx, char *line)
{
	struct drained_set *d = ctx;
	struct ip_addr addr;

	if (!parse_addr_word(line, &addr))
		return false;
	drained_set_one(d, &addr, true);
	return true;
}

int drained_load(struct drained_set *d, char *err, size_t errlen)
{
	const char *dir = getenv("LVSDR_STATEDIR");
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s/drained", dir && *dir ? dir : LVSDR_STATEDIR);
	ret = lines_read(d->path, drained_line, d, err, errlen);
	if (ret < 0)
		drained_free(d);
	d->dirty = false;
	return ret;
}

bool drained_has(const struct drained_set *d, const struct ip_addr *a)
{
	for (size_t i = 0; i < d->n; i++)
		if (ipaddr_equal(&d->dests[i].ip, a))
			return true;
	return false;
}

void drained_set_one(struct drained_set *d, const struct ip_addr *a, bool drained)
{
	for (size_t i = 0; i < d->n; i++)
		if (ipaddr_equal(&d->dests[i].ip, a)) {
			if (!drained) {
				d->dests[i] = d->dests[--d->n];
				d->dirty = true;
			}
			return;
		}
	if (!drained)
		return;
	d->dests = xreallocarray(d->dests, d->n + 1, sizeof(*d->dests));
	memset(&d->dests[d->n], 0, sizeof(d->dests[d->n]));
	d->dests[d->n].ip = *a;
	d->n++;
	d->dirty = true;
}

static void drained_emit(FILE *f, const void *ctx)
{
	const struct drained_set *d = ctx;
	char addr[64];

	for (size_t i = 0; i < d->n; i++) {
		ipaddr_format(&d->dests[i].ip, addr, sizeof(addr));
		fprintf(f, "%s\n", addr);
	}
}

int drained_save(struct drained_set *d, char *err, size_t errlen)
{
	return d->dirty ? record_save(d->path, drained_emit, d, &d->dirty, err, errlen) : 0;
}

void drained_free(struct drained_set *d)
{
	free(d->dests);
	d->dests = NULL;
	d->n = 0;
}
