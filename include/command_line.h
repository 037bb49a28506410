/* What the commands share of their command lines: the getopt loop with its
 * -h and usage-error tail and its operand count, and the checks of the
 * values probe and watch take. */
#ifndef LVSDR_COMMAND_LINE_H
#define LVSDR_COMMAND_LINE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "nic.h"

/* The tail of every command's getopt switch, and of its operand count:
 * opt 'h' prints usage on stdout and returns 0, any other prints it on
 * stderr and returns 2 (a usage error). */
int command_line_usage(const char *usage, int opt);

/* The options of the commands a monitoring system runs (verify, probe),
 * the first member of their args: command_line_parse() takes -q, --json,
 * --nagios and --prom FILE for them, and refuses --json with --nagios. */
struct command_monitor {
	/* --nagios given: any usage error is also the plugin's UNKNOWN line
	 * (monitor_usage_error), the only output a monitoring system shows. */
	bool plugin;
	bool quiet, json, nagios;
	const char *prom;
};

/* A command's command line, as command_line_parse() reads it. */
struct command_line {
	const char *command; /* "verify": the name in its messages */
	const char *usage;
	const char *shortopts;
	const struct option *longopts; /* with { "help", no_argument, NULL, 'h' } */
	/* Each option but -h, as getopt_long returns it, its value in optarg:
	 * -1 to go on, else the status to exit with. */
	int (*option)(void *args, int opt);
	/* How many operands it takes: from min to max, max -1 for no limit;
	 * min -1 when the command counts them itself. */
	int min, max;
	bool monitor; /* args starts with a struct command_monitor */
};
#define COMMAND_LINE_OWN_COUNT (-1)

/* Every command's getopt loop, passing args to c->option; its tail: -h
 * and a usage error as command_line_usage() says, then the operand count.
 * -1 to go on with the operands from argv[optind], else the status to
 * exit with. */
int command_line_parse(const struct command_line *c, int argc, char **argv, void *args);

/* A wrong operand count: usage on stderr and 2; a monitor command says why
 * too (why NULL: it takes one PROFILE), as its plugin line under --nagios. */
int command_line_operands_error(const struct command_line *c, const void *args, int argc, char **argv,
				const char *why);

/* The option of a command whose only one (but -h) is -q; args is its bool. */
int command_line_quiet(void *args, int opt);

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
