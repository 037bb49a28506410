/* lvsdr pathcheck: prove each real server serves the VIP on its ports, the
 * way the director sends to it. Health checks that connect to a real
 * server's own address pass while it drops or resets what the director
 * forwards; this sends exactly that (lvsdr(8), pathcheck). Changes nothing;
 * needs CAP_NET_RAW. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lvsdr.h"
#include "nic.h"
#include "pathcheck_run.h"
#include "plan.h"
#include "profile.h"
#include "util.h"

static const char pathcheck_usage[] =
	"Usage: lvsdr pathcheck [-q] [--json] [-i IFACE] [--vip ADDR]... [--realserver ADDR]...\n"
	"                       [--port PROTO/N]... [--timeout D] [--retries N] [PROFILE]\n"
	"Send each real server, through each VIP and on each port, what the director sends it:\n"
	"a frame to the real server's MAC with the VIP as destination, a TCP SYN or a UDP\n"
	"datagram with a random payload. Report open, closed, vip-not-accepted or unreachable.\n"
	"  -q, --quiet            print nothing; the exit status tells\n"
	"      --json             print the results as JSON (schema in lvsdr(8))\n"
	"  -i, --interface IFACE  the interface on the real servers' segment (default: the profile's)\n"
	"      --vip ADDR         a VIP to check through; repeat for more (default: the profile's)\n"
	"      --realserver ADDR  a real server, by its own address; repeat for more\n"
	"                         (default: the services' real servers, or [pathcheck] realserver)\n"
	"      --port PROTO/N     tcp/N or udp/N; repeat for more (default: the services'\n"
	"                         ports, or [pathcheck] port)\n"
	"      --timeout D        wait for each answer, retries included, such as 2s (default 2s)\n"
	"      --retries N        send a silent probe again N times, the gaps doubling (default 3)\n"
	"Options replace what the profile lists; without a PROFILE, -i, --vip, --realserver\n"
	"and --port are required.\n"
	"Exit status: 0 every real server open on every port, 1 any other verdict, 2 error.\n";

/* What the command line adds to, or puts in place of, the profile's. */
struct pathcheck_args {
	bool quiet, json;
	const char *ifname, *profile;
	struct vip *vips;
	size_t nvips;
	struct realserver *realservers;
	size_t nrealservers;
	struct service_port *ports;
	size_t nports;
	bool have_timeout, have_retries;
	unsigned timeout_ms, retries;
	struct pathcheck_services services; /* the profile's services' checks */
	struct realserver *checked;	    /* the real servers of a VIP's family */
};

static void args_free(struct pathcheck_args *a)
{
	free(a->vips);
	free(a->realservers);
	free(a->ports);
	pathcheck_services_free(&a->services);
	free(a->checked);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lvsdr_vwarnx_cmd("pathcheck", fmt, ap);
	va_end(ap);
	return LVSDR_EXIT_ERROR;
}

/* An address as --vip or --realserver takes it: strict, no prefix, one a
 * cluster can use. */
static bool address_arg(const char *opt, const char *value, struct ip_addr *addr)
{
	const char *why, *hint;
	bool has_prefix;

	if (!ipaddr_parse(value, addr, &has_prefix) || has_prefix) {
		lvsdr_warnx_cmd("pathcheck", "%s %s: not an IPv4 or IPv6 address without a prefix, such as 192.0.2.11", opt, value);
		return false;
	}
	if ((why = address_unusable(addr, &hint))) {
		lvsdr_warnx_cmd("pathcheck", "%s %s: %s, not usable here%s", opt, value, why, hint);
		return false;
	}
	return true;
}

