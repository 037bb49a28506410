#include "progname.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *lvsdr_prog = "lvsdr";

/* The prefix (the program's name, then a space and COMMAND, or a colon
 * without one) and the message, in one fprintf: the syslog mirror and a
 * reader of the pipe see the line whole, as before these printers. */
void lvsdr_vwarnx_cmd(const char *command, const char *fmt, va_list ap)
{
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) < 0)
		return;
	if (command)
		fprintf(stderr, "%s %s: %s\n", lvsdr_prog, command, text);
	else
		fprintf(stderr, "%s: %s\n", lvsdr_prog, text);
	free(text);
}

void lvsdr_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lvsdr_vwarnx_cmd(NULL, fmt, ap);
	va_end(ap);
}

void lvsdr_warnx_cmd(const char *command, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lvsdr_vwarnx_cmd(command, fmt, ap);
	va_end(ap);
}
