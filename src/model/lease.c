/* A WAN DHCP lease, checked before anything changes: see lease.h. */
#include "model/lease.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The lease is refused: say why in dg. Returns -EINVAL. */
static int refuse(struct diags *dg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct diags *dg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(dg, nopos, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint32_t v4(const struct ipaddr *a)
{
	return (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 | a->a[3];
}

/* Addresses that are never a host on the internet side: what no lease,
 * gateway or DNS server may be. NULL for an ordinary unicast address. */
static const char *addr4_refusal(const struct ipaddr *a)
{
	uint32_t x = v4(a);
	if (x == 0)
		return "unspecified";
	if (x == 0xffffffffu)
		return "broadcast";
	if ((x >> 24) == 0)
		return "'this network' (0.0.0.0/8)";
	if ((x >> 24) == 127)
		return "loopback";
	if ((x >> 16) == 0xa9fe)
		return "link-local";
	if ((x >> 28) == 0xe)
		return "multicast";
	if ((x >> 28) == 0xf)
		return "reserved (240.0.0.0/4)";
	return NULL;
}

static const char *addr6_refusal(const struct ipaddr *a)
{
	static const uint8_t zero[16];
	if (memcmp(a->a, zero, 16) == 0)
		return "unspecified";
	if (memcmp(a->a, zero, 15) == 0 && a->a[15] == 1)
		return "loopback";
	if (a->a[0] == 0xff)
		return "multicast";
	if (a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80)
		return "link-local";
	return NULL;
}

/* ::ffff:A.B.C.D is A.B.C.D: judged (and used) as IPv4. */
static void addr_unmap(struct ipaddr *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (a->family != AF_INET6 || memcmp(a->a, prefix, 12) != 0)
		return;
	uint8_t x[4];
	memcpy(x, a->a + 12, 4);
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->a, x, 4);
}

static const struct lease_other *other_holding(const struct lease_other *o, size_t n,
					       const struct cidr *c)
{
	for (size_t i = 0; i < n; i++)
		if (cidr_overlap(&o[i].net, c))
			return &o[i];
	return NULL;
}

/* The network or broadcast address of a subnet that has them (< /31). */
static bool is_net_or_bcast(const struct cidr *subnet, const struct ipaddr *a)
{
	if (subnet->len > 30 || !cidr_contains(subnet, a))
		return false;
	uint32_t host = subnet->len ? 0xffffffffu >> subnet->len : 0xffffffffu;
	return (v4(a) & host) == 0 || (v4(a) & host) == host;
}

const char *lease_dns_refusal(struct ipaddr *a, const struct ipaddr *self,
			      const struct lease_other *others, size_t n_others)
{
	addr_unmap(a);
	const char *r = a->family == AF_INET ? addr4_refusal(a) : addr6_refusal(a);
	if (r)
		return r;
	if (self && addr_equal(a, self))
		return "the router's own WAN address";
	struct cidr host = {*a, a->family == AF_INET ? 32 : 128};
	if (other_holding(others, n_others, &host))
		return "inside a subnet of another port";
	return NULL;
}

/* "24", or a dotted mask with contiguous ones ("255.255.255.0"). */
static int prefix_parse(const char *s, int *out)
{
	struct ipaddr m;
	char *end;
	if (addr_parse4(s, &m) == 0) {
		uint32_t x = v4(&m);
		int n = 0;
		while (n < 32 && (x & (0x80000000u >> n)))
			n++;
		if (n < 32 && (x << n) != 0)
			return -EINVAL;
		*out = n;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9' || strlen(s) > 2)
		return -EINVAL;
	long v = strtol(s, &end, 10);
	if (*end || v > 32)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* Checks of a next hop named by the server (option 3 or a classless
 * route): a unicast address, not ours, not another port's. */
static int gateway_check(const struct ipaddr *gw, const struct lease *l,
			 const struct lease_other *others, size_t n_others, struct diags *dg)
{
	char g[ADDR_STRLEN], c[ADDR_STRLEN];
	const char *r = addr4_refusal(gw);
	addr_format(gw, g, sizeof(g));
	if (r)
		return refuse(dg, "gateway %s: %s", g, r);
	if (addr_equal(gw, &l->addr.addr))
		return refuse(dg, "gateway %s: the leased address itself", g);
	if (is_net_or_bcast(&l->addr, gw))
		return refuse(dg, "gateway %s: the network or broadcast address of the subnet",
			       g);
	struct cidr host = {*gw, 32};
	const struct lease_other *o = other_holding(others, n_others, &host);
	if (o) {
		cidr_format(&o->net, c, sizeof(c));
		return refuse(dg, "gateway %s: inside %s's subnet %s", g, o->name, c);
	}
	return 0;
}

static void route_add(struct lease_route *v, size_t *n, const struct cidr *dst,
		      const struct ipaddr *gw)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i].dst.len == dst->len && addr_equal(&v[i].dst.addr, &dst->addr) &&
		    addr_equal(&v[i].gw, gw))
			return;
	v[*n].dst = *dst;
	v[*n].gw = *gw;
	(*n)++;
}

/* Option 121/249 as udhcpc prints it: "DST/LEN ROUTER ..." pairs. */
static int classless_parse(const char *text, struct lease_route *v, size_t *n, struct diags *dg)
{
	char *copy = strdup(text), *save = NULL;
	int rc = 0;
	if (!copy)
		return -ENOMEM;
	*n = 0;
	for (char *d = strtok_r(copy, " \t", &save); d && rc == 0; d = strtok_r(NULL, " \t", &save)) {
		char *g = strtok_r(NULL, " \t", &save);
		struct lease_route r;
		struct cidr net;
		memset(&r, 0, sizeof(r));
		if (!g || !strchr(d, '/') || cidr_parse(d, &r.dst) < 0 ||
		    r.dst.addr.family != AF_INET || addr_parse4(g, &r.gw) < 0) {
			rc = refuse(dg, "classless static routes: malformed entry '%.40s%s%.20s'",
				     d, g ? " " : "", g ? g : "");
			break;
		}
		cidr_network(&r.dst, &net);
		if (!addr_equal(&net.addr, &r.dst.addr))
			rc = refuse(dg, "classless static route %.40s: host bits set", d);
		else if (*n == LEASE_MAX_ROUTES)
			rc = refuse(dg, "more than %d classless static routes",
				     LEASE_MAX_ROUTES);
		else
			v[(*n)++] = r;
	}
	free(copy);
	return rc;
}

/* A destination no server may route to us: special ranges, or a subnet
 * another port holds (the route would steal its traffic). */
static int dst_check(const struct lease_route *r, const struct lease_other *others, size_t n_others,
		     struct diags *dg)
{
	static const struct {
		uint8_t a, len;
		const char *what;
	} special[] = {{0, 8, "'this network'"},   {127, 8, "loopback"},
		       {224, 4, "multicast"},      {240, 4, "reserved"},
		       {169, 16, "link-local"}};
	char d[ADDR_STRLEN + 4], c[ADDR_STRLEN + 4];
	cidr_format(&r->dst, d, sizeof(d));
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		struct cidr s = {{AF_INET, {special[i].a, special[i].a == 169 ? 254 : 0}},
				 special[i].len};
		if (cidr_overlap(&s, &r->dst))
			return refuse(dg, "route to %s: covers %s addresses", d,
				       special[i].what);
	}
	const struct lease_other *o = other_holding(others, n_others, &r->dst);
	if (o) {
		cidr_format(&o->net, c, sizeof(c));
		return refuse(dg, "route to %s: overlaps %s's subnet %s", d, o->name, c);
	}
	return 0;
}

