#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

static void out_of_memory(void)
{
	fputs("lvsdr: out of memory\n", stderr);
	exit(2);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xreallocarray(void *ptr, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory();
	size_t bytes = n * size;
	void *p = realloc(ptr, bytes ? bytes : 1);
	if (!p)
		out_of_memory();
	return p;
}

void sort_array(void *base, size_t n, size_t size, int (*compare)(const void *, const void *))
{
	const char *at = base;

	/* Lists here mostly come in order (a profile's VIPs as written, the
	 * kernel's dumps): n - 1 comparisons say so, where glibc's merge sort
	 * costs n log n, a buffer and the copies. A stable sort would leave an
	 * ordered list as it is, so skipping it changes nothing. */
	for (size_t i = 1; i < n; i++)
		if (compare(at + (i - 1) * size, at + i * size) > 0) {
			qsort(base, n, size, compare);
			return;
		}
}

void string_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size ? size - 1 : 0);

	if (!size)
		return;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	return s;
}

int mkdir_parents(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		int ret = mkdir(path, 0755);
		*p = '/';
		if (ret < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

bool parse_int(const char *s, int *out)
{
	const char *p = s;
	long v;
	char *end;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < INT_MIN || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s) || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		uint64_t digit = (uint64_t)(*s - '0');
		if (!isdigit((unsigned char)*s) || digit > max || v > (max - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*out = v;
	return true;
}

bool parse_seconds(const char *s, unsigned max, unsigned *out)
{
	size_t len = strlen(s), digits = strspn(s, "0123456789");
	char num[24];
	uint64_t v;

	if (!digits || digits >= sizeof(num))
		return false;
	memcpy(num, s, digits);
	num[digits] = '\0';
	if (!parse_uint(num, UINT64_MAX / 1000, &v))
		return false;
	if (!strcmp(s + digits, "ms")) {
		if (v % 1000)
			return false;
		v /= 1000;
	} else if (strcmp(s + digits, "s") && !(digits == len && v == 0)) {
		return false;
	}
	if (v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

bool parse_duration_ms(const char *s, unsigned *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (!strcmp(end, "s")) {
		/* Check before scaling: "4294968s" would wrap to 704 ms. */
		if (v > 86400)
			return false;
		v *= 1000;
	} else if (strcmp(end, "ms") && (*end || v != 0)) {
		return false;
	}
	if (v > 86400000ULL)
		return false;
	*out = (unsigned)v;
	return true;
}

bool interface_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IF_NAMESIZE || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return false;
	return true;
}

unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			unsigned best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *closest_word(const char *s, const char *const *words, size_t n, size_t stride)
{
	unsigned best_dist = 3; /* three edits or more is another word */
	const char *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *w = *(const char *const *)((const char *)words + i * stride);
		unsigned dist = edit_distance(s, w);
		if (dist < best_dist) {
			best_dist = dist;
			best = w;
		}
	}
	return best;
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int flock_wait(int fd, int op, unsigned timeout_ms)
{
	uint64_t deadline = monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;

	/* Polled, not blocking: every wait of lvsdr is bounded. */
	while (flock(fd, op | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (monotonic_ns() >= deadline)
			return -ETIMEDOUT;
		struct timespec ts = { 0, 5 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return 0;
}

int ms_until(uint64_t deadline_ns, uint64_t now_ns)
{
	return now_ns < deadline_ns ? (int)((deadline_ns - now_ns + 999999) / 1000000) : 0;
}

/* The one piece of process state here: a measuring aid, never read by
 * the product's logic. */
static struct {
	int enabled; /* -1: not asked yet */
	size_t n;
	const char *what[32];
	uint64_t at[32];
} marks = { .enabled = -1 };

bool marks_enabled(void)
{
	if (marks.enabled < 0) {
		const char *v = getenv("LVSDR_MARKS");
		marks.enabled = v && !strcmp(v, "1");
	}
	return marks.enabled;
}

void mark_note(const char *what)
{
	if (!marks_enabled() || marks.n >= sizeof(marks.at) / sizeof(marks.at[0]))
		return;
	marks.at[marks.n] = monotonic_ns();
	marks.what[marks.n++] = what;
}

void mark_start(const char *what)
{
	marks.n = 0;
	mark_note(what);
}

void marks_format(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 1; i < marks.n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s %.3f", i > 1 ? ", " : "", marks.what[i],
				 (double)(marks.at[i] - marks.at[0]) / 1e6);
		off += w > 0 ? (size_t)w : 0;
	}
	marks.n = 0;
}

void random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			/* No entropy source: any value will do for a probe. */
			for (size_t i = 0; i < len; i++)
				p[i] = (uint8_t)(monotonic_ns() >> (i % 8 * 8));
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}
