/* The port plan's inside, shared by ports.c (build, run, undo) and
 * ports_describe.c (the plan as text, for `diff`). Only those two include
 * it. */
#ifndef NFTROUTER_SYSTEM_PORTS_INT_H
#define NFTROUTER_SYSTEM_PORTS_INT_H

#include <stdbool.h>

#include "system/link.h"
#include "system/ports.h"
#include "system/route.h"

struct port_step {
	const struct iface *p;
	int ifindex;
	char old_name[16];
	int old_mtu;
	bool old_up;
	struct cidr *add, *del; /* planned address changes, IPv4 and IPv6 */
	size_t n_add, n_del;
	bool rename, set_mtu, set_up;
	/* a VLAN port without its link: made on parent_ifindex's link first
	 * (ifindex 0 until then); created: made, so undo removes it */
	bool create, created;
	int parent_ifindex;
	/* a bridge member: made a port of master's link (the bridge's step);
	 * a port in no bridge whose link is a bridge's port: released
	 * (master NULL). old_master is put back by undo. */
	bool set_master, master_done;
	int old_master;
	const struct port_step *master;
	int old_accept_ra, accept_ra; /* accept_ra differs: set_ra */
	bool set_ra, ra_done;
	/* `gateway`: the default route with this port's metric, and the one it
	 * replaces (restored by undo) */
	bool set_gw, gw_had_old;
	struct route_default gw_new, gw_old;
	/* the same for `ipv6-gateway` and the IPv6 default route */
	bool set_gw6, gw6_had_old, gw6_done;
	struct route_default gw6_new, gw6_old;
	/* progress, for undo */
	bool down_done, tmp_done, renamed, mtu_done, up_done, gw_done;
	bool flushed; /* apply took it down: the kernel flushed its IPv4 routes */
	size_t added, deleted;
};

/* A bridge link no configured port is, which this plan takes every port
 * of away (a bridge removed from router.yaml): left in place, but down and
 * without its addresses, so its subnet does not shadow a port's. */
struct orphan_bridge {
	int ifindex;
	char name[16];
	bool was_up, down_done;
	struct cidr *addrs; /* its addresses, IPv4 and IPv6 */
	size_t n_addrs, removed;
};

struct port_plan {
	struct port_step *v;
	size_t n;
	const struct router *r;
	const struct ipv6_live *lv;
	bool via_tmp; /* a target name is held by another renamed link (a swap) */
	struct link_info *links;
	size_t n_links;
	struct link_addr *addrs; /* IPv4 and IPv6, for the ingress look-up */
	size_t n_addrs;
	struct route_default *routes; /* the IPv4 default routes before */
	size_t n_routes;
	/* default routes an earlier apply set that no gateway wants now
	 * (pointers into routes), and how many were removed */
	struct route_default **stale;
	size_t n_stale, stale_done;
	struct route_default *routes6; /* the IPv6 default routes before */
	size_t n_routes6;
	struct route_default **stale6;
	size_t n_stale6, stale6_done;
	struct orphan_bridge *orphans; /* ports_bridge.c */
	size_t n_orphans;
};

/* A step for port p, whose link apply makes (a VLAN on parent_ifindex's
 * link, a bridge): every address added, set up (ports.c). */
int plan_created(struct port_plan *pl, const struct router *r, const struct iface *p,
		 int parent_ifindex);
/* Bridges (ports_bridge.c): once every step is planned, which links join
 * or leave a bridge, and which bridges are left without ports (0 or
 * -ENOMEM). Orphans are taken down before the steps, and back last. */
int plan_masters(struct port_plan *pl);
int orphans_apply(struct link_sock *ls, struct port_plan *pl, struct diags *d);
void orphans_undo(struct link_sock *ls, struct port_plan *pl, struct diags *d, int *first);
void orphans_free(struct port_plan *pl);

#endif
