/* Collected user-facing errors: a profile is checked whole, so a user sees
 * every mistake in one run, each as "file:line: message". */
#ifndef LVSDR_DIAG_H
#define LVSDR_DIAG_H

#include <stddef.h>
#include <stdio.h>

#define DIAG_MAX_SHOWN 100

struct diag {
	const char *file; /* name shown to the user */
	struct diag_entry {
		unsigned line;
		char *text;
	} * entries;
	size_t count, cap;
	size_t errors;	/* messages that make the input invalid */
	size_t dropped; /* errors past DIAG_MAX_SHOWN, counted only */
};

/* line 0 means "the whole file" and prints as "file: message". */
void diag_error(struct diag *d, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* In line order, whole-file messages last. */
void diag_print(struct diag *d, FILE *out);
void diag_free(struct diag *d);

#endif
