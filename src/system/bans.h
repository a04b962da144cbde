/* Bans and blocklists: the `inet nftrouter_bans` table.
 *
 * A ban is one IPv4 or IPv6 prefix (a single address is a /32 or /128) in
 * the blackhole4/blackhole6 interval sets, with its own kernel timeout.
 * Bans are also written to STATE_DIR/bans (one line per ban), so apply
 * restores them with their remaining time after a reboot or after the ban
 * table was deleted. Blocklists (blackhole.lists) are loaded into
 * blocklist4/blocklist6 on apply.
 *
 * Library code: nothing here prints; errors go to the diags. The command
 * layer (cmd/ban.c) and the daemon's control socket call these. */
#ifndef NFTROUTER_SYSTEM_BANS_H
#define NFTROUTER_SYSTEM_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/addr.h"
#include "util/diag.h"

struct nft;

#define BANS_TABLE "nftrouter_bans"
/* Used by `ban` when no config can be read. */
#define BANS_DEFAULT_TIMEOUT (24 * 3600)

struct ban {
	struct cidr prefix; /* normalised: host bits cleared */
	uint64_t expires;   /* absolute UNIX time; 0 = forever */
	uint64_t added;     /* UNIX time the ban was made */
};

struct ban_list {
	struct ban *v;
	size_t n;
};

void ban_list_free(struct ban_list *l);
int ban_list_push(struct ban_list *l, const struct ban *b);

/* The state file's text: "PREFIX EXPIRES ADDED" per line, `#` comments.
 * Pure, for tests. parse: 0 or -EINVAL with a message in err. */
int bans_state_parse(const char *text, struct ban_list *out, char *err, size_t errlen);
char *bans_state_format(const struct ban_list *l);

/* Make the kernel match the config and the state dir, without ever losing
 * a ban: ensure the ban table exists (never deleted or flushed), restore
 * the persisted bans with their remaining time (expired ones dropped),
 * and load or refresh the blocklists (skipped when unchanged since the
 * last load). Called by apply and by the daemon. 0 or -errno. */
int bans_apply(struct nft *n, const struct router *r, const char *state_dir, struct diags *d);

/* What apply can check before it changes anything: the blocklist files
 * parse (FILE:LINE errors in d). Reads nothing from the kernel; skipped
 * for files unchanged since their last successful load. 0 or -EINVAL. */
int bans_check(const struct router *r, const char *state_dir, struct diags *d);

/* Parse and check a ban request "ADDR[/LEN]". Refuses garbage, prefixes
 * shorter than /8 (IPv4) or /16 (IPv6) (so 0.0.0.0/0 and ::/0), loopback,
 * and set host bits (refused, with the network prefix suggested).
 * 0 or -EINVAL with a message in err. */
int ban_parse(const char *s, struct cidr *out, char *err, size_t errlen);

/* Ban a prefix for secs seconds (0 = forever): refuses the router's own
 * addresses (kernel address list and, if r is not NULL, the config's static
 * addresses) and prefixes overlapping an existing ban; adds it to the
 * kernel set in one netlink batch (no set fetch), cuts the prefix's
 * conntrack entries, and persists it. 0, -EINVAL (refused: request
 * invalid, d says why), -EEXIST (already banned, d says by what), or
 * another -errno (the system refused). */
int bans_add(const struct router *r, const char *state_dir, const struct cidr *c, uint32_t secs,
	     struct diags *d);
/* bans_add in two steps, for a caller that answers before the slower
 * part: the ban is in force (and persisted) when bans_add_nocut returns;
 * bans_cut then deletes the prefix's conntrack entries, which walks the
 * kernel's whole conntrack hash (about 15 ms here) - the daemon replies
 * to its client first. bans_cut failing is a warning in d (the ban holds). */
int bans_add_nocut(const struct router *r, const char *state_dir, const struct cidr *c,
		   uint32_t secs, struct diags *d);
int bans_cut(const struct cidr *c, size_t *cut, struct diags *d);
/* Remove a ban (exactly that prefix). -ENOENT if not banned. */
int bans_del(const char *state_dir, const struct cidr *c, struct diags *d);
/* The current bans, read from the kernel set (with the state file's
 * added-at times). Sorted by family, then address. */
int bans_list(const char *state_dir, struct ban_list *out, struct diags *d);

#endif
