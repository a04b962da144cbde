/* Cutting a banned host's connections: delete its conntrack entries
 * (libnetfilter_conntrack). After a ban (or a block list loaded by
 * apply), the host's packets are dropped before conntrack, so without
 * this an established flow would linger in the table and, worse, packets
 * from the other side would still be forwarded to the banned host until
 * the entry timed out; with blackhole.check: connection a connection
 * already looked up is not looked up again at all. */
#ifndef NFTROUTER_SYSTEM_CONNTRACK_H
#define NFTROUTER_SYSTEM_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/addr.h"

/* Delete every entry with any address of either tuple (original or
 * reply, source or destination) that want(address, arg) wants; so NATed
 * flows are found from either side. family: AF_INET, AF_INET6 or
 * AF_UNSPEC (both). *deleted gets the count. 0 or -errno. */
int conntrack_cut_if(bool (*want)(const struct ipaddr *a, const void *arg), const void *arg,
		     int family, size_t *deleted);

/* The entries of an address inside c (conntrack_cut_if). */
int conntrack_cut(const struct cidr *c, size_t *deleted);

#endif
