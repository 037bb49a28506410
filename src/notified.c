#include "notified.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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
	/* The namespace's folder (the run directory itself on a kernel
	 * without cookies, where set.path is empty). */
	snprintf(path, len, "%.4000s/notified-%016llx", set.dir, (unsigned long long)h);
	return 0;
}

int notified_save(const char *profile, const char *state, char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX], text[NOTIFIED_STATE_MAX + PATH_MAX + 2];
	enum file_replace_step step;
	int ret, len;

	if ((ret = record_path(profile, real, path, sizeof(path), true, err, errlen)) < 0)
		return ret;
	/* state is one of keepalived's words (notify_main checks it). */
	len = snprintf(text, sizeof(text), "%s %s\n", state, real);
	/* 0644: an unprivileged status check reads it, whatever the umask. */
	ret = owned_dir_replace(path, text, (size_t)len < sizeof(text) ? (size_t)len : sizeof(text) - 1, &step, err,
				errlen);
	if (ret < 0 && step != FILE_REPLACE_CREATE)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-ret));
	return ret;
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

/* How long a run waits for another to finish raising the ticket: a read
 * and a write, so only a stuck file system makes it wait this long. */
#define TICKET_WAIT_MS 5000

/* "N STATE": the newest ticket and its state; 0 and "" when the file is
 * empty or not lvsdr's writing (counting starts again). */
static uint64_t ticket_read(int fd, char state[NOTIFIED_STATE_MAX])
{
	char buf[64], word[NOTIFIED_STATE_MAX];
	unsigned long long n;
	ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);

	state[0] = '\0';
	if (got <= 0)
		return 0;
	buf[got] = '\0';
	if (sscanf(buf, "%llu %15s", &n, word) != 2)
		return 0;
	memcpy(state, word, sizeof(word));
	return n;
}

/* The ticket file, opened and locked (op LOCK_EX or LOCK_SH). */
static int ticket_open(const char *profile, int op, char *err, size_t errlen)
{
	char real[PATH_MAX], path[PATH_MAX], seq[PATH_MAX + 8];
	int fd, ret, flags = (op == LOCK_EX ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW;

	if ((ret = record_path(profile, real, path, sizeof(path), op == LOCK_EX, err, errlen)) < 0)
		return ret;
	snprintf(seq, sizeof(seq), "%s.seq", path);
	fd = open(seq, flags, 0600);
	if (fd < 0 && errno == ENOENT && op == LOCK_EX) {
		if ((ret = mkdir_parents(seq)) < 0) {
			snprintf(err, errlen, "cannot create the directory for %s: %s", seq, strerror(-ret));
			return ret;
		}
		fd = open(seq, flags, 0600);
	}
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", seq, strerror(errno));
		return ret;
	}
	if ((ret = flock_wait(fd, op, TICKET_WAIT_MS)) < 0) {
		snprintf(err, errlen, "cannot lock %s: %s", seq, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

int notified_arrive(const char *profile, const char *state, uint64_t *ticket, char *err, size_t errlen)
{
	char line[64], old[NOTIFIED_STATE_MAX];
	int fd = ticket_open(profile, LOCK_EX, err, errlen), ret = 0, len;

	*ticket = 0;
	if (fd < 0)
		return fd;
	uint64_t next = ticket_read(fd, old) + 1;
	len = snprintf(line, sizeof(line), "%llu %s\n", (unsigned long long)next, state);
	if (pwrite(fd, line, (size_t)len, 0) != len || ftruncate(fd, len) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot write the ticket of %s: %s", profile, strerror(errno));
	} else {
		*ticket = next;
		ret = notified_save(profile, state, err, errlen);
	}
	close(fd);
	return ret;
}

int notified_newer(const char *profile, uint64_t ticket, char newer[NOTIFIED_STATE_MAX], char *err, size_t errlen)
{
	int fd = ticket_open(profile, LOCK_SH, err, errlen);
	uint64_t last;

	newer[0] = '\0';
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	last = ticket_read(fd, newer);
	close(fd);
	return last > ticket ? 1 : 0;
}
