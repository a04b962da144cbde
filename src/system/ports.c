#include "system/ports.h"

#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/ipv6.h"
#include "system/ports_int.h"
#include "system/route.h"

void port_plan_free(struct port_plan *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->v[i].add);
		free(pl->v[i].del);
	}
	free(pl->v);
	free(pl->links);
	free(pl->addrs);
	free(pl->routes);
	free(pl->stale);
	free(pl->routes6);
	free(pl->stale6);
	orphans_free(pl);
	free(pl);
}

bool port_plan_empty(const struct port_plan *pl)
{
	if (pl->n_stale || pl->n_stale6 || pl->n_orphans)
		return false;
	for (size_t i = 0; i < pl->n; i++) {
		const struct port_step *s = &pl->v[i];
		if (s->create || s->set_master || s->rename || s->set_mtu || s->set_up || s->n_add || s->n_del ||
		    s->set_gw ||
		    s->set_ra || s->set_gw6)
			return false;
	}
	return true;
}

/* Adds and removals that bring the port's addresses of family to
 * want[0..n_want): IPv4, every address (a static port); IPv6, those
 * link_addr6_managed counts as ours. */
static void step_plan_family(struct port_plan *pl, struct port_step *s, int family,
			     const struct cidr *want, size_t n_want)
{
	for (size_t i = 0; i < pl->n_addrs; i++) {
		const struct link_addr *a = &pl->addrs[i];
		if (a->ifindex != s->ifindex || a->addr.addr.family != family ||
		    (family == AF_INET6 && !link_addr6_managed(a)))
			continue;
		bool wanted = false;
		for (size_t j = 0; j < n_want; j++)
			wanted |= cidr_equal(&want[j], &a->addr);
		/* ha: the virtual address is keepalived's to add and remove:
		 * an apply on the primary must not take it away. */
		const struct cidr *vip = family == AF_INET ? ha_virtual_of(pl->r, s->p) : NULL;
		wanted |= vip && cidr_equal(vip, &a->addr);
		if (!wanted)
			s->del[s->n_del++] = a->addr;
	}
	for (size_t j = 0; j < n_want; j++) {
		bool present = false;
		for (size_t i = 0; i < pl->n_addrs; i++)
			present |= pl->addrs[i].ifindex == s->ifindex &&
				   cidr_equal(&want[j], &pl->addrs[i].addr);
		if (!present)
			s->add[s->n_add++] = want[j];
	}
}

static int step_plan_addrs(struct port_plan *pl, struct port_step *s)
{
	struct cidr want6[MAX_PORT_ADDRS6];
	size_t n6 = ipv6_port_addrs(pl->r, s->p, pl->lv, want6, MAX_PORT_ADDRS6);
	s->add = calloc(s->p->n_addrs + n6 + 1, sizeof(*s->add));
	s->del = calloc(pl->n_addrs + 1, sizeof(*s->del));
	if (!s->add || !s->del)
		return -ENOMEM;
	if (s->p->ipv4 != IPV4_DHCP)
		step_plan_family(pl, s, AF_INET, s->p->addrs, s->p->n_addrs);
	step_plan_family(pl, s, AF_INET6, want6, n6);
	return 0;
}

/* A rename target held by a link this plan does not rename would fail
 * half-way; refuse it now. A target held by another renamed link is a
 * swap: rename through temporary names. */
static int plan_check_names(struct port_plan *pl, struct diags *d)
{
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		if (!s->rename)
			continue;
		for (size_t j = 0; j < pl->n_links; j++) {
			const struct link_info *l = &pl->links[j];
			if (l->ifindex == s->ifindex || strcmp(l->name, s->p->name) != 0)
				continue;
			bool renamed = false;
			for (size_t k = 0; k < pl->n; k++)
				renamed |= pl->v[k].ifindex == l->ifindex && pl->v[k].rename;
			if (!renamed) {
				diag_error(d, s->p->pos,
					   "interface '%s': the name is taken by link %d, which is "
					   "not a configured port (nothing changed)",
					   s->p->name, l->ifindex);
				return -EINVAL;
			}
			pl->via_tmp = true;
		}
	}
	return 0;
}

