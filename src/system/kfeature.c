#include "system/kfeature.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Does modules.builtin list ko (e.g. "/8021q/8021q.ko")? */
static bool builtin(const char *release, const char *ko)
{
	char path[512], line[256];
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", release);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, ko) != NULL;
	fclose(f);
	return found;
}

int kfeature_vlan(const struct iface *p, struct diags *d)
{
	struct utsname u;
	char dir[320];
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/net/8021q", u.release);
	if (exists("/sys/module/8021q") || builtin(u.release, "/8021q/8021q.ko") || exists(dir))
		return 0;
	diag_error(d, p->pos,
		   "interface '%s': vlan: this kernel has no 802.1Q VLANs (the 8021q module: no "
		   "/sys/module/8021q, not in /lib/modules/%s/modules.builtin, no %s); apply "
		   "would fail",
		   p->name, u.release, dir);
	return -EOPNOTSUPP;
}

/* A loaded or built-in bridge driver has /sys/module/bridge. */
int kfeature_bridge(const struct iface *p, struct diags *d)
{
	struct utsname u;
	char dir[320];
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/net/bridge", u.release);
	if (exists("/sys/module/bridge") || builtin(u.release, "/bridge/bridge.ko") || exists(dir))
		return 0;
	diag_error(d, p->pos,
		   "interface '%s': bridge: this kernel has no bridges (the bridge module: no "
		   "/sys/module/bridge, not in /lib/modules/%s/modules.builtin, no %s); apply "
		   "would fail",
		   p->name, u.release, dir);
	return -EOPNOTSUPP;
}

int kfeature_wireguard(const struct iface *p, struct diags *d)
{
	struct utsname u;
	char dir[320];
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/drivers/net/wireguard", u.release);
	if (exists("/sys/module/wireguard") || builtin(u.release, "/wireguard/wireguard.ko") ||
	    exists(dir))
		return 0;
	diag_error(d, p->wg->pos,
		   "interface '%s': wireguard: this kernel has no WireGuard (the wireguard "
		   "module: no /sys/module/wireguard, not in /lib/modules/%s/modules.builtin, no "
		   "%s); apply would fail",
		   p->name, u.release, dir);
	return -EOPNOTSUPP;
}
