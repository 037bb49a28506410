/* Small helpers with no policy of their own. Allocation failure is fatal:
 * a tool that half-applies because malloc failed is worse than one that
 * stops before touching anything. */
#ifndef LVSDR_UTIL_H
#define LVSDR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *ptr, size_t n, size_t size);
/* qsort(3) that takes an empty array as it is: qsort's base must not be
 * NULL even for zero elements (UBSan stops on it), and an empty list here
 * is often a NULL pointer. A list already in order is left untouched. */
void sort_array(void *base, size_t n, size_t size, int (*compare)(const void *, const void *));
char *xstrdup(const char *s);
/* src into dst of size bytes, cut to fit and terminated: snprintf(dst,
 * size, "%s", src) without the format machinery, which per VIP of a
 * 1,000-VIP plan was most of its cost. */
void string_copy(char *dst, size_t size, const char *src);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every directory above the last '/' of path, mode 0755: 0 or -errno. */
int mkdir_parents(char *path);

/* Whole decimal number, optional leading '-', nothing else; false on
 * anything else or overflow of int. */
bool parse_int(const char *s, int *out);
/* Whole decimal number 0..max, digits only, no leading zeros. */
bool parse_uint(const char *s, uint64_t max, uint64_t *out);
/* Whole seconds as "300s", "300000ms" or "0", up to max seconds. */
bool parse_seconds(const char *s, unsigned max, unsigned *out);
/* "250ms", "2s", "0": false on anything else; *out in milliseconds. */
bool parse_duration_ms(const char *s, unsigned *out);
/* Linux interface name rules (dev_valid_name()). */
bool interface_name_valid(const char *name);
/* Edit distance, capped: used for "did you mean". */
unsigned edit_distance(const char *a, const char *b);
/* For "did you mean": the closest of n words to s within two edits (the
 * first of those as close), or NULL. The words are n pointers stride
 * bytes apart: an array of strings (stride sizeof(char *)), or the name
 * member of an array of structs. */
const char *closest_word(const char *s, const char *const *words, size_t n, size_t stride);

uint64_t monotonic_ns(void);
/* flock(fd, op) (LOCK_EX or LOCK_SH), retried every 5 ms for up to
 * timeout_ms: 0, -ETIMEDOUT, or -errno. */
int flock_wait(int fd, int op, unsigned timeout_ms);
/* Milliseconds from now_ns to deadline_ns, rounded up so that a wait never
 * ends just before its deadline; 0 once it has passed. */
int ms_until(uint64_t deadline_ns, uint64_t now_ns);

/* Timing marks along one run, for measuring where its time goes: with
 * LVSDR_MARKS=1 in the environment each mark_note() keeps the time and a
 * name (up to 32 a run), and marks_format() writes them as milliseconds
 * since the first and forgets them; without it mark_note() is one branch. */
void mark_note(const char *what);
/* Forget the marks kept and start anew with this one. */
void mark_start(const char *what);
bool marks_enabled(void);
void marks_format(char *buf, size_t len);

/* len random bytes for probe ports, sequence numbers and identifiers: the
 * kernel's, or, without an entropy source, anything (they need not be secret). */
void random_bytes(void *buf, size_t len);

#endif
