/* [service NAME] sections: the struct ipvs_service / ipvs_dest values the
 * profile gives the engine (defaults, flags, order, ports, lines), the
 * line each whole-file error lands on, and the parsers they use. The
 * golden files in tests/bad-profiles hold the wording of every message. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "ipvs.h"
#include "profile.h"
#include "util.h"

/* Lines 1-8. */
#define HEAD "[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100/24\n" \
	     "address = 2001:db8::100\n\n"

static int parse(const char *text, struct host *h, struct diag *d)
{
	return profile_parse_exact(text, strlen(text), h, d);
}

static void show(const struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		printf("#   %u: %s\n", d->entries[i].line, d->entries[i].text);
}

static bool has_error(const struct diag *d, unsigned line, const char *needle)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->entries[i].line == line && strstr(d->entries[i].text, needle))
			return true;
	return false;
}

static bool svc_is(const struct ipvs_service *s, const char *name, const char *key, unsigned line)
{
	char text[96];

	ipvs_service_format(s, text, sizeof(text));
	return !strcmp(s->name, name) && !strcmp(text, key) && s->line == line;
}

static bool dest_is(const struct ipvs_dest *d, const char *endpoint, uint32_t weight, enum ipvs_method m,
		    unsigned line)
{
	char text[96];

	ipvs_dest_format(d, text, sizeof(text));
	return !strcmp(text, endpoint) && d->weight == weight && d->method == m && d->line == line;
}

/* The service called name, or an empty one. */
static const struct ipvs_service *by_name(const struct host *h, const char *name)
{
	static const struct ipvs_service none = { .name = "" };

	for (size_t i = 0; i < h->nservices; i++)
		if (!strcmp(h->services[i].name, name))
			return &h->services[i];
	return &none;
}

/* Strictly in ipvs_service_compare order, whatever order that is. */
static bool services_sorted(const struct host *h)
{
	for (size_t i = 1; i < h->nservices; i++)
		if (ipvs_service_compare(&h->services[i - 1], &h->services[i]) >= 0)
			return false;
	return true;
}

static void test_defaults_and_order(void)
{
	static const char text[] = HEAD
		"[service web6]\n" /* 9 */
		"address = 2001:db8::100\n"
		"port = tcp/443\n"
		"realserver = [2001:db8::12]:443\n"    /* 12 */
		"realserver = 2001:db8::11 weight=0\n" /* 13 */
		"\n"
		"[service mark]\n" /* 15 */
		"fwmark = 7\n"
		"realserver = 192.0.2.12\n" /* 17 */
		"\n"
		"[service web]\n" /* 19 */
		"address = 192.0.2.100\n"
		"port = tcp/80\n"
		"realserver = 192.0.2.12 method=tunnel\n"			  /* 22 */
		"realserver = 192.0.2.11:80 weight=5 uthreshold=9 lthreshold=4\n" /* 23 */
		"realserver = 192.0.2.9\n";					  /* 24 */
	struct host h;
	struct diag d;
	int ret = parse(text, &h, &d);

	CHECK(ret == 0 && h.nservices == 3, "service: three services parse (%d errors, %zu services)", ret,
	      h.nservices);
	if (ret || h.nservices != 3) {
		show(&d);
		goto out;
	}
	const struct ipvs_service *web = by_name(&h, "web"), *mark = by_name(&h, "mark"), *web6 = by_name(&h, "web6");
	CHECK(services_sorted(&h) && svc_is(web, "web", "tcp/192.0.2.100:80", 19) &&
		      svc_is(mark, "mark", "fwmark 7 (IPv4)", 15) && svc_is(web6, "web6", "tcp/[2001:db8::100]:443", 9),
	      "service: kept in ipvs_service_compare order, names and header lines with them");
	CHECK(!strcmp(web->scheduler, "wlc") && web->flags == 0 && web->timeout == 0 && web->persist_prefix == 32 &&
		      web->drain_ms == 300000 && web->proto == IPPROTO_TCP && web->port == 80 && web->ip.family == AF_INET,
	      "service: defaults are wlc, no flags, not persistent, prefix /32, drain 300s");
	CHECK(web6->persist_prefix == 128 && web6->ip.family == AF_INET6, "service: an IPv6 service's prefix is /128");
	CHECK(web->ndests == 3 && dest_is(&web->dests[0], "192.0.2.9:80", 1, METHOD_DR, 24) &&
		      dest_is(&web->dests[1], "192.0.2.11:80", 5, METHOD_DR, 23) &&
		      dest_is(&web->dests[2], "192.0.2.12:80", 1, METHOD_TUNNEL, 22),
	      "service: real servers sorted by address, the service's port filled in, weight 1 and dr by default");
	CHECK(web->dests[1].uthreshold == 9 && web->dests[1].lthreshold == 4 && web->dests[0].uthreshold == 0 &&
		      web->dests[0].lthreshold == 0,
	      "service: thresholds as given, 0 (none) by default");
	CHECK(web6->ndests == 2 && dest_is(&web6->dests[0], "[2001:db8::11]:443", 0, METHOD_DR, 13) &&
		      dest_is(&web6->dests[1], "[2001:db8::12]:443", 1, METHOD_DR, 12),
	      "service: IPv6 real servers with and without [addr]:port, weight=0 kept");
	CHECK(mark->fwmark == 7 && mark->proto == 0 && mark->port == 0 && mark->ndests == 1 &&
		      dest_is(&mark->dests[0], "192.0.2.12", 1, METHOD_DR, 17),
	      "service: a fwmark service has no protocol or port, nor do its real servers");
out:
	host_free(&h);
	CHECK(h.services == NULL && h.nservices == 0, "service: host_free frees the services");
	diag_free(&d);
}

