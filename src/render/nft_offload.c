/* Flowtable offload (`offload: software`): the flowtable `ft` over the
 * ports of the zones whose flows are offloaded, and the `flow add @ft`
 * rules at the top of the forward chain.
 *
 * Once a flow is in the flowtable, its packets are forwarded from the
 * ingress hook of the port they arrive on, straight to the neighbour:
 * they meet no prerouting, forward or postrouting chain. So:
 * - the rules match `ct state established` only: the first packets of a
 *   connection were judged by the zone policy, rules and port forwards
 *   before; the flowtable only shortens the path of what was accepted;
 * - they come after the zone counters, which therefore count a flow's
 *   packets up to the one that offloads it, and no more; the flowtable's
 *   `counter` keeps conntrack's per-flow counters going instead;
 * - bans still hold because a ban deletes the banned host's conntrack
 *   entries (system/conntrack.c), and the kernel's flowtable garbage
 *   collector (every second) then removes the flow: its next packets
 *   take the slow path again, where the ban table drops them;
 * - NAT (masquerade, port-forward DNAT) is applied by the fast path from
 *   the conntrack entry's NAT information, as the slow path would.
 * docs/render.md, "the forward path"; docs/router.yaml.md#offload. */
#include <stdio.h>
#include <string.h>

#include "render/nft_internal.h"

static bool link_present(const struct nft_out *o, const struct iface *p)
{
	if (!o->links)
		return true;
	for (size_t i = 0; i < o->links->n; i++)
		if (strcmp(o->links->names[i], p->name) == 0)
			return true;
	return false;
}

/* "{ "lan", "wan" }" of the offloaded ports that exist (all of them
 * without a list of links); false when there is none. */
static bool put_devices(struct nft_out *o, const struct nft_links *skip)
{
	const struct router *r = o->r;
	bool first = true;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *p = &r->ifaces[i];
		if (!iface_offloaded(r, p) || !link_present(o, p))
			continue;
		bool skipped = false;
		for (size_t k = 0; skip && k < skip->n; k++)
			skipped = skipped || strcmp(skip->names[k], p->name) == 0;
		if (skipped)
			continue;
		buf_puts(&o->b, first ? "{ " : ", ");
		first = false;
		put_ifname(o, p);
	}
	if (!first)
		buf_puts(&o->b, " }");
	return !first;
}

/* The kernel refuses a flowtable that names a device that does not
 * exist (ENOENT), so only the ports present now are listed; apply adds
 * those its ports step makes (VLANs, renamed links) right after it, and
 * the daemon those that appear later (render_nft_offload_add). A port
 * that goes away leaves the flowtable by itself. */
void put_flowtable(struct nft_out *o)
{
	if (!router_offloads(o->r))
		return;
	buf_puts(&o->b, "\tflowtable ft {\n\t\thook ingress priority filter\n");
	size_t mark = o->b.len;
	buf_puts(&o->b, "\t\tdevices = ");
	if (put_devices(o, NULL))
		buf_putc(&o->b, '\n');
	else
		o->b.len = mark; /* none present yet: a flowtable without devices */
	buf_puts(&o->b, "\t\tcounter\n\t}\n\n");
}

static size_t zone_ports(const struct router *r, const struct zone *z)
{
	size_t n = 0;
	for (size_t i = 0; i < z->n_ifaces; i++)
		n += iface_offloaded(r, z->ifaces[i]);
	return n;
}

/* `"lan" ` or `{ "lan", "lab" } `: the zone's ports in the flowtable. */
static void put_zone_ports(struct nft_out *o, const struct zone *z)
{
	size_t n = zone_ports(o->r, z), k = 0;
	if (n > 1)
		buf_puts(&o->b, "{ ");
	for (size_t i = 0; i < z->n_ifaces; i++) {
		if (!iface_offloaded(o->r, z->ifaces[i]))
			continue;
		if (k++)
			buf_puts(&o->b, ", ");
		put_ifname(o, z->ifaces[i]);
	}
	buf_puts(&o->b, n > 1 ? " } " : " ");
}

/* Both directions of every offloaded zone pair: an established flow is
 * offloaded by its next packet either way, so a download whose client
 * only acknowledges is offloaded as soon as a reply passes. The ports
 * are named, not the zone's set: only those in the flowtable. */
static void put_pair(struct nft_out *o, const struct zone *z, const struct zone *to, bool back)
{
	const struct zone *in = back ? to : z, *out = back ? z : to;
	char post[48];
	if (!zone_ports(o->r, z) || !zone_ports(o->r, to))
		return;
	snprintf(post, sizeof(post), ": offload to %s%s", to->name, back ? " (the other way)" : "");
	buf_puts(&o->b, "\t\tiifname ");
	put_zone_ports(o, in);
	buf_puts(&o->b, "oifname ");
	put_zone_ports(o, out);
	buf_puts(&o->b, "meta l4proto { tcp, udp } ct state established flow add @ft");
	put_origin(o, "zone ", z->name, post, z->offload_pos.line);
}

/* A pair named from both sides (lan forwards to dmz and dmz to lan) is
 * rendered once, by the zone that comes first. */
static bool pair_seen(const struct router *r, const struct zone *z, const struct zone *to)
{
	for (const struct zone *y = r->zones; y < z; y++)
		for (size_t k = 0; y->offload && k < y->n_forward; k++)
			if (y->offload[k] && ((y == to && y->forward[k] == z) ||
					      (y == z && y->forward[k] == to)))
				return true;
	return false;
}

void put_offload_rules(struct nft_out *o)
{
	const struct router *r = o->r;
	for (size_t i = 0; i < r->n_zones && zone_ok(o, &r->zones[i]); i++) {
		const struct zone *z = &r->zones[i];
		for (size_t k = 0; z->offload && k < z->n_forward; k++) {
			const struct zone *to = z->forward[k];
			if (!z->offload[k] || !zone_ok(o, to) || pair_seen(r, z, to))
				continue;
			put_pair(o, z, to, false);
			if (to != z)
				put_pair(o, z, to, true);
		}
	}
}

char *render_nft_offload_add(const struct router *r, const struct nft_links *now,
			     const struct nft_links *before)
{
	struct nft_out o = {BUF_INIT, r, NULL, false, now};
	if (router_offloads(r)) {
		buf_puts(&o.b, "add flowtable inet nftrouter ft { hook ingress priority filter; "
			       "devices = ");
		/* `counter` again: an update without it clears the flag. */
		if (put_devices(&o, before))
			buf_puts(&o.b, "; counter; }\n");
		else
			o.b.len = 0;
	}
	buf_putc(&o.b, '\0'); /* "" when there is nothing to add */
	if (o.bad || !o.b.s) {
		buf_free(&o.b);
		return NULL;
	}
	return buf_steal(&o.b);
}
