/* The kernel's IPVS table over generic netlink (include/ipvs_netlink.h).
 * Attributes as the kernel's ip_vs_ctl.c reads and writes them: ports and
 * the IPv4 persistence mask in network order, an IPv6 persistence
 * "netmask" as a prefix length, addresses as 16 bytes (union nf_inet_addr). */
#include "ipvs_netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipaddr.h"
#include "ipvs_netlink_internal.h"
#include "nl_seq.h"
#include "util.h"

/* The kernel's dumps of the table are not marked interrupted today, but a
 * service deleted between the service dump and its destination dump would
 * read as a service without destinations; both cases are asked again, for
 * as long as address_list is patient. */
#define DUMP_PATIENCE_MS 5000

int ipvs_netlink_open(struct ipvs_netlink **out, char *err, size_t errlen)
{
	struct ipvs_netlink *ipvs = xcalloc(1, sizeof(*ipvs));
	int ret;

	*out = NULL;
	ipvs->sock = nl_socket_alloc();
	if (!ipvs->sock) {
		snprintf(err, errlen, "cannot allocate a netlink socket");
		free(ipvs);
		return -ENOMEM;
	}
	ret = genl_connect(ipvs->sock);
	if (ret >= 0)
		ret = nl_socket_set_buffer_size(ipvs->sock, 1 << 20, 1 << 20);
	if (ret < 0) {
		snprintf(err, errlen, "cannot talk to the kernel over generic netlink: %s", nl_geterror(ret));
		ipvs_netlink_close(ipvs);
		return -EIO;
	}
	ret = genl_ctrl_resolve(ipvs->sock, IPVS_GENL_NAME);
	if (ret < 0) {
		bool absent = ret == -NLE_OBJ_NOTFOUND;
		if (absent)
			snprintf(err, errlen, "the kernel has no IPVS (module ip_vs not loaded or not built)");
		else
			snprintf(err, errlen, "cannot look up the kernel's IPVS interface: %s", nl_geterror(ret));
		ipvs_netlink_close(ipvs);
		return absent ? -ENOENT : -EIO;
	}
	ipvs->family = ret;
	*out = ipvs;
	return 0;
}

void ipvs_netlink_close(struct ipvs_netlink *ipvs)
{
	if (!ipvs)
		return;
	nl_socket_free(ipvs->sock);
	free(ipvs);
}

unsigned long ipvs_netlink_requests(const struct ipvs_netlink *ipvs)
{
	return ipvs->requests;
}

unsigned long ipvs_netlink_changes(const struct ipvs_netlink *ipvs)
{
	return ipvs->changes;
}

int ipvs_nl_to_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ESRCH;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_PERM:
		return -EPERM;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	default:
		return -EIO;
	}
}

/* ---- reading the table ---- */

static struct nla_policy svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_ADDR] = { .minlen = 4 },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING },
	[IPVS_SVC_ATTR_FLAGS] = { .minlen = sizeof(struct ip_vs_flags) },
	[IPVS_SVC_ATTR_TIMEOUT] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_SVC_ATTR_STATS64] = { .type = NLA_NESTED },
};

static struct nla_policy dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { .minlen = 4 },
	[IPVS_DEST_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_FWD_METHOD] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_WEIGHT] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_U_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_L_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_INACT_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_PERSIST_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_ADDR_FAMILY] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_STATS64] = { .type = NLA_NESTED },
};

/* A counter as wide as the kernel sent it: the older nested set
 * (IPVS_*_ATTR_STATS) holds conns and packets in 32 bits, bytes in 64;
 * the one of kernel 4.10 on (STATS64) all in 64. */
static uint64_t counter(const struct nlattr *a)
{
	if (!a)
		return 0;
	return nla_len(a) >= 8 ? nla_get_u64((struct nlattr *)a) : nla_len(a) >= 4 ? nla_get_u32((struct nlattr *)a)
										   : 0;
}

