/* interfaces.X.pppoe: a WAN whose address comes from a PPPoE session
 * (DSL, many fibre lines). The daemon runs pppd with the kernel's PPPoE
 * plugin on the port's link (render/pppd.c, daemon/services.c); the
 * session is a link of its own, named here so the ruleset can name it
 * before it exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

static const char *const pppoe_keys[] = {
    "user", "password-file", "service-name", "ac-name", "mtu", "ifname", NULL};

/* The smallest MTU IPv4 allows; a PPPoE line below it is broken. */
#define PPPOE_MTU_MIN 576

/* A name pppd reads from its options file, quoted there: printable ASCII
 * without the characters that could end the quoted word or another
 * generated text ('#' is allowed: some ISPs put it in user names). */
static const char *pppoe_text(struct diags *d, const struct cfg_node *n, const char *what,
			      size_t max)
{
	if (expect_safe_text_but(d, n, what, "#") < 0)
		return NULL;
	size_t len = strlen(n->str);
	if (len == 0 || len > max) {
		diag_error(d, n->pos, "%s: 1 to %zu characters (got %zu)", what, max, len);
		return NULL;
	}
	return n->str;
}

static void pppoe_name(struct diags *d, const struct cfg_node *map, const char *key, char *out,
		       size_t size, const char *what)
{
	char w[WHAT_MAX];
	const struct cfg_node *v = cfg_map_get(map, key);
	const char *s;
	what_join(w, what, key);
	if (v && (s = pppoe_text(d, v, w, size - 1)))
		snprintf(out, size, "%s", s);
}

static void pppoe_password_file(struct diags *d, const struct cfg_node *v, struct router *r,
				struct pppoe *pp, const char *what)
{
	char w[WHAT_MAX];
	what_join(w, what, "password-file");
	if (expect_safe_text(d, v, w) < 0)
		return;
	if (!v->str[0]) {
		diag_error(d, v->pos, "%s: empty path", w);
		return;
	}
	pp->password_pos = model_pos(r, v);
	if (!(pp->password_file = model_path_resolve(r->origin, v->str)))
		diag_error(d, v->pos, "out of memory");
}

static void pppoe_fields(struct diags *d, const struct cfg_node *n, struct router *r,
			 struct pppoe *pp, const char *what)
{
	char w[WHAT_MAX];
	const struct cfg_node *v;
	struct shown sh;
	check_keys(d, n, pppoe_keys, what);
	if ((v = require_key(d, n, "user", n->pos, what))) {
		what_join(w, what, "user");
		const char *s = pppoe_text(d, v, w, PPPOE_NAME_MAX);
		if (s)
			snprintf(pp->user, sizeof(pp->user), "%s", s);
	}
	if ((v = require_key(d, n, "password-file", n->pos, what)))
		pppoe_password_file(d, v, r, pp, what);
	pppoe_name(d, n, "service-name", pp->service, sizeof(pp->service), what);
	pppoe_name(d, n, "ac-name", pp->ac, sizeof(pp->ac), what);
	pp->mtu = PPPOE_MTU_DEFAULT;
	if ((v = cfg_map_get(n, "mtu"))) {
		unsigned long mtu;
		what_join(w, what, "mtu");
		if (expect_uint(d, v, w, PPPOE_MTU_MIN, PPPOE_MTU_DEFAULT, &mtu) == 0)
			pp->mtu = (int)mtu;
	}
	if ((v = cfg_map_get(n, "ifname"))) {
		what_join(w, what, "ifname");
		if (expect_safe_text(d, v, w) < 0)
			return;
		if (!ifname_valid(v->str))
			diag_error(
			    d, v->pos,
			    "%s: invalid link name '%s' (1-15 characters of a-z, 0-9, '_' and "
			    "'-', starting with a letter)",
			    w, node_show(v, &sh));
		else
			snprintf(pp->ifname, sizeof(pp->ifname), "%s", v->str);
	}
}

