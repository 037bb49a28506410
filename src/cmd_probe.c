/* lvsdr probe: ask the segment who answers for each VIP, and tell every
 * MAC that does. Needs CAP_NET_RAW only; changes nothing on any host. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"
#include "garp.h"
#include "lvsdr.h"
#include "monitor.h"
#include "privilege.h"
#include "probe.h"
#include "profile.h"
#include "util.h"

static const char probe_usage[] =
	"Usage: lvsdr probe [-q] [--json|--nagios] [--prom FILE] [-e MAC] [-t TIME] [-c N] PROFILE\n"
	"       lvsdr probe [options] -i IFACE ADDRESS...\n"
	"Broadcast ARP requests (IPv6: neighbour solicitations to the solicited-node group) for\n"
	"every VIP of PROFILE on its interface, or for each ADDRESS on IFACE, and print every MAC\n"
	"that answers. Changes nothing; needs CAP_NET_RAW.\n"
	"  -i, --interface IFACE  probe the ADDRESSes given on IFACE instead of a profile's VIPs\n"
	"  -e, --expect MAC       the owner each VIP must have (default: this host, for a VIP bound\n"
	"                         on the interface here; otherwise any single MAC)\n"
	"  -t, --timeout TIME     collect answers for TIME after the first probe (default 500ms)\n"
	"  -c, --count N          probes per address, over the first half of TIME (default 3)\n"
	"  -q, --quiet            print nothing but a --nagios line; the exit status tells\n"
	"      --json             print the result as JSON (schema in lvsdr(8))\n"
	"      --nagios           print a Nagios/Icinga plugin line; exit with the plugin's codes\n"
	"      --prom FILE        also write the result to FILE (*.prom) for node_exporter\n"
	"Exit status: 0 each VIP answered by exactly its owner, 1 a leak, conflict or no owner,\n"
	"2 error. With --nagios: 0 OK, 2 CRITICAL, 3 UNKNOWN.\n";

#define PROBE_COUNT_MAX 10
#define PROBE_TIMEOUT_MAX_MS 60000

struct probe_args {
	struct command_monitor m; /* first: -q, --json, --nagios, --prom */
	bool have_expect;
	const char *ifname;
	uint8_t expect[MAC_LEN];
	struct probe_timing timing;
};

static int args_option(void *args, int opt)
{
	struct probe_args *a = args;
	const char *why;
	int n;

	switch (opt) {
	case 'i':
		if ((why = audit_interface_problem(optarg)))
			return monitor_usage_error(a->m.plugin, "probe", NULL, "--interface %s: %s", optarg, why);
		a->ifname = optarg;
		break;
	case 'e':
		if ((why = audit_mac_problem(optarg, a->expect)))
			return monitor_usage_error(a->m.plugin, "probe", NULL, "--expect %s: %s", optarg, why);
		a->have_expect = true;
		break;
	case 't':
		if (!parse_duration_ms(optarg, &a->timing.wait_ms) || a->timing.wait_ms < 10 ||
		    a->timing.wait_ms > PROBE_TIMEOUT_MAX_MS)
			return monitor_usage_error(a->m.plugin, "probe", NULL,
						   "--timeout %s: must be a duration from 10ms to 60s, such as 500ms", optarg);
		break;
	case 'c':
		if (!parse_int(optarg, &n) || n < 1 || n > PROBE_COUNT_MAX)
			return monitor_usage_error(a->m.plugin, "probe", NULL, "--count %s: must be a whole number, 1-%d",
						   optarg, PROBE_COUNT_MAX);
		a->timing.count = (unsigned)n;
		break;
	}
	return -1;
}

