/* The firewall's part of `ha:` (docs/ha.md): VRRP and conntrackd's sync
 * accepted from the peer on the sync port only, and source NAT to the
 * virtual address of a masquerading port, so that a connection keeps its
 * source address when the other router takes it over (masquerade would
 * pick each router's own address). */
#include "render/nft_internal.h"

void put_ha_input(struct nft_out *o)
{
	const struct ha_cfg *h = &o->r->ha;
	char peer[ADDR_STRLEN];
	if (!h->on)
		return;
	addr_format(&h->peer, peer, sizeof(peer));
	buf_puts(&o->b, "\t\tiifname ");
	put_ifname(o, h->sync);
	/* 112, not `vrrp`: nft resolves names through /etc/protocols, which
	 * a minimal Debian (no netbase) lacks, and the load fails there. */
	buf_printf(&o->b, " ip saddr %s ip protocol 112 accept", peer);
	put_origin(o, "ha: ", "vrrp", " from the peer", h->pos.line);
	buf_puts(&o->b, "\t\tiifname ");
	put_ifname(o, h->sync);
	buf_printf(&o->b, " ip saddr %s udp dport %d accept", peer, HA_CONNTRACKD_PORT);
	put_origin(o, "ha: ", "conntrackd", " sync from the peer", h->pos.line);
}

/* Before the zone's masquerade: what a port with a virtual address sends
 * on behalf of others leaves with the virtual address. The router's own
 * traffic keeps its own address (the backup holds no virtual one). */
void put_ha_snat(struct nft_out *o, const struct zone *z)
{
	const struct router *r = o->r;
	char a[ADDR_STRLEN];
	for (size_t i = 0; i < z->n_ifaces; i++) {
		const struct iface *p = z->ifaces[i];
		const struct cidr *v = ha_virtual_of(r, p);
		if (!v)
			continue;
		buf_puts(&o->b, "\t\tmeta nfproto ipv4 oifname ");
		put_ifname(o, p);
		buf_puts(&o->b, " ip saddr != { ");
		for (size_t k = 0; k < p->n_addrs; k++) {
			addr_format(&p->addrs[k].addr, a, sizeof(a));
			buf_printf(&o->b, "%s%s", k ? ", " : "", a);
		}
		addr_format(&v->addr, a, sizeof(a));
		buf_printf(&o->b, " } snat ip to %s", a);
		for (size_t k = 0; k < r->ha.n_virt; k++)
			if (r->ha.virt[k].iface == p)
				put_origin(o, "ha: virtual ", p->name, " (not masquerade)",
					   r->ha.virt[k].pos.line);
	}
}
