/* The kernel's IPVS connection-sync daemons over generic netlink
 * (include/ipvs_netlink.h): IPVS_CMD_NEW_DAEMON, _DEL_DAEMON, _GET_DAEMON,
 * with the attributes as the kernel's ip_vs_ctl.c reads and writes them:
 * the state, interface and syncid as u32/string, maxlen u16, the port u16
 * in host order (the kernel adds the thread number to it), the ttl u8, the
 * group as a bare IPv4 (network order) or IPv6 address. */
#include "ipvs_netlink.h"

#include <errno.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ipvs_netlink_internal.h"
#include "nl_seq.h"

static struct nla_policy daemon_policy[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_STATE] = { .type = NLA_U32 },
	[IPVS_DAEMON_ATTR_MCAST_IFN] = { .type = NLA_STRING },
	[IPVS_DAEMON_ATTR_SYNC_ID] = { .type = NLA_U32 },
	[IPVS_DAEMON_ATTR_SYNC_MAXLEN] = { .type = NLA_U16 },
	[IPVS_DAEMON_ATTR_MCAST_GROUP] = { .minlen = 4 },
	[IPVS_DAEMON_ATTR_MCAST_GROUP6] = { .minlen = 16 },
	[IPVS_DAEMON_ATTR_MCAST_PORT] = { .type = NLA_U16 },
	[IPVS_DAEMON_ATTR_MCAST_TTL] = { .type = NLA_U8 },
};

struct daemons {
	struct ipvs_daemon *out;
	size_t n;
	bool bad; /* an entry without state, interface or syncid */
};

static bool daemon_parse(struct nlattr *nested, struct ipvs_daemon *d)
{
	struct nlattr *tb[IPVS_DAEMON_ATTR_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (!nested || nla_parse_nested(tb, IPVS_DAEMON_ATTR_MAX, nested, daemon_policy) < 0 ||
	    !tb[IPVS_DAEMON_ATTR_STATE] || !tb[IPVS_DAEMON_ATTR_MCAST_IFN] || !tb[IPVS_DAEMON_ATTR_SYNC_ID])
		return false;
	d->state = (enum ipvs_sync_state)nla_get_u32(tb[IPVS_DAEMON_ATTR_STATE]);
	nla_strlcpy(d->ifname, tb[IPVS_DAEMON_ATTR_MCAST_IFN], sizeof(d->ifname));
	d->syncid = nla_get_u32(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
	/* Kernels before 4.3 send none of the rest. */
	if (tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN])
		d->maxlen = nla_get_u16(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_PORT])
		d->port = nla_get_u16(tb[IPVS_DAEMON_ATTR_MCAST_PORT]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_TTL])
		d->ttl = nla_get_u8(tb[IPVS_DAEMON_ATTR_MCAST_TTL]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]) {
		d->group.family = AF_INET6;
		memcpy(d->group.bytes, nla_data(tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]), 16);
	} else if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP]) {
		d->group.family = AF_INET;
		memcpy(d->group.bytes, nla_data(tb[IPVS_DAEMON_ATTR_MCAST_GROUP]), 4);
	}
	return d->state == IPVS_SYNC_MASTER || d->state == IPVS_SYNC_BACKUP;
}

static void on_daemon(struct nlmsghdr *h, void *arg)
{
	struct daemons *ds = arg;
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct ipvs_daemon d;

	if (genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, NULL) < 0 || !daemon_parse(tb[IPVS_CMD_ATTR_DAEMON], &d)) {
		ds->bad = true;
		return;
	}
	/* The kernel runs at most one of each state: master, then backup. */
	if (ds->n < 2)
		ds->out[ds->n++] = d;
}

int ipvs_netlink_daemons(struct ipvs_netlink *ipvs, struct ipvs_daemon out[2], size_t *n, char *err, size_t errlen)
{
	struct daemons ds = { .out = out };
	struct nl_msg *msg = ipvs_request_new(ipvs, IPVS_CMD_GET_DAEMON, true);
	int kernel_error = 0, ret = msg ? 0 : -NLE_NOMEM;

	*n = 0;
	if (!ret) {
		ipvs->requests++;
		ret = nl_dump_run(ipvs->sock, msg, on_daemon, &ds, &kernel_error);
	}
	nlmsg_free(msg);
	if (ret == -NLE_FAILURE) {
		snprintf(err, errlen, "cannot list the IPVS sync daemons: %s", strerror(-kernel_error));
		return kernel_error;
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot list the IPVS sync daemons: %s", nl_geterror(ret));
		return ipvs_nl_to_errno(ret);
	}
	if (ds.bad) {
		snprintf(err, errlen, "cannot list the IPVS sync daemons: the kernel sent one without state, interface "
				      "or syncid");
		return -EPROTO;
	}
	*n = ds.n;
	return 0;
}

