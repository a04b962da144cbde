/* The NAT half of the `inet nftrouter` table: port forwards (DNAT in
 * per-zone chains, and the forward accept that goes with each) and
 * masquerading. Split from render/nft.c, which calls put_nat() and
 * put_fwd_accept(); why the chains look as they do: docs/render.md. */
#include <string.h>

#include "render/nft_internal.h"

bool nat_postrouting(const struct router *r)
{
	for (size_t i = 0; i < r->n_zones; i++)
		if (r->zones[i].masquerade && r->zones[i].n_ifaces)
			return true;
	return false;
}

/* "meta l4proto { tcp, udp } th dport 443 " or "tcp dport 8000-8100 ". */
static void put_fwd_proto(struct nft_out *o, const struct portfwd *f, const struct portrange *pr)
{
	if (f->tcp && f->udp)
		buf_puts(&o->b, "meta l4proto { tcp, udp } th dport ");
	else
		buf_printf(&o->b, "%s dport ", f->tcp ? "tcp" : "udp");
	put_range(o, pr);
	buf_putc(&o->b, ' ');
}

/* The port on the target: a range keeps its ports, one port may move. */
static struct portrange fwd_target_ports(const struct portfwd *f)
{
	struct portrange pr = f->ext;
	if (f->to_port && f->ext.lo == f->ext.hi)
		pr.lo = pr.hi = f->to_port;
	return pr;
}

/* The forward half of a port forward: only connections our own DNAT
 * rewrote, to that target, from the forward's zone (this chain). */
static void put_fwd_accept(struct nft_out *o, const struct portfwd *f)
{
	char to[ADDR_STRLEN];
	struct portrange pr = fwd_target_ports(f);
	addr_format(&f->to, to, sizeof(to));
	buf_puts(&o->b, "\t\t");
	if (f->to_iface) {
		buf_puts(&o->b, "oifname ");
		put_ifname(o, f->to_iface);
		buf_putc(&o->b, ' ');
	}
	put_source(o, f->has_source, &f->source);
	buf_printf(&o->b, "%s daddr %s ", f->to.family == AF_INET6 ? "ip6" : "ip", to);
	put_fwd_proto(o, f, &pr);
	buf_puts(&o->b, "ct status dnat accept");
	put_origin(o, "", f->name, "", f->pos.line);
}

/* Two forwards whose forward accepts would be the same rule but for the
 * comment (same target and target ports, protocols, outgoing port and
 * source): the first one says it; the rest would never be reached. */
static bool fwd_accept_same(const struct portfwd *f, const struct portfwd *g)
{
	struct portrange a = fwd_target_ports(f), b = fwd_target_ports(g);
	return f->to_iface == g->to_iface && f->tcp == g->tcp && f->udp == g->udp &&
	       a.lo == b.lo && a.hi == b.hi && addr_equal(&f->to, &g->to) &&
	       f->has_source == g->has_source &&
	       (!f->has_source || cidr_equal(&f->source, &g->source));
}

static bool zone_accepts(const struct portfwd *f, const struct zone *z)
{
	return f->from == z || fwd_reflects_to(f, z);
}

static bool zone_has_accepts(const struct router *r, const struct zone *z)
{
	for (size_t i = 0; i < r->n_fwds; i++)
		if (zone_accepts(&r->fwds[i], z))
			return true;
	return false;
}

/* In forward_Z: one rule for all of Z's forward accepts. A connection no
 * DNAT of ours rewrote (all the zone's own traffic out, a flow's every
 * packet until the reply) passes them with one compare, however many
 * forwards there are. */
void put_fwd_accept_jump(struct nft_out *o, const struct zone *z)
{
	if (!zone_has_accepts(o->r, z))
		return;
	buf_printf(&o->b, "\t\tct status dnat jump fwdin_%s", z->name);
	put_why(o, "port forwards: only connections our own DNAT rewrote");
}

/* f's accept is the first of its kind in zone z's list (see
 * fwd_accept_same). */
static bool accept_first(const struct router *r, const struct portfwd *f, const struct zone *z)
{
	for (const struct portfwd *g = r->fwds; g < f; g++)
		if (zone_accepts(g, z) && fwd_accept_same(g, f))
			return false;
	return true;
}

