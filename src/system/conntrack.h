/* Cutting a banned host's connections: delete its conntrack entries
 * (libnetfilter_conntrack). After a ban, the host's packets are dropped
 * before conntrack, so without this an established flow would linger in
 * the table and, worse, packets from the other side would still be
 * forwarded to the banned host until the entry timed out. */
#ifndef NFTROUTER_SYSTEM_CONNTRACK_H
#define NFTROUTER_SYSTEM_CONNTRACK_H

#include <stddef.h>

#include "util/addr.h"

/* Delete every entry with any address of either tuple (original or
 * reply, source or destination) inside c; so NATed flows are found from
 * either side. *deleted gets the count. 0 or -errno. */
int conntrack_cut(const struct cidr *c, size_t *deleted);

/* Clear bit in the mark of every entry that has it; *cleared gets the
 * count. With blackhole.check: connection, a connection whose mark has
 * the checked bit is not looked up again (render/nft_bans.c): clearing it
 * has every connection's next packet looked up, so sets filled behind
 * the connections' backs (a block list at apply, bans restored) reach
 * them too. 0 or -errno. */
int conntrack_unmark(uint32_t bit, size_t *cleared);

#endif
