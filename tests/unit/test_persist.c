/* The sysctl.d drop-in lvsdr persist writes, and the scanner that tells
 * which sysctl file sets a key last, on a throw-away root directory laid
 * out like a host's: /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d,
 * /usr/lib/sysctl.d, /lib/sysctl.d and /etc/sysctl.conf. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "persist.h"
#include "profile.h"
#include "sysctl_conf.h"
#include "util.h"

static char root[] = "/tmp/lvsdr-unit-persist.XXXXXX";

static void want_profile(struct host *want, const char *ifname, const char *extra)
{
	struct diag d = { .file = "unit.ini" };
	char text[512];

	snprintf(text, sizeof(text), "[host]\nrole = realserver\ninterface = %s\n%s[vip]\naddress = 192.0.2.100\n",
		 ifname, extra);
	profile_parse(text, strlen(text), want, &d);
	diag_free(&d);
}

/* Create root/path with text, making the directories above it. */
static void put(const char *path, const char *text)
{
	char full[PATH_MAX];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	if ((f = fopen(full, "w"))) {
		fputs(text, f);
		fclose(f);
	}
}

static void link_to(const char *target, const char *path)
{
	char full[PATH_MAX];
	snprintf(full, sizeof(full), "%s%s", root, path);
	unlink(full);
	if (symlink(target, full) < 0)
		perror(full);
}

static void rm_tree(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
}

/* The assignment of key that wins, as "file:line=value", or "-". */
static const char *winner(const char *key)
{
	static char text[PATH_MAX + 96];
	struct sysctl_query q = { .key = key };
	char err[256];

	if (sysctl_conf_scan(root, &q, 1, err, sizeof(err)) < 0)
		snprintf(text, sizeof(text), "error: %s", err);
	else if (!q.last.found)
		snprintf(text, sizeof(text), "-");
	else
		snprintf(text, sizeof(text), "%s:%u=%s", q.last.file, q.last.line, q.last.value);
	return text;
}

static bool normalized_is(const char *key, const char *want)
{
	char out[128];
	return sysctl_key_normalize(key, out, sizeof(out)) && !strcmp(out, want);
}

static void test_normalize(void)
{
	CHECK(normalized_is("net.ipv4.conf.all.arp_ignore", "net/ipv4/conf/all/arp_ignore"),
	      "normalize: the dotted form becomes the slash form");
	CHECK(normalized_is("net/ipv4/conf/eth0.100/arp_ignore", "net/ipv4/conf/eth0.100/arp_ignore"),
	      "normalize: in the slash form a dot is part of the interface name");
	CHECK(normalized_is("net.ipv4.conf.eth0/100.arp_ignore", "net/ipv4/conf/eth0.100/arp_ignore"),
	      "normalize: in the dotted form a slash stands for the dot of a name");
	CHECK(normalized_is("net.ipv4.conf.eth0.100.arp_ignore", "net/ipv4/conf/eth0/100/arp_ignore"),
	      "normalize: the dotted form splits eth0.100 in two, so it never names the VLAN");
	char tiny[8];
	CHECK(!sysctl_key_normalize("net.ipv4.conf", tiny, sizeof(tiny)), "normalize: too long for the buffer is refused");
}

