/* The nftables renderer: the main `inet nftrouter` table (filter + NAT).
 *
 * Shape of the per-packet path, which is what a router's firewall costs:
 * a packet of an established flow meets one `ct state` rule in the
 * forward (or input) chain and is accepted there; only the first packet of
 * a connection goes on to the zone dispatch (one `iifname` verdict map),
 * the zone's own chain and the NAT chains. Sets and maps are hash or
 * interval lookups, so the cost does not grow with the number of zones,
 * interfaces, ports or ICMP types -- except where a handful of plain
 * compares is cheaper than one lookup (IFNAME_RULES_MAX): named counters
 * and a zone's forward accept. Why: docs/render.md, "the forward path".
 *
 * Everything printed inside quotes comes validated from the model; each
 * string is checked once more here (str_quotable) and a string that could
 * break out of its field fails the render rather than reach nft. */
#include <stdlib.h>
#include <string.h>

#include "render/nft_internal.h"

/* Printable ASCII without the characters that end or escape an nft string. */
bool str_quotable(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

/* Zone names become parts of chain, set and counter identifiers. */
bool zone_ok(struct nft_out *o, const struct zone *z)
{
	if (!ifname_valid(z->name))
		o->bad = true;
	return !o->bad;
}

/* "(router.yaml:12)", or "(line 12)" when the file's name is too long for
 * nft's 128-character comments or not safe to quote. */
void put_where(struct nft_out *o, int line)
{
	if (o->file)
		buf_printf(&o->b, "(%s:%d)", o->file, line);
	else
		buf_printf(&o->b, "(line %d)", line);
}

/* ` comment "nftrouter: zone lan: services (router.yaml:12)"`: every rule
 * that comes from the config names the line that asked for it. */
void put_origin(struct nft_out *o, const char *pre, const char *name, const char *post, int line)
{
	if (!name_valid(name)) {
		o->bad = true;
		return;
	}
	buf_printf(&o->b, " comment \"nftrouter: %s%s%s ", pre, name, post);
	put_where(o, line);
	buf_puts(&o->b, "\"\n");
}

/* A built-in rule's comment: why it is there. Static text only. */
void put_why(struct nft_out *o, const char *why)
{
	buf_printf(&o->b, " comment \"%s\"\n", why);
}

void put_verdict(struct nft_out *o, enum verdict v)
{
	switch (v) {
	case VERDICT_ACCEPT:
		buf_puts(&o->b, "accept");
		break;
	case VERDICT_DROP:
		buf_puts(&o->b, "drop");
		break;
	case VERDICT_REJECT:
		buf_puts(&o->b, "reject with icmpx type admin-prohibited");
		break;
	}
}

void put_range(struct nft_out *o, const struct portrange *p)
{
	if (p->lo == p->hi)
		buf_printf(&o->b, "%u", p->lo);
	else
		buf_printf(&o->b, "%u-%u", p->lo, p->hi);
}

/* "tcp dport 22" or "tcp dport { 22, 8000-8100 }". */
void put_ports(struct nft_out *o, const char *proto, const struct ports *p)
{
	buf_printf(&o->b, "%s dport ", proto);
	if (p->n == 1) {
		put_range(o, &p->v[0]);
		buf_putc(&o->b, ' ');
		return;
	}
	buf_puts(&o->b, "{ ");
	for (size_t i = 0; i < p->n; i++) {
		if (i)
			buf_puts(&o->b, ", ");
		put_range(o, &p->v[i]);
	}
	buf_puts(&o->b, " } ");
}

void put_source(struct nft_out *o, bool has, const struct cidr *c)
{
	char s[ADDR_STRLEN];
	struct cidr net;
	if (!has)
		return;
	cidr_network(c, &net);
	cidr_format(&net, s, sizeof(s));
	buf_printf(&o->b, "%s saddr %s ", net.addr.family == AF_INET6 ? "ip6" : "ip", s);
}

static void put_dest_net(struct nft_out *o, const struct cidr *c)
{
	char s[ADDR_STRLEN];
	struct cidr net;
	cidr_network(c, &net);
	cidr_format(&net, s, sizeof(s));
	buf_printf(&o->b, "%s daddr %s ", net.addr.family == AF_INET6 ? "ip6" : "ip", s);
}

static bool any_counters(const struct router *r)
{
	for (size_t i = 0; i < r->n_zones; i++)
		if (r->zones[i].counters)
			return true;
	return false;
}

/* --- table head: sets and counters ----------------------------------- */

static void put_zone_sets(struct nft_out *o)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++) {
		const struct zone *z = &r->zones[i];
		buf_printf(&o->b, "\tset zone_%s {\n\t\ttype ifname\n", z->name);
		if (z->n_ifaces) {
			buf_puts(&o->b, "\t\telements = { ");
			for (size_t j = 0; j < z->n_ifaces; j++) {
				if (j)
					buf_puts(&o->b, ", ");
				put_ifname_elems(o, z->ifaces[j]);
			}
			buf_puts(&o->b, " }\n");
		}
		buf_printf(&o->b, "\t\tcomment \"interfaces of zone %s ", z->name);
		put_where(o, z->pos.line);
		buf_puts(&o->b, "\"\n\t}\n\n");
	}
}