/* The port's default route with its own metric (interfaces.X.metric, or
 * its place in the file). Set again whenever the port changes (taking a
 * link down flushes its routes). */
static void step_plan_gateway(struct port_plan *pl, struct port_step *s)
{
	uint32_t metric = s->p->metric;
	s->gw_new = (struct route_default){s->ifindex, s->p->gateway, metric, 0};
	for (size_t k = 0; k < pl->n_routes; k++) {
		if (pl->routes[k].metric == metric) {
			s->gw_old = pl->routes[k];
			s->gw_had_old = true;
		}
	}
	s->set_gw = !s->gw_had_old || s->gw_old.ifindex != s->ifindex ||
		    !addr_equal(&s->gw_old.gw, &s->p->gateway) || s->rename || s->set_up ||
		    s->n_add || s->n_del;
}

/* Our default routes (ROUTE_PROTO_NFTROUTER) whose metric no gateway port
 * of this config takes: the gateway was removed, or its port is absent. A
 * kept metric is replaced, not removed. */
static int plan_stale_routes(struct port_plan *pl)
{
	pl->stale = calloc(pl->n_routes + 1, sizeof(*pl->stale));
	if (!pl->stale)
		return -ENOMEM;
	for (size_t k = 0; k < pl->n_routes; k++) {
		bool kept = pl->routes[k].protocol != ROUTE_PROTO_NFTROUTER;
		for (size_t i = 0; i < pl->n && !kept; i++)
			kept = pl->v[i].p->has_gateway &&
			       pl->v[i].gw_new.metric == pl->routes[k].metric;
		if (!kept)
			pl->stale[pl->n_stale++] = &pl->routes[k];
	}
	return 0;
}

/* `ipv6-gateway`: as step_plan_gateway, with metrics counted among the
 * ports that have one. */
static void step_plan_gateway6(struct port_plan *pl, const struct router *r,
			       struct port_step *s)
{
	uint32_t metric = 0;
	for (const struct iface *o = r->ifaces; o < s->p; o++)
		metric += o->has_gateway6;
	s->gw6_new = (struct route_default){s->ifindex, s->p->gateway6, metric, 0};
	for (size_t k = 0; k < pl->n_routes6; k++) {
		if (pl->routes6[k].metric == metric && pl->routes6[k].gw.family == AF_INET6) {
			s->gw6_old = pl->routes6[k];
			s->gw6_had_old = true;
		}
	}
	s->set_gw6 = !s->gw6_had_old || s->gw6_old.ifindex != s->ifindex ||
		     !addr_equal(&s->gw6_old.gw, &s->p->gateway6) || s->rename || s->set_up ||
		     s->n_add || s->n_del;
}

static int plan_stale_routes6(struct port_plan *pl)
{
	pl->stale6 = calloc(pl->n_routes6 + 1, sizeof(*pl->stale6));
	if (!pl->stale6)
		return -ENOMEM;
	for (size_t k = 0; k < pl->n_routes6; k++) {
		bool kept = pl->routes6[k].protocol != ROUTE_PROTO_NFTROUTER ||
			    pl->routes6[k].gw.family != AF_INET6;
		for (size_t i = 0; i < pl->n && !kept; i++)
			kept = pl->v[i].p->has_gateway6 &&
			       pl->v[i].gw6_new.metric == pl->routes6[k].metric;
		if (!kept)
			pl->stale6[pl->n_stale6++] = &pl->routes6[k];
	}
	return 0;
}

int plan_created(struct port_plan *pl, const struct router *r, const struct iface *p,
		 int parent_ifindex)
{
	struct port_step *s = &pl->v[pl->n++];
	s->p = p;
	s->create = true;
	s->parent_ifindex = parent_ifindex;
	snprintf(s->old_name, sizeof(s->old_name), "%s", p->name);
	s->set_mtu = p->mtu > 0;
	s->set_up = true;
	/* A new link starts with conf/default's accept_ra (none without
	 * IPv6). Undo has nothing to restore: the link goes. */
	s->old_accept_ra = ipv6_accept_ra_get("default");
	s->accept_ra = ipv6_accept_ra_wanted(p);
	s->set_ra = s->old_accept_ra >= 0 && s->old_accept_ra != s->accept_ra;
	int rc = step_plan_addrs(pl, s);
	if (rc < 0)
		return rc;
	if (p->has_gateway)
		step_plan_gateway(pl, s);
	if (p->has_gateway6)
		step_plan_gateway6(pl, r, s);
	return 0;
}

