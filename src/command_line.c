/* Option parsing shared by the commands: the getopt loop every command
 * runs, and the values probe and watch check. Outside main.c so the unit
 * binary links without main(). */
#include "command_line.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "exit_status.h"
#include "ipaddr.h"
#include "monitor.h"
#include "util.h"

int command_line_usage(const char *usage, int opt)
{
	fputs(usage, opt == 'h' ? stdout : stderr);
	return opt == 'h' ? LVSDR_EXIT_OK : LVSDR_EXIT_ERROR;
}

/* -q, --json, --nagios or --prom FILE: true when opt is one of them, with
 * *status -1 to go on or the status to exit with. */
static bool monitor_option(struct command_monitor *m, const char *command, int opt, int *status)
{
	const char *why;

	*status = -1;
	if (opt == 'q')
		m->quiet = true;
	else if (opt == 'j')
		m->json = true;
	else if (opt == 'N')
		m->nagios = true;
	else if (opt != 'P')
		return false;
	else if ((why = prom_path_problem(optarg)))
		*status = monitor_usage_error(m->plugin, command, NULL, "--prom %s: %s", optarg, why);
	else
		m->prom = optarg;
	return true;
}

int command_line_parse(const struct command_line *c, int argc, char **argv, void *args)
{
	struct command_monitor *m = c->monitor ? args : NULL;
	int opt, status, operands;

	if (m)
		m->plugin = nagios_requested(argc, argv);
	while ((opt = getopt_long(argc, argv, c->shortopts, c->longopts, NULL)) != -1) {
		if (opt == 'h' || opt == '?') {
			status = command_line_usage(c->usage, opt);
			/* What getopt said of a usage error, a plugin says on
			 * its line too. */
			return opt == '?' && m && m->plugin ? monitor_usage_error(true, c->command, argv, NULL) : status;
		}
		if (!(m && monitor_option(m, c->command, opt, &status)))
			status = c->option(args, opt);
		if (status >= 0)
			return status;
	}
	if (m && m->json && m->nagios)
		return monitor_usage_error(m->plugin, c->command, argv, "--json and --nagios: choose one output format");
	operands = argc - optind;
	if (c->min != COMMAND_LINE_OWN_COUNT && (operands < c->min || (c->max >= 0 && operands > c->max)))
		return command_line_operands_error(c, args, argc, argv, NULL);
	return -1;
}

int command_line_operands_error(const struct command_line *c, const void *args, int argc, char **argv,
				const char *why)
{
	const struct command_monitor *m = c->monitor ? args : NULL;

	fputs(c->usage, stderr);
	if (!m)
		return LVSDR_EXIT_ERROR;
	if (why)
		return monitor_usage_error(m->plugin, c->command, argv, "%s", why);
	return monitor_usage_error(m->plugin, c->command, argv, "takes one PROFILE, given %d arguments", argc - optind);
}

int command_line_quiet(void *args, int opt)
{
	(void)opt; /* 'q', the only one */
	*(bool *)args = true;
	return -1;
}

int command_line_simple(int argc, char **argv, const char *usage, bool *quiet)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const struct command_line c = { NULL, usage, "qh", options, command_line_quiet, 1, 1, false };

	*quiet = false;
	return command_line_parse(&c, argc, argv, quiet);
}

const char *audit_interface_problem(const char *value)
{
	return interface_name_valid(value) ? NULL : "not an interface name";
}

const char *audit_mac_problem(const char *value, uint8_t mac[MAC_LEN])
{
	return mac_parse(value, mac) && mac_usable(mac) ? NULL : "not a unicast MAC address such as 02:00:00:00:00:01";
}

/* Not unspecified, loopback, multicast or broadcast: no host answers for
 * those on a link. */
const char *audit_address_problem(const char *value, struct ip_addr *out)
{
	static const uint8_t zero[16];
	const uint8_t *a = out->bytes;
	bool has_prefix, usable = false;

	if (ipaddr_parse(value, out, &has_prefix) && !has_prefix)
		usable = out->family == AF_INET ? a[0] != 0 && a[0] != 127 && a[0] < 224
						: memcmp(a, zero, 15) && a[0] != 0xff;
	return usable ? NULL : "not a unicast IPv4 or IPv6 address (without /prefix)";
}
