/* The IPVS model's helpers (include/ipvs.h): the order the plan walks both
 * tables in, the names verify prints, and lookups by key. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "ipaddr.h"
#include "ipvs.h"
#include "util.h"

/* A service from "tcp" and "192.0.2.100" (or fwmark when proto is NULL). */
static struct ipvs_service svc(const char *proto, const char *addr, uint16_t port, uint32_t fwmark)
{
	struct ipvs_service s = { .port = port, .fwmark = fwmark };
	bool has;

	if (!ipaddr_parse(addr, &s.ip, &has))
		abort();
	if (fwmark)
		memset(s.ip.bytes, 0, sizeof(s.ip.bytes));
	s.proto = !proto ? 0 : !strcmp(proto, "tcp") ? IPPROTO_TCP
		       : !strcmp(proto, "udp")	     ? IPPROTO_UDP
						     : IPPROTO_SCTP;
	return s;
}

static struct ipvs_dest dst(const char *addr, uint16_t port)
{
	struct ipvs_dest d = { .port = port, .weight = 1, .method = METHOD_DR };
	bool has;

	if (!ipaddr_parse(addr, &d.ip, &has))
		abort();
	return d;
}

static int sign(int v)
{
	return v < 0 ? -1 : v > 0;
}

static bool svc_before(struct ipvs_service a, struct ipvs_service b)
{
	return sign(ipvs_service_compare(&a, &b)) == -1 && sign(ipvs_service_compare(&b, &a)) == 1;
}

static bool dest_before(struct ipvs_dest a, struct ipvs_dest b)
{
	return sign(ipvs_dest_compare(&a, &b)) == -1 && sign(ipvs_dest_compare(&b, &a)) == 1;
}

static void test_compare(void)
{
	struct ipvs_service a = svc("tcp", "192.0.2.100", 80, 0), b = a;
	struct ipvs_dest d = dst("198.51.100.11", 80), e = d;

	CHECK(ipvs_service_compare(&a, &b) == 0, "ipvs: a service equals itself");
	/* Only the key counts: the plan finds an edited service by it. */
	b.flags = LVSDR_SVC_PERSISTENT, b.timeout = 300, b.ndests = 3;
	snprintf(b.scheduler, sizeof(b.scheduler), "wlc");
	CHECK(ipvs_service_compare(&a, &b) == 0, "ipvs: scheduler, flags and timeout are not part of a service's key");
	CHECK(svc_before(svc("tcp", "192.0.2.100", 80, 0), svc("tcp", "2001:db8::1", 80, 0)),
	      "ipvs: IPv4 services sort before IPv6 ones");
	CHECK(svc_before(svc("tcp", "192.0.2.1", 1, 0), svc(NULL, "0.0.0.0", 0, 7)),
	      "ipvs: a fwmark service sorts after the address services of its family");
	CHECK(svc_before(svc(NULL, "0.0.0.0", 0, 2), svc(NULL, "0.0.0.0", 0, 10)), "ipvs: fwmark services by mark");
	CHECK(ipvs_service_compare(&(struct ipvs_service){ .ip.family = AF_INET, .fwmark = 2 },
				   &(struct ipvs_service){ .ip.family = AF_INET6, .fwmark = 2 }) < 0,
	      "ipvs: the same fwmark in IPv4 and IPv6 are two services");
	CHECK(svc_before(svc("tcp", "192.0.2.200", 443, 0), svc("udp", "192.0.2.100", 53, 0)),
	      "ipvs: tcp before udp, before the address");
	CHECK(svc_before(svc("udp", "192.0.2.200", 53, 0), svc("sctp", "192.0.2.100", 80, 0)),
	      "ipvs: udp before sctp (protocol number)");
	CHECK(svc_before(svc("tcp", "192.0.2.9", 8080, 0), svc("tcp", "192.0.2.10", 80, 0)),
	      "ipvs: addresses compare as numbers (192.0.2.9 < 192.0.2.10), before the port");
	CHECK(svc_before(svc("tcp", "192.0.2.100", 80, 0), svc("tcp", "192.0.2.100", 443, 0)),
	      "ipvs: ports compare as numbers (80 < 443)");
	CHECK(svc_before(svc("tcp", "192.0.2.100", 255, 0), svc("tcp", "192.0.2.100", 256, 0)),
	      "ipvs: ports compare as host-order numbers (255 < 256)");

	CHECK(ipvs_dest_compare(&d, &e) == 0, "ipvs: a destination equals itself");
	e.weight = 7, e.method = METHOD_TUNNEL, e.uthreshold = 10, e.active = 3;
	CHECK(ipvs_dest_compare(&d, &e) == 0, "ipvs: weight, method and thresholds are not part of a destination's key");
	CHECK(dest_before(dst("198.51.100.12", 80), dst("2001:db8::1", 80)), "ipvs: IPv4 destinations before IPv6");
	CHECK(dest_before(dst("198.51.100.9", 443), dst("198.51.100.10", 80)), "ipvs: destinations by address, then port");
	CHECK(dest_before(dst("198.51.100.9", 80), dst("198.51.100.9", 443)), "ipvs: the same address, by port");
}

static bool service_text(struct ipvs_service s, const char *want)
{
	char buf[128];
	int n = ipvs_service_format(&s, buf, sizeof(buf));
	return !strcmp(buf, want) && n == (int)strlen(want);
}

static bool dest_text(struct ipvs_dest d, const char *want)
{
	char buf[128];
	int n = ipvs_dest_format(&d, buf, sizeof(buf));
	return !strcmp(buf, want) && n == (int)strlen(want);
}