static const struct counter_value *counter_find(const struct counter_value *v, size_t n,
						const char *zone, const char *dir)
{
	size_t zl = strlen(zone);
	for (size_t i = 0; i < n; i++)
		if (v[i].name && strncmp(v[i].name, zone, zl) == 0 && v[i].name[zl] == '-' &&
		    strcmp(v[i].name + zl + 1, dir) == 0)
			return &v[i];
	return NULL;
}

static void put_counters(struct nft_out *o, const struct counter_value *v, size_t n)
{
	static const char *const dirs[] = {"ingress", "egress"};
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++) {
		const struct zone *z = &r->zones[i];
		if (!z->counters)
			continue;
		for (size_t d = 0; d < 2; d++) {
			const struct counter_value *cv = counter_find(v, n, z->name, dirs[d]);
			buf_printf(&o->b, "\tcounter %s-%s {\n", z->name, dirs[d]);
			if (cv)
				buf_printf(&o->b, "\t\tpackets %llu bytes %llu\n",
					   (unsigned long long)cv->packets,
					   (unsigned long long)cv->bytes);
			buf_printf(&o->b, "\t\tcomment \"nftrouter: zone %s counters ", z->name);
			put_where(o, z->pos.line);
			buf_puts(&o->b, "\"\n\t}\n\n");
		}
	}
}

/* "iifname vmap { "lan" : jump input_lan, ... }": one hash lookup finds
 * the zone, however many zones and interfaces there are. */
void put_dispatch(struct nft_out *o, const char *dir, const char *chain,
		  bool (*want)(const struct router *, const struct zone *))
{
	const struct router *r = o->r;
	bool first = true;
	for (size_t i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];
		if (want && !want(r, z))
			continue;
		for (size_t j = 0; j < z->n_ifaces; j++) {
			const char *l[IFACE_LINKS_MAX];
			size_t n = iface_links(z->ifaces[j], l);
			for (size_t k = 0; k < n; k++) {
				buf_puts(&o->b, first ? "\t\t" : ", ");
				if (first)
					buf_printf(&o->b, "%s vmap { ", dir);
				first = false;
				put_linkname(o, l[k]);
				buf_printf(&o->b, " : jump %s_%s", chain, z->name);
			}
		}
	}
	if (!first) {
		buf_puts(&o->b, " }");
		put_why(o, "zone dispatch: one lookup, however many zones");
	}
}

/* The interfaces of the counting zones, for the counter rules. */
static size_t counted_ifaces(const struct router *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_zones; i++)
		if (r->zones[i].counters)
			n += r->zones[i].n_ifaces;
	return n;
}

/* Zone counters: `iifname "wan" counter name "wan-ingress"`, one rule per
 * interface of a counting zone, or, past IFNAME_RULES_MAX interfaces,
 * one `counter name iifname map { "wan" : "wan-ingress", ... }` whose
 * cost does not grow. They sit at the top of input and output only: they
 * count the router's own traffic with the zone (traffic to and from the
 * router itself). Not in forward: there they cost about 6 % of a 64-byte
 * packet's path (measured, docs/render.md), and the zone's traffic
 * through its interfaces, forwarded included, is what the kernel's link
 * statistics count anyway, for free (zone_traffic_read: `counters`,
 * metrics). */
