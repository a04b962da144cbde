/* IPv6 of the ports (interfaces.X.ipv6, ipv6-prefix, ipv6-gateway), the
 * DHCPv6/RA mode of a DHCP server (dhcp.X.ipv6) and the top-level ipv6
 * section (ula). What needs every port built first (`from`, unique
 * subnets) is checked in ipv6_check, called by the consistency pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

#define PD_LEN_DEFAULT 56
#define PD_LEN_MIN 48
#define PD_LEN_MAX 64
#define SUBNET_MAX 65535 /* the 16 subnet bits of a ULA /48 */

static const char *const lan6_keys[] = {"from", "subnet", "address", NULL};
static const char *const ipv6_keys[] = {"ula", NULL};

const char *ipv6_mode_name(enum ipv6_mode m)
{
	static const char *const names[] = {"none", "slaac", "dhcp", "static", "lan"};
	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

const char *dhcp6_mode_name(enum dhcp6_mode m)
{
	static const char *const names[] = {"slaac", "stateless", "stateful"};
	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

/* What kind of address a static IPv6 address must not be, or NULL. */
static const char *addr6_refused(const struct cidr *c)
{
	static const uint8_t zero[16];
	const uint8_t *a = c->addr.a;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local (fe80::/10; the kernel gives every port one of its own)";
	if (a[0] == 0xff)
		return "multicast (ff00::/8)";
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return a[15] ? "the loopback address" : "the unspecified address";
	if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
		return "an IPv4-mapped address (::ffff:0:0/96)";
	if (c->len <= 126) {
		struct cidr net;
		cidr_network(c, &net);
		if (memcmp(net.addr.a, a, 16) == 0)
			return "the subnet-router anycast address of its prefix (host part zero)";
	}
	return NULL;
}

static int addr6_build(struct diags *d, const struct cfg_node *n, struct cidr *out,
		       const char *what)
{
	const char *s = expect_str(d, n, what);
	struct shown sh;
	char a[ADDR_STRLEN];
	struct ipaddr ip;
	if (!s)
		return -EINVAL;
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(a)) {
		diag_error(d, n->pos,
			   "%s: expected none, slaac, dhcp, A::B/LEN or { from: PORT, subnet: N }, "
			   "got '%s'",
			   what, node_show(n, &sh));
		return -EINVAL;
	}
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	if (addr_parse(a, &ip) < 0 || ip.family != AF_INET6) {
		diag_error(d, n->pos, "%s: malformed IPv6 address '%s'", what, node_show(n, &sh));
		return -EINVAL;
	}
	if (cidr_parse(s, out) < 0 || out->len == 0) {
		diag_error(d, n->pos, "%s: prefix length of '%s' out of range (1..128)", what,
			   node_show(n, &sh));
		return -EINVAL;
	}
	const char *why = addr6_refused(out);
	if (why) {
		diag_error(d, n->pos, "%s: '%s' is %s; give the router a global or ULA address",
			   what, node_show(n, &sh), why);
		return -EINVAL;
	}
	return 0;
}

/* Static prefixes may not overlap, on one port or on two (routing would
 * be ambiguous). Earlier ports and this port's earlier addresses. */
static int addr6_unique(struct diags *d, const struct cfg_node *n, const struct router *r,
			const struct iface *self, const struct cidr *c, const char *what)
{
	for (const struct iface *o = r->ifaces; o <= self; o++) {
		for (size_t k = 0; k < o->n_addrs6; k++) {
			if (!cidr_overlap(c, &o->addrs6[k]))
				continue;
			struct cidr a, b;
			char sa[ADDR_STRLEN], sb[ADDR_STRLEN];
			cidr_network(c, &a);
			cidr_network(&o->addrs6[k], &b);
			cidr_format(&a, sa, sizeof(sa));
			cidr_format(&b, sb, sizeof(sb));
			diag_error(d, n->pos, "%s: prefix %s overlaps %s of interface '%s'", what,
				   sa, sb, o->name);
			return -EINVAL;
		}
	}
	return 0;
}

static int static6_build(struct diags *d, const struct cfg_node *n, const struct router *r,
			 struct iface *i, const char *what)
{
	if (n->kind == CFG_SEQ && n->n == 0) {
		diag_error(d, n->pos, "%s: expected one or a list of A::B/LEN, got an empty list",
			   what);
		return -EINVAL;
	}
	if (!within_limit(d, n, MAX_ADDRS, what))
		return -EINVAL;
	size_t count = n->kind == CFG_SEQ ? n->n : 1;
	i->addrs6 = calloc(count, sizeof(*i->addrs6));
	if (!i->addrs6) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	i->ipv6 = IPV6_STATIC;
	int rc = 0;
	for (size_t k = 0; k < count; k++) {
		const struct cfg_node *item = n->kind == CFG_SEQ ? n->val[k] : n;
		if (addr6_build(d, item, &i->addrs6[i->n_addrs6], what) == 0 &&
		    addr6_unique(d, item, r, i, &i->addrs6[i->n_addrs6], what) == 0)
			i->n_addrs6++;
		else
			rc = -EINVAL;
	}
	return rc;
}

/* `{ from: WAN, subnet: N, address: A::1/64 }`: `from` is resolved in ipv6_check, once
 * every port is built. */
static int lan6_build(struct diags *d, const struct cfg_node *n, const struct router *r,
		      struct iface *i, const char *what)
{
	char w[WHAT_MAX];
	const struct cfg_node *v;
	unsigned long sub;
	check_keys(d, n, lan6_keys, what);
	if ((v = cfg_map_get(n, "address")))
		static6_build(d, v, r, i, what_join(w, what, "address"));
	i->ipv6 = IPV6_LAN;
	if ((v = cfg_map_get(n, "from"))) {
		what_join(w, what, "from");
		if (!expect_str(d, v, w))
			return -EINVAL;
	}
	if (!(v = require_key(d, n, "subnet", n->pos, what)))
		return -EINVAL;
	what_join(w, what, "subnet");
	if (expect_uint(d, v, w, 0, SUBNET_MAX, &sub) < 0)
		return -EINVAL;
	i->subnet = (uint32_t)sub;
	return 0;
}

static int gateway6_build(struct diags *d, const struct cfg_node *n, struct iface *i,
			  const char *what)
{
	char w[WHAT_MAX];
	struct shown sh;
	what_join(w, what, "ipv6-gateway");
	const char *s = expect_str(d, n, w);
	if (!s)
		return -EINVAL;
	if (addr_parse(s, &i->gateway6) < 0 || i->gateway6.family != AF_INET6) {
		diag_error(d, n->pos, "%s: malformed IPv6 address '%s'", w, node_show(n, &sh));
		return -EINVAL;
	}
	if (i->ipv6 != IPV6_STATIC) {
		diag_error(d, n->pos,
			   "%s: only with a static ipv6 address (with slaac or dhcp the router "
			   "advertisements give the gateway)",
			   w);
		return -EINVAL;
	}
	const uint8_t *a = i->gateway6.a;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) {
		i->has_gateway6 = true; /* link-local: on this port by definition */
		return 0;
	}
	for (size_t k = 0; k < i->n_addrs6; k++) {
		if (addr_equal(&i->addrs6[k].addr, &i->gateway6)) {
			diag_error(d, n->pos, "%s: '%s' is the router's own address", w,
				   node_show(n, &sh));
			return -EINVAL;
		}
	}
	for (size_t k = 0; k < i->n_addrs6; k++) {
		if (cidr_contains(&i->addrs6[k], &i->gateway6)) {
			i->has_gateway6 = true;
			return 0;
		}
	}
	diag_error(d, n->pos,
		   "%s: '%s' is neither link-local nor inside the prefixes of interface '%s'", w,
		   node_show(n, &sh), i->name);
	return -EINVAL;
}

