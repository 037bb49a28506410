/* The ownership record: what owned_save() writes, owned_load() reads back,
 * and a record changed by hand is refused with its line, never half read.
 * LVSDR_RUNDIR points the record at a throw-away directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "owned.h"
#include "util.h"

static char rundir[] = "/tmp/lvsdr-unit-owned.XXXXXX";

static struct live_addr entry(const char *ifname, const char *text)
{
	struct live_addr a = { 0 };
	bool has_prefix;

	ipaddr_parse(text, &a.ip, &has_prefix);
	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	return a;
}

/* Write text as the record, load it: the status, and the message in err. */
static int load_raw(const char *text, struct owned_set *set, char *err, size_t errlen)
{
	FILE *f;

	owned_init(set);
	mkdir(set->dir, 0755);
	if ((f = fopen(set->path, "w"))) {
		fputs(text, f);
		fclose(f);
	}
	err[0] = '\0';
	return owned_load(set, err, errlen);
}

/* The same after the line naming this namespace's cookie. */
static int load_text(const char *text, struct owned_set *set, char *err, size_t errlen)
{
	char *record = xasprintf("netns-cookie %llu\n%s", (unsigned long long)owned_netns_cookie(), text);
	int ret = load_raw(record, set, err, errlen);

	free(record);
	return ret;
}

/* A record that is not this namespace's: loaded as empty, a warning that
 * names the file and contains why. */
static void ignored(const char *name, const char *text, const char *why)
{
	struct owned_set set = { 0 };
	char err[512];
	int ret = load_raw(text, &set, err, sizeof(err));

	CHECK(ret == 0 && set.n == 0 && strstr(set.warning, set.path) && strstr(set.warning, why),
	      "owned record: %s is ignored with a warning (%d, %s)", name, ret, set.warning);
	owned_free(&set);
}

/* A kernel without SO_NETNS_COOKIE: no record is read or written; an
 * IPv4 address with a label needs none, anything else is refused. */
static void without_cookie(const struct live_addr *v4, const struct live_addr *v6)
{
	struct owned_set set = { 0 };
	char err[512] = "";

	owned_init_cookie(&set, 0);
	CHECK(set.path[0] == '\0' && !strcmp(set.dir, rundir),
	      "owned record: without a cookie there is no record, the lock is the run directory's (%s)", set.dir);
	owned_add(&set, v4);
	CHECK(owned_save(&set, err, sizeof(err)) == 0,
	      "owned record: without a cookie, an IPv4 address with a label is saved as nothing (%s)", err);
	owned_add(&set, v6);
	CHECK(owned_save(&set, err, sizeof(err)) == -ENOTSUP && strstr(err, "cannot bind 2001:db8::100 on lo") &&
		      strstr(err, "SO_NETNS_COOKIE, Linux 5.14"),
	      "owned record: without a cookie, an IPv6 address is refused, saying why (%s)", err);
	owned_free(&set);
}

/* header: text follows this namespace's cookie line; otherwise it is the
 * whole record. */
static void damaged_record(const char *name, const char *text, bool header, unsigned line)
{
	struct owned_set set = { 0 };
	char err[512], where[32];
	int ret = header ? load_text(text, &set, err, sizeof(err)) : load_raw(text, &set, err, sizeof(err));

	snprintf(where, sizeof(where), ":%u: damaged", line);
	CHECK(ret == -EINVAL && strstr(err, where) && set.n == 0,
	      "owned record: %s is refused at line %u, nothing kept (%d, %s)", name, line, ret, err);
	owned_free(&set);
}

static void damaged(const char *name, const char *text, unsigned line)
{
	damaged_record(name, text, true, line);
}

/* Each entry names the profile that bound it; an older lvsdr's entry
 * names none; entries whose address is gone are dropped by owned_prune. */