/* A VLAN port whose link is absent while its parent's is present: a step
 * that makes the link, then sets it up like a new port. An absent parent
 * (optional) leaves its VLANs absent too. */
static int plan_vlan(struct port_plan *pl, const struct router *r, const int *port_link,
		     size_t i)
{
	const struct iface *p = &r->ifaces[i];
	if (!p->vlan_parent)
		return 0;
	int parent = port_link[p->vlan_parent - r->ifaces];
	if (parent < 0)
		return 0;
	return plan_created(pl, r, p, pl->links[parent].ifindex);
}

static int plan_build(struct port_plan *pl, const struct router *r, const int *port_link,
		      struct diags *d)
{
	pl->v = calloc(r->n_ifaces + 1, sizeof(*pl->v));
	if (!pl->v)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		if (port_link[i] < 0) {
			/* An absent bridge or WireGuard port is made, with no
			 * parent. */
			const struct iface *p = &r->ifaces[i];
			int rc = p->bridge_node || p->wg ? plan_created(pl, r, p, 0)
							 : plan_vlan(pl, r, port_link, i);
			if (rc < 0)
				return rc;
			continue;
		}
		const struct link_info *l = &pl->links[port_link[i]];
		struct port_step *s = &pl->v[pl->n++];
		s->p = &r->ifaces[i];
		s->ifindex = l->ifindex;
		memcpy(s->old_name, l->name, sizeof(s->old_name));
		s->old_mtu = l->mtu;
		s->old_up = (l->flags & IFF_UP) != 0;
		s->rename = strcmp(l->name, s->p->name) != 0;
		s->set_mtu = s->p->mtu > 0 && s->p->mtu != l->mtu;
		s->set_up = !s->old_up;
		/* A port that is renamed has its accept_ra read under its old
		 * name; the setting stays with the link. */
		s->old_accept_ra = ipv6_accept_ra_get(l->name);
		s->accept_ra = ipv6_accept_ra_wanted(s->p);
		s->set_ra = s->old_accept_ra >= 0 && s->old_accept_ra != s->accept_ra;
		int rc = step_plan_addrs(pl, s);
		if (rc < 0)
			return rc;
		if (s->p->has_gateway)
			step_plan_gateway(pl, s);
		if (s->p->has_gateway6)
			step_plan_gateway6(pl, r, s);
	}
	if (plan_masters(pl) < 0 || plan_stale_routes(pl) < 0 || plan_stale_routes6(pl) < 0)
		return -ENOMEM;
	return plan_check_names(pl, d);
}

struct port_plan *port_plan_new(struct link_sock *s, const struct router *r,
				const struct ipv6_live *lv, struct diags *d, int *err)
{
	struct port_plan *pl = calloc(1, sizeof(*pl));
	int *port_link = calloc(r->n_ifaces + 1, sizeof(int));
	struct link_addr *v6 = NULL;
	size_t n6 = 0;
	int rc = -ENOMEM;
	if (!pl || !port_link)
		goto out;
	pl->r = r;
	pl->lv = lv;
	if ((rc = link_dump(s, &pl->links, &pl->n_links)) < 0 ||
	    (rc = link_addr_dump(s, AF_INET, &pl->addrs, &pl->n_addrs)) < 0 ||
	    (rc = link_addr_dump(s, AF_INET6, &v6, &n6)) < 0) {
		diag_error(d, nopos, "netlink: reading links and addresses: %s", strerror(-rc));
		goto out;
	}
	struct link_addr *all = realloc(pl->addrs, (pl->n_addrs + n6 + 1) * sizeof(*all));
	if (!all) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(all + pl->n_addrs, v6, n6 * sizeof(*all));
	pl->addrs = all;
	pl->n_addrs += n6;
	if ((rc = link_route_dump(s, AF_INET, &pl->routes, &pl->n_routes)) < 0 ||
	    (rc = link_route_dump(s, AF_INET6, &pl->routes6, &pl->n_routes6)) < 0) {
		diag_error(d, nopos, "netlink: reading the default routes: %s", strerror(-rc));
		goto out;
	}
	if ((rc = link_match_ports(r, pl->links, pl->n_links, port_link, d)) < 0)
		goto out;
	rc = plan_build(pl, r, port_link, d);
out:
	free(v6);
	free(port_link);
	if (rc < 0) {
		if (rc == -ENOMEM)
			diag_error(d, nopos, "out of memory");
		port_plan_free(pl);
		*err = rc;
		return NULL;
	}
	return pl;
}

