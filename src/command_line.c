/* Option parsing shared by the commands: the getopt loop of those whose
 * whole command line is [-q] [-h] PROFILE, and the values probe and watch
 * check. Outside main.c so the unit binary links without main(). */
#include "command_line.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "exit_status.h"
#include "ipaddr.h"
#include "util.h"

int command_line_usage(const char *usage, int opt)
{
	fputs(usage, opt == 'h' ? stdout : stderr);
	return opt == 'h' ? LVSDR_EXIT_OK : LVSDR_EXIT_ERROR;
}

int command_line_simple(int argc, char **argv, const char *usage, bool *quiet)
{
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	*quiet = false;
	while ((opt = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (opt) {
		case 'q':
			*quiet = true;
			break;
		default: /* -h, --help, or a usage error */
			return command_line_usage(usage, opt);
		}
	}
	if (optind != argc - 1)
		return command_line_usage(usage, '?');
	return -1;
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
