/* Where the ownership record lives and who may write it: the run
 * directory, this network namespace's folder in it (named by the
 * namespace's cookie), and the lock a run holds while it changes the
 * kernel. The record itself, read and written, is src/owned.c. */
#include "owned.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_open.h"
#include "util.h"

#define LVSDR_RUNDIR "/run/lvsdr"

/* Linux 5.14 and later; older libc headers lack it. */
#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

const char *owned_run_dir(void)
{
	const char *dir = getenv("LVSDR_RUNDIR");

	return dir && *dir ? dir : LVSDR_RUNDIR;
}

/* dir, made when missing: 0755 whatever the umask, for an unprivileged
 * verify reads the record too. The directories above are the system's. */
static int dir_make(const char *dir, char *err, size_t errlen)
{
	char copy[PATH_MAX];
	int ret;

	snprintf(copy, sizeof(copy), "%s", dir);
	if ((ret = mkdir_parents(copy)) == 0) {
		if (mkdir(dir, 0755) == 0)
			ret = chmod(dir, 0755) < 0 ? -errno : 0;
		else if (errno != EEXIST)
			ret = -errno;
	}
	if (ret < 0)
		snprintf(err, errlen, "cannot create the directory %s: %s", dir, strerror(-ret));
	return ret;
}

int owned_dir_ready(const struct owned_set *set, bool create, char *err, size_t errlen)
{
	const char *dirs[] = { owned_run_dir(), set->dir };
	int ret;

	/* Judged before anything in them is opened, the way OpenSSH judges
	 * a key's directory: a record or lock that another user can swap
	 * would let them choose which addresses a run as root removes. */
	for (size_t i = 0; i < (set->cookie ? 2 : 1); i++) {
		ret = safe_dir_trusted(dirs[i], err, errlen);
		if (ret == -ENOENT && create) {
			if ((ret = dir_make(dirs[i], err, errlen)) < 0)
				return ret;
			ret = safe_dir_trusted(dirs[i], err, errlen);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

int owned_dir_replace(const char *path, const char *text, size_t len, enum file_replace_step *step, char *err,
		      size_t errlen)
{
	static const char *const verb[] = { [FILE_REPLACE_CREATE] = "create", [FILE_REPLACE_WRITE] = "write", [FILE_REPLACE_RENAME] = "replace" };
	char tmp[PATH_MAX + 8];
	int ret;

	*step = FILE_REPLACE_CREATE;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	/* Removed rather than refused (file_replace refuses a link): nobody
	 * but root can put anything in this directory. */
	unlink(tmp);
	if ((ret = file_replace(path, tmp, text, len, step)) < 0)
		snprintf(err, errlen, "cannot %s %s: %s", verb[*step], *step == FILE_REPLACE_RENAME ? path : tmp,
			 strerror(-ret));
	return ret;
}

uint64_t owned_netns_cookie(void)
{
	static uint64_t cookie; /* asked once: lvsdr never changes its namespace */
	static bool asked;
	socklen_t len = sizeof(cookie);
	/* Any socket of this namespace tells its cookie; the kernel never
	 * gives one to a second namespace while it runs (an inode it does). */
	int fd = asked ? -1 : socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (asked || fd < 0)
		return cookie;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0 || len != sizeof(cookie))
		cookie = 0;
	close(fd);
	asked = true;
	return cookie;
}

void owned_init_cookie(struct owned_set *set, uint64_t cookie)
{
	memset(set, 0, sizeof(*set));
	set->cookie = cookie;
	/* Without a cookie no record can be tied to this namespace: none is
	 * kept, and the lock serialises every namespace of the host. */
	if (!cookie) {
		snprintf(set->dir, sizeof(set->dir), "%s", owned_run_dir());
		return;
	}
	snprintf(set->dir, sizeof(set->dir), "%s/netns-%llu", owned_run_dir(), (unsigned long long)cookie);
	snprintf(set->path, sizeof(set->path), "%s/owned", set->dir);
}

void owned_init(struct owned_set *set)
{
	owned_init_cookie(set, owned_netns_cookie());
}

static int lock_wait(const struct owned_set *set, int fd, unsigned timeout_ms, char *err, size_t errlen)
{
	int ret = flock_wait(fd, LOCK_EX, timeout_ms);

	if (ret == -ETIMEDOUT)
		snprintf(err, errlen, "another lvsdr run still holds %s/lock after %u ms", set->dir, timeout_ms);
	else if (ret < 0)
		snprintf(err, errlen, "cannot lock %s/lock: %s", set->dir, strerror(-ret));
	return ret;
}

/* The directories judged (made when missing), once a run. */
static int lock_dir_ready(struct owned_set *set, char *err, size_t errlen)
{
	int ret = owned_dir_ready(set, true, err, errlen);

	set->dir_trusted = ret == 0;
	return ret;
}

int owned_lock(struct owned_set *set, unsigned timeout_ms, char *err, size_t errlen)
{
	char path[PATH_MAX + 8];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/lock", set->dir);
	if ((ret = lock_dir_ready(set, err, errlen)) < 0)
		return ret;
	if ((fd = safe_open(path, O_RDWR | O_CREAT | O_NOFOLLOW, err, errlen)) < 0)
		return fd;
	if ((ret = lock_wait(set, fd, timeout_ms, err, errlen)) < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

int owned_lock_kept(struct owned_set *set, struct owned_keep *keep, unsigned timeout_ms, char *err, size_t errlen)
{
	int *kept = &keep->lock_fd, ret;
	struct stat st;

	set->keep = keep;
	if (*kept < 0)
		return (*kept = owned_lock(set, timeout_ms, err, errlen));
	if ((ret = lock_dir_ready(set, err, errlen)) < 0 || (ret = lock_wait(set, *kept, timeout_ms, err, errlen)) < 0)
		return ret;
	/* Locked after the check: a file unlinked before it (a run directory
	 * removed) is no lock the other runs share. */
	if (fstat(*kept, &st) == 0 && st.st_nlink > 0)
		return *kept;
	close(*kept);
	return (*kept = owned_lock(set, timeout_ms, err, errlen));
}

void owned_unlock_kept(int fd)
{
	if (fd >= 0)
		flock(fd, LOCK_UN);
}

void owned_keep_prepare(struct owned_keep *keep)
{
	struct owned_set set;
	char err[PATH_MAX + 256];

	if (keep->used_fd >= 0)
		close(keep->used_fd);
	keep->used_fd = -1;
	if (keep->spare_fd >= 0)
		return;
	owned_init(&set);
	/* In the judged directory, where the record goes: a link is made on
	 * the same file system only. Without a cookie no record is kept. */
	if (!set.cookie || owned_dir_ready(&set, true, err, sizeof(err)) < 0)
		return;
	keep->spare_fd = open(set.dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	keep->spare_len = 0;
	/* 0644: an unprivileged verify reads the record, whatever the umask. */
	if (keep->spare_fd >= 0 && fchmod(keep->spare_fd, 0644) < 0) {
		close(keep->spare_fd);
		keep->spare_fd = -1;
	}
	/* The text the next save most likely writes: the last one's. */
	if (keep->spare_fd >= 0 && keep->last_text && write_all(keep->spare_fd, keep->last_text, keep->last_len) == 0)
		keep->spare_len = keep->last_len;
}

void owned_keep_close(struct owned_keep *keep)
{
	if (keep->lock_fd >= 0)
		close(keep->lock_fd);
	if (keep->spare_fd >= 0)
		close(keep->spare_fd);
	if (keep->used_fd >= 0)
		close(keep->used_fd);
	keep->lock_fd = keep->spare_fd = keep->used_fd = -1;
	free(keep->last_text);
	keep->last_text = NULL;
	keep->last_len = keep->spare_len = 0;
}
