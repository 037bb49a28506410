#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "garp.h"
#include "rtnetlink.h"
#include "util.h"

const char *const probe_verdict_words[PROBE_VERDICT_COUNT] = {
	[PROBE_OK] = "ok",
	[PROBE_NO_OWNER] = "no-owner",
	[PROBE_LEAK] = "leak",
	[PROBE_WRONG_OWNER] = "wrong-owner",
	[PROBE_CONFLICT] = "conflict",
};

int probe_nic_lookup(const char *ifname, struct nic *nic, char *err, size_t errlen)
{
	if (nic_lookup(ifname, nic, err, errlen) < 0)
		return -1;
	if (!nic->ethernet) {
		snprintf(err, errlen, "%s is not an Ethernet interface: it has no MAC address to probe from", ifname);
		nic_free(nic);
		return -1;
	}
	return 0;
}

void probe_target_init(struct probe_target *t, const struct ip_addr *a)
{
	memset(t, 0, sizeof(*t));
	t->ip = *a;
}

static int mac_order(const void *a, const void *b)
{
	return memcmp(((const struct responder *)a)->mac, ((const struct responder *)b)->mac, MAC_LEN);
}

void probe_add_responder(struct probe_target *t, const uint8_t mac[MAC_LEN], bool this_host)
{
	for (size_t i = 0; i < t->nresponders; i++)
		if (!memcmp(t->responders[i].mac, mac, MAC_LEN)) {
			t->responders[i].this_host |= this_host;
			return;
		}
	if (t->nresponders == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4;
		t->responders = xreallocarray(t->responders, t->cap, sizeof(*t->responders));
	}
	memcpy(t->responders[t->nresponders].mac, mac, MAC_LEN);
	t->responders[t->nresponders++].this_host = this_host;
	sort_array(t->responders, t->nresponders, sizeof(*t->responders), mac_order);
}

bool probe_is_expected(const struct probe_target *t, const uint8_t mac[MAC_LEN])
{
	return t->expected_from != EXPECTED_NONE && !memcmp(t->expected, mac, MAC_LEN);
}

enum probe_verdict probe_judge(const struct probe_target *t)
{
	bool expected_answered = false;

	if (!t->nresponders)
		return PROBE_NO_OWNER;
	if (t->expected_from == EXPECTED_NONE)
		return t->nresponders == 1 ? PROBE_OK : PROBE_CONFLICT;
	for (size_t i = 0; i < t->nresponders; i++)
		expected_answered |= probe_is_expected(t, t->responders[i].mac);
	if (!expected_answered)
		return PROBE_WRONG_OWNER;
	return t->nresponders == 1 ? PROBE_OK : PROBE_LEAK;
}

void probe_targets_free(struct probe_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].responders);
	free(t);
}

static int target_order(const void *a, const void *b)
{
	const struct probe_target *x = *(const struct probe_target *const *)a, *y = *(const struct probe_target *const *)b;

	return ipaddr_compare(&x->ip, &y->ip);
}

/* The target a claim is about, among targets sorted by target_order. */
static struct probe_target *target_find(struct probe_target **sorted, size_t n, const struct claim *c)
{
	struct probe_target key, *keyp = &key, **found;

	probe_target_init(&key, &c->ip);
	found = bsearch(&keyp, sorted, n, sizeof(*sorted), target_order);
	return found ? *found : NULL;
}

/* Our IPv4 address to ask from: one that is no target, or a probe would
 * become an announcement of that target. NULL when there is none. */
static const struct ip_addr *source4(const struct nic *nic, struct probe_target **sorted, size_t n)
{
	for (size_t i = 0; i < nic->naddrs; i++) {
		struct claim c = { .ip.family = AF_INET };
		if (nic->addrs[i].ip.family != AF_INET)
			continue;
		memcpy(c.ip.bytes, nic->addrs[i].ip.bytes, 4);
		if (!target_find(sorted, n, &c))
			return &nic->addrs[i].ip;
	}
	return NULL;
}

/* Frames read past the deadline before giving up: what is queued, but not
 * a flood that keeps coming. */
#define PROBE_DRAIN_MAX 4096
/* Probes sent between two reads of the answers, so that thousands of them
 * never overflow the socket's receive buffer. */
#define PROBE_READ_EVERY 64

/* Collect answers until deadline_ns (monotonic), then what is queued:
 * ARP replies and neighbour advertisements for a target, from other hosts. */
