/* The probes of the path check: each a frame to a real server's MAC for
 * VIP:port, as a director's MAC rewrite forwards it, and its answer.
 *
 * The kernel of this host sees those answers too, and no socket of its own
 * is waiting for them. Off a director it answers a SYN-ACK with a RST; on
 * the director holding the VIP it drops the answer (its source, the VIP, is
 * one of ours: a martian) and sends nothing. Either way we send our own RST
 * for every SYN-ACK, at once, so the real server never keeps a half-open
 * connection; and each probe's source port is reserved by a kernel socket
 * bound to it for the duration, so no connection of this host can share
 * the port and the kernel delivers a UDP answer to that socket instead of
 * answering with ICMP port unreachable. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nic.h"
#include "pathcheck.h"
#include "pathcheck_exchange.h"
#include "util.h"

/* Probes in flight at once: each holds a socket for its source port. */
#define PATHCHECK_BATCH 256
/* A SYN still unanswered when every probe has its verdict is waited for
 * twice the slowest answer, and at least this long, so its SYN-ACK gets a
 * RST too. */
#define STRAGGLER_MIN_NS 20000000ull

struct probe_state {
	struct probe p;
	struct pathcheck_result *res;
	int port_fd; /* reserves p.sport */
	unsigned sent;
	unsigned answers; /* TCP: SYN-ACKs and RSTs seen */
	uint64_t last_sent_ns;
	bool done;
};

static void format_ms(uint64_t us, char *buf, size_t len)
{
	snprintf(buf, len, "%llu.%llu ms", (unsigned long long)(us / 1000), (unsigned long long)(us % 1000 / 100));
}

/* The detail of an answer, as the operator needs it. */
static void answer_describe(struct probe_state *ps, enum probe_answer a, bool from_vip, const struct packet *pkt)
{
	struct pathcheck_result *r = ps->res;
	char from[INET6_ADDRSTRLEN], port[16], rtt[32], what[64], tries[32] = "";

	ipaddr_format(&pkt->src, from, sizeof(from));
	service_port_format(&r->port, port, sizeof(port));
	format_ms(r->rtt_us, rtt, sizeof(rtt));
	if (r->answer_try > 1)
		snprintf(tries, sizeof(tries), ", after %u tries", r->answer_try);
	if (a == ANSWER_SYNACK || a == ANSWER_RESET || a == ANSWER_DATAGRAM)
		snprintf(what, sizeof(what), "%s", a == ANSWER_SYNACK ? "SYN-ACK" : a == ANSWER_RESET ? "RST"
												      : "reply");
	else
		snprintf(what, sizeof(what), "ICMP %s", icmp_describe(r->vip.family, pkt->icmp_type, pkt->icmp_code));

	if (!from_vip && a == ANSWER_DATAGRAM)
		snprintf(r->detail, sizeof(r->detail), "reply from %s, not from the VIP: a client drops it (a UDP service "
						       "must answer from the address it was asked on)",
			 from);
	else if (a == ANSWER_TIME_EXCEEDED)
		snprintf(r->detail, sizeof(r->detail), "%s from %s: the probe was routed on instead of taken", what, from);
	else if (!from_vip)
		snprintf(r->detail, sizeof(r->detail), "%s from %s, not from the VIP: a client drops it", what, from);
	else if (a == ANSWER_SYNACK)
		snprintf(r->detail, sizeof(r->detail), "SYN-ACK from the VIP in %s%s; reset", rtt, tries);
	else if (a == ANSWER_DATAGRAM)
		snprintf(r->detail, sizeof(r->detail), "reply from the VIP in %s%s", rtt, tries);
	else if (a == ANSWER_RESET || pkt->icmp_code == (r->vip.family == AF_INET ? 3 : 4)) /* port unreachable */
		snprintf(r->detail, sizeof(r->detail), "%s from the VIP: the real server takes the VIP, but nothing "
						       "listens on %s for it",
			 what, port);
	else
		snprintf(r->detail, sizeof(r->detail), "%s from the VIP: the real server takes the VIP but refuses %s "
						       "(a firewall?)",
			 what, port);
}

static int send_probe(struct pathcheck_wire *run, struct probe_state *ps, uint64_t now, char *err, size_t errlen)
{
	uint8_t frame[PATHCHECK_FRAME_MAX];
	size_t len = probe_frame(&ps->p, run->ip_id++, frame, sizeof(frame));
	int ret = packet_socket_send(run->fd, frame, len);

	if (ret < 0) {
		snprintf(err, errlen, "cannot send a probe on %s: %s", run->job->ifname, strerror(-ret));
		return ret;
	}
	ps->sent++;
	ps->res->tries = ps->sent;
	ps->last_sent_ns = now;
	return 0;
}

/* A frame arrived: find the probe it answers, reset what it opened, and
 * give the probe its verdict if it has none yet (then 1). */
