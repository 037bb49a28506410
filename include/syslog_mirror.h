/* What a run under keepalived, systemd or Pacemaker did, in syslog (ident
 * "lvsdr", facility daemon): their callers' stdout and stderr go nowhere a
 * person reads. Detected from the caller, never configured (lvsdr(8), LOGGING). */
#ifndef LVSDR_SYSLOG_MIRROR_H
#define LVSDR_SYSLOG_MIRROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* Decide from COMMAND and the environment whether this run logs; if so,
 * open syslog and copy every stderr line to it (LOG_ERR). argv is the
 * command's own, for the closing line. */
void syslog_mirror_start(int argc, char **argv);
/* The closing line, "notify PROFILE ... MASTER 100: exit status 1". */
void syslog_mirror_finish(int status);
bool syslog_mirror_active(void);
/* One line to syslog only (LOG_INFO), when this run logs: the changes
 * made, which go to stdout only without -q. */
void syslog_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with a va_list: a caller's own printer formats only once. */
void syslog_vnote(const char *fmt, va_list ap);
/* lvsdr events: every note also goes to out, a line at a time, whether
 * this run logs or not: the resident service's log, in a terminal too. */
void syslog_note_echo(FILE *out);
/* lvsdr events: while held, notes are kept in order and written out when
 * the hold ends, so that a takeover's first frame waits on no log. */
void syslog_note_hold(bool hold);

#endif