static int collect(int rx, struct probe_target **sorted, size_t n, uint64_t deadline_ns)
{
	for (unsigned late = 0; late < PROBE_DRAIN_MAX;) {
		int wait = ms_until(deadline_ns, monotonic_ns());
		struct frame_in in;
		struct probe_target *t;
		int r = frames_read(rx, wait, NULL, &in);

		late += !wait;
		if (r == -EAGAIN && !wait)
			return 0;
		if (r == -EAGAIN || r == -EINTR)
			continue;
		if (r < 0)
			return r;
		if (!r || in.outgoing || in.claim.kind == CLAIM_ARP_REQUEST)
			continue;
		if ((t = target_find(sorted, n, &in.claim)))
			probe_add_responder(t, in.claim.mac, false);
	}
	return 0;
}

int probe_run(struct garp_sender *g, int rx, const struct nic *nic, struct probe_target *targets, size_t n,
	      const struct probe_timing *timing, bool unspecified, char *err, size_t errlen)
{
	struct probe_target **sorted = xcalloc(n, sizeof(*sorted));
	const struct ip_addr *from4, *from6;
	uint64_t start = monotonic_ns(), spacing = (uint64_t)timing->wait_ms * 1000000ull / (2 * timing->count);
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		sorted[i] = &targets[i];
	sort_array(sorted, n, sizeof(*sorted), target_order);
	from4 = unspecified ? NULL : source4(nic, sorted, n);
	from6 = unspecified || !nic->link_local.family ? NULL : &nic->link_local;
	for (unsigned round = 0; round < timing->count && !ret; round++) {
		if (round)
			ret = collect(rx, sorted, n, start + round * spacing);
		for (size_t i = 0; i < n && !ret; i++) {
			ret = garp_probe(g, &targets[i].ip, targets[i].ip.family == AF_INET ? from4 : from6);
			if (!ret && i % PROBE_READ_EVERY == PROBE_READ_EVERY - 1)
				ret = collect(rx, sorted, n, 0);
		}
	}
	if (!ret)
		ret = collect(rx, sorted, n, start + (uint64_t)timing->wait_ms * 1000000ull);
	free(sorted);
	if (ret < 0) {
		snprintf(err, errlen, "probing on %s: %s", nic->name, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		if (nic_holds(nic, &targets[i].ip))
			probe_add_responder(&targets[i], nic->mac, true);
		targets[i].verdict = probe_judge(&targets[i]);
	}
	return 0;
}

/* A MAC of any interface of this host: an answer from one of them (a
 * second NIC on the segment, a veth whose peer is here too) is this host,
 * never a peer. */
static bool mac_is_local(const uint8_t (*local)[MAC_LEN], size_t nlocal, const uint8_t mac[MAC_LEN])
{
	for (size_t i = 0; i < nlocal; i++)
		if (!memcmp(local[i], mac, MAC_LEN))
			return true;
	return false;
}

/* What probe_run() found, this host's own MACs left out. */
static void holders_fill(const struct probe_target *t, const uint8_t (*local)[MAC_LEN], size_t nlocal,
			 struct vip_holder *h)
{
	for (size_t j = 0; j < t->nresponders; j++) {
		if (t->responders[j].this_host || mac_is_local(local, nlocal, t->responders[j].mac))
			continue;
		if (!h->held)
			memcpy(h->mac, t->responders[j].mac, MAC_LEN); /* sorted: the lowest */
		h->held = true;
		h->macs++;
	}
}

int probe_vip_holders(const struct host *want, const struct host *live, struct vip_holder *holders, char *err,
		      size_t errlen)
{
	const struct probe_timing timing = { LVSDR_CONFLICT_COUNT, LVSDR_CONFLICT_WAIT_MS };
	struct garp_sender *g = NULL;
	struct probe_target *targets;
	uint8_t(*local)[MAC_LEN] = NULL;
	size_t nlocal = 0;
	struct nic nic;
	int rx, ret;

	if (garp_open_live(&g, live, err, errlen) < 0)
		return -1;
	if ((rx = frames_open(want->ifname, err, errlen)) < 0) {
		garp_close(g);
		return -1;
	}
	if (probe_nic_lookup(want->ifname, &nic, err, errlen) < 0) {
		close(rx);
		garp_close(g);
		return -1;
	}
	targets = xcalloc(want->nvips, sizeof(*targets));
	for (size_t i = 0; i < want->nvips; i++)
		probe_target_init(&targets[i], &want->vips[i].ip);
	ret = probe_run(g, rx, &nic, targets, want->nvips, &timing, true, err, errlen);
	if (ret >= 0)
		ret = netlink_local_macs(&local, &nlocal, err, errlen);
	for (size_t i = 0; i < want->nvips && ret >= 0; i++) {
		memset(&holders[i], 0, sizeof(holders[i]));
		holders_fill(&targets[i], local, nlocal, &holders[i]);
	}
	free(local);
	probe_targets_free(targets, want->nvips);
	nic_free(&nic);
	close(rx);
	garp_close(g);
	return ret < 0 ? -1 : 0;
}