static void stats_parse(struct nlattr *stats64, struct nlattr *stats32, struct ipvs_stats *out)
{
	struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (!(stats64 ? stats64 : stats32) || nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, stats64 ? stats64 : stats32, NULL) < 0)
		return;
	out->conns = counter(tb[IPVS_STATS_ATTR_CONNS]);
	out->inpkts = counter(tb[IPVS_STATS_ATTR_INPKTS]);
	out->outpkts = counter(tb[IPVS_STATS_ATTR_OUTPKTS]);
	out->inbytes = counter(tb[IPVS_STATS_ATTR_INBYTES]);
	out->outbytes = counter(tb[IPVS_STATS_ATTR_OUTBYTES]);
}

/* An address attribute of out's family (set) into its 16 zero-padded
 * bytes: the model's compares read all 16, and a tool may have left
 * garbage after an IPv4 address in the kernel's union. */
static bool addr_get(struct nlattr *a, struct ip_addr *out)
{
	size_t len = addr_len(out->family);

	memset(out->bytes, 0, sizeof(out->bytes));
	if (!a || (size_t)nla_len(a) < len)
		return false;
	memcpy(out->bytes, nla_data(a), len);
	return true;
}

/* The persistence granularity as a prefix length: IPv4 sends a mask in
 * network order, IPv6 the prefix length itself. */
static uint8_t netmask_to_prefix(int family, uint32_t raw)
{
	uint32_t mask = ntohl(raw);
	uint8_t n = 0;

	if (family == AF_INET6)
		return raw > 128 ? 128 : (uint8_t)raw;
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

static uint32_t prefix_to_netmask(int family, uint8_t prefix)
{
	/* 0 is no granularity the kernel takes for IPv6: one client address. */
	if (family == AF_INET6)
		return prefix && prefix <= 128 ? prefix : 128;
	if (!prefix || prefix >= 32)
		return 0xffffffffu;
	return htonl(0xffffffffu << (32 - prefix));
}

static bool service_parse(struct nlattr *nested, struct ipvs_service *s)
{
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (!nested || nla_parse_nested(tb, IPVS_SVC_ATTR_MAX, nested, svc_policy) < 0 || !tb[IPVS_SVC_ATTR_AF])
		return false;
	s->ip.family = nla_get_u16(tb[IPVS_SVC_ATTR_AF]);
	if (s->ip.family != AF_INET && s->ip.family != AF_INET6)
		return false;
	if (tb[IPVS_SVC_ATTR_FWMARK] && nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK])) {
		/* The kernel keeps TCP as a fwmark service's protocol: not ours. */
		s->fwmark = nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
	} else {
		if (!tb[IPVS_SVC_ATTR_PROTOCOL] || !tb[IPVS_SVC_ATTR_PORT] ||
		    !addr_get(tb[IPVS_SVC_ATTR_ADDR], &s->ip))
			return false;
		s->proto = (uint8_t)nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
		s->port = ntohs(nla_get_u16(tb[IPVS_SVC_ATTR_PORT]));
	}
	if (tb[IPVS_SVC_ATTR_SCHED_NAME])
		nla_strlcpy(s->scheduler, tb[IPVS_SVC_ATTR_SCHED_NAME], sizeof(s->scheduler));
	if (tb[IPVS_SVC_ATTR_FLAGS]) {
		struct ip_vs_flags f;
		memcpy(&f, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof(f));
		s->flags = f.flags & ~(uint32_t)IP_VS_SVC_F_HASHED;
	}
	if (tb[IPVS_SVC_ATTR_TIMEOUT])
		s->timeout = nla_get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
	if (tb[IPVS_SVC_ATTR_NETMASK])
		s->persist_prefix = netmask_to_prefix(s->ip.family, nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]));
	stats_parse(tb[IPVS_SVC_ATTR_STATS64], tb[IPVS_SVC_ATTR_STATS], &s->stats);
	return true;
}

