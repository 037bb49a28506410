#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysctl.h"
#include "sysctl_conf.h"
#include "record_file.h"
#include "safe_open.h"
#include "util.h"

/* Bigger than any drop-in lvsdr writes: a longer file is not ours. */
#define PERSIST_MAX_BYTES 65536

size_t persist_settings(const struct host *want, struct persist_setting out[PERSIST_MAX_SETTINGS])
{
	size_t n = 0;

	for (int k = 0; k < KNOB_COUNT; k++)
		for (int s = SCOPE_ALL; s <= SCOPE_DEV; s++) {
			const struct knob_values *kv = &want->knobs[k];
			const char *dir = sysctl_scope_dir((enum scope)s, want->ifname), *name = knob_table[k].sysctl;
			struct persist_setting *ps = &out[n];
			if (!kv->present[s])
				continue;
			ps->knob = (enum arp_knob)k;
			ps->scope = (enum scope)s;
			ps->value = kv->value[s];
			snprintf(ps->key, sizeof(ps->key), "net/ipv4/conf/%s/%s", dir, name);
			/* In the dotted form the dot of "eth0.100" would split the name. */
			if (strchr(dir, '.'))
				snprintf(ps->line, sizeof(ps->line), "%s = %d", ps->key, ps->value);
			else
				snprintf(ps->line, sizeof(ps->line), "net.ipv4.conf.%s.%s = %d", dir, name, ps->value);
			n++;
		}
	return n;
}

const char *persist_ifname_unsafe(const char *ifname)
{
	/* systemd-sysctl reads '*', '?' and '[' in a key as a glob (matching
	 * other interfaces too) and splits a line at its first '='; sysctl.d(5)
	 * has no escape for either. A leading '-' only marks a key whose
	 * failure is ignored, and no key of ours starts with the name. */
	static const char unsafe[] = "*?[=";
	const char *c = strpbrk(ifname, unsafe);

	if (!c)
		return NULL;
	switch (*c) {
	case '=':
		return "'=': sysctl.d splits a line at its first '=', so the key would end there";
	case '*':
		return "'*': sysctl.d reads it as a glob that matches other interfaces too";
	case '?':
		return "'?': sysctl.d reads it as a glob that matches other interfaces too";
	}
	return "'[': sysctl.d reads it as a glob that matches other interfaces too";
}

bool persist_dropin_name(const char *profile, char *out, size_t len)
{
	const char *base = strrchr(profile, '/');
	size_t n;

	base = base ? base + 1 : profile;
	n = strlen(base);
	if (n >= 4 && !strcmp(base + n - 4, ".ini"))
		n -= 4;
	if (!n || n + sizeof(PERSIST_PREFIX ".conf") > NAME_MAX + 1u)
		return false;
	return snprintf(out, len, PERSIST_PREFIX "%.*s.conf", (int)n, base) < (int)len;
}

