/* The fail-closed ruleset: what `nftrouter run` loads when its first
 * apply fails and no nftrouter table is loaded, so that a router whose
 * config or state is broken never forwards unfiltered. docs/run.md,
 * "Fail closed".
 *
 * It forwards nothing (established flows included: a router that could
 * not apply its config must not pass traffic it was never told to) and
 * accepts as input only loopback, replies to the router's own
 * connections, neighbour discovery and admin access: new TCP connections
 * to the ssh service's port exactly as the config would accept them
 * (src/model/reach.c asks the same question for the lockout guard): its
 * to-router rules in config order narrowed to that port, the zone's
 * `ssh` service and an `input: accept` zone. No NAT, no logging. */
#include <stdlib.h>
#include <string.h>

#include "render/nft_internal.h"

/* The `ssh` service's port (model/zone.c): admin access is SSH. */
#define ADMIN_PORT 22

static bool ports_have(const struct ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].lo <= port && port <= p->v[i].hi)
			return true;
	return false;
}

/* A to-router rule that can decide a new TCP connection to port. */
static bool rule_decides(const struct rule *ru, uint16_t port)
{
	if (ru->to)
		return false;
	if (ru->tcp.n == 0 && ru->udp.n == 0)
		return true; /* any protocol */
	return ports_have(&ru->tcp, port);
}

static void put_admin_rule(struct nft_out *o, const struct rule *ru, uint16_t port)
{
	buf_puts(&o->b, "\t\t");
	if (ru->iface) {
		buf_puts(&o->b, "iifname ");
		put_ifname(o, ru->iface);
		buf_putc(&o->b, ' ');
	}
	put_source(o, ru->has_source, &ru->source);
	buf_printf(&o->b, "tcp dport %u ", port);
	put_verdict(o, ru->action);
	put_origin(o, "fail-closed: ", ru->name, "", ru->pos.line);
}

static bool zone_opens(const struct zone *z, uint16_t port)
{
	if (z->input == VERDICT_ACCEPT)
		return true;
	for (size_t i = 0; i < z->n_services; i++)
		for (size_t j = 0; j < 4 && z->services[i]->tcp[j]; j++)
			if (z->services[i]->tcp[j] == port)
				return true;
	return false;
}

/* Can anything in zone z accept a new connection to port? */
static bool zone_admin(const struct router *r, const struct zone *z, uint16_t port)
{
	bool any = zone_opens(z, port);
	for (size_t i = 0; i < r->n_rules && !any; i++)
		any = r->rules[i].from == z && rule_decides(&r->rules[i], port) &&
		      r->rules[i].action == VERDICT_ACCEPT;
	return any && z->n_ifaces;
}

/* One chain per zone with admin access, reached by its interfaces. */
static void put_admin_zone(struct nft_out *o, const struct zone *z, uint16_t port)
{
	const struct router *r = o->r;
	if (!zone_admin(r, z, port))
		return;
	buf_printf(&o->b, "\tchain admin_%s {\n", z->name);
	for (size_t i = 0; i < r->n_rules; i++)
		if (r->rules[i].from == z && rule_decides(&r->rules[i], port))
			put_admin_rule(o, &r->rules[i], port);
	if (zone_opens(z, port)) {
		buf_printf(&o->b, "\t\ttcp dport %u accept", port);
		put_origin(o, "fail-closed: zone ", z->name,
			   z->input == VERDICT_ACCEPT ? ": input accept" : ": services", z->pos.line);
	}
	buf_puts(&o->b, "\t}\n\n");
}

static void put_admin_dispatch(struct nft_out *o, uint16_t port)
{
	const struct router *r = o->r;
	for (size_t i = 0; r && i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];
		if (!zone_ok(o, z))
			return;
		if (!zone_admin(r, z, port))
			continue;
		buf_puts(&o->b, "\t\tiifname { ");
		for (size_t j = 0; j < z->n_ifaces; j++) {
			if (j)
				buf_puts(&o->b, ", ");
			put_ifname_elems(o, z->ifaces[j]);
		}
		buf_printf(&o->b, " } jump admin_%s", z->name);
		put_origin(o, "fail-closed: zone ", z->name, ": admin access", z->pos.line);
	}
}

char *render_nft_failsafe(const struct router *r)
{
	struct nft_out o = {BUF_INIT, r, NULL, false, NULL};
	const uint16_t port = ADMIN_PORT;
	if (r && r->file_base && str_quotable(r->file_base, 40))
		o.file = r->file_base;
	buf_puts(&o.b, "#!/usr/sbin/nft -f\n"
		       "# nftrouter's fail-closed ruleset: the config could not be applied.\n"
		       "# Nothing is forwarded; input is loopback, replies, neighbour discovery\n"
		       "# and the admin access (ssh) the config allows. Replaced by the next\n"
		       "# successful apply or reload.\n\n"
		       "table inet nftrouter\ndelete table inet nftrouter\n\n"
		       "table inet nftrouter {\n"
		       "\tchain input {\n"
		       "\t\ttype filter hook input priority filter; policy drop;\n"
		       "\t\tiifname \"lo\" accept");
	put_why(&o, "fail-closed: the router talking to itself");
	buf_puts(&o.b, "\t\tct state established,related accept");
	put_why(&o, "fail-closed: replies and admin sessions already open");
	buf_puts(&o.b, "\t\tct state invalid drop");
	put_why(&o, "fail-closed: not part of any connection");
	buf_puts(&o.b, "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } "
		       "ip6 hoplimit 255 accept");
	put_why(&o, "fail-closed: IPv6 neighbour discovery, on-link only");
	put_admin_dispatch(&o, port);
	buf_puts(&o.b, "\t}\n\n");
	for (size_t i = 0; r && i < r->n_zones && zone_ok(&o, &r->zones[i]); i++)
		put_admin_zone(&o, &r->zones[i], port);
	buf_puts(&o.b, "\tchain forward {\n"
		       "\t\ttype filter hook forward priority filter; policy drop;\n"
		       "\t\tcounter drop");
	put_why(&o, "fail-closed: the config could not be applied, nothing is forwarded");
	buf_puts(&o.b, "\t}\n}\n");
	if (o.bad) {
		buf_free(&o.b);
		return NULL;
	}
	return buf_steal(&o.b);
}
