/* Files lvsdr keeps for itself (ownership records, the drained list):
 * replaced whole and atomically, so a crash leaves the old or the new
 * file, never half of one. */
#ifndef LVSDR_RECORD_FILE_H
#define LVSDR_RECORD_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Create the missing directories above path (0755). 0 or -errno. */
int record_make_parents(const char *path);
/* The step file_replace() failed at, for the caller's own message. */
enum file_replace_step { FILE_REPLACE_CREATE,
			 FILE_REPLACE_WRITE,
			 FILE_REPLACE_RENAME };
/* The one atomic writer: len bytes of text to a new temporary file tmp
 * (in path's directory), created with O_EXCL|O_NOFOLLOW, fchmod 0644
 * whatever the umask, written, fsynced, then renamed over path. A tmp
 * ending in XXXXXX is made unique (mkstemp); any other names the file
 * itself, a regular file left there by a killed run is removed first and
 * a link planted there refused (ELOOP). 0, or -errno with *step the step
 * that failed and no temporary file left. */
int file_replace(const char *path, char *tmp, const char *text, size_t len, enum file_replace_step *step);
/* file_replace through path.tmp; the directories are made when missing.
 * 0, or -errno with err filled. */
int record_replace(const char *path, const char *text, size_t len, char *err, size_t errlen);

/* All of TEXT to fd, again after EINTR: 0, or -errno (-EIO when write()
 * takes nothing). */
int write_all(int fd, const char *text, size_t len);

/* Writes a whole file: record_replace, or prom_write_file for textfiles
 * (both through file_replace). */
typedef int (*file_replace_fn)(const char *path, const char *text, size_t len, char *err, size_t errlen);
/* Render the file into memory through render(), then hand it to replace():
 * a reader never sees half of it, and a render that fails midway leaves
 * the old file. 0, or what replace() returned (negative) with err filled. */
int record_render(const char *path, void (*render)(FILE *f, const void *ctx), const void *ctx,
		  file_replace_fn replace, char *err, size_t errlen);
/* The text render() writes, in memory (free() it), with its length in
 * *len; NULL with err filled when memory runs out. */
char *record_text(const char *path, void (*render)(FILE *f, const void *ctx), const void *ctx, size_t *len,
		  char *err, size_t errlen);

#endif
