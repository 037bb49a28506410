/* Fuzz target: the profile reader and validator, then the plan against a
 * live state made up from the same input, then both printers.
 *
 * Input: PROFILE-TEXT [ '\0' LIVE-BYTES ]. The live bytes set every knob in
 * every scope (including values the kernel accepts but no knob means, such
 * as -1 and 9) and bind addresses: VIPs and strangers, on lo, the NIC or a
 * third interface, with any prefix, ours or not.
 *
 * Beyond "does not crash", it checks what the plan promises: removals, then
 * sysctls, then additions; never conf/default; never remove or rewrite an
 * address lvsdr does not own. A broken promise aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plan.h"
#include "profile.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { LO = 1,
       NIC = 2,
       OTHER = 3 };

struct bytes {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct bytes *b)
{
	if (!b->n)
		return 0;
	b->n--;
	return *b->p++;
}

static int live_order(const void *x, const void *y)
{
	const struct live_addr *a = x, *b = y;
	int c;

	if ((c = ipaddr_compare(&a->ip, &b->ip)))
		return c;
	return a->ifindex - b->ifindex;
}

static void live_make(const struct host *want, struct bytes *b, struct host *live)
{
	static const char *const names[] = { "", "lo", "eth0", "eth1" };
	static const char *const labels[] = { "", "lo:lvsdr", "eth0:lvsdr", "eth1:lvsdr" };

	memset(live, 0, sizeof(*live));
	live->role = want->role;
	memcpy(live->ifname, want->ifname, sizeof(live->ifname));
	live->ifindex = NIC;
	live->lo_ifindex = LO;
	for (int k = 0; k < KNOB_COUNT; k++)
		for (int s = 0; s < SCOPE_COUNT; s++) {
			unsigned v = take(b);
			live->knobs[k].present[s] = v != 255;
			live->knobs[k].value[s] = (int)(v % 12) - 2;
		}
	size_t n = take(b) % 16;
	live->addrs = xcalloc(n ? n : 1, sizeof(*live->addrs));
	for (size_t i = 0; i < n; i++) {
		struct live_addr *a = &live->addrs[live->naddrs++];
		const struct vip *v = &want->vips[take(b) % want->nvips];
		unsigned how = take(b);

		a->ip = v->ip; /* its prefix is drawn below */
		if (how & 1)
			a->ip.bytes[a->ip.family == AF_INET ? 3 : 15] ^= (uint8_t)take(b); /* a stranger */
		a->ifindex = 1 + (int)((how >> 1) % 3);
		snprintf(a->ifname, sizeof(a->ifname), "%s", names[a->ifindex]);
		unsigned max = a->ip.family == AF_INET ? 32 : 128;
		a->ip.prefix = (uint8_t)(how & 8 ? max : 1 + take(b) % max);
		a->owned = how & 16;
		if (a->owned && a->ip.family == AF_INET)
			snprintf(a->label, sizeof(a->label), "%s", labels[a->ifindex]);
	}
	/* The kernel holds an address once per interface (IPv4: once per
	 * prefix length): drop the copies the bytes made up. */
	size_t kept = 0;
	for (size_t i = 0; i < live->naddrs; i++) {
		const struct live_addr *a = &live->addrs[i];
		bool dup = false;
		for (size_t j = 0; j < kept && !dup; j++) {
			const struct live_addr *k = &live->addrs[j];
			dup = ipaddr_equal(&k->ip, &a->ip) && k->ifindex == a->ifindex &&
			      (a->ip.family == AF_INET6 || k->ip.prefix == a->ip.prefix);
		}
		if (!dup)
			live->addrs[kept++] = *a;
	}
	live->naddrs = kept;
	sort_array(live->addrs, live->naddrs, sizeof(*live->addrs), live_order);
}

static void promise(bool kept, const char *what)
{
	if (!kept) {
		fprintf(stderr, "plan broke a promise: %s\n", what);
		abort();
	}
}

static bool owned_in_live(const struct host *live, const struct live_addr *a)
{
	for (size_t i = 0; i < live->naddrs; i++) {
		const struct live_addr *l = &live->addrs[i];
		if (ipaddr_equal(&l->ip, &a->ip) && l->ifindex == a->ifindex &&
		    l->ip.prefix == a->ip.prefix)
			return l->owned;
	}
	return false;
}

static void plan_check(const struct plan *p, const struct host *live)
{
	enum step_kind last = STEP_ADDR_DEL;

	for (size_t i = 0; i < p->nsteps; i++) {
		const struct step *st = &p->steps[i];
		promise(st->kind >= last, "removals, then sysctls, then additions");
		last = st->kind;
		if (st->kind == STEP_SYSCTL) {
			promise(st->scope == SCOPE_ALL || st->scope == SCOPE_DEV, "writes only conf/all and conf/<nic>");
			promise(knob_value_meaningful(st->knob, st->to), "writes only meaningful values");
		} else if (st->kind == STEP_ADDR_DEL) {
			promise(owned_in_live(live, &st->addr), "removes only addresses it owns");
		}
	}
	promise(p->nsteps || p->drift == 0 || p->blocked, "drift comes with a step to fix it");
}

/* What a valid profile promises the IPVS engine: services strictly in
 * ipvs_service_compare order (no two alike), each on a VIP of its family or
 * a mark, real servers strictly ordered, of the service's family, on its
 * port, by DR or tunnel. */
static void services_check(const struct host *h)
{
	for (size_t i = 0; i < h->nservices; i++) {
		const struct ipvs_service *s = &h->services[i];
		struct vip key = { .ip = s->ip };
		const struct vip *vip;
		vip = h->nvips ? bsearch(&key, h->vips_sorted ? h->vips_sorted : h->vips, h->nvips, sizeof(key),
					 vip_compare)
			       : NULL;
		promise(!i || ipvs_service_compare(&h->services[i - 1], s) < 0, "services sorted, each once");
		promise(s->fwmark ? !s->proto && !s->port : s->proto && s->port && vip,
			"a service is a mark, or a VIP with a protocol and port");
		for (size_t k = 0; k < s->ndests; k++) {
			const struct ipvs_dest *dst = &s->dests[k];
			promise(!k || ipvs_dest_compare(&s->dests[k - 1], dst) < 0, "real servers sorted, each once");
			promise(dst->ip.family == s->ip.family && dst->port == s->port, "real servers of the family and port");
			promise(dst->method == METHOD_DR || dst->method == METHOD_TUNNEL, "real servers by DR or tunnel");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	struct bytes live_bytes = { nul ? nul + 1 : data + size, nul ? size - text_len - 1 : 0 };
	struct diag d = { .file = "fuzz.ini" };
	struct host want, live;
	struct plan plan;
	FILE *sink = fopen("/dev/null", "w");

	if (profile_parse((const char *)data, text_len, &want, &d) == 0) {
		services_check(&want);
		live_make(&want, &live_bytes, &live);
		plan_compute(&want, &live, &plan);
		plan_check(&plan, &live);
		if (sink) {
			plan_print_text(&plan, "fuzz.ini", true, sink);
			plan_print_json(&plan, "fuzz.ini", NULL, sink);
		}
		plan_free(&plan);
		host_free(&live);
	} else if (sink) {
		diag_print(&d, sink);
	}
	if (sink)
		fclose(sink);
	host_free(&want);
	diag_free(&d);
	return 0;
}
