/* interfaces.X.wireguard: a WireGuard port. Like a VLAN, its link is
 * nftrouter's to make (named as the port), so it has no `match`. The
 * private key is apply's (generated into the state dir); the file holds
 * what may be public: the listen port, the zones it is open to, and each
 * peer's public key and addresses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"
#include "util/wgkey.h"

#define MAX_WG_PEERS 1024
#define MAX_WG_ALLOWED 64 /* allowed-ips of one peer */

static const char *const wg_keys[] = {"port", "listen-zones", "peers", "endpoint", NULL};
static const char *const peer_keys[] = {"name",		      "public-key",
					"allowed-ips",	      "endpoint",
					"preshared-key-file", "persistent-keepalive",
					NULL};

void wg_free(struct wireguard *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_peers; i++) {
		free(w->peers[i].allowed);
		free(w->peers[i].psk_file);
	}
	free(w->peers);
	free(w->listen_zones);
	free(w);
}

/* A network, as the kernel keeps it: 10.8.0.2/24 would silently become
 * 10.8.0.0/24, a whole subnet routed to one phone. */
static int allowed_build(struct diags *d, const struct cfg_node *n, struct wg_peer *p,
			 const char *what)
{
	char w[WHAT_MAX], txt[ADDR_STRLEN];
	struct shown sh;
	what_join(w, what, "allowed-ips");
	size_t count = n->kind == CFG_SEQ ? n->n : 1;
	if (n->kind == CFG_MAP || count == 0 || node_is_null(n)) {
		diag_error(d, n->pos,
			   "%s: expected one or a list of networks (10.8.0.2/32, fd00:8::2/128)", w);
		return -EINVAL;
	}
	if (!within_limit(d, n, MAX_WG_ALLOWED, w))
		return -EINVAL;
	if (!(p->allowed = calloc(count, sizeof(*p->allowed)))) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t k = 0; k < count; k++) {
		const struct cfg_node *item = n->kind == CFG_SEQ ? n->val[k] : n;
		const char *s = expect_str(d, item, w);
		struct cidr c, net;
		if (!s) {
			rc = -EINVAL;
			continue;
		}
		if (!strchr(s, '/') || cidr_parse(s, &c) < 0) {
			diag_error(d, item->pos, "%s: '%s' is not a network ADDRESS/LENGTH", w,
				   node_show(item, &sh));
			rc = -EINVAL;
			continue;
		}
		cidr_network(&c, &net);
		if (!addr_equal(&net.addr, &c.addr)) {
			cidr_format(&net, txt, sizeof(txt));
			diag_error(d, item->pos,
				   "%s: '%s' has host bits set; the network is %s (a single "
				   "address is /32 or /128)",
				   w, node_show(item, &sh), txt);
			rc = -EINVAL;
			continue;
		}
		p->allowed[p->n_allowed++] = c;
	}
	return rc;
}

static void peer_build(struct diags *d, const struct router *r, const struct cfg_node *n,
		       struct wg_peer *p, const char *iface)
{
	char what[WHAT_MAX], w[WHAT_MAX];
	struct shown sh;
	const struct cfg_node *v;
	snprintf(what, sizeof(what), "interface '%s': wireguard: peers", iface);
	p->pos = model_pos(r, n);
	if (!expect_map(d, n, what))
		return;
	check_keys(d, n, peer_keys, what);
	if ((v = require_key(d, n, "name", n->pos, what))) {
		what_join(w, what, "name");
		const char *s = expect_str(d, v, w);
		if (s && !name_valid(s))
			diag_error(d, v->pos,
				   "%s: invalid name '%s' (1-63 characters of A-Z, a-z, 0-9, '_', "
				   "'.' and '-')",
				   w, node_show(v, &sh));
		else if (s)
			snprintf(p->name, sizeof(p->name), "%s", s);
	}
	if (p->name[0])
		snprintf(what, sizeof(what), "interface '%s': wireguard: peer '%s'", iface, p->name);
	if ((v = require_key(d, n, "public-key", n->pos, what))) {
		what_join(w, what, "public-key");
		const char *s = expect_str(d, v, w);
		if (s && wgkey_from_base64(s, p->key) < 0)
			diag_error(d, v->pos,
				   "%s: '%s' is not a WireGuard key (44 characters of base64 for 32 "
				   "bytes, as `wg pubkey` prints)",
				   w, node_show(v, &sh));
	}
	if ((v = require_key(d, n, "allowed-ips", n->pos, what)))
		allowed_build(d, v, p, what);
	if ((v = cfg_map_get(n, "endpoint"))) {
		what_join(w, what, "endpoint");
		const char *s = expect_str(d, v, w);
		if (s && metrics_listen_parse(s, &p->endpoint, &p->endpoint_port) < 0)
			diag_error(d, v->pos,
				   "%s: '%s' is not ADDRESS:PORT (\"198.51.100.7:51820\", "
				   "\"[2001:db8::7]:51820\")",
				   w, node_show(v, &sh));
		else if (s)
			p->has_endpoint = true;
	}
	if ((v = cfg_map_get(n, "preshared-key-file"))) {
		what_join(w, what, "preshared-key-file");
		const char *s = expect_str(d, v, w);
		if (s && s[0] != '/')
			diag_error(d, v->pos, "%s: '%s' is not an absolute path", w,
				   node_show(v, &sh));
		else if (s && !(p->psk_file = strdup(s)))
			diag_error(d, v->pos, "out of memory");
	}
	if ((v = cfg_map_get(n, "persistent-keepalive"))) {
		unsigned long k;
		what_join(w, what, "persistent-keepalive");
		if (expect_uint(d, v, w, 0, 65535, &k) == 0)
			p->keepalive = (uint16_t)k;
	}
}

