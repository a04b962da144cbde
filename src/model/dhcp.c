/* dhcp (per-interface DHCP servers), dns (forwarding) and blackhole (bans). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

static const char *const dhcp_keys[] = {"range",   "lease", "hosts",	   "dns",
					"gateway", "ipv6",  "client-rate", NULL};
static const char *const host_keys[] = {"mac", "ip", "name", NULL};
static const char *const dns_keys[] = {"upstream", "domain", "blocklists", NULL};
static const char *const blackhole_keys[] = {"timeout", "check", "lists", NULL};

#define LEASE_MIN 120 /* dnsmasq raises anything shorter to 2m silently */

static int ip4_value(struct diags *d, const struct cfg_node *v, struct ipaddr *out,
		     const char *what)
{
	const char *s = expect_str(d, v, what);
	if (!s)
		return -EINVAL;
	struct shown sh;
	if (addr_parse4(s, out) < 0) {
		diag_error(d, v->pos, "%s: malformed IPv4 address '%s'", what, node_show(v, &sh));
		return -EINVAL;
	}
	return 0;
}

/* A host address of the interface's subnet that is not the router's. */
static int in_subnet(struct diags *d, const struct cfg_node *v, const struct iface *i,
		     const struct ipaddr *a, const char *what)
{
	struct shown sh;
	const struct cidr *sub = iface_subnet_of(i, a);
	char net[ADDR_STRLEN] = "?";
	if (i->n_addrs) {
		struct cidr c;
		cidr_network(&i->addrs[0], &c);
		cidr_format(&c, net, sizeof(net));
	}
	if (!sub) {
		diag_error(d, v->pos, "%s: '%s' is outside interface '%s''s subnet %s", what,
			   node_show(v, &sh), i->name, net);
		return -EINVAL;
	}
	if (cidr_host_kind(sub, a) < 0) {
		diag_error(d, v->pos, "%s: '%s' is the network or broadcast address of %s", what,
			   node_show(v, &sh), net);
		return -EINVAL;
	}
	return 0;
}

static int range_build(struct diags *d, const struct cfg_node *v, struct dhcp *h, const char *what)
{
	const char *s = expect_str(d, v, what);
	if (!s)
		return -EINVAL;
	struct shown sh;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	const char *dash = strchr(s, '-');
	size_t alen = dash ? (size_t)(dash - s) : 0;
	if (!dash || alen >= sizeof(a) || strlen(dash + 1) >= sizeof(b)) {
		diag_error(d, v->pos, "%s: expected A.B.C.D-A.B.C.D, got '%s'", what,
			   node_show(v, &sh));
		return -EINVAL;
	}
	memcpy(a, s, alen);
	a[alen] = '\0';
	snprintf(b, sizeof(b), "%s", dash + 1);
	if (addr_parse4(a, &h->start) < 0 || addr_parse4(b, &h->end) < 0) {
		diag_error(d, v->pos, "%s: malformed range '%s' (A.B.C.D-A.B.C.D)", what,
			   node_show(v, &sh));
		return -EINVAL;
	}
	if (addr_cmp(&h->start, &h->end) > 0) {
		diag_error(d, v->pos, "%s: '%s' starts after it ends", what, node_show(v, &sh));
		return -EINVAL;
	}
	const struct iface *i = h->iface;
	if (!i || i->ipv4 != IPV4_STATIC || i->n_addrs == 0)
		return 0;
	if (in_subnet(d, v, i, &h->start, what) < 0 || in_subnet(d, v, i, &h->end, what) < 0)
		return -EINVAL;
	if (iface_subnet_of(i, &h->start) != iface_subnet_of(i, &h->end)) {
		diag_error(d, v->pos, "%s: '%s' spans two subnets", what, node_show(v, &sh));
		return -EINVAL;
	}
	const struct cidr *sub = iface_subnet_of(i, &h->start);
	if (addr_cmp(&h->start, &sub->addr) <= 0 && addr_cmp(&sub->addr, &h->end) <= 0) {
		char own[ADDR_STRLEN];
		addr_format(&sub->addr, own, sizeof(own));
		diag_error(d, v->pos, "%s: '%s' contains the router's own address %s", what,
			   node_show(v, &sh), own);
		return -EINVAL;
	}
	return 0;
}

