/* Set elements over nfnetlink, without libnftables: libnftnl builds the
 * message headers and parses dumps, libmnl writes the element attributes
 * and talks to the kernel.
 *
 * Why: the nft 1.0.6 command line (and libnftables) fetches a whole
 * interval set before adding one element, about 1.2 s at 100,000
 * elements. Here an add or delete is one batch of a few hundred bytes,
 * whatever the set holds, and a million-element load is one transaction
 * built in one buffer (no text, no per-element objects).
 *
 * Intervals use the classic encoding nft itself uses for `flags interval`
 * sets of one field (the rbtree backend): a start element carrying the key
 * (and timeout), and an end element with NFT_SET_ELEM_INTERVAL_END whose
 * key is the first address after the prefix (omitted when the prefix runs
 * to the end of the address space). nft lists these as prefixes. */
#ifndef NFTROUTER_SYSTEM_NLSET_H
#define NFTROUTER_SYSTEM_NLSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct nlset;

/* Open a netfilter netlink socket and an empty transaction. NULL with
 * errno set on failure. */
struct nlset *nlset_open(void);
void nlset_close(struct nlset *s);

/* Queue changes into the current transaction (nothing is sent yet).
 * Prefixes must be normalised (host bits clear). timeout_ms 0: no
 * timeout. excl: an add of an element that already exists fails
 * (EEXIST) instead of being a no-op. 0 or -ENOMEM. */
int nlset_add(struct nlset *s, const char *table, const char *set, const struct cidr *c,
	      uint64_t timeout_ms, bool excl);
/* An arbitrary range [lo, next) of one family (4 or 16 key bytes); next
 * NULL: up to the end of the address space. No timeout, not exclusive. */
int nlset_add_range(struct nlset *s, const char *table, const char *set, int family,
		    const uint8_t *lo, const uint8_t *next);
/* One key (4 or 16 bytes) into a set without intervals (a hash set). */
int nlset_add_key(struct nlset *s, const char *table, const char *set, int family,
		  const uint8_t *key);
/* One address in a hash set (no interval), with an optional timeout. */
int nlset_add_host(struct nlset *s, const char *table, const char *set, const struct ipaddr *a,
		   uint64_t timeout_ms, bool excl);
int nlset_del_host(struct nlset *s, const char *table, const char *set, const struct ipaddr *a);
int nlset_del(struct nlset *s, const char *table, const char *set, const struct cidr *c);
/* Remove every element of a set (as `nft flush set`). */
int nlset_flush(struct nlset *s, const char *table, const char *set);
/* Drop everything queued, sending nothing. */
void nlset_abort(struct nlset *s);

/* Send the queued changes as one kernel transaction: all or nothing.
 * Returns 0 or the first -errno the kernel reported (-EEXIST: an element
 * exists; -ENOTEMPTY or -EEXIST: an interval overlaps one in the set;
 * -ENOENT: deleting an element that is not there). The queue is empty
 * afterwards either way. */
int nlset_commit(struct nlset *s);

/* One element of a dump, intervals already paired. */
struct nlset_elem {
	struct cidr prefix;   /* the interval, as a prefix (see nlset_dump) */
	uint64_t timeout_ms;  /* 0: none */
	uint64_t expires_ms;  /* time left; 0: none */
};

/* Dump a set's elements (a GET: fine for listing, never used on the add
 * path). interval: the set has `flags interval`; its intervals that are
 * not exactly one prefix are split into the prefixes that cover them.
 * Otherwise every element is one address. *out malloc'd, owned by the
 * caller. Returns 0, -ENOENT (no such table or set) or -errno. */
int nlset_dump(struct nlset *s, const char *table, const char *set, bool interval,
	       struct nlset_elem **out, size_t *n);
/* Does a rule of table's chain look up set? (A dump of that chain's
 * rules, a few hundred bytes: no set elements are read.) 0, -ENOENT (no
 * such table or chain) or -errno. */
int nlset_chain_uses(struct nlset *s, const char *table, const char *chain, const char *set,
		     bool *found);
/* Does table hold a set of that name? (One GETSET: no elements read.) */
int nlset_set_exists(struct nlset *s, const char *table, const char *set, bool *found);
/* Whether table has a chain of that name (a rule dump filtered by a
 * chain that is absent is merely empty: this asks for the chain). 0 or
 * -errno; an absent table is *found = false. */
int nlset_chain_exists(struct nlset *s, const char *table, const char *chain, bool *found);
/* The kernel's handle of a table (changes whenever the table is
 * recreated). -ENOENT if absent. */
int nlset_table_handle(struct nlset *s, const char *table, uint64_t *handle);

#endif