static void test_dropin(void)
{
	struct host want;
	char name[NAME_MAX + 1], *text;

	CHECK(persist_dropin_name("/etc/lvsdr/web1.ini", name, sizeof(name)) && !strcmp(name, "90-lvsdr-web1.conf"),
	      "drop-in name: /etc/lvsdr/web1.ini gives 90-lvsdr-web1.conf (got %s)", name);
	CHECK(persist_dropin_name("web1", name, sizeof(name)) && !strcmp(name, "90-lvsdr-web1.conf"),
	      "drop-in name: a profile without .ini keeps its whole name");
	CHECK(!persist_dropin_name("/etc/lvsdr/.ini", name, sizeof(name)), "drop-in name: .ini alone leaves no name");
	CHECK(!persist_dropin_name("dir/", name, sizeof(name)), "drop-in name: a path ending in / leaves no name");

	want_profile(&want, "eth0", "");
	text = persist_render(&want, "/etc/lvsdr/web1.ini");
	CHECK(text && strstr(text, "\nnet.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.eth0.arp_ignore = 1\n"
				   "net.ipv4.conf.all.arp_announce = 2\nnet.ipv4.conf.eth0.arp_announce = 2\n"),
	      "drop-in: a real server's knobs on conf/all and conf/eth0, in the dotted form");
	CHECK(text && !strncmp(text, "# The ARP knobs of profile web1, a realserver on eth0 (lvsdr persist).\n", 71),
	      "drop-in: the header names the profile, its role and the interface");
	char *again = persist_render(&want, "web1.ini");
	CHECK(text && again && !strcmp(text, again), "drop-in: the same text whatever path names the profile");
	free(again);
	free(text);
	host_free(&want);

	want_profile(&want, "eth0.100", "");
	text = persist_render(&want, "vlan.ini");
	CHECK(text && strstr(text, "\nnet.ipv4.conf.all.arp_ignore = 1\nnet/ipv4/conf/eth0.100/arp_ignore = 1\n"),
	      "drop-in: a name with a dot (eth0.100) is written in the slash form, conf/all stays dotted");
	CHECK(text && !strstr(text, "net.ipv4.conf.eth0.100."), "drop-in: never the dotted form for eth0.100");
	free(text);
	host_free(&want);

	want_profile(&want, "eth0", "[arp]\nscope = interface\n");
	text = persist_render(&want, "dev.ini");
	CHECK(text && !strstr(text, "conf.all.") && strstr(text, "net.ipv4.conf.eth0.arp_ignore = 1\n"),
	      "drop-in: scope = interface writes conf/eth0 only");
	free(text);
	host_free(&want);

	struct diag d = { .file = "lb.ini" };
	const char *director = "[host]\nrole = director\ninterface = eth0\n[vip]\naddress = 192.0.2.100/24\n";
	profile_parse(director, strlen(director), &want, &d);
	diag_free(&d);
	text = persist_render(&want, "lb.ini");
	CHECK(!text, "drop-in: a director without [arp] has nothing to persist");
	free(text);
	host_free(&want);
}

static void test_write(void)
{
	char path[PATH_MAX], err[256];
	struct stat st;

	put("/w/keep", "");
	snprintf(path, sizeof(path), "%s/w/90-lvsdr-x.conf", root);
	CHECK(persist_write(path, "a = 1\n", err, sizeof(err)) == 1, "write: a new drop-in is written");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644, "write: mode 0644, as sysctl.d files are");
	CHECK(persist_write(path, "a = 1\n", err, sizeof(err)) == 0, "write: the same text again changes nothing");
	CHECK(persist_write(path, "a = 2\n", err, sizeof(err)) == 1, "write: other text replaces it");
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s/w')\" = \"$(printf '90-lvsdr-x.conf\\nkeep')\"", root);
	CHECK(system(cmd) == 0, "write: no temporary file is left behind");
	snprintf(path, sizeof(path), "%s/missing/90-lvsdr-x.conf", root);
	CHECK(persist_write(path, "a = 1\n", err, sizeof(err)) == -1 && strstr(err, "No such file"),
	      "write: a missing directory is an error naming why (%s)", err);
}

