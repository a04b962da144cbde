/* interfaces: the router's ports, how to find them, their IPv4 setup. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

static const char *const iface_keys[] = {"match",   "ipv4",	"ipv6",		"optional",
					 "mtu",	    "gateway",	"ipv6-prefix", "ipv6-gateway",
					 "metric",  "health",	"vlan",		"bridge",
					 "wireguard", "pppoe", "shaping", NULL};
static const char *const match_keys[] = {"mac", "name", "pci", NULL};

/* A kernel interface name as udev and ip(8) accept it, and safe in text. */
static bool kernel_ifname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_.-", s[i])))
			return false;
	return true;
}

static bool same_match(const struct iface *a, const struct iface *b)
{
	if (a->match != b->match)
		return false;
	switch (a->match) {
	case MATCH_MAC:
		return memcmp(a->match_mac, b->match_mac, 6) == 0;
	case MATCH_NAME:
		return strcmp(a->match_name, b->match_name) == 0;
	case MATCH_PCI:
		return strcmp(a->match_pci, b->match_pci) == 0;
	}
	return false;
}

/* Two ports cannot be one device. Earlier interfaces only: each pair is
 * reported once, at the later one. Failed matches were zeroed. */
static int match_unique(struct diags *d, const struct cfg_node *v, const struct router *r,
			const struct iface *self, const char *what)
{
	static const uint8_t zero[6];
	for (const struct iface *o = r->ifaces; o < self; o++) {
		bool set = o->match_name[0] || o->match_pci[0] ||
			   (o->match == MATCH_MAC && memcmp(o->match_mac, zero, 6) != 0);
		if (!set || !same_match(self, o))
			continue;
		struct shown sh;
		diag_error(d, v->pos, "%s: '%s' is already matched by interface '%s'", what,
			   node_show(v, &sh), o->name[0] ? o->name : "?");
		return -EINVAL;
	}
	return 0;
}

static int match_build(struct diags *d, const struct cfg_node *n, const struct router *r,
		       struct iface *i, const char *what)
{
	char w[WHAT_MAX];
	what_join(w, what, "match");
	if (!expect_map(d, n, w))
		return -EINVAL;
	check_keys(d, n, match_keys, w);
	const struct cfg_node *mac = cfg_map_get(n, "mac"), *name = cfg_map_get(n, "name"),
			      *pci = cfg_map_get(n, "pci");
	int count = !!mac + !!name + !!pci;
	if (count != 1) {
		diag_error(d, n->pos, "%s: needs exactly one of mac, name or pci (got %d)", w,
			   count);
		return -EINVAL;
	}
	struct shown sh;
	if (mac) {
		what_join(w, what, "match: mac");
		const char *s = expect_str(d, mac, w);
		if (!s)
			return -EINVAL;
		if (mac_parse(s, i->match_mac) < 0) {
			diag_error(
			    d, mac->pos,
			    "%s: malformed MAC address '%s' (six hex pairs: 52:54:00:00:00:02)", w,
			    node_show(mac, &sh));
			return -EINVAL;
		}
		static const uint8_t zero[6];
		if ((i->match_mac[0] & 1) || memcmp(i->match_mac, zero, 6) == 0) {
			memset(i->match_mac, 0, 6);
			diag_error(d, mac->pos,
				   "%s: '%s' is not a port's address (multicast or zero)", w,
				   node_show(mac, &sh));
			return -EINVAL;
		}
		i->match = MATCH_MAC;
		if (match_unique(d, mac, r, i, w) < 0) {
			memset(i->match_mac, 0, 6);
			return -EINVAL;
		}
	} else if (name) {
		what_join(w, what, "match: name");
		if (expect_safe_text(d, name, w) < 0)
			return -EINVAL;
		if (!kernel_ifname_valid(name->str)) {
			diag_error(
			    d, name->pos,
			    "%s: invalid interface name '%s' (1-15 of A-Z, a-z, 0-9, '_', '.', "
			    "'-')",
			    w, node_show(name, &sh));
			return -EINVAL;
		}
		i->match = MATCH_NAME;
		snprintf(i->match_name, sizeof(i->match_name), "%s", name->str);
		if (match_unique(d, name, r, i, w) < 0) {
			i->match_name[0] = '\0';
			return -EINVAL;
		}
	} else {
		what_join(w, what, "match: pci");
		const char *s = expect_str(d, pci, w);
		if (!s)
			return -EINVAL;
		if (pci_parse(s, i->match_pci) < 0) {
			diag_error(d, pci->pos,
				   "%s: malformed PCI address '%s' (DOMAIN:BUS:SLOT.FN, e.g. "
				   "0000:01:00.1)",
				   w, node_show(pci, &sh));
			return -EINVAL;
		}
		i->match = MATCH_PCI;
		if (match_unique(d, pci, r, i, w) < 0) {
			i->match_pci[0] = '\0';
			return -EINVAL;
		}
	}
	return 0;
}

