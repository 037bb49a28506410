/* The formats monitoring systems already collect, for verify and probe: a
 * Nagios/Icinga plugin line with its exit codes and performance data, and
 * a Prometheus text file for node_exporter's textfile collector. Formats
 * and metric names are documented in lvsdr(8), MONITORING. */
#ifndef LVSDR_MONITOR_H
#define LVSDR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "plan.h"
#include "probe.h"

/* Plugin exit codes (Nagios plugin development guidelines). */
enum nagios_status { NAGIOS_OK,
		     NAGIOS_WARNING,
		     NAGIOS_CRITICAL,
		     NAGIOS_UNKNOWN };
extern const char *const nagios_words[4];
/* Whether --nagios is among the options, before they are parsed: a
 * plugin reports a bad command line as UNKNOWN too. */
bool nagios_requested(int argc, char **argv);

/* A command line lvsdr refuses: "lvsdr COMMAND: WHY" on stderr and, under
 * --nagios, the plugin line "LVSDR COMMAND UNKNOWN: WHY" on stdout, the
 * only output a monitoring system shows. Returns the exit status (3 under
 * --nagios, else 2). why NULL: getopt has printed its complaint; the
 * plugin line names the word it stopped at, argv[optind - 1]. */
int monitor_usage_error(bool nagios, const char *command, char **argv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Long output after the first line stops after this many findings. */
#define MONITOR_NAGIOS_MAX_LINES 20

/* One "label=value;warn;crit;min;max" item, with a space before it; the
 * label is quoted when it needs to be. Empty strings leave a field out. */
void nagios_perf(FILE *out, const char *label, long long value, const char *warn, const char *crit,
		 const char *min, const char *max);

/* "# HELP" and "# TYPE NAME gauge". */
void prom_family(FILE *out, const char *name, const char *help);
/* One sample: NAME{k="v",...} VALUE, from NULL-terminated key, value
 * pairs; values are escaped as the exposition format asks. */
void prom_sample(FILE *out, const char *name, long long value, ...) __attribute__((sentinel));
/* node_exporter reads only files named *.prom: NULL when path is fine,
 * else why not. */
const char *prom_path_problem(const char *path);
/* Replace path with text atomically: a temporary file beside it, then
 * rename(2), so the collector never reads half a file. 0, or -1 with err. */
int prom_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen);

/* verify. plan NULL: verify could not compare (bad profile, no interface),
 * and why says what stopped it. */
enum nagios_status monitor_verify_nagios(FILE *out, const struct plan *plan, const char *profile, const char *why);
void monitor_verify_prom(FILE *out, const struct plan *plan, const char *profile);
/* Its IPVS part (src/monitor_ipvs.c): per real server weight, connections and counters. */
void monitor_ipvs_prom(FILE *out, const struct plan *plan, const char *profile);
/* The same, written to path as prom_write_file() does. */
int monitor_verify_prom_write(const char *path, const struct plan *plan, const char *profile, char *err, size_t errlen);

/* probe. targets NULL: the probe could not run. */
struct probe_report {
	const char *profile; /* NULL when the addresses came from the command line */
	const char *ifname;
	const struct probe_target *targets;
	size_t n;
	const char *error; /* targets NULL: why, as printed on stderr */
	/* Tells this probe's samples from another's in node_exporter, which
	 * merges every file: the profile, or the addresses as given. */
	const char *label;
};
void probe_report_count(const struct probe_report *r, size_t counts[PROBE_VERDICT_COUNT]);
enum nagios_status monitor_probe_nagios(FILE *out, const struct probe_report *r);
void monitor_probe_prom(FILE *out, const struct probe_report *r);
int monitor_probe_prom_write(const char *path, const struct probe_report *r, char *err, size_t errlen);

#endif
