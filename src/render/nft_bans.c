/* The ban table: `inet nftrouter_bans`, kept apart from the main table so
 * that replacing `inet nftrouter` on every apply can never wipe a ban.
 *
 * The script only ever *adds*: `add table` and `add set` of an identical
 * definition are no-ops in the kernel, so applying it again keeps every
 * element. Only the chain is flushed and rewritten, so rule changes land.
 *
 * Bans live in hash sets only: single addresses in blackhole4 and
 * blackhole6, prefixes in one hash set per prefix length in use
 * (blackhole4_24 holds the network addresses of /24 bans, matched by
 * `ip saddr & 255.255.255.0 @blackhole4_24`). In this kernel (6.18)
 * every change to an interval set costs time proportional to its size
 * (about 180 ms at a million intervals), while a hash set changes in
 * microseconds at any size; a lookup is O(1) per set, and there is one
 * set (one rule) per length in use, not per length possible (an empty-set
 * lookup is paid per packet, see below). The set and its two rules are
 * added by the first ban of a length (render_nft_ban_len) and rendered
 * by apply for every length the state file holds. Blocklists, loaded
 * whole on apply, keep their interval sets (blocklist4_nets, ...).
 *
 * The sets carry no default timeout on purpose: the kernel refuses to
 * re-add a set whose timeout differs (EEXIST), so a changed
 * blackhole.timeout would force a set to be recreated and its bans moved.
 * Instead every ban element carries its own timeout (nftrouter ban always
 * sends one; none means forever), and the set definitions never change.
 *
 * The chains hook prerouting and output only while there is something
 * to drop: a ban (the state dir names one) or blackhole.lists. Without
 * either they are rendered as made and deleted in the same transaction
 * (no hook, nothing to pay: a hooked chain costs 4-5 % of the forwarding
 * rate of 64-byte packets here even when empty, measured with bench/ab),
 * and the first ban renders them hooked before its element is added, so
 * no ban is ever in a set that no hook reads (system/bans.c).
 *
 * blackhole.check picks the layout (put_hooked): `packet` hooks the lookup
 * chains themselves before conntrack, `connection` reaches them from hook
 * chains after conntrack once per connection (docs/bans.md).
 *
 * With `packet`, every packet the router receives meets a hooked chain,
 * so each rule is paid per packet: an empty-set lookup costs 80-95 ns
 * here (measured: 200 copies of one rule, 64-byte UDP forwarded), about
 * 1.4% of the whole forwarding cost of a 64-byte packet. The blocklist sets therefore exist
 * always (apply fills or empties them) but are matched only when the
 * config has blackhole.lists. One rule per family and set rather than a
 * `meta nfproto vmap` to family chains: a vmap costs a lookup and a jump
 * (about 140 ns), more than the two non-matching ip6 rules it would skip
 * for an IPv4 packet (about 18 ns each). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "render/render.h"
#include "util/addr.h"
#include "util/buf.h"

/* Set name, element type. Order is the rule order in the chain. The
 * per-length prefix sets (blackhole4_24, ...) come after the address set
 * of their family, for the lengths in use only. */
static const struct {
	const char *name;
	const char *type;
	const char *flags;
	const char *match; /* source, in prerouting */
	const char *to;    /* destination, in output */
	bool list;	   /* filled from blackhole.lists: matched only when there are lists */
	int family;	   /* the family of the per-length sets that follow it; 0: none */
} ban_sets[] = {
	{"blackhole4", "ipv4_addr", "timeout", "ip saddr", "ip daddr", false, AF_INET},
	{"blackhole6", "ipv6_addr", "timeout", "ip6 saddr", "ip6 daddr", false, AF_INET6},
	{"blocklist4", "ipv4_addr", "", "ip saddr", "ip daddr", true, 0},
	{"blocklist4_nets", "ipv4_addr", "interval", "ip saddr", "ip daddr", true, 0},
	{"blocklist6", "ipv6_addr", "", "ip6 saddr", "ip6 daddr", true, 0},
	{"blocklist6_nets", "ipv6_addr", "interval", "ip6 saddr", "ip6 daddr", true, 0},
};

