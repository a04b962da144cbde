/* The zone counters (`counters: true` on a zone: named counters
 * ZONE-ingress and ZONE-egress in table inet nftrouter, which count the
 * router's own traffic with the zone, in input and output), read over
 * nfnetlink (libnftnl): one dump of the table's counter objects, no
 * ruleset listing; and the zone's traffic through its interfaces, from
 * the kernel's link statistics. */
#ifndef NFTROUTER_SYSTEM_COUNTERS_H
#define NFTROUTER_SYSTEM_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

struct counter {
	char name[64];
	uint64_t packets, bytes;
};

struct counter_list {
	struct counter *v;
	size_t n;
};

void counter_list_free(struct counter_list *l);
/* Every named counter of `table inet TABLE`, sorted by name. An absent
 * table gives an empty list. 0 or -errno. */
int counters_read(const char *table, struct counter_list *out);

/* Zone traffic: the same list of names (ZONE-ingress, ZONE-egress, one
 * pair per zone with `counters: true`), but the values are the sums of
 * the kernel's own statistics of the zone's interfaces as applied (the
 * elements of set zone_ZONE): received (ingress) and sent (egress), every
 * frame the links counted, forwarded or the router's own, bytes with the
 * link-layer header. Free per packet: no rule on the forward path counts
 * (docs/render.md, "The forward path"). A port that is absent counts 0;
 * a link that is re-created starts from 0. 0 or -errno. */
int zone_traffic_read(const char *table, struct counter_list *out);

/* The values as render_nft_counters() takes them, so apply can carry the
 * counters over a replace without `nft list counters` (which, in nft
 * 1.0.6, first fetches every set element of every table: over a minute
 * with a million blocklist entries). The names point into l; free() the
 * array, then counter_list_free(l). NULL on allocation failure (or an
 * empty list: check l->n). */
struct counter_value;
struct counter_value *counter_list_values(const struct counter_list *l);

#endif
