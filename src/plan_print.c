/* The plan as a person reads it and as a script reads it. The JSON schema
 * is documented in lvsdr(8); bump "schema" on any incompatible change. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "plan.h"

const char *const verdict_words[VERDICT_COUNT] = {
	[VERDICT_OK] = "ok", [VERDICT_DRIFT] = "drift", [VERDICT_BLOCKED] = "blocked", [VERDICT_WARN] = "warn",
};

static const char *scope_dir(enum scope s, const char *ifname)
{
	return s == SCOPE_DEV ? ifname : scope_names[s];
}

void step_describe(const struct step *st, const char *ifname, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	if (st->kind == STEP_SYSCTL) {
		snprintf(buf, len, "set conf/%s/%s %d -> %d", scope_dir(st->scope, ifname), knob_table[st->knob].sysctl,
			 st->from, st->to);
		return;
	}
	addr_format(st->addr.family, st->addr.addr, text, sizeof(text));
	if (st->kind == STEP_ADDR_ADD && st->addr.label[0])
		snprintf(buf, len, "bind %s/%u on %s (label %s)", text, st->addr.prefix, st->addr.ifname, st->addr.label);
	else if (st->kind == STEP_ADDR_ADD)
		snprintf(buf, len, "bind %s/%u on %s", text, st->addr.prefix, st->addr.ifname);
	else
		snprintf(buf, len, "remove %s/%u from %s", text, st->addr.prefix, st->addr.ifname);
}

/* The widest subject among the lines that will be printed: with 10,000
 * VIPs in sync, none of theirs. */
static int subject_width(const struct plan *p, bool verbose)
{
	int width = 13; /* "arp_announce" plus a space */
	char text[64];

	for (size_t i = 0; i < p->nvips; i++) {
		if (p->vips[i].verdict == VERDICT_OK && !verbose)
			continue;
		int n = vip_format(p->vips[i].vip, text, sizeof(text));
		if (n > width)
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
		if (r->verdict == VERDICT_OK && !verbose)
			continue;
		vip_format(r->vip, text, sizeof(text));
		snprintf(detail, sizeof(detail), "%s%s%s", r->state, r->detail ? ": " : "", r->detail ? r->detail : "");
		line(out, width, text, r->verdict, detail);
	}
	for (size_t i = 0; i < p->nextras; i++)
		line(out, width, p->extras[i].subject, p->extras[i].verdict, p->extras[i].detail);
	if (p->nsteps) {
		fprintf(out, "changes apply would make, in order:\n");
		for (size_t i = 0; i < p->nsteps; i++) {
			step_describe(&p->steps[i], p->want->ifname, detail, sizeof(detail));
			fprintf(out, "  %zu. %s\n", i + 1, detail);
		}
	}
	if (plan_in_sync(p)) {
		int knobs = 0;
		for (int k = 0; k < KNOB_COUNT; k++)
			knobs += p->knobs[k].managed;
		fprintf(out, "ok: in sync (%d knob%s, %zu VIP%s)\n", knobs, knobs == 1 ? "" : "s", p->nvips,
			p->nvips == 1 ? "" : "s");
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

void plan_print_json(const struct plan *p, const char *profile, const char *result, FILE *out)
{
	char text[INET6_ADDRSTRLEN], detail[320];

	fputs("{\"schema\":1,\"profile\":", out);
	json_string(out, profile);
	fprintf(out, ",\"role\":\"%s\",\"interface\":", p->want->role == ROLE_DIRECTOR ? "director" : "realserver");
	json_string(out, p->want->ifname);
	fprintf(out, ",\"in_sync\":%s,\"drift\":%zu,\"blocked\":%zu,\"warnings\":%zu,\"knobs\":[",
		plan_in_sync(p) ? "true" : "false", p->drift, p->blocked, p->warned);
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
	fputs("],\"vips\":[", out);
	for (size_t i = 0; i < p->nvips; i++) {
		const struct vip_report *r = &p->vips[i];
		addr_format(r->vip->family, r->vip->addr, text, sizeof(text));
		fprintf(out, "%s{\"address\":\"%s\",\"prefix\":%u,\"family\":\"%s\",\"target\":", i ? "," : "", text,
			r->vip->prefix, r->vip->family == AF_INET6 ? "inet6" : "inet");
		json_string(out, host_vip_ifname(p->want));
		fprintf(out, ",\"status\":\"%s\",\"state\":\"%s\",\"detail\":", verdict_words[r->verdict], r->state);
		json_string(out, r->detail ? r->detail : "");
		fputc('}', out);
	}
	fputs("],\"findings\":[", out);
	for (size_t i = 0; i < p->nextras; i++) {
		fprintf(out, "%s{\"subject\":", i ? "," : "");
		json_string(out, p->extras[i].subject);
		fprintf(out, ",\"status\":\"%s\",\"detail\":", verdict_words[p->extras[i].verdict]);
		json_string(out, p->extras[i].detail);
		fputc('}', out);
	}
	fputs("],\"changes\":[", out);
	for (size_t i = 0; i < p->nsteps; i++) {
		const struct step *st = &p->steps[i];
		fputs(i ? "," : "", out);
		if (st->kind == STEP_SYSCTL) {
			fprintf(out, "{\"action\":\"sysctl\",\"path\":");
			snprintf(detail, sizeof(detail), "conf/%s/%s", scope_dir(st->scope, p->want->ifname),
				 knob_table[st->knob].sysctl);
			json_string(out, detail);
			fprintf(out, ",\"from\":%d,\"to\":%d}", st->from, st->to);
		} else {
			addr_format(st->addr.family, st->addr.addr, text, sizeof(text));
			fprintf(out, "{\"action\":\"%s\",\"address\":\"%s/%u\",\"interface\":",
				st->kind == STEP_ADDR_ADD ? "add" : "remove", text, st->addr.prefix);
			json_string(out, st->addr.ifname);
			fputs(",\"label\":", out);
			if (st->addr.label[0])
				json_string(out, st->addr.label);
			else
				fputs("null", out);
			fputc('}', out);
		}
	}
	fputc(']', out);
	if (result)
		fprintf(out, ",\"result\":\"%s\"", result);
	fputs("}\n", out);
}