/* Where a route via gw can go: the subnet, an on-link classless route,
 * or (a /32 lease, no neighbours at all) a host route to gw added here. */
static int reach(struct lease *l, const struct ipaddr *gw, struct lease_route *onlink, size_t *n_on,
		 struct diags *dg)
{
	char g[ADDR_STRLEN], a[ADDR_STRLEN + 4];
	if (cidr_contains(&l->addr, gw))
		return 0;
	for (size_t i = 0; i < *n_on; i++)
		if (cidr_contains(&onlink[i].dst, gw))
			return 0;
	if (l->addr.len == 32) {
		struct cidr host = {*gw, 32};
		struct ipaddr none = {0};
		route_add(onlink, n_on, &host, &none);
		return 0;
	}
	addr_format(gw, g, sizeof(g));
	cidr_format(&l->addr, a, sizeof(a));
	return refuse(dg,
		       "gateway %s is outside the subnet of %s and no classless static route "
		       "reaches it",
		       g, a);
}

static int address_check(const struct lease_env *e, const struct lease_other *others,
			 size_t n_others, struct lease *l, struct diags *dg)
{
	char a[ADDR_STRLEN + 4], c[ADDR_STRLEN + 4];
	struct cidr net;
	if (!e->ip || addr_parse4(e->ip, &l->addr.addr) < 0)
		return refuse(dg, "no usable address ('%.40s')", e->ip ? e->ip : "");
	if (!e->mask || prefix_parse(e->mask, &l->addr.len) < 0)
		return refuse(dg, "no usable subnet mask ('%.20s')", e->mask ? e->mask : "");
	cidr_format(&l->addr, a, sizeof(a));
	const char *r = addr4_refusal(&l->addr.addr);
	if (r)
		return refuse(dg, "address %s: %s", a, r);
	if (l->addr.len < LEASE_MIN_PREFIX)
		return refuse(dg, "address %s: a mask shorter than /%d", a,
			       LEASE_MIN_PREFIX);
	if (is_net_or_bcast(&l->addr, &l->addr.addr))
		return refuse(dg, "address %s: the network or broadcast address of its subnet",
			       a);
	cidr_network(&l->addr, &net);
	const struct lease_other *o = other_holding(others, n_others, &net);
	if (o) {
		cidr_format(&o->net, c, sizeof(c));
		return refuse(dg, "address %s: overlaps %s's subnet %s", a, o->name, c);
	}
	return 0;
}