static void host_build(struct diags *d, const struct cfg_node *n, struct dhcp *h,
		       const struct router *r, const char *what)
{
	struct dhcp_host *host = &h->hosts[h->n_hosts];
	char w[WHAT_MAX];
	struct shown sh;
	host->pos = model_pos(r, n);
	if (!expect_map(d, n, what))
		return;
	check_keys(d, n, host_keys, what);
	const struct cfg_node *v;
	bool ok = true;
	what_join(w, what, "mac");
	if ((v = require_key(d, n, "mac", n->pos, what))) {
		const char *s = expect_str(d, v, w);
		if (s && mac_parse(s, host->mac) < 0) {
			diag_error(
			    d, v->pos,
			    "%s: malformed MAC address '%s' (six hex pairs: 52:54:00:12:34:56)", w,
			    node_show(v, &sh));
			ok = false;
		}
		for (size_t k = 0; s && ok && k < h->n_hosts; k++) {
			if (memcmp(h->hosts[k].mac, host->mac, 6) == 0) {
				diag_error(d, v->pos, "%s: MAC '%s' already has a host (line %d)",
					   w, s, h->hosts[k].pos.line);
				ok = false;
			}
		}
		ok = ok && s;
	}
	what_join(w, what, "ip");
	if ((v = require_key(d, n, "ip", n->pos, what))) {
		bool good = ip4_value(d, v, &host->ip, w) == 0 &&
			    in_subnet(d, v, h->iface, &host->ip, w) == 0;
		for (size_t k = 0; good && k < h->n_hosts; k++) {
			if (addr_equal(&h->hosts[k].ip, &host->ip)) {
				diag_error(d, v->pos, "%s: '%s' already given to a host (line %d)",
					   w, v->str, h->hosts[k].pos.line);
				good = false;
			}
		}
		const struct cidr *sub = good ? iface_subnet_of(h->iface, &host->ip) : NULL;
		if (sub && addr_equal(&sub->addr, &host->ip)) {
			diag_error(d, v->pos, "%s: '%s' is the router's own address", w, v->str);
			good = false;
		}
		ok = ok && good;
	}
	if ((v = cfg_map_get(n, "name"))) {
		what_join(w, what, "name");
		if (expect_safe_text(d, v, w) < 0) {
			ok = false;
		} else if (!hostname_valid(v->str) || strchr(v->str, '.') ||
			   v->len >= sizeof(host->name)) {
			diag_error(
			    d, v->pos,
			    "%s: invalid host name '%s' (one DNS label: letters, digits, '-')", w,
			    node_show(v, &sh));
			ok = false;
		} else {
			snprintf(host->name, sizeof(host->name), "%s", v->str);
		}
	}
	if (ok)
		h->n_hosts++;
}

static void addr_list(struct diags *d, const struct cfg_node *n, struct dhcp *h, const char *what)
{
	if (n->kind == CFG_MAP || node_is_null(n)) {
		diag_error(d, n->pos, "%s: expected an address or a list of them, got %s", what,
			   node_kind(n));
		return;
	}
	size_t count = n->kind == CFG_SEQ ? n->n : 1;
	if (!within_limit(d, n, MAX_DHCP_DNS, what))
		return;
	h->dns = calloc(count ? count : 1, sizeof(*h->dns));
	if (!h->dns) {
		diag_error(d, n->pos, "out of memory");
		return;
	}
	for (size_t i = 0; i < count; i++) {
		const struct cfg_node *item = n->kind == CFG_SEQ ? n->val[i] : n;
		if (ip4_value(d, item, &h->dns[h->n_dns], what) == 0)
			h->n_dns++;
	}
}

