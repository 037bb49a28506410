/* Whether the running kernel offers an IPVS scheduler
 * (ipvs_scheduler_available() of include/ipvs_netlink.h): asked of the
 * files, not of IPVS, which loads a scheduler only when a service asks for
 * it and would leave a half-made service behind to find out. */
#include "ipvs_netlink.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* The search of /lib/modules stops here: a few thousand modules in a
 * tree a few levels deep; a loop of links or a huge tree must not hang
 * verify. */
#define MODULE_SEARCH_DEPTH 8
#define MODULE_SEARCH_ENTRIES 100000

static bool name_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= LVSDR_SCHED_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* The file name is "ip_vs_NAME.ko", compressed or not. */
static bool module_file(const char *file, const char *module)
{
	static const char *const ext[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t len = strlen(module);

	if (strncmp(file, module, len))
		return false;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (!strcmp(file + len, ext[i]))
			return true;
	return false;
}

static bool module_under(const char *dir, const char *module, int depth, unsigned *budget)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)) && *budget > 0) {
		char path[PATH_MAX];
		struct stat st;

		(*budget)--;
		if (e->d_name[0] == '.')
			continue;
		if (module_file(e->d_name, module))
			found = true;
		else if (depth > 0 && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) &&
			 snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path) &&
			 lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			found = module_under(path, module, depth - 1, budget);
	}
	closedir(d);
	return found;
}

/* modules.builtin names "kernel/net/netfilter/ipvs/ip_vs_rr.ko" per line. */
static bool module_builtin(const char *modules, const char *module)
{
	char path[PATH_MAX], line[512], want[64];
	bool found = false;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/modules.builtin", modules) >= (int)sizeof(path) ||
	    snprintf(want, sizeof(want), "/%s.ko", module) >= (int)sizeof(want) || !(f = fopen(path, "re")))
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		size_t n = strlen(line), w = strlen(want);
		found = n >= w && !strcmp(line + n - w, want);
	}
	fclose(f);
	return found;
}

bool ipvs_scheduler_available(const char *name)
{
	char module[64], path[PATH_MAX];
	struct utsname u;
	unsigned budget = MODULE_SEARCH_ENTRIES;

	if (!name_valid(name))
		return false;
	snprintf(module, sizeof(module), "ip_vs_%s", name);
	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (access(path, F_OK) == 0)
		return true;
	if (uname(&u) < 0)
		return false;
	if (snprintf(path, sizeof(path), "/lib/modules/%s", u.release) >= (int)sizeof(path))
		return false;
	return module_builtin(path, module) || module_under(path, module, MODULE_SEARCH_DEPTH, &budget);
}