static int args_option(void *args, int opt)
{
	struct pathcheck_args *a = args;
	int n;

	switch (opt) {
	case 'q':
		a->quiet = true;
		break;
	case 'j':
		a->json = true;
		break;
	case 'i':
		if (!interface_name_valid(optarg))
			return usage_error("--interface %s: not an interface name", optarg);
		a->ifname = optarg;
		break;
	case 'V': {
		struct vip v = { 0 };
		if (!address_arg("--vip", optarg, &v.ip)) /* with its host prefix */
			return LVSDR_EXIT_ERROR;
		a->vips = xreallocarray(a->vips, a->nvips + 1, sizeof(*a->vips));
		a->vips[a->nvips++] = v;
		break;
	}
	case 'r': {
		struct realserver rs = { 0 };
		if (!address_arg("--realserver", optarg, &rs.ip))
			return LVSDR_EXIT_ERROR;
		a->realservers = xreallocarray(a->realservers, a->nrealservers + 1, sizeof(*a->realservers));
		a->realservers[a->nrealservers++] = rs;
		break;
	}
	case 'p': {
		struct service_port sp = { 0 };
		if (!service_port_parse(optarg, &sp) || sp.proto == IPPROTO_SCTP)
			return usage_error("--port %s: must be tcp/N or udp/N, N from 1 to 65535, such as tcp/80",
					   optarg);
		a->ports = xreallocarray(a->ports, a->nports + 1, sizeof(*a->ports));
		a->ports[a->nports++] = sp;
		break;
	}
	case 't':
		if (!parse_duration_ms(optarg, &a->timeout_ms) || a->timeout_ms < PATHCHECK_TIMEOUT_MIN_MS ||
		    a->timeout_ms > PATHCHECK_TIMEOUT_MAX_MS)
			return usage_error("--timeout %s: must be a duration from 10ms to 60s, such as 2s", optarg);
		a->have_timeout = true;
		break;
	default: /* 'R' */
		if (!parse_int(optarg, &n) || n < 0 || n > PATHCHECK_RETRIES_MAX)
			return usage_error("--retries %s: must be a whole number, 0-10", optarg);
		a->retries = (unsigned)n;
		a->have_retries = true;
		break;
	}
	return -1;
}

static int args_parse(int argc, char **argv, struct pathcheck_args *a)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "interface", required_argument, NULL, 'i' },
		{ "vip", required_argument, NULL, 'V' },
		{ "realserver", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct command_line c = { "pathcheck", pathcheck_usage, "qi:h", options, args_option, 0, 1, false };
	int status = command_line_parse(&c, argc, argv, a);

	if (status >= 0)
		return status;
	a->profile = optind < argc ? argv[optind] : NULL;
	return -1;
}

/* The same address twice on the command line would be probed twice and
 * counted twice: refuse it as the profile does. */
static bool args_unique(const struct pathcheck_args *a)
{
	char text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < a->nvips; i++)
		for (size_t j = 0; j < i; j++)
			if (!vip_compare(&a->vips[i], &a->vips[j])) {
				ipaddr_format(&a->vips[i].ip, text, sizeof(text));
				return usage_error("--vip %s is given twice", text), false;
			}
	for (size_t i = 0; i < a->nrealservers; i++)
		for (size_t j = 0; j < i; j++)
			if (ipaddr_equal(&a->realservers[i].ip, &a->realservers[j].ip)) {
				ipaddr_format(&a->realservers[i].ip, text, sizeof(text));
				return usage_error("--realserver %s is given twice", text), false;
			}
	for (size_t i = 0; i < a->nports; i++)
		for (size_t j = 0; j < i; j++)
			if (a->ports[i].proto == a->ports[j].proto && a->ports[i].port == a->ports[j].port) {
				service_port_format(&a->ports[i], text, sizeof(text));
				return usage_error("--port %s is given twice", text), false;
			}
	return true;
}

static bool vip_targeted(const struct pathcheck_job *job, const struct vip *v)
{
	for (size_t t = 0; t < job->ntargets; t++)
		if (ipaddr_equal(&job->targets[t].vip, &v->ip))
			return true;
	return false;
}

/* The real servers and ports the command line does not give: the
 * services' when the profile has any (each service its own real servers
 * and port, unless an option asks for every combination), else
 * [pathcheck]'s. A service pathcheck cannot probe is named, not skipped
 * silently. */
static void job_from_profile(struct pathcheck_args *a, const struct host *host, struct pathcheck_job *job)
{
	const struct pathcheck_services *ps = &a->services;
	char text[80];

	job->realservers = a->nrealservers ? a->realservers : host->pathcheck.realservers;
	job->nrealservers = a->nrealservers ? a->nrealservers : host->pathcheck.nrealservers;
	job->ports = a->nports ? a->ports : host->pathcheck.ports;
	job->nports = a->nports ? a->nports : host->pathcheck.nports;
	if (!host->nservices)
		return;
	for (size_t s = 0; s < host->nservices && !a->quiet; s++) {
		const char *why = pathcheck_service_skipped(&host->services[s]);
		ipvs_service_format(&host->services[s], text, sizeof(text));
		if (why)
			lvsdr_warnx("%s: service %s (%s) not checked: %s", a->profile,
				    host->services[s].name, text, why);
	}
	pathcheck_services_collect(host, a->vips, a->nvips, &a->services);
	if (!a->nrealservers) {
		job->realservers = ps->realservers;
		job->nrealservers = ps->nrealservers;
	}
	if (!a->nports) {
		job->ports = ps->ports;
		job->nports = ps->nports;
	}
	if (!a->nrealservers && !a->nports && ps->ntargets) {
		job->targets = ps->targets;
		job->ntargets = ps->ntargets;
	}
}

