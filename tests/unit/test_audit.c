/* The segment audit without a network: frames parsed into claims, probe
 * verdicts, watch's owner tracking, and the monitoring formats (plugin
 * line, Prometheus exposition, the atomic file). The same code runs on
 * real frames in tests/t-60-audit.sh. */
#include <arpa/inet.h>
#include <linux/filter.h>
#include <dirent.h>
#include <stdarg.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/ip6.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksum.h"
#include "frames.h"
#include "harness.h"
#include "monitor.h"
#include "plan.h"
#include "probe.h"
#include "profile.h"
#include "util.h"
#include "watch.h"

static const uint8_t mac_a[MAC_LEN] = { 2, 0, 0, 0, 0, 0x02 }, mac_b[MAC_LEN] = { 2, 0, 0, 0, 0, 0x11 },
		     mac_c[MAC_LEN] = { 2, 0, 0, 0, 0, 0x12 };

static size_t arp_frame(uint8_t *buf, uint16_t op, const uint8_t *sha, const char *spa, const char *tpa)
{
	struct ether_header eth = { .ether_type = htons(ETHERTYPE_ARP) };
	struct ether_arp arp = { .ea_hdr = { htons(ARPHRD_ETHER), htons(ETHERTYPE_IP), ETH_ALEN, 4, htons(op) } };

	memset(eth.ether_dhost, 0xff, ETH_ALEN);
	memcpy(eth.ether_shost, sha, ETH_ALEN);
	memcpy(arp.arp_sha, sha, ETH_ALEN);
	inet_pton(AF_INET, spa, arp.arp_spa);
	inet_pton(AF_INET, tpa, arp.arp_tpa);
	memcpy(buf, &eth, sizeof(eth));
	memcpy(buf + sizeof(eth), &arp, sizeof(arp));
	return sizeof(eth) + sizeof(arp);
}

/* An advertisement for target; option_mac NULL leaves the target
 * link-layer option out. */
static size_t na_frame(uint8_t *buf, const uint8_t *src_mac, const char *target, const uint8_t *option_mac,
		       uint8_t hop_limit, uint32_t flags)
{
	struct ether_header eth = { .ether_type = htons(ETHERTYPE_IPV6) };
	struct ip6_hdr ip6 = { .ip6_flow = htonl(6u << 28), .ip6_nxt = IPPROTO_ICMPV6, .ip6_hlim = hop_limit };
	struct nd_neighbor_advert na = { .nd_na_type = ND_NEIGHBOR_ADVERT, .nd_na_flags_reserved = flags };
	uint8_t opt[8] = { ND_OPT_TARGET_LINKADDR, 1 };
	size_t plen = sizeof(na) + (option_mac ? sizeof(opt) : 0), n = 0;

	memcpy(eth.ether_shost, src_mac, ETH_ALEN);
	ip6.ip6_plen = htons((uint16_t)plen);
	inet_pton(AF_INET6, target, &na.nd_na_target);
	if (option_mac)
		memcpy(opt + 2, option_mac, MAC_LEN);
	memcpy(buf + n, &eth, sizeof(eth)), n += sizeof(eth);
	memcpy(buf + n, &ip6, sizeof(ip6)), n += sizeof(ip6);
	memcpy(buf + n, &na, sizeof(na)), n += sizeof(na);
	if (option_mac)
		memcpy(buf + n, opt, sizeof(opt)), n += sizeof(opt);
	/* A valid checksum: the kernel, and so frame_claim(), drops others. */
	uint8_t *icmp = buf + sizeof(eth) + sizeof(ip6);
	checksum_store(icmp + 2, checksum_finish(checksum_add(
					 checksum_pseudo(AF_INET6, (uint8_t *)&ip6.ip6_src, (uint8_t *)&ip6.ip6_dst, IPPROTO_ICMPV6, plen),
					 icmp, plen)));
	return n;
}

/* The ICMPv6 checksum of an NA frame built above, after an edit. */
static void na_resum(uint8_t *buf, size_t n, size_t icmp_off)
{
	uint8_t *icmp = buf + icmp_off;
	size_t len = n - icmp_off;

	icmp[2] = icmp[3] = 0;
	checksum_store(icmp + 2, checksum_finish(checksum_add(
					 checksum_pseudo(AF_INET6, buf + 22, buf + 38, IPPROTO_ICMPV6, len), icmp, len)));
}

