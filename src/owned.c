#include "owned.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LVSDR_RUNDIR "/run/lvsdr"
#define OWNED_SUFFIX "lvsdr"

void owned_label(const char *ifname, char label[IF_NAMESIZE])
{
	size_t len = strlen(ifname), room;

	label[0] = '\0';
	if (len + 2 > IF_NAMESIZE - 1) /* no room for ":" and one letter */
		return;
	room = IF_NAMESIZE - 1 - len - 1;
	if (room > strlen(OWNED_SUFFIX))
		room = strlen(OWNED_SUFFIX);
	snprintf(label, IF_NAMESIZE, "%s:%.*s", ifname, (int)room, OWNED_SUFFIX);
}

static int entry_compare(const void *x, const void *y)
{
	const struct live_addr *a = x, *b = y;
	int c = addr_compare(a->family, a->addr, b->family, b->addr);

	if (c)
		return c;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return strcmp(a->ifname, b->ifname);
}

static void record_path(struct owned_set *set)
{
	const char *dir = getenv("LVSDR_RUNDIR");
	struct stat st;

	/* The record is per network namespace: tests and containers run
	 * several on one /run. */
	if (stat("/proc/self/ns/net", &st) < 0)
		st.st_ino = 0;
	snprintf(set->path, sizeof(set->path), "%s/net-%llu/owned", dir && *dir ? dir : LVSDR_RUNDIR,
		 (unsigned long long)st.st_ino);
}

static void entry_append(struct owned_set *set, const struct live_addr *a)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->entries = xreallocarray(set->entries, set->cap, sizeof(*set->entries));
	}
	set->entries[set->n] = (struct live_addr){ .family = a->family, .prefix = a->prefix };
	memcpy(set->entries[set->n].addr, a->addr, 16);
	memcpy(set->entries[set->n].ifname, a->ifname, strnlen(a->ifname, IF_NAMESIZE - 1));
	set->n++;
	set->sorted = false;
}

void owned_init(struct owned_set *set)
{
	memset(set, 0, sizeof(*set));
	record_path(set);
}

int owned_load(struct owned_set *set, char *err, size_t errlen)
{
	char line[128];
	unsigned lineno = 0;
	FILE *f;

	owned_init(set);
	f = fopen(set->path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", set->path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		struct live_addr a = { 0 };
		unsigned prefix;
		bool has_prefix;
		/* "IFNAME ADDRESS/PREFIX\n", as owned_save() writes it; the last
		 * newline may be missing (an editor), a line may not be cut. */
		char *ifname = line, *addr = strchr(line, ' '), *end = strchr(line, '\n');
		bool whole = end || feof(f);

		lineno++;
		if (end)
			*end = '\0';
		if (addr)
			*addr++ = '\0';
		if (!whole || !addr || !interface_name_valid(ifname) || strchr(addr, ' ') ||
		    !parse_address(addr, &a.family, a.addr, &prefix, &has_prefix) || !has_prefix) {
			snprintf(err, errlen, "%s:%u: damaged ownership record; lvsdr wrote it, so it was changed "
				 "by hand or the disk lies: remove the line or the file", set->path, lineno);
			fclose(f);
			owned_free(set); /* never half a record */
			return -EINVAL;
		}
		a.prefix = (uint8_t)prefix;
		memcpy(a.ifname, ifname, strlen(ifname) + 1); /* length checked above */
		entry_append(set, &a);
	}
	fclose(f);
	return 0;
}

static void ensure_sorted(struct owned_set *set)
{
	if (!set->sorted) {
		qsort(set->entries, set->n, sizeof(*set->entries), entry_compare);
		set->sorted = true;
	}
}

static struct live_addr *find(struct owned_set *set, const struct live_addr *a)
{
	struct live_addr key = { .family = a->family, .prefix = a->prefix };

	memcpy(key.addr, a->addr, 16);
	memcpy(key.ifname, a->ifname, sizeof(key.ifname)); /* same size, NUL inside */
	ensure_sorted(set);
	return bsearch(&key, set->entries, set->n, sizeof(*set->entries), entry_compare);
}

bool owned_contains(struct owned_set *set, const struct live_addr *a)
{
	return set->n && find(set, a);
}

void owned_add(struct owned_set *set, const struct live_addr *a)
{
	if (owned_contains(set, a))
		return;
	entry_append(set, a);
	set->dirty = true;
}

void owned_remove(struct owned_set *set, const struct live_addr *a)
{
	struct live_addr *e = set->n ? find(set, a) : NULL;

	if (!e)
		return;
	memmove(e, e + 1, (size_t)(set->entries + set->n - (e + 1)) * sizeof(*e));
	set->n--;
	set->dirty = true;
}

int owned_save(struct owned_set *set, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int ret;

	if (!set->dirty)
		return 0;
	ensure_sorted(set);
	snprintf(tmp, sizeof(tmp), "%s.tmp", set->path);
	f = fopen(tmp, "we");
	if (!f && errno == ENOENT) {
		if ((ret = mkdir_parents(set->path)) < 0) {
			snprintf(err, errlen, "cannot create the directory for %s: %s", set->path, strerror(-ret));
			return ret;
		}
		f = fopen(tmp, "we");
	}
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < set->n; i++) {
		char text[INET6_ADDRSTRLEN];
		addr_format(set->entries[i].family, set->entries[i].addr, text, sizeof(text));
		fprintf(f, "%s %s/%u\n", set->entries[i].ifname, text, set->entries[i].prefix);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	if (rename(tmp, set->path) < 0) {
		snprintf(err, errlen, "cannot replace %s: %s", set->path, strerror(errno));
		unlink(tmp);
		return -errno;
	}
	set->dirty = false;
	return 0;
}

void owned_free(struct owned_set *set)
{
	free(set->entries);
	set->entries = NULL;
	set->n = set->cap = 0;
}

int owned_lock(const struct owned_set *set, unsigned timeout_ms, char *err, size_t errlen)
{
	char path[PATH_MAX + 8];
	const char *slash = strrchr(set->path, '/');
	uint64_t deadline = monotonic_ns() + (uint64_t)timeout_ms * 1000000ull;
	int fd, ret;

	snprintf(path, sizeof(path), "%.*s/lock", (int)(slash - set->path), set->path);
	/* The directories exist after the first run: create them only then,
	 * which spares every later run (a takeover among them) four calls. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		if ((ret = mkdir_parents(path)) < 0) {
			snprintf(err, errlen, "cannot create the directory for %s: %s", path, strerror(-ret));
			return ret;
		}
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return -errno;
		}
		if (monotonic_ns() >= deadline) {
			snprintf(err, errlen, "another lvsdr run still holds %s after %u ms", path, timeout_ms);
			close(fd);
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, 5 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return fd;
}