/* The real servers to check: a real server with no VIP of its family
 * (--vip 192.0.2.100 on a dual-stack profile) is left out, and said so;
 * one that is a VIP is refused. false after a message. */
static bool realservers_keep(struct pathcheck_args *a, struct pathcheck_job *job, const char *who,
			     const bool families[2], bool rs_families[2])
{
	size_t kept = 0;

	a->checked = xcalloc(job->nrealservers, sizeof(*a->checked));
	for (size_t i = 0; i < job->nrealservers; i++) {
		const struct realserver *rs = &job->realservers[i];
		char text[INET6_ADDRSTRLEN];
		ipaddr_format(&rs->ip, text, sizeof(text));
		for (size_t v = 0; v < job->nvips; v++)
			if (ipaddr_equal(&job->vips[v].ip, &rs->ip)) {
				lvsdr_warnx("%s: real server %s is a VIP; name each real server by its own "
					    "address",
					    who, text);
				return false;
			}
		if (families[rs->ip.family == AF_INET6]) {
			rs_families[rs->ip.family == AF_INET6] = true;
			a->checked[kept++] = *rs;
		} else if (!a->quiet) {
			lvsdr_warnx("%s: real server %s not checked: no %s VIP to check it through",
				    who, text, rs->ip.family == AF_INET6 ? "IPv6" : "IPv4");
		}
	}
	if (!kept) {
		lvsdr_warnx("%s: nothing to check: no real server shares a family with a VIP", who);
		return false;
	}
	job->realservers = a->checked;
	job->nrealservers = kept;
	return true;
}

/* The job: the command line where it says something, the profile for the
 * rest. -1 to go on, or the status to exit with. */
static int job_build(struct pathcheck_args *a, struct host *host, struct pathcheck_job *job)
{
	const char *who = a->profile ? a->profile : "pathcheck";
	bool families[2] = { false, false }, rs_families[2] = { false, false };

	memset(job, 0, sizeof(*job));
	if (a->profile) {
		if (profile_load_print(a->profile, host) != 0)
			return LVSDR_EXIT_ERROR;
		if (host->role != ROLE_DIRECTOR) {
			lvsdr_warnx("%s: pathcheck takes a director's profile: a real server's names no real "
				    "servers to check",
				    a->profile);
			return LVSDR_EXIT_ERROR;
		}
	}
	if (!args_unique(a))
		return LVSDR_EXIT_ERROR;
	snprintf(job->ifname, sizeof(job->ifname), "%s", a->ifname ? a->ifname : host->ifname);
	job->vips = a->nvips ? a->vips : host->vips;
	job->nvips = a->nvips ? a->nvips : host->nvips;
	job_from_profile(a, host, job);
	job->timeout_ms = a->have_timeout ? a->timeout_ms : a->profile ? host->pathcheck.timeout_ms
								       : PATHCHECK_TIMEOUT_MS;
	job->retries = a->have_retries ? a->retries : a->profile ? host->pathcheck.retries
								 : PATHCHECK_RETRIES;

	const char *missing = !job->ifname[0] ? "an interface (-i)" : !job->nvips  ? "a VIP (--vip)"
							      : !job->nrealservers ? "a real server (--realserver, a service's realserver or [pathcheck] realserver)"
							      : !job->nports	   ? "a port (--port, a service's port or [pathcheck] port)"
										   : NULL;
	if (missing) {
		lvsdr_warnx("%s: nothing to check without %s", who, missing);
		return LVSDR_EXIT_ERROR;
	}
	/* Every check keeps a result in memory: bound them before counting
	 * on malloc. */
	if ((job->targets ? job->ntargets : (unsigned long long)job->nvips * job->nrealservers * job->nports) >
	    PATHCHECK_MAX_CHECKS) {
		lvsdr_warnx("%s: %zu VIPs, %zu real servers and %zu ports make more than %u checks; check "
			    "fewer at a time with --vip, --realserver and --port",
			    who, job->nvips,
			    job->nrealservers, job->nports, PATHCHECK_MAX_CHECKS);
		return LVSDR_EXIT_ERROR;
	}
	for (size_t i = 0; i < job->nvips; i++)
		families[job->vips[i].ip.family == AF_INET6] = true;
	if (!realservers_keep(a, job, who, families, rs_families))
		return LVSDR_EXIT_ERROR;
	/* A VIP no real server shares a family with goes unchecked: say so,
	 * so that "all open" is not read as covering it. */
	for (size_t i = 0; i < job->nvips && !a->quiet; i++) {
		char text[INET6_ADDRSTRLEN];
		ipaddr_format(&job->vips[i].ip, text, sizeof(text));
		if (job->targets && !vip_targeted(job, &job->vips[i]))
			lvsdr_warnx("%s: VIP %s not checked: no tcp or udp service with a real server on it",
				    who, text);
		else if (!job->targets && !rs_families[job->vips[i].ip.family == AF_INET6])
			lvsdr_warnx("%s: VIP %s not checked: no %s real server listed", who, text,
				    job->vips[i].ip.family == AF_INET6 ? "IPv6" : "IPv4");
	}
	return -1;
}

