#include "monitor.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exit_status.h"
#include "progname.h"
#include "record_file.h"
#include "util.h"

const char *const nagios_words[4] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

bool nagios_requested(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--nagios"))
			return true;
	return false;
}

/* Guidelines: a label with anything but letters, digits and '_' is
 * quoted; '=' and the quote itself may not appear at all. */
void nagios_perf(FILE *out, const char *label, long long value, const char *warn, const char *crit,
		 const char *min, const char *max)
{
	bool plain = *label != '\0';

	for (const char *p = label; *p; p++)
		plain &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
	fputc(' ', out);
	if (plain) {
		fputs(label, out);
	} else {
		fputc('\'', out);
		for (const char *p = label; *p; p++)
			fputc(*p == '\'' || *p == '=' ? '_' : *p, out);
		fputc('\'', out);
	}
	/* Empty trailing fields are left out, as the guidelines allow. */
	const char *fields[] = { warn, crit, min, max };
	int last = 4;
	while (last > 0 && !*fields[last - 1])
		last--;
	fprintf(out, "=%lld", value);
	for (int i = 0; i < last; i++)
		fprintf(out, ";%s", fields[i]);
}

void prom_family(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

void prom_sample(FILE *out, const char *name, long long value, ...)
{
	va_list ap;
	const char *key;
	bool first = true;

	fputs(name, out);
	va_start(ap, value);
	while ((key = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		fprintf(out, "%s%s=\"", first ? "{" : ",", key);
		for (; *v; v++) {
			if (*v == '\\' || *v == '"')
				fprintf(out, "\\%c", *v);
			else if (*v == '\n')
				fputs("\\n", out);
			else
				fputc(*v, out);
		}
		fputc('"', out);
		first = false;
	}
	va_end(ap);
	fprintf(out, "%s %lld\n", first ? "" : "}", value);
}

const char *prom_path_problem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len <= 5 || strcmp(base + len - 5, ".prom"))
		return "must name a file ending in .prom, the only files node_exporter's textfile collector reads";
	return NULL;
}

int prom_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	/* A unique name: two lvsdr writing the same textfile never share one. */
	char *tmp = xasprintf("%s.XXXXXX", path);
	enum file_replace_step step;
	int ret = file_replace(path, tmp, text, len, &step);

	if (ret < 0)
		snprintf(err, errlen,
			 step == FILE_REPLACE_CREATE ? "cannot create a file beside %s: %s" : "cannot write %s: %s", path,
			 strerror(-ret));
	free(tmp);
	return ret < 0 ? -1 : 0;
}

/* The text part of a plugin line may hold no '|', which starts the
 * performance data, and no line break. */
static const char *nagios_safe(const char *s, char *buf, size_t size)
{
	size_t i = 0;

	for (; s[i] && i + 1 < size; i++)
		buf[i] = s[i] == '|' || s[i] == '\n' || s[i] == '\r' ? '_' : s[i];
	buf[i] = '\0';
	return buf;
}

/* --- verify ------------------------------------------------------------ */

static size_t verify_differences(const struct plan *p)
{
	return p->drift + p->blocked + p->warned;
}

/* Each finding as "SUBJECT: verdict: detail", the first max of them. */
static size_t verify_findings(FILE *out, const struct plan *p, size_t max)
{
	char text[64];
	size_t shown = 0;

	for (int k = 0; k < KNOB_COUNT; k++)
		if (p->knobs[k].verdict != VERDICT_OK && shown++ < max)
			fprintf(out, "%s: %s: %s\n", knob_table[k].sysctl, verdict_words[p->knobs[k].verdict],
				p->knobs[k].detail);
	for (size_t i = 0; i < p->nvips + p->nranges; i++) {
		const struct vip_report *r = i < p->nvips ? &p->vips[i] : &p->ranges[i - p->nvips];
		if (r->verdict == VERDICT_OK || shown++ >= max)
			continue;
		ipaddr_format_prefix(&r->vip->ip, text, sizeof(text));
		fprintf(out, "%s%s: %s: %s%s%s\n", i < p->nvips ? "" : "range ", text, verdict_words[r->verdict], r->state,
			r->detail ? ": " : "", r->detail ? r->detail : "");
	}
	for (size_t i = 0; i < p->nextras; i++)
		if (p->extras[i].verdict != VERDICT_OK && shown++ < max)
			fprintf(out, "%s: %s: %s\n", p->extras[i].subject, verdict_words[p->extras[i].verdict],
				p->extras[i].detail);
	return shown;
}