static void pd_len_build(struct diags *d, const struct cfg_node *n, struct iface *i,
			 const char *what)
{
	char w[WHAT_MAX];
	unsigned long len;
	what_join(w, what, "ipv6-prefix");
	if (i->ipv6 != IPV6_DHCP) {
		diag_error(d, n->pos,
			   "%s: only with ipv6: dhcp (the length of the prefix asked for by "
			   "DHCPv6 prefix delegation)",
			   w);
		return;
	}
	if (expect_uint(d, n, w, PD_LEN_MIN, PD_LEN_MAX, &len) == 0)
		i->pd_len = (int)len;
}

int ipv6_iface_build(struct diags *d, const struct cfg_node *map, struct router *r,
		     struct iface *i, const char *what)
{
	char w[WHAT_MAX];
	const struct cfg_node *n = cfg_map_get(map, "ipv6"), *v;
	int rc = 0;
	what_join(w, what, "ipv6");
	i->pd_len = PD_LEN_DEFAULT;
	if (n) {
		i->ipv6_pos = model_pos(r, n);
		if (n->kind == CFG_MAP)
			rc = lan6_build(d, n, r, i, w);
		else if (n->kind == CFG_SCALAR && !node_is_null(n) && strcmp(n->str, "none") == 0)
			i->ipv6 = IPV6_NONE;
		else if (n->kind == CFG_SCALAR && !node_is_null(n) && strcmp(n->str, "slaac") == 0)
			i->ipv6 = IPV6_SLAAC;
		else if (n->kind == CFG_SCALAR && !node_is_null(n) && strcmp(n->str, "dhcp") == 0)
			i->ipv6 = IPV6_DHCP;
		else if (node_is_null(n)) {
			diag_error(d, n->pos,
				   "%s: expected none, slaac, dhcp, A::B/LEN or { from: PORT, "
				   "subnet: N }, got nothing",
				   w);
			rc = -EINVAL;
		} else
			rc = static6_build(d, n, r, i, w);
	}
	if ((v = cfg_map_get(map, "ipv6-prefix")))
		pd_len_build(d, v, i, what);
	if ((v = cfg_map_get(map, "ipv6-gateway")))
		gateway6_build(d, v, i, what);
	return rc;
}

