/* The DR path check on the wire, as a machine its caller drives: the
 * MACs, the probes, the ping of the silent real servers, each an exchange
 * on a packet socket whose frames and deadline the caller polls for (lvsdr
 * events in its own loop, pathcheck_run() in a small one of its own).
 *
 * Which source address: our own address on the interface, never the VIP.
 * The real server answers the source, and an answer to the VIP would stay
 * on the real server (the VIP is on its lo) or, if routed, reach whoever
 * holds the VIP but never us. Our own address brings every answer back
 * on the segment, where the packet socket reads it.
 */
#include "pathcheck_run.h"
#include "pathcheck_exchange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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

/* Room for a burst of answers from many real servers at once. */
#define RECEIVE_BUFFER (1 << 20)
/* Frames read in one step: a flood of them cannot hold the caller's loop. */
#define STEP_FRAMES_MAX 64

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

static bool is_vip(const struct pathcheck_job *job, const struct ip_addr *a)
{
	for (size_t i = 0; i < job->nvips; i++)
		if (ipaddr_equal(&job->vips[i].ip, a))
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
		if (a->ip.family != rs->ip.family || a->labelled || is_vip(job, &a->ip) ||
		    (a->ip.family == AF_INET6 && a->ip.bytes[0] == 0xfe && (a->ip.bytes[1] & 0xc0) == 0x80))
			continue;
		if (prefix_contains(a->ip.bytes, a->ip.prefix, rs->ip.bytes))
			return a;
		if (!first)
			first = a;
	}
	return first;
}

void exchange_begin(struct exchange *x, uint64_t now)
{
	x->start = now;
	x->end = now + (uint64_t)x->wire->job->timeout_ms * 1000000;
	x->next = 0;
}

int exchange_advance(struct exchange *x, uint64_t now, uint64_t *wake, char *err, size_t errlen)
{
	const struct pathcheck_job *job = x->wire->job;

	for (;;) {
		uint64_t due = x->start + (uint64_t)probe_send_offset_ms(job->timeout_ms, job->retries, x->next) * 1000000;
		uint64_t until = x->linger ? x->linger(x) : 0;
		if (x->pending && x->next <= job->retries && now >= due) {
			if (x->send(x, x->next, now, err, errlen) < 0)
				return -1;
			x->next++;
			continue;
		}
		if (now >= x->end || (!x->pending && now >= until))
			return 1;
		*wake = x->end;
		if (x->pending && x->next <= job->retries)
			*wake = due;
		else if (!x->pending && until < *wake)
			*wake = until;
		return 0;
	}
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
			res[i].vip = job->targets[i].vip;
			res[i].realserver = job->targets[i].realserver;
			res[i].port = job->targets[i].port;
		}
		*n = job->ntargets;
		return res;
	}
	for (size_t v = 0; v < job->nvips; v++)
		for (size_t s = 0; s < job->nrealservers; s++)
			count += (job->realservers[s].ip.family == job->vips[v].ip.family) * job->nports;
	res = xcalloc(count, sizeof(*res));
	for (size_t v = 0; v < job->nvips; v++)
		for (size_t s = 0; s < job->nrealservers; s++) {
			if (job->realservers[s].ip.family != job->vips[v].ip.family)
				continue;
			for (size_t p = 0; p < job->nports; p++, k++) {
				res[k].vip = job->vips[v].ip;
				res[k].realserver = job->realservers[s].ip;
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
					      "answer the probe's source",
				 job->ifname, rs->ip.family == AF_INET6 ? "IPv6" : "IPv4");
			return -1;
		}
		q[s].ip = rs->ip;
		q[s].source = src->ip;
		for (size_t i = 0; i < n; i++)
			if (ipaddr_equal(&res[i].realserver, &rs->ip))
				res[i].source = src->ip;
	}
	return 0;
}

enum phase { PHASE_MACS,
	     PHASE_PROBES,
	     PHASE_ECHO,
	     PHASE_DONE };

struct pathcheck_machine {
	struct pathcheck_job job; /* the caller's, its arrays still theirs */
	struct pathcheck_wire wire;
	struct nic nic;
	struct neighbour_resolver *nr;
	struct neighbour_query *q; /* one per real server */
	struct pathcheck_result *res;
	size_t n;
	enum phase phase;
	struct exchange x; /* the phase's */
	uint64_t wake;
	struct probe_batch *batch;
	struct echo_round *echo;
};