static int ipv4_addr_build(struct diags *d, const struct cfg_node *n, struct cidr *out,
			   const char *what)
{
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	struct shown sh;
	const char *slash = strchr(s, '/');
	char a[ADDR_STRLEN];
	struct ipaddr ip;
	if (!slash || (size_t)(slash - s) >= sizeof(a)) {
		diag_error(d, n->pos, "%s: expected dhcp, none or A.B.C.D/LEN, got '%s'", what,
			   node_show(n, &sh));
		return -EINVAL;
	}
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	if (addr_parse4(a, &ip) < 0) {
		diag_error(d, n->pos, "%s: malformed IPv4 address '%s'", what, node_show(n, &sh));
		return -EINVAL;
	}
	if (cidr_parse(s, out) < 0) {
		diag_error(d, n->pos, "%s: prefix length of '%s' out of range (0..32)", what,
			   node_show(n, &sh));
		return -EINVAL;
	}
	if (out->len < 31) {
		struct cidr net;
		cidr_network(out, &net);
		uint32_t host = ntohl(*(const uint32_t *)(const void *)out->addr.a);
		uint32_t mask = out->len ? 0xffffffffu << (32 - out->len) : 0;
		char sub[ADDR_STRLEN];
		cidr_format(&net, sub, sizeof(sub));
		if ((host & ~mask) == 0) {
			diag_error(d, n->pos,
				   "%s: '%s' is the network address of %s; give the router a host "
				   "address in it",
				   what, node_show(n, &sh), sub);
			return -EINVAL;
		}
		if ((host & ~mask) == ~mask) {
			diag_error(
			    d, n->pos,
			    "%s: '%s' is the broadcast address of %s; give the router a host "
			    "address in it",
			    what, node_show(n, &sh), sub);
			return -EINVAL;
		}
	}
	return 0;
}

/* Overlapping subnets make routing ambiguous; compare with every address
 * built so far (this interface's earlier ones included). */
static int subnet_unique(struct diags *d, const struct cfg_node *n, const struct router *r,
			 const struct iface *self, const struct cidr *c, const char *what)
{
	for (const struct iface *o = r->ifaces; o <= self; o++) {
		size_t count = o == self ? self->n_addrs : o->n_addrs;
		for (size_t k = 0; k < count; k++) {
			if (!cidr_overlap(c, &o->addrs[k]))
				continue;
			struct cidr a, b;
			char sa[ADDR_STRLEN], sb[ADDR_STRLEN];
			cidr_network(c, &a);
			cidr_network(&o->addrs[k], &b);
			cidr_format(&a, sa, sizeof(sa));
			cidr_format(&b, sb, sizeof(sb));
			diag_error(d, n->pos, "%s: subnet %s overlaps %s of interface '%s'", what,
				   sa, sb, o->name);
			return -EINVAL;
		}
	}
	return 0;
}

static int ipv4_build(struct diags *d, const struct cfg_node *n, const struct router *r,
		      struct iface *i, const char *what)
{
	char w[WHAT_MAX];
	what_join(w, what, "ipv4");
	if (n->kind == CFG_SCALAR && !node_is_null(n)) {
		if (strcmp(n->str, "dhcp") == 0) {
			i->ipv4 = IPV4_DHCP;
			return 0;
		}
		if (strcmp(n->str, "none") == 0) {
			i->ipv4 = IPV4_NONE;
			return 0;
		}
		if (strcmp(n->str, "pppoe") == 0) {
			i->ipv4 = IPV4_PPPOE; /* its pppoe: map is read by pppoe_build */
			return 0;
		}
	}
	if (n->kind == CFG_MAP || node_is_null(n) || (n->kind == CFG_SEQ && n->n == 0)) {
		diag_error(d, n->pos,
			   "%s: expected dhcp, pppoe, none, or one or a list of A.B.C.D/LEN, "
			   "got %s",
			   w, n->kind == CFG_SEQ ? "an empty list" : node_kind(n));
		return -EINVAL;
	}
	size_t count = n->kind == CFG_SEQ ? n->n : 1;
	if (!within_limit(d, n, MAX_ADDRS, w))
		return -EINVAL;
	i->addrs = calloc(count, sizeof(*i->addrs));
	if (!i->addrs) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t k = 0; k < count; k++) {
		const struct cfg_node *item = n->kind == CFG_SEQ ? n->val[k] : n;
		if (ipv4_addr_build(d, item, &i->addrs[i->n_addrs], w) == 0 &&
		    subnet_unique(d, item, r, i, &i->addrs[i->n_addrs], w) == 0)
			i->n_addrs++;
		else
			rc = -EINVAL;
	}
	i->ipv4 = IPV4_STATIC;
	return rc;
}