int dhcp6_build(struct diags *d, const struct cfg_node *n, struct dhcp *h, const char *what)
{
	static const char *const names[] = {"slaac", "stateless", "stateful"};
	struct shown sh;
	const char *s = expect_str(d, n, what);
	if (!s)
		return -EINVAL;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(s, names[k]) == 0) {
			h->ipv6 = (enum dhcp6_mode)k;
			break;
		}
		if (k + 1 == sizeof(names) / sizeof(names[0])) {
			diag_error(d, n->pos, "%s: expected slaac, stateless or stateful, got '%s'",
				   what, node_show(n, &sh));
			return -EINVAL;
		}
	}
	if (h->iface && !iface_lan6(h->iface)) {
		diag_error(d, n->pos,
			   "%s: interface '%s' has no IPv6 of its own to serve from (ipv6: { "
			   "from: PORT, subnet: N } or a static A::B/64)",
			   what, h->iface->name);
		return -EINVAL;
	}
	return 0;
}

static int ula_build(struct diags *d, const struct cfg_node *n, struct router *r)
{
	struct shown sh;
	const char *s = expect_str(d, n, "ipv6: ula");
	struct cidr net;
	if (!s)
		return -EINVAL;
	r->ipv6.ula_pos = model_pos(r, n);
	if (strcmp(s, "auto") == 0 || strcmp(s, "none") == 0) {
		r->ipv6.ula = s[0] == 'a' ? ULA_AUTO : ULA_NONE;
		return 0;
	}
	if (!strchr(s, '/') || cidr_parse(s, &r->ipv6.ula_prefix) < 0 ||
	    r->ipv6.ula_prefix.addr.family != AF_INET6) {
		diag_error(d, n->pos, "ipv6: ula: expected auto, none or fdXX:XXXX:XXXX::/48, got '%s'",
			   node_show(n, &sh));
		return -EINVAL;
	}
	if (r->ipv6.ula_prefix.addr.a[0] != 0xfd) {
		diag_error(d, n->pos,
			   "ipv6: ula: '%s' is outside fd00::/8 (RFC 4193: a locally assigned "
			   "unique local prefix starts with fd)",
			   node_show(n, &sh));
		return -EINVAL;
	}
	if (r->ipv6.ula_prefix.len != 48) {
		diag_error(d, n->pos, "ipv6: ula: '%s' is not a /48 (RFC 4193 prefixes are /48)",
			   node_show(n, &sh));
		return -EINVAL;
	}
	cidr_network(&r->ipv6.ula_prefix, &net);
	if (!addr_equal(&net.addr, &r->ipv6.ula_prefix.addr)) {
		diag_error(d, n->pos, "ipv6: ula: '%s' has host bits set (a /48 ends in ::/48)",
			   node_show(n, &sh));
		return -EINVAL;
	}
	r->ipv6.ula = ULA_STATIC;
	return 0;
}

int ipv6_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	const struct cfg_node *v;
	if (!expect_map(d, n, "ipv6"))
		return -EINVAL;
	check_keys(d, n, ipv6_keys, "ipv6");
	if ((v = cfg_map_get(n, "ula")))
		return ula_build(d, v, r);
	return 0;
}