/* What the kernel would take silently and get wrong: two peers with one
 * key are one peer, and an address in two peers' allowed-ips is routed to
 * whichever came last. Peer names are unique in the whole router, as
 * `wg peer NAME` takes no interface. */
static void peers_unique(struct diags *d, struct router *r, struct iface *self)
{
	struct wireguard *w = self->wg;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	for (size_t i = 0; i < w->n_peers; i++) {
		struct wg_peer *p = &w->peers[i];
		for (const struct iface *o = r->ifaces; o <= self && p->name[0]; o++) {
			size_t n = o == self ? i : (o->wg ? o->wg->n_peers : 0);
			for (size_t j = 0; j < n; j++)
				if (strcmp(o->wg->peers[j].name, p->name) == 0)
					diag_error(d, p->pos,
						   "interface '%s': wireguard: peer '%s': the name "
						   "is a peer of interface '%s' already",
						   self->name, p->name, o->name);
		}
		for (size_t j = 0; j < i; j++) {
			const struct wg_peer *q = &w->peers[j];
			if (!wgkey_is_zero(p->key) && memcmp(p->key, q->key, WG_KEY_BYTES) == 0)
				diag_error(d, p->pos,
					   "interface '%s': wireguard: peer '%s': public-key is peer "
					   "'%s''s too",
					   self->name, p->name, q->name);
			for (size_t x = 0; x < p->n_allowed; x++)
				for (size_t y = 0; y < q->n_allowed; y++) {
					if (!cidr_overlap(&p->allowed[x], &q->allowed[y]))
						continue;
					cidr_format(&p->allowed[x], a, sizeof(a));
					cidr_format(&q->allowed[y], b, sizeof(b));
					diag_error(d, p->pos,
						   "interface '%s': wireguard: peer '%s': allowed-ips "
						   "%s overlaps %s of peer '%s'",
						   self->name, p->name, a, b, q->name);
				}
		}
	}
}

static void endpoint_build(struct diags *d, const struct cfg_node *v, struct wireguard *w,
			   const char *what)
{
	char wh[WHAT_MAX], host[256];
	struct shown sh;
	struct ipaddr a;
	uint16_t port;
	what_join(wh, what, "endpoint");
	const char *s = expect_str(d, v, wh);
	if (!s)
		return;
	/* A name or an address, with or without :PORT: what clients dial. */
	snprintf(host, sizeof(host), "%s", s);
	char *colon = strrchr(host, ':');
	bool ok = strlen(s) < sizeof(host) && (metrics_listen_parse(s, &a, &port) == 0 ||
					       addr_parse(s, &a) == 0 || hostname_valid(s));
	if (!ok && colon && strchr(host, ':') == colon && port_parse(colon + 1, &port) == 0) {
		*colon = '\0';
		ok = hostname_valid(host);
	}
	if (!ok) {
		diag_error(d, v->pos,
			   "%s: '%s' is not a host name or address, with or without :PORT "
			   "(\"vpn.example.org\", \"203.0.113.2:51820\")",
			   wh, node_show(v, &sh));
		return;
	}
	snprintf(w->endpoint, sizeof(w->endpoint), "%s", s);
}

int wg_build(struct diags *d, const struct cfg_node *parent, const struct cfg_node *n,
	     struct router *r, struct iface *i)
{
	char what[WHAT_MAX], w[WHAT_MAX];
	const struct cfg_node *v;
	snprintf(what, sizeof(what), "interface '%s': wireguard", i->name);
	if (!expect_map(d, n, what))
		return -EINVAL;
	check_keys(d, n, wg_keys, what);
	struct wireguard *wg = calloc(1, sizeof(*wg));
	if (!wg) {
		diag_error(d, n->pos, "out of memory");
		return -ENOMEM;
	}
	i->wg = wg;
	/* The `wireguard:` key's line, where check and the ruleset's
	 * comments point (the map itself may start a line later). */
	wg->pos = model_pos(r, n);
	for (size_t k = 0; k < parent->n; k++)
		if (parent->val[k] == n)
			wg->pos = model_pos(r, parent->key[k]);
	wg->port = 51820;
	if ((v = cfg_map_get(n, "port"))) {
		unsigned long port;
		what_join(w, what, "port");
		if (expect_uint(d, v, w, 1, 65535, &port) == 0)
			wg->port = (uint16_t)port;
	}
	if ((v = cfg_map_get(n, "endpoint")))
		endpoint_build(d, v, wg, what);
	what_join(w, what, "peers");
	v = cfg_map_get(n, "peers");
	if (!v || node_is_null(v))
		return 0; /* a server waiting for its first peer */
	if (!expect_seq(d, v, w) || !within_limit(d, v, MAX_WG_PEERS, w))
		return -EINVAL;
	if (!(wg->peers = calloc(v->n + 1, sizeof(*wg->peers)))) {
		diag_error(d, v->pos, "out of memory");
		return -ENOMEM;
	}
	for (size_t k = 0; k < v->n; k++)
		peer_build(d, r, v->val[k], &wg->peers[wg->n_peers++], i->name);
	peers_unique(d, r, i);
	return 0;
}

