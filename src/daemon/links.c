/* Link events: ports that appear (hot-plug of an optional port),
 * disappear, or lose and regain carrier. The rtnetlink socket is
 * system/'s (link_events_*); it is read only when epoll says so. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "daemon/internal.h"
#include "system/ipv6.h"
#include "system/link.h"
#include "system/offload.h"

static void links_on_event(int fd, uint32_t events, void *data);

int links_open(struct daemon *d)
{
	d->nl = link_events_open();
	if (!d->nl)
		return -errno;
	return poller_watch(&d->poll, link_events_fd(d->nl), EPOLLIN, links_on_event, d);
}

void links_close(struct daemon *d)
{
	if (!d->nl)
		return;
	poller_unwatch(&d->poll, link_events_fd(d->nl));
	link_events_close(d->nl);
	d->nl = NULL;
}

static ssize_t links_port_index(struct daemon *d, const struct iface *p)
{
	return p ? p - d->r->ifaces : -1;
}

/* Ask the port's DHCP client for a new lease now (udhcpc: SIGUSR1). */
void links_renew(struct daemon *d, const struct iface *p)
{
	char name[32];
	snprintf(name, sizeof(name), "udhcpc-%s", p->name);
	struct child *c = child_find(d, name);
	if (c && c->pid > 0)
		kill(c->pid, SIGUSR1);
}

static void links_appeared(struct daemon *d, size_t i, const struct link_info *li);

/* Where each configured port is now, from a full dump. */
void links_scan(struct daemon *d)
{
	struct link_sock *s = NULL;
	struct link_info *l = NULL;
	size_t n = 0;
	if (!d->r)
		return; /* fail-closed: no config runs, no port is configured */
	s = link_sock_open();
	if (!s || link_dump(s, &l, &n) < 0) {
		daemon_log(d, "nftrouter: cannot list links: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		d->ports[i].ifindex = 0;
		for (size_t j = 0; j < n; j++) {
			if (link_find_port(d->r, &l[j]) != &d->r->ifaces[i])
				continue;
			/* Not under its configured name: it appeared after the
			 * apply looked (or events were lost), so configure it now. */
			if (strcmp(l[j].name, d->r->ifaces[i].name) != 0) {
				links_appeared(d, i, &l[j]);
				continue;
			}
			d->ports[i].ifindex = l[j].ifindex;
			d->ports[i].carrier = l[j].carrier;
		}
	}
out:
	free(l);
	link_sock_close(s);
}

static void links_appeared(struct daemon *d, size_t i, const struct link_info *li)
{
	const struct iface *p = &d->r->ifaces[i];
	struct diags dg = DIAGS_INIT;
	daemon_log(d, "nftrouter: port %s appeared as %s (ifindex %d), configuring", p->name,
		   li->name, li->ifindex);
	struct ipv6_live v6;
	struct cidr *pd = calloc(d->r->n_ifaces + 1, sizeof(*pd));
	int rc = pd ? 0 : -ENOMEM;
	if (rc == 0) {
		dhcp6_live(d, &v6, pd);
		rc = link_port_configure(p, li, d->r, &v6, &dg);
	}
	/* The flowtable could not name it while it was missing. Not fatal:
	 * its flows are forwarded all the same, on the slow path. */
	if (rc == 0)
		offload_add_port(d->r, p, &dg);
	free(pd);
	diags_sort(&dg);
	diags_print(&dg, d->o->log);
	diags_free(&dg);
	if (rc < 0) {
		daemon_log(d, "nftrouter: port %s: not configured: %s", p->name, strerror(-rc));
		return;
	}
	d->ports[i].ifindex = li->ifindex;
	d->ports[i].carrier = li->carrier;
	/* dnsmasq follows new interfaces itself (bind-dynamic); a DHCP port
	 * needs its client started. */
	services_sync(d);
}

static void links_on_link(int ifindex, bool gone, bool carrier, void *data)
{
	struct daemon *d = data;
	ssize_t i = -1;
	if (!d->r)
		return; /* fail-closed: no config runs, no port is configured */
	for (size_t k = 0; k < d->r->n_ifaces; k++)
		if (d->ports[k].ifindex == ifindex)
			i = (ssize_t)k;
	if (gone) {
		if (i >= 0) {
			daemon_log(d, "nftrouter: port %s: link gone", d->r->ifaces[i].name);
			d->ports[i].ifindex = 0;
			d->ports[i].carrier = false;
			services_sync(d);
		}
		return;
	}
	struct link_sock *s = link_sock_open();
	struct link_info li, *all = NULL;
	size_t n = 0, k;
	/* A dump, not link_get: it fills the PCI address too, and link
	 * events are rare enough for the cost. */
	if (!s || link_dump(s, &all, &n) < 0)
		goto out;
	for (k = 0; k < n && all[k].ifindex != ifindex; k++)
		;
	if (k == n)
		goto out;
	li = all[k];
	/* The event's own carrier, not the dump's: a WAN that went down and
	 * up again before this was read must still count as a reconnect
	 * (its DHCP clients renew/rebind at once). */
	li.carrier = carrier;
	if (i < 0) {
		i = links_port_index(d, link_find_port(d->r, &li));
		if (i >= 0)
			links_appeared(d, (size_t)i, &li);
		goto out;
	}
	struct port_state *ps = &d->ports[i];
	if (li.carrier != ps->carrier) {
		ps->carrier = li.carrier;
		daemon_log(d, "nftrouter: port %s: carrier %s", d->r->ifaces[i].name,
			   li.carrier ? "back" : "lost");
		if (li.carrier && d->r->ifaces[i].ipv4 == IPV4_DHCP)
			links_renew(d, &d->r->ifaces[i]);
		/* A PPPoE port's client runs on the session's link: a new
		 * session starts it again (daemon/pppoe.c). */
		if (li.carrier && d->r->ifaces[i].ipv6 == IPV6_DHCP && !d->r->ifaces[i].pppoe)
			dhcp6_carrier_back(d, (size_t)i);
	}
out:
	free(all);
	link_sock_close(s);
}

static void links_on_event(int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	(void)fd;
	(void)events;
	/* Events were dropped: the full picture from a dump, then read on. */
	while (link_events_read(d->nl, links_on_link, d) == -ENOBUFS) {
		daemon_log(d, "nftrouter: netlink overrun, rescanning links");
		links_scan(d);
	}
}