/* The MACs: one exchange on the resolver's socket, each real server once. */
static int macs_send(struct exchange *x, unsigned round, uint64_t now, char *err, size_t errlen)
{
	struct pathcheck_machine *m = x->items;

	(void)round, (void)now;
	return neighbour_send(m->nr, m->q, m->job.nrealservers, err, errlen) < 0 ? -1 : 0;
}

static int macs_receive(struct exchange *x, const uint8_t *frame, size_t len, uint64_t now, char *err,
			size_t errlen)
{
	struct pathcheck_machine *m = x->items;

	(void)now, (void)err, (void)errlen;
	x->pending -= neighbour_receive(m->q, m->job.nrealservers, frame, len);
	return 0;
}

/* Each result gets its real server's MAC; one that did not answer is
 * unreachable on every VIP and port. */
static void macs_judge(struct pathcheck_machine *m)
{
	const struct pathcheck_job *job = &m->job;
	struct pathcheck_result *res = m->res;

	for (size_t i = 0; i < m->n; i++)
		for (size_t s = 0; s < job->nrealservers; s++) {
			const struct neighbour_query *q = &m->q[s];
			char text[INET6_ADDRSTRLEN];
			if (!ipaddr_equal(&q->ip, &res[i].realserver))
				continue;
			res[i].have_mac = q->found;
			memcpy(res[i].mac, q->mac, 6);
			if (q->found)
				break;
			ipaddr_format(&res[i].realserver, text, sizeof(text));
			res[i].verdict = PATHCHECK_UNREACHABLE;
			res[i].tries = q->requests;
			snprintf(res[i].detail, sizeof(res[i].detail), "no %s for %s on %s (%u request%s in %u ms)",
				 res[i].realserver.family == AF_INET6 ? "neighbour advertisement" : "ARP answer", text, job->ifname,
				 q->requests, q->requests == 1 ? "" : "s", job->timeout_ms);
		}
}

/* The exchange of the phase is over: the next one, set up and begun (0),
 * or 1 when every phase is done, -1 with err filled. */
static int phase_next(struct pathcheck_machine *m, uint64_t now, char *err, size_t errlen)
{
	int ret = 0;

	switch (m->phase) {
	case PHASE_MACS:
		macs_judge(m);
		m->batch = probe_batch_new();
		/* fall through */
	case PHASE_PROBES:
		if (m->phase == PHASE_PROBES)
			probe_batch_end(m->batch);
		m->phase = PHASE_PROBES;
		if ((ret = probe_batch_next(m->batch, &m->wire, m->res, m->n, &m->x, err, errlen)) != 0)
			break;
		m->phase = PHASE_ECHO;
		m->echo = echo_begin(&m->wire, m->res, m->n, &m->x);
		break;
	case PHASE_ECHO:
		echo_end(m->echo, m->res, m->n);
		m->phase = PHASE_DONE;
		return 1;
	case PHASE_DONE:
		return 1;
	}
	if (ret < 0)
		return -1;
	exchange_begin(&m->x, now);
	return 0;
}

int pathcheck_step(struct pathcheck_machine *m, char *err, size_t errlen)
{
	uint8_t frame[2048];

	while (m->phase != PHASE_DONE) {
		uint64_t now = monotonic_ns();
		size_t k = 0;
		int ret;
		for (; k < STEP_FRAMES_MAX; k++) {
			ssize_t got = packet_socket_recv(m->x.fd, frame, sizeof(frame), 0);
			if (got < 0) {
				snprintf(err, errlen, "cannot receive on %s: %s", m->job.ifname, strerror((int)-got));
				return -1;
			}
			if (!got)
				break;
			if (m->x.receive(&m->x, frame, (size_t)got, now, err, errlen) < 0)
				return -1;
		}
		if ((ret = exchange_advance(&m->x, now, &m->wake, err, errlen)) < 0)
			return -1;
		if (!ret) {
			/* More frames are waiting: come back at once. */
			if (k == STEP_FRAMES_MAX)
				m->wake = now;
			return 0;
		}
		if ((ret = phase_next(m, now, err, errlen)) != 0)
			return ret;
	}
	return 1;
}

