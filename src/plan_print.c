/* The plan as a person reads it and as a script reads it. The JSON schema
 * is documented in lvsdr(8); bump "schema" on any incompatible change. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "plan.h"

const char *const verdict_words[VERDICT_COUNT] = {
	[VERDICT_OK] = "ok",
	[VERDICT_DRIFT] = "drift",
	[VERDICT_BLOCKED] = "blocked",
	[VERDICT_WARN] = "warn",
};

static const char *scope_dir(enum scope s, const char *ifname)
{
	return s == SCOPE_DEV ? ifname : scope_names[s];
}

static const char *const ipvs_op_words[] = {
	[IPVS_SVC_ADD] = "add service",
	[IPVS_SVC_EDIT] = "edit service",
	[IPVS_SVC_DEL] = "delete service",
	[IPVS_DEST_ADD] = "add real server",
	[IPVS_DEST_EDIT] = "edit real server",
	[IPVS_DEST_DEL] = "delete real server",
};

static const char *const ipvs_op_json[] = {
	[IPVS_SVC_ADD] = "add-service",
	[IPVS_SVC_EDIT] = "edit-service",
	[IPVS_SVC_DEL] = "delete-service",
	[IPVS_DEST_ADD] = "add-realserver",
	[IPVS_DEST_EDIT] = "edit-realserver",
	[IPVS_DEST_DEL] = "delete-realserver",
};

/* "add real server 198.51.100.11:80 to tcp/192.0.2.100:80 (weight 1, dr)" */
static void ipvs_step_describe(const struct ipvs_step *is, char *buf, size_t len)
{
	const struct ipvs_change *c = &is->change;
	char svc[64], dest[64];

	ipvs_service_format(&c->svc, svc, sizeof(svc));
	switch (c->op) {
	case IPVS_SVC_ADD:
	case IPVS_SVC_EDIT:
		snprintf(buf, len, "%s %s (scheduler %s)", ipvs_op_words[c->op], svc, c->svc.scheduler);
		break;
	case IPVS_SVC_DEL:
		snprintf(buf, len, "%s %s", ipvs_op_words[c->op], svc);
		break;
	case IPVS_DEST_DEL:
		ipvs_dest_format(&c->dest, dest, sizeof(dest));
		snprintf(buf, len, "%s %s from %s", ipvs_op_words[c->op], dest, svc);
		break;
	default:
		ipvs_dest_format(&c->dest, dest, sizeof(dest));
		snprintf(buf, len, "%s %s %s %s (weight %u, %s)%s", ipvs_op_words[c->op], dest,
			 c->op == IPVS_DEST_ADD ? "to" : "of", svc, (unsigned)c->dest.weight,
			 ipvs_method_name(c->dest.method), is->mark == MARK_DRAIN_START ? ": draining" : "");
		break;
	}
}

void step_describe(const struct plan *p, const struct step *st, char *buf, size_t len)
{
	const char *ifname = p->want->ifname;
	char text[INET6_ADDRSTRLEN];

	if (st->kind == STEP_IPVS) {
		ipvs_step_describe(&p->ipvs[st->ipvs], buf, len);
		return;
	}
	if (st->kind == STEP_SYSCTL) {
		snprintf(buf, len, "set conf/%s/%s %d -> %d", scope_dir(st->scope, ifname), knob_table[st->knob].sysctl,
			 st->from, st->to);
		return;
	}
	ipaddr_format(&st->addr.ip, text, sizeof(text));
	if (st->addr.route)
		snprintf(buf, len, "%s local route %s/%u %s %s", st->kind == STEP_ADDR_ADD ? "add" : "remove", text,
			 st->addr.ip.prefix, st->kind == STEP_ADDR_ADD ? "on" : "from", st->addr.ifname);
	else if (st->kind == STEP_ADDR_ADD && st->addr.label[0])
		snprintf(buf, len, "bind %s/%u on %s (label %s)", text, st->addr.ip.prefix, st->addr.ifname, st->addr.label);
	else if (st->kind == STEP_ADDR_ADD)
		snprintf(buf, len, "bind %s/%u on %s", text, st->addr.ip.prefix, st->addr.ifname);
	else
		snprintf(buf, len, "remove %s/%u from %s", text, st->addr.ip.prefix, st->addr.ifname);
}