/* listen-zones names zones, built after the interfaces. */
static void listen_build(struct diags *d, const struct cfg_node *n, struct router *r,
			 struct iface *i)
{
	char w[WHAT_MAX];
	struct shown sh;
	snprintf(w, sizeof(w), "interface '%s': wireguard: listen-zones", i->name);
	size_t count = n->kind == CFG_SEQ ? n->n : 1;
	if (n->kind == CFG_MAP) {
		expect_seq(d, n, w);
		return;
	}
	if (!within_limit(d, n, MAX_ZONES, w))
		return;
	if (!(i->wg->listen_zones = calloc(count + 1, sizeof(*i->wg->listen_zones)))) {
		diag_error(d, n->pos, "out of memory");
		return;
	}
	for (size_t k = 0; k < count; k++) {
		const struct cfg_node *item = n->kind == CFG_SEQ ? n->val[k] : n;
		const char *s = expect_str(d, item, w);
		struct zone *z = s ? model_zone(r, s) : NULL;
		if (s && !z) {
			diag_error(d, item->pos, "%s: unknown zone '%s'", w, node_show(item, &sh));
			continue;
		}
		for (size_t j = 0; z && j < i->wg->n_listen; j++)
			if (i->wg->listen_zones[j] == z) {
				diag_error(d, item->pos, "%s: zone '%s' is listed twice", w, z->name);
				z = NULL;
			}
		if (z)
			i->wg->listen_zones[i->wg->n_listen++] = z;
	}
}

/* The kernel routes to a peer by the port's own subnet: nftrouter makes
 * no routes to networks behind a peer (site to site), so allowed-ips
 * outside the port's subnets would be unreachable (and fail rp-filter). */
static void allowed_inside(struct diags *d, const struct iface *i)
{
	char txt[ADDR_STRLEN];
	for (size_t k = 0; k < i->wg->n_peers; k++) {
		const struct wg_peer *p = &i->wg->peers[k];
		for (size_t x = 0; x < p->n_allowed; x++) {
			const struct cidr *c = &p->allowed[x];
			bool in = false;
			const struct cidr *own = c->addr.family == AF_INET ? i->addrs : i->addrs6;
			size_t n = c->addr.family == AF_INET ? i->n_addrs : i->n_addrs6;
			for (size_t j = 0; j < n; j++)
				in |= own[j].len <= c->len && cidr_contains(&own[j], &c->addr);
			if (in)
				continue;
			cidr_format(c, txt, sizeof(txt));
			diag_error(d, p->pos,
				   "interface '%s': wireguard: peer '%s': allowed-ips %s is outside "
				   "the port's own subnets (routes to networks behind a peer are not "
				   "made)",
				   i->name, p->name[0] ? p->name : "?", txt);
		}
	}
}

void wg_check(const struct cfg_node *root, struct router *r, struct diags *d)
{
	const struct cfg_node *ifs = cfg_map_get(root, "interfaces");
	for (size_t k = 0; k < r->n_ifaces; k++) {
		struct iface *i = &r->ifaces[k];
		if (!i->wg)
			continue;
		const struct cfg_node *n = cfg_map_get(cfg_map_get(ifs, i->name), "wireguard");
		const struct cfg_node *l = cfg_map_get(n, "listen-zones");
		if (l && !node_is_null(l))
			listen_build(d, l, r, i);
		allowed_inside(d, i);
		if (i->bridge)
			diag_error(d, i->pos,
				   "interface '%s': a WireGuard port cannot be a member of bridge '%s' "
				   "(it carries IP packets, not Ethernet frames)",
				   i->name, i->bridge->name);
		/* Two links cannot bind one UDP port. */
		for (size_t j = 0; j < k; j++)
			if (r->ifaces[j].wg && r->ifaces[j].wg->port == i->wg->port)
				diag_error(d, i->wg->pos,
					   "interface '%s': wireguard: port %u is interface '%s''s "
					   "already",
					   i->name, (unsigned)i->wg->port, r->ifaces[j].name);
	}
}