/* Start: every attribute the daemon sets; stop: the state alone, the
 * only key the kernel has for a daemon. */
static int daemon_request(const struct ipvs_netlink *ipvs, const struct ipvs_daemon *d, bool start,
			  struct nl_msg **out)
{
	struct nl_msg *msg = ipvs_request_new(ipvs, start ? IPVS_CMD_NEW_DAEMON : IPVS_CMD_DEL_DAEMON, false);
	struct nlattr *nest = msg ? nla_nest_start(msg, IPVS_CMD_ATTR_DAEMON) : NULL;
	int ret = nest ? nla_put_u32(msg, IPVS_DAEMON_ATTR_STATE, (uint32_t)d->state) : -NLE_NOMEM;

	if (start) {
		ret = ret ? ret : nla_put_string(msg, IPVS_DAEMON_ATTR_MCAST_IFN, d->ifname);
		ret = ret ? ret : nla_put_u32(msg, IPVS_DAEMON_ATTR_SYNC_ID, d->syncid);
		if (d->maxlen)
			ret = ret ? ret : nla_put_u16(msg, IPVS_DAEMON_ATTR_SYNC_MAXLEN, (uint16_t)d->maxlen);
		if (d->port)
			ret = ret ? ret : nla_put_u16(msg, IPVS_DAEMON_ATTR_MCAST_PORT, (uint16_t)d->port);
		if (d->ttl)
			ret = ret ? ret : nla_put_u8(msg, IPVS_DAEMON_ATTR_MCAST_TTL, (uint8_t)d->ttl);
		if (d->group.family == AF_INET)
			ret = ret ? ret : nla_put(msg, IPVS_DAEMON_ATTR_MCAST_GROUP, 4, d->group.bytes);
		else if (d->group.family == AF_INET6)
			ret = ret ? ret : nla_put(msg, IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, d->group.bytes);
	}
	if (ret < 0) {
		nlmsg_free(msg);
		return ret;
	}
	nla_nest_end(msg, nest);
	*out = msg;
	return 0;
}

struct daemon_change {
	struct ipvs_netlink *ipvs;
	const struct ipvs_daemon *d;
	bool start;
	int error;
};

static int build_one(void *ctx, size_t i, struct nl_msg **msg)
{
	struct daemon_change *c = ctx;
	int ret = daemon_request(c->ipvs, c->d, c->start, msg);

	(void)i;
	c->ipvs->requests += ret >= 0;
	c->ipvs->changes += ret >= 0;
	return ret;
}

static void answer_one(void *ctx, size_t i, int error)
{
	(void)i;
	((struct daemon_change *)ctx)->error = error;
}

/* One request and its ACK, as the table's changes are sent. */
static int daemon_change(struct ipvs_netlink *ipvs, const struct ipvs_daemon *d, bool start, char *err,
			 size_t errlen)
{
	struct daemon_change c = { .ipvs = ipvs, .d = d, .start = start, .error = -EIO };
	char text[128];

	nl_pipeline_run(ipvs->sock, 1, build_one, answer_one, &c);
	if (c.error) {
		ipvs_daemon_format(d, text, sizeof(text));
		if (start)
			snprintf(err, errlen, "cannot start the IPVS sync daemon (%s): %s", text, strerror(-c.error));
		else
			snprintf(err, errlen, "cannot stop the IPVS %s sync daemon: %s", ipvs_sync_state_name(d->state),
				 strerror(-c.error));
	}
	return c.error;
}

int ipvs_netlink_daemon_start(struct ipvs_netlink *ipvs, const struct ipvs_daemon *d, char *err, size_t errlen)
{
	return daemon_change(ipvs, d, true, err, errlen);
}

int ipvs_netlink_daemon_stop(struct ipvs_netlink *ipvs, enum ipvs_sync_state state, char *err, size_t errlen)
{
	struct ipvs_daemon d = { .state = state };

	return daemon_change(ipvs, &d, false, err, errlen);
}
