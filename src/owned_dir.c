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

int owned_lock(const struct owned_set *set, unsigned timeout_ms, char *err, size_t errlen)
{
	char path[PATH_MAX + 8];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/lock", set->dir);
	if ((ret = owned_dir_ready(set, true, err, errlen)) < 0)
		return ret;
	if ((fd = safe_open(path, O_RDWR | O_CREAT | O_NOFOLLOW, err, errlen)) < 0)
		return fd;
	if ((ret = flock_wait(fd, LOCK_EX, timeout_ms)) == -ETIMEDOUT)
		snprintf(err, errlen, "another lvsdr run still holds %s after %u ms", path, timeout_ms);
	else if (ret < 0)
		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(-ret));
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}