static void tmp_name(int ifindex, char out[16])
{
	snprintf(out, 16, "nrt-tmp%d", ifindex);
}

static int step_fail(struct port_step *s, struct diags *d, const char *what, int rc)
{
	diag_error(d, s->p->pos, "interface '%s' (link '%s'): %s: %s", s->p->name, s->old_name,
		   what, strerror(-rc));
	return rc;
}

/* Phase 1 takes every renamed link down (and, for a swap, to a temporary
 * name); phase 2 gives each its configured name. */
static int plan_rename(struct link_sock *ls, struct port_plan *pl, struct diags *d)
{
	char tmp[16];
	int rc;
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		if (!s->rename)
			continue;
		if (s->old_up) {
			if ((rc = link_set_up(ls, s->ifindex, false)) < 0)
				return step_fail(s, d, "setting down", rc);
			s->down_done = s->flushed = true;
		}
		tmp_name(s->ifindex, tmp);
		if (pl->via_tmp) {
			if ((rc = link_set_name(ls, s->ifindex, tmp)) < 0)
				return step_fail(s, d, "renaming", rc);
			s->tmp_done = true;
		}
	}
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		if (!s->rename)
			continue;
		if ((rc = link_set_name(ls, s->ifindex, s->p->name)) < 0)
			return step_fail(s, d, "renaming", rc);
		s->renamed = true;
	}
	return 0;
}

