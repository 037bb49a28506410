#include "progname.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *lvsdr_prog = "lvsdr";

void lvsdr_warnx(const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	/* One fprintf: the syslog mirror and a reader of the pipe see the
	 * line whole, as before this printer. */
	if (n >= 0)
		fprintf(stderr, "%s: %s\n", lvsdr_prog, text);
	free(text);
}
