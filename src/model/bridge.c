/* interfaces.X.bridge: several ports as one LAN segment (a Linux bridge).
 * The bridge's link is nftrouter's to make (apply creates it, named as the
 * port), so it has no `match`; its members are other entries of
 * interfaces, matched as usual. The bridge is the port the rest of the
 * config sees: it has the addresses, the zone, the DHCP server. Members
 * only forward frames, so they carry no addresses and are in no zone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

/* One member of bridge b, written at item. */
static void bridge_member(struct diags *d, const struct cfg_node *item, struct router *r,
			  struct iface *b, const char *what)
{
	struct shown sh;
	const char *s = expect_str(d, item, what);
	if (!s)
		return;
	struct iface *m = model_iface(r, s);
	if (!m) {
		diag_error(d, item->pos,
			   "%s: unknown interface '%s' (a member is another entry of interfaces)",
			   what, node_show(item, &sh));
		return;
	}
	if (m == b) {
		diag_error(d, item->pos, "%s: a bridge cannot be its own member", what);
		return;
	}
	if (m->bridge_node) {
		diag_error(d, item->pos,
			   "%s: '%s' is a bridge itself; a bridge of bridges is not supported "
			   "(list its members here instead)",
			   what, m->name);
		return;
	}
	if (m->vlan_node) {
		diag_error(d, item->pos,
			   "%s: '%s' is a VLAN; a VLAN as a bridge member is not supported", what,
			   m->name);
		return;
	}
	if (m->bridge == b) {
		diag_error(d, item->pos, "%s: '%s' listed twice", what, m->name);
		return;
	}
	if (m->bridge) {
		diag_error(d, item->pos,
			   "%s: '%s' is a member of bridge '%s' already; a port is in one bridge "
			   "at most",
			   what, m->name, m->bridge->name);
		return;
	}
	m->bridge = b;
	b->bridge_ports[b->n_bridge_ports++] = m;
}

/* A member's frames are the bridge's: an address on it would answer on a
 * port the firewall and DHCP never see. The error is at the member's key
 * that asks for one. */
static void bridge_member_bare(struct diags *d, const struct cfg_node *n, const struct iface *m)
{
	static const char *const keys[] = {"ipv4", "ipv6", "gateway", "ipv6-gateway", NULL};
	for (size_t k = 0; keys[k]; k++) {
		const struct cfg_node *v = cfg_map_get(n, keys[k]);
		if (!v || (v->kind == CFG_SCALAR && v->str && strcmp(v->str, "none") == 0))
			continue;
		diag_error(d, v->pos,
			   "interface '%s': %s: '%s' is a member of bridge '%s' and carries no "
			   "addresses; give them to '%s'",
			   m->name, keys[k], m->name, m->bridge->name, m->bridge->name);
		return;
	}
}

static void bridge_build(struct diags *d, const struct cfg_node *n, struct router *r,
			 struct iface *b)
{
	char what[WHAT_MAX];
	snprintf(what, sizeof(what), "interface '%s': bridge", b->name);
	if (n->kind != CFG_SEQ) {
		diag_error(d, n->pos, "%s: expected a list of member interfaces, got %s", what,
			   node_kind(n));
		return;
	}
	if (n->n == 0) {
		diag_error(d, n->pos, "%s: empty; a bridge needs at least one member", what);
		return;
	}
	if (!within_limit(d, n, MAX_LIST, what) ||
	    !(b->bridge_ports = calloc(n->n, sizeof(*b->bridge_ports))))
		return;
	for (size_t k = 0; k < n->n; k++)
		bridge_member(d, n->val[k], r, b, what);
}

void bridge_build_all(struct diags *d, const struct cfg_node *n, struct router *r)
{
	for (size_t k = 0; k < r->n_ifaces; k++) {
		struct iface *b = &r->ifaces[k];
		const struct cfg_node *v = n->val[k];
		if (!b->bridge_node || !b->name[0] || v->kind != CFG_MAP)
			continue;
		bridge_build(d, cfg_map_get(v, "bridge"), r, b);
	}
	for (size_t k = 0; k < r->n_ifaces; k++)
		if (r->ifaces[k].bridge && n->val[k]->kind == CFG_MAP)
			bridge_member_bare(d, n->val[k], &r->ifaces[k]);
}
