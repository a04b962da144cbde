/* zones: interfaces grouped under one policy; the built-in services and
 * the ICMP type names they may open. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

static const char *const zone_keys[] = {"interfaces", "input",	   "services",	"forward",
					"masquerade", "icmp",	   "icmp-rate", "counters",
					"rp-filter",  "force-dns", "block-dot", "log", "offload", NULL};

/* What `services: [NAME]` opens on the router. Documented in
 * docs/router.yaml.md; keep both in step. */
/* clang-format off */
static const struct service services[] = {
	{"ssh", {22}, {0}},
	{"dns", {53}, {53}},
	{"dns-tls", {853}, {0}},
	{"dhcp", {0}, {67}},
	{"dhcpv6", {0}, {547}},
	{"http", {80}, {0}},
	{"https", {443}, {443}},
	{"ntp", {0}, {123}},
	{"tftp", {0}, {69}},
	{"snmp", {0}, {161}},
	{"syslog", {0}, {514}},
	{"mdns", {0}, {5353}},
	{"wireguard", {0}, {51820}},
	{"iperf3", {5201}, {5201}},
};
/* clang-format on */

/* "ssh, dns, ...": the names in the table, for the unknown-service
 * message (written from the table, so it never lists one that is gone). */
static const char *service_names(char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", services[i].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return out;
}

const struct service *service_find(const char *name)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(services[i].name, name) == 0)
			return &services[i];
	return NULL;
}

/* ICMP and ICMPv6 type names exactly as nft spells them. A name both
 * families know (destination-unreachable) opens both. */
/* clang-format off */
static const struct icmp_name {
	const char *name;
	bool v4, v6;
} icmp_names[] = {
	{"echo-reply", true, true},
	{"destination-unreachable", true, true},
	{"source-quench", true, false},
	{"redirect", true, false},
	{"echo-request", true, true},
	{"router-advertisement", true, false},
	{"router-solicitation", true, false},
	{"time-exceeded", true, true},
	{"parameter-problem", true, true},
	{"timestamp-request", true, false},
	{"timestamp-reply", true, false},
	{"info-request", true, false},
	{"info-reply", true, false},
	{"address-mask-request", true, false},
	{"address-mask-reply", true, false},
	{"packet-too-big", false, true},
	{"mld-listener-query", false, true},
	{"mld-listener-report", false, true},
	{"mld-listener-done", false, true},
	{"mld2-listener-report", false, true},
	{"nd-router-solicit", false, true},
	{"nd-router-advert", false, true},
	{"nd-neighbor-solicit", false, true},
	{"nd-neighbor-advert", false, true},
	{"nd-redirect", false, true},
	{"router-renumbering", false, true},
	{"ind-neighbor-solicit", false, true},
	{"ind-neighbor-advert", false, true},
};
/* clang-format on */

#define N_ICMP (sizeof(icmp_names) / sizeof(icmp_names[0]))

static const struct icmp_name *icmp_find(const char *name)
{
	for (size_t i = 0; i < N_ICMP; i++)
		if (strcmp(icmp_names[i].name, name) == 0)
			return &icmp_names[i];
	return NULL;
}

/* Without `icmp:`, a zone accepts what keeps IPv4 and IPv6 working (path
 * MTU discovery, neighbour discovery, error reports); a zone that does not
 * masquerade (an inside zone) also accepts ping. */
static const char *const icmp_default_all[] = {
    "destination-unreachable", "time-exceeded",	     "parameter-problem", "packet-too-big",
    "nd-neighbor-solicit",     "nd-neighbor-advert", "nd-router-advert",  NULL};
static const char *const icmp_default_inside[] = {"echo-request", "nd-router-solicit", NULL};

static int icmp_add(struct zone *z, const char *name)
{
	const struct icmp_name *e = icmp_find(name);
	if (!e)
		return -ENOENT;
	if (e->v4)
		z->icmp[z->n_icmp++] = e->name;
	if (e->v6)
		z->icmpv6[z->n_icmpv6++] = e->name;
	return 0;
}

static int icmp_alloc(struct zone *z, size_t n)
{
	z->icmp = calloc(n ? n : 1, sizeof(*z->icmp));
	z->icmpv6 = calloc(n ? n : 1, sizeof(*z->icmpv6));
	return z->icmp && z->icmpv6 ? 0 : -ENOMEM;
}