/* Whether the text output has a line for this VIP. One a peer holds is
 * in order, and still worth a line: it says this director is a backup,
 * and who holds the VIP. */
static bool vip_printed(const struct vip_report *r, bool verbose)
{
	return r->verdict != VERDICT_OK || verbose || !strcmp(r->state, "held-by-peer");
}

/* The widest subject among the lines that will be printed: with 10,000
 * VIPs in sync, none of theirs. */
static int subject_width(const struct plan *p, bool verbose)
{
	int width = 13; /* "arp_announce" plus a space */
	char text[64];

	for (size_t i = 0; i < p->nvips; i++) {
		if (!vip_printed(&p->vips[i], verbose))
			continue;
		int n = ipaddr_format_prefix(&p->vips[i].vip->ip, text, sizeof(text));
		if (n > width)
			width = n;
	}
	for (size_t i = 0; i < p->nranges; i++) {
		int n = ipaddr_format_prefix(&p->ranges[i].vip->ip, text, sizeof(text)) + 6; /* "range " */
		if (vip_printed(&p->ranges[i], verbose) && n > width)
			width = n;
	}
	for (size_t i = 0; i < p->nextras; i++)
		if ((int)strlen(p->extras[i].subject) > width)
			width = (int)strlen(p->extras[i].subject);
	return width;
}

static void line(FILE *out, int width, const char *subject, enum verdict v, const char *detail)
{
	fprintf(out, "  %-*s  %-7s  %s\n", width, subject, verdict_words[v], detail);
}

void plan_print_text(const struct plan *p, const char *profile, bool verbose, FILE *out)
{
	int width = subject_width(p, verbose);
	char text[64], detail[320];

	fprintf(out, "%s: %s on %s\n", profile, p->want->role == ROLE_DIRECTOR ? "director" : "realserver",
		p->want->ifname);
	for (int k = 0; k < KNOB_COUNT; k++) {
		const struct knob_report *r = &p->knobs[k];
		if (r->verdict != VERDICT_OK)
			line(out, width, knob_table[k].sysctl, r->verdict, r->detail);
		else if (verbose && r->managed)
			snprintf(detail, sizeof(detail), "effective %d", r->effective),
				line(out, width, knob_table[k].sysctl, r->verdict, detail);
		else if (verbose && r->readable)
			fprintf(out, "  %-*s  %-7s  effective %d (not in the profile)\n", width, knob_table[k].sysctl, "-",
				r->effective);
	}
	for (size_t i = 0; i < p->nvips; i++) {
		const struct vip_report *r = &p->vips[i];
		if (!vip_printed(r, verbose))
			continue;
		ipaddr_format_prefix(&r->vip->ip, text, sizeof(text));
		snprintf(detail, sizeof(detail), "%s%s%s", r->state, r->detail ? ": " : "", r->detail ? r->detail : "");
		line(out, width, text, r->verdict, detail);
	}
	for (size_t i = 0; i < p->nranges; i++) {
		const struct vip_report *r = &p->ranges[i];
		if (!vip_printed(r, verbose))
			continue;
		snprintf(text, sizeof(text), "range ");
		ipaddr_format_prefix(&r->vip->ip, text + 6, sizeof(text) - 6);
		snprintf(detail, sizeof(detail), "%s%s%s", r->state, r->detail ? ": " : "", r->detail ? r->detail : "");
		line(out, width, text, r->verdict, detail);
	}
	for (size_t i = 0; i < p->nextras; i++)
		line(out, width, p->extras[i].subject, p->extras[i].verdict, p->extras[i].detail);
	if (p->nsteps) {
		fprintf(out, "changes apply would make, in order:\n");
		for (size_t i = 0; i < p->nsteps; i++) {
			step_describe(p, &p->steps[i], detail, sizeof(detail));
			fprintf(out, "  %zu. %s\n", i + 1, detail);
		}
	}
	if (plan_in_sync(p)) {
		int knobs = 0;
		for (int k = 0; k < KNOB_COUNT; k++)
			knobs += p->knobs[k].managed;
		fprintf(out, "ok: in sync (%d knob%s, %zu VIP%s", knobs, knobs == 1 ? "" : "s", p->nvips,
			p->nvips == 1 ? "" : "s");
		if (p->nranges)
			fprintf(out, ", %zu range%s", p->nranges, p->nranges == 1 ? "" : "s");
		if (p->want->nservices) {
			size_t dests = 0;
			for (size_t i = 0; i < p->want->nservices; i++)
				dests += p->want->services[i].ndests;
			fprintf(out, ", %zu service%s, %zu real server%s", p->want->nservices,
				p->want->nservices == 1 ? "" : "s", dests, dests == 1 ? "" : "s");
		}
		fputs(")\n", out);
		return;
	}
	size_t differences = p->drift + p->blocked + p->warned;
	fprintf(out, "drift: %zu difference%s; apply would make %zu change%s", differences,
		differences == 1 ? "" : "s", p->nsteps, p->nsteps == 1 ? "" : "s");
	if (p->blocked)
		fprintf(out, "; %zu blocked, so apply refuses until fixed by hand", p->blocked);
	if (p->warned)
		fprintf(out, "; %zu to fix by hand", p->warned);
	fputc('\n', out);
}