static int step_apply(struct link_sock *ls, struct port_step *s, struct diags *d)
{
	char txt[ADDR_STRLEN], what[128];
	int rc;
	if (s->create && !s->created && s->p->bridge_node) {
		if ((rc = link_bridge_add(ls, s->p->name, &s->ifindex)) < 0)
			return step_fail(s, d,
					 rc == -EOPNOTSUPP
					     ? "making the bridge (no bridge support in this kernel)"
					     : "making the bridge",
					 rc);
		s->created = true;
		s->gw_new.ifindex = s->gw6_new.ifindex = s->ifindex;
	}
	if (s->create && !s->created && s->p->wg) {
		if ((rc = link_wireguard_add(ls, s->p->name, &s->ifindex)) < 0)
			return step_fail(s, d,
					 rc == -EOPNOTSUPP
					     ? "making its WireGuard link (no WireGuard in this kernel)"
					     : "making its WireGuard link",
					 rc);
		s->created = true;
		s->gw_new.ifindex = s->gw6_new.ifindex = s->ifindex;
	}
	if (s->create && !s->created) {
		if ((rc = link_vlan_add(ls, s->p->name, s->parent_ifindex, s->p->vlan_id,
					&s->ifindex)) < 0) {
			snprintf(what, sizeof(what), "making VLAN %u on link %d%s",
				 (unsigned)s->p->vlan_id, s->parent_ifindex,
				 rc == -EOPNOTSUPP ? " (no 802.1Q in this kernel: modprobe 8021q)"
						   : "");
			return step_fail(s, d, what, rc);
		}
		s->created = true;
		s->gw_new.ifindex = s->gw6_new.ifindex = s->ifindex;
	}
	if (s->set_mtu) {
		if ((rc = link_set_mtu(ls, s->ifindex, s->p->mtu)) < 0)
			return step_fail(s, d, "setting MTU", rc);
		s->mtu_done = true;
	}
	if (s->set_master && !s->master_done) {
		int m = s->master ? s->master->ifindex : 0;
		if ((rc = link_set_master(ls, s->ifindex, m)) < 0) {
			if (m)
				snprintf(what, sizeof(what), "joining bridge '%s'",
					 s->p->bridge->name);
			else
				snprintf(what, sizeof(what), "leaving bridge %d", s->old_master);
			return step_fail(s, d, what, rc);
		}
		s->master_done = true;
	}
	for (; s->deleted < s->n_del; s->deleted++) {
		/* Deleting a subnet's primary address may take its secondaries
		 * with it (promote_secondaries off): already gone is fine. */
		if ((rc = link_addr_del(ls, s->ifindex, &s->del[s->deleted])) < 0 &&
		    rc != -EADDRNOTAVAIL) {
			cidr_format(&s->del[s->deleted], txt, sizeof(txt));
			snprintf(what, sizeof(what), "removing %s", txt);
			return step_fail(s, d, what, rc);
		}
	}
	for (; s->added < s->n_add; s->added++) {
		if ((rc = link_addr_add(ls, s->ifindex, &s->add[s->added])) < 0) {
			cidr_format(&s->add[s->added], txt, sizeof(txt));
			snprintf(what, sizeof(what), "adding %s", txt);
			return step_fail(s, d, what, rc);
		}
	}
	if (s->set_ra) {
		if ((rc = ipv6_accept_ra_set(s->p->name, s->accept_ra)) < 0)
			return step_fail(s, d, "setting accept_ra", rc);
		s->ra_done = true;
	}
	if (s->set_up || s->down_done) {
		if ((rc = link_set_up(ls, s->ifindex, true)) < 0)
			return step_fail(s, d, "setting up", rc);
		s->up_done = true;
	}
	if (s->set_gw) {
		/* Marked first: a refused replace may still have removed the old one. */
		s->gw_done = true;
		if ((rc = link_route_set(ls, AF_INET, &s->gw_new)) < 0) {
			addr_format(&s->p->gateway, txt, sizeof(txt));
			snprintf(what, sizeof(what), "setting the default route via %s", txt);
			return step_fail(s, d, what, rc);
		}
	}
	if (s->set_gw6) {
		s->gw6_done = true;
		if ((rc = link_route_set(ls, AF_INET6, &s->gw6_new)) < 0) {
			addr_format(&s->p->gateway6, txt, sizeof(txt));
			snprintf(what, sizeof(what), "setting the IPv6 default route via %s", txt);
			return step_fail(s, d, what, rc);
		}
	}
	return 0;
}

int port_plan_apply(struct link_sock *ls, struct port_plan *pl, struct diags *d)
{
	/* A bridge left without ports gives its addresses up before a port
	 * takes them. */
	int rc = orphans_apply(ls, pl, d);
	if (rc == 0)
		rc = plan_rename(ls, pl, d);
	/* Bridges first: their members join links that exist. */
	for (size_t i = 0; i < pl->n && rc == 0; i++)
		if (pl->v[i].p->bridge_node)
			rc = step_apply(ls, &pl->v[i], d);
	for (size_t i = 0; i < pl->n && rc == 0; i++)
		if (!pl->v[i].p->bridge_node)
			rc = step_apply(ls, &pl->v[i], d);

	for (; rc == 0 && pl->stale_done < pl->n_stale; pl->stale_done++) {
		const struct route_default *o = pl->stale[pl->stale_done];
		/* Gone already (its link went down) is as good as removed. */
		if ((rc = link_route_remove(ls, AF_INET, o)) == -ESRCH)
			rc = 0;
		if (rc < 0) {
			char txt[ADDR_STRLEN];
			addr_format(&o->gw, txt, sizeof(txt));
			diag_error(d, nopos, "removing the default route via %s (metric %u): %s",
				   txt, (unsigned)o->metric, strerror(-rc));
		}
	}
	for (; rc == 0 && pl->stale6_done < pl->n_stale6; pl->stale6_done++) {
		const struct route_default *o = pl->stale6[pl->stale6_done];
		if ((rc = link_route_remove(ls, AF_INET6, o)) == -ESRCH)
			rc = 0;
		if (rc < 0) {
			char txt[ADDR_STRLEN];
			addr_format(&o->gw, txt, sizeof(txt));
			diag_error(d, nopos, "removing the IPv6 default route via %s: %s", txt,
				   strerror(-rc));
		}
	}
	return rc;
}