static bool vip_bound_here(const struct vip_report *r)
{
	return !strcmp(r->state, "bound") || !strcmp(r->state, "wrong-prefix");
}

/* "LVSDR WHAT UNKNOWN: PROFILE: why": the cause lvsdr knew, on the line a
 * monitoring system shows; the profile (or interface) once. */
static enum nagios_status nagios_unknown(FILE *out, const char *what, const char *subject, const char *why)
{
	char text[600];

	nagios_safe(why && *why ? why : "cause unknown", text, sizeof(text));
	fprintf(out, "LVSDR %s %s: ", what, nagios_words[NAGIOS_UNKNOWN]);
	if (subject && strncmp(text, subject, strlen(subject)))
		fprintf(out, "%s: ", subject);
	fprintf(out, "%s\n", text);
	return NAGIOS_UNKNOWN;
}

int monitor_usage_error(bool nagios, const char *command, char **argv, const char *fmt, ...)
{
	char why[512], upper[32];
	size_t i = 0;
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		lvsdr_warnx_cmd(command, "%s", why);
	} else {
		snprintf(why, sizeof(why), "%s: not an option of lvsdr %s, or a value is missing (lvsdr %s --help)",
			 optind > 0 ? argv[optind - 1] : "", command, command);
	}
	if (!nagios)
		return LVSDR_EXIT_ERROR;
	for (; command[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)command[i]);
	upper[i] = '\0';
	return (int)nagios_unknown(stdout, upper, NULL, why);
}

enum nagios_status monitor_verify_nagios(FILE *out, const struct plan *p, const char *profile_path, const char *why)
{
	enum nagios_status status;
	size_t bound = 0, ranges_bound = 0, diffs, knobs = 0;
	char ranges[32] = "";
	char profile[256];

	nagios_safe(profile_path, profile, sizeof(profile));

	if (!p)
		return nagios_unknown(out, "VERIFY", profile, why);
	diffs = verify_differences(p);
	status = p->drift || p->blocked ? NAGIOS_CRITICAL : p->warned ? NAGIOS_WARNING
								      : NAGIOS_OK;
	for (size_t i = 0; i < p->nvips; i++)
		bound += vip_bound_here(&p->vips[i]);
	for (size_t i = 0; i < p->nranges; i++)
		ranges_bound += vip_bound_here(&p->ranges[i]);
	for (int k = 0; k < KNOB_COUNT; k++)
		knobs += p->knobs[k].managed;
	if (p->nranges)
		snprintf(ranges, sizeof(ranges), ", %zu range%s", p->nranges, p->nranges == 1 ? "" : "s");
	fprintf(out, "LVSDR VERIFY %s: %s ", nagios_words[status], profile);
	if (status == NAGIOS_OK)
		fprintf(out, "in sync (%s on %s, %zu knob%s, %zu VIP%s%s)",
			p->want->role == ROLE_DIRECTOR ? "director" : "realserver", p->want->ifname, knobs,
			knobs == 1 ? "" : "s", p->nvips, p->nvips == 1 ? "" : "s", ranges);
	else
		fprintf(out, "%zu difference%s (%zu drift, %zu blocked, %zu to fix by hand), apply would make %zu "
			     "change%s",
			diffs, diffs == 1 ? "" : "s", p->drift, p->blocked, p->warned, p->nsteps,
			p->nsteps == 1 ? "" : "s");
	fputs(" |", out);
	nagios_perf(out, "differences", (long long)diffs, "", "0", "0", "");
	nagios_perf(out, "drift", (long long)p->drift, "", "", "0", "");
	nagios_perf(out, "blocked", (long long)p->blocked, "", "", "0", "");
	nagios_perf(out, "warnings", (long long)p->warned, "", "", "0", "");
	nagios_perf(out, "changes", (long long)p->nsteps, "", "", "0", "");
	nagios_perf(out, "vips", (long long)p->nvips, "", "", "0", "");
	nagios_perf(out, "vips_bound", (long long)bound, "", "", "0", "");
	if (p->nranges) {
		nagios_perf(out, "ranges", (long long)p->nranges, "", "", "0", "");
		nagios_perf(out, "ranges_bound", (long long)ranges_bound, "", "", "0", "");
	}
	for (int k = 0; k < KNOB_COUNT; k++)
		if (p->knobs[k].readable)
			nagios_perf(out, knob_table[k].sysctl, p->knobs[k].effective, "", "", "", "");
	fputc('\n', out);
	size_t shown = verify_findings(out, p, MONITOR_NAGIOS_MAX_LINES);
	if (shown > MONITOR_NAGIOS_MAX_LINES)
		fprintf(out, "... and %zu more (lvsdr verify %s lists them all)\n", shown - MONITOR_NAGIOS_MAX_LINES,
			profile);
	return status;
}

