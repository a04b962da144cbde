/* IPv4 routes over rtnetlink (libmnl): apply's default routes for
 * `gateway`, and the WAN DHCP client's routes (dhcp-hook). link.h has
 * addresses, not routes. */
#ifndef NFTROUTER_SYSTEM_ROUTE_H
#define NFTROUTER_SYSTEM_ROUTE_H

#include <stdbool.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* The rtm_protocol of the default routes apply sets for `gateway` (shown
 * as "proto 110" by ip-route): apply removes its own stale ones and no
 * other. Not one of the kernel's RTPROT_* values. */
#define ROUTE_PROTO_NFTROUTER 110
/* The IPv4 default route over a PPPoE session's link, the daemon's
 * (daemon/pppoe.c): RTPROT_BOOT, as pppd's own routes are, so that apply,
 * which removes the proto 110 routes no gateway port takes, leaves it. */
#define ROUTE_PROTO_SESSION 3

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
 * address, or none for a device route over a point-to-point link (a
 * PPPoE session: no next hop). */
int route6_default_dump(struct route_default **out, size_t *n);
int route6_default_set(const struct route_default *r);
int route6_default_remove(const struct route_default *r);

/* `unreachable PREFIX` (proto 110) for a prefix delegated to the router,
 * or its removal: traffic to a part of the delegation no LAN port
 * carries is refused here instead of looping back to the ISP (RFC 7084
 * WPD-5). The LAN /64s are more specific and win. 0 or -errno (removing
 * an absent route: -ESRCH). */
int route6_unreachable(const struct cidr *prefix, bool add);

/* Give the IPv4 default routes through ifindex with metric `from` the
 * metric `to` (protocol and next hop kept): the WAN health checks demote
 * and restore a WAN this way. *moved gets the count. 0 or -errno. */
int route_default_move(int ifindex, uint32_t from, uint32_t to, size_t *moved);

/* One IPv4 route of the main table with a single next hop: what the
 * DHCP client's hook installs (the lease's routes, with the port's
 * metric, protocol RTPROT_DHCP). */
struct route4 {
	struct cidr dst;  /* host bits clear; len 0: default */
	struct ipaddr gw; /* family 0: on-link (scope link) */
	int ifindex;
	uint32_t metric;
	uint8_t protocol;
};

/* The main table's IPv4 unicast routes through ifindex with protocol
 * (RTPROT_DHCP: the DHCP hook's own). Array malloc'd, owned by the caller. */
int route4_dump(int ifindex, uint8_t protocol, struct route4 **out, size_t *n);
/* Create, or replace the route with the same dst and metric. 0 or -errno. */
int route4_set(const struct route4 *r);
/* -ESRCH if there is no such route. */
int route4_del(const struct route4 *r);
/* Same destination, metric, port and next hop. */
bool route4_same(const struct route4 *a, const struct route4 *b);

#endif