static void owned_profiles(const struct live_addr *v4, const struct live_addr *v6)
{
	struct owned_set set = { 0 }, back = { 0 };
	char err[512] = "", *a = xasprintf("%s/a b.ini", rundir), *b = xasprintf("%s/b.ini", rundir);
	size_t pruned;
	FILE *f;

	/* The profiles exist: an entry whose profile is gone names nobody. */
	if ((f = fopen(a, "w")))
		fclose(f);
	if ((f = fopen(b, "w")))
		fclose(f);
	owned_init(&set);
	CHECK(owned_set_profile(&set, a, err, sizeof(err)) == 0, "owned record: a profile (%s)", err);
	owned_add(&set, v4);
	CHECK(owned_set_profile(&set, "/etc/lvsdr/\nb.ini", err, sizeof(err)) == -EINVAL && strstr(err, "newline"),
	      "owned record: a profile path with a newline is refused");
	err[0] = '\0';
	CHECK(owned_set_profile(&set, b, err, sizeof(err)) == 0, "owned record: another profile");
	owned_add(&set, v6);
	CHECK(owned_save(&set, err, sizeof(err)) == 0, "owned record: saved with profiles (%s)", err);
	owned_free(&set);
	CHECK(owned_load(&back, err, sizeof(err)) == 0 && back.n == 2 && owned_lookup(&back, v4) &&
		      owned_lookup(&back, v4)->owner && !strcmp(owned_lookup(&back, v4)->owner, a) &&
		      owned_lookup(&back, v6)->owner && !strcmp(owned_lookup(&back, v6)->owner, b),
	      "owned record: each entry reads back with its profile, spaces and all");
	owned_set_profile(&back, b, err, sizeof(err));
	CHECK(owned_by_self(&back, owned_lookup(&back, v6)) && !owned_by_self(&back, owned_lookup(&back, v4)),
	      "owned record: an entry is this run's only when it names this run's profile");
	owned_add(&back, v4);
	CHECK(owned_by_self(&back, owned_lookup(&back, v4)) && back.n == 2,
	      "owned record: adding an entry another profile claimed makes it this run's");
	owned_seen_reset(&back);
	owned_seen(&back, v4);
	pruned = owned_prune(&back, NULL, NULL);
	CHECK(pruned == 1 && back.n == 1 && owned_lookup(&back, v4) && !owned_lookup(&back, v6) && back.dirty,
	      "owned record: the entry whose address was not seen is pruned (%zu)", pruned);
	owned_free(&back);
	unlink(b);
	CHECK(owned_load(&back, err, sizeof(err)) == 0 && back.n == 2 && !owned_lookup(&back, v6)->owner &&
		      owned_lookup(&back, v4)->owner,
	      "owned record: an entry of a profile file that no longer exists names nobody");
	owned_free(&back);
	unlink(a);
	CHECK(load_text("eth0 2001:db8::1/64\n", &set, err, sizeof(err)) == 0 && set.n == 1 && !set.entries[0].owner,
	      "owned record: an older lvsdr's entry has no owner (%s)", err);
	owned_free(&set);
	free(a);
	free(b);
}

/* owned_add_all() holds what owned_add() one by one would: an entry of
 * another profile becomes this run's, one already this run's stays once,
 * and new entries are found after it. */
static void owned_add_many(const struct live_addr *v4, const struct live_addr *v6)
{
	struct owned_set set = { 0 };
	struct live_addr many[3] = { *v6, entry("eth0", "198.51.100.7/32"), *v4 };
	char err[512] = "", *a = xasprintf("%s/all-a.ini", rundir), *b = xasprintf("%s/all-b.ini", rundir);

	owned_init(&set);
	owned_set_profile(&set, a, err, sizeof(err));
	owned_add_all(&set, many, 1);
	CHECK(set.n == 1 && owned_by_self(&set, owned_lookup(&set, v6)),
	      "owned record: owned_add_all() into an empty record (%zu)", set.n);
	owned_free(&set);
	owned_init(&set);
	owned_set_profile(&set, a, err, sizeof(err));
	owned_add(&set, v4);
	owned_set_profile(&set, b, err, sizeof(err));
	owned_add(&set, v6);
	set.dirty = false;
	owned_add_all(&set, many, 3);
	CHECK(set.n == 3 && set.dirty && owned_lookup(&set, &many[1]) && owned_by_self(&set, owned_lookup(&set, v4)) &&
		      owned_by_self(&set, owned_lookup(&set, v6)) && owned_by_self(&set, owned_lookup(&set, &many[1])),
	      "owned record: owned_add_all() adds the new entry once and makes all three this run's (%zu)", set.n);
	set.dirty = false;
	owned_add_all(&set, many, 3);
	CHECK(set.n == 3 && !set.dirty, "owned record: owned_add_all() of entries already this run's changes nothing");
	owned_free(&set);
	free(a);
	free(b);
}

