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
	unsigned prefix;
	bool has_prefix;

	parse_address(text, &a.family, a.addr, &prefix, &has_prefix);
	a.prefix = (uint8_t)prefix;
	snprintf(a.ifname, sizeof(a.ifname), "%s", ifname);
	return a;
}

/* Write text as the record, load it: the status, and the message in err. */
static int load_text(const char *text, struct owned_set *set, char *err, size_t errlen)
{
	FILE *f;
	char dir[PATH_MAX];

	owned_init(set);
	snprintf(dir, sizeof(dir), "%s", set->path);
	*strrchr(dir, '/') = '\0';
	mkdir(dir, 0755);
	if ((f = fopen(set->path, "w"))) {
		fputs(text, f);
		fclose(f);
	}
	err[0] = '\0';
	return owned_load(set, err, errlen);
}

static void damaged(const char *name, const char *text, unsigned line)
{
	struct owned_set set;
	char err[512], where[32];
	int ret = load_text(text, &set, err, sizeof(err));

	snprintf(where, sizeof(where), ":%u: damaged", line);
	CHECK(ret == -EINVAL && strstr(err, where) && set.n == 0,
	      "owned record: %s is refused at line %u, nothing kept (%d, %s)", name, line, ret, err);
	owned_free(&set);
}

void test_owned(void)
{
	struct owned_set set, back;
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

	CHECK(load_text("lo 192.0.2.100/32\neth0 2001:db8::1/64", &set, err, sizeof(err)) == 0 && set.n == 2,
	      "owned record: the last newline may be missing (%s)", err);
	owned_free(&set);
	damaged("a line without an address", "lo 192.0.2.100/32\nlo\n", 2);
	damaged("an address without a prefix", "lo 192.0.2.100\n", 1);
	damaged("a word after the address", "lo 192.0.2.100/32 extra\n", 1);
	damaged("two spaces between the fields", "lo  192.0.2.100/32\n", 1);
	damaged("a leading space", " lo 192.0.2.100/32\n", 1);
	damaged("an interface name with a colon (a label)", "lo:x 192.0.2.100/32\n", 1);
	damaged("an interface name of 16 characters", "abcdefghijklmnop 192.0.2.100/32\n", 1);
	damaged("a prefix out of range", "lo 192.0.2.100/33\n", 1);
	damaged("a carriage return (edited elsewhere)", "lo 192.0.2.100/32\r\n", 1);
	damaged("an empty line", "lo 192.0.2.100/32\n\n", 2);
	char longline[300];
	memset(longline, 'a', sizeof(longline) - 2);
	memcpy(longline, "lo 192.0.2.1/32", 15);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	damaged("a line longer than any lvsdr writes", longline, 1);

	char path[PATH_MAX];
	owned_init(&set);
	snprintf(path, sizeof(path), "%s", set.path);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	rmdir(rundir);
	unsetenv("LVSDR_RUNDIR");
}
