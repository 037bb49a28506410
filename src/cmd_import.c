/* lvsdr import: the profile's [service] sections for a table that already
 * runs, read live over generic netlink, or from `ipvsadm-save -n` on
 * standard input, so an operator moving from ipvsadm or keepalived starts
 * from what forwards today. */
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"
#include "ipvs_netlink.h"
#include "lvsdr.h"
#include "util.h"

static const char import_usage[] =
	"Usage: lvsdr import\n"
	"       lvsdr import -      (reads the output of `ipvsadm-save -n`)\n"
	"Print profile [service] sections (lvsdr.ini(5)) for the kernel's IPVS table, or for\n"
	"ipvsadm-save output on standard input. The VIPs they need are listed for [vip].\n"
	"Exit status: 0 printed, 2 error (the table or the input could not be read).\n";

struct import {
	struct ipvs_service *services;
	size_t n;
	unsigned line;
};

static bool parse_endpoint(const char *s, struct ip_addr *addr, uint16_t *port)
{
	char buf[80];
	const char *colon;
	bool has_prefix;
	int p;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(buf))
			return false;
		memcpy(buf, s + 1, (size_t)(end - s - 1));
		buf[end - s - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(buf))
			return false;
		memcpy(buf, s, (size_t)(colon - s));
		buf[colon - s] = '\0';
	}
	if (!ipaddr_parse(buf, addr, &has_prefix) || has_prefix || !parse_int(colon + 1, &p) ||
	    p < 0 || p > 65535)
		return false;
	*port = (uint16_t)p;
	return true;
}

/* The service key of "-t VIP:PORT", "-u", "--sctp-service", "-f MARK [-6]". */
static bool parse_key(char **w, size_t n, size_t *i, struct ipvs_service *key)
{
	int v;

	memset(key, 0, sizeof(*key));
	if (*i + 1 >= n)
		return false;
	const char *opt = w[*i], *arg = w[*i + 1];
	*i += 2;
	if (!strcmp(opt, "-f") || !strcmp(opt, "--fwmark-service")) {
		if (!parse_int(arg, &v) || v <= 0)
			return false;
		key->fwmark = (uint32_t)v;
		key->ip.family = AF_INET;
		if (*i < n && !strcmp(w[*i], "-6")) {
			key->ip.family = AF_INET6;
			(*i)++;
		}
		return true;
	}
	key->proto = !strcmp(opt, "-t") || !strcmp(opt, "--tcp-service")   ? IPPROTO_TCP
		     : !strcmp(opt, "-u") || !strcmp(opt, "--udp-service") ? IPPROTO_UDP
		     : !strcmp(opt, "--sctp-service")			   ? IPPROTO_SCTP
									   : 0;
	return key->proto && parse_endpoint(arg, &key->ip, &key->port);
}

static bool parse_service_options(char **w, size_t n, size_t i, struct ipvs_service *s)
{
	int v;

	snprintf(s->scheduler, sizeof(s->scheduler), "wlc");
	s->persist_prefix = (uint8_t)host_prefix(s->ip.family);
	for (; i < n; i++) {
		const char *arg = i + 1 < n ? w[i + 1] : NULL;
		if (!strcmp(w[i], "-s") && arg && strlen(arg) < sizeof(s->scheduler)) {
			snprintf(s->scheduler, sizeof(s->scheduler), "%s", arg);
			i++;
		} else if (!strcmp(w[i], "-p") && arg && parse_int(arg, &v) && v > 0) {
			s->flags |= LVSDR_SVC_PERSISTENT;
			s->timeout = (uint32_t)v;
			i++;
		} else if (!strcmp(w[i], "-p")) {
			s->flags |= LVSDR_SVC_PERSISTENT;
			s->timeout = 300;
		} else if (!strcmp(w[i], "-M") && arg) {
			struct ip_addr mask;
			bool has_prefix;
			if (parse_int(arg, &v) && v > 0 && v <= 128)
				s->persist_prefix = (uint8_t)v;
			else if (ipaddr_parse(arg, &mask, &has_prefix) && mask.family == AF_INET) {
				unsigned bits = 0;
				for (int b = 0; b < 32 && (mask.bytes[b / 8] & (0x80 >> (b % 8))); b++)
					bits++;
				s->persist_prefix = (uint8_t)bits;
			} else
				return false;
			i++;
		} else if (!strcmp(w[i], "-o") || !strcmp(w[i], "--ops")) {
			s->flags |= LVSDR_SVC_ONEPACKET;
		} else if (!strcmp(w[i], "-b") && arg) {
			if (strstr(arg, "fallback"))
				s->flags |= LVSDR_SVC_SCHED1;
			if (strstr(arg, "port"))
				s->flags |= LVSDR_SVC_SCHED2;
			i++;
		} else {
			return false;
		}
	}
	return true;
}