/* An 8-byte extension header of type before the ICMPv6 message, holding
 * one option (opt_type, 4 bytes of data); a fragment header holds none. */
static size_t na_ext(uint8_t *buf, size_t n, uint8_t type, uint8_t opt_type)
{
	uint8_t ext[8] = { buf[20], 0, opt_type, 4 };

	memmove(buf + 62, buf + 54, n - 54);
	if (type == IPPROTO_FRAGMENT)
		memset(ext + 1, 0, 7);
	memcpy(buf + 54, ext, 8);
	buf[20] = type;
	buf[19] = (uint8_t)(buf[19] + 8); /* payload length, low byte */
	return n + 8;
}

static bool bpf_keeps(const uint8_t *buf, size_t n)
{
	return bpf_run(frame_claim_filter, FRAME_CLAIM_FILTER_LEN, buf, n) == 0xffff;
}

static bool claims(const uint8_t *buf, size_t len, enum claim_kind kind, const char *addr, const uint8_t *mac)
{
	struct claim c;
	uint8_t want[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	inet_pton(family, addr, want);
	return frame_claim(buf, len, &c) && c.kind == kind && c.ip.family == family && !memcmp(c.ip.bytes, want, 16) &&
	       !memcmp(c.mac, mac, MAC_LEN);
}

static void test_frames(void)
{
	uint8_t buf[256], mac[MAC_LEN];
	char text[MAC_TEXT_LEN];
	struct claim c;
	size_t n;

	CHECK(mac_parse("02:00:00:00:00:1A", mac) && !strcmp(mac_format(mac, text), "02:00:00:00:00:1a"),
	      "mac_parse reads either case; mac_format prints lower case");
	CHECK(!mac_parse("2:00:00:00:00:01", mac) && !mac_parse("02:00:00:00:00", mac) &&
		      !mac_parse("02:00:00:00:00:01:", mac) && !mac_parse("02-00-00-00-00-01", mac) &&
		      !mac_parse("02:00:00:00:00:0g", mac) && !mac_parse("", mac),
	      "mac_parse refuses short pairs, missing or extra fields, other separators, non-hex");
	mac_parse("ff:ff:ff:ff:ff:ff", mac);
	CHECK(!mac_usable(mac), "mac_usable: broadcast is no owner");
	mac_parse("01:00:5e:00:00:01", mac);
	CHECK(!mac_usable(mac), "mac_usable: multicast is no owner");
	mac_parse("00:00:00:00:00:00", mac);
	CHECK(!mac_usable(mac) && mac_usable(mac_a), "mac_usable: zero is no owner, a unicast MAC is");

	n = arp_frame(buf, ARPOP_REQUEST, mac_b, "192.0.2.100", "192.0.2.1");
	CHECK(claims(buf, n, CLAIM_ARP_REQUEST, "192.0.2.100", mac_b) && frame_claim(buf, n, &c) && !c.gratuitous,
	      "ARP request with the VIP as sender claims it (the arp_announce leak)");
	n = arp_frame(buf, ARPOP_REQUEST, mac_a, "192.0.2.100", "192.0.2.100");
	CHECK(frame_claim(buf, n, &c) && c.gratuitous, "ARP request with sender = target is gratuitous");
	n = arp_frame(buf, ARPOP_REPLY, mac_b, "192.0.2.100", "192.0.2.1");
	CHECK(claims(buf, n, CLAIM_ARP_REPLY, "192.0.2.100", mac_b), "ARP reply claims its sender address");
	n = arp_frame(buf, ARPOP_REQUEST, mac_a, "0.0.0.0", "192.0.2.100");
	CHECK(!frame_claim(buf, n, &c), "an RFC 5227 probe (sender 0.0.0.0) claims nothing");
	n = arp_frame(buf, 3, mac_a, "192.0.2.100", "192.0.2.100");
	CHECK(!frame_claim(buf, n, &c), "RARP and other ARP operations claim nothing");
	n = arp_frame(buf, ARPOP_REPLY, mac_a, "192.0.2.100", "192.0.2.1");
	CHECK(!frame_claim(buf, n - 1, &c), "a truncated ARP frame claims nothing");
	buf[14 + 4] = 8; /* hardware address length */
	CHECK(!frame_claim(buf, n, &c), "an ARP frame that is not Ethernet/IPv4 claims nothing");

	n = na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, ND_NA_FLAG_OVERRIDE);
	CHECK(claims(buf, n, CLAIM_NA, "2001:db8::100", mac_b) && frame_claim(buf, n, &c) && c.gratuitous,
	      "NA: the target link-layer option names the owner, not the frame's source; unsolicited is gratuitous");
	n = na_frame(buf, mac_c, "2001:db8::100", NULL, 255, ND_NA_FLAG_SOLICITED);
	CHECK(claims(buf, n, CLAIM_NA, "2001:db8::100", mac_c) && frame_claim(buf, n, &c) && !c.gratuitous,
	      "NA without the option: the frame's source is the owner");
	n = na_frame(buf, mac_c, "2001:db8::100", mac_b, 254, 0);
	CHECK(!frame_claim(buf, n, &c), "NA with hop limit 254 is dropped, as the kernel drops it");
	n = na_frame(buf, mac_c, "ff02::1", mac_b, 255, 0);
	CHECK(!frame_claim(buf, n, &c), "NA for a multicast target is dropped");
	n = na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, 0);
	buf[n - 7] = 0; /* option length 0 */
	CHECK(!frame_claim(buf, n, &c), "NA with an option of length 0 is dropped");
	CHECK(!frame_claim(buf, n - 8 + 1, &c), "NA shorter than its payload length is dropped");
	n = na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, 0);
	buf[14 + 40] = ND_NEIGHBOR_SOLICIT;
	CHECK(!frame_claim(buf, n, &c), "a neighbour solicitation claims nothing");
	CHECK(!frame_claim(buf, 10, &c), "a runt frame claims nothing");

	/* The kernel's own parsing rules: what moves a neighbour
	 * entry is a claim, what it drops is none. */
	n = arp_frame(buf, ARPOP_REQUEST, mac_b, "192.0.2.100", "192.0.2.100");
	buf[14 + 1] = ARPHRD_IEEE802;
	CHECK(claims(buf, n, CLAIM_ARP_REQUEST, "192.0.2.100", mac_b),
	      "ARP with hardware type 6 (IEEE 802) claims, as arp_process() accepts it on Ethernet");
	buf[14 + 1] = 7;
	CHECK(!frame_claim(buf, n, &c), "ARP with hardware type 7 claims nothing");
	n = na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, ND_NA_FLAG_OVERRIDE);
	memcpy(buf + n, (uint8_t[8]){ ND_OPT_TARGET_LINKADDR, 1, 2, 0, 0, 0, 0, 0x12 }, 8);
	n += 8;
	buf[19] += 8;
	na_resum(buf, n, 54);
	CHECK(claims(buf, n, CLAIM_NA, "2001:db8::100", mac_b),
	      "NA with two target link-layer options: the first names the owner, as ndisc_parse_options() keeps it");
	buf[54 + 24 + 1] = 2;
	na_resum(buf, n, 54);
	CHECK(!frame_claim(buf, n, &c), "NA whose first target option has the wrong length is dropped, as the kernel does");
	n = na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, ND_NA_FLAG_OVERRIDE);
	buf[56] ^= 0xff;
	CHECK(!frame_claim(buf, n, &c), "NA with a bad checksum is dropped");
	n = na_ext(buf, na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, 0), IPPROTO_HOPOPTS, 1);
	CHECK(claims(buf, n, CLAIM_NA, "2001:db8::100", mac_b) && bpf_keeps(buf, n),
	      "NA behind a hop-by-hop header claims, and the socket filter keeps it");
	n = na_ext(buf, na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, 0), IPPROTO_DSTOPTS, 1);
	n = na_ext(buf, n, IPPROTO_HOPOPTS, 1);
	CHECK(claims(buf, n, CLAIM_NA, "2001:db8::100", mac_b) && bpf_keeps(buf, n),
	      "NA behind hop-by-hop and destination options headers claims");
	n = na_ext(buf, na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, 0), IPPROTO_DSTOPTS, 0x80);
	CHECK(!frame_claim(buf, n, &c), "NA behind an unknown option of type 'discard' is dropped, as ip6_parse_tlv() does");
	n = na_ext(buf, na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, 0), IPPROTO_FRAGMENT, 0);
	CHECK(!frame_claim(buf, n, &c), "NA in a fragment is dropped (suppress_frag_ndisc)");
	n = na_ext(buf, na_frame(buf, mac_c, "2001:db8::100", mac_b, 255, 0), IPPROTO_HOPOPTS, 1);
	n = na_ext(buf, n, IPPROTO_DSTOPTS, 1);
	CHECK(!frame_claim(buf, n, &c), "NA with a hop-by-hop header that is not first is dropped");
}