static bool dest_parse(struct nlattr *nested, int svc_family, struct ipvs_dest *d)
{
	struct nlattr *tb[IPVS_DEST_ATTR_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (!nested || nla_parse_nested(tb, IPVS_DEST_ATTR_MAX, nested, dest_policy) < 0)
		return false;
	/* Before kernel 3.18 a destination had its service's family. */
	d->ip.family = tb[IPVS_DEST_ATTR_ADDR_FAMILY] ? nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]) : svc_family;
	if ((d->ip.family != AF_INET && d->ip.family != AF_INET6) || !tb[IPVS_DEST_ATTR_PORT] ||
	    !addr_get(tb[IPVS_DEST_ATTR_ADDR], &d->ip))
		return false;
	d->port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_PORT]));
#define U32(attr, field) \
	if (tb[attr])    \
		d->field = nla_get_u32(tb[attr]);
	U32(IPVS_DEST_ATTR_WEIGHT, weight)
	U32(IPVS_DEST_ATTR_U_THRESH, uthreshold)
	U32(IPVS_DEST_ATTR_L_THRESH, lthreshold)
	U32(IPVS_DEST_ATTR_ACTIVE_CONNS, active)
	U32(IPVS_DEST_ATTR_INACT_CONNS, inactive)
	U32(IPVS_DEST_ATTR_PERSIST_CONNS, persistent)
#undef U32
	if (tb[IPVS_DEST_ATTR_FWD_METHOD])
		d->method = (enum ipvs_method)(nla_get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK);
	stats_parse(tb[IPVS_DEST_ATTR_STATS64], tb[IPVS_DEST_ATTR_STATS], &d->stats);
	return true;
}

struct nl_msg *ipvs_request_new(const struct ipvs_netlink *ipvs, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ipvs->family, 0, dump ? NLM_F_DUMP : 0, cmd,
				IPVS_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* The service's key, and with full every attribute SET_SERVICE needs
 * (the kernel refuses a NEW or SET without sched name, flags, timeout and
 * netmask). Flags go with a mask of all ones: the model is the whole
 * state; the kernel keeps its own HASHED bit itself. */
static int put_service(struct nl_msg *msg, const struct ipvs_service *s, bool full)
{
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
	int ret = nest ? nla_put_u16(msg, IPVS_SVC_ATTR_AF, (uint16_t)s->ip.family) : -NLE_NOMEM;

	if (s->fwmark) {
		ret = ret ? ret : nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, s->fwmark);
	} else {
		ret = ret ? ret : nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, s->proto);
		ret = ret ? ret : nla_put(msg, IPVS_SVC_ATTR_ADDR, 16, s->ip.bytes);
		ret = ret ? ret : nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(s->port));
	}
	if (full) {
		struct ip_vs_flags f = { .flags = s->flags & LVSDR_SVC_FLAGS_MODEL, .mask = ~0u };
		ret = ret ? ret : nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, s->scheduler);
		ret = ret ? ret : nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(f), &f);
		ret = ret ? ret : nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, s->timeout);
		ret = ret ? ret : nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, prefix_to_netmask(s->ip.family, s->persist_prefix));
	}
	if (!ret)
		nla_nest_end(msg, nest);
	return ret;
}

/* The destination's key, and with full what NEW and SET_DEST need. Its
 * family goes only when it differs from the service's, as ipvsadm does: a
 * kernel before 3.18 knows no such attribute. */
static int put_dest(struct nl_msg *msg, const struct ipvs_service *s, const struct ipvs_dest *d, bool full)
{
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
	int ret = nest ? nla_put(msg, IPVS_DEST_ATTR_ADDR, 16, d->ip.bytes) : -NLE_NOMEM;

	ret = ret ? ret : nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(d->port));
	if (d->ip.family != s->ip.family)
		ret = ret ? ret : nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)d->ip.family);
	if (full) {
		ret = ret ? ret : nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, (uint32_t)d->method & IP_VS_CONN_F_FWD_MASK);
		ret = ret ? ret : nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, d->weight);
		ret = ret ? ret : nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, d->uthreshold);
		ret = ret ? ret : nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, d->lthreshold);
	}
	if (!ret)
		nla_nest_end(msg, nest);
	return ret;
}