static int args_parse(int argc, char **argv, struct probe_args *a)
{
	static const struct option options[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "expect", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "nagios", no_argument, NULL, 'N' },
		{ "prom", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	/* A PROFILE, or with -i at least one ADDRESS. */
	static const struct command_line c = { "probe", probe_usage, "i:e:t:c:qh", options, args_option, COMMAND_LINE_OWN_COUNT, 0, true };
	int status = command_line_parse(&c, argc, argv, a);

	if (status < 0 && (a->ifname ? optind >= argc : optind != argc - 1))
		status = command_line_operands_error(&c, a, argc, argv, a->ifname ? "-i IFACE needs at least one ADDRESS" : NULL);
	return status;
}

/* The targets: a profile's VIPs on its interface, or the command line's
 * addresses. A director's VIP bound on the interface here is expected to be
 * answered by this host; --expect overrides. */
static int targets_make(int argc, char **argv, const struct probe_args *a, struct host *profile,
			struct probe_target **out, size_t *n, const char **ifname, char *why, size_t whylen)
{
	bool director = true;

	*out = NULL;
	*n = 0;
	if (!a->ifname) {
		if (profile_load_report(argv[optind], profile, why, whylen) != 0)
			return LVSDR_EXIT_ERROR;
		director = profile->role == ROLE_DIRECTOR;
		*ifname = profile->ifname;
		size_t nchecked;
		struct vip *checked = host_checked_addresses(profile, &nchecked);
		*out = xcalloc(nchecked + 1, sizeof(**out));
		for (size_t i = 0; i < nchecked; i++)
			probe_target_init(&(*out)[(*n)++], &checked[i].ip);
		free(checked);
	} else {
		*ifname = a->ifname;
		*out = xcalloc((size_t)(argc - optind), sizeof(**out));
		for (int i = optind; i < argc; i++) {
			struct ip_addr addr;
			const char *problem = audit_address_problem(argv[i], &addr);
			if (problem) {
				snprintf(why, whylen, "%s: %s", argv[i], problem);
				lvsdr_warnx_cmd("probe", "%s", why);
				return LVSDR_EXIT_ERROR;
			}
			for (size_t j = 0; j < *n; j++)
				if (ipaddr_equal(&(*out)[j].ip, &addr)) {
					snprintf(why, whylen, "%s is given twice", argv[i]);
					lvsdr_warnx_cmd("probe", "%s", why);
					return LVSDR_EXIT_ERROR;
				}
			probe_target_init(&(*out)[(*n)++], &addr);
		}
	}
	for (size_t i = 0; i < *n; i++) {
		if (a->have_expect) {
			(*out)[i].expected_from = EXPECTED_OPTION;
			memcpy((*out)[i].expected, a->expect, MAC_LEN);
		} else if (director) {
			(*out)[i].expected_from = EXPECTED_THIS_HOST; /* confirmed once the interface is known */
		}
	}
	return LVSDR_EXIT_OK;
}

static int text_width(const struct probe_report *r)
{
	char addr[INET6_ADDRSTRLEN];
	int width = 7;

	for (size_t i = 0; i < r->n; i++) {
		ipaddr_format(&r->targets[i].ip, addr, sizeof(addr));
		if ((int)strlen(addr) > width)
			width = (int)strlen(addr);
	}
	return width;
}

static void print_text(const struct probe_report *r, const struct probe_timing *timing)
{
	size_t counts[PROBE_VERDICT_COUNT];
	char addr[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN];
	int width = text_width(r);

	printf("%s%sprobed %zu address%s on %s: %u broadcast probe%s each, answers collected for %u ms\n",
	       r->profile ? r->profile : "", r->profile ? ": " : "", r->n, r->n == 1 ? "" : "es", r->ifname,
	       timing->count, timing->count == 1 ? "" : "s", timing->wait_ms);
	for (size_t i = 0; i < r->n; i++) {
		const struct probe_target *t = &r->targets[i];
		ipaddr_format(&t->ip, addr, sizeof(addr));
		printf("  %-*s  %-11s  ", width, addr, probe_verdict_words[t->verdict]);
		if (!t->nresponders)
			printf("nobody answered");
		for (size_t j = 0; j < t->nresponders; j++) {
			const struct responder *m = &t->responders[j];
			const char *notes[2];
			int k = 0;
			if (probe_is_expected(t, m->mac))
				notes[k++] = "expected";
			if (m->this_host)
				notes[k++] = "this host";
			printf("%s%s", j ? ", " : "", mac_format(m->mac, mac));
			if (k)
				printf(" (%s%s%s)", notes[0], k > 1 ? ", " : "", k > 1 ? notes[1] : "");
		}
		if (t->expected_from != EXPECTED_NONE && t->verdict == PROBE_WRONG_OWNER)
			printf("; expected %s", mac_format(t->expected, mac));
		if (t->expected_from != EXPECTED_NONE && t->verdict == PROBE_NO_OWNER)
			printf(" (expected %s)", mac_format(t->expected, mac));
		putchar('\n');
	}
	probe_report_count(r, counts);
	if (counts[PROBE_OK] == r->n) {
		printf("ok: %zu VIP%s, each answered by exactly its owner\n", r->n, r->n == 1 ? "" : "s");
		return;
	}
	printf("finding: %zu of %zu VIP%s not answered by exactly one owner:", r->n - counts[PROBE_OK], r->n,
	       r->n == 1 ? "" : "s");
	for (int v = 0, first = 1; v < PROBE_VERDICT_COUNT; v++)
		if (v != PROBE_OK && counts[v]) {
			printf("%s %zu %s", first ? "" : ",", counts[v], probe_verdict_words[v]);
			first = 0;
		}
	putchar('\n');
}

static void print_json(const struct probe_report *r, const struct nic *nic, const struct probe_timing *timing)
{
	static const char *const from_words[] = { [EXPECTED_OPTION] = "option", [EXPECTED_THIS_HOST] = "this-host" };
	size_t counts[PROBE_VERDICT_COUNT];
	char addr[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN];

	probe_report_count(r, counts);
	json_open(stdout, r->profile, r->ifname);
	printf(",\"mac\":\"%s\",\"count\":%u,\"timeout_ms\":%u,\"ok\":%s,\"vips\":[", mac_format(nic->mac, mac),
	       timing->count, timing->wait_ms, counts[PROBE_OK] == r->n ? "true" : "false");
	for (size_t i = 0; i < r->n; i++) {
		const struct probe_target *t = &r->targets[i];
		ipaddr_format(&t->ip, addr, sizeof(addr));
		printf("%s{\"address\":\"%s\",\"family\":\"%s\",\"status\":\"%s\",\"expected\":", i ? "," : "", addr,
		       t->ip.family == AF_INET6 ? "inet6" : "inet", probe_verdict_words[t->verdict]);
		if (t->expected_from == EXPECTED_NONE)
			fputs("null,\"expected_from\":null", stdout);
		else
			printf("\"%s\",\"expected_from\":\"%s\"", mac_format(t->expected, mac), from_words[t->expected_from]);
		fputs(",\"responders\":[", stdout);
		for (size_t j = 0; j < t->nresponders; j++)
			printf("%s{\"mac\":\"%s\",\"expected\":%s,\"this_host\":%s}", j ? "," : "",
			       mac_format(t->responders[j].mac, mac), probe_is_expected(t, t->responders[j].mac) ? "true" : "false",
			       t->responders[j].this_host ? "true" : "false");
		fputs("]}", stdout);
	}
	fputs("]}\n", stdout);
}

/* The probe label of --prom: the profile, or the addresses as given,
 * joined by commas (argv from optind on: one or the other). */
static char *probe_label(int argc, char **argv)
{
	size_t len = 1;
	char *label;

	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	label = xcalloc(len, 1);
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			strcat(label, ",");
		strcat(label, argv[i]);
	}
	return label;
}