static struct probe_target target(const uint8_t *expected, int nmacs, ...)
{
	struct probe_target t;
	struct ip_addr addr = { .family = AF_INET, .bytes = { 192, 0, 2, 100 } };
	va_list ap;

	probe_target_init(&t, &addr);
	if (expected) {
		t.expected_from = EXPECTED_OPTION;
		memcpy(t.expected, expected, MAC_LEN);
	}
	va_start(ap, nmacs);
	for (int i = 0; i < nmacs; i++)
		probe_add_responder(&t, va_arg(ap, const uint8_t *), false);
	va_end(ap);
	return t;
}

static void check_verdict(struct probe_target t, enum probe_verdict want, const char *name)
{
	CHECK(probe_judge(&t) == want, "probe verdict %s: %s", probe_verdict_words[want], name);
	free(t.responders);
}

static void test_probe(void)
{
	struct probe_target t;

	check_verdict(target(NULL, 0), PROBE_NO_OWNER, "nobody answered");
	check_verdict(target(mac_a, 0), PROBE_NO_OWNER, "nobody answered, an owner expected");
	check_verdict(target(NULL, 1, mac_b), PROBE_OK, "one MAC, no owner expected");
	check_verdict(target(mac_a, 1, mac_a), PROBE_OK, "exactly the expected owner");
	check_verdict(target(mac_a, 2, mac_b, mac_a), PROBE_LEAK, "the owner and a real server");
	check_verdict(target(mac_a, 1, mac_b), PROBE_WRONG_OWNER, "another MAC instead of the owner");
	check_verdict(target(mac_a, 2, mac_b, mac_c), PROBE_WRONG_OWNER, "two others, not the owner");
	check_verdict(target(NULL, 2, mac_b, mac_a), PROBE_CONFLICT, "two MACs, no owner expected");

	t = target(NULL, 4, mac_c, mac_a, mac_c, mac_b);
	CHECK(t.nresponders == 3 && !memcmp(t.responders[0].mac, mac_a, MAC_LEN) &&
		      !memcmp(t.responders[2].mac, mac_c, MAC_LEN),
	      "probe responders: each MAC once, sorted");
	probe_add_responder(&t, mac_b, true);
	CHECK(t.nresponders == 3 && t.responders[1].this_host && !t.responders[0].this_host,
	      "probe responders: this host's answer marks the MAC already there");
	free(t.responders);
}

