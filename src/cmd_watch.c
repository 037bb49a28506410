/* lvsdr watch: log every frame on the segment that claims a VIP, and flag
 * the claims of a MAC that should not make them and ownership that goes
 * back and forth. Needs CAP_NET_RAW only; sends nothing. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "lvsdr.h"
#include "privilege.h"
#include "probe.h"
#include "profile.h"
#include "util.h"
#include "watch.h"

static const char watch_usage[] =
	"Usage: lvsdr watch [-e MAC]... [-d TIME] PROFILE\n"
	"       lvsdr watch [-e MAC]... [-d TIME] -i IFACE ADDRESS...\n"
	"Listen on PROFILE's interface (or IFACE) and log, with the time, every ARP frame and\n"
	"neighbour advertisement that claims one of the VIPs (or ADDRESSes); flag a MAC that is not\n"
	"an expected owner (FOREIGN) and ownership that goes back to the previous owner within\n"
	"60 s (FLIP-FLOP). Runs until SIGINT or SIGTERM, or for TIME. Sends nothing; needs\n"
	"CAP_NET_RAW only.\n"
	"  -i, --interface IFACE  watch the ADDRESSes given on IFACE instead of a profile's VIPs\n"
	"  -e, --expect MAC       an expected owner; repeat it for each director of a pair\n"
	"                         (a director profile expects this host too, if it holds a VIP)\n"
	"  -d, --duration TIME    stop after TIME, such as 30s (default: at a signal)\n"
	"Exit status: 0 no foreign claim and no flip-flop seen, 1 a foreign claim or a flip-flop\n"
	"seen, 2 error.\n";

struct watch_run {
	const char *ifname;
	struct watch_address *addrs;
	size_t n;
	struct watch_rules rules;
	unsigned duration_ms;
	uint8_t own_mac[MAC_LEN];
	bool own_foreign; /* a real server's profile: its own claims are the leak */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int watch_option(void *args, int opt)
{
	struct watch_run *w = args;
	uint8_t mac[MAC_LEN];
	const char *why;

	switch (opt) {
	case 'i':
		if ((why = audit_interface_problem(optarg))) {
			lvsdr_warnx_cmd("watch", "--interface %s: %s", optarg, why);
			return LVSDR_EXIT_ERROR;
		}
		w->ifname = optarg;
		break;
	case 'e':
		if ((why = audit_mac_problem(optarg, mac))) {
			lvsdr_warnx_cmd("watch", "--expect %s: %s", optarg, why);
			return LVSDR_EXIT_ERROR;
		}
		watch_rules_add(&w->rules.expected, &w->rules.nexpected, mac);
		break;
	default: /* 'd' */
		if (!parse_duration_ms(optarg, &w->duration_ms) || !w->duration_ms) {
			lvsdr_warnx_cmd("watch", "--duration %s: must be a duration from 1ms to 86400s, such as 30s", optarg);
			return LVSDR_EXIT_ERROR;
		}
	}
	return -1;
}