char *persist_render(const struct host *want, const char *profile)
{
	struct persist_setting settings[PERSIST_MAX_SETTINGS];
	size_t n = persist_settings(want, settings), size = 0;
	char name[NAME_MAX + 1], *text = NULL;
	FILE *out;

	if (!n || !persist_dropin_name(profile, name, sizeof(name)))
		return NULL;
	if (!(out = open_memstream(&text, &size)))
		return NULL;
	/* The profile's stem, not its path: verify compares this text with
	 * the file, whichever way the profile was named on the command line. */
	fprintf(out, "# The ARP knobs of profile %.*s, a %s on %s (lvsdr persist).\n"
		     "# systemd-sysctl applies them at boot, and udev again for %s whenever\n"
		     "# it appears. Change the profile and run lvsdr persist again.\n",
		(int)(strlen(name) - strlen(PERSIST_PREFIX ".conf")), name + strlen(PERSIST_PREFIX),
		want->role == ROLE_DIRECTOR ? "director" : "realserver", want->ifname, want->ifname);
	if (strchr(want->ifname, '.'))
		fprintf(out, "# %s has a dot in its name: its lines use the slash form.\n", want->ifname);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\n", settings[i].line);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* The whole file, allocated; NULL with errno (ENOENT: no such file) and
 * err filled. Only a regular file is read: a FIFO would read as empty. */
static char *read_small(const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd = safe_open(path, O_RDONLY, err, errlen);

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	buf = xmalloc(PERSIST_MAX_BYTES + 1);
	while (got < PERSIST_MAX_BYTES && (r = read(fd, buf + got, PERSIST_MAX_BYTES - got)) > 0)
		got += (size_t)r;
	close(fd);
	buf[got] = '\0';
	return buf;
}

int persist_write(const char *path, const char *text, char *err, size_t errlen)
{
	char why[PATH_MAX + 64], *old = read_small(path, why, sizeof(why)), tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	enum file_replace_step step;
	int fd, ret;

	if (old && !strcmp(old, text)) {
		free(old);
		return 0;
	}
	/* A FIFO or a directory there is no drop-in lvsdr wrote: named, not replaced. */
	if (!old && errno != ENOENT) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	free(old);
	/* Not ending in ".conf": sysctl --system never reads it half-written. */
	if (snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", slash ? (int)(slash - path) : 1, slash ? path : ".",
		     slash ? slash + 1 : path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if ((ret = file_replace(path, tmp, text, strlen(text), &step)) < 0) {
		if (step == FILE_REPLACE_CREATE)
			snprintf(err, errlen, "cannot create a file in %s: %s", dir, strerror(-ret));
		else
			snprintf(err, errlen, "cannot %s %s: %s", step == FILE_REPLACE_WRITE ? "write" : "replace",
				 step == FILE_REPLACE_WRITE ? tmp : path, strerror(-ret));
		return -1;
	}
	/* The rename itself must reach the disk before a reboot reads it. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return 1;
}

/* Long paths are cut short in the message, never an error. */
static void finding_add(struct persist_finding **list, size_t *n, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void finding_add(struct persist_finding **list, size_t *n, const char *subject, const char *fmt, ...)
{
	va_list ap;

	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	struct persist_finding *f = &(*list)[(*n)++];
	size_t len = strnlen(subject, sizeof(f->subject) - 1);
	memcpy(f->subject, subject, len);
	f->subject[len] = '\0';
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

/* The drop-in as persist would write it now, against the one in place. */
static void check_dropin(const char *root, const struct host *want, const char *profile, const char *name,
			 struct persist_finding **list, size_t *n)
{
	char path[PATH_MAX], why[PATH_MAX + 64], *text, *have;

	if (snprintf(path, sizeof(path), "%s" PERSIST_DIR "/%s", root, name) >= (int)sizeof(path))
		return;
	if (!(have = read_small(path, why, sizeof(why)))) {
		if (errno == EINVAL)
			finding_add(list, n, name, PERSIST_DIR "/%s is not a regular file: remove it, then run lvsdr "
							       "persist %s",
				    name, profile);
		else if (errno != ENOENT)
			finding_add(list, n, name, "cannot read " PERSIST_DIR "/%s: %s", name, strerror(errno));
		return;
	}
	text = persist_render(want, profile);
	if (!text)
		finding_add(list, n, name, PERSIST_DIR "/%s sets knobs the profile no longer sets: run lvsdr "
						       "persist %s, which removes it",
			    name, profile);
	else if (strcmp(text, have))
		finding_add(list, n, name, PERSIST_DIR "/%s does not match the profile, and the next boot "
						       "applies it: run lvsdr persist %s",
			    name, profile);
	free(text);
	free(have);
}

struct persist_finding *persist_boot_findings(const char *root, const struct host *want, const char *profile,
					      size_t *n)
{
	struct persist_setting settings[PERSIST_MAX_SETTINGS];
	struct sysctl_query queries[PERSIST_MAX_SETTINGS];
	size_t nsettings = persist_settings(want, settings);
	struct persist_finding *list = NULL;
	char name[NAME_MAX + 1], ours[PATH_MAX], err[PATH_MAX + 64];

	*n = 0;
	if (!persist_dropin_name(profile, name, sizeof(name)))
		return NULL;
	if (snprintf(ours, sizeof(ours), PERSIST_DIR "/%s", name) >= (int)sizeof(ours))
		return NULL;
	check_dropin(root, want, profile, name, &list, n);
	if (!nsettings)
		return list;
	for (size_t i = 0; i < nsettings; i++)
		queries[i].key = settings[i].key;
	if (sysctl_conf_scan(root, queries, nsettings, err, sizeof(err)) < 0)
		finding_add(&list, n, "sysctl.d", "cannot read the boot configuration: %s", err);
	for (size_t i = 0; i < nsettings; i++) {
		const struct sysctl_assignment *last = &queries[i].last, *before = &queries[i].overridden;
		const struct persist_setting *ps = &settings[i];
		char overriding[PATH_MAX + 32] = "";
		int value;
		/* Our own drop-in out of date is the finding above. */
		if (!last->found || !strcmp(last->file, ours) ||
		    (parse_int(last->value, &value) && value == ps->value))
			continue;
		if (before->found)
			snprintf(overriding, sizeof(overriding), ", overriding %s:%u", before->file, before->line);
		/* A packaged file is masked by one of the same name in /etc. */
		bool in_etc = !strncmp(last->file, "/etc/", 5);
		finding_add(&list, n, knob_table[ps->knob].sysctl, "at boot %s:%u sets conf/%s/%s = %s, not %d%s: %s",
			    last->file, last->line, sysctl_scope_dir(ps->scope, want->ifname), knob_table[ps->knob].sysctl,
			    last->value, ps->value, overriding,
			    in_etc ? "remove it there" : "mask that file with one of the same name in " PERSIST_DIR);
	}
	return list;
}

void persist_check_boot(const struct host *want, const char *profile, struct plan *plan)
{
	size_t n;
	struct persist_finding *list = persist_boot_findings(sysctl_conf_root(), want, profile, &n);

	for (size_t i = 0; i < n; i++)
		snprintf(plan_add_finding(plan, VERDICT_WARN, list[i].subject)->detail, sizeof(plan->extras->detail),
			 "%s", list[i].detail);
	free(list);
}