/* f's accept is found by the lookup in fwdin4_Z when its target is IPv4
 * and no other accept of the chain shares its address and a port: then
 * which is tried first cannot matter. The others stay rules. */
static bool accept_mapped(const struct router *r, const struct portfwd *f, const struct zone *z)
{
	struct portrange pf = fwd_target_ports(f);
	if (f->to.family != AF_INET || !zone_accepts(f, z) || !accept_first(r, f, z))
		return false;
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *g = &r->fwds[i];
		struct portrange pg = fwd_target_ports(g);
		/* A g with f's very rule is f's duplicate; any other g that
		 * shares the key, or a duplicate of it, makes f a rule. */
		if (g == f || !zone_accepts(g, z) || fwd_accept_same(f, g) ||
		    !addr_equal(&f->to, &g->to))
			continue;
		if (((f->tcp && g->tcp) || (f->udp && g->udp)) && pf.lo <= pg.hi && pg.lo <= pf.hi)
			return false;
	}
	return true;
}

static void put_accept_elem(struct nft_out *o, const struct portfwd *f, const char *proto,
			    bool *first)
{
	char to[ADDR_STRLEN];
	struct portrange pr = fwd_target_ports(f);
	addr_format(&f->to, to, sizeof(to));
	buf_printf(&o->b, "%s%s . %s . ", *first ? "" : ", ", to, proto);
	put_range(o, &pr);
	buf_printf(&o->b, " : jump pfa_%s", f->name);
	*first = false;
}

/* map fwdin4_Z: target address, protocol and port -> the forward's
 * accept chain pfa_NAME. */
static void put_accept_map(struct nft_out *o, const struct zone *z)
{
	const struct router *r = o->r;
	bool range = false, any = false, first = true;
	for (size_t i = 0; i < r->n_fwds; i++) {
		struct portrange pr = fwd_target_ports(&r->fwds[i]);
		if (!accept_mapped(r, &r->fwds[i], z))
			continue;
		any = true;
		range |= pr.lo != pr.hi;
	}
	if (!any)
		return;
	buf_printf(&o->b, "\tmap fwdin4_%s {\n\t\ttype ipv4_addr . inet_proto . inet_service : "
			  "verdict\n", z->name);
	if (range)
		buf_puts(&o->b, "\t\tflags interval\n");
	buf_puts(&o->b, "\t\telements = { ");
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (!accept_mapped(r, f, z) || !name_valid(f->name))
			continue;
		if (f->tcp)
			put_accept_elem(o, f, "tcp", &first);
		if (f->udp)
			put_accept_elem(o, f, "udp", &first);
	}
	buf_printf(&o->b, " }\n\t\tcomment \"port forward targets reached from zone %s\"\n\t}\n\n",
		   z->name);
}

/* fwdin_Z: the forward accepts of Z's forwards and of those Z reaches by
 * reflection, one per distinct rule: the ones the map cannot hold as
 * rules, then one lookup for all the others (the 1,000th forward's
 * accept costs what the first one's does). */
void put_fwd_accept_chain(struct nft_out *o, const struct zone *z)
{
	const struct router *r = o->r;
	bool mapped = false;
	if (!zone_has_accepts(r, z))
		return;
	put_accept_map(o, z);
	buf_printf(&o->b, "\tchain fwdin_%s {\n", z->name);
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (accept_mapped(r, f, z))
			mapped = true;
		else if (zone_accepts(f, z) && accept_first(r, f, z))
			put_fwd_accept(o, f);
	}
	if (mapped) {
		buf_printf(&o->b, "\t\tip daddr . meta l4proto . th dport vmap @fwdin4_%s", z->name);
		put_why(o, "port forward targets: one lookup, however many");
	}
	buf_puts(&o->b, "\t}\n\n");
}

/* pfa_NAME: the accept of each forward some fwdin4_Z leads to. */
void put_fwd_accept_targets(struct nft_out *o)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		bool mapped = false;
		for (size_t z = 0; z < r->n_zones && !mapped; z++)
			mapped = accept_mapped(r, f, &r->zones[z]);
		if (!mapped)
			continue;
		buf_printf(&o->b, "\tchain pfa_%s {\n", f->name);
		put_fwd_accept(o, f);
		buf_puts(&o->b, "\t}\n\n");
	}
}

