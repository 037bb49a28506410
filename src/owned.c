/* The ownership record: which addresses lvsdr bound, for which profile,
 * read, looked up, changed and written back. Where it lives and its lock:
 * src/owned_dir.c. */
#include "owned.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "safe_open.h"
#include "util.h"

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
	/* Pieces copied, not printed: their sizes are checked above. */
	memcpy(label, ifname, len);
	label[len] = ':';
	memcpy(label + len + 1, OWNED_SUFFIX, room);
	label[len + 1 + room] = '\0';
}

static int entry_compare(const void *x, const void *y)
{
	const struct live_addr *a = x, *b = y;
	int c = a->route != b->route ? (a->route ? 1 : -1) : ipaddr_compare(&a->ip, &b->ip);

	if (c)
		return c;
	if (a->ip.prefix != b->ip.prefix)
		return a->ip.prefix < b->ip.prefix ? -1 : 1;
	return strcmp(a->ifname, b->ifname);
}

/* owner held once by the set, so entries and live addresses may point
 * at it for as long as the set lives. */
static const char *owner_intern(struct owned_set *set, const char *owner)
{
	for (size_t i = 0; i < set->nowners; i++)
		if (!strcmp(set->owners[i], owner))
			return set->owners[i];
	set->owners = xreallocarray(set->owners, set->nowners + 1, sizeof(*set->owners));
	return set->owners[set->nowners++] = xstrdup(owner);
}

/* The entries move: whatever was seen of them no longer lines up. */
static void entries_changed(struct owned_set *set)
{
	free(set->seen);
	set->seen = NULL;
	set->sorted = false;
}

static void entry_append(struct owned_set *set, const struct live_addr *a, const char *owner)
{
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->entries = xreallocarray(set->entries, set->cap, sizeof(*set->entries));
	}
	set->entries[set->n] = (struct live_addr){ .ip = a->ip, .owner = owner, .route = a->route };
	memcpy(set->entries[set->n].ifname, a->ifname, strnlen(a->ifname, IF_NAMESIZE - 1));
	set->n++;
	entries_changed(set);
}

int owned_set_profile(struct owned_set *set, const char *canonical, char *err, size_t errlen)
{
	/* One entry a line: a path with a newline would read back as two. */
	if (strchr(canonical, '\n') || canonical[0] != '/') {
		snprintf(err, errlen, "%s: the ownership record cannot name this profile (its path has a newline); "
				      "rename it",
			 canonical);
		return -EINVAL;
	}
	set->self = owner_intern(set, canonical);
	return 0;
}

bool owned_by_self(const struct owned_set *set, const struct live_addr *entry)
{
	return entry->owner && set->self && !strcmp(entry->owner, set->self);
}

/* "IFNAME ADDRESS/PREFIX PROFILE", as owned_save() writes it; PROFILE,
 * an absolute path, is the rest of the line (it may hold spaces). An
 * older lvsdr wrote no PROFILE: *owner is NULL then, "owner unknown".
 * A range's local route is the same after "route ". */
static bool entry_parse(char *line, struct live_addr *a, const char **owner)
{
	static const char route[] = "route ";
	bool is_route = !strncmp(line, route, strlen(route));
	char *addr, *profile;
	bool has_prefix;

	*owner = NULL;
	if (is_route)
		line += strlen(route);
	a->route = is_route;
	addr = strchr(line, ' ');
	if (!addr)
		return false;
	*addr++ = '\0';
	if ((profile = strchr(addr, ' '))) {
		*profile++ = '\0';
		if (profile[0] != '/')
			return false;
		*owner = profile;
	}
	if (!interface_name_valid(line) || !ipaddr_parse(addr, &a->ip, &has_prefix) ||
	    !has_prefix)
		return false;
	memcpy(a->ifname, line, strlen(line) + 1); /* length checked above */
	return true;
}

/* The record an older lvsdr kept under the namespace's inode: it may be a
 * dead namespace's, so it is named and never read. Looked for once a
 * process: no lvsdr writes one any more, and lvsdr events would look for
 * it at every event (two system calls, 0.02 ms). */