struct table {
	struct ipvs_service *services;
	size_t n, cap;
};

/* What one dump fills: the table's services, or one service's destinations. */
struct dump {
	struct table *t;
	struct ipvs_service *svc; /* NULL: the services */
	size_t cap;		  /* of svc->dests */
	bool bad;		  /* an entry that could not be read */
};

static bool on_service(struct nlattr *nested, struct dump *d)
{
	struct table *t = d->t;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->services = xreallocarray(t->services, t->cap, sizeof(*t->services));
	}
	if (!service_parse(nested, &t->services[t->n]))
		return false;
	t->n++;
	return true;
}

static bool on_dest(struct nlattr *nested, struct dump *d)
{
	struct ipvs_service *s = d->svc;

	if (s->ndests == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		s->dests = xreallocarray(s->dests, d->cap, sizeof(*s->dests));
	}
	if (!dest_parse(nested, s->ip.family, &s->dests[s->ndests]))
		return false;
	s->ndests++;
	return true;
}

static void on_dumped(struct nlmsghdr *h, void *arg)
{
	struct dump *d = arg;
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];

	if (genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, NULL) < 0 ||
	    !(d->svc ? on_dest(tb[IPVS_CMD_ATTR_DEST], d) : on_service(tb[IPVS_CMD_ATTR_SERVICE], d)))
		d->bad = true;
}

/* One dump: into t for services (svc NULL), else into svc's destinations. */
static int dump_one(struct ipvs_netlink *ipvs, struct ipvs_service *svc, struct table *t, int *kernel_error,
		    bool *bad)
{
	struct dump d = { .t = t, .svc = svc };
	struct nl_msg *msg = ipvs_request_new(ipvs, svc ? IPVS_CMD_GET_DEST : IPVS_CMD_GET_SERVICE, true);
	int ret = msg ? 0 : -NLE_NOMEM;

	*kernel_error = 0;
	if (!ret && svc)
		ret = put_service(msg, svc, false);
	if (!ret) {
		ipvs->requests++;
		ret = nl_dump_run(ipvs->sock, msg, on_dumped, &d, kernel_error);
	}
	nlmsg_free(msg);
	*bad = *bad || d.bad;
	return ret;
}

/* The whole table once: the services, then each one's destinations. */
static int list_once(struct ipvs_netlink *ipvs, struct table *t, int *kernel_error, bool *bad)
{
	int ret = dump_one(ipvs, NULL, t, kernel_error, bad);

	for (size_t i = 0; ret >= 0 && i < t->n; i++) {
		ret = dump_one(ipvs, &t->services[i], t, kernel_error, bad);
		/* Deleted since the service dump: the table changed under us. */
		if (ret == -NLE_FAILURE && *kernel_error == -ESRCH)
			ret = -NLE_DUMP_INTR;
	}
	return ret;
}