void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void json_open(FILE *out, const char *profile, const char *ifname)
{
	fputs("{\"schema\":1,\"profile\":", out);
	if (profile)
		json_string(out, profile);
	else
		fputs("null", out);
	fputs(",\"interface\":", out);
	json_string(out, ifname);
}

static void json_int_or_null(FILE *out, bool present, int value)
{
	if (present)
		fprintf(out, "%d", value);
	else
		fputs("null", out);
}

/* A VIP's or a range's report as a JSON object. */
static void json_report(FILE *out, const struct vip_report *r, const char *target, bool first)
{
	char text[INET6_ADDRSTRLEN];

	ipaddr_format(&r->vip->ip, text, sizeof(text));
	fprintf(out, "%s{\"address\":\"%s\",\"prefix\":%u,\"family\":\"%s\",\"target\":", first ? "" : ",", text,
		r->vip->ip.prefix, r->vip->ip.family == AF_INET6 ? "inet6" : "inet");
	json_string(out, target);
	fprintf(out, ",\"status\":\"%s\",\"state\":\"%s\",\"detail\":", verdict_words[r->verdict], r->state);
	json_string(out, r->detail ? r->detail : "");
	fputc('}', out);
}

/* [sync]: the daemons the kernel runs, null when they could not be read. */
static void json_sync_daemons(FILE *out, const struct host *live)
{
	char text[160];

	fputs(",\"sync_daemons\":", out);
	if (!live->sync_read) {
		fputs("null", out);
		return;
	}
	fputc('[', out);
	for (size_t i = 0; i < live->nsync_daemons; i++) {
		ipvs_daemon_format(&live->sync_daemons[i], text, sizeof(text));
		fputs(i ? "," : "", out);
		json_string(out, text);
	}
	fputc(']', out);
}

/* The knobs: what the profile wants, the effective value and each scope's
 * own, null where unmanaged or unreadable. */
static void json_knobs(FILE *out, const struct plan *p)
{
	for (int k = 0; k < KNOB_COUNT; k++) {
		const struct knob_report *r = &p->knobs[k];
		const struct knob_values *lv = &p->live->knobs[k];
		fprintf(out, "%s{\"name\":\"%s\",\"managed\":%s,\"want\":", k ? "," : "", knob_table[k].sysctl,
			r->managed ? "true" : "false");
		json_int_or_null(out, r->managed, r->want);
		fputs(",\"effective\":", out);
		json_int_or_null(out, r->readable, r->effective);
		for (int s = 0; s < SCOPE_COUNT; s++) {
			fprintf(out, ",\"%s\":", s == SCOPE_DEV ? "interface" : scope_names[s]);
			json_int_or_null(out, lv->present[s], lv->value[s]);
		}
		fprintf(out, ",\"status\":\"%s\",\"detail\":", verdict_words[r->verdict]);
		json_string(out, r->detail);
		fputc('}', out);
	}
}