static void test_watch(void)
{
	struct watch_address a = { 0 };
	struct watch_rules none = { 0 }, rules = { 0 };
	struct watch_verdict v;

	v = watch_claim(&a, &none, mac_a, 1000);
	CHECK(v.event == WATCH_FIRST && !v.foreign, "watch: the first claim makes the owner");
	v = watch_claim(&a, &none, mac_a, 1100);
	CHECK(v.event == WATCH_REPEAT, "watch: the owner again is a repeat");
	v = watch_claim(&a, &none, mac_b, 2000);
	CHECK(v.event == WATCH_CHANGE && !memcmp(v.from, mac_a, MAC_LEN), "watch: another MAC is an owner change");
	v = watch_claim(&a, &none, mac_a, 3500);
	CHECK(v.event == WATCH_FLIP_FLOP && v.after_ms == 1500 && !memcmp(v.from, mac_b, MAC_LEN),
	      "watch: the previous owner back within the window is a flip-flop, 1.5 s after it lost it");
	v = watch_claim(&a, &none, mac_b, 3500 + LVSDR_WATCH_FLIP_MS);
	CHECK(v.event == WATCH_CHANGE, "watch: back after the window is an ordinary change");
	v = watch_claim(&a, &none, mac_c, 3600 + LVSDR_WATCH_FLIP_MS);
	CHECK(v.event == WATCH_CHANGE, "watch: a third MAC is a change, not a flip-flop");
	CHECK(a.claims == 6 && a.changes == 3 && a.flips == 1 && a.foreign == 0, "watch: counts per address");

	watch_rules_add(&rules.expected, &rules.nexpected, mac_a);
	watch_rules_add(&rules.expected, &rules.nexpected, mac_a);
	watch_rules_add(&rules.expected, &rules.nexpected, mac_b);
	CHECK(rules.nexpected == 2, "watch rules: a MAC given twice is listed once");
	CHECK(!watch_rules_foreign(&rules, mac_a) && !watch_rules_foreign(&rules, mac_b) &&
		      watch_rules_foreign(&rules, mac_c),
	      "watch rules: with expected owners, any other MAC is foreign");
	CHECK(!watch_rules_foreign(&none, mac_c), "watch rules: with none expected, nobody is foreign");
	watch_rules_add(&none.never, &none.nnever, mac_c);
	CHECK(watch_rules_foreign(&none, mac_c) && !watch_rules_foreign(&none, mac_a),
	      "watch rules: a real server's own MAC is foreign even with none expected");
	memset(&a, 0, sizeof(a));
	v = watch_claim(&a, &rules, mac_c, 10);
	CHECK(v.foreign && v.event == WATCH_FIRST && a.foreign == 1, "watch: a foreign first claim is still flagged");
	watch_rules_free(&rules);
	watch_rules_free(&none);
}

