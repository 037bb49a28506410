#include "notified.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owned.h"
#include "safe_open.h"
#include "util.h"

/* One record per profile, named by a hash of its real path; the path is
 * stored too, so a collision reads as no record, never as another's. */
static int record_path(const char *profile, char real[PATH_MAX], char *path, size_t len, bool create, char *err,
		       size_t errlen)
{
	struct owned_set set;
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	char *slash;
	int ret;

	if (!realpath(profile, real)) {
		snprintf(err, errlen, "%s: %s", profile, strerror(errno));
		return -errno;
	}
	for (const char *c = real; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	owned_init(&set);
	if ((ret = owned_dir_ready(&set, create, err, errlen)) < 0)
		return ret;
	slash = strrchr(set.path, '/');
	snprintf(path, len, "%.*s/notified-%016llx", (int)(slash - set.path), set.path, (unsigned long long)h);
	return 0;
}

int notified_save(const char *profile, const char *state, char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int fd, ret;

	if ((ret = record_path(profile, real, path, sizeof(path), true, err, errlen)) < 0)
		return ret;
	/* 0644: an unprivileged status check reads it, whatever the umask. */
	if ((fd = safe_create_temp(path, tmp, sizeof(tmp), 0644, err, errlen)) < 0)
		return fd;
	if (!(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	fprintf(f, "%s %s\n", state, real);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

int notified_load(const char *profile, char state[NOTIFIED_STATE_MAX], char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX], line[PATH_MAX + NOTIFIED_STATE_MAX + 2];
	size_t n;
	FILE *f;
	int fd, ret;

	if ((ret = record_path(profile, real, path, sizeof(path), false, err, errlen)) == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	if ((fd = safe_open(path, O_RDONLY | O_NOFOLLOW, err, errlen)) == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (!(f = fdopen(fd, "r"))) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		return -ENOMEM;
	}
	ret = fgets(line, sizeof(line), f) ? 1 : 0;
	fclose(f);
	if (!ret)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	n = strcspn(line, " ");
	if (n >= NOTIFIED_STATE_MAX || line[n] != ' ' || strcmp(line + n + 1, real))
		return 0;
	memcpy(state, line, n);
	state[n] = '\0';
	return 1;
}
