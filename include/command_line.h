/* What the commands share of their command lines: the getopt loop of the
 * simplest ones and the checks of the values probe and watch take. */
#ifndef LVSDR_COMMAND_LINE_H
#define LVSDR_COMMAND_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include "nic.h"

/* The tail of every command's getopt switch, and of its operand count:
 * opt 'h' prints usage on stdout and returns 0, any other prints it on
 * stderr and returns 2 (a usage error). */
int command_line_usage(const char *usage, int opt);

/* The command line of a command taking [-q] [-h] and exactly one PROFILE,
 * which is then argv[optind]: -1 to go on, or the status to exit with. */
int command_line_simple(int argc, char **argv, const char *usage, bool *quiet);

/* Command-line values of probe and watch: NULL when value is fine, else
 * what is wrong with it, for the caller to print after the value (probe
 * --nagios puts it on its plugin line too). An address must be unicast,
 * without a prefix. */
const char *audit_interface_problem(const char *value);
const char *audit_mac_problem(const char *value, uint8_t mac[MAC_LEN]);
const char *audit_address_problem(const char *value, struct ip_addr *out);

#endif