struct verify_prom_args {
	const struct plan *plan;
	const char *profile;
};

static void verify_prom_render(FILE *out, const void *arg)
{
	const struct verify_prom_args *a = arg;

	monitor_verify_prom(out, a->plan, a->profile);
}

int monitor_verify_prom_write(const char *path, const struct plan *plan, const char *profile, char *err, size_t errlen)
{
	struct verify_prom_args a = { plan, profile };

	return record_render(path, verify_prom_render, &a, prom_write_file, err, errlen);
}

void monitor_verify_prom(FILE *out, const struct plan *p, const char *profile)
{
	static const enum verdict counted[] = { VERDICT_DRIFT, VERDICT_BLOCKED, VERDICT_WARN };
	char addr[64], prefix[8];

	prom_family(out, "lvsdr_verify_success", "1 when verify compared the profile with the live state, 0 when it could not.");
	prom_sample(out, "lvsdr_verify_success", p != NULL, "profile", profile, NULL);
	if (!p)
		return;
	const size_t counts[] = { p->drift, p->blocked, p->warned };
	const char *role = p->want->role == ROLE_DIRECTOR ? "director" : "realserver", *ifname = p->want->ifname;
	prom_family(out, "lvsdr_verify_in_sync", "1 when the live state matches the profile, else 0.");
	prom_sample(out, "lvsdr_verify_in_sync", plan_in_sync(p), "profile", profile, "role", role, "interface", ifname,
		    NULL);
	prom_family(out, "lvsdr_verify_drift", "Differences between the live state and the profile (verify's drift count).");
	prom_sample(out, "lvsdr_verify_drift", (long long)verify_differences(p), "profile", profile, NULL);
	prom_family(out, "lvsdr_verify_findings", "Differences by verdict: drift (apply fixes it), blocked, warn.");
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		prom_sample(out, "lvsdr_verify_findings", (long long)counts[i], "profile", profile, "verdict",
			    verdict_words[counted[i]], NULL);
	prom_family(out, "lvsdr_verify_changes", "Changes lvsdr apply would make.");
	prom_sample(out, "lvsdr_verify_changes", (long long)p->nsteps, "profile", profile, NULL);

	prom_family(out, "lvsdr_vip_bound", "1 when the VIP is bound on the interface the profile puts it on (lo on a real server).");
	for (size_t i = 0; i < p->nvips; i++) {
		const struct vip_report *r = &p->vips[i];
		ipaddr_format(&r->vip->ip, addr, sizeof(addr));
		snprintf(prefix, sizeof(prefix), "%u", r->vip->ip.prefix);
		prom_sample(out, "lvsdr_vip_bound", vip_bound_here(r), "profile", profile, "address", addr, "prefix", prefix,
			    "interface", host_vip_ifname(p->want), NULL);
	}
	prom_family(out, "lvsdr_vip_in_sync", "1 when the VIP is as the profile wants it (bound, or absent on a backup).");
	for (size_t i = 0; i < p->nvips; i++) {
		const struct vip_report *r = &p->vips[i];
		ipaddr_format(&r->vip->ip, addr, sizeof(addr));
		snprintf(prefix, sizeof(prefix), "%u", r->vip->ip.prefix);
		prom_sample(out, "lvsdr_vip_in_sync", r->verdict == VERDICT_OK, "profile", profile, "address", addr,
			    "prefix", prefix, NULL);
	}
	/* Only for a profile with ranges: the families of others stay as they were. */
	if (p->nranges)
		prom_family(out, "lvsdr_range_bound", "1 when the range's local route is on lo.");
	for (size_t i = 0; i < p->nranges; i++) {
		const struct vip_report *r = &p->ranges[i];
		ipaddr_format(&r->vip->ip, addr, sizeof(addr));
		snprintf(prefix, sizeof(prefix), "%u", r->vip->ip.prefix);
		prom_sample(out, "lvsdr_range_bound", vip_bound_here(r), "profile", profile, "address", addr, "prefix",
			    prefix, "in_sync", r->verdict == VERDICT_OK ? "1" : "0", NULL);
	}
	prom_family(out, "lvsdr_arp_knob_effective", "Effective value of an ARP knob on the interface: max(all, interface), or either for arp_filter.");
	for (int k = 0; k < KNOB_COUNT; k++)
		if (p->knobs[k].readable)
			prom_sample(out, "lvsdr_arp_knob_effective", p->knobs[k].effective, "profile", profile, "interface",
				    ifname, "knob", knob_table[k].sysctl, NULL);
	prom_family(out, "lvsdr_arp_knob_wanted", "Value the profile sets for an ARP knob (knobs it manages only).");
	for (int k = 0; k < KNOB_COUNT; k++)
		if (p->knobs[k].managed)
			prom_sample(out, "lvsdr_arp_knob_wanted", p->knobs[k].want, "profile", profile, "interface", ifname,
				    "knob", knob_table[k].sysctl, NULL);
	monitor_ipvs_prom(out, p, profile);
}

