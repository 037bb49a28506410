#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static unsigned sort_key(unsigned line)
{
	return line ? line : ~0u;
}

void diag_error(struct diag *d, unsigned line, const char *fmt, ...)
{
	char body[512], *msg;
	va_list ap;

	d->errors++;
	if (d->count >= DIAG_MAX_SHOWN) {
		/* Keep the errors that come first in the file, not the first
		 * found: whole-file checks run last but may name early lines. */
		size_t last = 0;
		for (size_t i = 1; i < d->count; i++)
			if (sort_key(d->entries[i].line) >= sort_key(d->entries[last].line))
				last = i;
		d->dropped++;
		if (sort_key(line) >= sort_key(d->entries[last].line))
			return;
		free(d->entries[last].text);
		memmove(&d->entries[last], &d->entries[last + 1], (d->count - last - 1) * sizeof(*d->entries));
		d->count--;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (line)
		msg = xasprintf("%s:%u: %s", d->file, line, body);
	else
		msg = xasprintf("%s: %s", d->file, body);
	if (d->count == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->entries = xreallocarray(d->entries, d->cap, sizeof(*d->entries));
	}
	d->entries[d->count].line = line;
	d->entries[d->count++].text = msg;
}

void diag_print(struct diag *d, FILE *out)
{
	/* Insertion sort: stable, and a profile has few errors. */
	for (size_t i = 1; i < d->count; i++) {
		struct diag_entry e = d->entries[i];
		size_t j = i;
		for (; j > 0 && sort_key(d->entries[j - 1].line) > sort_key(e.line); j--)
			d->entries[j] = d->entries[j - 1];
		d->entries[j] = e;
	}
	for (size_t i = 0; i < d->count; i++)
		fprintf(out, "%s\n", d->entries[i].text);
	if (d->dropped)
		fprintf(out, "%s: %zu more errors not shown\n", d->file, d->dropped);
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->entries[i].text);
	free(d->entries);
	d->entries = NULL;
	d->count = d->cap = d->errors = d->dropped = 0;
}
