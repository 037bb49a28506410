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
void sysctl_read_host(struct host *live)
{
	for (int s = 0; s < SCOPE_COUNT; s++) {
		char path[128];
		int dirfd = knob_path(path, sizeof(path), sysctl_scope_dir((enum scope)s, live->ifname), "")
				    ? -1
				    : open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		for (int k = 0; k < KNOB_COUNT; k++) {
			struct knob_values *kv = &live->knobs[k];
			kv->present[s] = dirfd >= 0 && read_knob_at(dirfd, knob_table[k].sysctl, &kv->value[s]) == 0;
		}
		if (dirfd >= 0)
			close(dirfd);
	}
}
