#include "progname.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *lvsdr_prog = "lvsdr";

/* PREFIX (the program's name, then a space and the command, or a colon)
 * and the message, in one fprintf: the syslog mirror and a reader of the
 * pipe see the line whole, as before these printers. */
static void warn_line(const char *command, const char *fmt, va_list ap)
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
	warn_line(NULL, fmt, ap);
	va_end(ap);
}

void lvsdr_warnx_cmd(const char *command, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	warn_line(command, fmt, ap);
	va_end(ap);
}
