/* Cheap reads of kernel statistics for the daemon's metrics endpoint:
 * one rtnetlink link dump with IFLA_STATS64, and conntrack's two
 * numbers from /proc (this namespace's). No nft listing: nothing here
 * grows with the size of the sets. */
#ifndef NFTROUTER_SYSTEM_SYSSTATS_H
#define NFTROUTER_SYSTEM_SYSSTATS_H

#include <stddef.h>
#include <stdint.h>

struct link_stats {
	int ifindex;
	char name[16]; /* IFNAMSIZ */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped;
};

/* Every link's counters (malloc'd array). 0 or -errno. */
int link_stats_dump(struct link_stats **out, size_t *n);

/* nf_conntrack_count and nf_conntrack_max. 0 or -errno (-ENOENT: the
 * conntrack module is not loaded). */
int conntrack_usage(uint64_t *entries, uint64_t *limit);

#endif