static void legacy_warning(struct owned_set *set)
{
	static bool looked;
	char legacy[PATH_MAX];
	struct stat st;

	if (looked)
		return;
	looked = true;
	if (stat("/proc/self/ns/net", &st) < 0)
		return;
	snprintf(legacy, sizeof(legacy), "%s/net-%llu/owned", owned_run_dir(), (unsigned long long)st.st_ino);
	if (access(legacy, F_OK) == 0)
		snprintf(set->warning, sizeof(set->warning), "%s: ignored: an older lvsdr keyed it by the network "
							     "namespace's inode, which the kernel gives to a new namespace once the old one is gone, so it "
							     "cannot be tied to this namespace; the addresses it names count as someone else's (remove it "
							     "once checked)",
			 legacy);
}

/* Line 1, "netns-cookie N": whether the record is this namespace's. false
 * with set->warning filled when it cannot be tied to it (ignored), or with
 * err filled when the line is damaged. */
static bool header_check(struct owned_set *set, char *line, bool *damaged)
{
	static const char key[] = "netns-cookie ";
	const char *digits = line + strlen(key), *owner;
	unsigned long long cookie;
	struct live_addr a;
	char *end;

	*damaged = false;
	errno = 0;
	if (!strncmp(line, key, strlen(key)) && *digits >= '1' && *digits <= '9' &&
	    (cookie = strtoull(digits, &end, 10), !*end && errno != ERANGE)) {
		if (cookie == set->cookie)
			return true;
		snprintf(set->warning, sizeof(set->warning), "%s: ignored: it belongs to the network namespace with "
							     "cookie %llu, this one's is %llu; the addresses it names count as someone else's",
			 set->path,
			 cookie, (unsigned long long)set->cookie);
		return false;
	}
	if (entry_parse(line, &a, &owner)) {
		snprintf(set->warning, sizeof(set->warning), "%s: ignored: it names no network namespace cookie "
							     "(an older lvsdr wrote it), so it cannot be tied to this namespace; the addresses it names "
							     "count as someone else's",
			 set->path);
		return false;
	}
	*damaged = true;
	return false;
}

/* A profile renamed or deleted can no longer release what it bound: its
 * entries count as naming no profile, so the profile that lists their
 * addresses (the same file under its new name) takes them. */
static void owners_gone(struct owned_set *set)
{
	struct stat st;

	for (size_t i = 0; i < set->nowners; i++) {
		if (stat(set->owners[i], &st) == 0 || errno != ENOENT)
			continue;
		for (size_t j = 0; j < set->n; j++)
			if (set->entries[j].owner == set->owners[i])
				set->entries[j].owner = NULL;
	}
}

int owned_load(struct owned_set *set, char *err, size_t errlen)
{
	/* An entry: a name, an address and a profile's path. */
	char line[IF_NAMESIZE + INET6_ADDRSTRLEN + 8 + PATH_MAX];
	unsigned lineno = 0;
	bool damaged = false;
	int fd, ret;
	FILE *f;

	bool trusted = set->dir_trusted;
	struct owned_keep *keep = set->keep;

	owned_init(set);
	set->dir_trusted = trusted;
	set->keep = keep;
	if (!set->cookie)
		return 0;
	ret = trusted ? 0 : owned_dir_ready(set, false, err, errlen);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	int dirfd;
	const char *name = owned_record_at(set, set->path, &dirfd);
	fd = ret < 0 ? ret : safe_openat(dirfd, name, set->path, O_RDONLY | O_NOFOLLOW, err, errlen);
	if (fd == -ENOENT) {
		set->absent = true;
		legacy_warning(set);
		return 0;
	}
	if (fd < 0)
		return fd;
	if (!(f = fdopen(fd, "r"))) {
		snprintf(err, errlen, "cannot read %s: %s", set->path, strerror(errno));
		close(fd);
		return -ENOMEM;
	}
	while (!damaged && fgets(line, sizeof(line), f)) {
		struct live_addr a;
		const char *owner;
		/* The last newline may be missing (an editor), a line may not be cut. */
		char *end = strchr(line, '\n');
		bool whole = end || feof(f);

		lineno++;
		if (end)
			*end = '\0';
		if (!whole)
			damaged = true;
		else if (lineno == 1) {
			if (!header_check(set, line, &damaged) && !damaged)
				break; /* not this namespace's: ignored, set->warning says why */
		} else if (entry_parse(line, &a, &owner))
			entry_append(set, &a, owner ? owner_intern(set, owner) : NULL);
		else
			damaged = true;
	}
	fclose(f);
	if (!damaged)
		owners_gone(set);
	if (damaged || set->warning[0]) {
		owned_free(set); /* never half a record, nor another namespace's */
	}
	if (damaged) {
		snprintf(err, errlen, "%s:%u: damaged ownership record; lvsdr wrote it, so it was changed "
				      "by hand or the disk lies: remove the line or the file",
			 set->path, lineno);
		return -EINVAL;
	}
	return 0;
}

