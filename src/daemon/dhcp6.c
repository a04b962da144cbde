/* DHCPv6 prefix delegation in the daemon: the hook of each `ipv6: dhcp`
 * port's dhclient records the delegated prefix and says `dhcp6-event
 * PORT`; the daemon then gives every `{ from: PORT, subnet: N }` port
 * exactly PREFIX:N::1/64 and ULA:N::1/64, with infinite lifetimes.
 *
 * Why the daemon and not the client installs them: dnsmasq's
 * `constructor:` ignores addresses with finite lifetimes, so a LAN address
 * with the delegation's lifetimes would be advertised by nobody; and one
 * owner means a changed or lost prefix is replaced or removed at once.
 * dnsmasq advertises a prefix whose address went away with preferred
 * lifetime 0 for a while, which moves the clients off it (docs/ipv6.md). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "system/status.h"
#include "system/apply.h"
#include "system/ipv6.h"
#include "system/link.h"
#include "system/route.h"
#include "util/file.h"

const char *dhcp6_link(const struct iface *p)
{
	return p->pppoe ? p->pppoe->ifname : p->name;
}

/* The port whose client runs on link `name` (the hook names the link). */
static ssize_t dhcp6_port(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->r->n_ifaces; i++)
		if (strcmp(dhcp6_link(&d->r->ifaces[i]), name) == 0 &&
		    d->r->ifaces[i].ipv6 == IPV6_DHCP)
			return (ssize_t)i;
	return -1;
}

/* RUN_DIR/dhcp6-LINK.env, as dhcp6-hook wrote it: one prefix. */
static int dhcp6_read_port(struct daemon *d, const char *link, struct dhcp6_prefix *e, bool *has,
			   struct dhcp6_state *dns, struct diags *dg)
{
	char file[64], *path, *text = NULL;
	int rc;
	snprintf(file, sizeof(file), "dhcp6-%s.env", link);
	if (!(path = services_run_path(d, file)))
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	*has = false;
	if ((rc = file_read(path, 4096, &text, NULL)) < 0) {
		diag_error(dg, nopos, "%s: %s", path, strerror(-rc));
		goto out;
	}
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *v = strchr(line, '=');
		if (!v)
			continue;
		*v++ = '\0';
		if (strcmp(line, "prefix") == 0 && *v)
			*has = cidr_parse(v, &e->prefix) == 0 && e->prefix.addr.family == AF_INET6 &&
			       e->prefix.len <= 64;
		else if (strcmp(line, "valid") == 0)
			e->valid = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(line, "preferred") == 0)
			e->preferred = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(line, "time") == 0)
			e->time = strtoll(v, NULL, 10);
		else if (strcmp(line, "event") == 0)
			snprintf(e->event, sizeof(e->event), "%s", v);
		else if (strcmp(line, "dns") == 0 && dns && *v) {
			/* A lease without servers keeps the ones known. */
			dns->n_dns = 0;
			for (char *a = strtok_r(v, " ", &v); a && dns->n_dns < MAX_LEARNED_DNS;
			     a = strtok_r(NULL, " ", &v))
				if (addr_parse(a, &dns->dns[dns->n_dns]) == 0)
					dns->n_dns++;
		}
	}
	cidr_network(&e->prefix, &e->prefix);
out:
	free(text);
	free(path);
	return rc;
}

static int dhcp6_read(struct daemon *d, size_t i, struct dhcp6_prefix *e, bool *has,
		      struct diags *dg)
{
	return dhcp6_read_port(d, dhcp6_link(&d->r->ifaces[i]), e, has, &d->ports[i].pd, dg);
}

/* Merge one reported prefix into the port's set: updated in place, added,
 * or (valid 0) dropped; then choose the one the LAN follows. */
