/* PPPoE WANs (`ipv4: pppoe`): the session events pppd's ip-up and ip-down
 * hooks report (ipv6-up and ipv6-down with `ipv6: dhcp`: the IPv6 default
 * route and the DHCPv6 client on the session's link), and status.
 * pppoe_conf.c has what services.c starts pppd and dhcpcd with; status
 * shows ports[i].ppp. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/internal.h"
#include "system/route.h"
#include "system/status.h"

static int pppoe_port(struct daemon *d, const char *name, struct diags *dg)
{
	if (!d->r) {
		diag_error(dg, nopos, "no config is applied (fail-closed)");
		return -EINVAL;
	}
	for (size_t i = 0; i < d->r->n_ifaces; i++)
		if (strcmp(d->r->ifaces[i].name, name) == 0 && d->r->ifaces[i].pppoe)
			return (int)i;
	diag_error(dg, nopos, "no PPPoE port '%s'", name);
	return -EINVAL;
}

/* IPV6CP is up on port i's session: the IPv6 default route over the
 * link (point-to-point: no next hop, no router advertisement needed;
 * the port's metric, as for IPv4: pppoe_route4) and the
 * DHCPv6 client on it. A client still running from an earlier session
 * (a pppd that ended without ipv6-down) is on a link that is gone: it
 * starts again on this one. */
static void pppoe_up6(struct daemon *d, size_t i)
{
	const struct iface *p = &d->r->ifaces[i];
	struct ppp_state *ps = &d->ports[i].ppp;
	char name[32];
	int rc;
	ps->ifindex6 = (int)if_nametoindex(p->pppoe->ifname);
	struct route_default rt = {.ifindex = ps->ifindex6, .metric = p->metric};
	daemon_log(d, "nftrouter: %s: IPv6 up on %s: %s, peer %s", p->name, p->pppoe->ifname,
		   ps->local6, ps->remote6);
	if (!ps->ifindex6)
		daemon_log(d, "nftrouter: %s: %s: %s", p->name, p->pppoe->ifname, strerror(errno));
	else if ((rc = route6_default_set(&rt)) < 0)
		daemon_log(d, "nftrouter: %s: IPv6 default route over %s: %s", p->name,
			   p->pppoe->ifname, strerror(-rc));
	pppoe_client_name(p, name, sizeof(name));
	struct child *c = child_find(d, name);
	if (c && c->pid > 0) {
		daemon_log(d, "nftrouter: %s: a new session, asking for the delegation again", name);
		c->replacing = true;
		child_stop(c);
	}
	services_sync(d);
}

/* IPV6CP is down (the session ended, or only its IPv6): the client is
 * no longer wanted and the delegation goes from the LAN at once; the
 * next session asks again. */
static void pppoe_down6(struct daemon *d, size_t i)
{
	const struct iface *p = &d->r->ifaces[i];
	struct ppp_state *ps = &d->ports[i].ppp;
	struct route_default rt = {.ifindex = ps->ifindex6, .metric = p->metric};
	int rc;
	daemon_log(d, "nftrouter: %s: IPv6 down on %s", p->name, p->pppoe->ifname);
	/* Gone with the link if the session ended; removed if only IPV6CP did. */
	if (ps->ifindex6 && (rc = route6_default_remove(&rt)) < 0 &&
	    rc != -ESRCH && rc != -ENODEV)
		daemon_log(d, "nftrouter: %s: removing the IPv6 default route: %s", p->name,
			   strerror(-rc));
	ps->ifindex6 = 0;
	services_sync(d);
	dhcp6_withdraw(d, i, "PPPoE session's IPv6 down");
}

/* The IPv4 default route over the session's link, the daemon's rather
 * than pppd's (`defaultroute` adds none while another WAN has one): a
 * device route (point-to-point), the port's metric; demoted by
 * health_session_up when the WAN is marked down. Gone with the link;
 * removed on ip-down in case only IPCP ended. */
