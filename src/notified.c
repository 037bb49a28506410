#include "notified.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "owned.h"
#include "util.h"

/* One record per profile, named by a hash of its real path; the path is
 * stored too, so a collision reads as no record, never as another's. */
static int record_path(const char *profile, char real[PATH_MAX], char *path, size_t len, char *err, size_t errlen)
{
	struct owned_set set;
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	char *slash;

	if (!realpath(profile, real)) {
		snprintf(err, errlen, "%s: %s", profile, strerror(errno));
		return -errno;
	}
	for (const char *c = real; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ull;
	owned_init(&set);
	slash = strrchr(set.path, '/');
	snprintf(path, len, "%.*s/notified-%016llx", (int)(slash - set.path), set.path, (unsigned long long)h);
	return 0;
}

int notified_save(const char *profile, const char *state, char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int ret;

	if ((ret = record_path(profile, real, path, sizeof(path), err, errlen)) < 0)
		return ret;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((ret = mkdir_parents(tmp)) < 0) {
		snprintf(err, errlen, "cannot create the directory for %s: %s", path, strerror(-ret));
		return ret;
	}
	if (!(f = fopen(tmp, "we"))) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -errno;
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
	int ret;

	if ((ret = record_path(profile, real, path, sizeof(path), err, errlen)) < 0)
		return ret;
	if (!(f = fopen(path, "re"))) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
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
