#include "system/kfeature.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Does modules.builtin list net/8021q/8021q.ko? */
static bool builtin(const char *release)
{
	char path[512], line[256];
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", release);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/8021q/8021q.ko") != NULL;
	fclose(f);
	return found;
}

bool kfeature_vlan(char *where, size_t size)
{
	struct utsname u;
	char dir[320];
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/net/8021q", u.release);
	if (exists("/sys/module/8021q") || builtin(u.release) || exists(dir))
		return true;
	snprintf(where, size, "no /sys/module/8021q, not in /lib/modules/%s/modules.builtin, no %s",
		 u.release, dir);
	return false;
}
