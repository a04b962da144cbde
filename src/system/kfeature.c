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

/* Does modules.builtin list ko (e.g. "/8021q.ko")? */
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

bool kfeature_module(const char *release, const char *name, const char *dir)
{
	static const char *const ext[] = {"", ".xz", ".zst", ".gz"};
	char path[512], ko[64];
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	snprintf(ko, sizeof(ko), "/%s.ko", name);
	if (exists(path) || builtin(release, ko))
		return true;
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "/lib/modules/%s/kernel/%s/%s.ko%s", release, dir,
			 name, ext[i]);
		if (exists(path))
			return true;
	}
	return false;
}

int kfeature_vlan(const struct iface *p, struct diags *d)
{
	struct utsname u;
	char dir[320];
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(dir, sizeof(dir), "/lib/modules/%s/kernel/net/8021q", u.release);
	if (kfeature_module(u.release, "8021q", "net/8021q"))
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
	if (kfeature_module(u.release, "bridge", "net/bridge"))
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
	if (kfeature_module(u.release, "wireguard", "drivers/net/wireguard"))
		return 0;
	diag_error(d, p->wg->pos,
		   "interface '%s': wireguard: this kernel has no WireGuard (the wireguard "
		   "module: no /sys/module/wireguard, not in /lib/modules/%s/modules.builtin, no "
		   "%s); apply would fail",
		   p->name, u.release, dir);
	return -EOPNOTSUPP;
}

int kfeature_flowtable(struct pos at, struct diags *d)
{
	static const char *const mods[] = {"nf_flow_table", "nft_flow_offload"};
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (kfeature_module(u.release, mods[i], "net/netfilter"))
			continue;
		diag_error(d, at,
			   "offload: this kernel has no nftables flowtables (the %s module: no "
			   "/sys/module/%s, not in /lib/modules/%s/modules.builtin, not in "
			   "/lib/modules/%s/kernel/net/netfilter); apply would fail",
			   mods[i], mods[i], u.release, u.release);
		return -EOPNOTSUPP;
	}
	return 0;
}