static void ensure_sorted(struct owned_set *set)
{
	if (!set->sorted) {
		sort_array(set->entries, set->n, sizeof(*set->entries), entry_compare);
		set->sorted = true;
	}
}

/* The entry for a among the first n entries, which are sorted. */
static struct live_addr *find_in(struct owned_set *set, size_t n, const struct live_addr *a)
{
	struct live_addr key = { .ip = a->ip };
	memcpy(key.ifname, a->ifname, sizeof(key.ifname)); /* same size, NUL inside */
	key.route = a->route;
	return n ? bsearch(&key, set->entries, n, sizeof(*set->entries), entry_compare) : NULL;
}

static struct live_addr *find(struct owned_set *set, const struct live_addr *a)
{
	ensure_sorted(set);
	return find_in(set, set->n, a);
}

bool owned_contains(struct owned_set *set, const struct live_addr *a)
{
	return set->n && find(set, a);
}

bool owned_contains_renamed(struct owned_set *set, const struct live_addr *a)
{
	for (size_t i = 0; i < set->n; i++) {
		struct live_addr *e = &set->entries[i];
		if (e->route || e->ip.prefix != a->ip.prefix || !ipaddr_equal(&e->ip, &a->ip) ||
		    !strcmp(e->ifname, a->ifname) || if_nametoindex(e->ifname))
			continue;
		/* Under the interface's name from now on: the record follows it. */
		struct live_addr moved = *e;
		memcpy(moved.ifname, a->ifname, sizeof(moved.ifname));
		owned_remove(set, e);
		owned_add(set, &moved);
		return true;
	}
	return false;
}

const struct live_addr *owned_lookup(struct owned_set *set, const struct live_addr *a)
{
	return set->n ? find(set, a) : NULL;
}

void owned_add(struct owned_set *set, const struct live_addr *a)
{
	struct live_addr *e = set->n ? find(set, a) : NULL;

	if (e && e->owner == set->self)
		return;
	if (e)
		e->owner = set->self; /* the claim of a profile that no longer holds it, or of nobody */
	else
		entry_append(set, a, set->self);
	set->dirty = true;
}

void owned_add_all(struct owned_set *set, const struct live_addr *addrs, size_t n)
{
	size_t known;

	if (!n)
		return;
	/* Appending leaves the entries already there sorted, in place. */
	known = set->n;
	if (known)
		ensure_sorted(set);
	for (size_t i = 0; i < n; i++) {
		struct live_addr *e = known ? find_in(set, known, &addrs[i]) : NULL;
		if (e && e->owner == set->self)
			continue;
		if (e)
			e->owner = set->self;
		else
			entry_append(set, &addrs[i], set->self);
		set->dirty = true;
	}
}

void owned_seen_reset(struct owned_set *set)
{
	free(set->seen);
	set->seen = NULL;
	if (!set->n)
		return;
	ensure_sorted(set);
	set->seen = xcalloc(set->n, sizeof(*set->seen));
}