/* --- probe ------------------------------------------------------------- */

void probe_report_count(const struct probe_report *r, size_t counts[PROBE_VERDICT_COUNT])
{
	memset(counts, 0, PROBE_VERDICT_COUNT * sizeof(*counts));
	for (size_t i = 0; r->targets && i < r->n; i++)
		counts[r->targets[i].verdict]++;
}

/* "192.0.2.100 leak (02:..:02 expected, 02:..:11)" */
static void probe_describe(FILE *out, const struct probe_target *t)
{
	char addr[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN];

	ipaddr_format(&t->ip, addr, sizeof(addr));
	fprintf(out, "%s %s", addr, probe_verdict_words[t->verdict]);
	for (size_t j = 0; j < t->nresponders; j++)
		fprintf(out, "%s%s%s", j ? ", " : " (", mac_format(t->responders[j].mac, mac),
			probe_is_expected(t, t->responders[j].mac) ? " expected" : "");
	if (t->nresponders)
		fputc(')', out);
	else if (t->expected_from != EXPECTED_NONE)
		fprintf(out, " (expected %s)", mac_format(t->expected, mac));
}

enum nagios_status monitor_probe_nagios(FILE *out, const struct probe_report *r)
{
	size_t counts[PROBE_VERDICT_COUNT], bad, shown = 0;
	char label[64], addr[INET6_ADDRSTRLEN];