/* What a stream holds once f is closed. */
static char *rendered(FILE *f, char **buf)
{
	fclose(f);
	return *buf;
}

static void test_formats(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	prom_family(f, "lvsdr_x", "Help text.");
	prom_sample(f, "lvsdr_x", 1, "profile", "a\"b\\c\nd", "knob", "arp_ignore", NULL);
	prom_sample(f, "lvsdr_y", -3, NULL);
	CHECK(!strcmp(rendered(f, &buf), "# HELP lvsdr_x Help text.\n# TYPE lvsdr_x gauge\n"
					 "lvsdr_x{profile=\"a\\\"b\\\\c\\nd\",knob=\"arp_ignore\"} 1\nlvsdr_y -3\n"),
	      "prom: HELP and TYPE, label values escaped (\\\" \\\\ \\n), no braces without labels, no timestamp");
	free(buf);

	f = open_memstream(&buf, &len);
	nagios_perf(f, "drift", 2, "", "0", "0", "");
	nagios_perf(f, "responders 192.0.2.100", 1, "", "1:1", "0", "");
	nagios_perf(f, "it's=odd", 0, "", "", "", "");
	CHECK(!strcmp(rendered(f, &buf), " drift=2;;0;0 'responders 192.0.2.100'=1;;1:1;0 'it_s_odd'=0"),
	      "nagios perfdata: plain labels bare, others quoted, ' and = replaced, empty trailing fields left out");
	free(buf);

	CHECK(prom_path_problem("/var/lib/node/lvsdr.prom") == NULL && prom_path_problem("x.prom") == NULL,
	      "prom path: *.prom accepted");
	CHECK(prom_path_problem("lvsdr.txt") && prom_path_problem(".prom") && prom_path_problem("dir.prom/") &&
		      prom_path_problem("lvsdr.prom.tmp"),
	      "prom path: anything node_exporter would not read is refused");

	char dir[] = "/tmp/lvsdr-unit-prom.XXXXXX", path[64], err[256], text[64] = "";
	struct stat st;
	if (!mkdtemp(dir)) {
		CHECK(false, "prom file: temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/a.prom", dir);
	bool written = !prom_write_file(path, "old\n", 4, err, sizeof(err)) &&
		       !prom_write_file(path, "lvsdr_x 1\n", 10, err, sizeof(err));
	FILE *in = fopen(path, "r");
	if (in) {
		if (!fgets(text, sizeof(text), in))
			text[0] = '\0';
		fclose(in);
	}
	DIR *d = opendir(dir);
	int entries = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		entries += e->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK(written && !strcmp(text, "lvsdr_x 1\n") && entries == 1 && !stat(path, &st) &&
		      (st.st_mode & 0777) == 0644,
	      "prom file: replaced whole, mode 0644, no temporary file left");
	snprintf(path, sizeof(path), "%s/missing/a.prom", dir);
	CHECK(prom_write_file(path, "x", 1, err, sizeof(err)) < 0 && strstr(err, "missing/a.prom"),
	      "prom file: a missing directory is an error naming the file (%s)", err);
	snprintf(path, sizeof(path), "%s/a.prom", dir);
	unlink(path);
	rmdir(dir);
}

static void test_verify_formats(void)
{
	const char *text = "[host]\nrole = realserver\ninterface = eth0\n[vip]\naddress = 192.0.2.100\n";
	struct host want, live;
	struct diag d = { 0 };
	struct plan p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	enum nagios_status st;

	d.file = "rs.ini";
	profile_parse(text, strlen(text), &want, &d);
	memset(&live, 0, sizeof(live));
	strcpy(live.ifname, "eth0");
	live.ifindex = 2;
	live.lo_ifindex = 1;
	for (int k = 0; k < KNOB_COUNT; k++)
		for (int s = 0; s < SCOPE_COUNT; s++)
			live.knobs[k].present[s] = true;
	plan_compute(&want, &live, &p);

	f = open_memstream(&buf, &len);
	st = monitor_verify_nagios(f, &p, "rs|1.ini", NULL);
	rendered(f, &buf);
	CHECK(st == NAGIOS_CRITICAL && !strncmp(buf, "LVSDR VERIFY CRITICAL: rs_1.ini 3 differences", 45) &&
		      strstr(buf, "| differences=3;;0;0 drift=3;;;0 ") && strstr(buf, " arp_ignore=0 ") &&
		      strstr(buf, "\n192.0.2.100/32: drift: missing: not bound on lo\n"),
	      "nagios verify: drift is CRITICAL, '|' kept out of the text, perfdata, one finding a line");
	free(buf);

	f = open_memstream(&buf, &len);
	monitor_verify_prom(f, &p, "rs.ini");
	rendered(f, &buf);
	CHECK(strstr(buf, "lvsdr_verify_success{profile=\"rs.ini\"} 1\n") &&
		      strstr(buf, "lvsdr_verify_in_sync{profile=\"rs.ini\",role=\"realserver\",interface=\"eth0\"} 0\n") &&
		      strstr(buf, "lvsdr_verify_drift{profile=\"rs.ini\"} 3\n") &&
		      strstr(buf, "lvsdr_vip_bound{profile=\"rs.ini\",address=\"192.0.2.100\",prefix=\"32\",interface=\"lo\"} 0\n") &&
		      strstr(buf, "lvsdr_arp_knob_effective{profile=\"rs.ini\",interface=\"eth0\",knob=\"arp_ignore\"} 0\n") &&
		      strstr(buf, "lvsdr_arp_knob_wanted{profile=\"rs.ini\",interface=\"eth0\",knob=\"arp_announce\"} 2\n"),
	      "prom verify: success, in-sync, drift count, VIP binding, knobs effective and wanted");
	free(buf);
	plan_free(&p);

	f = open_memstream(&buf, &len);
	st = monitor_verify_nagios(f, NULL, "rs.ini", "rs.ini: no interface ens3 | in this network namespace");
	rendered(f, &buf);
	CHECK(st == NAGIOS_UNKNOWN &&
		      !strcmp(buf, "LVSDR VERIFY UNKNOWN: rs.ini: no interface ens3 _ in this network namespace\n"),
	      "nagios verify: an error is UNKNOWN and says its cause, the profile once, no '|'");
	free(buf);
	f = open_memstream(&buf, &len);
	st = monitor_verify_nagios(f, NULL, "rs.ini", "cannot talk to the kernel over rtnetlink: Permission denied");
	rendered(f, &buf);
	CHECK(st == NAGIOS_UNKNOWN && !strcmp(buf, "LVSDR VERIFY UNKNOWN: rs.ini: cannot talk to the kernel over "
						   "rtnetlink: Permission denied\n"),
	      "nagios verify: a cause that does not name the profile is preceded by it");
	free(buf);
	f = open_memstream(&buf, &len);
	monitor_verify_prom(f, NULL, "rs.ini");
	rendered(f, &buf);
	CHECK(!strcmp(buf, "# HELP lvsdr_verify_success 1 when verify compared the profile with the live state, 0 "
			   "when it could not.\n# TYPE lvsdr_verify_success gauge\n"
			   "lvsdr_verify_success{profile=\"rs.ini\"} 0\n"),
	      "prom verify: an error writes success 0 and nothing else");
	free(buf);
	host_free(&want);
	host_free(&live);
	diag_free(&d);
}

static void test_probe_formats(void)
{
	struct probe_target t[2];
	struct ip_addr v4 = { .family = AF_INET, .bytes = { 192, 0, 2, 100 } },
		       v6 = { .family = AF_INET6, .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct probe_report r = { NULL, "eth0", t, 2, NULL, "192.0.2.100,2001:db8::1" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	probe_target_init(&t[0], &v4);
	t[0].expected_from = EXPECTED_OPTION;
	memcpy(t[0].expected, mac_a, MAC_LEN);
	probe_add_responder(&t[0], mac_b, false);
	probe_add_responder(&t[0], mac_a, false);
	t[0].verdict = probe_judge(&t[0]);
	probe_target_init(&t[1], &v6);
	probe_add_responder(&t[1], mac_a, true);
	t[1].verdict = probe_judge(&t[1]);

	f = open_memstream(&buf, &len);
	enum nagios_status st = monitor_probe_nagios(f, &r);
	rendered(f, &buf);
	CHECK(st == NAGIOS_CRITICAL &&
		      !strncmp(buf, "LVSDR PROBE CRITICAL: 1 of 2 VIPs on eth0 not answered by exactly one owner: 192.0.2.100 leak "
				    "(02:00:00:00:00:02 expected, 02:00:00:00:00:11) | vips=2;;;0 ok=1;;;0 no_owner=0;;0;0 leak=1;;0;0 ",
			       156) &&
		      strstr(buf, " 'responders 2001:db8::1'=1;;1:1;0\n"),
	      "nagios probe: a leak is CRITICAL and named with its MACs; counts and responders as perfdata");
	free(buf);

	struct probe_report failed = { "lb.ini", "ens3", NULL, 0, "no interface ens3 in this network namespace", "lb.ini" };
	f = open_memstream(&buf, &len);
	st = monitor_probe_nagios(f, &failed);
	rendered(f, &buf);
	CHECK(st == NAGIOS_UNKNOWN && !strcmp(buf, "LVSDR PROBE UNKNOWN: lb.ini: no interface ens3 in this network "
						   "namespace\n"),
	      "nagios probe: an error is UNKNOWN and says its cause");
	free(buf);

	f = open_memstream(&buf, &len);
	monitor_probe_prom(f, &r);
	rendered(f, &buf);
#define PROBE_LABELS "probe=\"192.0.2.100,2001:db8::1\",interface=\"eth0\""
	CHECK(strstr(buf, "lvsdr_probe_success{" PROBE_LABELS "} 1\n") &&
		      strstr(buf, "lvsdr_probe_ok{" PROBE_LABELS ",address=\"192.0.2.100\"} 0\n") &&
		      strstr(buf, "lvsdr_probe_responders{" PROBE_LABELS ",address=\"2001:db8::1\"} 1\n") &&
		      strstr(buf, "lvsdr_probe_responder{" PROBE_LABELS ",address=\"192.0.2.100\",mac=\"02:00:00:00:00:11\","
				  "expected=\"false\"} 1\n"),
	      "prom probe: every sample labelled with its probe; per VIP ok and responders, one sample per answering MAC");
#undef PROBE_LABELS
	free(buf);
	free(t[0].responders);
	free(t[1].responders);
}

void test_audit(void)
{
	test_frames();
	test_probe();
	test_watch();
	test_formats();
	test_verify_formats();
	test_probe_formats();
}