/* --- NAT --------------------------------------------------------------- */

static void put_dnat(struct nft_out *o, const struct portfwd *f)
{
	char to[ADDR_STRLEN];
	bool v6 = f->to.family == AF_INET6;
	if (!zone_ok(o, f->from))
		return;
	/* A range keeps its ports: the kernel would pick any port of a
	 * target range, not shift it, so a moved range cannot be said. */
	if (f->ext.lo != f->ext.hi && f->to_port && f->to_port != f->ext.lo) {
		o->bad = true;
		return;
	}
	addr_format(&f->to, to, sizeof(to));
	buf_puts(&o->b, "\t\t");
	put_source(o, f->has_source, &f->source);
	put_fwd_proto(o, f, &f->ext);
	buf_printf(&o->b, "dnat %s to %s%s%s", v6 ? "ip6" : "ip", v6 ? "[" : "", to, v6 ? "]" : "");
	if (f->to_port && f->ext.lo == f->ext.hi)
		buf_printf(&o->b, ":%u", f->to_port);
	put_origin(o, "", f->name, "", f->pos.line);
}

static bool zone_has_fwds(const struct router *r, const struct zone *z)
{
	for (size_t i = 0; i < r->n_fwds; i++)
		if (r->fwds[i].from == z)
			return true;
	return false;
}

/* --- the port map ------------------------------------------------------- */

static bool ports_share(const struct portfwd *f, const struct portfwd *g)
{
	return ((f->tcp && g->tcp) || (f->udp && g->udp)) && f->ext.lo <= g->ext.hi &&
	       g->ext.lo <= f->ext.hi;
}

/* A forward goes into its zone's port map when no other forward of the
 * zone shares a port with it (the model refuses that between forwards
 * without a source, so only a source-limited forward and its neighbours
 * stay out): then the order of map and rules cannot matter. The others
 * keep one rule each, in config order, before the map. */
static bool fwd_mapped(const struct router *r, const struct portfwd *f)
{
	if (f->has_source)
		return false;
	for (size_t i = 0; i < r->n_fwds; i++)
		if (&r->fwds[i] != f && r->fwds[i].from == f->from && ports_share(f, &r->fwds[i]))
			return false;
	return true;
}

/* Forward f in zone z's map: all of z's mapped forwards (reflect false),
 * or those with reflection (reflect true: the map of reflect_Z). */
static bool in_map(const struct router *r, const struct portfwd *f, const struct zone *z,
		   bool reflect)
{
	return f->from == z && (!reflect || f->reflection) && fwd_mapped(r, f);
}

static size_t map_size(const struct router *r, const struct zone *z, bool reflect)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_fwds; i++)
		n += in_map(r, &r->fwds[i], z, reflect);
	return n;
}

/* The reflected forwards' map is the zone's own unless some mapped
 * forward has `reflection: false`. */
static bool map_own(const struct router *r, const struct zone *z, bool reflect)
{
	return reflect && map_size(r, z, true) != map_size(r, z, false);
}

static const char *map_name(const struct router *r, const struct zone *z, bool reflect)
{
	return map_own(r, z, reflect) ? "fwdr" : "fwd";
}

static void put_map_elem(struct nft_out *o, const struct portfwd *f, const char *proto,
			 bool keys, bool *first)
{
	buf_printf(&o->b, "%s%s . ", *first ? "" : ", ", proto);
	put_range(o, &f->ext);
	if (!keys)
		buf_printf(&o->b, " : jump pf_%s", f->name);
	*first = false;
}

/* map fwd_Z (or fwdr_Z): protocol and port on the router -> the chain of
 * the forward, pf_NAME, which holds its DNAT rule and its comment. One
 * lookup finds the 1,000th forward as fast as the first. A hash unless a
 * range needs an interval map. With keys: the set fwdp_Z (fwdrp_Z) of the
 * same protocols and ports, for the hairpin chain's first test (a kernel
 * before 6.x refuses a bare lookup in a verdict map: EINVAL on 6.1). */