static void dhcp6_merge(struct dhcp6_state *st, const struct dhcp6_prefix *e, bool has)
{
	size_t k;
	st->time = e->time;
	snprintf(st->event, sizeof(st->event), "%s", e->event);
	for (k = 0; has && k < st->n; k++)
		if (st->v[k].prefix.len == e->prefix.len &&
		    addr_equal(&st->v[k].prefix.addr, &e->prefix.addr))
			break;
	if (has && e->valid == 0 && k < st->n)
		st->v[k] = st->v[--st->n];
	else if (has && e->valid && k < st->n)
		st->v[k] = *e;
	else if (has && e->valid) {
		if (st->n == DHCP6_PREFIXES) /* the oldest goes */
			memmove(st->v, st->v + 1, (--st->n) * sizeof(st->v[0]));
		st->v[st->n++] = *e;
	}
	const struct dhcp6_prefix *best = NULL;
	for (k = 0; k < st->n; k++) {
		const struct dhcp6_prefix *c = &st->v[k];
		if (!best || (c->preferred > 0) > (best->preferred > 0) ||
		    ((c->preferred > 0) == (best->preferred > 0) && c->time >= best->time))
			best = c;
	}
	st->has = best != NULL;
	if (best) {
		st->prefix = best->prefix;
		st->valid = best->valid;
		st->preferred = best->preferred;
	}
}

void dhcp6_live(struct daemon *d, struct ipv6_live *lv, struct cidr *pd)
{
	struct diags dg = DIAGS_INIT;
	memset(lv, 0, sizeof(*lv));
	if (ipv6_ula_load(d->o->state_dir, d->r, lv, &dg) < 0)
		daemon_log_diags(d, &dg, NULL);
	diags_free(&dg);
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		memset(&pd[i], 0, sizeof(pd[i]));
		if (d->ports[i].pd.has)
			pd[i] = d->ports[i].pd.prefix;
	}
	lv->pd = pd;
}

/* Why port p gets no delegated /64 although its WAN holds a prefix. */
static void dhcp6_note(struct daemon *d, size_t i, const struct cidr *pd)
{
	const struct iface *p = &d->r->ifaces[i];
	struct cidr probe;
	char txt[ADDR_STRLEN], *note = d->ports[i].v6_note;
	size_t size = sizeof(d->ports[i].v6_note);
	const char *was = note[0] ? note : NULL;
	char before[sizeof(d->ports[i].v6_note)];
	snprintf(before, sizeof(before), "%s", was ? was : "");
	note[0] = '\0';
	if (!p->pd_from || !pd[p->pd_from - d->r->ifaces].len)
		return;
	const struct cidr *w = &pd[p->pd_from - d->r->ifaces];
	if (ipv6_subnet_addr(w, p->subnet, &probe) == 0)
		return;
	cidr_format(w, txt, sizeof(txt));
	snprintf(note, size, "subnet %u does not fit the %s delegated to %s; served with the ULA only",
		 (unsigned)p->subnet, txt, p->pd_from->name);
	if (strcmp(before, note) != 0)
		daemon_log(d, "nftrouter: port %s: error: %s", p->name, note);
}

void dhcp6_renumber(struct daemon *d)
{
	struct ipv6_live lv;
	struct cidr *pd = calloc(d->r->n_ifaces + 1, sizeof(*pd));
	struct link_sock *s = link_sock_open();
	if (!pd || !s) {
		daemon_log(d, "nftrouter: renumbering: %s", strerror(pd ? errno : ENOMEM));
		goto out;
	}
	dhcp6_live(d, &lv, pd);
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		struct cidr want[MAX_PORT_ADDRS6];
		struct diags dg = DIAGS_INIT;
		if (p->ipv6 != IPV6_LAN || !d->ports[i].ifindex)
			continue;
		dhcp6_note(d, i, pd);
		size_t n = ipv6_port_addrs(d->r, p, &lv, want, MAX_PORT_ADDRS6);
		if (link_port_sync6(s, p, d->ports[i].ifindex, want, n, &dg) < 0)
			daemon_log_diags(d, &dg, NULL);
		diags_free(&dg);
	}
out:
	link_sock_close(s);
	free(pd);
}

