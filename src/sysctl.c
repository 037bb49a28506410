#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define CONF_DIR "/proc/sys/net/ipv4/conf"

const char *sysctl_scope_dir(enum scope scope, const char *ifname)
{
	switch (scope) {
	case SCOPE_ALL:
		return "all";
	case SCOPE_LO:
		return "lo";
	case SCOPE_DEFAULT:
		return "default";
	default:
		return ifname;
	}
}

static int knob_path(char *buf, size_t len, const char *dir, const char *knob)
{
	int n = snprintf(buf, len, CONF_DIR "/%s/%s", dir, knob);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* One knob file, opened relative to dirfd (AT_FDCWD for an absolute path). */
static int read_knob_at(int dirfd, const char *path, int *value)
{
	char text[32];
	ssize_t n;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	if (n > 0 && text[n - 1] == '\n')
		text[n - 1] = '\0';
	return parse_int(text, value) ? 0 : -EINVAL;
}

int sysctl_read(const char *dir, const char *knob, int *value)
{
	char path[128];

	if (knob_path(path, sizeof(path), dir, knob))
		return -ENAMETOOLONG;
	return read_knob_at(AT_FDCWD, path, value);
}

bool sysctl_ipv6_disabled(const char *dev)
{
	char path[128];
	int value;

	if (snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", dev) >= (int)sizeof(path))
		return false;
	if (read_knob_at(AT_FDCWD, path, &value) == 0)
		return value != 0;
	return access("/proc/sys/net/ipv6", F_OK) < 0 && errno == ENOENT;
}

int sysctl_write(const char *dir, const char *knob, int value)
{
	char path[128], text[16];
	int fd, len, ret = 0;

	if (knob_path(path, sizeof(path), dir, knob))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(text, sizeof(text), "%d\n", value);
	if (write(fd, text, (size_t)len) != len)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	return ret;
}

/* Twenty files on the takeover's path to its first frame: each scope's
 * directory is looked up once, and each knob opened relative to it. */
/* Whether sysctl_read_host() reads knob k in scope s for only. */
static bool knob_wanted(const struct host *only, enum arp_knob k, enum scope s)
{
	return !only || only->knobs[k].present[SCOPE_ALL] || only->knobs[k].present[SCOPE_DEV] ||
	       (k == KNOB_IGNORE && s == SCOPE_DEV);
}

/* The knobs of scope s that only wants, read relative to dirfd (for
 * AT_FDCWD, path holds the directory with its slash). *gone: a knob file
 * was missing. 0, or -errno with err naming the file. */
static int read_scope(struct host *live, const struct host *only, enum scope s, int dirfd, const char *path,
		      bool *gone, char *err, size_t errlen)
{
	int ret = 0;

	for (int k = 0; k < KNOB_COUNT && !ret; k++) {
		struct knob_values *kv = &live->knobs[k];
		char one[160];
		if (!knob_wanted(only, (enum arp_knob)k, s))
			continue;
		snprintf(one, sizeof(one), "%s%s", dirfd == AT_FDCWD ? path : "", knob_table[k].sysctl);
		ret = read_knob_at(dirfd, one, &kv->value[s]);
		kv->present[s] = ret == 0;
		*gone |= ret == -ENOENT;
		if (ret == -ENOENT || ret == -EINVAL)
			ret = 0;
		else if (ret < 0)
			snprintf(err, errlen, "cannot read %s%s: %s", path, knob_table[k].sysctl, strerror(-ret));
	}
	return ret;
}

/* A resident caller (lvsdr events, sysctl_keep_dirs()) keeps each scope's
 * conf directory open (O_PATH) between runs: a knob's open then walks one
 * name, not the seven of its /proc path. */
static struct {
	bool on;
	int fd[SCOPE_COUNT];
	char path[SCOPE_COUNT][128];
} kept;

void sysctl_keep_dirs(bool on)
{
	for (int s = 0; s < SCOPE_COUNT; s++) {
		if (kept.on && kept.fd[s] >= 0)
			close(kept.fd[s]);
		kept.fd[s] = -1;
	}
	kept.on = on;
}

/* Scope s read through its kept directory. A directory the kernel has
 * unregistered (the NIC deleted, or its IPv4 gone) answers ENOENT for
 * every name, even once a NIC of the same name is back: a missing knob
 * is asked again of a directory looked up anew by its path. */
static int read_scope_kept(struct host *live, const struct host *only, enum scope s, const char *path, char *err,
			   size_t errlen)
{
	int ret = 0;
	bool gone = true;

	for (int attempt = 0; attempt < 2 && gone && !ret; attempt++) {
		if (kept.fd[s] >= 0 && (attempt || strcmp(kept.path[s], path))) {
			close(kept.fd[s]);
			kept.fd[s] = -1;
		}
		if (kept.fd[s] < 0 && (kept.fd[s] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0)
			snprintf(kept.path[s], sizeof(kept.path[s]), "%s", path);
		else if (kept.fd[s] < 0 && errno == ENOENT)
			return 0; /* no directory: every knob missing */
		else if (kept.fd[s] < 0) {
			int e = errno;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
			return -e;
		}
		gone = false;
		ret = read_scope(live, only, s, kept.fd[s], path, &gone, err, errlen);
	}
	return ret;
}

int sysctl_read_host(struct host *live, const struct host *only, char *err, size_t errlen)
{
	for (int s = 0; s < SCOPE_COUNT; s++) {
		char path[128];
		int dirfd, ret = 0, wanted = 0;
		bool gone = false;
		for (int k = 0; k < KNOB_COUNT; k++) {
			live->knobs[k].present[s] = false;
			wanted += knob_wanted(only, (enum arp_knob)k, (enum scope)s);
		}
		if (!wanted || knob_path(path, sizeof(path), sysctl_scope_dir((enum scope)s, live->ifname), ""))
			continue;
		/* Only a missing file means a missing knob: out of descriptors
		 * (EMFILE) or memory, the state is unread, never "absent". One
		 * knob (a takeover's usual case) is opened by its path: two
		 * system calls fewer. */
		if (kept.on)
			ret = read_scope_kept(live, only, (enum scope)s, path, err, errlen);
		else if (wanted == 1)
			ret = read_scope(live, only, (enum scope)s, AT_FDCWD, path, &gone, err, errlen);
		else if ((dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			ret = read_scope(live, only, (enum scope)s, dirfd, path, &gone, err, errlen);
			close(dirfd);
		} else if (errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}