static void put_counter_map(struct nft_out *o, const char *dir, const char *suffix)
{
	const struct router *r = o->r;
	bool map = counted_ifaces(r) > IFNAME_RULES_MAX, first = true;
	for (size_t i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];
		for (size_t j = 0; z->counters && j < z->n_ifaces; j++) {
			if (!map) {
				buf_printf(&o->b, "\t\t%s ", dir);
				put_ifname(o, z->ifaces[j]);
				buf_printf(&o->b, " counter name \"%s-%s\"", z->name, suffix);
				put_why(o, "zone counter");
				continue;
			}
			const char *l[IFACE_LINKS_MAX];
			size_t n = iface_links(z->ifaces[j], l);
			for (size_t k = 0; k < n; k++) {
				buf_puts(&o->b, first ? "\t\tcounter name " : ", ");
				if (first)
					buf_printf(&o->b, "%s map { ", dir);
				first = false;
				put_linkname(o, l[k]);
				buf_printf(&o->b, " : \"%s-%s\"", z->name, suffix);
			}
		}
	}
	if (!first) {
		buf_puts(&o->b, " }");
		put_why(o, "zone counters: one lookup per packet");
	}
}

/* The output chain exists only to count what the router itself sends
 * through a counting zone's interfaces. */
static void put_output(struct nft_out *o)
{
	if (!any_counters(o->r))
		return;
	buf_puts(&o->b, "\tchain output {\n"
			"\t\ttype filter hook output priority filter; policy accept;\n");
	put_counter_map(o, "oifname", "egress");
	buf_puts(&o->b, "\t}\n\n");
}

/* Connection state first: most packets belong to a known connection and
 * leave the chain at the first rule. A rule rather than a `ct state vmap`:
 * its three expressions (ct load, bit test, compare) are all on nftables'
 * inlined fast path, while a vmap adds a hash lookup; paired 64-byte UDP
 * runs measured the rule 1-4% faster per forwarded packet. */
static bool any_ipv6(const struct router *r)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (r->ifaces[i].ipv6 != IPV6_NONE)
			return true;
	return false;
}

static void put_ct(struct nft_out *o, bool forward)
{
	buf_puts(&o->b, "\t\tct state established,related accept");
	/* No "packets " or "bytes " in comments: apply blanks the numbers after
	 * those words when it compares listings. */
	put_why(o, "known connections first: most traffic stops here");
	/* A connection not yet answered is `new` for every packet (a UDP
	 * stream one way, a SYN retransmitted): without this, each walked the
	 * whole forward path again for the verdict its first packet got. The
	 * mark is set by postrouting_nat, which sees a connection's first
	 * packet once every filter has let it out; a packet without a
	 * connection (invalid) has no mark and goes on below. Measured with
	 * bench/ab: docs/render.md. */
	if (forward && nat_postrouting(o->r)) {
		buf_printf(&o->b, "\t\tct mark & %#x == %#x accept", NFT_PASSED_MARK, NFT_PASSED_MARK);
		put_why(o, "a connection whose first packet was let through: its later ones, answered or not");
	}
	/* RFC 4890 4.3.1: transit ICMPv6 errors must not be dropped. Those of
	 * a known connection are `related` above; the rest (an error about a
	 * flow conntrack never saw) are `invalid`, and path MTU discovery
	 * breaks without packet-too-big. So they are let through from the
	 * invalid branch (invalid_forward), not by a rule every connection's
	 * first packet would meet here (about 1 % of 64-byte new-flow
	 * forwarding, measured with bench/ab). */
	if (forward && any_ipv6(o->r)) {
		buf_puts(&o->b, "\t\tct state invalid jump invalid_forward");
		put_why(o, "not part of any connection conntrack can follow");
		return;
	}
	buf_puts(&o->b, "\t\tct state invalid drop");
	put_why(o, "not part of any connection conntrack can follow");
}

