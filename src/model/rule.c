/* rules (extra filter rules) and port-forwards (DNAT). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

static const char *const rule_keys[] = {"name",	  "from", "interface", "to",	    "tcp",    "udp",
					"source", "destination", "log",  "log-rate",  "log-burst", "action", NULL};
static const char *const fwd_keys[] = {"name", "from",	 "tcp",	       "udp",
				       "to",   "source", "reflection", NULL};

#define LOG_PREFIX_MAX 127
#define LOG_BURST_MAX 10000

/* name: shared by rules and forwards. Sets what to "KIND 'NAME'". */
static int item_name(struct diags *d, const struct cfg_node *n, const char *kind, size_t idx,
		     char *name, size_t size, char *what)
{
	snprintf(what, WHAT_MAX, "%s[%zu]", kind, idx);
	const struct cfg_node *v = require_key(d, n, "name", n->pos, what);
	if (!v)
		return -EINVAL;
	char w[WHAT_MAX];
	what_join(w, what, "name");
	if (expect_safe_text(d, v, w) < 0)
		return -EINVAL;
	struct shown sh;
	if (!name_valid(v->str)) {
		diag_error(
		    d, v->pos,
		    "%s: invalid name '%s' (1-63 characters of A-Z, a-z, 0-9, '_', '.', '-')", w,
		    node_show(v, &sh));
		return -EINVAL;
	}
	snprintf(name, size, "%s", v->str);
	snprintf(what, WHAT_MAX, "%s '%s'", strcmp(kind, "rules") == 0 ? "rule" : "port-forward",
		 v->str);
	return 0;
}

static struct zone *zone_ref(struct diags *d, const struct cfg_node *v, struct router *r,
			     const char *what)
{
	const char *s = expect_str(d, v, what);
	if (!s)
		return NULL;
	struct zone *z = model_zone(r, s);
	struct shown sh;
	if (!z)
		diag_error(d, v->pos, "%s: unknown zone '%s'", what, node_show(v, &sh));
	return z;
}

static int source_build(struct diags *d, const struct cfg_node *v, struct cidr *out,
			const char *what)
{
	const char *s = expect_str(d, v, what);
	if (!s)
		return -EINVAL;
	struct shown sh;
	if (cidr_parse(s, out) < 0) {
		diag_error(d, v->pos,
			   "%s: malformed address or subnet '%s' (A.B.C.D/LEN or A::B/LEN)", what,
			   node_show(v, &sh));
		return -EINVAL;
	}
	struct cidr net;
	cidr_network(out, &net);
	if (!addr_equal(&net.addr, &out->addr)) {
		char want[ADDR_STRLEN];
		cidr_format(&net, want, sizeof(want));
		diag_error(d, v->pos, "%s: '%s' has host bits set; did you mean %s?", what,
			   node_show(v, &sh), want);
		return -EINVAL;
	}
	return 0;
}

/* `::20/-64`: the low 64 bits are ::20, the prefix is whatever it is. */
static int suffix_build(struct diags *d, const struct cfg_node *v, const char *s, struct cidr *out,
			const char *what)
{
	struct shown sh;
	char a[ADDR_STRLEN];
	unsigned long bits;
	const char *slash = strstr(s, "/-");
	if ((size_t)(slash - s) >= sizeof(a))
		goto bad;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	if (addr_parse(a, &out->addr) < 0 || out->addr.family != AF_INET6 ||
	    decimal_parse(slash + 2, &bits) < 0 || bits < 1 || bits > 127)
		goto bad;
	out->len = (int)bits;
	for (int i = 0; i < 128 - (int)bits; i++)
		if (out->addr.a[i / 8] & (0x80 >> (i % 8))) {
			diag_error(d, v->pos,
				   "%s: '%s' has bits set above the last %lu; a suffix is like ::20/-64",
				   what, node_show(v, &sh), bits);
			return -EINVAL;
		}
	return 0;
bad:
	diag_error(d, v->pos,
		   "%s: malformed '%s' (A.B.C.D/LEN, A::B/LEN, or an IPv6 host suffix ::X/-BITS, "
		   "1..127 bits)",
		   what, node_show(v, &sh));
	return -EINVAL;
}