/* An IPVS change: the service, and the real server or the scheduler. */
static void json_ipvs_step(FILE *out, const struct ipvs_change *c)
{
	char detail[320];

	fprintf(out, "{\"action\":\"%s\",\"service\":", ipvs_op_json[c->op]);
	ipvs_service_format(&c->svc, detail, sizeof(detail));
	json_string(out, detail);
	if (c->op >= IPVS_DEST_ADD) {
		ipvs_dest_format(&c->dest, detail, sizeof(detail));
		fputs(",\"realserver\":", out);
		json_string(out, detail);
		if (c->op != IPVS_DEST_DEL)
			fprintf(out, ",\"weight\":%u,\"method\":\"%s\"", (unsigned)c->dest.weight,
				ipvs_method_name(c->dest.method));
	} else if (c->op != IPVS_SVC_DEL) {
		fputs(",\"scheduler\":", out);
		json_string(out, c->svc.scheduler);
	}
	fputc('}', out);
}

/* One step of the plan as a JSON object, by its kind. */
static void json_step(FILE *out, const struct plan *p, const struct step *st)
{
	char text[INET6_ADDRSTRLEN], detail[320];

	if (st->kind == STEP_IPVS) {
		json_ipvs_step(out, &p->ipvs[st->ipvs].change);
	} else if (st->kind == STEP_SYSCTL) {
		fprintf(out, "{\"action\":\"sysctl\",\"path\":");
		snprintf(detail, sizeof(detail), "conf/%s/%s", scope_dir(st->scope, p->want->ifname),
			 knob_table[st->knob].sysctl);
		json_string(out, detail);
		fprintf(out, ",\"from\":%d,\"to\":%d}", st->from, st->to);
	} else {
		ipaddr_format(&st->addr.ip, text, sizeof(text));
		fprintf(out, "{\"action\":\"%s%s\",\"address\":\"%s/%u\",\"interface\":",
			st->kind == STEP_ADDR_ADD ? "add" : "remove", st->addr.route ? "-route" : "", text,
			st->addr.ip.prefix);
		json_string(out, st->addr.ifname);
		fputs(",\"label\":", out);
		if (st->addr.label[0])
			json_string(out, st->addr.label);
		else
			fputs("null", out);
		fputc('}', out);
	}
}

/* The whole plan as one JSON object (lvsdr-output(5) documents it): the
 * knobs, the VIPs and ranges, the findings, the changes, in that order. */
void plan_print_json(const struct plan *p, const char *profile, const char *result, FILE *out)
{
	fputs("{\"schema\":1,\"profile\":", out);
	json_string(out, profile);
	fprintf(out, ",\"role\":\"%s\",\"interface\":", p->want->role == ROLE_DIRECTOR ? "director" : "realserver");
	json_string(out, p->want->ifname);
	fprintf(out, ",\"in_sync\":%s,\"drift\":%zu,\"blocked\":%zu,\"warnings\":%zu,\"knobs\":[",
		plan_in_sync(p) ? "true" : "false", p->drift, p->blocked, p->warned);
	json_knobs(out, p);
	fputs("],\"vips\":[", out);
	for (size_t i = 0; i < p->nvips; i++)
		json_report(out, &p->vips[i], host_vip_ifname(p->want), i == 0);
	fputs("],\"ranges\":[", out);
	for (size_t i = 0; i < p->nranges; i++)
		json_report(out, &p->ranges[i], "lo", i == 0);
	fputs("],\"findings\":[", out);
	for (size_t i = 0; i < p->nextras; i++) {
		fprintf(out, "%s{\"subject\":", i ? "," : "");
		json_string(out, p->extras[i].subject);
		fprintf(out, ",\"status\":\"%s\",\"detail\":", verdict_words[p->extras[i].verdict]);
		json_string(out, p->extras[i].detail);
		fputc('}', out);
	}
	fputc(']', out);
	if (p->want->sync.enabled)
		json_sync_daemons(out, p->live);
	fputs(",\"changes\":[", out);
	for (size_t i = 0; i < p->nsteps; i++) {
		fputs(i ? "," : "", out);
		json_step(out, p, &p->steps[i]);
	}
	fputc(']', out);
	if (result)
		fprintf(out, ",\"result\":\"%s\"", result);
	fputs("}\n", out);
}