void ban_set_name(int family, int len, char *out, size_t size)
{
	snprintf(out, size, "blackhole%d_%d", family == AF_INET ? 4 : 6, len);
}

/* "ip saddr & 255.255.255.0 @blackhole4_24" and its daddr twin. */
static void len_match(struct buf *b, int family, int len, bool dst)
{
	struct ipaddr m = {.family = family};
	char mask[ADDR_STRLEN], name[32];
	for (int i = 0; i < len; i++)
		m.a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	addr_format(&m, mask, sizeof(mask));
	ban_set_name(family, len, name, sizeof(name));
	buf_printf(b, "%s %s & %s @%s drop\n", family == AF_INET ? "ip" : "ip6",
		   dst ? "daddr" : "saddr", mask, name);
}

static void len_set(struct buf *b, int family, int len)
{
	char name[32];
	ban_set_name(family, len, name, sizeof(name));
	buf_printf(b, "add set inet nftrouter_bans %s { type %s; flags timeout; }\n", name,
		   family == AF_INET ? "ipv4_addr" : "ipv6_addr");
}

static bool len_used(const struct ban_lens *l, int family, int len)
{
	return l && (family == AF_INET ? l->v4[len] : l->v6[len]);
}

/* The lookup chains and which addresses each matches. `packet`: the
 * source in prerouting (a banned host's packets never reach conntrack,
 * so flows to it stall too) and the destination in output (the router's
 * own packets: a stream from it would keep sending into the void after
 * the cut). `connection`: the lookups run once per connection, so its
 * first packet must be refused by either end: prerouting matches both. */
struct lookup_chain {
	const char *name;
	bool src, dst;
};

static void lookup_chains(enum ban_check check, struct lookup_chain out[2])
{
	out[0] = (struct lookup_chain){"prerouting", true, check == BAN_CHECK_CONNECTION};
	out[1] = (struct lookup_chain){"output", false, true};
}

static void len_rules(struct buf *b, const struct lookup_chain *c, int family, int len)
{
	for (int dst = 0; dst < 2; dst++)
		if (dst ? c->dst : c->src) {
			buf_printf(b, "add rule inet nftrouter_bans %s ", c->name);
			len_match(b, family, len, dst);
		}
}

char *render_nft_ban_len(enum ban_check check, int family, int len)
{
	struct buf b = BUF_INIT;
	struct lookup_chain lc[2];
	lookup_chains(check, lc);
	len_set(&b, family, len);
	for (int i = 0; i < 2; i++)
		len_rules(&b, &lc[i], family, len);
	return buf_steal(&b);
}

/* The rules of one lookup chain: each set's, then the per-length sets in
 * use after the address set of their family. */
static void chain_rules(struct buf *b, const struct router *r, const struct ban_lens *lens,
			const struct lookup_chain *c)
{
	const size_t n = sizeof(ban_sets) / sizeof(ban_sets[0]);
	for (size_t i = 0; i < n; i++) {
		if (ban_sets[i].list && r->blackhole.n_lists == 0)
			continue;
		for (int dst = 0; dst < 2; dst++)
			if (dst ? c->dst : c->src)
				buf_printf(b, "add rule inet nftrouter_bans %s %s @%s drop\n", c->name,
					   dst ? ban_sets[i].to : ban_sets[i].match, ban_sets[i].name);
		int f = ban_sets[i].family, max = f == AF_INET ? 32 : 128;
		for (int len = 0; f && len < max; len++)
			if (len_used(lens, f, len))
				len_rules(b, c, f, len);
	}
}

char *render_nft_bans(const struct router *r)
{
	return render_nft_bans_lens(r, NULL, r->blackhole.check, r->blackhole.n_lists > 0);
}

/* Every chain either layout uses, in the order they are emptied: the
 * hook chains of `connection` jump to the lookup chains, so they go
 * first. BAN_CHECK_MARKER, never hooked and empty, says which layout the
 * last apply chose, hooked or not, so that a first ban hooks that one
 * whatever config its command line read (system/bans.c). */