static void dhcp_build(struct diags *d, const struct cfg_node *key, const struct cfg_node *n,
		       struct router *r, struct dhcp *h)
{
	char what[WHAT_MAX], w[WHAT_MAX];
	struct shown sh;
	snprintf(what, sizeof(what), "dhcp '%s'", node_show(key, &sh));
	h->pos = model_pos(r, key);
	h->lease = 3600;
	struct iface *i = model_iface(r, key->str);
	if (!i) {
		diag_error(d, key->pos, "dhcp: unknown interface '%s'", node_show(key, &sh));
		return;
	}
	if (i->ipv4 == IPV4_STATIC && i->n_addrs == 0)
		return; /* its addresses were refused, and reported */
	if (i->ipv4 != IPV4_STATIC) {
		diag_error(d, key->pos,
			   "dhcp: interface '%s' has no static IPv4 address (ipv4: A.B.C.D/LEN) to "
			   "serve DHCP from",
			   i->name);
		return;
	}
	if (i->dhcp) {
		diag_error(d, key->pos, "dhcp: interface '%s' has a DHCP server already", i->name);
		return;
	}
	h->iface = i;
	i->dhcp = h;
	if (!expect_map(d, n, what))
		return;
	check_keys(d, n, dhcp_keys, what);
	const struct cfg_node *v;
	what_join(w, what, "range");
	if ((v = require_key(d, n, "range", key->pos, what)))
		range_build(d, v, h, w);
	if ((v = cfg_map_get(n, "lease"))) {
		what_join(w, what, "lease");
		if (expect_duration(d, v, w, &h->lease) == 0 && h->lease < LEASE_MIN)
			diag_error(d, v->pos, "%s: '%s' is shorter than dnsmasq's minimum of 2m", w,
				   node_show(v, &sh));
	}
	if ((v = cfg_map_get(n, "hosts"))) {
		what_join(w, what, "hosts");
		if (expect_seq(d, v, w) && within_limit(d, v, MAX_HOSTS, w) && v->n &&
		    (h->hosts = calloc(v->n, sizeof(*h->hosts)))) {
			for (size_t k = 0; k < v->n; k++) {
				char idx[32];
				snprintf(idx, sizeof(idx), "hosts[%zu]", k);
				host_build(d, v->val[k], h, r, what_join(w, what, idx));
			}
		}
	}
	if ((v = cfg_map_get(n, "dns"))) {
		what_join(w, what, "dns");
		addr_list(d, v, h, w);
	}
	if ((v = cfg_map_get(n, "gateway"))) {
		what_join(w, what, "gateway");
		h->has_gateway =
		    ip4_value(d, v, &h->gateway, w) == 0 && in_subnet(d, v, i, &h->gateway, w) == 0;
	}
	if ((v = cfg_map_get(n, "ipv6")))
		dhcp6_build(d, v, h, what_join(w, what, "ipv6"));
	if ((v = cfg_map_get(n, "client-rate"))) {
		what_join(w, what, "client-rate");
		model_rate(d, v, &h->client_rate, w);
	}
}

int dhcp_build_all(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (!expect_map(d, n, "dhcp"))
		return -EINVAL;
	if (n->n == 0 || !within_limit(d, n, MAX_IFACES, "dhcp"))
		return 0;
	r->dhcps = calloc(n->n, sizeof(*r->dhcps));
	if (!r->dhcps) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	r->n_dhcps = n->n;
	for (size_t k = 0; k < n->n; k++)
		dhcp_build(d, n->key[k], n->val[k], r, &r->dhcps[k]);
	return 0;
}

/* "A.B.C.D[:PORT]", "[v6]:PORT", "v6", "tls://ADDR[:PORT]#NAME". */
static int upstream_parse(const char *s, struct upstream *u, const char **why)
{
	char a[ADDR_STRLEN];
	const char *p = s, *end, *port = NULL;
	u->tls = strncmp(s, "tls://", 6) == 0;
	if (u->tls)
		p += 6;
	const char *hash = strchr(p, '#');
	end = hash ? hash : p + strlen(p);
	if (hash && !u->tls)
		return *why = "'#NAME' belongs to tls:// upstreams", -EINVAL;
	if (u->tls && !hash)
		return *why = "tls:// needs '#NAME', the name on the server's certificate", -EINVAL;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close || (close + 1 != end && close[1] != ':'))
			return *why = "malformed [IPv6]:PORT", -EINVAL;
		port = close + 1 != end ? close + 2 : NULL;
		p++;
		end = close;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		/* More than one colon: a bare IPv6 address, no port. */
		if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
			port = colon + 1;
			end = colon;
		}
	}
	if ((size_t)(end - p) >= sizeof(a))
		return *why = "malformed address", -EINVAL;
	memcpy(a, p, (size_t)(end - p));
	a[end - p] = '\0';
	if (addr_parse(a, &u->addr) < 0)
		return *why = "malformed address", -EINVAL;
	u->port = u->tls ? 853 : 53;
	if (port) {
		char ps[8];
		size_t n = (size_t)((hash ? hash : port + strlen(port)) - port);
		if (n == 0 || n >= sizeof(ps))
			return *why = "malformed port", -EINVAL;
		memcpy(ps, port, n);
		ps[n] = '\0';
		if (port_parse(ps, &u->port) < 0)
			return *why = "port out of range (1-65535)", -EINVAL;
	}
	if (hash) {
		if (!hostname_valid(hash + 1) || strlen(hash + 1) >= sizeof(u->tls_name))
			return *why = "'#NAME' must be a valid DNS name", -EINVAL;
		snprintf(u->tls_name, sizeof(u->tls_name), "%s", hash + 1);
	}
	return 0;
}

static int lists_build(const struct cfg_node *v, struct router *r, const char *what,
		       struct blocklist **out, size_t *n, struct diags *d);

