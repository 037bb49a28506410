/* ipvs-tool: drives lvsdr's generic-netlink facade (include/ipvs_netlink.h)
 * for the tests and the benchmarks, so they judge it against ipvsadm.
 * Commands, one per argument or one per line of standard input:
 *   list | stats            the table, in a fixed format (stats: counters too)
 *   add-service SVC sched NAME [flags N] [timeout S] [prefix N]
 *   edit-service SVC sched NAME [flags N] [timeout S] [prefix N]
 *   del-service SVC
 *   add-dest SVC dest ADDR PORT [method dr|tunnel|nat] [weight N] [uthreshold N] [lthreshold N]
 *   edit-dest SVC dest ADDR PORT [...as add-dest]
 *   del-dest SVC dest ADDR PORT
 *   batch S D               S tcp services 192.0.2.100:10000.. with D DR real
 *                           servers 198.51.100.1.. each, on their ports
 *   apply                   send the changes queued so far (list, stats,
 *                           requests and the end of input do so too)
 *   requests                "requests N": IPVS requests sent since the start
 *   scheduler NAME          "scheduler NAME available|missing"
 * SVC is `tcp|udp|sctp ADDR PORT` or `fwmark MARK inet|inet6`. Each change
 * prints "ok OP KEY" or "error OP KEY: MESSAGE (-ERRNO)". Exit status: 0,
 * 1 when a change failed, 2 on a bad command or no IPVS. */
#define TOOL_NAME "ipvs-tool"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ipaddr.h"
#include "ipvs.h"
#include "ipvs_netlink.h"
#include "tool.h"
#include "util.h"

#define MAX_WORDS 32

struct queue {
	struct ipvs_change *c;
	size_t n, cap;
};

static void parse_addr(const char *s, struct ip_addr *addr)
{
	bool has;

	if (!ipaddr_parse(s, addr, &has) || has)
		die("'%s' is not an address", s);
}

/* SVC at w[*i]: the key of c->svc. */
static void parse_service(char **w, size_t nw, size_t *i, struct ipvs_service *s)
{
	const char *p = *i < nw ? w[*i] : "";

	memset(s, 0, sizeof(*s));
	if (*i + 2 < nw && !strcmp(p, "fwmark")) {
		s->fwmark = (uint32_t)parse_number(w[*i + 1], 1, UINT32_MAX, "a fwmark");
		if (strcmp(w[*i + 2], "inet") && strcmp(w[*i + 2], "inet6"))
			die("a fwmark service needs inet or inet6, not '%s'", w[*i + 2]);
		s->ip.family = !strcmp(w[*i + 2], "inet") ? AF_INET : AF_INET6;
	} else if (*i + 2 < nw && (!strcmp(p, "tcp") || !strcmp(p, "udp") || !strcmp(p, "sctp"))) {
		s->proto = !strcmp(p, "tcp") ? IPPROTO_TCP : !strcmp(p, "udp") ? IPPROTO_UDP
									       : IPPROTO_SCTP;
		parse_addr(w[*i + 1], &s->ip);
		s->port = (uint16_t)parse_number(w[*i + 2], 0, 65535, "a port");
	} else {
		die("expected tcp|udp|sctp ADDR PORT or fwmark MARK inet|inet6 at '%s'", p);
	}
	s->persist_prefix = (uint8_t)(s->ip.family == AF_INET6 ? 128 : 32);
	*i += 3;
}

static enum ipvs_method parse_method(const char *s)
{
	static const enum ipvs_method all[] = { METHOD_DR, METHOD_TUNNEL, METHOD_NAT, METHOD_LOCAL, METHOD_BYPASS };
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
		if (!strcmp(s, ipvs_method_name(all[k])))
			return all[k];
	die("unknown method '%s'", s);
}