static void put_invalid_forward(struct nft_out *o)
{
	if (!any_ipv6(o->r))
		return;
	buf_puts(&o->b, "\tchain invalid_forward {\n"
			"\t\ticmpv6 type { destination-unreachable, packet-too-big, "
			"time-exceeded, parameter-problem } accept");
	put_why(o, "ICMPv6 errors in transit (RFC 4890)");
	buf_puts(&o->b, "\t\tdrop");
	put_why(o, "not part of any connection conntrack can follow");
	buf_puts(&o->b, "\t}\n\n");
}

/* --- rules[] --------------------------------------------------------- */

/* "ip6 daddr 2001:db8::/64 ", or for a suffix "ip6 daddr & ::ffff:ffff:ffff:ffff
 * == ::20 ": the host keeps matching when the delegated prefix changes. */
static void put_dest(struct nft_out *o, const struct rule *ru)
{
	char s[ADDR_STRLEN], m[ADDR_STRLEN];
	if (!ru->has_dest)
		return;
	if (!ru->dest_suffix) {
		put_dest_net(o, &ru->dest);
		return;
	}
	struct ipaddr mask = {.family = AF_INET6};
	for (int i = 128 - ru->dest.len; i < 128; i++)
		mask.a[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	addr_format(&mask, m, sizeof(m));
	addr_format(&ru->dest.addr, s, sizeof(s));
	buf_printf(&o->b, "ip6 daddr & %s == %s ", m, s);
}

static void put_rule_match(struct nft_out *o, const struct rule *ru, const char *proto,
			   const struct ports *p)
{
	buf_puts(&o->b, "\t\t");
	if (ru->to)
		buf_printf(&o->b, "oifname @zone_%s ", ru->to->name);
	if (ru->iface) {
		buf_puts(&o->b, "iifname ");
		put_ifname(o, ru->iface);
		buf_putc(&o->b, ' ');
	}
	put_source(o, ru->has_source, &ru->source);
	put_dest(o, ru);
	if (proto)
		put_ports(o, proto, p);
}

/* A rule with `log` is two lines: the log line, rate-limited, then the
 * verdict. One line could not do it: a limit that is over stops the rule,
 * and the verdict with it. The log line's counter says how many packets
 * were logged; without the limit a SYN flood wrote a kernel log line per
 * packet. The limit is one bucket per rule, not per source. */
static void put_rule_line(struct nft_out *o, const struct rule *ru, const char *proto,
			  const struct ports *p)
{
	if (ru->log) {
		put_rule_match(o, ru, proto, p);
		put_rule_log(o, ru);
		put_origin(o, "", ru->name, "", ru->pos.line);
	}
	put_rule_match(o, ru, proto, p);
	put_verdict(o, ru->action);
	put_origin(o, "", ru->name, "", ru->pos.line);
}

/* The rules[] of zone z towards `to` (NULL: the router itself), in config
 * order. A rule with TCP and UDP ports is one line per protocol. */
static void put_rules(struct nft_out *o, const struct zone *z, bool to_router)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct rule *ru = &r->rules[i];
		if (ru->from != z || (ru->to == NULL) != to_router)
			continue;
		if (ru->to && !zone_ok(o, ru->to))
			return;
		if (ru->tcp.n == 0 && ru->udp.n == 0)
			put_rule_line(o, ru, NULL, NULL);
		if (ru->tcp.n)
			put_rule_line(o, ru, "tcp", &ru->tcp);
		if (ru->udp.n)
			put_rule_line(o, ru, "udp", &ru->udp);
	}
}

/* --- input ----------------------------------------------------------- */

static void put_type_set(struct nft_out *o, const char *const *v, size_t n)
{
	if (n == 1) {
		buf_printf(&o->b, "%s ", v[0]);
		return;
	}
	buf_puts(&o->b, "{ ");
	for (size_t i = 0; i < n; i++)
		buf_printf(&o->b, "%s%s", i ? ", " : "", v[i]);
	buf_puts(&o->b, " } ");
}

static void put_limit(struct nft_out *o, const struct rate *rt)
{
	if (rt->count)
		buf_printf(&o->b, "limit rate %u/%s ", rt->count, rt->unit);
}