/* Best effort: every undo step is tried even after one fails, and each
 * failure is reported. */
static void undo_note(struct port_step *s, struct diags *d, const char *what, int rc, int *first)
{
	diag_error(d, s->p->pos, "rollback of interface '%s' (link %d): %s: %s", s->p->name,
		   s->ifindex, what, strerror(-rc));
	if (!*first)
		*first = rc;
}

static void step_undo(struct link_sock *ls, struct port_step *s, struct diags *d, int *first)
{
	int rc;
	/* A bridge apply made is gone already, and its ports released. */
	if (s->master_done && (rc = link_set_master(ls, s->ifindex, s->old_master)) < 0)
		undo_note(s, d, "restoring its bridge", rc, first);
	s->master_done = false;
	if (s->up_done && !s->old_up && (rc = link_set_up(ls, s->ifindex, false)) < 0)
		undo_note(s, d, "setting down", rc, first);
	if (s->mtu_done && (rc = link_set_mtu(ls, s->ifindex, s->old_mtu)) < 0)
		undo_note(s, d, "restoring the MTU", rc, first);
	/* Before the names go back: the port still has its configured name. */
	if (s->ra_done && (rc = ipv6_accept_ra_set(s->p->name, s->old_accept_ra)) < 0)
		undo_note(s, d, "restoring accept_ra", rc, first);
	s->up_done = s->mtu_done = s->ra_done = false;
}

static void undo_addrs(struct link_sock *ls, struct port_step *s, struct diags *d, int *first)
{
	int rc;
	while (s->added > 0)
		if ((rc = link_addr_del(ls, s->ifindex, &s->add[--s->added])) < 0 &&
		    rc != -EADDRNOTAVAIL)
			undo_note(s, d, "removing an added address", rc, first);
	for (size_t i = 0; i < s->deleted; i++)
		if ((rc = link_addr_add(ls, s->ifindex, &s->del[i])) < 0 && rc != -EEXIST)
			undo_note(s, d, "restoring an address", rc, first);
	s->deleted = 0;
}

static void undo_gateway(struct link_sock *ls, struct port_step *s, struct diags *d, int *first)
{
	int rc;
	if (!s->gw_done)
		return;
	if (s->gw_had_old && (rc = link_route_set(ls, AF_INET, &s->gw_old)) < 0)
		undo_note(s, d, "restoring the previous default route", rc, first);
	if (!s->gw_had_old && (rc = link_route_remove(ls, AF_INET, &s->gw_new)) < 0 && rc != -ESRCH)
		undo_note(s, d, "removing the default route", rc, first);
	s->gw_done = false;
}

static void undo_gateway6(struct link_sock *ls, struct port_step *s, struct diags *d,
			  int *first)
{
	int rc;
	if (!s->gw6_done)
		return;
	if (s->gw6_had_old && (rc = link_route_set(ls, AF_INET6, &s->gw6_old)) < 0)
		undo_note(s, d, "restoring the previous IPv6 default route", rc, first);
	if (!s->gw6_had_old && (rc = link_route_remove(ls, AF_INET6, &s->gw6_new)) < 0 &&
	    rc != -ESRCH)
		undo_note(s, d, "removing the IPv6 default route", rc, first);
	s->gw6_done = false;
}

/* Taking a link down flushed the IPv4 default routes through it, which a
 * gateway step put back only if it ran: every one that was there comes
 * back (replaced: one already restored is set as it was). Found by
 * tests/unit/system/test_ports.c: a failure after a renamed WAN went
 * down left the router without its default route. */
static void undo_flushed(struct link_sock *ls, struct port_plan *pl, struct diags *d, int *first)
{
	int rc;
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		for (size_t k = 0; s->flushed && k < pl->n_routes; k++)
			if (pl->routes[k].ifindex == s->ifindex &&
			    (rc = link_route_set(ls, AF_INET, &pl->routes[k])) < 0)
				undo_note(s, d, "restoring a default route", rc, first);
		s->flushed = false;
	}
}