/* KEY VALUE pairs from w[i] on into the service or the destination. */
static void parse_options(char **w, size_t nw, size_t i, struct ipvs_change *c)
{
	for (; i < nw; i += 2) {
		const char *k = w[i], *v = i + 1 < nw ? w[i + 1] : NULL;
		if (!v)
			die("'%s' needs a value", k);
		if (!strcmp(k, "sched"))
			snprintf(c->svc.scheduler, sizeof(c->svc.scheduler), "%s", v);
		else if (!strcmp(k, "flags"))
			c->svc.flags = (uint32_t)parse_number(v, 0, UINT32_MAX, "flags");
		else if (!strcmp(k, "timeout"))
			c->svc.timeout = (uint32_t)parse_number(v, 0, UINT32_MAX, "a timeout");
		else if (!strcmp(k, "prefix"))
			c->svc.persist_prefix = (uint8_t)parse_number(v, 0, 128, "a prefix");
		else if (!strcmp(k, "method"))
			c->dest.method = parse_method(v);
		else if (!strcmp(k, "weight"))
			c->dest.weight = (uint32_t)parse_number(v, 0, UINT32_MAX, "a weight");
		else if (!strcmp(k, "uthreshold"))
			c->dest.uthreshold = (uint32_t)parse_number(v, 0, UINT32_MAX, "a threshold");
		else if (!strcmp(k, "lthreshold"))
			c->dest.lthreshold = (uint32_t)parse_number(v, 0, UINT32_MAX, "a threshold");
		else
			die("unknown option '%s'", k);
	}
}

static const char *const op_names[] = { "add-service", "edit-service", "del-service",
					"add-dest", "edit-dest", "del-dest" };

static struct ipvs_change *queue_add(struct queue *q)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->c = xreallocarray(q->c, q->cap, sizeof(*q->c));
	}
	memset(&q->c[q->n], 0, sizeof(q->c[q->n]));
	return &q->c[q->n++];
}

/* A change command into the queue; false if w[0] names none. */
static bool queue_change(struct queue *q, char **w, size_t nw)
{
	size_t op = 0, i = 1;

	while (op < 6 && strcmp(w[0], op_names[op]))
		op++;
	if (op == 6)
		return false;
	struct ipvs_change *c = queue_add(q);
	c->op = (enum ipvs_op)op;
	parse_service(w, nw, &i, &c->svc);
	if (c->op >= IPVS_DEST_ADD) {
		if (i + 2 >= nw || strcmp(w[i], "dest"))
			die("%s needs dest ADDR PORT after the service", w[0]);
		parse_addr(w[i + 1], &c->dest.ip);
		c->dest.port = (uint16_t)parse_number(w[i + 2], 0, 65535, "a port");
		c->dest.weight = 1;
		c->dest.method = METHOD_DR;
		i += 3;
	}
	parse_options(w, nw, i, c);
	return true;
}

static void queue_batch(struct queue *q, long nsvc, long ndest)
{
	for (long s = 0; s < nsvc; s++) {
		struct ipvs_change *c = queue_add(q);
		c->op = IPVS_SVC_ADD;
		c->svc.ip.family = AF_INET;
		c->svc.proto = IPPROTO_TCP;
		inet_pton(AF_INET, "192.0.2.100", c->svc.ip.bytes);
		c->svc.port = (uint16_t)(10000 + s);
		c->svc.persist_prefix = 32;
		snprintf(c->svc.scheduler, sizeof(c->svc.scheduler), "wlc");
		struct ipvs_service svc = c->svc;
		for (long d = 0; d < ndest; d++) {
			c = queue_add(q);
			c->op = IPVS_DEST_ADD;
			c->svc = svc;
			c->dest.ip.family = AF_INET;
			inet_pton(AF_INET, "198.51.100.0", c->dest.ip.bytes);
			c->dest.ip.bytes[3] = (uint8_t)(1 + d);
			c->dest.port = svc.port;
			c->dest.weight = 1;
			c->dest.method = METHOD_DR;
		}
	}
}

/* Send the queue; one line per change. Returns the number that failed. */
static size_t flush(struct ipvs_netlink *ipvs, struct queue *q)
{
	size_t failed = q->n ? ipvs_netlink_apply(ipvs, q->c, q->n) : 0;

	for (size_t k = 0; k < q->n; k++) {
		const struct ipvs_change *c = &q->c[k];
		char key[128], dest[80] = "";
		ipvs_service_format(&c->svc, key, sizeof(key));
		if (c->op >= IPVS_DEST_ADD) {
			dest[0] = ' ';
			ipvs_dest_format(&c->dest, dest + 1, sizeof(dest) - 1);
		}
		if (c->done && !c->error)
			printf("ok %s %s%s\n", op_names[c->op], key, dest);
		else
			printf("error %s %s%s: %s (%d)\n", op_names[c->op], key, dest, strerror(-c->error), c->error);
	}
	q->n = 0;
	return failed;
}

