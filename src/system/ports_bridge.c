/* Bridges in the port plan: the bridge's link is made when absent, its
 * members are made its ports, and a configured port that is in no bridge
 * leaves the one its link is in (a bridge removed from router.yaml, or a
 * member moved out), since a bridge's port answers nothing itself. */
#include <string.h>

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

void plan_masters(struct port_plan *pl)
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
}