struct host_key {
	uint8_t resolved; /* 1: by MAC; 0: by address, which did not resolve */
	uint8_t id[17];	  /* the MAC, or the family and the address */
};

static int host_key_compare(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct host_key));
}

/* The real servers checked, as hosts: addresses that resolved to one MAC
 * (a dual-stack host's IPv4 and IPv6) are one host; an address that did
 * not resolve counts as a host of its own. */
static size_t hosts_count(const struct pathcheck_result *res, size_t n)
{
	struct host_key *k = xcalloc(n ? n : 1, sizeof(*k));
	size_t hosts = 0;

	for (size_t i = 0; i < n; i++) {
		k[i].resolved = res[i].have_mac;
		if (res[i].have_mac) {
			memcpy(k[i].id, res[i].mac, 6);
		} else {
			k[i].id[0] = (uint8_t)(res[i].realserver.family == AF_INET6);
			memcpy(k[i].id + 1, res[i].realserver.bytes, 16);
		}
	}
	sort_array(k, n, sizeof(*k), host_key_compare);
	for (size_t i = 0; i < n; i++)
		hosts += !i || host_key_compare(&k[i - 1], &k[i]);
	free(k);
	return hosts;
}

static void print_text(const struct pathcheck_args *a, const struct pathcheck_job *job,
		       const struct pathcheck_result *res, size_t n, const size_t counts[PATHCHECK_VERDICT_COUNT])
{
	int wv = 3, wr = 10, wp = 4;
	char vip[INET6_ADDRSTRLEN], rs[INET6_ADDRSTRLEN], port[16];

	for (size_t i = 0; i < n; i++) {
		ipaddr_format(&res[i].vip, vip, sizeof(vip));
		ipaddr_format(&res[i].realserver, rs, sizeof(rs));
		if ((int)strlen(vip) > wv)
			wv = (int)strlen(vip);
		if ((int)strlen(rs) > wr)
			wr = (int)strlen(rs);
		if (service_port_format(&res[i].port, port, sizeof(port)) > wp)
			wp = (int)strlen(port);
	}
	size_t hosts = hosts_count(res, n);
	char addresses[48] = "";
	if (hosts != job->nrealservers)
		snprintf(addresses, sizeof(addresses), " (%zu addresses)", job->nrealservers);
	if (job->targets)
		printf("%s: path check on %s: %zu service%s, %zu real server%s%s\n", a->profile, job->ifname,
		       a->services.nservices, a->services.nservices == 1 ? "" : "s", hosts, hosts == 1 ? "" : "s",
		       addresses);
	else
		printf("%s: path check on %s: %zu VIP%s, %zu real server%s%s, %zu port%s\n",
		       a->profile ? a->profile : "pathcheck", job->ifname, job->nvips, job->nvips == 1 ? "" : "s", hosts,
		       hosts == 1 ? "" : "s", addresses, job->nports, job->nports == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		ipaddr_format(&res[i].vip, vip, sizeof(vip));
		ipaddr_format(&res[i].realserver, rs, sizeof(rs));
		service_port_format(&res[i].port, port, sizeof(port));
		printf("  %-*s  %-*s  %-*s  %-16s  %s\n", wv, vip, wr, rs, wp, port,
		       pathcheck_verdict_names[res[i].verdict], res[i].detail);
	}
	if (counts[PATHCHECK_OPEN] == n) {
		printf("open: all %zu check%s\n", n, n == 1 ? "" : "s");
		return;
	}
	printf("not open: %zu of %zu check%s (", n - counts[PATHCHECK_OPEN], n, n == 1 ? "" : "s");
	for (int v = PATHCHECK_CLOSED, first = 1; v < PATHCHECK_VERDICT_COUNT; v++)
		if (counts[v]) {
			printf("%s%zu %s", first ? "" : ", ", counts[v], pathcheck_verdict_names[v]);
			first = 0;
		}
	puts(")");
}

