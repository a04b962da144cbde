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

/* 0 when module (installed under kernel/dir) is there; else -EOPNOTSUPP
 * with an error at `at` naming port, its key, the feature and every place
 * looked at. */
static int need_module(struct pos at, const char *port, const char *key, const char *what,
		       const char *module, const char *dir, struct diags *d)
{
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	if (kfeature_module(u.release, module, dir))
		return 0;
	diag_error(d, at,
		   "interface '%s': %s: this kernel has no %s (the %s module: no /sys/module/%s, "
		   "not in /lib/modules/%s/modules.builtin, no /lib/modules/%s/kernel/%s); apply "
		   "would fail",
		   port, key, what, module, module, u.release, u.release, dir);
	return -EOPNOTSUPP;
}

int kfeature_vlan(const struct iface *p, struct diags *d)
{
	return need_module(p->pos, p->name, "vlan", "802.1Q VLANs", "8021q", "net/8021q", d);
}

/* A loaded or built-in bridge driver has /sys/module/bridge. */
int kfeature_bridge(const struct iface *p, struct diags *d)
{
	return need_module(p->pos, p->name, "bridge", "bridges", "bridge", "net/bridge", d);
}

int kfeature_wireguard(const struct iface *p, struct diags *d)
{
	return need_module(p->wg->pos, p->name, "wireguard", "WireGuard", "wireguard",
			   "drivers/net/wireguard", d);
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