/* The zone's ICMP and ICMPv6 types (the model fills in defaults: inside
 * zones also get echo-request), one set per family, limited by icmp-rate. */
static void put_icmp(struct nft_out *o, const struct zone *z)
{
	if (z->n_icmp) {
		buf_puts(&o->b, "\t\ticmp type ");
		put_type_set(o, z->icmp, z->n_icmp);
		put_limit(o, &z->icmp_rate);
		buf_puts(&o->b, "accept");
		put_origin(o, "zone ", z->name, ": icmp", z->pos.line);
	}
	if (z->n_icmpv6) {
		buf_puts(&o->b, "\t\ticmpv6 type ");
		put_type_set(o, z->icmpv6, z->n_icmpv6);
		put_limit(o, &z->icmp_rate);
		buf_puts(&o->b, "accept");
		put_origin(o, "zone ", z->name, ": icmp (IPv6)", z->pos.line);
	}
}

/* The zone's services as one port set per protocol, duplicates dropped. */
static void put_services_proto(struct nft_out *o, const struct zone *z, bool tcp)
{
	uint16_t seen[64];
	size_t n = 0;
	for (size_t i = 0; i < z->n_services; i++) {
		const uint16_t *p = tcp ? z->services[i]->tcp : z->services[i]->udp;
		for (size_t j = 0; j < 4 && p[j]; j++) {
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup = dup || seen[k] == p[j];
			if (dup)
				continue;
			if (n == sizeof(seen) / sizeof(seen[0])) {
				o->bad = true; /* more than the service table holds */
				return;
			}
			seen[n++] = p[j];
		}
	}
	if (n == 0)
		return;
	buf_printf(&o->b, "\t\t%s dport ", tcp ? "tcp" : "udp");
	if (n > 1)
		buf_puts(&o->b, "{ ");
	for (size_t k = 0; k < n; k++)
		buf_printf(&o->b, "%s%u", k ? ", " : "", seen[k]);
	buf_puts(&o->b, n > 1 ? " } accept" : " accept");
	put_origin(o, "zone ", z->name, ": services", z->pos.line);
}

/* The listen port of every WireGuard port that lists this zone in its
 * listen-zones: the handshakes and the tunnel's packets arrive here. */
static void put_wireguard(struct nft_out *o, const struct zone *z)
{
	for (size_t i = 0; i < o->r->n_ifaces; i++) {
		const struct iface *p = &o->r->ifaces[i];
		for (size_t k = 0; p->wg && k < p->wg->n_listen; k++) {
			if (p->wg->listen_zones[k] != z)
				continue;
			buf_printf(&o->b, "\t\tudp dport %u accept", (unsigned)p->wg->port);
			put_origin(o, "interface ", p->name, ": wireguard listen port",
				   p->wg->pos.line);
		}
	}
}

static void put_input_policy(struct nft_out *o, const struct zone *z)
{
	switch (z->input) {
	case VERDICT_ACCEPT:
		buf_puts(&o->b, "\t\taccept");
		put_origin(o, "zone ", z->name, ": input accept", z->pos.line);
		break;
	case VERDICT_DROP:
		buf_puts(&o->b, "\t\tdrop");
		put_origin(o, "zone ", z->name, ": input drop", z->pos.line);
		break;
	case VERDICT_REJECT:
		/* As the hand-made guide did: tell a host it is refused, but never answer
		 * broadcasts, and never faster than 5/s (no reflection). */
		buf_puts(&o->b, "\t\tpkttype host limit rate 5/second "
				"reject with icmpx type admin-prohibited");
		put_origin(o, "zone ", z->name, ": input reject", z->pos.line);
		buf_puts(&o->b, "\t\tdrop");
		put_origin(o, "zone ", z->name, ": input reject (over the rate limit)",
			   z->pos.line);
		break;
	}
}

/* What a port's own IPv6 needs whatever the zone's lists say: router
 * advertisements on a WAN that takes them, DHCPv6 replies to its client
 * (from link-local servers only: a DHCPv6 server is on the link), router
 * solicitations and DHCPv6 requests on a LAN port the router serves. */