void pppoe_build(struct diags *d, const struct cfg_node *map, struct router *r, struct iface *i,
		 const char *what)
{
	char w[WHAT_MAX];
	const struct cfg_node *n = cfg_map_get(map, "pppoe"), *ip = cfg_map_get(map, "ipv4");
	what_join(w, what, "pppoe");
	if (!n) {
		if (i->ipv4 == IPV4_PPPOE)
			diag_error(
			    d, ip->pos,
			    "%s: ipv4: pppoe needs a pppoe: { user: NAME, password-file: PATH } "
			    "map",
			    what);
		return;
	}
	if (i->ipv4 != IPV4_PPPOE) {
		diag_error(d, n->pos, "%s: only with ipv4: pppoe (the session gives the address)",
			   w);
		return;
	}
	if (!expect_map(d, n, w))
		return;
	if (!(i->pppoe = calloc(1, sizeof(*i->pppoe)))) {
		diag_error(d, n->pos, "out of memory");
		return;
	}
	i->pppoe->pos = model_pos(r, n);
	pppoe_fields(d, n, r, i->pppoe, w);
}

/* Is name a port's, or another session's link? */
static const char *pppoe_name_taken(const struct router *r, const struct iface *self,
				    const char *name)
{
	for (size_t k = 0; k < r->n_ifaces; k++) {
		const struct iface *o = &r->ifaces[k];
		if (strcmp(o->name, name) == 0 ||
		    (o->match == MATCH_NAME && strcmp(o->match_name, name) == 0))
			return o->name;
		if (o != self && o->pppoe && strcmp(o->pppoe->ifname, name) == 0)
			return o->name;
	}
	return NULL;
}

/* Each session's link gets a name no port and no other session has:
 * `ifname`, else the first free of ppp0, ppp1, ... in file order. */
static void pppoe_ifnames(struct diags *d, const struct cfg_node *n, struct router *r)
{
	unsigned next = 0;
	for (size_t k = 0; k < r->n_ifaces; k++) {
		struct iface *p = &r->ifaces[k];
		if (!p->pppoe || p->pppoe->ifname[0])
			continue;
		for (; next < 1000 && !p->pppoe->ifname[0]; next++) {
			char name[16];
			snprintf(name, sizeof(name), "ppp%u", next);
			if (!pppoe_name_taken(r, p, name))
				snprintf(p->pppoe->ifname, sizeof(p->pppoe->ifname), "%s", name);
		}
	}
	for (size_t k = 0; k < r->n_ifaces; k++) {
		const struct iface *p = &r->ifaces[k];
		const char *o;
		if (!p->pppoe || !p->pppoe->ifname[0] ||
		    !(o = pppoe_name_taken(r, p, p->pppoe->ifname)))
			continue;
		const struct cfg_node *pn = cfg_map_get(n->val[k], "pppoe");
		const struct cfg_node *v = pn ? cfg_map_get(pn, "ifname") : NULL;
		diag_error(d, v ? v->pos : n->key[k]->pos,
			   "interface '%s': pppoe: ifname: '%s' is taken by interface '%s'",
			   p->name, p->pppoe->ifname, o);
	}
}

void pppoe_check_all(struct diags *d, const struct cfg_node *n, struct router *r)
{
	pppoe_ifnames(d, n, r);
	for (size_t k = 0; k < r->n_ifaces; k++) {
		const struct iface *p = &r->ifaces[k];
		const struct cfg_node *v;
		if (!p->pppoe || n->val[k]->kind != CFG_MAP)
			continue;
		if ((v = cfg_map_get(n->val[k], "mtu")) && p->mtu && p->mtu < p->pppoe->mtu + 8)
			diag_error(d, v->pos,
				   "interface '%s': mtu: %d is too small for pppoe: mtu %d (PPPoE "
				   "needs 8 bytes more on the port)",
				   p->name, p->mtu, p->pppoe->mtu);
		/* IPV6CP gives the session a link-local address only, on a link
		 * that exists while the session is up: the ISP delegates the
		 * rest by DHCPv6 on it (docs/ipv6.md "IPv6 over PPPoE"). */
		if (p->ipv6 != IPV6_NONE && p->ipv6 != IPV6_DHCP)
			diag_error(d, p->ipv6_pos,
				   "interface '%s': ipv6: only dhcp on a pppoe port (DHCPv6 prefix "
				   "delegation on the session's link %s); %s is not: IPV6CP gives "
				   "the session only a link-local address, on a link that exists "
				   "only while the session is up",
				   p->name, p->pppoe->ifname,
				   p->ipv6 == IPV6_SLAAC    ? "slaac"
				   : p->ipv6 == IPV6_STATIC ? "a static address"
							    : "{ from, subnet }");
	}
}