static void test_precedence(void)
{
	const char *k = "net/ipv4/conf/all/arp_ignore";

	CHECK(!strcmp(winner(k), "-"), "scan: an empty root sets nothing");
	put("/usr/lib/sysctl.d/50-a.conf", "net.ipv4.conf.all.arp_ignore = 5\n");
	CHECK(!strcmp(winner(k), "/usr/lib/sysctl.d/50-a.conf:1=5"), "scan: /usr/lib/sysctl.d is read (%s)", winner(k));
	put("/etc/sysctl.d/50-a.conf", "# the admin's copy\n\nnet.ipv4.conf.all.arp_ignore = 1\n");
	CHECK(!strcmp(winner(k), "/etc/sysctl.d/50-a.conf:3=1"),
	      "scan: the same name in /etc/sysctl.d hides the packaged file (%s)", winner(k));
	put("/usr/lib/sysctl.d/60-b.conf", "net.ipv4.conf.all.arp_ignore=2\n");
	CHECK(!strcmp(winner(k), "/usr/lib/sysctl.d/60-b.conf:1=2"),
	      "scan: files sort by name across directories: 60-b in /usr/lib after 50-a in /etc (%s)", winner(k));
	put("/run/sysctl.d/70-c.conf", "  -net.ipv4.conf.all.arp_ignore   =   3  \n");
	CHECK(!strcmp(winner(k), "/run/sysctl.d/70-c.conf:1=3"),
	      "scan: /run/sysctl.d, a '-' prefix and spaces around '=' (%s)", winner(k));
	put("/usr/local/lib/sysctl.d/72-d.conf", "; comment\nnet.ipv4.conf.all.arp_ignore = 4\n");
	CHECK(!strcmp(winner(k), "/usr/local/lib/sysctl.d/72-d.conf:2=4"), "scan: /usr/local/lib/sysctl.d (%s)",
	      winner(k));
	put("/lib/sysctl.d/74-e.conf", "net/ipv4/conf/all/arp_ignore = 6\n");
	CHECK(!strcmp(winner(k), "/lib/sysctl.d/74-e.conf:1=6"), "scan: /lib/sysctl.d, and a key in the slash form (%s)",
	      winner(k));
	put("/usr/lib/sysctl.d/76-f.conf", "net.ipv4.conf.all.arp_ignore = 7\n");
	link_to("/dev/null", "/etc/sysctl.d/76-f.conf");
	CHECK(!strcmp(winner(k), "/lib/sysctl.d/74-e.conf:1=6"),
	      "scan: a link to /dev/null in /etc masks the packaged file (%s)", winner(k));
	put("/etc/sysctl.d/.77-hidden.conf", "net.ipv4.conf.all.arp_ignore = 9\n");
	put("/etc/sysctl.d/77-g.conf.dpkg-old", "net.ipv4.conf.all.arp_ignore = 9\n");
	put("/etc/sysctl.d/77-h.conf", "net.ipv4.conf.all.arp_ignore\n");
	CHECK(!strcmp(winner(k), "/lib/sysctl.d/74-e.conf:1=6"),
	      "scan: hidden files, names not ending in .conf and lines without '=' are skipped (%s)", winner(k));
	put("/srv/abs.conf", "net.ipv4.conf.all.arp_ignore = 8\n");
	link_to("/srv/abs.conf", "/etc/sysctl.d/78-abs.conf");
	CHECK(!strcmp(winner(k), "/etc/sysctl.d/78-abs.conf:1=8"),
	      "scan: an absolute link is followed inside the root (%s)", winner(k));
	put("/etc/sysctl.conf", "net.ipv4.conf.all.arp_ignore = 0\n");
	link_to("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
	put("/usr/lib/sysctl.d/99-zz-late.conf", "net.ipv4.conf.all.arp_ignore = 1\n");
	CHECK(!strcmp(winner(k), "/etc/sysctl.conf:1=0"),
	      "scan: /etc/sysctl.conf comes last, after every drop-in (%s)", winner(k));

	struct sysctl_query q = { .key = k };
	char err[256];
	sysctl_conf_scan(root, &q, 1, err, sizeof(err));
	CHECK(q.overridden.found && !strcmp(q.overridden.file, "/usr/lib/sysctl.d/99-zz-late.conf"),
	      "scan: the winner names the assignment it overrides (%s)", q.overridden.file);

	/* A pattern applies only where no line names the key itself. */
	const char *a = "net/ipv4/conf/all/arp_announce", *e = "net/ipv4/conf/eth0/arp_announce";
	put("/etc/sysctl.d/10-explicit.conf", "net.ipv4.conf.eth0.arp_announce = 2\n");
	put("/usr/lib/sysctl.d/95-glob.conf", "net.ipv4.conf.*.arp_announce = 0\n");
	CHECK(!strcmp(winner(e), "/etc/sysctl.d/10-explicit.conf:1=2"),
	      "scan: an explicit key wins over a later pattern, as in systemd-sysctl (%s)", winner(e));
	CHECK(!strcmp(winner(a), "/usr/lib/sysctl.d/95-glob.conf:1=0"), "scan: a pattern sets the keys no line names (%s)",
	      winner(a));

	const char *v = "net/ipv4/conf/eth0.100/arp_ignore";
	put("/etc/sysctl.d/20-vlan.conf", "net.ipv4.conf.eth0.100.arp_ignore = 0\n");
	CHECK(!strcmp(winner(v), "-"), "scan: the dotted eth0.100 line does not set the VLAN's key (%s)", winner(v));
	put("/etc/sysctl.d/21-vlan.conf", "net.ipv4.conf.eth0/100.arp_ignore = 2\n");
	CHECK(!strcmp(winner(v), "/etc/sysctl.d/21-vlan.conf:1=2"), "scan: eth0/100 in the dotted form does (%s)",
	      winner(v));

	put("/etc/sysctl.d/30-unreadable.conf", "");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/etc/sysctl.d/30-unreadable.conf", root);
	chmod(path, 0);
	if (geteuid() != 0) {
		CHECK(strstr(winner(k), "error: /etc/sysctl.d/30-unreadable.conf: Permission denied"),
		      "scan: an unreadable file is an error naming it (%s)", winner(k));
	}
	unlink(path);
}

static void test_findings(void)
{
	struct host want;
	struct persist_finding *f;
	size_t n;
	char path[PATH_MAX], err[256], *text;

	rm_tree();
	if (mkdir(root, 0700) < 0)
		return;
	want_profile(&want, "eth0.100", "");
	f = persist_boot_findings(root, &want, "vlan.ini", &n);
	CHECK(n == 0, "findings: nothing persisted and nothing set: no finding (%zu)", n);
	free(f);

	text = persist_render(&want, "vlan.ini");
	put("/etc/sysctl.d/keep", "");
	snprintf(path, sizeof(path), "%s/etc/sysctl.d/90-lvsdr-vlan.conf", root);
	persist_write(path, text, err, sizeof(err));
	free(text);

	struct persist_setting settings[PERSIST_MAX_SETTINGS];
	struct sysctl_query q[PERSIST_MAX_SETTINGS];
	size_t ns = persist_settings(&want, settings), same = 0;
	for (size_t i = 0; i < ns; i++)
		q[i].key = settings[i].key;
	sysctl_conf_scan(root, q, ns, err, sizeof(err));
	for (size_t i = 0; i < ns; i++) {
		int v;
		same += q[i].last.found && parse_int(q[i].last.value, &v) && v == settings[i].value &&
			!strcmp(q[i].last.file, "/etc/sysctl.d/90-lvsdr-vlan.conf");
	}
	CHECK(ns == 4 && same == ns, "round trip: the scanner reads back every knob of the drop-in (%zu of %zu)", same, ns);

	f = persist_boot_findings(root, &want, "vlan.ini", &n);
	CHECK(n == 0, "findings: the drop-in alone: no finding (%zu)", n);
	free(f);

	put("/etc/sysctl.conf", "# legacy\nnet.ipv4.conf.eth0/100.arp_ignore = 0\n");
	link_to("../sysctl.conf", "/etc/sysctl.d/99-sysctl.conf");
	f = persist_boot_findings(root, &want, "vlan.ini", &n);
	CHECK(n == 1 && !strcmp(f[0].subject, "arp_ignore") &&
		      !strcmp(f[0].detail, "at boot /etc/sysctl.conf:2 sets conf/eth0.100/arp_ignore = 0, not 1, overriding "
					   "/etc/sysctl.d/90-lvsdr-vlan.conf:6: remove it there"),
	      "findings: Debian's 99-sysctl.conf link brings /etc/sysctl.conf after the drop-in: named with its line "
	      "(%s)",
	      n ? f[0].detail : "none");
	free(f);

	put("/usr/lib/sysctl.d/99-vendor.conf", "net.ipv4.conf.all.arp_announce = 1\n");
	f = persist_boot_findings(root, &want, "vlan.ini", &n);
	CHECK(n == 2 && strstr(f[1].detail, "/usr/lib/sysctl.d/99-vendor.conf:1 sets conf/all/arp_announce = 1, not 2") &&
		      strstr(f[1].detail, "mask that file with one of the same name in /etc/sysctl.d"),
	      "findings: a packaged file is to be masked, not edited (%s)", n > 1 ? f[1].detail : "none");
	free(f);
	host_free(&want);

	want_profile(&want, "eth0.100", "[arp]\nignore = 2\n");
	f = persist_boot_findings(root, &want, "vlan.ini", &n);
	CHECK(n >= 1 && !strcmp(f[0].subject, "90-lvsdr-vlan.conf") && strstr(f[0].detail, "does not match the profile"),
	      "findings: a drop-in the profile has moved away from is reported (%s)", n ? f[0].detail : "none");
	free(f);
	host_free(&want);
}

void test_persist(void)
{
	test_normalize();
	test_dropin();
	if (!mkdtemp(root)) {
		CHECK(false, "persist: cannot create a temporary root");
		return;
	}
	test_write();
	test_precedence();
	test_findings();
	rm_tree();
}
