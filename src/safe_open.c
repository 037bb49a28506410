#include "safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *safe_file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "of an unknown type";
}

int safe_open(const char *path, int flags, char *err, size_t errlen)
{
	return safe_openat(AT_FDCWD, path, path, flags, err, errlen);
}

int safe_openat(int dirfd, const char *name, const char *path, int flags, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	/* O_NONBLOCK: opening a FIFO for reading waits for a writer; the
	 * type is known only once it is open, and then it is refused. */
	fd = openat(dirfd, name, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ELOOP && (flags & O_NOFOLLOW))
			snprintf(err, errlen, "%s: is a symbolic link, which lvsdr never follows there", path);
		else
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot check %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: is %s, not a regular file: refused", path, safe_file_type(st.st_mode));
		close(fd);
		return -EINVAL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

const char *safe_stat_untrusted(const struct stat *st, bool sticky_ok)
{
	bool sticky_dir = sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);

	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "is owned by another user";
	if ((st->st_mode & S_IWOTH) && !sticky_dir)
		return "is writable by others";
	if ((st->st_mode & S_IWGRP) && st->st_gid != 0 && !sticky_dir)
		return "is writable by its group";
	return NULL;
}

int safe_dir_trusted(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		int ret = -errno;
		snprintf(err, errlen, "cannot check %s: %s", dir, strerror(-ret));
		return ret;
	}
	return safe_dir_stat_trusted(dir, &st, err, errlen);
}

int safe_dir_stat_trusted(const char *dir, const struct stat *st, char *err, size_t errlen)
{
	const char *why;

	if (!S_ISDIR(st->st_mode)) {
		snprintf(err, errlen, "%s: is %s, not a directory: refused", dir, safe_file_type(st->st_mode));
		return -ENOTDIR;
	}
	/* Even a sticky directory lets others create the names lvsdr uses. */
	if ((why = safe_stat_untrusted(st, false)) || ((st->st_mode & S_IWGRP) && (why = "is writable by its group"))) {
		snprintf(err, errlen, "%s: refused: the directory %s (mode %04o, uid %u, gid %u), so another user "
				      "could choose what lvsdr reads there; fix it with chown root:root and chmod 0755",
			 dir, why,
			 (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)st->st_gid);
		return -EPERM;
	}
	return 0;
}