static int icmp_build(struct diags *d, const struct cfg_node *n, struct zone *z, const char *what)
{
	char w[WHAT_MAX];
	what_join(w, what, "icmp");
	if (!n) {
		size_t total = sizeof(icmp_default_all) / sizeof(icmp_default_all[0]) +
			       sizeof(icmp_default_inside) / sizeof(icmp_default_inside[0]);
		if (icmp_alloc(z, total) < 0)
			return -ENOMEM;
		for (size_t i = 0; icmp_default_all[i]; i++)
			icmp_add(z, icmp_default_all[i]);
		for (size_t i = 0; !z->masquerade && icmp_default_inside[i]; i++)
			icmp_add(z, icmp_default_inside[i]);
		return 0;
	}
	if (!expect_seq(d, n, w) || !within_limit(d, n, MAX_LIST, w) || icmp_alloc(z, n->n) < 0)
		return -EINVAL;
	int rc = 0;
	for (size_t i = 0; i < n->n; i++) {
		const struct cfg_node *item = n->val[i];
		const char *s = expect_str(d, item, w);
		if (!s) {
			rc = -EINVAL;
			continue;
		}
		struct shown sh;
		for (size_t k = 0; k < i; k++) {
			if (n->val[k]->kind == CFG_SCALAR && strcmp(n->val[k]->str, s) == 0) {
				diag_error(d, item->pos, "%s: '%s' listed twice", w,
					   node_show(item, &sh));
				s = NULL;
				break;
			}
		}
		if (s && icmp_add(z, s) < 0) {
			diag_error(
			    d, item->pos,
			    "%s: unknown ICMP type '%s' (use nft's names, e.g. echo-request, "
			    "destination-unreachable, packet-too-big, nd-neighbor-solicit)",
			    w, node_show(item, &sh));
			s = NULL;
		}
		if (!s)
			rc = -EINVAL;
	}
	return rc;
}

static int rate_build(struct diags *d, const struct cfg_node *n, struct rate *out, const char *what)
{
	static const char *const units[] = {"second", "minute", "hour", "day"};
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	const char *slash = strchr(s, '/');
	unsigned long count = 0;
	size_t digits = slash ? (size_t)(slash - s) : 0;
	bool ok = digits > 0 && digits <= 9 && s[0] != '0';
	for (size_t i = 0; ok && i < digits; i++) {
		ok = s[i] >= '0' && s[i] <= '9';
		count = count * 10 + (unsigned long)(s[i] - '0');
	}
	for (size_t u = 0; ok && u < sizeof(units) / sizeof(units[0]); u++) {
		if (strcmp(slash + 1, units[u]) == 0) {
			out->count = (uint32_t)count;
			out->unit = units[u];
			return 0;
		}
	}
	struct shown sh;
	diag_error(d, n->pos, "%s: malformed rate '%s' (N/second, N/minute, N/hour or N/day)", what,
		   node_show(n, &sh));
	return -EINVAL;
}

