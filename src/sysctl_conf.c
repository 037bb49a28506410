#include "sysctl_conf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safe_open.h"
#include "util.h"

/* systemd's CONF_PATHS("sysctl.d") plus /lib/sysctl.d, which procps and
 * systems without a merged /usr read too. */
const char *const sysctl_conf_dirs[] = {
	"/etc/sysctl.d",
	"/run/sysctl.d",
	"/usr/local/lib/sysctl.d",
	"/usr/lib/sysctl.d",
	"/lib/sysctl.d",
};
const size_t sysctl_conf_ndirs = sizeof(sysctl_conf_dirs) / sizeof(sysctl_conf_dirs[0]);

const char *sysctl_conf_root(void)
{
	const char *root = getenv("LVSDR_SYSCTL_ROOT");
	return root ? root : "";
}

bool sysctl_key_normalize(const char *key, char *out, size_t len)
{
	size_t n = strlen(key);
	const char *first = strpbrk(key, "./");
	bool swap = first && *first == '.';

	if (n >= len)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = key[i];
		out[i] = swap && c == '.' ? '/' : swap && c == '/' ? '.'
								   : c;
	}
	return true;
}

struct conf_entry {
	char name[NAME_MAX + 1];
	char path[PATH_MAX]; /* as on the host */
	bool masked;	     /* a link to /dev/null: hides the name, sets nothing */
};

struct scan {
	const char *root;
	struct sysctl_query *queries;
	struct sysctl_assignment *glob_last, *glob_overridden;
	size_t n;
	char *err;
	size_t errlen;
	char skipped[PATH_MAX + 128]; /* the first file that is not a regular one */
};

static int entry_compare(const void *a, const void *b)
{
	return strcmp(((const struct conf_entry *)a)->name, ((const struct conf_entry *)b)->name);
}

/* The file to open for a host path under the root: a symbolic link is
 * followed one level by hand so that an absolute target stays inside the
 * root. Returns 1 when the link points to /dev/null (masked). */
