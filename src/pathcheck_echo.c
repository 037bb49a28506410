/* The ping of real servers that met every probe with silence. A real
 * server whose IPv4 VIP is on lo with a prefix wider than /32 holds our
 * address as one of its own: it takes the probe, but its answer, like its
 * answer to a ping, stays on it (an IPv6 prefix on lo does not do that,
 * measured on 6.18). One that answers the ping does reach us, so it is
 * the VIP it does not take. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic.h"
#include "pathcheck.h"
#include "pathcheck_exchange.h"
#include "util.h"

/* A real server whose probes met only silence, and whether it answers a
 * ping of its own address: then its answers reach us, and the VIP is what
 * it does not take. */
struct echo_target {
	struct ip_addr rs, src; /* the real server; our address it answers */
	uint8_t mac[6];
	unsigned sent;
	bool answered;
};

static bool silent(const struct pathcheck_result *r)
{
	return r->have_mac && !r->answered && r->verdict == PATHCHECK_NOT_ACCEPTED;
}

/* The detail of a silent probe, once the ping of its real server (e, NULL
 * when none was sent) has told whether anything of it reaches us. */
static void silence_describe(struct pathcheck_result *r, unsigned timeout_ms, const struct echo_target *e)
{
	char vip[INET6_ADDRSTRLEN], rs[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	bool tcp = r->port.proto == IPPROTO_TCP;
	int n;

	ipaddr_format(&r->vip, vip, sizeof(vip));
	ipaddr_format(&r->realserver, rs, sizeof(rs));
	ipaddr_format(&r->source, src, sizeof(src));
	n = snprintf(r->detail, sizeof(r->detail), "no answer to %u %s%s in %u ms", r->tries, tcp ? "SYN" : "datagram",
		     r->tries == 1 ? "" : "s", timeout_ms);
	if (n < 0 || (size_t)n >= sizeof(r->detail))
		return;
	/* Only IPv4 makes a prefix on lo local: an IPv6 /64 there does not. */
	if (e && !e->answered && r->vip.family == AF_INET)
		snprintf(r->detail + n, sizeof(r->detail) - (size_t)n, ", nor to %u ping%s of %s, which answers ARP: "
								       "nothing it sends reaches %s. Is %s on its lo with a prefix wider than /32? That makes %s "
								       "local to it. Or a firewall drops both",
			 e->sent, e->sent == 1 ? "" : "s", rs, src, vip, src);
	else if (e && !e->answered)
		snprintf(r->detail + n, sizeof(r->detail) - (size_t)n, ", nor to %u ping%s of %s, which answers "
								       "neighbour solicitations: nothing it sends reaches %s (a firewall, or its routes)",
			 e->sent,
			 e->sent == 1 ? "" : "s", rs, src);
	else if (tcp)
		snprintf(r->detail + n, sizeof(r->detail) - (size_t)n, ": is %s bound on lo of %s?", vip, rs);
	else
		snprintf(r->detail + n, sizeof(r->detail) - (size_t)n, ": %s not bound on lo of %s, a firewall, or a "
								       "service that ignores a random payload",
			 vip, rs);
}

/* The silent real servers, each once, into e (room for n). */
static size_t echo_targets(const struct pathcheck_result *res, size_t n, struct echo_target *e)
{
	size_t ne = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		if (!silent(&res[i]))
			continue;
		while (j < ne && !ipaddr_equal(&e[j].rs, &res[i].realserver))
			j++;
		if (j < ne)
			continue;
		e[ne] = (struct echo_target){ .rs = res[i].realserver, .src = res[i].source };
		memcpy(e[ne].mac, res[i].mac, 6);
		ne++;
	}
	return ne;
}

/* The targets of one exchange, and the identifier of its pings. */
struct echo_round {
	struct echo_target *e;
	size_t ne;
	uint16_t id;
	unsigned timeout_ms;
};

static int echo_send(struct exchange *x, unsigned round, uint64_t now, char *err, size_t errlen)
{
	struct echo_round *set = x->items;
	uint8_t frame[PATHCHECK_FRAME_MAX];

	(void)now;
	for (size_t i = 0; i < x->n; i++) {
		struct echo_target *t = &set->e[i];
		if (t->answered)
			continue;
		size_t len = echo_frame(t->rs.family, x->wire->mac, t->mac, t->src.bytes, t->rs.bytes, set->id, (uint16_t)round,
					x->wire->ip_id++, frame, sizeof(frame));
		int ret = packet_socket_send(x->wire->fd, frame, len);
		if (ret < 0) {
			snprintf(err, errlen, "cannot send a ping on %s: %s", x->wire->job->ifname, strerror(-ret));
			return -1;
		}
		t->sent++;
	}
	return 0;
}

static int echo_receive(struct exchange *x, const uint8_t *frame, size_t len, uint64_t now, char *err,
			size_t errlen)
{
	struct echo_round *set = x->items;
	struct packet pkt;

	(void)now, (void)err, (void)errlen;
	if (!packet_parse(frame, len, &pkt))
		return 0;
	for (size_t i = 0; i < x->n; i++) {
		struct echo_target *t = &set->e[i];
		if (!t->answered && echo_reply_matches(&pkt, &t->rs, &t->src, set->id)) {
			t->answered = true;
			x->pending--;
		}
	}
	return 0;
}

/* Tell a real server that does not take the VIP from one whose answers
 * never leave it (a VIP on its lo with a wide prefix makes our address
 * one of its own): ping the silent ones. */
struct echo_round *echo_begin(struct pathcheck_wire *w, const struct pathcheck_result *res, size_t n,
			      struct exchange *x)
{
	struct echo_round *set = xcalloc(1, sizeof(*set));

	set->e = xcalloc(n ? n : 1, sizeof(*set->e));
	set->ne = echo_targets(res, n, set->e);
	set->timeout_ms = w->job->timeout_ms;
	random_bytes(&set->id, sizeof(set->id));
	*x = (struct exchange){ .wire = w, .fd = w->fd, .items = set, .n = set->ne, .pending = set->ne, .send = echo_send, .receive = echo_receive };
	return set;
}

/* Every silence described, with what the ping told. */
void echo_end(struct echo_round *set, struct pathcheck_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct echo_target *t = NULL;
		if (!silent(&res[i]))
			continue;
		for (size_t j = 0; j < set->ne && !t; j++)
			if (ipaddr_equal(&set->e[j].rs, &res[i].realserver))
				t = &set->e[j];
		silence_describe(&res[i], set->timeout_ms, t);
	}
}

void echo_free(struct echo_round *set)
{
	if (!set)
		return;
	free(set->e);
	free(set);
}