static int verdict_build(struct diags *d, const struct cfg_node *n, const char *what,
			 enum verdict *out)
{
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	static const enum verdict all[] = {VERDICT_ACCEPT, VERDICT_DROP, VERDICT_REJECT};
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(s, verdict_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	struct shown sh;
	diag_error(d, n->pos, "%s: expected accept, drop or reject, got '%s'", what,
		   node_show(n, &sh));
	return -EINVAL;
}

int model_rate(struct diags *d, const struct cfg_node *n, struct rate *out, const char *what)
{
	return rate_build(d, n, out, what);
}

int model_verdict(struct diags *d, const struct cfg_node *n, const char *what, enum verdict *out)
{
	return verdict_build(d, n, what, out);
}

/* A list, or one scalar standing for a list of one. */
static size_t list_len(const struct cfg_node *n)
{
	return n->kind == CFG_SEQ ? n->n : 1;
}

static const struct cfg_node *list_item(const struct cfg_node *n, size_t i)
{
	return n->kind == CFG_SEQ ? n->val[i] : n;
}

static bool list_ok(struct diags *d, const struct cfg_node *n, const char *what)
{
	if (n->kind == CFG_MAP || node_is_null(n)) {
		diag_error(d, n->pos, "%s: expected a list of names, got %s", what, node_kind(n));
		return false;
	}
	return within_limit(d, n, MAX_LIST, what);
}

static void zone_ifaces(struct diags *d, const struct cfg_node *n, struct router *r, struct zone *z,
			const char *what)
{
	char w[WHAT_MAX];
	what_join(w, what, "interfaces");
	if (!list_ok(d, n, w) || !(z->ifaces = calloc(list_len(n), sizeof(*z->ifaces))))
		return;
	struct shown sh;
	for (size_t i = 0; i < list_len(n); i++) {
		const struct cfg_node *item = list_item(n, i);
		const char *s = expect_str(d, item, w);
		if (!s)
			continue;
		struct iface *ifc = model_iface(r, s);
		if (!ifc) {
			diag_error(d, item->pos, "%s: unknown interface '%s'", what,
				   node_show(item, &sh));
			continue;
		}
		if (ifc->bridge) {
			diag_error(d, item->pos,
				   "%s: interface '%s' is a member of bridge '%s', which is in the "
				   "zones for it; name '%s' here instead",
				   what, s, ifc->bridge->name, ifc->bridge->name);
			continue;
		}
		if (ifc->zone == z) {
			diag_error(d, item->pos, "%s: interface '%s' listed twice", what, s);
			continue;
		}
		if (ifc->zone) {
			diag_error(d, item->pos, "%s: interface '%s' is already in zone '%s'", what,
				   s, ifc->zone->name);
			continue;
		}
		ifc->zone = z;
		z->ifaces[z->n_ifaces++] = ifc;
	}
}

static void zone_services(struct diags *d, const struct cfg_node *n, struct zone *z,
			  const char *what)
{
	char w[WHAT_MAX];
	what_join(w, what, "services");
	if (!list_ok(d, n, w) || !(z->services = calloc(list_len(n), sizeof(*z->services))))
		return;
	struct shown sh;
	for (size_t i = 0; i < list_len(n); i++) {
		const struct cfg_node *item = list_item(n, i);
		const char *s = expect_str(d, item, w);
		if (!s)
			continue;
		const struct service *svc = service_find(s);
		if (!svc) {
			char known[256];
			diag_error(d, item->pos, "%s: unknown service '%s' (known: %s; other ports: a rule)",
				   w, node_show(item, &sh), service_names(known, sizeof(known)));
			continue;
		}
		if (zone_has_service(z, s)) {
			diag_error(d, item->pos, "%s: '%s' listed twice", w, s);
			continue;
		}
		z->services[z->n_services++] = svc;
	}
}

static void zone_forward(struct diags *d, const struct cfg_node *n, struct router *r,
			 struct zone *z, const char *what)
{
	char w[WHAT_MAX];
	what_join(w, what, "forward");
	if (!list_ok(d, n, w) || !(z->forward = calloc(list_len(n), sizeof(*z->forward))))
		return;
	struct shown sh;
	for (size_t i = 0; i < list_len(n); i++) {
		const struct cfg_node *item = list_item(n, i);
		const char *s = expect_str(d, item, w);
		if (!s)
			continue;
		struct zone *to = model_zone(r, s);
		if (!to) {
			diag_error(d, item->pos, "%s: unknown zone '%s'", w, node_show(item, &sh));
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < z->n_forward; k++)
			dup = dup || z->forward[k] == to;
		if (dup) {
			diag_error(d, item->pos, "%s: zone '%s' listed twice", w, s);
			continue;
		}
		z->forward[z->n_forward++] = to;
	}
}

/* force-dns and block-dot: the zone's clients use the router's resolver.
 * Redirected queries are input to the router, so the zone must open dns:
 * without it every query would be dropped, a broken network rather than a
 * forced resolver. */
static void zone_dns_guard(struct diags *d, const struct cfg_node *n, struct zone *z,
			   const char *what)
{
	char w[WHAT_MAX];
	const struct cfg_node *v;
	if ((v = cfg_map_get(n, "block-dot"))) {
		what_join(w, what, "block-dot");
		expect_bool(d, v, w, &z->block_dot);
	}
	if (!(v = cfg_map_get(n, "force-dns")))
		return;
	what_join(w, what, "force-dns");
	if (expect_bool(d, v, w, &z->force_dns) == 0 && z->force_dns && !zone_has_service(z, "dns"))
		diag_error(d, v->pos,
			   "%s: the zone does not open the dns service, so the redirected "
			   "queries would be dropped; add dns to its services",
			   w);
}

static void zone_build(struct diags *d, const struct cfg_node *n, struct router *r, struct zone *z)
{
	char what[WHAT_MAX], w[WHAT_MAX];
	snprintf(what, sizeof(what), "zone '%s'", z->name);
	z->input = VERDICT_DROP;
	z->rp_filter = true;
	if (!expect_map(d, n, what))
		return;
	check_keys(d, n, zone_keys, what);
	const struct cfg_node *v;
	/* Entries that failed were reported; only a zone with none written
	 * is "empty" (an empty zone would render empty nftables sets). */
	if ((v = require_key(d, n, "interfaces", z->pos, what))) {
		if (v->kind == CFG_SEQ && v->n == 0)
			diag_error(d, v->pos, "%s: interfaces: empty; a zone needs at least one",
				   what);
		else
			zone_ifaces(d, v, r, z, what);
	}
	if ((v = cfg_map_get(n, "input"))) {
		what_join(w, what, "input");
		verdict_build(d, v, w, &z->input);
	}
	if ((v = cfg_map_get(n, "services")))
		zone_services(d, v, z, what);
	if ((v = cfg_map_get(n, "forward")))
		zone_forward(d, v, r, z, what);
	zone_offload_build(d, n, r, z, what);
	if ((v = cfg_map_get(n, "masquerade"))) {
		what_join(w, what, "masquerade");
		expect_bool(d, v, w, &z->masquerade);
	}
	if ((v = cfg_map_get(n, "counters"))) {
		what_join(w, what, "counters");
		expect_bool(d, v, w, &z->counters);
	}
	z->log_rate = LOG_RATE_DEFAULT;
	z->log_burst = LOG_BURST_DEFAULT;
	if ((v = cfg_map_get(n, "log"))) {
		what_join(w, what, "log");
		expect_bool(d, v, w, &z->log);
		z->log_line = v->pos.line;
	}
	if ((v = cfg_map_get(n, "rp-filter"))) {
		what_join(w, what, "rp-filter");
		expect_bool(d, v, w, &z->rp_filter);
	}
	zone_dns_guard(d, n, z, what);
	icmp_build(d, cfg_map_get(n, "icmp"), z, what);
	if ((v = cfg_map_get(n, "icmp-rate"))) {
		what_join(w, what, "icmp-rate");
		rate_build(d, v, &z->icmp_rate, w);
	} else if (z->masquerade) {
		/* The hand-made guide's rate on its outside zone
		 * (examples/seed.yaml): enough for ping and path MTU
		 * discovery, not for an ICMP flood. */
		z->icmp_rate = (struct rate){100, "second"};
	} else {
		z->icmp_rate = (struct rate){0, "second"};
	}
}

int zone_build_all(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (!expect_map(d, n, "zones"))
		return -EINVAL;
	if (n->n == 0) {
		diag_error(d, n->pos, "zones: the router needs at least one zone");
		return -EINVAL;
	}
	if (!within_limit(d, n, MAX_ZONES, "zones"))
		return -EINVAL;
	r->zones = calloc(n->n, sizeof(*r->zones));
	if (!r->zones) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	r->n_zones = n->n;
	/* Names first: `forward` may name a zone defined further down. */
	for (size_t k = 0; k < n->n; k++) {
		const struct cfg_node *key = n->key[k];
		struct shown sh;
		r->zones[k].pos = model_pos(r, key);
		if (expect_safe_text(d, key, "zone name") < 0)
			continue;
		if (!ifname_valid(key->str)) {
			diag_error(d, key->pos,
				   "zone name '%s': invalid (1-15 characters of a-z, 0-9, '_' and "
				   "'-', starting with a letter)",
				   node_show(key, &sh));
			continue;
		}
		snprintf(r->zones[k].name, sizeof(r->zones[k].name), "%s", key->str);
	}
	for (size_t k = 0; k < n->n; k++)
		if (r->zones[k].name[0])
			zone_build(d, n->val[k], r, &r->zones[k]);
	return 0;
}