static void pppoe_route4(struct daemon *d, size_t i, bool up)
{
	const struct iface *p = &d->r->ifaces[i];
	struct route_default rt = {.ifindex = (int)if_nametoindex(p->pppoe->ifname),
				   .metric = p->metric,
				   .protocol = ROUTE_PROTO_SESSION};
	int rc = 0;
	if (!rt.ifindex)
		return;
	if (up)
		rc = route_default_set(&rt);
	else if ((rc = route_default_remove(&rt)) == -ESRCH)
		rc = 0;
	if (!up && rc == 0) {
		rt.metric = p->metric + HEALTH_DEMOTE;
		if ((rc = route_default_remove(&rt)) == -ESRCH)
			rc = 0;
	}
	if (rc < 0)
		daemon_log(d, "nftrouter: %s: %s the default route over %s: %s", p->name,
			   up ? "setting" : "removing", p->pppoe->ifname, strerror(-rc));
}

int pppoe_event(struct daemon *d, char *arg, struct diags *dg)
{
	char *words[5] = {0}, *save = NULL;
	size_t n = 0;
	for (char *w = strtok_r(arg, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (n < 5)
			words[n++] = w;
	const char *ev = n >= 2 ? words[1] : "";
	bool v6 = strcmp(ev, "up6") == 0 || strcmp(ev, "down6") == 0;
	bool up = n == 4 && (strcmp(ev, "up") == 0 || strcmp(ev, "up6") == 0);
	struct ipaddr a, b;
	if (!(up || (n == 2 && (strcmp(ev, "down") == 0 || strcmp(ev, "down6") == 0))) ||
	    (up && (addr_parse(words[2], &a) < 0 || addr_parse(words[3], &b) < 0 ||
		    a.family != (v6 ? AF_INET6 : AF_INET) || b.family != a.family))) {
		diag_error(dg, nopos,
			   "usage: ppp-event PORT up|up6 LOCAL REMOTE | ppp-event PORT down|down6");
		return -EINVAL;
	}
	int i = pppoe_port(d, words[0], dg);
	if (i < 0)
		return i;
	struct ppp_state *ps = &d->ports[i].ppp;
	if (v6) {
		if (d->r->ifaces[i].ipv6 != IPV6_DHCP) {
			diag_error(dg, nopos, "port '%s' has no ipv6: dhcp", words[0]);
			return -EINVAL;
		}
		bool was = ps->up6;
		ps->time6 = (int64_t)time(NULL);
		ps->up6 = up;
		if (up) {
			snprintf(ps->local6, sizeof(ps->local6), "%s", words[2]);
			snprintf(ps->remote6, sizeof(ps->remote6), "%s", words[3]);
			pppoe_up6(d, (size_t)i);
		} else if (was) {
			pppoe_down6(d, (size_t)i);
		}
		return 0;
	}
	ps->time = (int64_t)time(NULL);
	ps->up = up;
	pppoe_route4(d, (size_t)i, up);
	if (up) {
		snprintf(ps->local, sizeof(ps->local), "%s", words[2]);
		snprintf(ps->remote, sizeof(ps->remote), "%s", words[3]);
		ps->sessions++;
		daemon_log(d, "nftrouter: %s: PPPoE session up on %s: %s, peer %s (session %u)",
			   words[0], d->r->ifaces[i].pppoe->ifname, ps->local, ps->remote,
			   ps->sessions);
		health_session_up(d, (size_t)i);
	} else {
		daemon_log(d, "nftrouter: %s: PPPoE session down", words[0]);
	}
	return 0;
}


void pppoe_status(struct daemon *d, size_t i, struct status_health *h)
{
	const struct ppp_state *ps = &d->ports[i].ppp;
	char name[32];
	snprintf(name, sizeof(name), "pppd-%s", d->r->ifaces[i].name);
	const struct child *c = child_find(d, name);
	/* An ip-up from before this pppd started is an earlier session's
	 * (a pppd killed outright runs no ip-down). */
	int64_t started = c && c->pid ? (int64_t)time(NULL) - daemon_uptime(&c->started) : 0;
	h->ppp_state = ps->error[0]		     ? "not started"
		       : !c || !c->pid		     ? "not running"
		       : ps->up && ps->time >= started ? "up"
						     : "connecting";
	h->ppp_time = ps->time;
	h->ppp_local = ps->local;
	h->ppp_remote = ps->remote;
	h->ppp_sessions = ps->sessions;
	h->ppp_error = ps->error;
	bool up6 = ps->up6 && c && c->pid && ps->time6 >= started;
	h->ppp_local6 = up6 ? ps->local6 : NULL;
	h->ppp_remote6 = up6 ? ps->remote6 : NULL;
}
