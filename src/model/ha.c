/* ha: { sync-interface, peer, priority, virtual, preempt }: the router as
 * one of a high-availability pair (docs/ha.md). Both routers read the same
 * file but for `priority`; what could make the pair unsafe is refused
 * here: a virtual address the port cannot hold, a peer the sync port does
 * not reach, a sync port clients share (anyone there could speak VRRP or
 * inject connection state), and DHCP WANs (each router would hold a lease
 * of its own, and no virtual address could follow it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/internal.h"

static const char *const ha_keys[] = {"sync-interface", "peer", "priority", "virtual", "preempt",
				      NULL};

/* Why zone z serves clients (a reason for the message), or NULL: a zone
 * that holds the sync port alone, opens no service, forwards nowhere and
 * is forwarded to by no one. */
static const char *ha_client_zone(const struct router *r, const struct zone *z,
				  const struct iface *sync)
{
	if (z->n_ifaces > 1)
		return "it holds other interfaces too";
	if (z->n_services)
		return "it opens services";
	if (z->n_forward)
		return "it forwards to other zones";
	if (sync->dhcp)
		return "the port has a DHCP server";
	for (size_t i = 0; i < r->n_zones; i++)
		for (size_t k = 0; k < r->zones[i].n_forward; k++)
			if (r->zones[i].forward[k] == z)
				return "other zones forward to it";
	return NULL;
}

static void ha_sync_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	struct ha_cfg *h = &r->ha;
	struct shown sh;
	const struct cfg_node *s = require_key(d, n, "sync-interface", n->pos, "ha");
	const char *name = s ? expect_str(d, s, "ha: sync-interface") : NULL;
	if (!name)
		return;
	h->sync = model_iface(r, name);
	if (!h->sync) {
		diag_error(d, s->pos, "ha: sync-interface: unknown interface '%s'", node_show(s, &sh));
		return;
	}
	if (h->sync->ipv4 != IPV4_STATIC) {
		diag_error(d, s->pos,
			   "ha: sync-interface: interface '%s' needs a static IPv4 address "
			   "(ipv4: A/LEN): the peer is reached on its subnet",
			   h->sync->name);
		h->sync = NULL;
		return;
	}
	const char *why = h->sync->zone ? ha_client_zone(r, h->sync->zone, h->sync) : NULL;
	if (why) {
		diag_error(d, s->pos,
			   "ha: sync-interface: interface '%s' is in client zone '%s' (%s); give the "
			   "sync link a zone of its own that only the peer reaches",
			   h->sync->name, h->sync->zone->name, why);
		h->sync = NULL;
	}
}

static void ha_peer_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	struct ha_cfg *h = &r->ha;
	struct shown sh;
	const struct cfg_node *p = require_key(d, n, "peer", n->pos, "ha");
	const char *s = p ? expect_str(d, p, "ha: peer") : NULL;
	if (!s)
		return;
	if (addr_parse4(s, &h->peer) < 0) {
		diag_error(d, p->pos, "ha: peer: '%s' is not an IPv4 address", node_show(p, &sh));
		return;
	}
	if (!h->sync)
		return;
	const struct cidr *net = iface_subnet_of(h->sync, &h->peer);
	if (!net) {
		char own[ADDR_STRLEN + 4];
		cidr_format(&h->sync->addrs[0], own, sizeof(own));
		diag_error(d, p->pos,
			   "ha: peer: %s is not on the subnet of sync-interface '%s' (%s)", s,
			   h->sync->name, own);
	} else if (addr_equal(&net->addr, &h->peer)) {
		diag_error(d, p->pos, "ha: peer: %s is this router's own address on '%s'", s,
			   h->sync->name);
	} else if (cidr_host_kind(net, &h->peer) < 0) {
		diag_error(d, p->pos, "ha: peer: %s is the network or broadcast address of %s's subnet",
			   s, h->sync->name);
	} else {
		h->sync_addr = *net;
	}
}

