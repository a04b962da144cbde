/* A WAN DHCP lease, checked before anything changes.
 *
 * udhcpc hands its hook the lease as text in the environment; a hostile
 * or broken server can put anything there. lease_build turns that text
 * into the addresses and routes the hook will install, or refuses the
 * whole lease with the reason, so the hook changes nothing. Pure: the
 * caller says which subnets the router's other ports hold (from the
 * config and from the kernel). docs/refuses.md lists each check. */
#ifndef NFTROUTER_MODEL_LEASE_H
#define NFTROUTER_MODEL_LEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/addr.h"

#define LEASE_MAX_ROUTES 32 /* classless routes, plus host routes to gateways */
#define LEASE_MAX_DNS 8
#define LEASE_MIN_PREFIX 8  /* a shorter mask covers too much of the internet */

/* What udhcpc exports, each NULL when unset. mask is a prefix length
 * ("24"); staticroutes (option 121) and msstaticroutes (option 249) are
 * "DST/LEN ROUTER DST/LEN ROUTER ..."; router and dns are lists. */
struct lease_env {
	const char *ip, *mask, *router, *staticroutes, *msstaticroutes, *dns;
};

/* A subnet another port holds (a configured static address, or an
 * address the kernel has on another link), with who holds it. */
struct lease_other {
	struct cidr net;
	char name[16];
};

/* One route the lease asks for: dst via gw, or on-link (gw.family 0). */
struct lease_route {
	struct cidr dst; /* host bits clear; len 0: the default route */
	struct ipaddr gw;
};

struct lease {
	struct cidr addr; /* the leased address with its prefix */
	/* In the order they must be installed: on-link routes first (host
	 * routes to gateways outside the subnet, option 121's on-link
	 * entries), then routes via gateways, the default route last. */
	struct lease_route routes[LEASE_MAX_ROUTES + 1];
	size_t n_routes;
	bool classless;   /* from option 121 (or 249): option 3 was ignored */
	struct ipaddr dns[LEASE_MAX_DNS]; /* the usable servers, deduplicated */
	size_t n_dns;
	char dns_refused[512]; /* "127.0.0.1 (loopback), ..." for the log; "" if none */
};

/* Build the lease from env, refusing it (-EINVAL, d says why, *out
 * undefined) when the address, mask, gateway or a route is unusable or
 * collides with a subnet in others. Unusable DNS servers do not refuse
 * the lease; they are left out and named in dns_refused. */
int lease_build(const struct lease_env *env, const struct lease_other *others, size_t n_others,
		struct lease *out, struct diags *d);

/* Whether a DNS server learned from a WAN may become an upstream: not
 * unspecified, loopback, multicast, broadcast, link-local or reserved,
 * not the lease's own address (self may be NULL) and not inside another
 * port's subnet. IPv4-mapped IPv6 is judged (and returned in *a) as IPv4.
 * NULL if usable, else the reason. */
const char *lease_dns_refusal(struct ipaddr *a, const struct ipaddr *self,
			      const struct lease_other *others, size_t n_others);

/* The subnets of r's ports other than `port` that have static addresses
 * (present or not: an optional port may come later). Returns how many
 * were written (at most max). */
size_t lease_others_from_model(const struct router *r, const char *port, struct lease_other *out,
			       size_t max);

#endif