static int watch_args(int argc, char **argv, struct watch_run *w)
{
	static const struct option options[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "expect", required_argument, NULL, 'e' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	/* A PROFILE, or with -i at least one ADDRESS. */
	static const struct command_line c = { "watch", watch_usage, "i:e:d:h", options, watch_option, 1, -1, false };
	int status = command_line_parse(&c, argc, argv, w);

	if (status < 0 && !w->ifname && optind != argc - 1)
		status = command_line_usage(watch_usage, '?');
	return status;
}

/* The addresses, sorted for vip_compare lookups, and the profile's own
 * contribution to the rules: a director expects itself, a real server must
 * never claim its VIPs. */
static int watch_targets(int argc, char **argv, struct watch_run *w, struct host *profile, bool *director)
{
	*director = false;
	if (!w->ifname) {
		if (profile_load_print(argv[optind], profile) != 0)
			return LVSDR_EXIT_ERROR;
		*director = profile->role == ROLE_DIRECTOR;
		w->ifname = profile->ifname;
		size_t nchecked;
		struct vip *checked = host_checked_addresses(profile, &nchecked);
		w->addrs = xcalloc(nchecked + 1, sizeof(*w->addrs));
		for (size_t i = 0; i < nchecked; i++)
			w->addrs[w->n++].vip = checked[i];
		free(checked);
	} else {
		w->addrs = xcalloc((size_t)(argc - optind), sizeof(*w->addrs));
		for (int i = optind; i < argc; i++) {
			struct vip *v = &w->addrs[w->n].vip;
			const char *why = audit_address_problem(argv[i], &v->ip);
			if (why) {
				lvsdr_warnx_cmd("watch", "%s: %s", argv[i], why);
				return LVSDR_EXIT_ERROR;
			}
			w->n++;
		}
	}
	sort_array(w->addrs, w->n, sizeof(*w->addrs), vip_compare);
	for (size_t i = 1; i < w->n; i++)
		if (!vip_compare(&w->addrs[i - 1], &w->addrs[i])) {
			char addr[INET6_ADDRSTRLEN];
			ipaddr_format(&w->addrs[i].vip.ip, addr, sizeof(addr));
			lvsdr_warnx_cmd("watch", "%s is given twice", addr);
			return LVSDR_EXIT_ERROR;
		}
	return LVSDR_EXIT_OK;
}

static bool holds_a_vip(const struct nic *nic, const struct watch_run *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (nic_holds(nic, &w->addrs[i].vip.ip))
			return true;
	return false;
}

static void print_time(const struct timespec *ts)
{
	struct tm tm;
	char text[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s.%06ldZ", text, ts->tv_nsec / 1000);
}

static void print_claim(const struct watch_run *w, const struct frame_in *in, const struct watch_verdict *v)
{
	static const char *const kinds[] = { "arp-request", "arp-reply", "na" };
	char addr[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN], from[MAC_TEXT_LEN];

	print_time(&in->when);
	ipaddr_format(&in->claim.ip, addr, sizeof(addr));
	printf(" %s %s %s%s", addr, mac_format(in->claim.mac, mac), kinds[in->claim.kind],
	       in->outgoing ? " (sent by this host)" : "");
	switch (v->event) {
	case WATCH_FIRST:
	case WATCH_REPEAT:
		fputs(" owner", stdout);
		break;
	case WATCH_CHANGE:
		printf(" owner change (was %s)", mac_format(v->from, from));
		break;
	case WATCH_FLIP_FLOP:
		printf(" FLIP-FLOP: back %llu.%03llu s after losing it to %s", (unsigned long long)(v->after_ms / 1000),
		       (unsigned long long)(v->after_ms % 1000), mac_format(v->from, from));
		break;
	}
	if (v->foreign)
		printf(" FOREIGN: %s", w->own_foreign && !memcmp(in->claim.mac, w->own_mac, MAC_LEN)
					       ? "this host never claims its VIPs (role = realserver)"
					       : "not an expected owner");
	putchar('\n');
	fflush(stdout);
}

static void print_summary(const struct watch_run *w, uint64_t elapsed_ms, unsigned long *findings)
{
	unsigned long claims = 0, changes = 0, flips = 0, foreign = 0;
	char addr[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN];

	for (size_t i = 0; i < w->n; i++) {
		const struct watch_address *a = &w->addrs[i];
		claims += a->claims, changes += a->changes, flips += a->flips, foreign += a->foreign;
	}
	printf("summary: %lu claim%s on %s in %llu.%01llu s: %lu owner change%s, %lu flip-flop%s, %lu foreign\n",
	       claims, claims == 1 ? "" : "s", w->ifname, (unsigned long long)(elapsed_ms / 1000),
	       (unsigned long long)(elapsed_ms % 1000 / 100), changes, changes == 1 ? "" : "s", flips,
	       flips == 1 ? "" : "s", foreign);
	for (size_t i = 0; i < w->n; i++) {
		const struct watch_address *a = &w->addrs[i];
		ipaddr_format(&a->vip.ip, addr, sizeof(addr));
		printf("  %s: %s, %lu claim%s, %lu change%s, %lu flip-flop%s, %lu foreign\n", addr,
		       a->seen ? mac_format(a->owner, mac) : "no claim seen", a->claims, a->claims == 1 ? "" : "s",
		       a->changes, a->changes == 1 ? "" : "s", a->flips, a->flips == 1 ? "" : "s", a->foreign);
	}
	fflush(stdout);
	*findings = flips + foreign;
}

static int watch_loop(struct watch_run *w, int fd, const sigset_t *waitmask)
{
	uint64_t start = monotonic_ns(), deadline = start + (uint64_t)w->duration_ms * 1000000ull;
	unsigned long findings;

	while (!stop_signal) {
		struct frame_in in;
		uint64_t now = monotonic_ns();
		int timeout = -1, r;

		if (w->duration_ms) {
			if (now >= deadline)
				break;
			timeout = ms_until(deadline, now);
		}
		r = frames_read(fd, timeout, waitmask, &in);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			lvsdr_warnx_cmd("watch", "reading from %s: %s", w->ifname, strerror(-r));
			return LVSDR_EXIT_ERROR;
		}
		if (!r)
			continue;
		struct watch_address key = { .vip = { .ip = in.claim.ip } }, *a;
		if (!(a = bsearch(&key, w->addrs, w->n, sizeof(*w->addrs), vip_compare)))
			continue;
		struct watch_verdict v = watch_claim(a, &w->rules, in.claim.mac, monotonic_ns() / 1000000);
		print_claim(w, &in, &v);
	}
	if (stop_signal)
		lvsdr_warnx_cmd("watch", "stopped by %s", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
	print_summary(w, (monotonic_ns() - start) / 1000000, &findings);
	return findings ? LVSDR_EXIT_DRIFT : LVSDR_EXIT_OK;
}

/* What is watched and for whom, in one line (one write, as every message). */
static void watch_announce(const struct watch_run *w, const struct nic *nic, bool director)
{
	size_t len = w->rules.nexpected * (MAC_TEXT_LEN + 1) + 1, at = 0;
	char *owners = xcalloc(len, 1), mac[MAC_TEXT_LEN];

	for (size_t i = 0; i < w->rules.nexpected; i++)
		at += (size_t)snprintf(owners + at, len - at, " %s", mac_format(w->rules.expected[i], mac));
	lvsdr_warnx_cmd("watch", "watching %s (%s) for claims on %zu address%s; expected owners:%s", w->ifname,
			mac_format(nic->mac, mac), w->n, w->n == 1 ? "" : "es",
			w->rules.nexpected ? owners
			: director	   ? " any (none given, and this host holds none of the VIPs)"
					   : " any (none given)");
	free(owners);
}

int watch_main(int argc, char **argv)
{
	struct watch_run w = { 0 };
	struct host profile = { 0 };
	struct nic nic = { 0 };
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t block, waitmask;
	char err[256];
	bool director;
	int fd = -1, status = watch_args(argc, argv, &w);

	if (status >= 0)
		goto out;
	if ((status = watch_targets(argc, argv, &w, &profile, &director)) != LVSDR_EXIT_OK)
		goto out;
	status = LVSDR_EXIT_ERROR;
	if (probe_nic_lookup(w.ifname, &nic, err, sizeof(err)) < 0 ||
	    (fd = frames_open(w.ifname, err, sizeof(err))) < 0) {
		lvsdr_warnx_cmd("watch", "%s", err);
		goto out;
	}
	privilege_drop_net_raw();
	/* A director's profile names no MAC: this host is expected only when
	 * it is the director holding the VIPs. Run from a client (or a backup)
	 * it is no owner at all. */
	if (director && holds_a_vip(&nic, &w))
		watch_rules_add(&w.rules.expected, &w.rules.nexpected, nic.mac);
	else if (profile.role == ROLE_REALSERVER)
		watch_rules_add(&w.rules.never, &w.rules.nnever, nic.mac);
	memcpy(w.own_mac, nic.mac, MAC_LEN);
	w.own_foreign = profile.role == ROLE_REALSERVER;
	/* The signals arrive only while waiting for a frame, so none is lost
	 * between a check and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	watch_announce(&w, &nic, director);
	status = watch_loop(&w, fd, &waitmask);
out:
	if (fd >= 0)
		close(fd);
	free(w.addrs);
	watch_rules_free(&w.rules);
	nic_free(&nic);
	host_free(&profile);
	return status;
}