/* One `PORT: A/LEN` of ha.virtual. */
static void ha_virtual_one(const struct cfg_node *k, const struct cfg_node *v, struct router *r,
			   struct diags *d)
{
	struct ha_cfg *h = &r->ha;
	struct shown sh;
	char what[WHAT_MAX];
	struct iface *i = model_iface(r, k->str);
	snprintf(what, sizeof(what), "ha: virtual: %s", k->str);
	if (!i) {
		diag_error(d, k->pos, "ha: virtual: unknown interface '%s'", node_show(k, &sh));
		return;
	}
	if (i == h->sync) {
		diag_error(d, k->pos,
			   "ha: virtual: '%s' is the sync-interface; virtual addresses belong on the "
			   "ports clients and the ISP reach",
			   i->name);
		return;
	}
	if (i->ipv4 == IPV4_DHCP) {
		diag_error(d, k->pos,
			   "ha: virtual: interface '%s' takes its address by DHCP; a virtual address "
			   "needs a port with a static IPv4 address",
			   i->name);
		return;
	}
	const char *s = expect_str(d, v, what);
	struct ha_virtual *x = &h->virt[h->n_virt];
	if (!s)
		return;
	if (cidr_parse(s, &x->addr) < 0 || x->addr.addr.family != AF_INET || !strchr(s, '/')) {
		diag_error(d, v->pos, "%s: '%s' is not an IPv4 address with its prefix (A/LEN)", what,
			   node_show(v, &sh));
		return;
	}
	const struct cidr *net = NULL;
	for (size_t a = 0; a < i->n_addrs && !net; a++)
		if (i->addrs[a].len == x->addr.len && cidr_contains(&i->addrs[a], &x->addr.addr))
			net = &i->addrs[a];
	if (!net) {
		char own[ADDR_STRLEN + 4] = "none";
		if (i->n_addrs)
			cidr_format(&i->addrs[0], own, sizeof(own));
		diag_error(d, v->pos, "%s: %s is outside the subnet of interface '%s' (%s)", what, s,
			   i->name, own);
		return;
	}
	if (addr_equal(&net->addr, &x->addr.addr)) {
		diag_error(d, v->pos,
			   "%s: %s is the router's own address on '%s'; the virtual address is a "
			   "third one the two routers share",
			   what, s, i->name);
		return;
	}
	if (cidr_host_kind(net, &x->addr.addr) < 0) {
		diag_error(d, v->pos, "%s: %s is the network or broadcast address of the subnet", what,
			   s);
		return;
	}
	if (i->dhcp && addr_cmp(&i->dhcp->start, &x->addr.addr) <= 0 &&
	    addr_cmp(&x->addr.addr, &i->dhcp->end) <= 0) {
		diag_error(d, v->pos, "%s: %s is inside dhcp.%s's range", what, s, i->name);
		return;
	}
	x->iface = i;
	x->pos = model_pos(r, v);
	h->n_virt++;
}

static void ha_virtual_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	const struct cfg_node *v = require_key(d, n, "virtual", n->pos, "ha");
	if (!v || !expect_map(d, v, "ha: virtual") ||
	    !within_limit(d, v, HA_MAX_VIRTUAL, "ha: virtual"))
		return;
	if (v->n == 0)
		diag_error(d, v->pos, "ha: virtual: no address; name at least one port's (lan: A/LEN)");
	for (size_t k = 0; k < v->n; k++)
		ha_virtual_one(v->key[k], v->val[k], r, d);
}

int ha_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	struct ha_cfg *h = &r->ha;
	unsigned long prio = 0;
	size_t errors = d->n_errors;
	if (!expect_map(d, n, "ha"))
		return -EINVAL;
	check_keys(d, n, ha_keys, "ha");
	h->pos = model_pos(r, n);
	h->preempt = true;
	ha_sync_build(n, r, d);
	ha_peer_build(n, r, d);
	const struct cfg_node *p = require_key(d, n, "priority", n->pos, "ha");
	if (p && expect_uint(d, p, "ha: priority", 1, 254, &prio) == 0)
		h->priority = (uint32_t)prio;
	const struct cfg_node *pre = cfg_map_get(n, "preempt");
	if (pre)
		expect_bool(d, pre, "ha: preempt", &h->preempt);
	ha_virtual_build(n, r, d);
	/* Each router would take a lease of its own on a DHCP WAN, and a
	 * virtual address cannot follow a lease: refused in this version. */
	const struct cfg_node *virt = cfg_map_get(n, "virtual");
	for (size_t i = 0; i < r->n_ifaces; i++)
		/* One named in virtual has had its own error there. */
		if (r->ifaces[i].ipv4 == IPV4_DHCP &&
		    !(virt && virt->kind == CFG_MAP && cfg_map_get(virt, r->ifaces[i].name)))
			diag_error(d, r->ifaces[i].pos,
				   "interface '%s': ipv4: dhcp cannot be used with ha: (a DHCP WAN "
				   "cannot move between the two routers); give it static addresses "
				   "and a virtual one",
				   r->ifaces[i].name);
	if (d->n_errors != errors)
		return -EINVAL;
	h->on = true;
	return 0;
}