/* The server's routes: option 121 (else 249) if given, which makes the
 * client ignore option 3 (RFC 3442); else the first router of option 3. */
static int routes_wanted(const struct lease_env *e, struct lease *l, struct lease_route *v,
			 size_t *n, struct diags *dg)
{
	const char *cl = e->staticroutes && *e->staticroutes ? e->staticroutes
			 : e->msstaticroutes && *e->msstaticroutes ? e->msstaticroutes
								   : NULL;
	*n = 0;
	if (cl) {
		l->classless = true;
		return classless_parse(cl, v, n, dg);
	}
	char first[64];
	snprintf(first, sizeof(first), "%s", e->router ? e->router : "");
	first[strcspn(first, " \t")] = '\0';
	if (!first[0])
		return 0; /* no gateway: no default route */
	memset(&v[0], 0, sizeof(v[0]));
	if (addr_parse4(first, &v[0].gw) < 0)
		return refuse(dg, "malformed router '%.40s'", first);
	v[0].dst.addr.family = AF_INET;
	*n = 1;
	return 0;
}

static void dns_filter(const char *text, const struct lease_other *others, size_t n_others,
		       struct lease *l)
{
	char *copy = strdup(text ? text : ""), *save = NULL;
	size_t used = 0;
	for (char *t = copy ? strtok_r(copy, " \t", &save) : NULL; t; t = strtok_r(NULL, " \t", &save)) {
		struct ipaddr a;
		const char *r = NULL;
		bool dup = false;
		if (addr_parse(t, &a) < 0)
			r = "malformed";
		else
			r = lease_dns_refusal(&a, &l->addr.addr, others, n_others);
		for (size_t i = 0; !r && i < l->n_dns; i++)
			dup |= addr_equal(&l->dns[i], &a);
		if (dup)
			continue;
		if (!r && l->n_dns == LEASE_MAX_DNS)
			r = "too many servers";
		if (!r) {
			l->dns[l->n_dns++] = a;
			continue;
		}
		int k = snprintf(l->dns_refused + used, sizeof(l->dns_refused) - used, "%s%.40s (%s)",
				 used ? ", " : "", t, r);
		if (k > 0 && (size_t)k < sizeof(l->dns_refused) - used)
			used += (size_t)k;
	}
	free(copy);
}

int lease_build(const struct lease_env *e, const struct lease_other *others, size_t n_others,
		struct lease *l, struct diags *dg)
{
	struct lease_route want[LEASE_MAX_ROUTES], onlink[LEASE_MAX_ROUTES * 2 + 1];
	size_t n_want = 0, n_on = 0;
	int rc;
	memset(l, 0, sizeof(*l));
	if ((rc = address_check(e, others, n_others, l, dg)) < 0 ||
	    (rc = routes_wanted(e, l, want, &n_want, dg)) < 0)
		return rc;
	for (size_t i = 0; i < n_want; i++) {
		bool is_onlink = want[i].gw.family == 0 || v4(&want[i].gw) == 0;
		if (want[i].dst.len > 0 && (rc = dst_check(&want[i], others, n_others, dg)) < 0)
			return rc;
		if (is_onlink && want[i].dst.len == 0)
			return refuse(dg, "gateway 0.0.0.0: a default route without a router");
		if (is_onlink)
			route_add(onlink, &n_on, &want[i].dst, &(struct ipaddr){0});
	}
	/* Gateways after every on-link route is known: one may reach another. */
	for (size_t i = 0; i < n_want; i++) {
		if (want[i].gw.family == 0 || v4(&want[i].gw) == 0)
			continue;
		if ((rc = gateway_check(&want[i].gw, l, others, n_others, dg)) < 0 ||
		    (rc = reach(l, &want[i].gw, onlink, &n_on, dg)) < 0)
			return rc;
	}
	if (n_on + n_want > LEASE_MAX_ROUTES)
		return refuse(dg, "more than %d routes", LEASE_MAX_ROUTES);
	for (size_t i = 0; i < n_on; i++)
		route_add(l->routes, &l->n_routes, &onlink[i].dst, &onlink[i].gw);
	for (int pass = 0; pass < 2; pass++) /* the default route last */
		for (size_t i = 0; i < n_want; i++)
			if (want[i].gw.family && v4(&want[i].gw) && (want[i].dst.len == 0) == pass)
				route_add(l->routes, &l->n_routes, &want[i].dst, &want[i].gw);
	dns_filter(e->dns, others, n_others, l);
	return 0;
}

size_t lease_others_from_model(const struct router *r, const char *port, struct lease_other *out,
			       size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *p = &r->ifaces[i];
		if (strcmp(p->name, port) == 0 || p->ipv4 != IPV4_STATIC)
			continue;
		for (size_t k = 0; k < p->n_addrs && n < max; k++) {
			out[n].net = p->addrs[k];
			snprintf(out[n].name, sizeof(out[n].name), "%s", p->name);
			n++;
		}
	}
	return n;
}
