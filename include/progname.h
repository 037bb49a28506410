/* The name every message of lvsdr starts with ("lvsdr: ..."). In util so
 * that every layer may print it without reaching up to the commands. */
#ifndef LVSDR_PROGNAME_H
#define LVSDR_PROGNAME_H

extern const char *lvsdr_prog;

#endif