/* The next hop of a static port's default route: a neighbour on one of
 * its subnets. Needs ipv4 built first. */
static int gateway_build(struct diags *d, const struct cfg_node *n, struct iface *i,
			 const char *what)
{
	char w[WHAT_MAX];
	struct shown sh;
	what_join(w, what, "gateway");
	const char *s = expect_str(d, n, w);
	if (!s)
		return -EINVAL;
	if (addr_parse4(s, &i->gateway) < 0) {
		diag_error(d, n->pos, "%s: malformed IPv4 address '%s' (A.B.C.D)", w,
			   node_show(n, &sh));
		return -EINVAL;
	}
	if (i->ipv4 != IPV4_STATIC) {
		diag_error(d, n->pos,
			   "%s: only with a static ipv4 address (with dhcp the DHCP server gives "
			   "the gateway)",
			   w);
		return -EINVAL;
	}
	for (size_t k = 0; k < i->n_addrs; k++) {
		if (addr_equal(&i->addrs[k].addr, &i->gateway)) {
			diag_error(d, n->pos, "%s: '%s' is the router's own address", w,
				   node_show(n, &sh));
			return -EINVAL;
		}
	}
	for (size_t k = 0; k < i->n_addrs; k++) {
		if (cidr_contains(&i->addrs[k], &i->gateway)) {
			i->has_gateway = true;
			return 0;
		}
	}
	diag_error(d, n->pos, "%s: '%s' is outside the subnets of interface '%s'", w,
		   node_show(n, &sh), i->name);
	return -EINVAL;
}

static void iface_build(struct diags *d, const struct cfg_node *key, const struct cfg_node *n,
			struct router *r, struct iface *i)
{
	char what[WHAT_MAX];
	struct shown sh;
	snprintf(what, sizeof(what), "interface '%s'", node_show(key, &sh));
	i->pos = model_pos(r, key);
	if (expect_safe_text(d, key, "interface name") < 0)
		return;
	if (!ifname_valid(key->str)) {
		diag_error(
		    d, key->pos,
		    "interface name '%s': invalid (1-15 characters of a-z, 0-9, '_' and '-', "
		    "starting with a letter)",
		    node_show(key, &sh));
		return;
	}
	snprintf(i->name, sizeof(i->name), "%s", key->str);
	if (!expect_map(d, n, what))
		return;
	check_keys(d, n, iface_keys, what);
	const struct cfg_node *v;
	const struct cfg_node *vlan = cfg_map_get(n, "vlan");
	const struct cfg_node *bridge = cfg_map_get(n, "bridge");
	if (vlan && bridge) {
		diag_error(d, bridge->pos, "%s: bridge: a port is a VLAN or a bridge, not both",
			   what);
	} else if (bridge) {
		/* Resolved once every port is known (bridge_build_all). */
		i->bridge_node = true;
		i->match = MATCH_NAME;
		snprintf(i->match_name, sizeof(i->match_name), "%s", i->name);
		if ((v = cfg_map_get(n, "match")))
			diag_error(d, v->pos,
				   "%s: match: a bridge has no match (apply makes its link, named "
				   "'%s', and its members are matched)",
				   what, i->name);
	} else if (vlan) {
		/* Resolved once every port is known (vlan_build_all). */
		i->vlan_node = true;
		i->match = MATCH_NAME;
		snprintf(i->match_name, sizeof(i->match_name), "%s", i->name);
		if ((v = cfg_map_get(n, "match")))
			diag_error(d, v->pos,
				   "%s: match: a VLAN port has no match (apply makes its link on "
				   "the parent's, named '%s')",
				   what, i->name);
	} else if ((v = cfg_map_get(n, "wireguard"))) {
		/* The link is apply's to make, as a VLAN's. */
		i->match = MATCH_NAME;
		snprintf(i->match_name, sizeof(i->match_name), "%s", i->name);
		wg_build(d, n, v, r, i);
		if ((v = cfg_map_get(n, "match")))
			diag_error(d, v->pos,
				   "%s: match: a WireGuard port has no match (apply makes its link, "
				   "named '%s')",
				   what, i->name);
	} else if ((v = require_key(d, n, "match", key->pos, what))) {
		match_build(d, v, r, i, what);
	}
	if ((vlan || bridge) && (v = cfg_map_get(n, "wireguard")))
		diag_error(d, v->pos,
			   "%s: wireguard: a port is one of a VLAN, a bridge and a WireGuard link",
			   what);
	if ((v = cfg_map_get(n, "ipv4")))
		ipv4_build(d, v, r, i, what);
	if (v && i->wg && i->ipv4 == IPV4_DHCP)
		diag_error(d, v->pos,
			   "%s: ipv4: a WireGuard port has no DHCP client; give it a static "
			   "address (e.g. 10.8.0.1/24)",
			   what);
	ipv6_iface_build(d, n, r, i, what);
	pppoe_build(d, n, r, i, what);
	if ((v = cfg_map_get(n, "gateway")))
		gateway_build(d, v, i, what);
	if ((v = cfg_map_get(n, "optional"))) {
		char w[WHAT_MAX];
		what_join(w, what, "optional");
		expect_bool(d, v, w, &i->optional);
	}
	if ((v = cfg_map_get(n, "health")))
		health_build(d, v, r, i, what);
	if ((v = cfg_map_get(n, "shaping")))
		shaping_build(d, v, r, i, what);
	if ((v = cfg_map_get(n, "metric"))) {
		char w[WHAT_MAX];
		unsigned long m;
		what_join(w, what, "metric");
		if (expect_uint(d, v, w, 0, METRIC_MAX, &m) == 0) {
			i->metric = (uint32_t)m;
			i->has_metric = true;
		}
	}
	if ((v = cfg_map_get(n, "mtu"))) {
		char w[WHAT_MAX];
		unsigned long mtu;
		what_join(w, what, "mtu");
		if (expect_uint(d, v, w, 68, 65535, &mtu) == 0)
			i->mtu = (int)mtu;
	}
}

