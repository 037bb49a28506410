/* Files lvsdr keeps for itself (ownership records, the drained list):
 * replaced whole and atomically, so a crash leaves the old or the new
 * file, never half of one. */
#ifndef LVSDR_RECORD_FILE_H
#define LVSDR_RECORD_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Create the missing directories above path (0755). 0 or -errno. */
int record_make_parents(const char *path);
/* Write text to path.tmp, fsync, rename over path; the directories are
 * made when missing. 0, or -errno with err filled. */
int record_replace(const char *path, const char *text, size_t len, char *err, size_t errlen);

/* Writes a whole file: record_replace, or prom_write_file for textfiles. */
typedef int (*file_replace_fn)(const char *path, const char *text, size_t len, char *err, size_t errlen);
/* Render the file into memory through render(), then hand it to replace():
 * a reader never sees half of it, and a render that fails midway leaves
 * the old file. 0, or what replace() returned (negative) with err filled. */
int record_render(const char *path, void (*render)(FILE *f, const void *ctx), const void *ctx,
		  file_replace_fn replace, char *err, size_t errlen);

#endif