/* `from` names a port with ipv6: dhcp, and N fits its prefix length. */
static void check_from(const struct cfg_node *ifs, struct router *r, struct iface *i,
		       struct diags *d)
{
	const struct cfg_node *v = cfg_map_get(ifs, i->name), *sub;
	struct shown sh;
	v = cfg_map_get(v, "ipv6");
	sub = cfg_map_get(v, "subnet");
	v = cfg_map_get(v, "from");
	if (!v || v->kind != CFG_SCALAR || node_is_null(v))
		return;
	struct iface *w = model_iface(r, v->str);
	if (!w) {
		diag_error(d, v->pos, "interface '%s': ipv6: from: unknown interface '%s'",
			   i->name, node_show(v, &sh));
		return;
	}
	if (w->ipv6 != IPV6_DHCP) {
		diag_error(d, v->pos,
			   "interface '%s': ipv6: from: interface '%s' does not have ipv6: dhcp, "
			   "so it gets no delegated prefix",
			   i->name, w->name);
		return;
	}
	i->pd_from = w;
	uint32_t max = (1u << (64 - w->pd_len)) - 1;
	if (i->subnet > max && sub)
		diag_error(d, sub->pos,
			   "interface '%s': ipv6: subnet: %u does not fit the /%d that interface "
			   "'%s' asks for (0..%u; a /%d holds %u /64s)",
			   i->name, (unsigned)i->subnet, w->pd_len, w->name, (unsigned)max,
			   w->pd_len, (unsigned)max + 1);
}

void ipv6_check(const struct cfg_node *root, struct router *r, struct diags *d)
{
	const struct cfg_node *ifs = cfg_map_get(root, "interfaces");
	for (size_t k = 0; k < r->n_ifaces; k++) {
		struct iface *i = &r->ifaces[k];
		if (!i->name[0] || i->ipv6 != IPV6_LAN)
			continue;
		check_from(ifs, r, i, d);
		const struct cfg_node *v6 = cfg_map_get(cfg_map_get(ifs, i->name), "ipv6");
		if (!cfg_map_get(v6, "from") && r->ipv6.ula == ULA_NONE)
			diag_error(d, i->ipv6_pos,
				   "interface '%s': ipv6: no from and ipv6.ula is none, so the port "
				   "would get no IPv6 address",
				   i->name);
		/* Two ports with one N would get the same ULA /64 (and the
		 * same delegated /64 when fed by one WAN). */
		for (size_t j = 0; j < k; j++) {
			const struct iface *o = &r->ifaces[j];
			if (o->ipv6 != IPV6_LAN || o->subnet != i->subnet)
				continue;
			if (r->ipv6.ula == ULA_NONE && (o->pd_from != i->pd_from || !i->pd_from))
				continue;
			diag_error(d, i->ipv6_pos,
				   "interface '%s': ipv6: subnet %u is already used by interface "
				   "'%s'",
				   i->name, (unsigned)i->subnet, o->name);
		}
	}
}

int ipv6_subnet_addr(const struct cidr *prefix, uint32_t n, struct cidr *out)
{
	int bits = 64 - prefix->len;
	if (prefix->addr.family != AF_INET6 || bits < 0 || (bits < 32 && n >> bits))
		return -ERANGE;
	cidr_network(prefix, out);
	/* N fills bits len..63, big-endian, right-aligned against bit 63. */
	for (int b = 0; b < bits && b < 32; b++)
		if (n & (1u << b))
			out->addr.a[7 - b / 8] |= (uint8_t)(1u << (b % 8));
	memset(out->addr.a + 8, 0, 8);
	out->addr.a[15] = 1;
	out->len = 64;
	return 0;
}

size_t ipv6_port_addrs(const struct router *r, const struct iface *p, const struct ipv6_live *lv,
		       struct cidr *out, size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < p->n_addrs6 && n < max; k++)
		out[n++] = p->addrs6[k];
	if (p->ipv6 != IPV6_LAN || !lv)
		return n;
	if (p->pd_from && lv->pd && n < max) {
		const struct cidr *pd = &lv->pd[p->pd_from - r->ifaces];
		if (pd->len && ipv6_subnet_addr(pd, p->subnet, &out[n]) == 0)
			n++;
	}
	if (lv->has_ula && n < max && ipv6_subnet_addr(&lv->ula, p->subnet, &out[n]) == 0)
		n++;
	return n;
}
