/* The consistency pass: checks that need the whole router, run after
 * every section is built (pfctl's rule_consistent, in spirit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/internal.h"

static void check_ifaces(struct router *r, struct diags *d, bool have_zones)
{
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *a = &r->ifaces[i];
		if (!a->name[0] || a->bridge)
			continue;
		if (have_zones && !a->zone)
			diag_error(d, a->pos,
				   "interface '%s' is in no zone; add it to one zone's interfaces",
				   a->name);
	}
}

/* A DHCP server its own firewall cannot hear (the hand-made guide nftrouter
 * started from had exactly this bug; examples/seed.yaml says where). */
static void check_dhcp(struct router *r, struct diags *d)
{
	for (size_t i = 0; i < r->n_dhcps; i++) {
		const struct dhcp *h = &r->dhcps[i];
		if (!h->iface || !h->iface->zone || zone_has_service(h->iface->zone, "dhcp"))
			continue;
		diag_error(d, h->pos,
			   "dhcp '%s': zone '%s' does not open the dhcp service, so the router's "
			   "own firewall would drop the requests; add dhcp to its services",
			   h->iface->name, h->iface->zone->name);
	}
}

/* Serving DNS needs somewhere to forward to; the position is the "dns"
 * item of the zone's services list. */
static void check_dns(const struct cfg_node *root, struct router *r, struct diags *d)
{
	bool served = false;
	for (size_t i = 0; i < r->n_zones; i++)
		served |= zone_has_service(&r->zones[i], "dns");
	/* Lists that answer no one: said, not refused (a zone may open dns later). */
	if (r->dns.n_blocklists && !served)
		diag_warn(d, r->dns.blocklists[0].pos,
			  "dns: blocklists: no zone opens dns, so no client asks the router; "
			  "the lists have no effect");
	/* Upstreams written but malformed were reported where they are. */
	if (r->dns.n_upstream || cfg_map_get(cfg_map_get(root, "dns"), "upstream"))
		return;
	const struct cfg_node *zones = cfg_map_get(root, "zones");
	for (size_t i = 0; i < r->n_zones; i++) {
		if (!zone_has_service(&r->zones[i], "dns"))
			continue;
		const struct cfg_node *svc =
		    cfg_map_get(cfg_map_get(zones, r->zones[i].name), "services");
		struct pos at = r->zones[i].pos;
		for (size_t k = 0; svc && svc->kind == CFG_SEQ && k < svc->n; k++)
			if (svc->val[k]->kind == CFG_SCALAR && strcmp(svc->val[k]->str, "dns") == 0)
				at = svc->val[k]->pos;
		if (svc && svc->kind == CFG_SCALAR)
			at = svc->pos;
		diag_error(d, at,
			   "zone '%s': serves dns but dns.upstream is empty; add upstream "
			   "servers under dns:",
			   r->zones[i].name);
	}
}

static int host_cmp(const void *a, const void *b)
{
	const struct dhcp_host *x = *(const struct dhcp_host *const *)a;
	const struct dhcp_host *y = *(const struct dhcp_host *const *)b;
	int c = strcasecmp(x->name, y->name);
	if (c)
		return c;
	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	return x->pos.col < y->pos.col ? -1 : x->pos.col > y->pos.col;
}

/* Host names become NAME.DOMAIN in one DNS zone, whichever port they are
 * on; the router's own name is one of them. Sorted, so a file with many
 * hosts costs n log n. */
static void check_host_names(struct router *r, struct diags *d)
{
	size_t total = 0, n = 0;
	for (size_t i = 0; i < r->n_dhcps; i++)
		total += r->dhcps[i].n_hosts;
	const struct dhcp_host **v = calloc(total ? total : 1, sizeof(*v));
	if (!v) {
		diag_error(d, (struct pos){r->file, 0, 0}, "out of memory");
		return;
	}
	for (size_t i = 0; i < r->n_dhcps; i++) {
		for (size_t k = 0; k < r->dhcps[i].n_hosts; k++) {
			const struct dhcp_host *h = &r->dhcps[i].hosts[k];
			if (!h->name[0])
				continue;
			if (strcasecmp(h->name, r->hostname) == 0)
				diag_error(d, h->pos, "dhcp host '%s': the router's own hostname",
					   h->name);
			else
				v[n++] = h;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), host_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcasecmp(v[i]->name, v[first]->name) != 0) {
			first = i;
			continue;
		}
		diag_error(d, v[i]->pos, "dhcp host '%s': name already used (line %d)", v[i]->name,
			   v[first]->pos.line);
	}
	free(v);
}

