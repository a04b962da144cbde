/* Bridges in the port plan: the bridge's link is made when absent, its
 * members are made its ports, and a configured port that is in no bridge
 * leaves the one its link is in (a bridge removed from router.yaml, or a
 * member moved out), since a bridge's port answers nothing itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if.h>

#include "system/ports_int.h"

static const struct link_info *plan_link(const struct port_plan *pl, int ifindex)
{
	for (size_t i = 0; i < pl->n_links; i++)
		if (pl->links[i].ifindex == ifindex)
			return &pl->links[i];
	return NULL;
}

static const struct port_step *plan_step_of(const struct port_plan *pl, const struct iface *p)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->v[i].p == p)
			return &pl->v[i];
	return NULL;
}

static bool plan_is_port(const struct port_plan *pl, int ifindex)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->v[i].ifindex == ifindex && !pl->v[i].create)
			return true;
	return false;
}

/* Does the bridge keep a port after this plan (a link no step releases)? */
static bool bridge_keeps_port(const struct port_plan *pl, int br)
{
	for (size_t j = 0; j < pl->n_links; j++) {
		if (pl->links[j].master != br)
			continue;
		bool released = false;
		for (size_t i = 0; i < pl->n; i++)
			released |= pl->v[i].ifindex == pl->links[j].ifindex && pl->v[i].set_master;
		if (!released)
			return true;
	}
	return false;
}

static int plan_orphan(struct port_plan *pl, const struct link_info *b)
{
	struct orphan_bridge *o = &pl->orphans[pl->n_orphans];
	*o = (struct orphan_bridge){.ifindex = b->ifindex, .was_up = (b->flags & IFF_UP) != 0};
	memcpy(o->name, b->name, sizeof(o->name));
	o->addrs = calloc(pl->n_addrs + 1, sizeof(*o->addrs));
	if (!o->addrs)
		return -ENOMEM;
	for (size_t k = 0; k < pl->n_addrs; k++)
		if (pl->addrs[k].ifindex == b->ifindex &&
		    (pl->addrs[k].addr.addr.family == AF_INET || link_addr6_managed(&pl->addrs[k])))
			o->addrs[o->n_addrs++] = pl->addrs[k].addr;
	pl->n_orphans++;
	return 0;
}

/* Bridges that lose their last port here and are no configured port. */
static int plan_orphans(struct port_plan *pl)
{
	pl->orphans = calloc(pl->n_links + 1, sizeof(*pl->orphans));
	if (!pl->orphans)
		return -ENOMEM;
	for (size_t j = 0; j < pl->n_links; j++) {
		const struct link_info *b = &pl->links[j];
		bool releases = false;
		for (size_t i = 0; i < pl->n; i++)
			releases |= pl->v[i].set_master && !pl->v[i].master &&
				    pl->v[i].old_master == b->ifindex;
		if (!releases || strcmp(b->kind, "bridge") != 0 || plan_is_port(pl, b->ifindex) ||
		    bridge_keeps_port(pl, b->ifindex))
			continue;
		int rc = plan_orphan(pl, b);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int orphans_apply(struct link_sock *ls, struct port_plan *pl, struct diags *d)
{
	int rc;
	for (size_t i = 0; i < pl->n_orphans; i++) {
		struct orphan_bridge *o = &pl->orphans[i];
		for (; o->removed < o->n_addrs; o->removed++) {
			if ((rc = link_addr_del(ls, o->ifindex, &o->addrs[o->removed])) < 0 &&
			    rc != -EADDRNOTAVAIL) {
				diag_error(d, nopos, "bridge '%s' (left without ports): removing an "
						     "address: %s", o->name, strerror(-rc));
				return rc;
			}
		}
		if (o->was_up && !o->down_done) {
			if ((rc = link_set_up(ls, o->ifindex, false)) < 0) {
				diag_error(d, nopos, "bridge '%s' (left without ports): setting down: %s",
					   o->name, strerror(-rc));
				return rc;
			}
			o->down_done = true;
		}
	}
	return 0;
}

void orphans_undo(struct link_sock *ls, struct port_plan *pl, struct diags *d, int *first)
{
	int rc;
	for (size_t i = pl->n_orphans; i-- > 0;) {
		struct orphan_bridge *o = &pl->orphans[i];
		if (o->down_done && (rc = link_set_up(ls, o->ifindex, true)) < 0) {
			diag_error(d, nopos, "rollback of bridge '%s': setting up: %s", o->name,
				   strerror(-rc));
			*first = *first ? *first : rc;
		}
		o->down_done = false;
		for (size_t k = 0; k < o->removed; k++) {
			if ((rc = link_addr_add(ls, o->ifindex, &o->addrs[k])) < 0 && rc != -EEXIST) {
				diag_error(d, nopos, "rollback of bridge '%s': restoring an address: %s",
					   o->name, strerror(-rc));
				*first = *first ? *first : rc;
			}
		}
		o->removed = 0;
	}
}

void orphans_free(struct port_plan *pl)
{
	for (size_t i = 0; i < pl->n_orphans; i++)
		free(pl->orphans[i].addrs);
	free(pl->orphans);
}

int plan_masters(struct port_plan *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		struct port_step *s = &pl->v[i];
		const struct link_info *l = s->create ? NULL : plan_link(pl, s->ifindex);
		s->old_master = l ? l->master : 0;
		if (s->p->bridge) {
			/* Every bridge has a step: its link is present or made. */
			s->master = plan_step_of(pl, s->p->bridge);
			s->set_master = s->master &&
					(s->master->create || s->old_master != s->master->ifindex);
			continue;
		}
		const struct link_info *m = s->old_master ? plan_link(pl, s->old_master) : NULL;
		s->set_master = m && strcmp(m->kind, "bridge") == 0;
	}
	return plan_orphans(pl);
}
