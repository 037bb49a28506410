/* The DR path check on the wire.
 *
 * Which source address: our own address on the interface, never the VIP.
 * The real server answers the source, and an answer to the VIP would stay
 * on the real server (the VIP is on its lo) or, if routed, reach whoever
 * holds the VIP but never us. Our own address brings every answer back
 * on the segment, where the packet socket reads it.
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
#include "pathcheck_run.h"
#include "pathcheck_exchange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "neighbour.h"
#include "nic.h"
#include "privilege.h"
#include "rtnetlink.h"
#include "util.h"

/* Probes in flight at once: each holds a socket for its source port. */
#define PATHCHECK_BATCH 256
/* A SYN still unanswered when every probe has its verdict is waited for
 * twice the slowest answer, and at least this long, so its SYN-ACK gets a
 * RST too. */
#define STRAGGLER_MIN_NS 20000000ull
/* Room for a burst of answers from many real servers at once. */
#define RECEIVE_BUFFER (1 << 20)

struct probe_state {
	struct probe p;
	struct pathcheck_result *res;
	int port_fd;              /* reserves p.sport */
	unsigned sent;
	unsigned answers;         /* TCP: SYN-ACKs and RSTs seen */
	uint64_t last_sent_ns;
	bool done;
};

/* The interface, in pathcheck's words. */
static int nic_read(const char *ifname, struct nic *nic, char *err, size_t errlen)
{
	int ret = nic_lookup(ifname, nic, err, errlen);

	if (ret == -ENODEV)
		snprintf(err, errlen, "no interface %s in this network namespace", ifname);
	if (ret < 0)
		return -1;
	if (!nic->ethernet) {
		snprintf(err, errlen, "%s is not an Ethernet interface", ifname);
		return -1;
	}
	return 0;
}

static bool is_vip(const struct pathcheck_job *job, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < job->nvips; i++)
		if (job->vips[i].family == family && !memcmp(job->vips[i].addr, addr, addr_len(family)))
			return true;
	return false;
}

/* Our address to probe a real server from: one in its subnet if we have
 * one (a real server with arp_ignore=2 answers only such a sender), else
 * the first; never a VIP, never link-local, never one under a label
 * ("eth0:lvsdr" is how lvsdr binds a director's VIPs, of any profile). */
static const struct nic_addr *source_pick(const struct nic *nic, const struct pathcheck_job *job,
					  const struct realserver *rs)
{
	const struct nic_addr *first = NULL;

	for (size_t i = 0; i < nic->naddrs; i++) {
		const struct nic_addr *a = &nic->addrs[i];
		if (a->family != rs->family || a->labelled || is_vip(job, a->family, a->addr) ||
		    (a->family == AF_INET6 && a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80))
			continue;
		if (prefix_contains(a->addr, a->prefix, rs->addr))
			return a;
		if (!first)
			first = a;
	}
	return first;
}

static void format_ms(uint64_t us, char *buf, size_t len)
{
	snprintf(buf, len, "%llu.%llu ms", (unsigned long long)(us / 1000), (unsigned long long)(us % 1000 / 100));
}

