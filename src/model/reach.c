#include "model/reach.h"

#include <stdio.h>
#include <string.h>

static const char *base(const struct router *r)
{
	return r->file_base ? r->file_base : "router.yaml";
}

static bool ports_hold(const struct ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].lo <= port && port <= p->v[i].hi)
			return true;
	return false;
}

/* `ip saddr 10.0.0.0/8` never matches an IPv6 packet, and the reverse. */
static bool source_holds(bool has, const struct cidr *c, const struct ipaddr *a)
{
	if (!has)
		return true;
	return c->addr.family == a->family && cidr_contains(c, a);
}

static const struct iface *find_iface(const struct router *r, const char *name)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (strcmp(r->ifaces[i].name, name) == 0)
			return &r->ifaces[i];
	return NULL;
}

/* A port forward from this zone catching the port sends the connection
 * on to the target (prerouting_nat runs before input): it never reaches
 * the router. `dnat ip` applies to IPv4 packets only, `dnat ip6` to IPv6. */
static const struct portfwd *dnat_catches(const struct router *r, const struct zone *z,
					  const struct reach_query *q)
{
	for (size_t i = 0; i < r->n_fwds; i++) {
		const struct portfwd *f = &r->fwds[i];
		if (f->from != z || !f->tcp || f->to.family != q->client.family)
			continue;
		if (q->port < f->ext.lo || q->port > f->ext.hi)
			continue;
		if (!source_holds(f->has_source, &f->source, &q->client))
			continue;
		return f;
	}
	return NULL;
}

static bool rule_matches(const struct rule *ru, const struct zone *z, const struct iface *in,
			 const struct reach_query *q)
{
	if (ru->from != z || ru->to != NULL)
		return false;
	if (ru->iface && ru->iface != in)
		return false;
	if (!source_holds(ru->has_source, &ru->source, &q->client))
		return false;
	if (ru->tcp.n == 0 && ru->udp.n == 0)
		return true; /* any protocol */
	return ports_hold(&ru->tcp, q->port);
}

static bool service_opens(const struct zone *z, uint16_t port, const struct service **svc)
{
	for (size_t i = 0; i < z->n_services; i++)
		for (size_t j = 0; j < 4 && z->services[i]->tcp[j]; j++)
			if (z->services[i]->tcp[j] == port) {
				*svc = z->services[i];
				return true;
			}
	return false;
}

void reach_tcp_input(const struct router *r, const struct reach_query *q,
		     struct reach_result *res)
{
	res->accepted = false;
	if (strcmp(q->iface, "lo") == 0) {
		res->accepted = true;
		snprintf(res->why, sizeof(res->why), "loopback is always accepted");
		return;
	}
	const struct iface *in = find_iface(r, q->iface);
	if (!in || !in->zone) {
		snprintf(res->why, sizeof(res->why),
			 "interface '%s' is in no zone: the input chain's policy drop", q->iface);
		return;
	}
	const struct zone *z = in->zone;
	const struct portfwd *f = dnat_catches(r, z, q);
	if (f) {
		snprintf(res->why, sizeof(res->why),
			 "port forward '%s' (%s:%d) sends TCP port %u from zone '%s' elsewhere",
			 f->name, base(r), f->pos.line, q->port, z->name);
		return;
	}
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct rule *ru = &r->rules[i];
		if (!rule_matches(ru, z, in, q))
			continue;
		res->accepted = ru->action == VERDICT_ACCEPT;
		snprintf(res->why, sizeof(res->why), "rule '%s' action %s (%s:%d)", ru->name,
			 verdict_name(ru->action), base(r), ru->pos.line);
		return;
	}
	const struct service *svc = NULL;
	if (service_opens(z, q->port, &svc)) {
		res->accepted = true;
		snprintf(res->why, sizeof(res->why), "zone '%s' service '%s' (%s:%d)", z->name,
			 svc->name, base(r), z->pos.line);
		return;
	}
	res->accepted = z->input == VERDICT_ACCEPT;
	snprintf(res->why, sizeof(res->why), "zone '%s' input policy %s (%s:%d)", z->name,
		 verdict_name(z->input), base(r), z->pos.line);
}
