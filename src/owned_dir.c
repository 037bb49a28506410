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
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
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

/* The run directories a kept lock lives in, held open (O_PATH) after
 * their paths were judged. */
static void kept_dirs_open(const struct owned_set *set, struct owned_keep *keep)
{
	const char *dirs[] = { owned_run_dir(), set->dir };

	for (size_t i = 0; i < 2; i++) {
		if (keep->dir_fd[i] >= 0)
			close(keep->dir_fd[i]);
		keep->dir_fd[i] = i < (set->cookie ? 2u : 1u)
					  ? open(dirs[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
					  : -1;
	}
}

/* The held directories judged again as owned_dir_ready() judges their
 * paths, by fstat(), which walks no path: still directories, still
 * linked (a removed one has no links), that nobody but root can change.
 * false: judge them by their paths. */
static bool kept_dirs_trusted(struct owned_set *set, const struct owned_keep *keep)
{
	const char *dirs[] = { owned_run_dir(), set->dir };
	char err[PATH_MAX + 256];
	struct stat st;

	for (size_t i = 0; i < (set->cookie ? 2u : 1u); i++)
		if (keep->dir_fd[i] < 0 || fstat(keep->dir_fd[i], &st) < 0 || !st.st_nlink ||
		    safe_dir_stat_trusted(dirs[i], &st, err, sizeof(err)) < 0)
			return false;
	return (set->dir_trusted = true);
}

/* The kept lock file opened anew (the first run, or the old one was
 * unlinked), and its directories held. */
static int kept_lock_open(struct owned_set *set, struct owned_keep *keep, unsigned timeout_ms, char *err,
			  size_t errlen)
{
	if ((keep->lock_fd = owned_lock(set, timeout_ms, err, errlen)) >= 0)
		kept_dirs_open(set, keep);
	return keep->lock_fd;
}

int owned_lock_kept(struct owned_set *set, struct owned_keep *keep, unsigned timeout_ms, char *err, size_t errlen)
{
	int *kept = &keep->lock_fd, ret;
	struct stat st;

	set->keep = keep;
	if (*kept < 0)
		return kept_lock_open(set, keep, timeout_ms, err, errlen);
	if (!kept_dirs_trusted(set, keep)) {
		if ((ret = lock_dir_ready(set, err, errlen)) < 0)
			return ret;
		kept_dirs_open(set, keep);
	}
	if ((ret = lock_wait(set, *kept, timeout_ms, err, errlen)) < 0)
		return ret;
	/* Locked after the check: a file unlinked before it (a run directory
	 * removed) is no lock the other runs share. */
	if (fstat(*kept, &st) == 0 && st.st_nlink > 0)
		return *kept;
	close(*kept);
	return kept_lock_open(set, keep, timeout_ms, err, errlen);
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
	for (size_t i = 0; i < 2; i++)
		if (keep->dir_fd[i] >= 0)
			close(keep->dir_fd[i]);
	keep->lock_fd = keep->spare_fd = keep->used_fd = keep->dir_fd[0] = keep->dir_fd[1] = -1;
	free(keep->last_text);
	keep->last_text = NULL;
	keep->last_len = keep->spare_len = 0;
}

const char *owned_record_at(const struct owned_set *set, const char *path, int *dirfd)
{
	*dirfd = AT_FDCWD;
	if (!set->keep || !set->dir_trusted || set->keep->dir_fd[1] < 0)
		return path;
	*dirfd = set->keep->dir_fd[1];
	return path + strlen(set->dir) + 1;
}

/* Whether the record's directory is on a tmpfs, asked once a process:
 * there fsync() does nothing (shmem's is noop_fsync) but cost a system
 * call. Elsewhere it stays. What a killed run needs is only the rename,
 * which publishes the page cache; and a record is the namespace's whose
 * cookie it names, which a kernel crash ends with the addresses. */
static bool owned_on_tmpfs(const struct owned_set *set)
{
	static int tmpfs = -1;
	struct statfs sf;

	if (tmpfs < 0)
		tmpfs = statfs(set->dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
	return tmpfs;
}

/* The spare holds text: already, when it was filled between events with
 * the same text (same), else written over what it holds. */
static int spare_fill(const struct owned_keep *keep, int fd, const char *text, size_t len, bool same)
{
	if (same)
		return 0;
	if (!keep->spare_len)
		return write_all(fd, text, len);
	ssize_t n = pwrite(fd, text, len, 0);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	return len < keep->spare_len && ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

/* The caller's spare file (struct owned_keep) filled and linked in dirfd,
 * as record itself when owned_load() found none (the lock keeps every
 * other lvsdr run out, and anyone else's file there makes the link fail)
 * or as the temporary name owned_dir_replace() would have made: 1 named
 * as the record, 0 as the temporary name, -1 to make one the usual way
 * (the spare is then given up). */
static int owned_write_spare(struct owned_set *set, int dirfd, const char *record, const char *temporary,
			     const char *text, size_t len)
{
	struct owned_keep *keep = set->keep;
	char proc[64];
	int fd = keep ? keep->spare_fd : -1, ret;
	bool direct = set->absent,
	     same = keep && keep->spare_len && keep->spare_len == len && !memcmp(keep->last_text, text, len);

	if (fd < 0)
		return -1;
	keep->spare_fd = -1;
	ret = spare_fill(keep, fd, text, len, same);
	keep->spare_len = 0;
	if (!ret && !owned_on_tmpfs(set) && fsync(fd) < 0)
		ret = -errno;
	/* A temporary name a killed run left is removed, as owned_dir_replace()
	 * does; AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, /proc's link does not. */
	for (int attempt = 0; !ret && attempt < 3; attempt++) {
		const char *name = direct ? record : temporary;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0 ||
		    ((errno == ENOENT || errno == EPERM) && linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)) {
			keep->used_fd = fd;
			if (!same) {
				free(keep->last_text);
				keep->last_text = xmalloc(len);
				memcpy(keep->last_text, text, len);
				keep->last_len = len;
			}
			return direct;
		}
		if (errno != EEXIST || (!direct && unlinkat(dirfd, temporary, 0) < 0))
			break;
		direct = false;
	}
	close(fd);
	return -1;
}

int owned_record_write(struct owned_set *set, const char *text, size_t len, char *err, size_t errlen)
{
	enum file_replace_step step;
	char tmp[sizeof(set->path) + 8];
	int ret, dirfd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", set->path);
	const char *record = owned_record_at(set, set->path, &dirfd), *temporary = owned_record_at(set, tmp, &dirfd);
	if ((ret = owned_write_spare(set, dirfd, record, temporary, text, len)) < 0)
		return owned_dir_replace(set->path, text, len, &step, err, errlen);
	if (ret == 0 && renameat(dirfd, temporary, dirfd, record) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot replace %s: %s", set->path, strerror(-ret));
		unlinkat(dirfd, temporary, 0);
		return ret;
	}
	return 0;
}
