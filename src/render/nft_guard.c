/* Hardening of the `inet nftrouter` table that no config line asks for
 * (against a hostile ISP or LAN client), each on by default and documented in docs/render.md: new TCP
 * must be a SYN, the reverse-path check per zone, and the per-MAC DHCP
 * limit of dhcp.PORT.client-rate. Everything here meets only a
 * connection's first packets: the ct rules above it accept the rest. */
#include <string.h>

#include "render/nft_internal.h"

/* Below the ct rules only a connection's first packets remain. Conntrack
 * takes up a TCP connection from any packet (nf_conntrack_tcp_loose), so a
 * bare ACK from the ISP was DNATed and delivered to a LAN host; here a new
 * connection must start with a SYN (ECN bits allowed). In the base chain,
 * so input, forwarded and DNATed traffic all meet it once. */
void put_new_tcp(struct nft_out *o)
{
	buf_puts(&o->b, "\t\ttcp flags & (fin | syn | rst | ack) != syn drop");
	put_why(o, "a new TCP connection starts with a SYN");
}

/* Reverse-path check: the route back to a new connection's source must
 * leave through a port of the zone it came in from, so the ISP cannot send
 * with LAN addresses and a LAN host cannot send with a made-up source.
 * Per zone rather than per port (`fib saddr . iif oif missing` would be):
 * a zone with two WANs gets its internet traffic on both while only one
 * holds the preferred default route, and that must pass. First in the
 * zone's dstnat chain (render/nft_nat.c): before routing, so traffic to
 * the router and through it meet it alike, and NAT chains see only a
 * connection's first packet, so one route lookup per connection, not one
 * per packet of a flow that never gets a reply (measured, docs/render.md).
 * A forged packet never confirms its connection and meets it every time.
 * A zone opts out with rp-filter: false (asymmetric routing between
 * zones). DHCP's 0.0.0.0 to broadcast and IPv6 link-local sources come
 * back as the port they came in on (the kernel's fib expression). No
 * route back at all gives no name, which is no port of the zone: drop. */
void put_rp_filter(struct nft_out *o, const struct zone *z)
{
	if (!z->rp_filter || !z->n_ifaces)
		return;
	buf_puts(&o->b, "\t\tfib saddr oifname != ");
	put_zone_links(o, z);
	buf_puts(&o->b, " drop");
	put_origin(o, "zone ", z->name, ": rp-filter", z->pos.line);
}

/* dhcp.PORT.client-rate: DHCP packets per client MAC (the frame's source),
 * counted in a dynamic set so that one client cannot take the range in a
 * second (unlimited, one client took 240 of 241 leases in 1.7 s). The bucket lives as long
 * as the client keeps sending, plus one rate unit. A client that forges
 * the frame's source MAC too gets a fresh bucket per frame; that needs
 * switch port security, no router can tell. A full set stops limiting new
 * MACs (the add fails and the packet goes on): it fails open. */
static const char *dhcp_timeout(const struct rate *rt)
{
	return strcmp(rt->unit, "day") == 0 ? "1d" : strcmp(rt->unit, "hour") == 0 ? "1h" : "1m";
}

void put_dhcp_sets(struct nft_out *o)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_dhcps; i++) {
		const struct dhcp *h = &r->dhcps[i];
		if (!h->iface || !h->client_rate.count || !ifname_valid(h->iface->name))
			continue;
		buf_printf(&o->b,
			   "\tset dhcp_%s {\n\t\ttype ether_addr\n\t\tsize 4096\n"
			   "\t\tflags dynamic,timeout\n\t\ttimeout %s\n",
			   h->iface->name, dhcp_timeout(&h->client_rate));
		buf_printf(&o->b, "\t\tcomment \"DHCP clients of %s, per MAC ", h->iface->name);
		put_where(o, h->pos.line);
		buf_puts(&o->b, "\"\n\t}\n\n");
	}
}

void put_dhcp_limit(struct nft_out *o, const struct zone *z)
{
	for (size_t i = 0; i < z->n_ifaces; i++) {
		const struct dhcp *h = z->ifaces[i]->dhcp;
		if (!h || !h->client_rate.count)
			continue;
		buf_puts(&o->b, "\t\tiifname ");
		put_ifname(o, h->iface);
		buf_printf(&o->b,
			   " udp dport 67 update @dhcp_%s { ether saddr limit rate over %u/%s "
			   "burst 5 packets } drop",
			   h->iface->name, h->client_rate.count, h->client_rate.unit);
		put_origin(o, "dhcp ", h->iface->name, ": client-rate", h->pos.line);
	}
}

/* block-dot: DNS over TLS (tcp/853) and over QUIC (udp/853) out of the
 * zone are refused, so a client falls back to plain DNS, which force-dns
 * sends to the router. Refused rather than dropped: a client that is told
 * at once falls back at once. DNS over HTTPS (443) cannot be told from
 * other HTTPS by port. */
void put_block_dot(struct nft_out *o, const struct zone *z)
{
	if (!z->block_dot)
		return;
	buf_puts(&o->b, "\t\ttcp dport 853 reject with tcp reset");
	put_origin(o, "zone ", z->name, ": block-dot", z->pos.line);
	buf_puts(&o->b, "\t\tudp dport 853 reject with icmpx type admin-prohibited");
	put_origin(o, "zone ", z->name, ": block-dot", z->pos.line);
}