static void print_json(const struct pathcheck_args *a, const struct pathcheck_job *job,
		       const struct pathcheck_result *res, size_t n, const size_t counts[PATHCHECK_VERDICT_COUNT])
{
	char text[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN];

	json_open(stdout, a->profile, job->ifname);
	printf(",\"timeout_ms\":%u,\"retries\":%u,\"realservers\":%zu,\"realserver_addresses\":%zu,\"all_open\":%s,"
	       "\"counts\":{",
	       job->timeout_ms, job->retries, hosts_count(res, n), job->nrealservers,
	       counts[PATHCHECK_OPEN] == n ? "true" : "false");
	for (int v = 0; v < PATHCHECK_VERDICT_COUNT; v++)
		printf("%s\"%s\":%zu", v ? "," : "", pathcheck_verdict_names[v], counts[v]);
	fputs("},\"results\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		const struct pathcheck_result *r = &res[i];
		ipaddr_format(&r->vip, text, sizeof(text));
		printf("%s{\"vip\":\"%s\",\"family\":\"%s\"", i ? "," : "", text, r->vip.family == AF_INET6 ? "inet6" : "inet");
		ipaddr_format(&r->realserver, text, sizeof(text));
		printf(",\"realserver\":\"%s\",\"mac\":", text);
		if (r->have_mac)
			printf("\"%s\"", mac_format(r->mac, mac));
		else
			fputs("null", stdout);
		ipaddr_format(&r->source, text, sizeof(text));
		printf(",\"source\":\"%s\",\"protocol\":\"%s\",\"port\":%u,\"verdict\":\"%s\",\"tries\":%u,"
		       "\"answer_from\":",
		       text, r->port.proto == IPPROTO_TCP ? "tcp" : "udp", r->port.port,
		       pathcheck_verdict_names[r->verdict], r->tries);
		if (r->answered) {
			ipaddr_format(&r->answer_from, text, sizeof(text));
			printf("\"%s\",\"rtt_us\":%llu", text, (unsigned long long)r->rtt_us);
		} else {
			fputs("null,\"rtt_us\":null", stdout);
		}
		fputs(",\"detail\":", stdout);
		json_string(stdout, r->detail);
		putchar('}');
	}
	puts("]}");
}

int pathcheck_main(int argc, char **argv)
{
	struct pathcheck_args a = { 0 };
	struct pathcheck_result *res = NULL;
	struct pathcheck_job job;
	struct host host = { 0 };
	size_t n = 0, counts[PATHCHECK_VERDICT_COUNT] = { 0 };
	char err[512];
	int status = args_parse(argc, argv, &a);

	if (status < 0)
		status = job_build(&a, &host, &job);
	if (status >= 0)
		goto out;
	if (pathcheck_run(&job, &res, &n, err, sizeof(err)) < 0) {
		lvsdr_warnx("%s: %s; nothing checked", a.profile ? a.profile : "pathcheck", err);
		status = LVSDR_EXIT_ERROR;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		counts[res[i].verdict]++;
	if (a.quiet)
		;
	else if (a.json)
		print_json(&a, &job, res, n, counts);
	else
		print_text(&a, &job, res, n, counts);
	status = counts[PATHCHECK_OPEN] == n ? LVSDR_EXIT_OK : LVSDR_EXIT_DRIFT;
out:
	free(res);
	host_free(&host);
	args_free(&a);
	return status;
}
