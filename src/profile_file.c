/* The profile as a file: opened without blocking on a FIFO, refused
 * unless a regular file of bounded size, read whole; and, for a run as
 * root, trusted only when no other user can write it or a directory
 * above it. */
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_open.h"
#include "util.h"

int profile_load(const char *path, struct host *host, struct diag *d)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, ret;

	d->file = path;
	memset(host, 0, sizeof(*host));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		diag_error(d, 0, "cannot open the profile: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		diag_error(d, 0, "cannot read the profile: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, 0, S_ISDIR(st.st_mode) ? "is a directory, not a profile" : "is not a regular file");
		close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > LVSDR_PROFILE_MAX_BYTES) {
		diag_error(d, 0, "is %lld bytes; a profile may be at most %u", (long long)st.st_size,
			   LVSDR_PROFILE_MAX_BYTES);
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				diag_error(d, 0, "cannot read the profile: %s", strerror(errno));
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (d->errors) {
		free(buf);
		return -1;
	}
	ret = profile_parse(buf, got, host, d);
	host->source = st; /* profile_parse() cleared host */
	free(buf);
	return ret;
}

int profile_load_report(const char *path, struct host *host, char *why, size_t whylen)
{
	struct diag d = { 0 };
	int ret = profile_load(path, host, &d);

	if (ret != 0)
		diag_print(&d, stderr); /* sorts: the first entry is the first line */
	if (ret != 0 && why && d.count) {
		size_t more = d.errors - 1;
		if (more)
			snprintf(why, whylen, "%s (and %zu more error%s)", d.entries[0].text, more, more == 1 ? "" : "s");
		else
			snprintf(why, whylen, "%s", d.entries[0].text);
	}
	diag_free(&d);
	return ret;
}

int profile_load_print(const char *path, struct host *host)
{
	return profile_load_report(path, host, NULL, 0);
}

int profile_trusted(const char *path, const struct stat *opened, char *err, size_t errlen)
{
	char *real = realpath(path, NULL), *slash;
	struct stat st;
	int ret = 0;

	if (!real) {
		snprintf(err, errlen, "%s: cannot resolve the path: %s", path, strerror(errno));
		return -1;
	}
	/* The file read is judged by its descriptor's fstat; the path must
	 * still name it, or another file could be judged in its place. */
	if (stat(real, &st) == 0 && (st.st_dev != opened->st_dev || st.st_ino != opened->st_ino)) {
		snprintf(err, errlen, "%s: refusing to run as root: the file changed while it was read", path);
		free(real);
		return -1;
	}
	st = *opened;
	/* The file, then each directory above it up to /. */
	for (bool first = true;; first = false) {
		const char *why;
		if (!first && stat(*real ? real : "/", &st) < 0) {
			snprintf(err, errlen, "%s: cannot check %s: %s", path, *real ? real : "/", strerror(errno));
			ret = -1;
			break;
		}
		if ((why = safe_stat_untrusted(&st, true))) {
			snprintf(err, errlen, "%s: refusing to run as root: %s %s (mode %04o, uid %u, gid %u), so "
					      "another user could choose what this host binds; fix it with chown root and chmod go-w",
				 path, *real ? real : "/", why, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
				 (unsigned)st.st_gid);
			ret = -1;
			break;
		}
		if (!*real)
			break;
		slash = strrchr(real, '/');
		*slash = '\0';
	}
	free(real);
	return ret;
}