static void put_fwd_keys(struct nft_out *o, const struct zone *z, bool reflect, bool keys)
{
	const struct router *r = o->r;
	bool range = false, first = true;
	if (!map_size(r, z, reflect) || (reflect && !map_own(r, z, true)))
		return;
	for (size_t i = 0; i < r->n_fwds; i++)
		if (in_map(r, &r->fwds[i], z, reflect) && r->fwds[i].ext.lo != r->fwds[i].ext.hi)
			range = true;
	buf_printf(&o->b, "\t%s %s%s_%s {\n\t\ttype inet_proto . inet_service%s\n",
		   keys ? "set" : "map", map_name(r, z, reflect), keys ? "p" : "", z->name,
		   keys ? "" : " : verdict");
	if (range)
		buf_puts(&o->b, "\t\tflags interval\n");
	buf_puts(&o->b, "\t\telements = { ");
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (!in_map(r, f, z, reflect) || !name_valid(f->name))
			continue;
		if (f->tcp)
			put_map_elem(o, f, "tcp", keys, &first);
		if (f->udp)
			put_map_elem(o, f, "udp", keys, &first);
	}
	buf_printf(&o->b, " }\n\t\tcomment \"%s of zone %s%s\"\n\t}\n\n",
		   keys ? "ports forwarded" : "port forwards", z->name,
		   reflect ? " with reflection" : "");
}

static void put_fwd_map(struct nft_out *o, const struct zone *z, bool reflect)
{
	put_fwd_keys(o, z, reflect, false);
}

/* The rules before the map (forwards it cannot hold), then the lookup. */
static void put_fwd_lookup(struct nft_out *o, const struct zone *z, bool reflect)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (f->from == z && (!reflect || f->reflection) && !fwd_mapped(r, f))
			put_dnat(o, f);
	}
	if (!map_size(r, z, reflect))
		return;
	buf_printf(&o->b, "\t\tmeta l4proto . th dport vmap @%s_%s", map_name(r, z, reflect),
		   z->name);
	put_why(o, "port forwards: one lookup, however many");
}

static void put_fwd_chains(struct nft_out *o, const struct zone *z)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (!in_map(r, f, z, false))
			continue;
		buf_printf(&o->b, "\tchain pf_%s {\n", f->name);
		put_dnat(o, f);
		buf_puts(&o->b, "\t}\n\n");
	}
}

/* --- hairpin NAT (reflection) ------------------------------------------ */

/* Reflection serves the zones that may open connections into the
 * forward's zone (`forward: [wan]`): the clients that could reach the
 * router's WAN address from outside too. Others never meet it. */
bool fwd_reflects_to(const struct portfwd *f, const struct zone *y)
{
	if (!f->reflection || !f->from || f->from == y)
		return false;
	for (size_t i = 0; i < y->n_forward; i++)
		if (y->forward[i] == f->from)
			return true;
	return false;
}

static bool zone_reflects_into(const struct router *r, const struct zone *y, const struct zone *z)
{
	for (size_t i = 0; i < r->n_fwds; i++)
		if (r->fwds[i].from == z && fwd_reflects_to(&r->fwds[i], y))
			return true;
	return false;
}

static bool zone_reflects(const struct router *r, const struct zone *y)
{
	for (size_t z = 0; z < r->n_zones; z++)
		if (zone_reflects_into(r, y, &r->zones[z]))
			return true;
	return false;
}

static bool zone_is_reflected(const struct router *r, const struct zone *z)
{
	for (size_t y = 0; y < r->n_zones; y++)
		if (zone_reflects_into(r, &r->zones[y], z))
			return true;
	return false;
}

static bool zone_dnats(const struct router *r, const struct zone *z)
{
	return z->rp_filter || z->force_dns || zone_has_fwds(r, z) || zone_reflects(r, z);
}

static bool any_dnat(const struct router *r)
{
	for (size_t z = 0; z < r->n_zones; z++)
		if (zone_dnats(r, &r->zones[z]))
			return true;
	return false;
}

/* `ip daddr { ... } return`: the router's static addresses on the ports
 * of other zones than z. A LAN client talking to the router's LAN address
 * on a forwarded port means the router's own service, not the forward. */
