#include "record_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int record_make_parents(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		int ret = mkdir(buf, 0755);
		*p = '/';
		if (ret < 0 && errno != EEXIST)
			return -errno;
	}
	return 0;
}

int record_replace(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 8];
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == ENOENT) {
		if ((ret = record_make_parents(path)) < 0) {
			snprintf(err, errlen, "cannot create the directory for %s: %s", path, strerror(-ret));
			return ret;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -errno;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
			close(fd);
			unlink(tmp);
			return ret;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(-ret));
		unlink(tmp);
		return ret;
	}
	if (rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot replace %s: %s", path, strerror(-ret));
		unlink(tmp);
		return ret;
	}
	return 0;
}

int record_render(const char *path, void (*render)(FILE *f, const void *ctx), const void *ctx,
		  file_replace_fn replace, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return ret;
	}
	render(f, ctx);
	if (fclose(f) != 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(text);
		return ret;
	}
	ret = replace(path, text, len, err, errlen);
	free(text);
	return ret;
}
