/* The IPVS ownership record (src/owned_ipvs.c): its services stay sorted
 * and unique whatever order they are added and removed in, so that lookups
 * are binary searches and the saved record lists them in table order. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "ipvs.h"
#include "owned_ipvs.h"

static struct ipvs_service tcp_port(unsigned port)
{
	struct ipvs_service s = { .ip.family = AF_INET, .proto = IPPROTO_TCP, .port = (uint16_t)port };

	s.ip.bytes[0] = 192, s.ip.bytes[1] = 0, s.ip.bytes[2] = 2, s.ip.bytes[3] = 100;
	return s;
}

static bool sorted_unique(const struct owned_ipvs *o)
{
	for (size_t i = 1; i < o->nservices; i++)
		if (ipvs_service_compare(&o->services[i - 1], &o->services[i]) >= 0)
			return false;
	return true;
}

void test_owned_ipvs(void)
{
	struct owned_ipvs o = { 0 };
	char path[] = "/tmp/lvsdr-unit-owned-ipvs.XXXXXX", err[512] = "", *text = NULL;
	struct ipvs_service probe;
	size_t len = 0;
	bool all = true;
	FILE *f;
	int fd;

	/* 1,000 ports added from the top down, every third one twice. */
	for (unsigned p = 1000; p >= 1; p--) {
		struct ipvs_service s = tcp_port(p);
		owned_ipvs_add(&o, &s);
		if (p % 3 == 0)
			owned_ipvs_add(&o, &s);
	}
	CHECK(o.nservices == 1000 && sorted_unique(&o), "owned ipvs: added in any order, held sorted and once (%zu)",
	      o.nservices);
	for (unsigned p = 1; p <= 1000; p++) {
		probe = tcp_port(p);
		all = all && owned_ipvs_has(&o, &probe);
	}
	probe = tcp_port(1001);
	CHECK(all && !owned_ipvs_has(&o, &probe), "owned ipvs: every added service is found, no other");
	probe = tcp_port(500);
	owned_ipvs_remove(&o, &probe);
	owned_ipvs_remove(&o, &probe);
	CHECK(o.nservices == 999 && sorted_unique(&o) && !owned_ipvs_has(&o, &probe),
	      "owned ipvs: a removed service is gone, the rest stay sorted");

	/* The saved record: table order, the first line port 1. */
	if ((fd = mkstemp(path)) >= 0)
		close(fd);
	snprintf(o.path, sizeof(o.path), "%s", path);
	o.dirty = true;
	CHECK(owned_ipvs_save(&o, err, sizeof(err)) == 0, "owned ipvs: saved (%s)", err);
	if ((f = fopen(path, "r"))) {
		char line[128] = "";
		if (fgets(line, sizeof(line), f))
			text = strdup(line);
		len = strlen(line);
		fclose(f);
	}
	CHECK(text && !strcmp(text, "service tcp 192.0.2.100 1\n"), "owned ipvs: the record starts at the lowest key (%.*s)",
	      (int)(len ? len - 1 : 0), text ? text : "");
	free(text);
	unlink(path);
	owned_ipvs_free(&o);
}
