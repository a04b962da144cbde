/* The NAT half of the `inet nftrouter` table: port forwards (DNAT in
 * per-zone chains, and the forward accept that goes with each) and
 * masquerading. Split from render/nft.c, which calls put_nat() and
 * put_fwd_accept(); why the chains look as they do: docs/render.md. */
#include <string.h>

#include "render/nft_internal.h"

static bool any_masquerade(const struct router *r)
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
void put_fwd_accept(struct nft_out *o, const struct portfwd *f)
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
	buf_printf(&o->b, "\tchain reflect_%s {\n", z->name);
	put_reflect_skip(o, z);
	buf_puts(&o->b, "\t\tfib daddr type != local return");
	put_why(o, "hairpin NAT: only what is addressed to the router");
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (f->from == z && f->reflection)
			put_dnat(o, f);
	}
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
	for (size_t i = 0; i < r->n_fwds; i++)
		if (r->fwds[i].from == y)
			put_dnat(o, &r->fwds[i]);
	for (size_t z = 0; z < r->n_zones; z++) {
		if (!zone_reflects_into(r, y, &r->zones[z]))
			continue;
		buf_printf(&o->b, "\t\tmeta nfproto ipv4 jump reflect_%s", r->zones[z].name);
		put_why(o, "hairpin NAT: forwards through the router's address");
	}
	buf_puts(&o->b, "\t}\n\n");
}

/* Client and server in one subnet: without source NAT the server would
 * answer the client directly, from an address the client never spoke
 * to. So the connection takes the router's address on that port, and the
 * server sees the router as the client (documented). Clients of other
 * subnets keep their address: their replies route back through the
 * router anyway. */
static void put_reflect_snat(struct nft_out *o)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		const struct iface *ifc = f->to_iface;
		if (!ifc || !ifc->zone || !fwd_reflects_to(f, ifc->zone))
			continue;
		for (size_t a = 0; a < ifc->n_addrs; a++) {
			char to[ADDR_STRLEN];
			struct portrange pr = fwd_target_ports(f);
			if (!cidr_contains(&ifc->addrs[a], &f->to))
				continue;
			addr_format(&f->to, to, sizeof(to));
			buf_puts(&o->b, "\t\toifname ");
			put_ifname(o, ifc);
			buf_putc(&o->b, ' ');
			put_source(o, true, &ifc->addrs[a]);
			buf_printf(&o->b, "ip daddr %s ", to);
			put_fwd_proto(o, f, &pr);
			buf_puts(&o->b, "ct status dnat masquerade");
			put_origin(o, "", f->name, "", f->pos.line);
			break;
		}
	}
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
		for (size_t z = 0; z < r->n_zones && zone_ok(o, &r->zones[z]); z++)
			if (zone_dnats(r, &r->zones[z]))
				put_dnat_zone(o, &r->zones[z]);
		for (size_t z = 0; z < r->n_zones && zone_ok(o, &r->zones[z]); z++)
			if (zone_is_reflected(r, &r->zones[z]))
				put_reflect_chain(o, &r->zones[z]);
	}
	if (!any_masquerade(r))
		return;
	buf_puts(&o->b, "\tchain postrouting_nat {\n"
			"\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
	put_reflect_snat(o);
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++) {
		const struct zone *z = &r->zones[i];
		if (!z->masquerade || !z->n_ifaces)
			continue;
		/* IPv6 is routed, not translated. */
		buf_printf(&o->b, "\t\tmeta nfproto ipv4 oifname @zone_%s masquerade", z->name);
		put_origin(o, "zone ", z->name, ": masquerade", z->pos.line);
	}
	buf_puts(&o->b, "\t}\n");
}