/* The record file's text, or "" when there is none. */
static void record_read(const struct owned_set *set, char *buf, size_t len)
{
	FILE *f = fopen(set->path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* One save through the service's kept spare: load (the spare made ahead
 * first, as lvsdr events does between events), change, save; the record
 * must then read body after the cookie line. */
static void kept_save(struct owned_keep *keep, const char *name, const struct live_addr *add,
		      const struct live_addr *drop, bool prefilled, const char *body)
{
	struct owned_set set = { 0 };
	char err[512] = "", got[512];
	char *want = xasprintf("netns-cookie %llu\n%s", (unsigned long long)owned_netns_cookie(), body);

	owned_keep_prepare(keep);
	CHECK(keep->spare_fd >= 0 && (keep->spare_len > 0) == prefilled,
	      "owned record, kept spare: %s: the spare is made ahead, %s (%zu bytes)", name,
	      prefilled ? "holding the last record's text" : "empty", keep->spare_len);
	owned_init(&set);
	CHECK(owned_lock_kept(&set, keep, 1000, err, sizeof(err)) >= 0 && keep->dir_fd[0] >= 0 && keep->dir_fd[1] >= 0,
	      "owned record, kept spare: %s: the kept lock taken, its directories held (%s)", name, err);
	owned_load(&set, err, sizeof(err));
	if (add)
		owned_add(&set, add);
	if (drop)
		owned_remove(&set, drop);
	err[0] = '\0';
	CHECK(owned_save(&set, err, sizeof(err)) == 0 && keep->spare_fd < 0 && keep->used_fd >= 0,
	      "owned record, kept spare: %s: saved through the spare (%s)", name, err);
	owned_unlock_kept(keep->lock_fd);
	record_read(&set, got, sizeof(got));
	CHECK(!strcmp(got, want), "owned record, kept spare: %s: the record reads exactly its entries (%zu bytes)", name,
	      strlen(got));
	free(want);
	owned_free(&set);
}

/* lvsdr events' spare: named as the record itself when there was none,
 * through the temporary name when there was; the text written ahead kept
 * when it is the one saved, written over when not (longer, shorter, the
 * same length). */
static void kept_spare(const struct live_addr *v4, const struct live_addr *v6)
{
	struct owned_keep keep = OWNED_KEEP_INIT;
	struct owned_set set = { 0 };
	struct live_addr v4b = entry("lo", "192.0.2.101/32");
	char err[512], tmp[sizeof(set.path) + 8];

	owned_init(&set);
	unlink(set.path);
	kept_save(&keep, "no record before (a failover)", v4, NULL, false, "lo 192.0.2.100/32\n");
	snprintf(tmp, sizeof(tmp), "%s.tmp", set.path);
	CHECK(access(tmp, F_OK) < 0, "owned record, kept spare: with no record before, no temporary name is left");
	kept_save(&keep, "a longer record over one", v6, NULL, true, "lo 192.0.2.100/32\nlo 2001:db8::100/128\n");
	kept_save(&keep, "a shorter record over one", NULL, v6, true, "lo 192.0.2.100/32\n");
	owned_init(&set);
	owned_lock_kept(&set, &keep, 1000, err, sizeof(err));
	owned_load(&set, err, sizeof(err));
	owned_remove(&set, v4);
	CHECK(owned_save(&set, err, sizeof(err)) == 0 && access(set.path, F_OK) < 0 && set.absent,
	      "owned record, kept spare: nothing left to own removes the record (%s)", err);
	owned_unlock_kept(keep.lock_fd);
	owned_free(&set);
	kept_save(&keep, "the record saved last, again, after a release", v4, NULL, true, "lo 192.0.2.100/32\n");
	kept_save(&keep, "a record of the same length over one", &v4b, v4, true, "lo 192.0.2.101/32\n");
	owned_keep_close(&keep);
	owned_init(&set);
	unlink(set.path);
}

void test_owned(void)
{
	struct owned_set set = { 0 }, back = { 0 };
	char err[512] = "";
	struct live_addr v4 = entry("lo", "192.0.2.100/32"), v6 = entry("lo", "2001:db8::100/128"),
			 nic = entry("eth0", "198.51.100.21/24");

	if (!mkdtemp(rundir)) {
		CHECK(false, "owned record: a temporary run directory (%s)", strerror(errno));
		return;
	}
	setenv("LVSDR_RUNDIR", rundir, 1);

	CHECK(owned_load(&set, err, sizeof(err)) == 0 && set.n == 0, "owned record: none yet is an empty set");
	owned_add(&set, &v4);
	owned_add(&set, &v6);
	owned_add(&set, &nic);
	owned_add(&set, &v4);
	CHECK(set.n == 3, "owned record: an address added twice is held once (%zu)", set.n);
	CHECK(owned_save(&set, err, sizeof(err)) == 0, "owned record: saved (%s)", err);
	CHECK(owned_load(&back, err, sizeof(err)) == 0 && back.n == 3 && owned_contains(&back, &v4) &&
		      owned_contains(&back, &v6) && owned_contains(&back, &nic),
	      "owned record: what was saved reads back, every entry");
	struct live_addr other_if = entry("eth0", "192.0.2.100/32"), other_prefix = entry("lo", "192.0.2.100/24");
	CHECK(!owned_contains(&back, &other_if) && !owned_contains(&back, &other_prefix),
	      "owned record: the same address on another interface or with another prefix is not ours");
	owned_remove(&back, &v6);
	CHECK(back.n == 2 && !owned_contains(&back, &v6) && owned_contains(&back, &v4),
	      "owned record: a removed entry is gone, the others stay");
	owned_free(&set);
	owned_free(&back);

	owned_profiles(&v4, &v6);
	owned_add_many(&v4, &v6);
	CHECK(load_text("lo 192.0.2.100/32\neth0 2001:db8::1/64", &set, err, sizeof(err)) == 0 && set.n == 2,
	      "owned record: the last newline may be missing (%s)", err);
	owned_free(&set);
	damaged("a line without an address", "lo 192.0.2.100/32\nlo\n", 3);
	damaged("an address without a prefix", "lo 192.0.2.100\n", 2);
	damaged("a word after the address", "lo 192.0.2.100/32 extra\n", 2);
	damaged("a relative profile path", "lo 192.0.2.100/32 etc/a.ini\n", 2);
	damaged("an empty profile path", "lo 192.0.2.100/32 \n", 2);
	damaged("two spaces between the fields", "lo  192.0.2.100/32\n", 2);
	damaged("a leading space", " lo 192.0.2.100/32\n", 2);
	damaged("an interface name with a colon (a label)", "lo:x 192.0.2.100/32\n", 2);
	damaged("an interface name of 16 characters", "abcdefghijklmnop 192.0.2.100/32\n", 2);
	damaged("a prefix out of range", "lo 192.0.2.100/33\n", 2);
	damaged("a carriage return (edited elsewhere)", "lo 192.0.2.100/32\r\n", 2);
	damaged("an empty line", "lo 192.0.2.100/32\n\n", 3);
	damaged_record("a cookie line glued to its number", "netns-cookie12\nlo 192.0.2.100/32\n", false, 1);
	damaged_record("a cookie of 0, which the kernel never gives", "netns-cookie 0\n", false, 1);
	damaged_record("a cookie out of range", "netns-cookie 99999999999999999999999\n", false, 1);
	damaged_record("a first line that is neither cookie nor address", "hello\n", false, 1);

	ignored("a record without a cookie line (an older lvsdr's)", "lo 2001:db8::100/128\n",
		"names no network namespace cookie");
	ignored("a record of another namespace's cookie", "netns-cookie 1\nlo 2001:db8::100/128\n",
		"belongs to the network namespace with cookie 1");
	without_cookie(&v4, &v6);
	kept_spare(&v4, &v6);
	char longline[300];
	memset(longline, 'a', sizeof(longline) - 2);
	memcpy(longline, "lo 192.0.2.1/32", 15);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	damaged("a line longer than any lvsdr writes", longline, 2);

	owned_init(&set);
	unlink(set.path);
	rmdir(set.dir);
	rmdir(rundir);
	unsetenv("LVSDR_RUNDIR");
}
