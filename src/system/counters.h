/* The zone counters (`counters: true` on a zone: named counters
 * ZONE-ingress and ZONE-egress in table inet nftrouter), read over
 * nfnetlink (libnftnl): one dump of the table's counter objects, no
 * ruleset listing. */
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

/* The values as render_nft_counters() takes them, so apply can carry the
 * counters over a replace without `nft list counters` (which, in nft
 * 1.0.6, first fetches every set element of every table: over a minute
 * with a million blocklist entries). The names point into l; free() the
 * array, then counter_list_free(l). NULL on allocation failure (or an
 * empty list: check l->n). */
struct counter_value;
struct counter_value *counter_list_values(const struct counter_list *l);

#endif
