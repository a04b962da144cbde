/* IPv4 default routes over rtnetlink (libmnl), for the WAN DHCP client's
 * hook: link.h has addresses, not routes. */
#ifndef NFTROUTER_SYSTEM_ROUTE_H
#define NFTROUTER_SYSTEM_ROUTE_H

#include "util/addr.h"

/* The main table's IPv4 default route: via gw on ifindex, replacing
 * whatever default route was there. 0 or -errno. */
int route_default_replace(int ifindex, const struct ipaddr *gw);
/* Delete the IPv4 default route through ifindex; -ESRCH if none. */
int route_default_del(int ifindex);

#endif