static bool parse_dest_options(char **w, size_t n, size_t i, struct ipvs_dest *d)
{
	int v;

	d->weight = 1;
	d->method = METHOD_NAT; /* ipvsadm's default */
	for (; i < n; i++) {
		const char *arg = i + 1 < n ? w[i + 1] : NULL;
		if (!strcmp(w[i], "-r") && arg && parse_endpoint(arg, &d->ip, &d->port))
			i++;
		else if (!strcmp(w[i], "-g"))
			d->method = METHOD_DR;
		else if (!strcmp(w[i], "-i"))
			d->method = METHOD_TUNNEL;
		else if (!strcmp(w[i], "-m"))
			d->method = METHOD_NAT;
		else if ((!strcmp(w[i], "-w") || !strcmp(w[i], "-x") || !strcmp(w[i], "-y")) && arg &&
			 parse_int(arg, &v) && v >= 0) {
			*(w[i][1] == 'w' ? &d->weight : w[i][1] == 'x' ? &d->uthreshold
								       : &d->lthreshold) = (uint32_t)v;
			i++;
		} else
			return false;
	}
	return d->ip.family != 0;
}

static bool import_line(struct import *im, char *line)
{
	char *w[32];
	size_t n = 0, i = 1;
	struct ipvs_service key;

	for (char *tok = strtok(line, " \t\n"); tok && n < 32; tok = strtok(NULL, " \t\n"))
		w[n++] = tok;
	if (!n)
		return true;
	if ((strcmp(w[0], "-A") && strcmp(w[0], "-a")) || !parse_key(w, n, &i, &key))
		return false;
	struct ipvs_service *s = ipvs_service_find(im->services, im->n, &key);
	if (!strcmp(w[0], "-A")) {
		if (s)
			return false;
		im->services = xreallocarray(im->services, im->n + 1, sizeof(*im->services));
		s = &im->services[im->n++];
		*s = key;
		if (!parse_service_options(w, n, i, s))
			return false;
		sort_array(im->services, im->n, sizeof(*im->services), ipvs_service_compare);
		return true;
	}
	struct ipvs_dest d = { 0 };
	if (!s || !parse_dest_options(w, n, i, &d))
		return false;
	s->dests = xreallocarray(s->dests, s->ndests + 1, sizeof(*s->dests));
	s->dests[s->ndests++] = d;
	sort_array(s->dests, s->ndests, sizeof(*s->dests), ipvs_dest_compare);
	return true;
}

static int import_stdin(struct import *im)
{
	char line[1024];

	while (fgets(line, sizeof(line), stdin)) {
		im->line++;
		if (!strchr(line, '\n') && !feof(stdin)) {
			lvsdr_warnx_cmd("import", "<stdin>:%u: line too long", im->line);
			return LVSDR_EXIT_ERROR;
		}
		char copy[1024];
		snprintf(copy, sizeof(copy), "%s", line);
		copy[strcspn(copy, "\n")] = '\0';
		if (!import_line(im, line)) {
			lvsdr_warnx_cmd("import", "<stdin>:%u: not a line of `ipvsadm-save -n`: %s", im->line, copy);
			return LVSDR_EXIT_ERROR;
		}
	}
	return LVSDR_EXIT_OK;
}

static const char *proto_word(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp"
								   : "sctp";
}