/* Open, probe, close: the sockets need CAP_NET_RAW, given up once both
 * are open. */
static int probe_do(const char *ifname, struct probe_target *targets, size_t n, const struct probe_timing *timing,
		    struct nic *nic, char *err, size_t errlen)
{
	struct garp_sender *g = NULL;
	int rx = -1, status = LVSDR_EXIT_ERROR;

	if (probe_nic_lookup(ifname, nic, err, errlen) < 0 || garp_open(&g, ifname, err, errlen) < 0 ||
	    (rx = frames_open(ifname, err, errlen)) < 0) {
		lvsdr_warnx_cmd("probe", "%s", err);
		goto out;
	}
	privilege_drop_net_raw();
	for (size_t i = 0; i < n; i++)
		if (targets[i].expected_from == EXPECTED_THIS_HOST) {
			if (nic_holds(nic, &targets[i].ip))
				memcpy(targets[i].expected, nic->mac, MAC_LEN);
			else
				targets[i].expected_from = EXPECTED_NONE;
		}
	if (probe_run(g, rx, nic, targets, n, timing, false, err, errlen) < 0) {
		lvsdr_warnx_cmd("probe", "%s", err);
		goto out;
	}
	status = LVSDR_EXIT_OK;
out:
	if (rx >= 0)
		close(rx);
	garp_close(g);
	return status;
}

int probe_main(int argc, char **argv)
{
	struct probe_args a = { .timing = { LVSDR_PROBE_COUNT, LVSDR_PROBE_WAIT_MS } };
	struct host profile = { 0 };
	struct nic nic = { 0 };
	struct probe_target *targets = NULL;
	size_t n = 0;
	const char *ifname = NULL;
	int status = args_parse(argc, argv, &a);
	char err[256], why[512] = "";

	if (status >= 0)
		return status;
	status = targets_make(argc, argv, &a, &profile, &targets, &n, &ifname, why, sizeof(why));
	if (status == LVSDR_EXIT_OK)
		status = probe_do(ifname, targets, n, &a.timing, &nic, why, sizeof(why));
	char *label = probe_label(argc, argv);
	struct probe_report r = { a.ifname ? NULL : argv[optind], ifname, status == LVSDR_EXIT_OK ? targets : NULL, n,
				  why, label };
	if (a.m.prom && monitor_probe_prom_write(a.m.prom, &r, err, sizeof(err)) < 0) {
		lvsdr_warnx_cmd("probe", "--prom: %s", err);
		if (status == LVSDR_EXIT_OK)
			snprintf(why, sizeof(why), "--prom: %s", err);
		status = LVSDR_EXIT_ERROR;
		r.targets = NULL;
	}
	if (a.m.nagios) {
		status = (int)monitor_probe_nagios(stdout, &r);
	} else if (status == LVSDR_EXIT_OK) {
		size_t counts[PROBE_VERDICT_COUNT];
		probe_report_count(&r, counts);
		if (a.m.json && !a.m.quiet)
			print_json(&r, &nic, &a.timing);
		else if (!a.m.quiet)
			print_text(&r, &a.timing);
		status = counts[PROBE_OK] == n ? LVSDR_EXIT_OK : LVSDR_EXIT_DRIFT;
	}
	probe_targets_free(targets, n);
	free(label);
	nic_free(&nic);
	host_free(&profile);
	return status;
}