static void put_input_ipv6(struct nft_out *o, const struct iface *i)
{
	/* A PPPoE port's IPv6 is its session's: no router advertisements
	 * (the link is point-to-point, the daemon routes over it), the
	 * DHCPv6 client on the session's link only (docs/ipv6.md). */
	bool wan = (i->ipv6 == IPV6_SLAAC || i->ipv6 == IPV6_DHCP) && !i->pppoe;
	if (wan) {
		buf_puts(&o->b, "\t\tiifname ");
		put_ifname(o, i);
		buf_puts(&o->b, " icmpv6 type nd-router-advert ip6 hoplimit 255 accept");
		put_origin(o, "interface ", i->name, ": router advertisements", i->ipv6_pos.line);
	}
	if (i->ipv6 == IPV6_DHCP) {
		buf_puts(&o->b, "\t\tiifname ");
		if (i->pppoe)
			put_linkname(o, i->pppoe->ifname);
		else
			put_ifname(o, i);
		buf_puts(&o->b, " ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept");
		put_origin(o, "interface ", i->name,
			   i->pppoe ? ": DHCPv6 client on the PPPoE session" : ": DHCPv6 client",
			   i->ipv6_pos.line);
	}
	if (!iface_ra(i))
		return;
	buf_puts(&o->b, "\t\tiifname ");
	put_ifname(o, i);
	buf_puts(&o->b, " icmpv6 type nd-router-solicit ip6 hoplimit 255 accept");
	put_origin(o, "interface ", i->name, ": router solicitations", i->ipv6_pos.line);
	if (i->dhcp && i->dhcp->ipv6 != DHCP6_SLAAC) {
		buf_puts(&o->b, "\t\tiifname ");
		put_ifname(o, i);
		buf_puts(&o->b, " udp dport 547 accept");
		put_origin(o, "interface ", i->name, ": DHCPv6 server", i->dhcp->pos.line);
	}
}

static void put_input_zone(struct nft_out *o, const struct zone *z)
{
	buf_printf(&o->b, "\tchain input_%s {\n", z->name);
	/* Neighbour discovery is untracked (the ct vmap lets it through) and
	 * IPv6 cannot work without it on any link; a hop limit of 255 proves
	 * it came from the link itself, so it is not rate-limited. */
	buf_puts(&o->b, "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } "
			"ip6 hoplimit 255 accept");
	put_why(o, "IPv6 neighbour discovery, on-link only");
	put_dhcp_limit(o, z);
	for (size_t i = 0; i < z->n_ifaces; i++)
		put_input_ipv6(o, z->ifaces[i]);
	put_rules(o, z, true);
	put_icmp(o, z);
	put_services_proto(o, z, true);
	put_services_proto(o, z, false);
	put_wireguard(o, z);
	if (z->input != VERDICT_ACCEPT)
		put_zone_log(o, z, "input");
	put_input_policy(o, z);
	buf_puts(&o->b, "\t}\n\n");
}

static void put_input(struct nft_out *o)
{
	const struct router *r = o->r;
	buf_puts(&o->b, "\tchain input {\n"
			"\t\ttype filter hook input priority filter; policy drop;\n");
	put_counter_map(o, "iifname", "ingress");
	put_ct(o, false);
	buf_puts(&o->b, "\t\tiifname \"lo\" accept");
	put_why(o, "the router talking to itself");
	put_ha_input(o);
	put_new_tcp(o);
	put_dispatch(o, "iifname", "input", NULL);
	buf_puts(&o->b, "\t}\n\n");
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++)
		put_input_zone(o, &r->zones[i]);
}

/* --- forward --------------------------------------------------------- */

static size_t forward_ifaces(const struct zone *z)
{
	size_t n = 0;
	for (size_t i = 0; i < z->n_forward; i++)
		n += z->forward[i]->n_ifaces;
	return n;
}

static bool zone_forwards(const struct router *r, const struct zone *z)
{
	if (forward_ifaces(z) || z->log)
		return true;
	for (size_t i = 0; i < r->n_rules; i++)
		if (r->rules[i].from == z && r->rules[i].to)
			return true;
	for (size_t i = 0; i < r->n_fwds; i++)
		if (r->fwds[i].from == z)
			return true;
	return false;
}