int ipvs_netlink_list(struct ipvs_netlink *ipvs, struct ipvs_service **services, size_t *n, char *err,
		      size_t errlen)
{
	uint64_t give_up = monotonic_ns() + DUMP_PATIENCE_MS * 1000000ULL;
	struct table t = { 0 };
	int kernel_error = 0, ret;
	bool bad = false;

	*services = NULL;
	*n = 0;
	for (;;) {
		ret = list_once(ipvs, &t, &kernel_error, &bad);
		if (ret != -NLE_DUMP_INTR || monotonic_ns() >= give_up)
			break;
		ipvs_services_free(t.services, t.n);
		memset(&t, 0, sizeof(t));
		kernel_error = 0;
		bad = false;
	}
	if (ret == -NLE_DUMP_INTR)
		snprintf(err, errlen, "cannot list the IPVS table: it kept changing while the kernel listed it, for %d ms",
			 DUMP_PATIENCE_MS);
	else if (ret == -NLE_FAILURE)
		snprintf(err, errlen, "cannot list the IPVS table: %s", strerror(-kernel_error));
	else if (ret < 0)
		snprintf(err, errlen, "cannot list the IPVS table: %s", nl_geterror(ret));
	else if (bad)
		snprintf(err, errlen, "cannot list the IPVS table: the kernel sent an entry without address, port or family");
	if (ret < 0 || bad) {
		ipvs_services_free(t.services, t.n);
		return ret == -NLE_FAILURE ? kernel_error : ret < 0 ? ipvs_nl_to_errno(ret)
								    : -EPROTO;
	}
	for (size_t i = 0; i < t.n; i++)
		sort_array(t.services[i].dests, t.services[i].ndests, sizeof(*t.services[i].dests), ipvs_dest_compare);
	sort_array(t.services, t.n, sizeof(*t.services), ipvs_service_compare);
	*services = t.services;
	*n = t.n;
	return 0;
}

/* ---- changing the table ---- */

static const uint8_t op_cmd[] = {
	[IPVS_SVC_ADD] = IPVS_CMD_NEW_SERVICE,
	[IPVS_SVC_EDIT] = IPVS_CMD_SET_SERVICE,
	[IPVS_SVC_DEL] = IPVS_CMD_DEL_SERVICE,
	[IPVS_DEST_ADD] = IPVS_CMD_NEW_DEST,
	[IPVS_DEST_EDIT] = IPVS_CMD_SET_DEST,
	[IPVS_DEST_DEL] = IPVS_CMD_DEL_DEST,
};

static int change_request(const struct ipvs_netlink *ipvs, const struct ipvs_change *c, struct nl_msg **out)
{
	bool dest = c->op == IPVS_DEST_ADD || c->op == IPVS_DEST_EDIT || c->op == IPVS_DEST_DEL;
	struct nl_msg *msg = (unsigned)c->op < sizeof(op_cmd) ? ipvs_request_new(ipvs, op_cmd[c->op], false) : NULL;
	int ret = msg ? put_service(msg, &c->svc, c->op == IPVS_SVC_ADD || c->op == IPVS_SVC_EDIT) : -NLE_INVAL;

	if (!ret && dest)
		ret = put_dest(msg, &c->svc, &c->dest, c->op != IPVS_DEST_DEL);
	if (ret < 0) {
		nlmsg_free(msg);
		return ret;
	}
	*out = msg;
	return 0;
}

struct apply {
	struct ipvs_netlink *ipvs;
	struct ipvs_change *changes;
};

static int build_nth(void *ctx, size_t i, struct nl_msg **msg)
{
	struct apply *a = ctx;
	int ret = change_request(a->ipvs, &a->changes[i], msg);

	a->ipvs->requests += ret >= 0;
	a->ipvs->changes += ret >= 0;
	return ret;
}

static void answer_nth(void *ctx, size_t i, int error)
{
	struct ipvs_change *c = &((struct apply *)ctx)->changes[i];

	c->done = true;
	c->error = error;
}

size_t ipvs_netlink_apply(struct ipvs_netlink *ipvs, struct ipvs_change *changes, size_t n)
{
	struct apply a = { .ipvs = ipvs, .changes = changes };
	size_t failed = 0, sent;

	for (size_t i = 0; i < n; i++)
		changes[i].done = false, changes[i].error = -ECANCELED;
	sent = nl_pipeline_run(ipvs->sock, n, build_nth, answer_nth, &a);
	for (size_t i = 0; i < n; i++) {
		/* Sent but never answered: the socket failed under us. */
		if (!changes[i].done && i < sent)
			changes[i].error = -EIO;
		if (!changes[i].done || changes[i].error)
			failed++;
	}
	return failed;
}