static void test_format(void)
{
	char small[8];

	CHECK(service_text(svc("tcp", "192.0.2.100", 80, 0), "tcp/192.0.2.100:80"), "ipvs: format an IPv4 tcp service");
	CHECK(service_text(svc("udp", "2001:db8::100", 53, 0), "udp/[2001:db8::100]:53"),
	      "ipvs: format an IPv6 service with brackets");
	CHECK(service_text(svc("sctp", "203.0.113.5", 65535, 0), "sctp/203.0.113.5:65535"),
	      "ipvs: format an sctp service, the highest port");
	CHECK(service_text(svc(NULL, "0.0.0.0", 0, 1), "fwmark 1 (IPv4)"), "ipvs: format an IPv4 fwmark service");
	CHECK(service_text(svc(NULL, "::", 0, 4294967295u), "fwmark 4294967295 (IPv6)"),
	      "ipvs: format an IPv6 fwmark service, the highest mark");
	CHECK(dest_text(dst("198.51.100.11", 80), "198.51.100.11:80"), "ipvs: format an IPv4 destination");
	CHECK(dest_text(dst("2001:db8::11", 80), "[2001:db8::11]:80"), "ipvs: format an IPv6 destination with brackets");
	CHECK(dest_text(dst("198.51.100.11", 0), "198.51.100.11"), "ipvs: a destination on port 0 shows no port");
	CHECK(dest_text(dst("2001:db8::11", 0), "2001:db8::11"), "ipvs: an IPv6 destination on port 0 has no brackets");
	struct ipvs_service s = svc("tcp", "192.0.2.100", 80, 0);
	CHECK(ipvs_service_format(&s, small, sizeof(small)) == 18 && !strcmp(small, "tcp/192"),
	      "ipvs: a short buffer is cut and terminated; the full length is returned");

	CHECK(!strcmp(ipvs_method_name(METHOD_DR), "dr"), "ipvs: method name dr");
	CHECK(!strcmp(ipvs_method_name(METHOD_TUNNEL), "tunnel"), "ipvs: method name tunnel");
	CHECK(!strcmp(ipvs_method_name(METHOD_NAT), "nat"), "ipvs: method name nat (0, the kernel's MASQ)");
	CHECK(!strcmp(ipvs_method_name(METHOD_LOCAL), "local"), "ipvs: method name local");
	CHECK(!strcmp(ipvs_method_name(METHOD_BYPASS), "bypass"), "ipvs: method name bypass");
	CHECK(!strcmp(ipvs_method_name((enum ipvs_method)7), "unknown"), "ipvs: a method the kernel has not defined");
}

static void test_find(void)
{
	struct ipvs_service *list = calloc(4, sizeof(*list));
	struct ipvs_service want;

	list[0] = svc("udp", "192.0.2.100", 53, 0);
	list[1] = svc(NULL, "0.0.0.0", 0, 5);
	list[2] = svc("tcp", "2001:db8::100", 443, 0);
	list[3] = svc("tcp", "192.0.2.100", 80, 0);
	qsort(list, 4, sizeof(*list), ipvs_service_compare);
	list[0].dests = calloc(3, sizeof(*list[0].dests));
	list[0].ndests = 3;
	list[0].dests[0] = dst("198.51.100.12", 80);
	list[0].dests[1] = dst("198.51.100.11", 80);
	list[0].dests[2] = dst("2001:db8::11", 80);
	qsort(list[0].dests, 3, sizeof(*list[0].dests), ipvs_dest_compare);

	want = svc("tcp", "2001:db8::100", 443, 0);
	struct ipvs_service *got = ipvs_service_find(list, 4, &want);
	CHECK(got && got->ip.family == AF_INET6 && got->port == 443, "ipvs: find an IPv6 service by its key");
	want = svc(NULL, "0.0.0.0", 0, 5);
	CHECK(ipvs_service_find(list, 4, &want) == &list[2], "ipvs: find a fwmark service");
	want.ip.family = AF_INET6;
	CHECK(!ipvs_service_find(list, 4, &want), "ipvs: the same mark in the other family is not found");
	want = svc("udp", "192.0.2.100", 80, 0);
	CHECK(!ipvs_service_find(list, 4, &want), "ipvs: the same address and port in another protocol is not found");
	CHECK(!ipvs_service_find(NULL, 0, &want), "ipvs: nothing is found in an empty table");

	want = svc("tcp", "192.0.2.100", 80, 0);
	got = ipvs_service_find(list, 4, &want);
	struct ipvs_dest d = dst("198.51.100.11", 80);
	struct ipvs_dest *found = got ? ipvs_dest_find(got, &d) : NULL;
	CHECK(found && found->ip.family == AF_INET && found->port == 80 && !memcmp(found->ip.bytes, d.ip.bytes, 16),
	      "ipvs: find a destination by address and port");
	d.port = 8080;
	CHECK(got && !ipvs_dest_find(got, &d), "ipvs: the same address on another port is not found");
	d = dst("2001:db8::11", 80);
	CHECK(got && ipvs_dest_find(got, &d) == &got->dests[2], "ipvs: find an IPv6 destination, sorted last");
	CHECK(!ipvs_dest_find(&list[1], &d), "ipvs: a service without destinations finds none");
	CHECK(!ipvs_dest_find(NULL, &d), "ipvs: no service, no destination");
	ipvs_services_free(list, 4);
	ipvs_services_free(NULL, 0);
}

void test_ipvs(void)
{
	test_compare();
	test_format();
	test_find();
}
