/* interfaces.X.vlan: an 802.1Q VLAN port on another port's link (router
 * on a stick). The link is nftrouter's to make (apply creates it, named as
 * the port), so the port has no `match`: it is found by that name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/internal.h"

static const char *const vlan_keys[] = {"parent", "id", NULL};

/* Two VLANs with one tag on one link would be one link: the kernel refuses
 * the second. Earlier interfaces only, so each pair is reported once. */
static int vlan_unique(struct diags *d, const struct cfg_node *idn, const struct router *r,
		       const struct iface *self, const char *what)
{
	for (const struct iface *o = r->ifaces; o < self; o++) {
		if (o->vlan_id != self->vlan_id || o->vlan_parent != self->vlan_parent)
			continue;
		diag_error(d, idn->pos, "%s: VLAN %u on '%s' is interface '%s' already", what,
			   (unsigned)self->vlan_id, self->vlan_parent->name, o->name);
		return -EINVAL;
	}
	return 0;
}

static int vlan_build(struct diags *d, const struct cfg_node *n, struct router *r,
		      struct iface *i)
{
	char what[WHAT_MAX], w[WHAT_MAX];
	snprintf(what, sizeof(what), "interface '%s': vlan", i->name);
	if (!expect_map(d, n, what))
		return -EINVAL;
	check_keys(d, n, vlan_keys, what);
	const struct cfg_node *pn = require_key(d, n, "parent", n->pos, what);
	const struct cfg_node *idn = require_key(d, n, "id", n->pos, what);
	if (!pn || !idn)
		return -EINVAL;
	unsigned long id;
	what_join(w, what, "id");
	if (expect_uint(d, idn, w, 1, 4094, &id) < 0)
		return -EINVAL;
	what_join(w, what, "parent");
	const char *pname = expect_str(d, pn, w);
	if (!pname)
		return -EINVAL;
	struct shown sh;
	struct iface *p = model_iface(r, pname);
	if (!p) {
		diag_error(d, pn->pos, "%s: unknown interface '%s'", w, node_show(pn, &sh));
		return -EINVAL;
	}
	if (p == i) {
		diag_error(d, pn->pos, "%s: a VLAN cannot be its own parent", w);
		return -EINVAL;
	}
	if (p->vlan_node) {
		diag_error(d, pn->pos,
			   "%s: '%s' is a VLAN itself; a VLAN's parent is a port with a link "
			   "of its own (stacked 802.1ad VLANs are not supported)",
			   w, p->name);
		return -EINVAL;
	}
	if (p->bridge) {
		diag_error(d, pn->pos,
			   "%s: '%s' is a member of bridge '%s', which takes all its frames; "
			   "a VLAN's parent is a port in no bridge",
			   w, p->name, p->bridge->name);
		return -EINVAL;
	}
	if (p->bridge_node) {
		diag_error(d, pn->pos,
			   "%s: '%s' is a bridge; a VLAN on a bridge is not supported (put the "
			   "VLAN on a port that is no bridge member)",
			   w, p->name);
		return -EINVAL;
	}
	i->vlan_parent = p;
	i->vlan_id = (uint16_t)id;
	/* An absent parent has no VLANs: they come and go with it. */
	if (p->optional)
		i->optional = true;
	return vlan_unique(d, idn, r, i, what);
}

void vlan_build_all(struct diags *d, const struct cfg_node *n, struct router *r)
{
	for (size_t k = 0; k < r->n_ifaces; k++) {
		struct iface *i = &r->ifaces[k];
		const struct cfg_node *v = n->val[k];
		if (!i->vlan_node || !i->name[0] || v->kind != CFG_MAP)
			continue;
		vlan_build(d, cfg_map_get(v, "vlan"), r, i);
	}
}
