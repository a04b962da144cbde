/* The lab's HA pair (`lab up -c PRIMARY -c BACKUP`, docs/ha.md): the
 * primary is the lab's router as ever (hosts[0], its ports' peers); the
 * backup is a second router namespace whose ports join the same peers
 * through a bridge in each peer's namespace, and whose sync port is
 * joined to the primary's directly. This file derives the backup's side
 * from its config; netns.c makes the links, hosts.c starts its daemon. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab.h"

static const struct iface *pair_port(const struct router *r, const char *name)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (strcmp(r->ifaces[i].name, name) == 0)
			return &r->ifaces[i];
	return NULL;
}

/* Both configs describe the same pair: ha: in each, the same ports and
 * sync port, and each one's peer is the other's own sync address. */
static int pair_same(struct lab *l)
{
	const struct router *a = l->r, *b = l->r2;
	if (!a->ha.on || !b->ha.on) {
		lab_error(l, "lab up -c PRIMARY -c BACKUP: %s has no ha: section",
			  !a->ha.on ? l->config : l->config2);
		return -EINVAL;
	}
	if (a->n_ifaces != b->n_ifaces || strcmp(a->ha.sync->name, b->ha.sync->name) != 0) {
		lab_error(l, "lab up: %s and %s do not describe one pair (other ports or sync-interface)",
			  l->config, l->config2);
		return -EINVAL;
	}
	if (!addr_equal(&a->ha.peer, &b->ha.sync_addr.addr) ||
	    !addr_equal(&b->ha.peer, &a->ha.sync_addr.addr)) {
		lab_error(l, "lab up: the ha: peers do not match: each router's peer must be the "
			     "other's address on the sync port");
		return -EINVAL;
	}
	return 0;
}

int lab_pair_topology(struct lab *l)
{
	int ret = pair_same(l);
	if (ret < 0)
		return ret;
	snprintf(l->backup.name, sizeof(l->backup.name), "backup");
	snprintf(l->backup.ns, sizeof(l->backup.ns), "nftr-%s-backup", l->id);
	l->backup.role = LAB_ROUTER;
	for (size_t i = 1; i < l->n_hosts; i++) {
		struct lab_host *h = &l->hosts[i];
		const struct iface *p = pair_port(l->r2, h->port->name);
		if (!p) {
			lab_error(l, "lab up: port '%s' of %s is not in %s", h->port->name, l->config,
				  l->config2);
			return -EINVAL;
		}
		if (strcmp(h->port->name, "backup") == 0) {
			lab_error(l, "port 'backup': the lab calls the second router that; rename the port");
			return -EINVAL;
		}
		/* Its own namespace: the primary's kernel name serves, unless
		 * the backup's config matches by another name. */
		snprintf(h->router2_ifname, sizeof(h->router2_ifname), "%s",
			 p->match == MATCH_NAME ? p->match_name : h->router_ifname);
		memcpy(h->mac2, h->mac, 6);
		h->mac2[4] ^= 0x80;
		if (p->match == MATCH_MAC)
			memcpy(h->mac2, p->match_mac, 6);
		/* The sync link has no peer: the routers' ends meet. */
		h->sync = h->port == l->r->ha.sync;
		if (h->sync) {
			h->absent = true;
			h->dhcp_client = false;
			h->addr.len = 0;
		}
		if (h->port->optional || p->optional) {
			lab_error(l, "lab up: port '%s' is optional; a pair's ports are all built",
				  h->port->name);
			return -EINVAL;
		}
	}
	l->pair = true;
	return 0;
}

int lab_nftrouter_backup(const struct lab *l, char *const args[], struct buf *out, int timeout_ms)
{
	char state[PATH_MAX], run[PATH_MAX];
	char *v[24];
	size_t n = 0;
	lab_path(l, "backup-state", state, sizeof(state));
	lab_path(l, "backup-run", run, sizeof(run));
	v[n++] = (char *)l->bin;
	for (size_t i = 0; args[i] && n < 14; i++)
		v[n++] = args[i];
	v[n++] = (char *)"-c";
	v[n++] = (char *)l->config2;
	v[n++] = (char *)"--state-dir";
	v[n++] = state;
	v[n++] = (char *)"--run-dir";
	v[n++] = run;
	v[n] = NULL;
	return lab_run_in(l, &l->backup, v, out, timeout_ms);
}