static void test_flags(void)
{
	static const char text[] = HEAD
		"[service a]\naddress = 192.0.2.100\nport = tcp/80\nscheduler = sh\nsh-fallback = yes\nsh-port = yes\n"
		"persistence = 600s\npersistence-prefix = 24\ndrain = 1500ms\n"
		"[service b]\naddress = 192.0.2.100\nport = udp/53\nscheduler = mh\nmh-fallback = no\nmh-port = yes\n"
		"one-packet = yes\n"
		"[service c]\naddress = 2001:db8::100\nport = sctp/5060\nscheduler = twos\npersistence = 5000ms\n"
		"[service d]\nfwmark = 4294967295\nfamily = ipv6\none-packet = yes\n";
	struct host h;
	struct diag d;
	int ret = parse(text, &h, &d);

	CHECK(ret == 0 && h.nservices == 4, "service flags: four services parse");
	if (ret || h.nservices != 4) {
		show(&d);
		goto out;
	}
	const struct ipvs_service *a = by_name(&h, "a"), *b = by_name(&h, "b"), *c = by_name(&h, "c"),
				  *m = by_name(&h, "d");
	CHECK(services_sorted(&h), "service flags: kept in ipvs_service_compare order");
	CHECK(!strcmp(a->name, "a") && a->flags == (LVSDR_SVC_SCHED1 | LVSDR_SVC_SCHED2 | LVSDR_SVC_PERSISTENT) &&
		      a->timeout == 600 && a->persist_prefix == 24 && a->drain_ms == 1500 && !strcmp(a->scheduler, "sh"),
	      "service flags: sh-fallback and sh-port are SCHED1 and SCHED2; persistence 600 s over a /24");
	CHECK(!strcmp(b->name, "b") && b->flags == (LVSDR_SVC_SCHED2 | LVSDR_SVC_ONEPACKET) && b->timeout == 0,
	      "service flags: mh-fallback = no sets nothing, mh-port SCHED2, one-packet ONEPACKET");
	CHECK(!strcmp(c->name, "c") && c->proto == IPPROTO_SCTP && c->port == 5060 && c->timeout == 5 &&
		      c->flags == LVSDR_SVC_PERSISTENT && c->persist_prefix == 128,
	      "service flags: sctp/5060, persistence 5000ms is 5 s, IPv6 prefix /128 by default");
	CHECK(!strcmp(m->name, "d") && m->fwmark == 4294967295u && m->ip.family == AF_INET6 &&
		      m->flags == LVSDR_SVC_ONEPACKET,
	      "service flags: fwmark 2^32-1, family ipv6, one-packet");
out:
	host_free(&h);
	diag_free(&d);
}

/* Whole-file errors land on the key or section they are about, however
 * the sections are ordered. */
