/* The name every message of lvsdr starts with ("lvsdr: ..."), and the
 * printer of such a message. In util so that every layer may print it
 * without reaching up to the commands. */
#ifndef LVSDR_PROGNAME_H
#define LVSDR_PROGNAME_H

#include <stdarg.h>

extern const char *lvsdr_prog;

/* "lvsdr: MESSAGE\n" on stderr, in one write, as warnx(3) does with
 * the program's name. */
void lvsdr_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "lvsdr COMMAND: MESSAGE\n", the same way: a command's own messages
 * (its options, its run) say which command speaks. */
void lvsdr_warnx_cmd(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Both, for a printer of the caller's own with a va_list (command NULL:
 * "lvsdr: MESSAGE"). */
void lvsdr_vwarnx_cmd(const char *command, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
