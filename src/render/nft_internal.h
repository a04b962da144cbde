/* Private to the nftables renderer (render/nft*.c): the output state and
 * the small printers every part of the ruleset uses. */
#ifndef NFTROUTER_RENDER_NFT_INTERNAL_H
#define NFTROUTER_RENDER_NFT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "render/render.h"
#include "util/buf.h"

struct nft_out {
	struct buf b;
	const struct router *r;
	const char *file; /* the config's basename for comments, or NULL: "line N" */
	bool bad;	  /* an unsafe string was met: the render fails */
	const struct nft_links *links; /* the links that exist; NULL: every port */
};

/* Up to this many interfaces, a list of single-interface rules costs less
 * than one lookup. Measured on this kernel (6.18, 2 vCPUs; 200 copies of
 * a rule in the forward chain, 64-byte UDP): an `oifname "x"` compare
 * that does not match costs about 18 ns, a static `counter name "x"`
 * about 32 ns, while a map or set lookup costs 80-150 ns (an objref
 * `counter name oifname map` about 165 ns, an anonymous set about 95). */
#define IFNAME_RULES_MAX 6

/* render/nft.c */
bool str_quotable(const char *s, size_t max);
/* Zone names become parts of chain, set and counter identifiers. */
bool zone_ok(struct nft_out *o, const struct zone *z);
void put_where(struct nft_out *o, int line);
void put_origin(struct nft_out *o, const char *pre, const char *name, const char *post, int line);
void put_why(struct nft_out *o, const char *why);
/* The kernel links of port i: its own name, and a PPPoE port's session
 * link (model.h, struct pppoe). */
#define IFACE_LINKS_MAX 2
size_t iface_links(const struct iface *i, const char *out[IFACE_LINKS_MAX]);
/* Port i where a rule matches it: `"lan"`, or `{ "wan", "ppp0" }` for a
 * PPPoE port. put_ifname_elems: the names alone, for inside a set. */
void put_ifname(struct nft_out *o, const struct iface *i);
void put_ifname_elems(struct nft_out *o, const struct iface *i);
/* One link name, quoted (an unsafe one fails the render). */
void put_linkname(struct nft_out *o, const char *name);
/* The forward chain's MSS clamp on SYNs leaving through a PPPoE session. */
void put_mss_clamp(struct nft_out *o);
/* All links of zone z's ports: one quoted name or an anonymous set. */
void put_zone_links(struct nft_out *o, const struct zone *z);
void put_verdict(struct nft_out *o, enum verdict v);
void put_range(struct nft_out *o, const struct portrange *p);
void put_ports(struct nft_out *o, const char *proto, const struct ports *p);
void put_source(struct nft_out *o, bool has, const struct cidr *c);
void put_dispatch(struct nft_out *o, const char *dir, const char *chain,
		  bool (*want)(const struct router *, const struct zone *));

/* render/nft_nat.c: port forwards (DNAT, their forward accepts) and
 * masquerading. */
/* forward_Z's one jump to its forward accepts, and that chain. */
void put_fwd_accept_jump(struct nft_out *o, const struct zone *z);
void put_fwd_accept_chain(struct nft_out *o, const struct zone *z);
/* The forwards' own accept chains the fwdin4_Z maps lead to. */
void put_fwd_accept_targets(struct nft_out *o);
void put_nat(struct nft_out *o);
/* The connection-mark bit postrouting_nat sets on every connection whose
 * first packet left the router (forwarded or its own); the forward chain
 * accepts a still unreplied connection that has it at its second rule,
 * as it accepts established ones at its first (docs/render.md). Bit 31
 * is blackhole.check: connection's (BAN_CHECKED_MARK). */
#define NFT_PASSED_MARK 0x40000000u
/* Whether the table has postrouting_nat (a zone masquerades), the chain
 * that sets NFT_PASSED_MARK. */
bool nat_postrouting(const struct router *r);
/* Whether zone y's clients reach forward f through the router's address. */
bool fwd_reflects_to(const struct portfwd *f, const struct zone *y);

/* render/nft_ha.c: ha: sync traffic from the peer (input), and SNAT to
 * a port's virtual address ahead of its zone's masquerade. */
void put_ha_input(struct nft_out *o);
void put_ha_snat(struct nft_out *o, const struct zone *z);

/* render/nft_guard.c: built-in hardening no config line asks for. */
void put_new_tcp(struct nft_out *o);
void put_rp_filter(struct nft_out *o, const struct zone *z);
void put_dhcp_sets(struct nft_out *o);
void put_dhcp_limit(struct nft_out *o, const struct zone *z);
void put_block_dot(struct nft_out *o, const struct zone *z);

/* render/nft_offload.c: the flowtable of `offload`, in the table head,
 * and its `flow add` rules, at the top of the forward chain. */
void put_flowtable(struct nft_out *o);
void put_offload_rules(struct nft_out *o);

/* render/nft_log.c: log lines to the NFLOG group (prefix: render/fwlog.h). */
/* A rule's log line (after its match, before its origin comment). */
void put_rule_log(struct nft_out *o, const struct rule *ru);
/* A zone's `log: true` line for hook "input" or "forward"; nothing
 * without it. */
void put_zone_log(struct nft_out *o, const struct zone *z, const char *hook);

#endif
