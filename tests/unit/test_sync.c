/* [sync]: the keys of the connection-sync daemon (values, limits, the line
 * each error lands on, the defaults) and the model's daemon match, which
 * decides whether lvsdr events takes a running daemon over. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
#include "ipvs.h"
#include "profile.h"

/* Lines 1-6: a director on eth0; [sync] comes at line 8. */
#define HEAD "[host]\nrole = director\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100/24\n\n"

static bool parse_one(const char *tail, struct host *h, struct diag *d)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s%s", HEAD, tail);
	return profile_parse_exact(buf, strlen(buf), h, d) == 0;
}

/* HEAD + tail gives exactly one error, text at line. */
static bool refused(const char *tail, unsigned line, const char *text)
{
	struct diag d = { .file = "t.ini" };
	char want[512];
	struct host h;
	bool ok;

	parse_one(tail, &h, &d);
	snprintf(want, sizeof(want), "t.ini:%u: %s", line, text);
	ok = d.count == 1 && d.entries[0].line == line && !strcmp(d.entries[0].text, want);
	for (size_t i = 0; !ok && i < d.count; i++)
		printf("#   %u: %s\n", d.entries[i].line, d.entries[i].text);
	host_free(&h);
	diag_free(&d);
	return ok;
}

static void test_sync_keys(void)
{
	static const uint8_t group6[16] = { 0xff, 0x02, [15] = 0x81 };
	struct diag d = { .file = "t.ini" };
	struct host h;

	CHECK(parse_one("", &h, &d) && !h.sync.enabled, "[sync]: absent, no daemon");
	host_free(&h);
	CHECK(parse_one("[sync]\n", &h, &d) && h.sync.enabled && h.sync.line == 8 &&
		      !strcmp(h.sync.daemon.ifname, "eth0") && h.sync.daemon.syncid == LVSDR_SYNC_SYNCID &&
		      !h.sync.daemon.group.family && !h.sync.daemon.port && !h.sync.daemon.ttl && !h.sync.daemon.maxlen,
	      "[sync] alone: the profile's NIC, syncid 0, the kernel's group, port, ttl and maxlen");
	host_free(&h);
	CHECK(parse_one("[sync]\ninterface = eth1\nsyncid = 255\ngroup = 239.1.2.3\nport = 9000\nttl = 2\n"
			"maxlen = 1400\n",
			&h, &d) &&
		      !strcmp(h.sync.daemon.ifname, "eth1") && h.sync.daemon.syncid == 255 &&
		      h.sync.daemon.group.family == AF_INET && !memcmp(h.sync.daemon.group.bytes, "\xef\x01\x02\x03", 4) &&
		      h.sync.daemon.port == 9000 && h.sync.daemon.ttl == 2 && h.sync.daemon.maxlen == 1400,
	      "[sync]: every key read");
	host_free(&h);
	CHECK(parse_one("[sync]\ngroup = ff02::81\nmaxlen = 65487\n", &h, &d) && h.sync.daemon.group.family == AF_INET6 &&
		      !memcmp(h.sync.daemon.group.bytes, group6, 16) && h.sync.daemon.maxlen == 65487,
	      "[sync]: an IPv6 group, with the largest maxlen it carries");
	host_free(&h);
	CHECK(d.count == 0, "[sync]: the good ones gave no error");
	diag_free(&d);

	CHECK(parse_one("[sync]\ngroup = 239.1.2.3\nmaxlen = 65507\n", &h, &d) && h.sync.daemon.maxlen == 65507,
	      "[sync] maxlen = 65507 with an IPv4 group is taken");
	host_free(&h);
	diag_free(&d);
}