static void put_reflect_skip(struct nft_out *o, const struct zone *z)
{
	const struct router *r = o->r;
	bool first = true;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *ifc = &r->ifaces[i];
		if (ifc->zone == z)
			continue;
		for (size_t a = 0; a < ifc->n_addrs; a++) {
			char s[ADDR_STRLEN];
			if (ifc->addrs[a].addr.family != AF_INET)
				continue;
			addr_format(&ifc->addrs[a].addr, s, sizeof(s));
			buf_printf(&o->b, "%s%s", first ? "\t\tip daddr { " : ", ", s);
			first = false;
		}
	}
	if (!first) {
		buf_puts(&o->b, " } return");
		put_why(o, "the router's own addresses in other zones: its own services");
	}
}

/* reflect_Z: Z's reflected forwards for clients of other zones, on any
 * address of the router but those of other zones' ports. `fib daddr type
 * local` asks the kernel at packet time which addresses are the router's,
 * so a DHCP WAN address that changes needs no new ruleset. Only first
 * packets of connections come here (NAT chains see nothing else). */
static void put_reflect_chain(struct nft_out *o, const struct zone *z)
{
	const struct router *r = o->r;
	bool all_mapped = map_size(r, z, true) > 0;
	for (size_t i = 0; i < r->n_fwds; i++)
		if (r->fwds[i].from == z && r->fwds[i].reflection && !fwd_mapped(r, &r->fwds[i]))
			all_mapped = false;
	/* Every new connection of the client zones comes here: one hash
	 * lookup of the port sends nearly all of them back before the
	 * address set and the FIB lookup below. */
	if (all_mapped) /* the keys of the map the lookup below uses */
		put_fwd_keys(o, z, map_own(r, z, true), true);
	buf_printf(&o->b, "\tchain reflect_%s {\n", z->name);
	if (all_mapped) {
		buf_printf(&o->b, "\t\tmeta l4proto . th dport != @%sp_%s return",
			   map_name(r, z, true), z->name);
		put_why(o, "hairpin NAT: only forwarded ports");
	}
	put_reflect_skip(o, z);
	buf_puts(&o->b, "\t\tfib daddr type != local return");
	put_why(o, "hairpin NAT: only what is addressed to the router");
	put_fwd_lookup(o, z, true);
	buf_puts(&o->b, "\t}\n\n");
}

static void put_dnat_zone(struct nft_out *o, const struct zone *y)
{
	const struct router *r = o->r;
	buf_printf(&o->b, "\tchain dnat_%s {\n", y->name);
	put_rp_filter(o, y);
	/* force-dns: whatever address a client asks, the router answers
	 * (redirect: to the address of the port the query came in on, where
	 * dnsmasq listens). Replies carry the address the client asked. */
	if (y->force_dns) {
		buf_puts(&o->b, "\t\tmeta l4proto { tcp, udp } th dport 53 redirect");
		put_origin(o, "zone ", y->name, ": force-dns", y->pos.line);
	}
	put_fwd_lookup(o, y, false);
	for (size_t z = 0; z < r->n_zones; z++) {
		if (!zone_reflects_into(r, y, &r->zones[z]))
			continue;
		buf_printf(&o->b, "\t\tmeta nfproto ipv4 jump reflect_%s", r->zones[z].name);
		put_why(o, "hairpin NAT: forwards through the router's address");
	}
	buf_puts(&o->b, "\t}\n\n");
}

/* The port of the target's subnet, when a client of that same subnet
 * reaches forward f by reflection; else NULL. */
static const struct cidr *fwd_snat_net(const struct portfwd *f)
{
	const struct iface *ifc = f->to_iface;
	if (!ifc || !ifc->zone || !fwd_reflects_to(f, ifc->zone))
		return NULL;
	for (size_t a = 0; a < ifc->n_addrs; a++)
		if (cidr_contains(&ifc->addrs[a], &f->to))
			return &ifc->addrs[a];
	return NULL;
}

static bool any_reflect_snat(const struct router *r)
{
	for (size_t i = 0; i < r->n_fwds; i++)
		if (fwd_snat_net(&r->fwds[i]))
			return true;
	return false;
}