void owned_seen(struct owned_set *set, const struct live_addr *a)
{
	size_t lo = 0, hi = set->n;

	if (!set->seen)
		return;
	/* The first entry of this address and prefix, on any interface. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct live_addr *e = &set->entries[mid];
		int c = e->route != a->route ? (e->route ? 1 : -1) : ipaddr_compare(&e->ip, &a->ip);
		if (c < 0 || (!c && e->ip.prefix < a->ip.prefix))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < set->n; lo++) {
		const struct live_addr *e = &set->entries[lo];
		if (e->route != a->route || ipaddr_compare(&e->ip, &a->ip) || e->ip.prefix != a->ip.prefix)
			break;
		set->seen[lo] = true;
	}
}

size_t owned_prune(struct owned_set *set, void (*note)(const struct live_addr *entry, void *arg), void *arg)
{
	size_t kept = 0, n = set->n;

	if (!set->seen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (set->seen[i])
			set->entries[kept++] = set->entries[i];
		else if (note)
			note(&set->entries[i], arg);
	}
	set->n = kept;
	free(set->seen);
	set->seen = NULL;
	if (kept != n)
		set->dirty = true;
	return n - kept;
}

void owned_remove(struct owned_set *set, const struct live_addr *a)
{
	struct live_addr *e = set->n ? find(set, a) : NULL;

	if (!e)
		return;
	memmove(e, e + 1, (size_t)(set->entries + set->n - (e + 1)) * sizeof(*e));
	set->n--;
	set->dirty = true;
	free(set->seen);
	set->seen = NULL;
}

/* No record without a namespace cookie: an IPv4 address is known as ours
 * by its label alone, anything else lvsdr must not bind, for it could
 * never tell it from someone else's again. */
static int unrecorded_check(struct owned_set *set, char *err, size_t errlen)
{
	char label[IF_NAMESIZE], text[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < set->n; i++) {
		const struct live_addr *a = &set->entries[i];
		owned_label(a->ifname, label);
		if (a->ip.family == AF_INET && label[0] && !a->route)
			continue;
		ipaddr_format(&a->ip, text, sizeof(text));
		snprintf(err, errlen, "cannot bind %s on %s: this kernel gives no network namespace cookie "
				      "(SO_NETNS_COOKIE, Linux 5.14 or later), so lvsdr keeps no ownership record, and without "
				      "one it could never tell this address from someone else's (%s)",
			 text, a->ifname,
			 a->route ? "a route has no label" : a->ip.family == AF_INET ? "no room for a label"
										     : "IPv6 addresses have no label");
		return -ENOTSUP;
	}
	set->dirty = false;
	return 0;
}

/* The record, as owned_load() reads it. */
static void owned_render(FILE *f, const void *ctx)
{
	const struct owned_set *set = ctx;
	char text[INET6_ADDRSTRLEN];

	fprintf(f, "netns-cookie %llu\n", (unsigned long long)set->cookie);
	for (size_t i = 0; i < set->n; i++) {
		const struct live_addr *e = &set->entries[i];
		ipaddr_format(&e->ip, text, sizeof(text));
		fprintf(f, "%s%s %s/%u%s%s\n", e->route ? "route " : "", e->ifname, text, e->ip.prefix, e->owner ? " " : "",
			e->owner ? e->owner : "");
	}
}

int owned_save(struct owned_set *set, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret;

	if (!set->dirty)
		return 0;
	ensure_sorted(set);
	if (!set->cookie)
		return unrecorded_check(set, err, errlen);
	/* Nothing left to own: no record, as before lvsdr ever ran here. */
	if (!set->n) {
		if (unlink(set->path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove %s: %s", set->path, strerror(errno));
			return -errno;
		}
		set->dirty = false;
		set->absent = true;
		return 0;
	}
	if (!set->dir_trusted && (ret = owned_dir_ready(set, true, err, errlen)) < 0)
		return ret;
	if (!(text = record_text(set->path, owned_render, set, &len, err, errlen)))
		return -ENOMEM;
	ret = owned_record_write(set, text, len, err, errlen);
	free(text);
	if (ret == 0)
		set->dirty = set->absent = false;
	return ret;
}

void owned_free(struct owned_set *set)
{
	free(set->entries);
	set->entries = NULL;
	set->n = set->cap = 0;
	free(set->seen);
	set->seen = NULL;
	for (size_t i = 0; i < set->nowners; i++)
		free(set->owners[i]);
	free(set->owners);
	set->owners = NULL;
	set->nowners = 0;
	set->self = NULL;
}