int dhcp6_event(struct daemon *d, const char *link, struct diags *dg)
{
	struct dhcp6_prefix e;
	bool has;
	char was[ADDR_STRLEN] = "none", now[ADDR_STRLEN] = "none", got[ADDR_STRLEN] = "none";
	ssize_t i = d->r ? dhcp6_port(d, link) : -1;
	int rc;
	if (!d->r) {
		diag_error(dg, nopos, "no config is applied (fail-closed)");
		return -EINVAL;
	}
	if (i < 0) {
		diag_error(dg, nopos, "no port '%s' with ipv6: dhcp (nor its PPPoE session's link)",
			   link);
		return -EINVAL;
	}
	const char *port = d->r->ifaces[i].name;
	struct dhcp6_state *ps = &d->ports[i].pd;
	struct ipaddr dns_was[MAX_LEARNED_DNS];
	size_t n_dns_was = ps->n_dns;
	memcpy(dns_was, ps->dns, sizeof(dns_was));
	if ((rc = dhcp6_read(d, (size_t)i, &e, &has, dg)) < 0)
		return rc;
	bool dns_changed = n_dns_was != ps->n_dns || memcmp(dns_was, ps->dns, sizeof(dns_was)) != 0;
	struct cidr before = ps->prefix;
	bool had = ps->has;
	if (had)
		cidr_format(&ps->prefix, was, sizeof(was));
	dhcp6_merge(ps, &e, has);
	if (has)
		cidr_format(&e.prefix, got, sizeof(got));
	if (ps->has)
		cidr_format(&ps->prefix, now, sizeof(now));
	bool changed = had != ps->has || (had && (before.len != ps->prefix.len ||
						  !addr_equal(&before.addr, &ps->prefix.addr)));
	daemon_log(d, "nftrouter: %s: DHCPv6 %s %s (valid %us, preferred %us); the LAN follows %s%s%s",
		   port, e.event, got, (unsigned)e.valid, (unsigned)e.preferred, now,
		   changed ? ", was " : "", changed ? was : "");
	if (changed) {
		/* The old prefix's blackhole goes with it; the new one gets one. */
		if (had && (rc = route6_unreachable(&before, false)) < 0 && rc != -ESRCH)
			daemon_log(d, "nftrouter: %s: removing the route of %s: %s", port, was,
				   strerror(-rc));
		if (ps->has && (rc = route6_unreachable(&ps->prefix, true)) < 0)
			daemon_log(d, "nftrouter: %s: unreachable route for %s: %s", port, now,
				   strerror(-rc));
		dhcp6_renumber(d);
	}
	if (dns_changed && d->r->dns.n_upstream == 0) {
		/* dns.upstream is empty: the learned servers are dnsmasq's. */
		daemon_log(d, "nftrouter: %s: %zu DHCPv6 DNS server(s) learned", port, ps->n_dns);
		services_sync(d);
	}
	return 0;
}

/* The record of port p if it names a prefix still valid now. */
static bool dhcp6_still_valid(struct daemon *d, const struct iface *p, struct dhcp6_prefix *e,
			      struct dhcp6_state *dns)
{
	struct diags none = DIAGS_INIT; /* an unreadable record is simply no prefix */
	bool has;
	int rc = p->ipv6 == IPV6_DHCP ? dhcp6_read_port(d, dhcp6_link(p), e, &has, dns, &none)
				      : -ENOENT;
	diags_free(&none);
	if (rc < 0)
		return false;
	int64_t now = (int64_t)time(NULL);
	return has && e->valid && e->time <= now && now - e->time < (int64_t)e->valid;
}

size_t dhcp6_recover(struct daemon *d, const struct router *r, struct ipv6_pd_known *out,
		     size_t max)
{
	struct dhcp6_prefix e;
	size_t n = 0;
	for (size_t i = 0; i < r->n_ifaces && n < max; i++) {
		if (!dhcp6_still_valid(d, &r->ifaces[i], &e, NULL))
			continue;
		snprintf(out[n].port, sizeof(out[n].port), "%s", r->ifaces[i].name);
		out[n++].prefix = e.prefix;
	}
	return n;
}