static int rooted_path(const char *root, const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(out, len, "%s%s", root, path);
	if (lstat(out, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	n = readlink(out, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	if (!strcmp(target, "/dev/null"))
		return 1;
	if (target[0] == '/') {
		snprintf(out, len, "%s%s", root, target);
	} else {
		char *slash = strrchr(out, '/');
		size_t dirlen = slash ? (size_t)(slash - out) + 1 : 0;
		if (dirlen + (size_t)n < len)
			memcpy(out + dirlen, target, (size_t)n + 1);
	}
	return 0;
}

static void record(struct sysctl_assignment *last, struct sysctl_assignment *overridden, const char *file,
		   unsigned line, const char *value)
{
	if (last->found && strcmp(last->value, value))
		*overridden = *last;
	last->found = true;
	snprintf(last->file, sizeof(last->file), "%s", file);
	last->line = line;
	snprintf(last->value, sizeof(last->value), "%s", value);
}

static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One line as systemd-sysctl parses it: "[-]key = value"; comments start
 * with '#' or ';'; a line without '=' is ignored. */
static void scan_line(struct scan *sc, const char *file, unsigned lineno, char *text)
{
	char *p = trim(text), *eq, *key, *value, norm[PATH_MAX];

	if (!*p || *p == '#' || *p == ';')
		return;
	if (*p == '-')
		p++;
	if (!(eq = strchr(p, '=')))
		return;
	*eq = '\0';
	key = trim(p);
	value = trim(eq + 1);
	if (!sysctl_key_normalize(key, norm, sizeof(norm)))
		return;
	bool glob = strpbrk(norm, "*?[") != NULL;
	for (size_t i = 0; i < sc->n; i++) {
		struct sysctl_query *q = &sc->queries[i];
		if (glob && !fnmatch(norm, q->key, FNM_PATHNAME))
			record(&sc->glob_last[i], &sc->glob_overridden[i], file, lineno, value);
		else if (!glob && !strcmp(norm, q->key))
			record(&q->last, &q->overridden, file, lineno, value);
	}
}

static int scan_file(struct scan *sc, const char *path)
{
	char real[PATH_MAX], why[PATH_MAX + 128], *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int fd;

	if (rooted_path(sc->root, path, real, sizeof(real)) == 1)
		return 0;
	/* Links are followed as systemd-sysctl follows them; anything but a
	 * regular file (a FIFO would hang the run) is skipped, as it skips
	 * it, and named once the scan is over. */
	if ((fd = safe_open(real, O_RDONLY, why, sizeof(why))) < 0) {
		if (fd == -ENOENT)
			return 0; /* a dangling link: nothing is set */
		if (fd != -EINVAL) {
			snprintf(sc->err, sc->errlen, "%s: %s", path, strerror(-fd));
			return -1;
		}
		struct stat st;
		if (!sc->skipped[0] && stat(real, &st) == 0)
			snprintf(sc->skipped, sizeof(sc->skipped), "%s: is %s, not a regular file: skipped, as "
								   "systemd-sysctl skips it",
				 path, safe_file_type(st.st_mode));
		return 0;
	}
	if (!(f = fdopen(fd, "r"))) {
		snprintf(sc->err, sc->errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (getline(&line, &cap, f) >= 0)
		scan_line(sc, path, ++lineno, line);
	free(line);
	fclose(f);
	return 0;
}

/* Add the *.conf names of one directory that no earlier one had. */
static int list_dir(struct scan *sc, const char *dir, struct conf_entry **entries, size_t *n, size_t *cap)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s%s", sc->root, dir);
	if (!(d = opendir(path))) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(sc->err, sc->errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		bool seen = false;
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = !strcmp((*entries)[i].name, de->d_name);
		if (seen)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*entries = xreallocarray(*entries, *cap, sizeof(**entries));
		}
		struct conf_entry *e = &(*entries)[(*n)++];
		snprintf(e->name, sizeof(e->name), "%s", de->d_name);
		snprintf(e->path, sizeof(e->path), "%s/%s", dir, de->d_name);
		char real[PATH_MAX];
		e->masked = rooted_path(sc->root, e->path, real, sizeof(real)) == 1;
	}
	closedir(d);
	return 0;
}

int sysctl_conf_scan(const char *root, struct sysctl_query *queries, size_t n, char *err, size_t errlen)
{
	struct scan sc = { .root = root, .queries = queries, .n = n, .err = err, .errlen = errlen };
	struct conf_entry *entries = NULL;
	size_t nentries = 0, cap = 0;
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		memset(&queries[i].last, 0, sizeof(queries[i].last));
		memset(&queries[i].overridden, 0, sizeof(queries[i].overridden));
	}
	sc.glob_last = xcalloc(n ? n : 1, sizeof(*sc.glob_last));
	sc.glob_overridden = xcalloc(n ? n : 1, sizeof(*sc.glob_overridden));
	for (size_t i = 0; i < sysctl_conf_ndirs && !ret; i++)
		ret = list_dir(&sc, sysctl_conf_dirs[i], &entries, &nentries, &cap);
	if (nentries)
		sort_array(entries, nentries, sizeof(*entries), entry_compare);
	for (size_t i = 0; i < nentries && !ret; i++)
		if (!entries[i].masked)
			ret = scan_file(&sc, entries[i].path);
	if (!ret)
		ret = scan_file(&sc, SYSCTL_CONF_FILE);
	if (!ret && sc.skipped[0]) {
		snprintf(err, errlen, "%s", sc.skipped);
		ret = -1;
	}
	/* systemd-sysctl applies a pattern only where no explicit line set
	 * the key, wherever that line is. */
	for (size_t i = 0; i < n; i++)
		if (!queries[i].last.found && sc.glob_last[i].found) {
			queries[i].last = sc.glob_last[i];
			queries[i].overridden = sc.glob_overridden[i];
		}
	free(sc.glob_last);
	free(sc.glob_overridden);
	free(entries);
	return ret;
}
