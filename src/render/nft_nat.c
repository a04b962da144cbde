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

/* Port forwards: the zone dispatch jumps to the zone's own DNAT chain,
 * so a new connection from a zone without forwards (the LAN's, towards
 * the internet) costs one lookup however many forwards the WAN has. */
void put_nat(struct nft_out *o)
{
	const struct router *r = o->r;
	if (r->n_fwds) {
		buf_puts(&o->b, "\tchain prerouting_nat {\n"
				"\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
		put_dispatch(o, "iifname", "dnat", zone_has_fwds);
		buf_puts(&o->b, "\t}\n\n");
		for (size_t z = 0; z < r->n_zones && zone_ok(o, &r->zones[z]); z++) {
			if (!zone_has_fwds(r, &r->zones[z]))
				continue;
			buf_printf(&o->b, "\tchain dnat_%s {\n", r->zones[z].name);
			for (size_t i = 0; i < r->n_fwds; i++)
				if (r->fwds[i].from == &r->zones[z])
					put_dnat(o, &r->fwds[i]);
			buf_puts(&o->b, "\t}\n\n");
		}
	}
	if (!any_masquerade(r))
		return;
	buf_puts(&o->b, "\tchain postrouting_nat {\n"
			"\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
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
