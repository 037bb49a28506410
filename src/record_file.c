#include "record_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int record_make_parents(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	return mkdir_parents(buf);
}

/* O_EXCL: no existing file, and so no link, is ever written through. */
static int replace_create(char *tmp)
{
	size_t len = strlen(tmp);
	int fd;

	if (len >= 6 && !strcmp(tmp + len - 6, "XXXXXX"))
		return mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
	for (int attempt = 0;; attempt++) {
		struct stat st;

		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (fd >= 0 || errno != EEXIST || attempt)
			return fd;
		/* A link planted there is refused as O_NOFOLLOW refuses it;
		 * a file a killed run left is removed. */
		if (lstat(tmp, &st) == 0 && S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		if (unlink(tmp) < 0 && errno != ENOENT)
			return -1;
	}
}

int write_all(int fd, const char *text, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (size_t)n;
	}
	return 0;
}

int file_replace(const char *path, char *tmp, const char *text, size_t len, enum file_replace_step *step)
{
	int fd = replace_create(tmp), ret;

	*step = FILE_REPLACE_CREATE;
	if (fd < 0)
		return -errno;
	*step = FILE_REPLACE_WRITE;
	/* 0644 whatever the umask: unprivileged readers (verify, the
	 * textfile collector) read these files. */
	ret = fchmod(fd, 0644) < 0 ? -errno : write_all(fd, text, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret) {
		*step = FILE_REPLACE_RENAME;
		if (rename(tmp, path) < 0)
			ret = -errno;
	}
	if (ret)
		unlink(tmp);
	return ret;
}

int record_replace(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 8];
	enum file_replace_step step;
	int ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	ret = file_replace(path, tmp, text, len, &step);
	if (ret == -ENOENT && step == FILE_REPLACE_CREATE) {
		if ((ret = record_make_parents(path)) < 0) {
			snprintf(err, errlen, "cannot create the directory for %s: %s", path, strerror(-ret));
			return ret;
		}
		ret = file_replace(path, tmp, text, len, &step);
	}
	if (ret < 0)
		snprintf(err, errlen, step == FILE_REPLACE_RENAME ? "cannot replace %s: %s" : "cannot write %s: %s",
			 step == FILE_REPLACE_RENAME ? path : tmp, strerror(-ret));
	return ret;
}

char *record_text(const char *path, void (*render)(FILE *f, const void *ctx), const void *ctx, size_t *len,
		  char *err, size_t errlen)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return NULL;
	}
	render(f, ctx);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(text);
		return NULL;
	}
	return text;
}

int record_render(const char *path, void (*render)(FILE *f, const void *ctx), const void *ctx,
		  file_replace_fn replace, char *err, size_t errlen)
{
	size_t len;
	char *text = record_text(path, render, ctx, &len, err, errlen);
	int ret;

	if (!text)
		return -ENOMEM;
	ret = replace(path, text, len, err, errlen);
	free(text);
	return ret;
}