static void test_error_lines(void)
{
	static const char text[] =
		"[service b]\n" /* 1 */
		"address = 192.0.2.100\n"
		"port = tcp/80\n"
		"realserver = 192.0.2.11:81\n" /* 4: port */
		"realserver = 192.0.2.12\n"    /* 5 */
		"realserver = 192.0.2.12\n"    /* 6: twice */
		"[service a]\n"		       /* 7: same as b */
		"address = 192.0.2.100\n"
		"port = tcp/80\n"
		"[host]\nrole = director\ninterface = eth0\n" /* 10-12 */
		"[vip]\naddress = 192.0.2.100\n";	      /* 13-14: after the services */
	struct host h;
	struct diag d;
	int ret = parse(text, &h, &d);
	bool ok = ret == 3 && has_error(&d, 4, "not 81") && has_error(&d, 6, "listed again (first at line 5)") &&
		  has_error(&d, 7, "same service as [service b] (line 1)");

	CHECK(ok, "service errors: port on line 4, real server twice on line 6, same service on line 7");
	if (!ok)
		show(&d);
	host_free(&h);
	diag_free(&d);

	/* A refused mark or a missing port makes no service to compare: one
	 * error each, no "same service" on top. */
	ret = parse(HEAD "[service a]\nfwmark = 0\n[service b]\nfwmark = x\n[service c]\naddress = 192.0.2.100\n"
			 "[service d]\naddress = 192.0.2.100\n",
		    &h, &d);
	ok = ret == 4 && has_error(&d, 10, "fwmark = 0") && has_error(&d, 12, "fwmark = x") &&
	     has_error(&d, 13, "no port") && has_error(&d, 15, "no port");
	CHECK(ok, "service errors: two refused marks and two services without a port are 4 errors, not 6");
	if (!ok)
		show(&d);
	host_free(&h);
	diag_free(&d);

	/* The value checks shared with the fixed sections. */
	char *longline = xasprintf(HEAD "[service w]\naddress = 192.0.2.100\nport = tcp/80\nrealserver = 192.0.2.11 "
					"%0*d\n",
				   300, 0);
	ret = parse(longline, &h, &d);
	ok = ret == 1 && has_error(&d, 12, "[service w] realserver: key and value are");
	CHECK(ok, "service errors: an overlong realserver line is named with its section");
	if (!ok)
		show(&d);
	host_free(&h);
	diag_free(&d);
	free(longline);
}

static void test_parsers(void)
{
	uint64_t v = 0;
	unsigned s = 0;

	CHECK(parse_uint("0", 5, &v) && v == 0 && parse_uint("4294967295", UINT32_MAX, &v) && v == 4294967295u &&
		      parse_uint("18446744073709551615", UINT64_MAX, &v) && v == UINT64_MAX,
	      "parse_uint: 0, 2^32-1 and 2^64-1 at their limits");
	CHECK(!parse_uint("6", 5, &v) && !parse_uint("4294967296", UINT32_MAX, &v) &&
		      !parse_uint("18446744073709551616", UINT64_MAX, &v) && !parse_uint("07", 10, &v) &&
		      !parse_uint("", 10, &v) && !parse_uint("-1", 10, &v) && !parse_uint("+1", 10, &v) &&
		      !parse_uint("1 ", 10, &v) && !parse_uint("9", 0, &v),
	      "parse_uint: above the maximum, overflow, leading zero, sign, space refused");
	CHECK(parse_seconds("0", 10, &s) && s == 0 && parse_seconds("10s", 10, &s) && s == 10 &&
		      parse_seconds("3000ms", 10, &s) && s == 3 && parse_seconds("2678400s", 2678400, &s) && s == 2678400,
	      "parse_seconds: 0, Ns and whole-second ms");
	CHECK(!parse_seconds("11s", 10, &s) && !parse_seconds("1500ms", 10, &s) && !parse_seconds("5", 10, &s) &&
		      !parse_seconds("s", 10, &s) && !parse_seconds("1m", 10, &s) &&
		      !parse_seconds("99999999999999999999s", 10, &s) && !parse_seconds("", 10, &s),
	      "parse_seconds: above the maximum, part seconds, no unit, overflow refused");
}

/* A name used again is found among many (the names are hashed): 300
 * services s0-s299, then s7 and s299 again, each refused with the line of
 * the first. Lines: 8 of HEAD, then 3 a service. */
static void test_names_again(void)
{
	char *text = xasprintf("%s", HEAD), *more;
	struct host h;
	struct diag d;
	int ret;
	bool ok;

	for (unsigned i = 0; i < 302; i++) {
		unsigned n = i < 300 ? i : i == 300 ? 7
						    : 299;
		more = xasprintf("%s[service s%u]\naddress = 192.0.2.100\nport = tcp/%u\n", text, n, 1000 + i);
		free(text);
		text = more;
	}
	ret = parse(text, &h, &d);
	ok = ret == 2 && has_error(&d, 9 + 3 * 300, "[service s7] appears again (first at line 30)") &&
	     has_error(&d, 9 + 3 * 301, "[service s299] appears again (first at line 906)") && h.nservices == 300;
	CHECK(ok, "service names: a name used again among 300 is refused with the line of the first (%d errors)", ret);
	if (!ok)
		show(&d);
	host_free(&h);
	diag_free(&d);
	free(text);
}

void test_profile_service(void)
{
	test_names_again();
	test_defaults_and_order();
	test_flags();
	test_error_lines();
	test_parsers();
}