static bool ranges_overlap(struct portrange a, struct portrange b)
{
	return a.lo <= b.hi && b.lo <= a.hi;
}

static void check_names(struct router *r, struct diags *d)
{
	for (size_t i = 0; i < r->n_rules; i++)
		for (size_t k = 0; k < i && r->rules[i].name[0]; k++)
			if (strcmp(r->rules[i].name, r->rules[k].name) == 0)
				diag_error(d, r->rules[i].pos,
					   "rule '%s': name used twice (line %d)", r->rules[i].name,
					   r->rules[k].pos.line);
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		for (size_t k = 0; k < i && f->name[0]; k++) {
			const struct portfwd *g = &r->fwds[k];
			if (strcmp(f->name, g->name) == 0)
				diag_error(d, f->pos,
					   "port-forward '%s': name used twice (line %d)", f->name,
					   g->pos.line);
			else if (f->from && f->from == g->from &&
				 ((f->tcp && g->tcp) || (f->udp && g->udp)) &&
				 ranges_overlap(f->ext, g->ext) && !f->has_source && !g->has_source)
				diag_error(
				    d, f->pos,
				    "port-forward '%s': its ports overlap port-forward '%s' from "
				    "the same zone",
				    f->name, g->name);
		}
	}
}

static bool ports_hit(const struct ports *p, struct portrange r)
{
	for (size_t i = 0; i < p->n; i++)
		if (ranges_overlap(p->v[i], r))
			return true;
	return false;
}

static bool service_hit(const uint16_t *ports, struct portrange r)
{
	for (size_t i = 0; i < 4 && ports[i]; i++)
		if (r.lo <= ports[i] && ports[i] <= r.hi)
			return true;
	return false;
}

/* Valid, but probably not what was meant: DNAT happens before the input
 * chain, so a forwarded port hides the router's own service on it. */
static void warn_shadowed(struct router *r, struct diags *d)
{
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (!f->from)
			continue;
		for (size_t k = 0; k < r->n_rules; k++) {
			const struct rule *ru = &r->rules[k];
			if (ru->from != f->from || ru->to || ru->action != VERDICT_ACCEPT)
				continue;
			if ((f->tcp && ports_hit(&ru->tcp, f->ext)) ||
			    (f->udp && ports_hit(&ru->udp, f->ext)))
				diag_warn(
				    d, f->pos,
				    "port-forward '%s': hides rule '%s' (line %d): the forward "
				    "takes those ports before the router sees them",
				    f->name, ru->name, ru->pos.line);
		}
		for (size_t k = 0; k < f->from->n_services; k++) {
			const struct service *svc = f->from->services[k];
			if ((f->tcp && service_hit(svc->tcp, f->ext)) ||
			    (f->udp && service_hit(svc->udp, f->ext)))
				diag_warn(d, f->pos,
					  "port-forward '%s': hides service '%s' of zone '%s': the "
					  "forward takes those ports before the router sees them",
					  f->name, svc->name, f->from->name);
		}
	}
	for (size_t i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];
		if (z->masquerade && z->input == VERDICT_ACCEPT)
			diag_warn(d, z->pos,
				  "zone '%s': input accept on a masquerading (outside) zone opens "
				  "every port of the router to it",
				  z->name);
	}
}

void router_check(const struct cfg_node *root, struct router *r, struct diags *d)
{
	/* A zone whose name was refused may well have held the interface. */
	bool zones_ok = cfg_map_get(root, "zones") && r->n_zones;
	for (size_t i = 0; i < r->n_zones; i++)
		zones_ok = zones_ok && r->zones[i].name[0];
	check_ifaces(r, d, zones_ok);
	check_dhcp(r, d);
	wg_check(root, r, d);
	ipv6_check(root, r, d);
	check_dns(root, r, d);
	check_names(r, d);
	check_host_names(r, d);
	warn_shadowed(r, d);
	shaping_check(r, d);
}