static void print_service(const struct ipvs_service *s, unsigned index)
{
	char text[64];

	if (s->fwmark)
		printf("[service fwmark%u]\nfwmark = %u\nfamily = %s\n", (unsigned)s->fwmark, (unsigned)s->fwmark,
		       s->ip.family == AF_INET6 ? "ipv6" : "ipv4");
	else {
		ipaddr_format(&s->ip, text, sizeof(text));
		printf("[service %s%u-%u]\naddress = %s\nport = %s/%u\n", proto_word(s->proto), (unsigned)s->port,
		       index, text, proto_word(s->proto), (unsigned)s->port);
	}
	printf("scheduler = %s\n", s->scheduler);
	if (s->flags & LVSDR_SVC_SCHED1)
		printf("%s-fallback = yes\n", !strcmp(s->scheduler, "mh") ? "mh" : "sh");
	if (s->flags & LVSDR_SVC_SCHED2)
		printf("%s-port = yes\n", !strcmp(s->scheduler, "mh") ? "mh" : "sh");
	if (s->flags & LVSDR_SVC_PERSISTENT) {
		printf("persistence = %us\n", (unsigned)s->timeout);
		if (s->persist_prefix != host_prefix(s->ip.family))
			printf("persistence-prefix = %u\n", s->persist_prefix);
	}
	if (s->flags & LVSDR_SVC_ONEPACKET)
		printf("one-packet = yes\n");
	for (size_t j = 0; j < s->ndests; j++) {
		const struct ipvs_dest *d = &s->dests[j];
		ipaddr_format(&d->ip, text, sizeof(text));
		if (d->method != METHOD_DR && d->method != METHOD_TUNNEL) {
			printf("; realserver %s uses %s forwarding, which lvsdr does not configure (DR or tunnel only)\n",
			       text, ipvs_method_name(d->method));
			continue;
		}
		if (!s->fwmark && d->port != s->port) {
			printf("; realserver %s listens on port %u: %s cannot reach it there (the port stays %u)\n", text,
			       (unsigned)d->port, ipvs_method_name(d->method), (unsigned)s->port);
			continue;
		}
		printf("realserver = %s", text);
		if (d->weight != 1)
			printf(" weight=%u", (unsigned)d->weight);
		if (d->method == METHOD_TUNNEL)
			printf(" method=tunnel");
		if (d->uthreshold)
			printf(" uthreshold=%u", (unsigned)d->uthreshold);
		if (d->lthreshold)
			printf(" lthreshold=%u", (unsigned)d->lthreshold);
		putchar('\n');
	}
}

int import_main(int argc, char **argv)
{
	struct import im = { 0 };
	int status = LVSDR_EXIT_OK;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return command_line_usage(import_usage, 'h');
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-")))
		return command_line_usage(import_usage, '?');
	if (argc == 2) {
		status = import_stdin(&im);
	} else {
		struct ipvs_netlink *ipvs;
		char err[512];
		int ret = ipvs_netlink_open(&ipvs, err, sizeof(err));
		if (ret == 0) {
			ret = ipvs_netlink_list(ipvs, &im.services, &im.n, err, sizeof(err));
			ipvs_netlink_close(ipvs);
		}
		if (ret < 0) {
			lvsdr_warnx_cmd("import", "%s", err);
			return LVSDR_EXIT_ERROR;
		}
	}
	if (status == LVSDR_EXIT_OK) {
		printf("; %zu service%s imported by lvsdr import. Each VIP below must be an address of [vip]:\n",
		       im.n, im.n == 1 ? "" : "s");
		for (size_t i = 0; i < im.n; i++) {
			char text[64];
			bool seen = false;
			if (im.services[i].fwmark)
				continue;
			for (size_t k = 0; k < i && !seen; k++)
				seen = !im.services[k].fwmark && ipaddr_equal(&im.services[k].ip, &im.services[i].ip);
			ipaddr_format(&im.services[i].ip, text, sizeof(text));
			if (!seen)
				printf(";   address = %s\n", text);
		}
		for (size_t i = 0; i < im.n; i++) {
			putchar('\n');
			print_service(&im.services[i], (unsigned)i + 1);
		}
	}
	ipvs_services_free(im.services, im.n);
	return status;
}