static void dest_build(struct diags *d, const struct cfg_node *v, struct rule *ru, const char *what)
{
	const char *s = expect_str(d, v, what);
	struct shown sh;
	if (!s)
		return;
	if (strstr(s, "/-")) {
		ru->dest_suffix = ru->has_dest = suffix_build(d, v, s, &ru->dest, what) == 0;
		return;
	}
	ru->has_dest = source_build(d, v, &ru->dest, what) == 0;
	if (ru->has_dest && ru->has_source && ru->dest.addr.family != ru->source.addr.family) {
		diag_error(d, v->pos, "%s: '%s' is IPv%d but source is IPv%d; no packet has both",
			   what, node_show(v, &sh), ru->dest.addr.family == AF_INET6 ? 6 : 4,
			   ru->source.addr.family == AF_INET6 ? 6 : 4);
		ru->has_dest = false;
	}
}

static int log_build(struct diags *d, const struct cfg_node *v, char **out, const char *what)
{
	if (expect_safe_text(d, v, what) < 0)
		return -EINVAL;
	if (v->len > LOG_PREFIX_MAX) {
		diag_error(d, v->pos, "%s: %zu characters; nftables allows at most %d", what,
			   v->len, LOG_PREFIX_MAX);
		return -EINVAL;
	}
	*out = strdup(v->str);
	if (!*out) {
		diag_error(d, v->pos, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* log-rate and log-burst: only with log; defaults otherwise. */
static void rule_log_limit(struct diags *d, const struct cfg_node *n, struct rule *ru,
			   const char *what)
{
	char w[WHAT_MAX];
	unsigned long burst = LOG_BURST_DEFAULT;
	const struct cfg_node *rate = cfg_map_get(n, "log-rate"), *bv = cfg_map_get(n, "log-burst");
	ru->log_rate = LOG_RATE_DEFAULT;
	if (rate) {
		what_join(w, what, "log-rate");
		model_rate(d, rate, &ru->log_rate, w);
	}
	if (bv) {
		what_join(w, what, "log-burst");
		expect_uint(d, bv, w, 1, LOG_BURST_MAX, &burst);
	}
	ru->log_burst = (uint32_t)burst;
	if ((rate || bv) && !cfg_map_get(n, "log"))
		diag_error(d, (rate ? rate : bv)->pos, "%s: %s without log: nothing is logged",
			   what, rate ? "log-rate" : "log-burst");
}

static void rule_build(struct diags *d, const struct cfg_node *n, size_t idx, struct router *r,
		       struct rule *ru)
{
	char what[WHAT_MAX], w[WHAT_MAX];
	snprintf(what, sizeof(what), "rules[%zu]", idx);
	ru->pos = model_pos(r, n);
	if (!expect_map(d, n, what))
		return;
	item_name(d, n, "rules", idx, ru->name, sizeof(ru->name), what);
	check_keys(d, n, rule_keys, what);
	const struct cfg_node *v;
	what_join(w, what, "from");
	if ((v = require_key(d, n, "from", n->pos, what)))
		ru->from = zone_ref(d, v, r, w);
	if ((v = cfg_map_get(n, "interface"))) {
		what_join(w, what, "interface");
		const char *s = expect_str(d, v, w);
		struct shown sh;
		if (s && !(ru->iface = model_iface(r, s)))
			diag_error(d, v->pos, "%s: unknown interface '%s'", w, node_show(v, &sh));
		else if (s && ru->iface->bridge)
			diag_error(d, v->pos,
				   "%s: '%s' is a member of bridge '%s': its traffic comes in on "
				   "'%s'; name the bridge",
				   w, s, ru->iface->bridge->name, ru->iface->bridge->name);
		else if (s && ru->from && ru->iface->zone && ru->iface->zone != ru->from)
			diag_error(d, v->pos, "%s: '%s' is in zone '%s', not in zone '%s' (from)",
				   w, s, ru->iface->zone->name, ru->from->name);
	}
	if ((v = cfg_map_get(n, "to"))) {
		what_join(w, what, "to");
		ru->to = zone_ref(d, v, r, w);
	}
	if ((v = cfg_map_get(n, "tcp"))) {
		what_join(w, what, "tcp");
		expect_ports(d, v, w, &ru->tcp);
	}
	if ((v = cfg_map_get(n, "udp"))) {
		what_join(w, what, "udp");
		expect_ports(d, v, w, &ru->udp);
	}
	if ((v = cfg_map_get(n, "source"))) {
		what_join(w, what, "source");
		ru->has_source = source_build(d, v, &ru->source, w) == 0;
	}
	if ((v = cfg_map_get(n, "destination")))
		dest_build(d, v, ru, what_join(w, what, "destination"));
	if ((v = cfg_map_get(n, "log"))) {
		what_join(w, what, "log");
		log_build(d, v, &ru->log, w);
	}
	rule_log_limit(d, n, ru, what);
	what_join(w, what, "action");
	if ((v = require_key(d, n, "action", n->pos, what)))
		model_verdict(d, v, w, &ru->action);
}

int rule_build_all(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (!expect_seq(d, n, "rules") || !within_limit(d, n, MAX_RULES, "rules"))
		return -EINVAL;
	if (n->n == 0)
		return 0;
	r->rules = calloc(n->n, sizeof(*r->rules));
	if (!r->rules) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	r->n_rules = n->n;
	for (size_t i = 0; i < n->n; i++)
		rule_build(d, n->val[i], i, r, &r->rules[i]);
	return 0;
}

/* A forward's external port: one port or one range, never a list (one
 * DNAT target per forward). */
static int fwd_ports(struct diags *d, const struct cfg_node *v, struct portrange *out,
		     const char *what)
{
	if (v->kind != CFG_SCALAR || node_is_null(v)) {
		diag_error(d, v->pos,
			   "%s: expected one port or one range, got %s (one target per "
			   "forward: write several forwards)",
			   what, node_kind(v));
		return -EINVAL;
	}
	const char *s = expect_str(d, v, what);
	if (!s)
		return -EINVAL;
	struct shown sh;
	if (parse_portrange(s, out) < 0) {
		diag_error(d, v->pos,
			   "%s: malformed port '%s' (1-65535, or a range A-B with A <= B)", what,
			   node_show(v, &sh));
		return -EINVAL;
	}
	return 0;
}

/* "ADDR" or "ADDR:PORT", IPv4. */
static int fwd_target(struct diags *d, const struct cfg_node *v, struct portfwd *f,
		      const char *what)
{
	const char *s = expect_str(d, v, what);
	if (!s)
		return -EINVAL;
	struct shown sh;
	char a[ADDR_STRLEN];
	const char *colon = strchr(s, ':');
	size_t alen = colon ? (size_t)(colon - s) : strlen(s);
	if (alen >= sizeof(a))
		alen = sizeof(a) - 1;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (addr_parse4(a, &f->to) < 0 || (colon && port_parse(colon + 1, &f->to_port) < 0)) {
		diag_error(d, v->pos, "%s: malformed target '%s' (A.B.C.D or A.B.C.D:PORT)", what,
			   node_show(v, &sh));
		return -EINVAL;
	}
	return 0;
}

/* The target must sit in a subnet the router is on, and be a host there. */
static void fwd_resolve(struct diags *d, const struct cfg_node *v, struct router *r,
			struct portfwd *f, const char *what)
{
	struct shown sh;
	const struct cidr *sub = NULL;
	for (size_t i = 0; i < r->n_ifaces && !sub; i++)
		if ((sub = iface_subnet_of(&r->ifaces[i], &f->to)))
			f->to_iface = &r->ifaces[i];
	if (!sub) {
		diag_error(d, v->pos,
			   "%s: '%s' is in no local subnet (no interface has a static address in "
			   "its subnet)",
			   what, node_show(v, &sh));
		return;
	}
	const char *why = NULL;
	if (addr_equal(&sub->addr, &f->to))
		why = "is the router's own address";
	else if (cidr_host_kind(sub, &f->to) < 0)
		why = "is the subnet's network or broadcast address";
	if (why)
		diag_error(d, v->pos, "%s: '%s' %s on interface '%s'", what, node_show(v, &sh), why,
			   f->to_iface->name);
}

/* Hairpin NAT: on by default where `from` masquerades (its clients are
 * outside, behind the router's address, and inside clients use that same
 * address); a zone that does not masquerade has no such address to reach
 * the forward through, so asking for reflection there is a mistake. A
 * forward limited by `source` is meant for those networks, not the
 * inside: off unless asked for. */
static void fwd_reflection(struct diags *d, const struct cfg_node *n, struct portfwd *f,
			   const char *what)
{
	char w[WHAT_MAX];
	const struct cfg_node *v = cfg_map_get(n, "reflection");
	f->reflection = f->from && f->from->masquerade && !f->has_source;
	if (!v)
		return;
	what_join(w, what, "reflection");
	if (expect_bool(d, v, w, &f->reflection) < 0 || !f->reflection || !f->from)
		return;
	if (!f->from->masquerade)
		diag_error(d, v->pos,
			   "%s: zone '%s' does not masquerade: inside clients reach a forward "
			   "through the router's masqueraded address; set masquerade: true on "
			   "'%s' or drop reflection",
			   w, f->from->name, f->from->name);
	f->reflection = f->from->masquerade;
}

static void fwd_build(struct diags *d, const struct cfg_node *n, size_t idx, struct router *r,
		      struct portfwd *f)
{
	char what[WHAT_MAX], w[WHAT_MAX];
	snprintf(what, sizeof(what), "port-forwards[%zu]", idx);
	f->pos = model_pos(r, n);
	if (!expect_map(d, n, what))
		return;
	item_name(d, n, "port-forwards", idx, f->name, sizeof(f->name), what);
	check_keys(d, n, fwd_keys, what);
	const struct cfg_node *v, *tcp = cfg_map_get(n, "tcp"), *udp = cfg_map_get(n, "udp");
	what_join(w, what, "from");
	if ((v = require_key(d, n, "from", n->pos, what)))
		f->from = zone_ref(d, v, r, w);
	struct portrange tr = {0, 0}, ur = {0, 0};
	what_join(w, what, "tcp");
	f->tcp = tcp && fwd_ports(d, tcp, &tr, w) == 0;
	what_join(w, what, "udp");
	f->udp = udp && fwd_ports(d, udp, &ur, w) == 0;
	if (!tcp && !udp)
		diag_error(d, n->pos, "%s: needs tcp or udp (a port or a range)", what);
	if (f->tcp && f->udp && (tr.lo != ur.lo || tr.hi != ur.hi))
		diag_error(d, udp->pos,
			   "%s: udp: must equal tcp when a forward names both (write two forwards)",
			   what);
	f->ext = f->tcp ? tr : ur;
	what_join(w, what, "to");
	if ((v = require_key(d, n, "to", n->pos, what)) && fwd_target(d, v, f, w) == 0) {
		if (f->to_port && f->ext.lo != f->ext.hi && f->to_port != f->ext.lo)
			diag_error(d, v->pos,
				   "%s: a port range is forwarded to the same ports; drop ':%u' or "
				   "make it :%u",
				   w, f->to_port, f->ext.lo);
		fwd_resolve(d, v, r, f, w);
	}
	if ((v = cfg_map_get(n, "source"))) {
		what_join(w, what, "source");
		f->has_source = source_build(d, v, &f->source, w) == 0;
		if (f->has_source && f->source.addr.family != AF_INET) {
			struct shown sh;
			diag_error(d, v->pos, "%s: '%s' is IPv6; port forwards are IPv4 DNAT", w,
				   node_show(v, &sh));
			f->has_source = false;
		}
	}
	fwd_reflection(d, n, f, what);
}

int portfwd_build_all(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (!expect_seq(d, n, "port-forwards") || !within_limit(d, n, MAX_RULES, "port-forwards"))
		return -EINVAL;
	if (n->n == 0)
		return 0;
	r->fwds = calloc(n->n, sizeof(*r->fwds));
	if (!r->fwds) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	r->n_fwds = n->n;
	for (size_t i = 0; i < n->n; i++)
		fwd_build(d, n->val[i], i, r, &r->fwds[i]);
	return 0;
}