static void print_table(struct ipvs_netlink *ipvs, bool stats)
{
	struct ipvs_service *t;
	size_t n;
	char err[512], text[128];

	if (ipvs_netlink_list(ipvs, &t, &n, err, sizeof(err)) < 0)
		die("%s", err);
	for (size_t i = 0; i < n; i++) {
		const struct ipvs_service *s = &t[i];
		ipvs_service_format(s, text, sizeof(text));
		printf("%s sched %s flags 0x%x timeout %u prefix %u", text, s->scheduler, s->flags, s->timeout,
		       s->persist_prefix);
		if (stats)
			printf(" conns %llu inpkts %llu outpkts %llu inbytes %llu outbytes %llu",
			       (unsigned long long)s->stats.conns, (unsigned long long)s->stats.inpkts,
			       (unsigned long long)s->stats.outpkts, (unsigned long long)s->stats.inbytes,
			       (unsigned long long)s->stats.outbytes);
		putchar('\n');
		for (size_t j = 0; j < s->ndests; j++) {
			const struct ipvs_dest *d = &s->dests[j];
			ipvs_dest_format(d, text, sizeof(text));
			printf("  -> %s method %s weight %u uthreshold %u lthreshold %u", text, ipvs_method_name(d->method),
			       d->weight, d->uthreshold, d->lthreshold);
			if (stats)
				printf(" active %u inactive %u persistent %u conns %llu inpkts %llu outpkts %llu", d->active,
				       d->inactive, d->persistent, (unsigned long long)d->stats.conns,
				       (unsigned long long)d->stats.inpkts, (unsigned long long)d->stats.outpkts);
			putchar('\n');
		}
	}
	ipvs_services_free(t, n);
}

/* One command line, split at blanks; the number of failed changes. */
static size_t run(struct ipvs_netlink *ipvs, struct queue *q, char *line)
{
	char *w[MAX_WORDS], *save = NULL;
	size_t nw = 0;

	for (char *tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (nw == MAX_WORDS)
			die("more than %d words in one command", MAX_WORDS);
		w[nw++] = tok;
	}
	if (!nw || w[0][0] == '#' || queue_change(q, w, nw))
		return 0;
	size_t failed = flush(ipvs, q);
	if (!strcmp(w[0], "list") || !strcmp(w[0], "stats"))
		print_table(ipvs, !strcmp(w[0], "stats"));
	else if (!strcmp(w[0], "requests"))
		printf("requests %lu\n", ipvs_netlink_requests(ipvs));
	else if (!strcmp(w[0], "scheduler") && nw == 2)
		printf("scheduler %s %s\n", w[1], ipvs_scheduler_available(w[1]) ? "available" : "missing");
	else if (!strcmp(w[0], "batch") && nw == 3)
		queue_batch(q, parse_number(w[1], 1, 60000, "services"), parse_number(w[2], 0, 250, "destinations"));
	else if (strcmp(w[0], "apply"))
		die("unknown command '%s'", w[0]);
	fflush(stdout);
	return failed;
}

int main(int argc, char **argv)
{
	struct ipvs_netlink *ipvs;
	struct queue q = { 0 };
	char err[512], line[1024];
	size_t failed = 0;

	if (ipvs_netlink_open(&ipvs, err, sizeof(err)) < 0)
		die("%s", err);
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			snprintf(line, sizeof(line), "%s", argv[i]);
			failed += run(ipvs, &q, line);
		}
	} else {
		while (fgets(line, sizeof(line), stdin))
			failed += run(ipvs, &q, line);
	}
	failed += flush(ipvs, &q);
	ipvs_netlink_close(ipvs);
	free(q.c);
	return failed ? 1 : 0;
}
