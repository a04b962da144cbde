/* `diff`: the port plan as text, one line per change, in the order
 * apply would make them. */
#include <stdio.h>

#include "system/ports_int.h"
#include "util/addr.h"
#include "util/buf.h"

static void describe_gw(struct buf *b, const char *port, const char *fam,
			const struct route_default *r, bool add)
{
	char gw[ADDR_STRLEN] = "";
	if (r->gw.family)
		addr_format(&r->gw, gw, sizeof(gw));
	buf_printf(b, "%s %s: %sdefault route%s%s metric %u\n", add ? "+" : "-", port, fam,
		   gw[0] ? " via " : "", gw, r->metric);
}

size_t port_plan_describe(const struct port_plan *pl, struct buf *b)
{
	size_t n = 0;
	char a[ADDR_STRLEN];
	for (size_t i = 0; i < pl->n; i++) {
		const struct port_step *s = &pl->v[i];
		const char *name = s->p->name;
		if (s->create && s->p->bridge_node && ++n)
			buf_printf(b, "+ %s: bridge\n", name);
		else if (s->create && s->p->wg && ++n)
			buf_printf(b, "+ %s: WireGuard link\n", name);
		else if (s->create && ++n)
			buf_printf(b, "+ %s: VLAN %u on link %d\n", name, (unsigned)s->p->vlan_id,
				   s->parent_ifindex);
		if (s->set_master && s->master && ++n)
			buf_printf(b, "~ %s: port of bridge '%s'\n", name, s->master->p->name);
		else if (s->set_master && ++n)
			buf_printf(b, "~ %s: leaves bridge %d (in no bridge in router.yaml)\n", name,
				   s->old_master);
		if (s->rename && ++n)
			buf_printf(b, "~ %s: rename link '%s' to '%s'\n", name, s->old_name, name);
		if (s->set_mtu && ++n)
			buf_printf(b, "~ %s: mtu %d -> %d\n", name, s->old_mtu, s->p->mtu);
		if (s->set_up && !s->create && ++n)
			buf_printf(b, "~ %s: set up (it is down)\n", name);
		for (size_t k = 0; k < s->n_del; k++, n++) {
			cidr_format(&s->del[k], a, sizeof(a));
			buf_printf(b, "- %s: address %s\n", name, a);
		}
		for (size_t k = 0; k < s->n_add; k++, n++) {
			cidr_format(&s->add[k], a, sizeof(a));
			buf_printf(b, "+ %s: address %s\n", name, a);
		}
		if (s->set_ra && ++n)
			buf_printf(b, "~ %s: accept_ra %d -> %d\n", name, s->old_accept_ra, s->accept_ra);
		/* A route only re-set because the link changes is not news. */
		if (s->set_gw && (!s->gw_had_old || s->gw_old.ifindex != s->ifindex ||
				  !addr_equal(&s->gw_old.gw, &s->p->gateway)) && ++n)
			describe_gw(b, name, "", &s->gw_new, true);
		if (s->set_gw6 && (!s->gw6_had_old || s->gw6_old.ifindex != s->ifindex ||
				   !addr_equal(&s->gw6_old.gw, &s->p->gateway6)) && ++n)
			describe_gw(b, name, "IPv6 ", &s->gw6_new, true);
	}
	for (size_t k = 0; k < pl->n_orphans; k++, n++)
		buf_printf(b, "- %s: bridge left without ports: its addresses removed, down (it "
			      "stays: ip link del %s)\n",
			   pl->orphans[k].name, pl->orphans[k].name);
	for (size_t k = 0; k < pl->n_stale; k++, n++)
		describe_gw(b, "(no port)", "", pl->stale[k], false);
	for (size_t k = 0; k < pl->n_stale6; k++, n++)
		describe_gw(b, "(no port)", "IPv6 ", pl->stale6[k], false);
	return n;
}
