/* A checked WAN lease put on its port with undo: see lease_apply.h. */
#include "system/lease_apply.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/link.h"
#include "system/route.h"

int lease_others_from_kernel(int ifindex, struct lease_other *out, size_t max, size_t *n)
{
	struct link_sock *s = link_sock_open();
	struct link_addr *a = NULL;
	size_t na = 0;
	if (!s)
		return -errno;
	int rc = link_addr_dump(s, AF_INET, &a, &na);
	link_sock_close(s);
	for (size_t i = 0; rc == 0 && i < na && *n < max; i++) {
		char name[IF_NAMESIZE];
		if (a[i].ifindex == ifindex)
			continue;
		out[*n].net = a[i].addr;
		if (!if_indextoname((unsigned)a[i].ifindex, name))
			snprintf(name, sizeof(name), "link %d", a[i].ifindex);
		snprintf(out[*n].name, sizeof(out[*n].name), "%s", name);
		(*n)++;
	}
	free(a);
	return rc;
}

/* The port as it was, and how far the change went: what undo needs. */
struct lease_tx {
	struct link_sock *s;
	int ifindex;
	struct cidr *old_addrs;
	size_t n_old_addrs, n_deleted;
	bool added;
	struct route4 *old_routes, *new_routes;
	size_t n_old_routes, n_new_routes, n_set;
};

static bool route_in(const struct route4 *r, const struct route4 *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route4_same(r, &v[i]))
			return true;
	return false;
}

static int tx_snapshot(struct lease_tx *t)
{
	struct link_addr *a = NULL;
	size_t na = 0;
	int rc = link_addr_dump(t->s, AF_INET, &a, &na);
	if (rc == 0 && !(t->old_addrs = calloc(na + 1, sizeof(*t->old_addrs))))
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < na; i++)
		if (a[i].ifindex == t->ifindex)
			t->old_addrs[t->n_old_addrs++] = a[i].addr;
	free(a);
	if (rc == 0)
		rc = route4_dump(t->ifindex, RTPROT_DHCP, &t->old_routes, &t->n_old_routes);
	return rc;
}

/* Back to the snapshot, as far as the kernel lets us. 0 or the first error. */
static int tx_undo(struct lease_tx *t, const struct cidr *addr)
{
	int rc = 0, r;
	for (size_t i = 0; i < t->n_set; i++)
		if (!route_in(&t->new_routes[i], t->old_routes, t->n_old_routes) &&
		    (r = route4_del(&t->new_routes[i])) < 0 && r != -ESRCH && !rc)
			rc = r;
	if (t->added && (r = link_addr_del(t->s, t->ifindex, addr)) < 0 && r != -EADDRNOTAVAIL &&
	    !rc)
		rc = r;
	/* Old addresses first: the old routes' gateways are reached through
	 * them (removing an address also took the routes that needed it). */
	for (size_t i = 0; i < t->n_old_addrs; i++) {
		if (cidr_equal(&t->old_addrs[i], addr))
			continue; /* never removed */
		r = link_addr_add(t->s, t->ifindex, &t->old_addrs[i]);
		if (r < 0 && r != -EEXIST && !rc)
			rc = r;
	}
	for (size_t i = 0; i < t->n_old_routes; i++)
		if ((r = route4_set(&t->old_routes[i])) < 0 && !rc)
			rc = r;
	return rc;
}

static int tx_do(struct lease_tx *t, uint32_t metric, const struct lease *l, struct diags *d)
{
	char txt[ADDR_STRLEN + 4], gw[ADDR_STRLEN];
	int rc = 0;
	bool have = false;
	for (size_t i = 0; i < t->n_old_addrs; i++) {
		if (cidr_equal(&t->old_addrs[i], &l->addr)) {
			have = true;
			continue;
		}
		/* Removed before the new one is added: a new address in the
		 * old subnet would otherwise be a secondary, removed with it. */
		if ((rc = link_addr_del(t->s, t->ifindex, &t->old_addrs[i])) < 0) {
			cidr_format(&t->old_addrs[i], txt, sizeof(txt));
			diag_error(d, nopos, "removing the old address %s: %s", txt, strerror(-rc));
			return rc;
		}
		t->n_deleted++;
	}
	if (!have && (rc = link_addr_add(t->s, t->ifindex, &l->addr)) < 0) {
		cidr_format(&l->addr, txt, sizeof(txt));
		diag_error(d, nopos, "adding %s: %s", txt, strerror(-rc));
		return rc;
	}
	t->added = !have;
	for (size_t i = 0; i < l->n_routes; i++) {
		struct route4 *r = &t->new_routes[i];
		*r = (struct route4){l->routes[i].dst, l->routes[i].gw, t->ifindex, metric,
				     RTPROT_DHCP};
		if ((rc = route4_set(r)) < 0) {
			cidr_format(&r->dst, txt, sizeof(txt));
			if (r->gw.family)
				addr_format(&r->gw, gw, sizeof(gw));
			diag_error(d, nopos, "route %s %s%s: %s", txt, r->gw.family ? "via " : "on-link",
				 r->gw.family ? gw : "", strerror(-rc));
			return rc;
		}
		t->n_set++;
	}
	/* The hook's earlier routes this lease no longer asks for (another
	 * gateway, another metric): gone once the new ones are in. */
	for (size_t i = 0; i < t->n_old_routes; i++)
		if (!route_in(&t->old_routes[i], t->new_routes, t->n_set) &&
		    (rc = route4_del(&t->old_routes[i])) < 0 && rc != -ESRCH) {
			diag_error(d, nopos, "removing an old route: %s", strerror(-rc));
			return rc;
		}
	return 0;
}

int lease_apply(int ifindex, uint32_t metric, const struct lease *l, struct diags *d,
		bool *restored)
{
	struct lease_tx t = {.ifindex = ifindex};
	int rc;
	*restored = true;
	if (!(t.s = link_sock_open())) {
		rc = -errno;
		diag_error(d, nopos, "netlink: %s", strerror(-rc));
		return rc;
	}
	t.new_routes = calloc(l->n_routes + 1, sizeof(*t.new_routes));
	if (!t.new_routes) {
		rc = -ENOMEM;
		diag_error(d, nopos, "%s", strerror(ENOMEM));
	} else if ((rc = tx_snapshot(&t)) < 0) {
		diag_error(d, nopos, "reading the port's addresses and routes: %s", strerror(-rc));
	} else if ((rc = tx_do(&t, metric, l, d)) < 0) {
		int u = tx_undo(&t, &l->addr);
		if (u < 0) {
			diag_error(d, nopos, "restoring the port failed too (%s)", strerror(-u));
			*restored = false;
		}
	}
	link_sock_close(t.s);
	free(t.old_addrs);
	free(t.old_routes);
	free(t.new_routes);
	return rc;
}

int lease_remove(int ifindex)
{
	struct route4 *v = NULL;
	size_t n = 0;
	struct link_addr *a = NULL;
	size_t na = 0;
	struct link_sock *s = link_sock_open();
	if (!s)
		return -errno;
	int rc = route4_dump(ifindex, RTPROT_DHCP, &v, &n), r;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if ((r = route4_del(&v[i])) < 0 && r != -ESRCH)
			rc = r;
	if (rc == 0)
		rc = link_addr_dump(s, AF_INET, &a, &na);
	for (size_t i = 0; rc == 0 && i < na; i++)
		if (a[i].ifindex == ifindex && (r = link_addr_del(s, ifindex, &a[i].addr)) < 0 &&
		    r != -EADDRNOTAVAIL)
			rc = r;
	link_sock_close(s);
	free(v);
	free(a);
	return rc;
}
