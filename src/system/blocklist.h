/* Blocklists (blackhole.lists): files of addresses and prefixes, loaded
 * into the ban table's blocklist4/blocklist6 interval sets on apply.
 *
 * Format: one address or prefix per line (IPv4 or IPv6); `#` starts a
 * comment, and so does `;` (Spamhaus DROP: "1.2.3.0/24 ; SBL123"); blank
 * lines are ignored, as is leading and trailing white space. Every entry
 * passes ban_prefix_check, as a ban does: a refused one (loopback,
 * multicast, too broad, host bits set, ...) is skipped with a warning at
 * FILE:LINE. Anything that is not an address or prefix is an error at
 * FILE:LINE, and then nothing is loaded.
 *
 * Files are streamed (the text is never held whole), parsed into compact
 * ranges, sorted and merged (the kernel refuses overlapping intervals),
 * and loaded in one transaction: a failure leaves the old lists. */
#ifndef NFTROUTER_SYSTEM_BLOCKLIST_H
#define NFTROUTER_SYSTEM_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/addr.h"
#include "util/diag.h"


struct range4 {
	uint32_t lo, hi; /* inclusive, host byte order */
};
struct range6 {
	u128 lo, hi;
};

struct blocklist_set {
	struct range4 *v4;
	size_t n4, cap4;
	struct range6 *v6;
	size_t n6, cap6;
	size_t lines;    /* entries read, before merging */
	size_t skipped;  /* entries ban_prefix_check refused */
};

void blocklist_set_free(struct blocklist_set *b);

/* Parse one line. Returns 1 and fills *out for an entry, 0 for a blank or
 * comment line, -EPERM for an entry ban_prefix_check refuses and -EINVAL
 * for anything else; the reason in d, without a position (the caller
 * knows the file and line, and whether it is an error). */
int blocklist_parse_line(const char *line, struct cidr *out, struct diags *d);
/* Add one prefix. 0 or -ENOMEM. */
int blocklist_set_add(struct blocklist_set *b, const struct cidr *c);
/* Read every file into b; errors as FILE:LINE in d. 0 or -errno. */
int blocklist_read(const struct blocklist *lists, size_t n, struct blocklist_set *b,
		   struct diags *d);
/* Sort and merge overlapping and adjacent ranges, in place. */
void blocklist_set_merge(struct blocklist_set *b);
/* Whether a (of either family) is inside a range of a merged set:
 * a binary search. */
bool blocklist_set_has(const struct blocklist_set *b, const struct ipaddr *a);

struct nlset;
/* Replace the contents of the blocklist sets (blocklist4, blocklist4_nets,
 * blocklist6, blocklist6_nets) with b in one
 * transaction. 0 or -errno (nothing changed). */
int blocklist_load(struct nlset *s, const struct blocklist_set *b);

/* Validate r's lists without loading them (skipped when the files are
 * unchanged since the last successful load; state_dir NULL: always read,
 * as `check` does). 0 or -errno, errors in d. */
int blocklist_check(const struct router *r, const char *state_dir, struct diags *d);
/* apply's part: load r's lists unless their files (size, mtime, inode)
 * and the ban table (its kernel handle) are unchanged since the last load,
 * recorded in STATE_DIR/blocklists. No lists: the sets are emptied.
 * 0 or -errno (the old lists stay). */
int blocklist_apply(struct nlset *s, const struct router *r, const char *state_dir,
		    struct diags *d);

/* For `diff`: what blocklist_apply would do, changing nothing. 1 and
 * *ranges (after merging, the router's own addresses left out) when it
 * would (re)load the sets; 0 when they are up to date; -errno (d). */
int blocklist_plan(struct nlset *s, const struct router *r, const char *state_dir,
		   size_t *ranges, struct diags *d);

/* The ranges (IPv4, IPv6, after merging) the last blocklist load put in
 * the kernel, as recorded in STATE_DIR/blocklist-ranges: the metrics
 * read this, never the million-entry sets. 0 or -errno (-ENOENT: none
 * loaded yet). */
int blocklist_loaded(const char *state_dir, uint64_t *v4, uint64_t *v6);

#endif