/* The detail of an answer, as the operator needs it. */
static void answer_describe(struct probe_state *ps, enum probe_answer a, bool from_vip, const struct packet *pkt)
{
	struct pathcheck_result *r = ps->res;
	char from[INET6_ADDRSTRLEN], port[16], rtt[32], what[64], tries[32] = "";

	addr_format(r->family, pkt->src, from, sizeof(from));
	service_port_format(&r->port, port, sizeof(port));
	format_ms(r->rtt_us, rtt, sizeof(rtt));
	if (r->answer_try > 1)
		snprintf(tries, sizeof(tries), ", after %u tries", r->answer_try);
	if (a == ANSWER_SYNACK || a == ANSWER_RESET || a == ANSWER_DATAGRAM)
		snprintf(what, sizeof(what), "%s", a == ANSWER_SYNACK ? "SYN-ACK" : a == ANSWER_RESET ? "RST" : "reply");
	else
		snprintf(what, sizeof(what), "ICMP %s", icmp_describe(r->family, pkt->icmp_type, pkt->icmp_code));

	if (!from_vip && a == ANSWER_DATAGRAM)
		snprintf(r->detail, sizeof(r->detail), "reply from %s, not from the VIP: a client drops it (a UDP service "
			 "must answer from the address it was asked on)", from);
	else if (a == ANSWER_TIME_EXCEEDED)
		snprintf(r->detail, sizeof(r->detail), "%s from %s: the probe was routed on instead of taken", what, from);
	else if (!from_vip)
		snprintf(r->detail, sizeof(r->detail), "%s from %s, not from the VIP: a client drops it", what, from);
	else if (a == ANSWER_SYNACK)
		snprintf(r->detail, sizeof(r->detail), "SYN-ACK from the VIP in %s%s; reset", rtt, tries);
	else if (a == ANSWER_DATAGRAM)
		snprintf(r->detail, sizeof(r->detail), "reply from the VIP in %s%s", rtt, tries);
	else if (a == ANSWER_RESET || pkt->icmp_code == (r->family == AF_INET ? 3 : 4)) /* port unreachable */
		snprintf(r->detail, sizeof(r->detail), "%s from the VIP: the real server takes the VIP, but nothing "
			 "listens on %s for it", what, port);
	else
		snprintf(r->detail, sizeof(r->detail), "%s from the VIP: the real server takes the VIP but refuses %s "
			 "(a firewall?)", what, port);
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
		memcpy(r->answer_from, pkt.src, 16);
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

int exchange_run(struct exchange *x, char *err, size_t errlen)
{
	const struct pathcheck_job *job = x->wire->job;
	uint8_t frame[2048];
	uint64_t start = monotonic_ns(), end = start + (uint64_t)job->timeout_ms * 1000000;
	unsigned next = 0;

	for (;;) {
		uint64_t now = monotonic_ns(), wake = end, until;
		uint64_t due = start + (uint64_t)probe_send_offset_ms(job->timeout_ms, job->retries, next) * 1000000;
		if (x->pending && next <= job->retries && now >= due) {
			if (x->send(x, next, now, err, errlen) < 0)
				return -1;
			next++;
			continue;
		}
		until = x->linger ? x->linger(x) : 0;
		if (now >= end || (!x->pending && now >= until))
			return 0;
		if (x->pending && next <= job->retries)
			wake = due;
		else if (!x->pending && until < wake)
			wake = until;
		ssize_t got = packet_socket_recv(x->wire->fd, frame, sizeof(frame), wake);
		if (got < 0) {
			snprintf(err, errlen, "cannot receive on %s: %s", job->ifname, strerror((int)-got));
			return -1;
		}
		if (got && x->receive(x, frame, (size_t)got, monotonic_ns(), err, errlen) < 0)
			return -1;
	}
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

static int batch_run(struct pathcheck_wire *run, struct probe_state *ps, size_t n, char *err, size_t errlen)
{
	struct exchange x = { run, ps, n, n, batch_send, batch_receive, batch_linger };

	if (exchange_run(&x, err, errlen) < 0)
		return -1;
	/* Silent: the detail waits for echo_check(). */
	for (size_t i = 0; i < n; i++)
		if (!ps[i].done)
			ps[i].res->verdict = PATHCHECK_NOT_ACCEPTED;
	return 0;
}

/* A kernel socket bound to our source holds the port for the probe. */
static int port_reserve(struct probe_state *ps, char *err, size_t errlen)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(ps->p.family, (ps->p.proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	if (ps->p.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ps->p.src, 4);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ps->p.src, 16);
		sl = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		goto fail;
	ps->p.sport = ntohs(ps->p.family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
			    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	ps->port_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "cannot reserve a source port: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int probes_run(struct pathcheck_wire *run, struct pathcheck_result *res, size_t n, char *err, size_t errlen)
{
	struct probe_state *ps = xcalloc(PATHCHECK_BATCH, sizeof(*ps));
	int ret = 0;

	for (size_t done = 0; done < n && !ret;) {
		size_t k = 0;
		for (; done < n && k < PATHCHECK_BATCH; done++) {
			struct pathcheck_result *r = &res[done];
			if (!r->have_mac)
				continue;
			struct probe_state *s = &ps[k];
			memset(s, 0, sizeof(*s));
			s->port_fd = -1;
			s->res = r;
			s->p.family = r->family;
			memcpy(s->p.src_mac, run->mac, 6);
			memcpy(s->p.dst_mac, r->mac, 6);
			memcpy(s->p.src, r->source, 16);
			memcpy(s->p.dst, r->vip, 16);
			s->p.proto = r->port.proto;
			s->p.dport = r->port.port;
			random_bytes(&s->p.isn, sizeof(s->p.isn));
			random_bytes(s->p.payload, sizeof(s->p.payload));
			k++;
			if (port_reserve(s, err, errlen) < 0) {
				ret = -1;
				break;
			}
		}
		if (!ret && k)
			ret = batch_run(run, ps, k, err, errlen);
		for (size_t i = 0; i < k; i++)
			if (ps[i].port_fd >= 0)
				close(ps[i].port_fd);
	}
	free(ps);
	return ret;
}

/* One result per target, or per VIP, real server of its family and port,
 * in that order. */
static struct pathcheck_result *results_lay_out(const struct pathcheck_job *job, size_t *n)
{
	struct pathcheck_result *res;
	size_t k = 0, count = 0;

	if (job->targets) {
		res = xcalloc(job->ntargets ? job->ntargets : 1, sizeof(*res));
		for (size_t i = 0; i < job->ntargets; i++) {
			res[i].family = job->targets[i].family;
			memcpy(res[i].vip, job->targets[i].vip, 16);
			memcpy(res[i].realserver, job->targets[i].realserver, 16);
			res[i].port = job->targets[i].port;
		}
		*n = job->ntargets;
		return res;
	}
	for (size_t v = 0; v < job->nvips; v++)
		for (size_t s = 0; s < job->nrealservers; s++)
			count += (job->realservers[s].family == job->vips[v].family) * job->nports;
	res = xcalloc(count, sizeof(*res));
	for (size_t v = 0; v < job->nvips; v++)
		for (size_t s = 0; s < job->nrealservers; s++) {
			if (job->realservers[s].family != job->vips[v].family)
				continue;
			for (size_t p = 0; p < job->nports; p++, k++) {
				res[k].family = job->vips[v].family;
				memcpy(res[k].vip, job->vips[v].addr, 16);
				memcpy(res[k].realserver, job->realservers[s].addr, 16);
				res[k].port = job->ports[p];
			}
		}
	*n = count;
	return res;
}

/* Each real server's source, written into its results; -1 when this
 * host has no address of its family to send from. */
static int sources_pick(const struct pathcheck_job *job, const struct nic *nic, struct pathcheck_result *res,
			size_t n, struct neighbour_query *q, char *err, size_t errlen)
{
	for (size_t s = 0; s < job->nrealservers; s++) {
		const struct realserver *rs = &job->realservers[s];
		const struct nic_addr *src = source_pick(nic, job, rs);
		if (!src) {
			snprintf(err, errlen, "%s has no %s address to probe from (other than the VIPs): the real servers "
				 "answer the probe's source", job->ifname, rs->family == AF_INET6 ? "IPv6" : "IPv4");
			return -1;
		}
		q[s].family = rs->family;
		memcpy(q[s].addr, rs->addr, 16);
		memcpy(q[s].source, src->addr, 16);
		for (size_t i = 0; i < n; i++)
			if (res[i].family == rs->family && !memcmp(res[i].realserver, rs->addr, 16))
				memcpy(res[i].source, src->addr, 16);
	}
	return 0;
}

/* Resolve every real server once; those that do not answer are
 * unreachable on every VIP and port. */
static int macs_resolve(struct neighbour_resolver *nr, const struct pathcheck_job *job, struct neighbour_query *q,
			struct pathcheck_result *res, size_t n, char *err, size_t errlen)
{
	unsigned send_at[PATHCHECK_RETRIES_MAX + 1];

	for (unsigned i = 0; i <= job->retries; i++)
		send_at[i] = probe_send_offset_ms(job->timeout_ms, job->retries, i);
	if (neighbour_resolve(nr, q, job->nrealservers, send_at, job->retries + 1, job->timeout_ms, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < job->nrealservers; s++) {
			char text[INET6_ADDRSTRLEN];
			if (q[s].family != res[i].family || memcmp(q[s].addr, res[i].realserver, 16))
				continue;
			res[i].have_mac = q[s].found;
			memcpy(res[i].mac, q[s].mac, 6);
			if (q[s].found)
				break;
			addr_format(res[i].family, res[i].realserver, text, sizeof(text));
			res[i].verdict = PATHCHECK_UNREACHABLE;
			res[i].tries = q[s].requests;
			snprintf(res[i].detail, sizeof(res[i].detail), "no %s for %s on %s (%u request%s in %u ms)",
				 res[i].family == AF_INET6 ? "neighbour advertisement" : "ARP answer", text, job->ifname,
				 q[s].requests, q[s].requests == 1 ? "" : "s", job->timeout_ms);
		}
	return 0;
}

int pathcheck_run(const struct pathcheck_job *job, struct pathcheck_result **results, size_t *n, char *err,
		  size_t errlen)
{
	struct sock_filter filter[PACKET_FILTER_MAX];
	struct packet_dest *dests;
	struct neighbour_query *q = xcalloc(job->nrealservers, sizeof(*q));
	struct neighbour_resolver *nr = NULL;
	struct packet_socket_options opt = { .rcvbuf = RECEIVE_BUFFER, .ignore_outgoing = true };
	struct pathcheck_wire run = { .job = job, .fd = -1 };
	struct nic nic = { 0 };
	int ret = -1;

	*results = results_lay_out(job, n);
	if (nic_read(job->ifname, &nic, err, errlen) < 0 || sources_pick(job, &nic, *results, *n, q, err, errlen) < 0)
		goto out;
	memcpy(run.mac, nic.mac, 6);
	if (neighbour_open(&nr, &nic, err, errlen) < 0)
		goto out;
	/* Only frames to our sources reach the probe socket. */
	dests = xcalloc(*n, sizeof(*dests));
	for (size_t i = 0; i < *n; i++) {
		dests[i].family = (*results)[i].family;
		memcpy(dests[i].addr, (*results)[i].source, 16);
	}
	opt.nfilter = packet_filter_destinations(dests, *n, filter, sizeof(filter) / sizeof(filter[0]));
	opt.filter = opt.nfilter ? filter : NULL;
	free(dests);
	run.fd = packet_socket_open(nic.ifindex, nic.name, &opt, err, errlen);
	if (run.fd < 0)
		goto out;
	/* Both packet sockets are open: the rest needs no privilege. */
	if (!job->keep_net_raw)
		privilege_drop_net_raw();
	random_bytes(&run.ip_id, sizeof(run.ip_id));
	if (macs_resolve(nr, job, q, *results, *n, err, errlen) < 0)
		goto out;
	ret = probes_run(&run, *results, *n, err, errlen);
	if (!ret)
		ret = echo_check(&run, *results, *n, err, errlen);
out:
	if (run.fd >= 0)
		close(run.fd);
	neighbour_close(nr);
	nic_free(&nic);
	free(q);
	return ret;
}