int dns_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (!expect_map(d, n, "dns"))
		return -EINVAL;
	check_keys(d, n, dns_keys, "dns");
	const struct cfg_node *v;
	struct shown sh;
	if ((v = cfg_map_get(n, "upstream"))) {
		size_t count = v->kind == CFG_SEQ ? v->n : 1;
		if (v->kind == CFG_MAP || node_is_null(v)) {
			diag_error(d, v->pos, "dns: upstream: expected a list of servers, got %s",
				   node_kind(v));
		} else if (!within_limit(d, v, MAX_UPSTREAMS, "dns: upstream")) {
			/* reported */
		} else if (count && !(r->dns.upstream = calloc(count, sizeof(*r->dns.upstream)))) {
			diag_error(d, v->pos, "out of memory");
		} else {
			for (size_t i = 0; i < count; i++) {
				const struct cfg_node *item = v->kind == CFG_SEQ ? v->val[i] : v;
				struct upstream *u = &r->dns.upstream[r->dns.n_upstream];
				const char *why = NULL;
				if (expect_safe_text_but(d, item, "dns: upstream", "#") < 0)
					continue;
				if (upstream_parse(item->str, u, &why) < 0) {
					diag_error(
					    d, item->pos,
					    "dns: upstream: '%s': %s (A.B.C.D, A.B.C.D:PORT, "
					    "[A::B]:PORT or tls://ADDR[:PORT]#NAME)",
					    node_show(item, &sh), why);
					continue;
				}
				u->pos = model_pos(r, item);
				r->dns.n_upstream++;
			}
		}
	}
	if ((v = cfg_map_get(n, "domain")) && expect_safe_text(d, v, "dns: domain") == 0) {
		if (!hostname_valid(v->str))
			diag_error(d, v->pos, "dns: domain: invalid domain '%s'",
				   node_show(v, &sh));
		else
			snprintf(r->dns.domain, sizeof(r->dns.domain), "%s", v->str);
	}
	if ((v = cfg_map_get(n, "blocklists")))
		lists_build(v, r, "dns: blocklists", &r->dns.blocklists, &r->dns.n_blocklists, d);
	return 0;
}

char *model_path_resolve(const char *config, const char *path)
{
	char *out = NULL;
	const char *slash = strrchr(config, '/');
	if (path[0] == '/' || !slash)
		return strdup(path);
	if (asprintf(&out, "%.*s/%s", (int)(slash - config), config, path) < 0)
		return NULL;
	return out;
}

/* A list of files (blackhole.lists, dns.blocklists), each resolved
 * against the config's directory. */
static int lists_build(const struct cfg_node *v, struct router *r, const char *what,
		       struct blocklist **out, size_t *n, struct diags *d)
{
	if (!expect_seq(d, v, what) || v->n == 0 || !within_limit(d, v, MAX_BLOCKLISTS, what))
		return 0;
	*out = calloc(v->n, sizeof(**out));
	if (!*out) {
		diag_error(d, v->pos, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct cfg_node *item = v->val[i];
		if (expect_safe_text(d, item, what) < 0)
			continue;
		struct blocklist *l = &(*out)[*n];
		l->pos = model_pos(r, item);
		l->path = model_path_resolve(r->origin, item->str);
		if (!l->path) {
			diag_error(d, item->pos, "out of memory");
			continue;
		}
		(*n)++;
	}
	return 0;
}

/* blackhole.check: `packet` (the default) or `connection`. */
static void check_build(struct diags *d, const struct cfg_node *n, enum ban_check *out)
{
	const char *s = expect_str(d, n, "blackhole: check");
	struct shown sh;
	if (!s)
		return;
	if (strcmp(s, "packet") == 0)
		*out = BAN_CHECK_PACKET;
	else if (strcmp(s, "connection") == 0)
		*out = BAN_CHECK_CONNECTION;
	else
		diag_error(d, n->pos, "blackhole: check: expected packet or connection, got '%s'",
			   node_show(n, &sh));
}

int blackhole_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	if (!expect_map(d, n, "blackhole"))
		return -EINVAL;
	check_keys(d, n, blackhole_keys, "blackhole");
	const struct cfg_node *v;
	if ((v = cfg_map_get(n, "timeout")))
		expect_duration(d, v, "blackhole: timeout", &r->blackhole.timeout);
	if ((v = cfg_map_get(n, "check")))
		check_build(d, v, &r->blackhole.check);
	if (!(v = cfg_map_get(n, "lists")))
		return 0;
	return lists_build(v, r, "blackhole: lists", &r->blackhole.lists, &r->blackhole.n_lists, d);
}