static void put_forward_zone(struct nft_out *o, const struct zone *z)
{
	buf_printf(&o->b, "\tchain forward_%s {\n", z->name);
	put_rules(o, z, false);
	put_block_dot(o, z); /* after rules: a rule may let one host through */
	put_fwd_accept_jump(o, z);
	if (forward_ifaces(z) <= IFNAME_RULES_MAX) {
		/* Few interfaces: one compare each is cheaper than a set lookup. */
		for (size_t i = 0; i < z->n_forward; i++)
			for (size_t j = 0; j < z->forward[i]->n_ifaces; j++) {
				buf_puts(&o->b, "\t\toifname ");
				put_ifname(o, z->forward[i]->ifaces[j]);
				buf_puts(&o->b, " accept");
				put_origin(o, "zone ", z->name, ": forward", z->pos.line);
			}
	} else {
		/* One set of every interface of every zone it may reach. */
		bool first = true;
		buf_puts(&o->b, "\t\toifname { ");
		for (size_t i = 0; i < z->n_forward; i++)
			for (size_t j = 0; j < z->forward[i]->n_ifaces; j++) {
				if (!first)
					buf_puts(&o->b, ", ");
				first = false;
				put_ifname_elems(o, z->forward[i]->ifaces[j]);
			}
		buf_puts(&o->b, " } accept");
		put_origin(o, "zone ", z->name, ": forward", z->pos.line);
	}
	/* What is left falls to the forward chain's policy drop. */
	put_zone_log(o, z, "forward");
	buf_puts(&o->b, "\t}\n\n");
}

static void put_forward(struct nft_out *o)
{
	const struct router *r = o->r;
	buf_puts(&o->b, "\tchain forward {\n"
			"\t\ttype filter hook forward priority filter; policy drop;\n");
	put_mss_clamp(o);
	put_offload_rules(o); /* before the ct accept */
	put_ct(o, true);
	put_new_tcp(o);
	put_dispatch(o, "iifname", "forward", zone_forwards);
	buf_puts(&o->b, "\t}\n\n");
	put_invalid_forward(o);
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++)
		if (zone_forwards(r, &r->zones[i]))
			put_forward_zone(o, &r->zones[i]);
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++)
		if (zone_forwards(r, &r->zones[i]))
			put_fwd_accept_chain(o, &r->zones[i]);
	put_fwd_accept_targets(o);
}

/* --- the script ---------------------------------------------------------- */

char *render_nft_counters(const struct router *r, const struct counter_value *v, size_t n)
{
	return render_nft_live(r, v, n, NULL);
}

char *render_nft_live(const struct router *r, const struct counter_value *v, size_t n,
		      const struct nft_links *links)
{
	struct nft_out o = {BUF_INIT, r, NULL, false, links};
	bool safe = r->file_base && str_quotable(r->file_base, 255);
	/* The longest comment is 78 characters without the file's name. */
	if (safe && strlen(r->file_base) <= 40)
		o.file = r->file_base;
	buf_printf(&o.b,
		   "#!/usr/sbin/nft -f\n"
		   "# Generated by nftrouter from %s; do not edit.\n"
		   "# Replaces table inet nftrouter in one transaction (created first so\n"
		   "# that the delete cannot fail); no other table is touched.\n\n"
		   "table inet nftrouter\ndelete table inet nftrouter\n\n"
		   "table inet nftrouter {\n",
		   safe ? r->file_base : "its config");
	put_zone_sets(&o);
	put_dhcp_sets(&o);
	put_counters(&o, v, n);
	put_flowtable(&o);
	put_input(&o);
	put_forward(&o);
	put_output(&o);
	put_nat(&o);
	if (o.b.s && o.b.len >= 2 && o.b.s[o.b.len - 1] == '\n' && o.b.s[o.b.len - 2] == '\n')
		o.b.len--;
	buf_puts(&o.b, "}\n");
	if (o.bad) {
		buf_free(&o.b);
		return NULL;
	}
	return buf_steal(&o.b);
}

char *render_nft(const struct router *r)
{
	return render_nft_counters(r, NULL, 0);
}