bool iface_has_default_route(const struct iface *p)
{
	return p->has_gateway || p->ipv4 == IPV4_DHCP || p->ipv4 == IPV4_PPPOE;
}

/* Each port with a default route gets its own metric: `metric:`, or its
 * position among those ports. Two routes with one metric would replace
 * each other (the kernel keys a route by prefix and metric), and losing
 * one port would take the other's route. */
static void iface_metrics(struct diags *d, const struct cfg_node *n, struct router *r)
{
	uint32_t k = 0;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		struct iface *p = &r->ifaces[i];
		const struct cfg_node *v = cfg_map_get(n->val[i], "metric");
		const struct cfg_node *h = cfg_map_get(n->val[i], "health");
		if (!iface_has_default_route(p) && h && p->health.on)
			diag_error(d, h->pos,
				   "interface '%s': health: only for a port with a default route "
				   "(ipv4: dhcp, or a gateway): it checks that route's WAN",
				   p->name);
		if (!iface_has_default_route(p)) {
			if (v && p->has_metric)
				diag_error(d, v->pos,
					   "interface '%s': metric: only for a port with a default "
					   "route (ipv4: dhcp, or a gateway)",
					   p->name);
			continue;
		}
		if (!p->has_metric)
			p->metric = k;
		k++;
		for (size_t j = 0; j < i; j++) {
			const struct iface *o = &r->ifaces[j];
			if (!p->name[0] || !o->name[0] || !iface_has_default_route(o) ||
			    o->metric != p->metric)
				continue;
			if (p->has_metric)
				diag_error(d, v->pos,
					   "interface '%s': metric %u is interface '%s''s too; each "
					   "port with a default route needs its own metric",
					   p->name, (unsigned)p->metric, o->name);
			else
				diag_error(d, n->key[i]->pos,
					   "interface '%s': its default metric %u (its place among the "
					   "ports with a default route) is interface '%s''s; give it a "
					   "metric of its own",
					   p->name, (unsigned)p->metric, o->name);
			break;
		}
	}
}

int iface_build_all(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (!expect_map(d, n, "interfaces"))
		return -EINVAL;
	if (n->n == 0) {
		diag_error(d, n->pos, "interfaces: the router needs at least one interface");
		return -EINVAL;
	}
	if (!within_limit(d, n, MAX_IFACES, "interfaces"))
		return -EINVAL;
	r->ifaces = calloc(n->n, sizeof(*r->ifaces));
	if (!r->ifaces) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	r->n_ifaces = n->n;
	for (size_t k = 0; k < n->n; k++)
		iface_build(d, n->key[k], n->val[k], r, &r->ifaces[k]);
	bridge_build_all(d, n, r);
	vlan_build_all(d, n, r);
	pppoe_check_all(d, n, r);
	iface_metrics(d, n, r);
	return 0;
}