static const char *const all_chains[] = {"prerouting_ct", "output_ct", "prerouting", "output",
					 BAN_CHECK_MARKER};

/* `packet`: the lookup chains are the hook chains, at raw priority
 * (-300), before conntrack (-200): a banned host is dropped for the
 * router and everything behind it and never gets a conntrack entry.
 * `connection`: hook chains after conntrack and after DNAT (-100, so a
 * port forward's target is the destination looked up) skip every
 * connection already marked checked, which is every packet but the
 * first of a connection; related packets (ICMP errors, which carry
 * another connection's entry) are always looked up and never mark. */
static void put_hooked(struct buf *b, const struct router *r, const struct ban_lens *lens,
		       enum ban_check check)
{
	struct lookup_chain lc[2];
	bool conn = check == BAN_CHECK_CONNECTION;
	lookup_chains(check, lc);
	for (int i = 0; i < 2; i++) {
		const char *c = lc[i].name;
		if (conn)
			buf_printf(b, "add chain inet nftrouter_bans %s\n", c);
		else
			buf_printf(b, "add chain inet nftrouter_bans %s { type filter hook %s priority raw; "
				      "policy accept; }\n", c, c);
		chain_rules(b, r, lens, &lc[i]);
		if (!conn)
			continue;
		buf_printf(b, "add chain inet nftrouter_bans %s_ct { type filter hook %s priority -99; "
			      "policy accept; }\n", c, c);
		buf_printf(b, "add rule inet nftrouter_bans %s_ct ct state != related ct mark & %#x == %#x "
			      "accept\n", c, BAN_CHECKED_MARK, BAN_CHECKED_MARK);
		buf_printf(b, "add rule inet nftrouter_bans %s_ct jump %s\n", c, c);
		buf_printf(b, "add rule inet nftrouter_bans %s_ct ct state != related ct mark set ct mark "
			      "| %#x\n", c, BAN_CHECKED_MARK);
	}
}

char *render_nft_bans_lens(const struct router *r, const struct ban_lens *lens, enum ban_check check,
			   bool hooked)
{
	struct buf b = BUF_INIT;
	const size_t n = sizeof(ban_sets) / sizeof(ban_sets[0]);

	buf_printf(&b, "# generated by nftrouter from %s; do not edit\n"
		       "# The ban table is created once and never deleted or flushed by apply.\n",
		   r->file_base ? r->file_base : "router.yaml");
	if (!hooked)
		buf_puts(&b, "# No ban and no blackhole.lists: no hook (the first ban adds the chains).\n");
	buf_puts(&b, "add table inet nftrouter_bans\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "add set inet nftrouter_bans %s { type %s;%s%s%s }\n",
			   ban_sets[i].name, ban_sets[i].type, *ban_sets[i].flags ? " flags " : "",
			   ban_sets[i].flags, *ban_sets[i].flags ? ";" : "");
	for (int len = 0; len < 128; len++) {
		if (len < 32 && len_used(lens, AF_INET, len))
			len_set(&b, AF_INET, len);
		if (len_used(lens, AF_INET6, len))
			len_set(&b, AF_INET6, len);
	}
	/* Every chain of either layout is made, emptied and removed, then the
	 * layout asked for is made: a base chain cannot change its priority
	 * or become a regular chain, and `delete` alone fails on an absent
	 * chain. One transaction: no packet sees the chains in between. */
	const size_t nc = sizeof(all_chains) / sizeof(all_chains[0]);
	for (size_t i = 0; i < nc; i++)
		buf_printf(&b, "add chain inet nftrouter_bans %s\nflush chain inet nftrouter_bans %s\n",
			   all_chains[i], all_chains[i]);
	for (size_t i = 0; i < nc; i++)
		buf_printf(&b, "delete chain inet nftrouter_bans %s\n", all_chains[i]);
	if (hooked)
		put_hooked(&b, r, lens, check);
	if (check == BAN_CHECK_CONNECTION)
		buf_puts(&b, "add chain inet nftrouter_bans " BAN_CHECK_MARKER "\n");
	return buf_steal(&b);
}