/* A link apply made goes, and with it its addresses, its state and its
 * routes: nothing else of its step is undone (a replaced default route is
 * still put back). */
static void undo_created(struct link_sock *ls, struct port_plan *pl, struct diags *d,
			 int *first)
{
	int rc;
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		if (!s->created)
			continue;
		if ((rc = link_del(ls, s->ifindex)) < 0 && rc != -ENODEV)
			undo_note(s, d, "removing the link it made", rc, first);
		s->created = s->up_done = s->mtu_done = s->ra_done = false;
		s->added = 0;
		if (!s->gw_had_old)
			s->gw_done = false;
		if (!s->gw6_had_old)
			s->gw6_done = false;
	}
}

int port_plan_undo(struct link_sock *ls, struct port_plan *pl, struct diags *d)
{
	int first = 0, rc;
	char tmp[16];
	undo_created(ls, pl, d, &first);
	for (size_t i = pl->n; i-- > 0;)
		step_undo(ls, &pl->v[i], d, &first);
	/* Names back in two phases too (the old names may be swapped); a link
	 * must be down to be renamed. */
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		if (!s->renamed && !s->tmp_done)
			continue;
		(void)link_set_up(ls, s->ifindex, false);
		s->down_done = true;
		tmp_name(s->ifindex, tmp);
		if ((rc = link_set_name(ls, s->ifindex, tmp)) < 0)
			undo_note(s, d, "renaming back", rc, &first);
	}
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		if (!s->renamed && !s->tmp_done)
			continue;
		if ((rc = link_set_name(ls, s->ifindex, s->old_name)) < 0)
			undo_note(s, d, "renaming back", rc, &first);
		s->renamed = s->tmp_done = false;
	}
	/* Addresses once the old names are back (a new address takes the
	 * link's current name as its label), deleted ones in their old order
	 * (so the primary of a subnet is primary again). */
	for (size_t i = pl->n; i-- > 0;)
		undo_addrs(ls, &pl->v[i], d, &first);
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		if (s->down_done && s->old_up && (rc = link_set_up(ls, s->ifindex, true)) < 0)
			undo_note(s, d, "setting up", rc, &first);
		s->down_done = false;
	}
	/* Routes last: a gateway needs its link up and its subnet back. */
	for (size_t i = 0; i < pl->n; i++) {
		undo_gateway(ls, &pl->v[i], d, &first);
		undo_gateway6(ls, &pl->v[i], d, &first);
	}
	undo_flushed(ls, pl, d, &first);
	for (; pl->stale6_done > 0; pl->stale6_done--)
		if ((rc = link_route_set(ls, AF_INET6, pl->stale6[pl->stale6_done - 1])) < 0)
			first = first ? first : rc;
	for (; pl->stale_done > 0; pl->stale_done--) {
		if ((rc = link_route_set(ls, AF_INET, pl->stale[pl->stale_done - 1])) < 0) {
			diag_error(d, nopos,
				   "rollback: restoring a removed default route: %s",
				   strerror(-rc));
			first = first ? first : rc;
		}
	}
	orphans_undo(ls, pl, d, &first);
	return first;
}

int port_plan_ingress(const struct port_plan *pl, const struct router *r, const struct ipaddr *a,
		      const struct iface **port, char name[16])
{
	*port = NULL;
	for (size_t i = 0; i < pl->n_addrs; i++) {
		if (!addr_equal(&pl->addrs[i].addr.addr, a))
			continue;
		int idx = pl->addrs[i].ifindex;
		for (size_t j = 0; j < pl->n; j++) {
			if (pl->v[j].ifindex == idx) {
				*port = pl->v[j].p;
				snprintf(name, 16, "%s", pl->v[j].p->name);
				return 0;
			}
		}
		for (size_t j = 0; j < pl->n_links; j++)
			if (pl->links[j].ifindex == idx)
				snprintf(name, 16, "%s", pl->links[j].name);
		(void)r;
		return 0;
	}
	return -ENOENT;
}