	if (!r->targets)
		return nagios_unknown(out, "PROBE", r->profile, r->error);
	probe_report_count(r, counts);
	bad = r->n - counts[PROBE_OK];
	fprintf(out, "LVSDR PROBE %s: ", nagios_words[bad ? NAGIOS_CRITICAL : NAGIOS_OK]);
	if (!bad) {
		fprintf(out, "%zu VIP%s on %s, each answered by exactly %s", r->n, r->n == 1 ? "" : "s", r->ifname,
			"its owner");
	} else {
		fprintf(out, "%zu of %zu VIP%s on %s not answered by exactly one owner: ", bad, r->n, r->n == 1 ? "" : "s",
			r->ifname);
		for (size_t i = 0; i < r->n; i++)
			if (r->targets[i].verdict != PROBE_OK && shown++ < 3) {
				fputs(shown > 1 ? "; " : "", out);
				probe_describe(out, &r->targets[i]);
			}
		if (shown > 3)
			fprintf(out, "; %zu more", shown - 3);
	}
	fputs(" |", out);
	nagios_perf(out, "vips", (long long)r->n, "", "", "0", "");
	for (int v = 0; v < PROBE_VERDICT_COUNT; v++) {
		snprintf(label, sizeof(label), "%s", probe_verdict_words[v]);
		for (char *c = label; *c; c++)
			*c = *c == '-' ? '_' : *c;
		nagios_perf(out, label, (long long)counts[v], "", v == PROBE_OK ? "" : "0", "0", "");
	}
	for (size_t i = 0; i < r->n && i < MONITOR_NAGIOS_MAX_LINES; i++) {
		ipaddr_format(&r->targets[i].ip, addr, sizeof(addr));
		snprintf(label, sizeof(label), "responders %s", addr);
		nagios_perf(out, label, (long long)r->targets[i].nresponders, "", "1:1", "0", "");
	}
	fputc('\n', out);
	shown = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->targets[i].verdict != PROBE_OK && shown++ < MONITOR_NAGIOS_MAX_LINES) {
			probe_describe(out, &r->targets[i]);
			fputc('\n', out);
		}
	if (shown > MONITOR_NAGIOS_MAX_LINES)
		fprintf(out, "... and %zu more\n", shown - MONITOR_NAGIOS_MAX_LINES);
	return bad ? NAGIOS_CRITICAL : NAGIOS_OK;
}

static void probe_prom_render(FILE *out, const void *arg)
{
	monitor_probe_prom(out, arg);
}

int monitor_probe_prom_write(const char *path, const struct probe_report *r, char *err, size_t errlen)
{
	return record_render(path, probe_prom_render, r, prom_write_file, err, errlen);
}

void monitor_probe_prom(FILE *out, const struct probe_report *r)
{
	const char *ifname = r->ifname ? r->ifname : "", *probe = r->label ? r->label : "";
	char addr[INET6_ADDRSTRLEN], mac[MAC_TEXT_LEN];

	prom_family(out, "lvsdr_probe_success", "1 when the probe ran, 0 when it could not.");
	prom_sample(out, "lvsdr_probe_success", r->targets != NULL, "probe", probe, "interface", ifname, NULL);
	if (!r->targets)
		return;
	prom_family(out, "lvsdr_probe_ok", "1 when exactly the expected owner (or exactly one MAC, if none is expected) answered for the VIP.");
	for (size_t i = 0; i < r->n; i++) {
		ipaddr_format(&r->targets[i].ip, addr, sizeof(addr));
		prom_sample(out, "lvsdr_probe_ok", r->targets[i].verdict == PROBE_OK, "probe", probe, "interface", ifname,
			    "address", addr, NULL);
	}
	prom_family(out, "lvsdr_probe_responders", "Distinct MACs that answered for the VIP.");
	for (size_t i = 0; i < r->n; i++) {
		ipaddr_format(&r->targets[i].ip, addr, sizeof(addr));
		prom_sample(out, "lvsdr_probe_responders", (long long)r->targets[i].nresponders, "probe", probe,
			    "interface", ifname, "address", addr, NULL);
	}
	prom_family(out, "lvsdr_probe_responder", "One sample per MAC that answered for the VIP; expected tells whether it is the owner.");
	for (size_t i = 0; i < r->n; i++) {
		const struct probe_target *t = &r->targets[i];
		ipaddr_format(&t->ip, addr, sizeof(addr));
		for (size_t j = 0; j < t->nresponders; j++)
			prom_sample(out, "lvsdr_probe_responder", 1, "probe", probe, "interface", ifname, "address", addr,
				    "mac", mac_format(t->responders[j].mac, mac), "expected",
				    probe_is_expected(t, t->responders[j].mac) ? "true" : "false", NULL);
	}
}
