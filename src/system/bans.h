/* Bans and blocklists: the `inet nftrouter_bans` table.
 *
 * A ban is one IPv4 or IPv6 prefix (a single address is a /32 or /128):
 * a key in the hash set blackhole4/blackhole6 (addresses) or in the hash
 * set of its prefix length (blackhole4_24), with its own kernel timeout.
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

/* ---- what may be banned (ban_rules.c; pure except ban_own_load) ----
 *
 * Every ban, whatever its source (`nftrouter ban`, the control socket,
 * the state file, a blocklist line), passes ban_prefix_check: an
 * IPv4-mapped IPv6 prefix (::ffff:1.2.3.4) becomes the IPv4 one; refused
 * are prefixes shorter than /8 (IPv4) or /16 (IPv6), set host bits (never
 * widened: the network is suggested), loopback, 0.0.0.0/8, ::, link-local
 * (169.254/16, fe80::/10), multicast (224/4, ff00::/8: neighbour
 * discovery), 255.255.255.255, and IPv6 prefixes covering ::ffff:0:0/96.
 * text is how the prefix was written, for the message (NULL: formatted).
 * 0, or -EINVAL with the reason in d. */
int ban_prefix_check(const struct cidr *in, const char *text, struct cidr *out, struct diags *d);
/* "ADDR[/LEN]" through cidr_parse and ban_prefix_check. */
int ban_parse(const char *s, struct cidr *out, struct diags *d);
/* For unban: any prefix may be lifted, even one ban would refuse today;
 * only the parse and the IPv4-mapped normalisation. */
int ban_parse_lift(const char *s, struct cidr *out, struct diags *d);
/* How long: NULL = the config's blackhole.timeout (r NULL: 1 day);
 * "forever" or "0"; 30s/10m/1h/1d; bare seconds. -ERANGE if not one. */
int ban_duration(const struct router *r, const char *s, uint32_t *secs, struct diags *d);

struct ban_request {
	struct cidr prefix;
	uint32_t secs; /* 0 = forever */
};
/* The CLI's and the control socket's request: ban_parse, then
 * ban_duration. -EINVAL (address refused) or -ERANGE (duration). */
int ban_request_parse(const struct router *r, const char *addr, const char *dur,
		      struct ban_request *out, struct diags *d);

/* The router's own addresses: the config's static ones (named by port)
 * and every address the kernel holds (DHCP ones, link-local ones), plus
 * the directed broadcast address of each IPv4 subnet. */
struct ban_own_addr {
	struct ipaddr addr;
	char where[16]; /* the config's port name, "" for a kernel address */
	bool bcast;     /* a subnet broadcast: refused only as the whole ban */
};
struct ban_own {
	struct ban_own_addr *v;
	size_t n;
};
int ban_own_load(const struct router *r, struct ban_own *o, struct diags *d);
void ban_own_free(struct ban_own *o);
/* -EINVAL (d says which address) if c holds one of o's addresses or is
 * one of its broadcast addresses; o NULL checks nothing. */
int ban_own_check(const struct ban_own *o, const struct cidr *c, struct diags *d);

/* The state file's text: "PREFIX EXPIRES ADDED" per line, `#` comments.
 * A line that is not that, or whose prefix ban_prefix_check or (own not
 * NULL) ban_own_check refuses, is skipped with a warning at path:LINE in
 * d and counted in *bad; the valid lines are kept. Pure, for tests.
 * 0 or -ENOMEM. */
int bans_state_parse(const char *text, const char *path, const struct ban_own *own,
		     struct ban_list *out, size_t *bad, struct diags *d);
char *bans_state_format(const struct ban_list *l);

/* Make the kernel match the config and the state dir, without ever losing
 * a ban: ensure the ban table exists (never deleted or flushed), restore
 * the persisted bans with their remaining time (expired ones dropped),
 * and load or refresh the blocklists (skipped when unchanged since the
 * last load). Called by apply and by the daemon. 0 or -errno. */
int bans_apply(struct nft *n, const struct router *r, const char *state_dir, struct diags *d);

/* What apply can check before it changes anything: the blocklist files
 * parse (FILE:LINE errors in d). Reads nothing from the kernel; skipped
 * for files unchanged since their last successful load (state_dir NULL:
 * always read, as `check` does). 0 or -EINVAL. */
int bans_check(const struct router *r, const char *state_dir, struct diags *d);

/* Ban a prefix for secs seconds (0 = forever): refuses what
 * ban_prefix_check refuses, the router's own addresses (ban_own_load) and
 * prefixes overlapping an existing ban; persists it in the state file,
 * then adds it to the kernel set in one netlink batch (no set fetch). The
 * state is written first, so a kill at any point never leaves a ban in
 * the kernel that a reboot loses; the next apply restores one the kernel
 * lacks. 0, -EINVAL (refused: request invalid, d says why), -EEXIST
 * (already banned, d says by what), or another -errno (the system
 * refused).
 *
 * The ban is in force when bans_add_nocut returns; bans_cut then deletes
 * the prefix's conntrack entries, which walks the kernel's whole conntrack
 * hash (about 15 ms here). Both the CLI and the daemon cut before they
 * answer, so the reply can say how many connections were cut. bans_cut
 * failing is a warning in d (the ban holds). */
int bans_add_nocut(const struct router *r, const char *state_dir, const struct cidr *c,
		   uint32_t secs, struct diags *d);
int bans_cut(const struct cidr *c, size_t *cut, struct diags *d);
/* Remove a ban (exactly that prefix). -ENOENT if not banned. */
int bans_del(const char *state_dir, const struct cidr *c, struct diags *d);
/* The current bans, read from the kernel set (with the state file's
 * added-at times). Sorted by family, then address. */
int bans_list(const char *state_dir, struct ban_list *out, struct diags *d);

/* For `diff`: the unexpired bans of the state file (*saved) and how many
 * of them the kernel lacks (*missing: the next apply restores them).
 * Reads only. 0 or -errno (d). */
int bans_missing(const char *state_dir, size_t *saved, size_t *missing, struct diags *d);

#endif