/* Each refused alone, at its own line, with its own message. */
static void test_sync_refused(void)
{
	static const struct {
		const char *tail;
		unsigned line;
		const char *text, *name;
	} bad[] = {
		{ "[sync]\nsyncid = 256\n", 9, "[sync] syncid = 256: must be a whole number, 0-255",
		  "[sync] syncid = 256 refused at its line" },
		{ "[sync]\nsyncid = -1\n", 9, "[sync] syncid = -1: must be a whole number, 0-255",
		  "[sync] syncid = -1 refused" },
		{ "[sync]\nport = 65536\n", 9, "[sync] port = 65536: must be a whole number, 1-65535",
		  "[sync] port = 65536 refused" },
		{ "[sync]\nttl = 256\n", 9, "[sync] ttl = 256: must be a whole number, 1-255",
		  "[sync] ttl = 256 refused" },
		{ "[sync]\nmaxlen = 1023\n", 9, "[sync] maxlen = 1023: must be a whole number, 1024-65507",
		  "[sync] maxlen = 1023 refused: the kernel would raise a backup's to 1024" },
		{ "[sync]\nmaxlen = 65508\n", 9, "[sync] maxlen = 65508: must be a whole number, 1024-65507",
		  "[sync] maxlen = 65508 refused" },
		{ "[sync]\nmaxlen = 65488\ngroup = ff05::1\n", 9, "[sync] maxlen = 65488 with an IPv6 group: at most 65487 (65535 less the IPv6 and UDP headers)",
		  "[sync] maxlen past an IPv6 group's refused at the maxlen line" },
		{ "[sync]\ngroup = 223.255.255.255\n", 9, "[sync] group = 223.255.255.255: must be a multicast address, IPv4 (224.0.0.0/4) or IPv6 (ff00::/8), without a prefix",
		  "[sync] group just below 224.0.0.0/4 refused" },
		{ "[sync]\ngroup = fe80::1\n", 9, "[sync] group = fe80::1: must be a multicast address, IPv4 (224.0.0.0/4) or IPv6 (ff00::/8), without a prefix",
		  "[sync] an IPv6 unicast group refused" },
		{ "[sync]\ninterface = eth/0\n", 9, "[sync] interface = eth/0: not an interface name: printable ASCII without '/', ':' or white space, and not \".\" or \"..\"",
		  "[sync] interface with a '/' refused" },
		{ "[sync]\nsyncid =\n", 9, "[sync] syncid has no value",
		  "[sync] a key without a value refused" },
		{ "[sync]\nmaster = yes\n", 9, "unknown key master in [sync]; its keys are interface, syncid, group, port, ttl and maxlen",
		  "[sync] an unknown key lists the keys" },
		{ "[sync]\nttl = 1\nttl = 2\n", 10, "[sync] ttl is set again (first at line 9); set each key once",
		  "[sync] a key set twice refused" },
		{ "[snyc]\n", 8, "unknown section [snyc]; did you mean [sync]?",
		  "[snyc]: did you mean [sync]" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(refused(bad[i].tail, bad[i].line, bad[i].text), "%s", bad[i].name);
}

static void test_sync_realserver(void)
{
	static const char text[] = "[host]\nrole = realserver\ninterface = eth0\n\n[vip]\naddress = 192.0.2.100\n\n"
				   "[sync]\n";
	struct diag d = { .file = "t.ini" };
	struct host h;

	CHECK(profile_parse_exact(text, strlen(text), &h, &d) == 1 && d.entries[0].line == 8 &&
		      !strcmp(d.entries[0].text, "t.ini:8: [sync]: only a director runs the connection-sync daemon (role = "
						 "realserver at line 2)"),
	      "[sync] on a real server refused at its header");
	host_free(&h);
	diag_free(&d);
}

static void test_daemon_match(void)
{
	struct ipvs_daemon want = { .state = IPVS_SYNC_MASTER, .ifname = "eth0", .syncid = 7 };
	struct ipvs_daemon live = want;
	char text[128];

	/* What the kernel reports for a daemon started without group, port, ttl, maxlen. */
	live.group.family = AF_INET;
	memcpy(live.group.bytes, "\xe0\x00\x00\x51", 4);
	live.port = 8848, live.ttl = 1, live.maxlen = 1472;
	CHECK(ipvs_daemon_matches(&live, &want), "daemon match: the kernel's defaults match a profile that sets none");
	live.syncid = 8;
	CHECK(!ipvs_daemon_matches(&live, &want), "daemon match: another syncid is not ours");
	live.syncid = 7;
	strcpy(live.ifname, "eth1");
	CHECK(!ipvs_daemon_matches(&live, &want), "daemon match: another interface is not ours");
	strcpy(live.ifname, "eth0");
	live.state = IPVS_SYNC_BACKUP;
	CHECK(!ipvs_daemon_matches(&live, &want), "daemon match: a backup is not the master");
	live.state = IPVS_SYNC_MASTER;
	want.port = 9000;
	CHECK(!ipvs_daemon_matches(&live, &want), "daemon match: a port the profile sets must be the kernel's");
	want.port = 0;
	want.group.family = AF_INET;
	memcpy(want.group.bytes, "\xef\x01\x02\x03", 4);
	CHECK(!ipvs_daemon_matches(&live, &want), "daemon match: a group the profile sets must be the kernel's");
	ipvs_daemon_format(&live, text, sizeof(text));
	CHECK(!strcmp(text, "master on eth0, syncid 7, group 224.0.0.81:8848"), "daemon format: %s", text);
}

void test_sync(void)
{
	test_sync_keys();
	test_sync_refused();
	test_sync_realserver();
	test_daemon_match();
}
