/* IPv4 default routes over rtnetlink (libmnl), for the WAN DHCP client's
 * hook: link.h has addresses, not routes. */
#ifndef NFTROUTER_SYSTEM_ROUTE_H
#define NFTROUTER_SYSTEM_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* The main table's IPv4 default route: via gw on ifindex, replacing
 * whatever default route was there. 0 or -errno. */
int route_default_replace(int ifindex, const struct ipaddr *gw);
/* Delete the IPv4 default route through ifindex; -ESRCH if none. */
int route_default_del(int ifindex);

/* The rtm_protocol of the default routes apply sets for `gateway` (shown
 * as "proto 110" by ip-route): apply removes its own stale ones and no
 * other. Not one of the kernel's RTPROT_* values. */
#define ROUTE_PROTO_NFTROUTER 110

/* One IPv4 default route of the main table (a single next hop). */
struct route_default {
	int ifindex;
	struct ipaddr gw; /* family 0: none (a device route) */
	uint32_t metric;  /* RTA_PRIORITY */
	uint8_t protocol; /* RTPROT_* */
};

/* The main table's IPv4 default routes with one next hop (multipath
 * routes are left out). The array is malloc'd, owned by the caller. */
int route_default_dump(struct route_default **out, size_t *n);
/* Create or replace the default route with r->metric: via r->gw on
 * r->ifindex, with r->protocol (ROUTE_PROTO_NFTROUTER if 0). 0 or -errno. */
int route_default_set(const struct route_default *r);
/* Delete the default route with r->metric through r->ifindex (and r->gw,
 * if set). -ESRCH if there is none. */
int route_default_remove(const struct route_default *r);

/* The same three for IPv6 default routes (::/0): r->gw is an IPv6
 * address (an IPv6 default route is always via a neighbour). */
int route6_default_dump(struct route_default **out, size_t *n);
int route6_default_set(const struct route_default *r);
int route6_default_remove(const struct route_default *r);

#endif