static int frame_handle(struct pathcheck_wire *run, struct probe_state *ps, size_t n, const uint8_t *frame, size_t len,
			uint64_t now, char *err, size_t errlen)
{
	struct packet pkt;
	bool from_vip;

	if (!packet_parse(frame, len, &pkt))
		return 0;
	for (size_t i = 0; i < n; i++) {
		enum probe_answer a = probe_match(&ps[i].p, &pkt, &from_vip);
		if (a == ANSWER_NONE)
			continue;
		if (a == ANSWER_SYNACK) {
			uint8_t rst[PATHCHECK_FRAME_MAX];
			size_t rlen = probe_reset_frame(&ps[i].p, &pkt, run->ip_id++, rst, sizeof(rst));
			int ret = packet_socket_send(run->fd, rst, rlen);
			if (ret < 0) {
				snprintf(err, errlen, "cannot send a RST on %s: %s", run->job->ifname, strerror(-ret));
				return ret;
			}
		}
		if (a == ANSWER_SYNACK || a == ANSWER_RESET)
			ps[i].answers++;
		if (ps[i].done)
			return 0;
		struct pathcheck_result *r = ps[i].res;
		ps[i].done = true;
		r->verdict = probe_verdict(a, from_vip);
		r->answered = true;
		r->answer_from = pkt.src;
		r->answer_try = ps[i].sent;
		r->rtt_us = (now - ps[i].last_sent_ns) / 1000;
		if (now - ps[i].last_sent_ns > run->max_rtt_ns)
			run->max_rtt_ns = now - ps[i].last_sent_ns;
		answer_describe(&ps[i], a, from_vip, &pkt);
		return 1;
	}
	return 0;
}

/* When to stop waiting for the answers to SYNs sent again before the
 * first answer came; 0 when none is outstanding. */
static uint64_t stragglers_until(const struct pathcheck_wire *run, const struct probe_state *ps, size_t n)
{
	uint64_t until = 0, wait = 2 * run->max_rtt_ns;

	if (wait < STRAGGLER_MIN_NS)
		wait = STRAGGLER_MIN_NS;
	for (size_t i = 0; i < n; i++)
		if (ps[i].p.proto == IPPROTO_TCP && ps[i].answers && ps[i].answers < ps[i].sent &&
		    ps[i].last_sent_ns + wait > until)
			until = ps[i].last_sent_ns + wait;
	return until;
}

static int batch_send(struct exchange *x, unsigned round, uint64_t now, char *err, size_t errlen)
{
	struct probe_state *ps = x->items;

	(void)round;
	for (size_t i = 0; i < x->n; i++)
		if (!ps[i].done && send_probe(x->wire, &ps[i], now, err, errlen) < 0)
			return -1;
	return 0;
}

static int batch_receive(struct exchange *x, const uint8_t *frame, size_t len, uint64_t now, char *err,
			 size_t errlen)
{
	int ret = frame_handle(x->wire, x->items, x->n, frame, len, now, err, errlen);

	x->pending -= ret > 0;
	return ret < 0 ? -1 : 0;
}

static uint64_t batch_linger(const struct exchange *x)
{
	return stragglers_until(x->wire, x->items, x->n);
}

/* A kernel socket bound to our source holds the port for the probe. */
static int port_reserve(struct probe_state *ps, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(ps->p.src.family, (ps->p.proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	if (ps->p.src.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ps->p.src.bytes, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ps->p.src.bytes, 16);
		sl = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		goto fail;
	ps->p.sport = ntohs(ps->p.src.family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							: ((struct sockaddr_in6 *)&ss)->sin6_port);
	ps->port_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "cannot reserve a source port: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

struct probe_batch {
	struct probe_state ps[PATHCHECK_BATCH];
	size_t k;    /* in this batch */
	size_t from; /* the first result of the next */
};

struct probe_batch *probe_batch_new(void)
{
	return xcalloc(1, sizeof(struct probe_batch));
}

/* The batch's ports, free again. */
static void batch_close(struct probe_batch *b)
{
	for (size_t i = 0; i < b->k; i++)
		if (b->ps[i].port_fd >= 0)
			close(b->ps[i].port_fd);
	b->k = 0;
}

static void probe_prepare(struct probe_state *s, const struct pathcheck_wire *w, struct pathcheck_result *r)
{
	memset(s, 0, sizeof(*s));
	s->port_fd = -1;
	s->res = r;
	memcpy(s->p.src_mac, w->mac, 6);
	memcpy(s->p.dst_mac, r->mac, 6);
	/* One family: the source was picked for the real server's, which
	 * results_lay_out() paired with a VIP of its own. */
	assert(r->source.family == r->vip.family);
	s->p.src = r->source;
	s->p.dst = r->vip;
	s->p.proto = r->port.proto;
	s->p.dport = r->port.port;
	random_bytes(&s->p.isn, sizeof(s->p.isn));
	random_bytes(s->p.payload, sizeof(s->p.payload));
}

int probe_batch_next(struct probe_batch *b, struct pathcheck_wire *w, struct pathcheck_result *res, size_t n,
		     struct exchange *x, char *err, size_t errlen)
{
	batch_close(b);
	for (; b->from < n && b->k < PATHCHECK_BATCH; b->from++) {
		if (!res[b->from].have_mac)
			continue;
		probe_prepare(&b->ps[b->k], w, &res[b->from]);
		if (port_reserve(&b->ps[b->k++], err, errlen) < 0)
			return -1;
	}
	if (!b->k)
		return 0;
	*x = (struct exchange){ .wire = w, .fd = w->fd, .items = b->ps, .n = b->k, .pending = b->k, .send = batch_send, .receive = batch_receive, .linger = batch_linger };
	return 1;
}

void probe_batch_end(struct probe_batch *b)
{
	for (size_t i = 0; i < b->k; i++)
		if (!b->ps[i].done)
			b->ps[i].res->verdict = PATHCHECK_NOT_ACCEPTED;
	batch_close(b);
}

void probe_batch_free(struct probe_batch *b)
{
	if (!b)
		return;
	batch_close(b);
	free(b);
}