/* Client and server in one subnet: without source NAT the server would
 * answer the client directly, from an address the client never spoke
 * to. So the connection takes the router's address on that port, and the
 * server sees the router as the client (documented). Clients of other
 * subnets keep their address: their replies route back through the
 * router anyway. Reached by `ct status dnat` only, so a connection to the
 * internet passes all of them with one compare; two forwards to one
 * target port need one rule. */
static void put_reflect_snat(struct nft_out *o)
{
	const struct router *r = o->r;
	/* Not reflect_snat: that is reflect_ZONE for a zone named snat. */
	buf_puts(&o->b, "	chain hairpin_snat {\n");
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		const struct cidr *net = fwd_snat_net(f);
		bool seen = false;
		char to[ADDR_STRLEN];
		struct portrange pr = fwd_target_ports(f);
		for (size_t k = 0; k < i && net && !seen; k++)
			seen = fwd_snat_net(&r->fwds[k]) && fwd_accept_same(&r->fwds[k], f);
		if (!net || seen)
			continue;
		addr_format(&f->to, to, sizeof(to));
		buf_puts(&o->b, "\t\toifname ");
		put_ifname(o, f->to_iface);
		buf_putc(&o->b, ' ');
		put_source(o, true, net);
		buf_printf(&o->b, "ip daddr %s ", to);
		put_fwd_proto(o, f, &pr);
		buf_puts(&o->b, "ct status dnat masquerade");
		put_origin(o, "", f->name, "", f->pos.line);
	}
	buf_puts(&o->b, "\t}\n");
}

/* The dstnat hook: the zone dispatch jumps to the zone's own chain (its
 * reverse-path check, force-dns, its forwards, the jumps to reflected
 * ones), so a new connection from the LAN costs one lookup however many
 * forwards the WAN has. Only a connection's first packet comes here. */
void put_nat(struct nft_out *o)
{
	const struct router *r = o->r;
	if (any_dnat(r)) {
		buf_puts(&o->b, "\tchain prerouting_nat {\n"
				"\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
		put_dispatch(o, "iifname", "dnat", zone_dnats);
		buf_puts(&o->b, "\t}\n\n");
		for (size_t z = 0; z < r->n_zones && zone_ok(o, &r->zones[z]); z++) {
			put_fwd_map(o, &r->zones[z], false);
			if (zone_dnats(r, &r->zones[z]))
				put_dnat_zone(o, &r->zones[z]);
		}
		for (size_t z = 0; z < r->n_zones && zone_ok(o, &r->zones[z]); z++) {
			if (!zone_is_reflected(r, &r->zones[z]))
				continue;
			put_fwd_map(o, &r->zones[z], true);
			put_reflect_chain(o, &r->zones[z]);
		}
		for (size_t z = 0; z < r->n_zones && zone_ok(o, &r->zones[z]); z++)
			put_fwd_chains(o, &r->zones[z]);
	}
	if (!nat_postrouting(r))
		return;
	buf_puts(&o->b, "\tchain postrouting_nat {\n"
			"\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
	/* A NAT chain runs once per connection, for its first packet, and
	 * only after every filter let that packet out: the place to note
	 * that a connection passed, free for the packets after it. First:
	 * the rules below end the chain with a verdict. */
	buf_printf(&o->b, "\t\tct mark set ct mark | %#x", NFT_PASSED_MARK);
	put_why(o, "this connection passed the filters (the forward chain's second rule)");
	if (any_reflect_snat(r)) {
		buf_puts(&o->b, "\t\tct status dnat jump hairpin_snat");
		put_why(o, "hairpin NAT: only connections our own DNAT rewrote");
	}
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++) {
		const struct zone *z = &r->zones[i];
		if (!z->masquerade || !z->n_ifaces)
			continue;
		put_ha_snat(o, z);
		/* IPv6 is routed, not translated. */
		buf_printf(&o->b, "\t\tmeta nfproto ipv4 oifname @zone_%s masquerade", z->name);
		put_origin(o, "zone ", z->name, ": masquerade", z->pos.line);
	}
	buf_puts(&o->b, "\t}\n");
	if (any_reflect_snat(r)) {
		buf_putc(&o->b, '\n');
		put_reflect_snat(o);
	}
}
