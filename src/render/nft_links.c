/* The ruleset's names for a port's links: a PPPoE port's traffic passes
 * its session's link (ppp0), not the Ethernet port the session runs on,
 * so wherever the ruleset names such a port it names both; and the MSS
 * clamp its smaller MTU needs (docs/router.yaml.md, "PPPoE WAN"). */
#include "render/nft_internal.h"

size_t iface_links(const struct iface *i, const char *out[IFACE_LINKS_MAX])
{
	out[0] = i->name;
	if (!i->pppoe || !i->pppoe->ifname[0])
		return 1;
	out[1] = i->pppoe->ifname;
	return 2;
}

void put_linkname(struct nft_out *o, const char *name)
{
	if (!ifname_valid(name)) {
		o->bad = true;
		return;
	}
	buf_printf(&o->b, "\"%s\"", name);
}

/* A PPPoE port's traffic passes its session's link, not the port's own:
 * wherever the ruleset names the port, it names both (docs/router.yaml.md, "PPPoE WAN"). */
void put_ifname(struct nft_out *o, const struct iface *i)
{
	const char *l[IFACE_LINKS_MAX];
	size_t n = iface_links(i, l);
	if (n > 1)
		buf_puts(&o->b, "{ ");
	put_ifname_elems(o, i);
	if (n > 1)
		buf_puts(&o->b, " }");
}

void put_ifname_elems(struct nft_out *o, const struct iface *i)
{
	const char *l[IFACE_LINKS_MAX];
	size_t n = iface_links(i, l);
	for (size_t k = 0; k < n; k++) {
		if (k)
			buf_puts(&o->b, ", ");
		put_linkname(o, l[k]);
	}
}

/* Every link of a zone's ports, as one name or an anonymous set. */
void put_zone_links(struct nft_out *o, const struct zone *z)
{
	const char *l[IFACE_LINKS_MAX];
	size_t n = 0;
	for (size_t i = 0; i < z->n_ifaces; i++)
		n += iface_links(z->ifaces[i], l);
	if (n > 1)
		buf_puts(&o->b, "{ ");
	for (size_t i = 0; i < z->n_ifaces; i++) {
		if (i)
			buf_puts(&o->b, ", ");
		put_ifname_elems(o, z->ifaces[i]);
	}
	if (n > 1)
		buf_puts(&o->b, " }");
}

/* A PPPoE session's MTU (1492) is below the LAN's: a SYN leaving through
 * it gets its MSS lowered to what the route's MTU allows, so the far end
 * never sends segments that need fragments or an ICMP error that a
 * firewall on the way may drop. Before the ct rule: a SYN is new, but
 * this must not depend on where the zone chains accept it. One compare
 * per forwarded packet, only with a PPPoE port. */
void put_mss_clamp(struct nft_out *o)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *p = &r->ifaces[i];
		if (!p->pppoe || !ifname_valid(p->pppoe->ifname))
			continue;
		buf_printf(&o->b,
			   "\t\toifname \"%s\" tcp flags syn / syn,rst tcp option maxseg size set "
			   "rt mtu",
			   p->pppoe->ifname);
		put_origin(o, "interface ", p->name, ": pppoe: MSS clamped to the route's MTU",
			   p->pppoe->pos.line);
	}
}