void dhcp6_recovered(struct daemon *d, const struct router *r, struct port_state *ports)
{
	struct dhcp6_prefix e;
	char a[ADDR_STRLEN];
	for (size_t i = 0; i < r->n_ifaces; i++) {
		/* Its DNS servers too: learning them again at the first event
		 * would restart dnsmasq, which then forgets the prefixes it
		 * must still advertise as deprecated. */
		if (!dhcp6_still_valid(d, &r->ifaces[i], &e, &ports[i].pd))
			continue;
		dhcp6_merge(&ports[i].pd, &e, true);
		cidr_format(&e.prefix, a, sizeof(a));
		daemon_log(d, "nftrouter: %s: keeping %s from the last daemon until DHCPv6 says "
			      "otherwise",
			   r->ifaces[i].name, a);
	}
}

/* RFC 8415 18.2.5/18.2.12: after the link was away the client must
 * confirm or rebind at once, not wait for its renewal timer (often half
 * an hour). A fresh dhclient does exactly that, with the same DUID. */
void dhcp6_carrier_back(struct daemon *d, size_t i)
{
	char name[32];
	snprintf(name, sizeof(name), "dhclient6-%s", d->r->ifaces[i].name);
	struct child *c = child_find(d, name);
	if (!c || c->pid <= 0)
		return;
	daemon_log(d, "nftrouter: %s: carrier back, asking for the delegation again", name);
	c->replacing = true;
	child_stop(c);
}

void dhcp6_withdraw(struct daemon *d, size_t i, const char *why)
{
	struct dhcp6_state *ps = &d->ports[i].pd;
	const char *port = d->r->ifaces[i].name;
	char file[64], was[ADDR_STRLEN] = "none", *path;
	int rc;
	/* A daemon that starts again must not bring it back (dhcp6_recover). */
	snprintf(file, sizeof(file), "dhcp6-%s.env", dhcp6_link(&d->r->ifaces[i]));
	if ((path = services_run_path(d, file)) && unlink(path) < 0 && errno != ENOENT)
		daemon_log(d, "nftrouter: %s: removing %s: %s", port, path, strerror(errno));
	free(path);
	if (!ps->has && !ps->n)
		return;
	struct cidr before = ps->prefix;
	bool had = ps->has;
	if (had)
		cidr_format(&before, was, sizeof(was));
	ps->n = 0;
	ps->has = false;
	ps->valid = ps->preferred = 0;
	ps->time = (int64_t)time(NULL);
	snprintf(ps->event, sizeof(ps->event), "WITHDRAWN");
	daemon_log(d, "nftrouter: %s: %s: delegation %s withdrawn; the LAN follows none", port, why,
		   was);
	if (had && (rc = route6_unreachable(&before, false)) < 0 && rc != -ESRCH)
		daemon_log(d, "nftrouter: %s: removing the route of %s: %s", port, was, strerror(-rc));
	dhcp6_renumber(d);
}

struct status_ipv6 *dhcp6_status(struct daemon *d)
{
	if (!d->r)
		return NULL; /* fail-closed: no config runs */
	struct status_ipv6 *v = calloc(d->r->n_ifaces + 1, sizeof(*v));
	struct cidr *pd = calloc(d->r->n_ifaces + 1, sizeof(*pd));
	struct ipv6_live lv;
	if (!v || !pd) {
		free(v);
		free(pd);
		return NULL;
	}
	dhcp6_live(d, &lv, pd);
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		const struct dhcp6_state *st = &d->ports[i].pd;
		v[i] = (struct status_ipv6){.has_pd = st->has, .pd = st->prefix, .valid = st->valid,
					    .preferred = st->preferred, .time = st->time,
					    .event = st->event, .note = d->ports[i].v6_note};
		if (p->ipv6 != IPV6_LAN)
			continue;
		if (p->pd_from && pd[p->pd_from - d->r->ifaces].len &&
		    ipv6_subnet_addr(&pd[p->pd_from - d->r->ifaces], p->subnet, &v[i].lan[v[i].n_lan]) == 0)
			v[i].n_lan++;
		if (lv.has_ula && ipv6_subnet_addr(&lv.ula, p->subnet, &v[i].lan[v[i].n_lan]) == 0)
			v[i].n_lan++;
		for (size_t k = 0; k < v[i].n_lan; k++)
			cidr_network(&v[i].lan[k], &v[i].lan[k]);
	}
	free(pd);
	return v;
}