int pathcheck_fd(const struct pathcheck_machine *m)
{
	return m->phase == PHASE_DONE ? -1 : m->x.fd;
}

uint64_t pathcheck_wake_ns(const struct pathcheck_machine *m)
{
	return m->wake;
}

/* The sockets, the sources and the MAC exchange begun: everything that
 * needs privilege, before the first frame. 0, or -1 with err filled. */
static int machine_open(struct pathcheck_machine *m, char *err, size_t errlen)
{
	const struct pathcheck_job *job = &m->job;
	struct sock_filter filter[PACKET_FILTER_MAX];
	struct packet_socket_options opt = { .rcvbuf = RECEIVE_BUFFER, .ignore_outgoing = true };
	struct packet_dest *dests;

	if (nic_read(job->ifname, &m->nic, err, errlen) < 0 || sources_pick(job, &m->nic, m->res, m->n, m->q, err, errlen) < 0)
		return -1;
	memcpy(m->wire.mac, m->nic.mac, 6);
	if (neighbour_open(&m->nr, &m->nic, err, errlen) < 0)
		return -1;
	/* Only frames to our sources reach the probe socket. */
	dests = xcalloc(m->n ? m->n : 1, sizeof(*dests));
	for (size_t i = 0; i < m->n; i++) {
		dests[i].ip = m->res[i].source;
	}
	opt.nfilter = packet_filter_destinations(dests, m->n, filter, sizeof(filter) / sizeof(filter[0]));
	opt.filter = opt.nfilter ? filter : NULL;
	free(dests);
	m->wire.fd = packet_socket_open(m->nic.ifindex, m->nic.name, &opt, err, errlen);
	if (m->wire.fd < 0)
		return -1;
	/* Both packet sockets are open: the rest needs no privilege. */
	if (!job->keep_net_raw)
		privilege_drop_net_raw();
	random_bytes(&m->wire.ip_id, sizeof(m->wire.ip_id));
	return 0;
}

int pathcheck_start(const struct pathcheck_job *job, struct pathcheck_machine **out, char *err, size_t errlen)
{
	struct pathcheck_machine *m = xcalloc(1, sizeof(*m));

	m->job = *job;
	m->wire = (struct pathcheck_wire){ .job = &m->job, .fd = -1 };
	m->q = xcalloc(job->nrealservers ? job->nrealservers : 1, sizeof(*m->q));
	m->res = results_lay_out(job, &m->n);
	*out = NULL;
	if (machine_open(m, err, errlen) < 0) {
		pathcheck_free(m);
		return -1;
	}
	m->phase = PHASE_MACS;
	m->x = (struct exchange){ .wire = &m->wire, .fd = neighbour_fd(m->nr), .items = m, .n = job->nrealservers, .pending = job->nrealservers, .send = macs_send, .receive = macs_receive };
	m->wake = monotonic_ns();
	exchange_begin(&m->x, m->wake);
	*out = m;
	return 0;
}

struct pathcheck_result *pathcheck_results(struct pathcheck_machine *m, size_t *n)
{
	struct pathcheck_result *res = m->res;

	*n = m->n;
	m->res = NULL;
	return res;
}

void pathcheck_free(struct pathcheck_machine *m)
{
	if (!m)
		return;
	if (m->wire.fd >= 0)
		close(m->wire.fd);
	neighbour_close(m->nr);
	nic_free(&m->nic);
	probe_batch_free(m->batch);
	echo_free(m->echo);
	free(m->q);
	free(m->res);
	free(m);
}

int pathcheck_run(const struct pathcheck_job *job, struct pathcheck_result **results, size_t *n, char *err,
		  size_t errlen)
{
	struct pathcheck_machine *m;
	int ret;

	*results = NULL;
	*n = 0;
	if (pathcheck_start(job, &m, err, errlen) < 0)
		return -1;
	while ((ret = pathcheck_step(m, err, errlen)) == 0) {
		struct pollfd pfd = { .fd = pathcheck_fd(m), .events = POLLIN };
		if (poll(&pfd, 1, ms_until(pathcheck_wake_ns(m), monotonic_ns())) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			ret = -1;
			break;
		}
	}
	if (ret > 0)
		*results = pathcheck_results(m, n);
	pathcheck_free(m);
	return ret > 0 ? 0 : -1;
}
