/* WAN health checks (interfaces.X.health, docs/multi-wan.md): every interval, one
 * ICMP echo to each target through the port (system/probe.c); a round is
 * good when any target answered before the next one. `down` bad rounds in
 * a row mark the WAN down: its default routes get HEALTH_DEMOTE added to
 * their metric (the next WAN by metric carries new connections; the
 * route stays, so the probes still leave through it) and the
 * connections NATed to its addresses are cut from conntrack, so clients
 * reconnect through the other WAN. `up` good rounds in a row undo it.
 * RUN_DIR/health-PORT holds "down" meanwhile, so the port's DHCP hook
 * sets its routes demoted too (docs/multi-wan.md). On a PPPoE port the
 * probes, routes and connections are the session link's, and a new
 * session's route (pppd's) is demoted when the daemon hears of it. */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "system/conntrack.h"
#include "system/link.h"
#include "system/probe.h"
#include "system/route.h"
#include "util/file.h"

static void health_path(struct daemon *d, size_t i, char *out, size_t len)
{
	snprintf(out, len, "%s/health-%s", d->o->run_dir, d->r->ifaces[i].name);
}

/* The link port i's traffic and default route use: the port, or a PPPoE
 * port's session link (0 while there is no session). Its name in *name. */
static int health_link(struct daemon *d, size_t i, const char **name)
{
	const struct iface *p = &d->r->ifaces[i];
	if (!p->pppoe) {
		*name = p->name;
		return d->ports[i].ifindex;
	}
	*name = p->pppoe->ifname;
	return d->ports[i].ifindex ? (int)if_nametoindex(p->pppoe->ifname) : 0;
}

/* The connections NATed to the port's addresses (and the router's own
 * from them): gone, so their clients open new ones through the WAN up. */
static size_t health_cut(int ifindex)
{
	struct link_sock *s = link_sock_open();
	struct link_addr *a = NULL;
	size_t n = 0, total = 0, cut;
	if (s && link_addr_dump(s, AF_INET, &a, &n) == 0)
		for (size_t k = 0; k < n; k++) {
			struct cidr host = {a[k].addr.addr, 32};
			if (a[k].ifindex == ifindex && conntrack_cut(&host, &cut) == 0)
				total += cut;
		}
	link_sock_close(s);
	free(a);
	return total;
}

/* Put the port's routes where its state says: demoted when down. Also
 * after a reload, which may have set a gateway's route anew. */
static int health_routes(struct daemon *d, size_t i, size_t *moved)
{
	const struct iface *p = &d->r->ifaces[i];
	struct health_state *h = &d->ports[i].health;
	char path[4096];
	const char *name;
	int ifindex = health_link(d, i, &name);
	health_path(d, i, path, sizeof(path));
	*moved = 0;
	if (h->down) {
		int rc = file_write_atomic(path, "down\n", 5, 0600, 0);
		if (rc < 0 || !ifindex)
			return rc;
		return route_default_move(ifindex, p->metric, p->metric + HEALTH_DEMOTE, moved);
	}
	unlink(path);
	if (!ifindex)
		return 0;
	return route_default_move(ifindex, p->metric + HEALTH_DEMOTE, p->metric, moved);
}

static void health_judge(struct daemon *d, size_t i, bool good)
{
	const struct iface *p = &d->r->ifaces[i];
	struct health_state *h = &d->ports[i].health;
	size_t moved = 0;
	h->fails = good ? 0 : h->fails + 1;
	h->oks = good ? h->oks + 1 : 0;
	bool flip = h->down ? h->oks >= p->health.up : h->fails >= p->health.down;
	if (!flip)
		return;
	h->down = !h->down;
	h->since = (int64_t)time(NULL);
	h->transitions++;
	const char *name;
	int rc = health_routes(d, i, &moved);
	size_t cut = h->down ? health_cut(health_link(d, i, &name)) : 0;
	daemon_log(d,
		   "nftrouter: %s: health: %s after %u %s round(s) in a row; %zu default route(s) "
		   "now metric %u%s%s",
		   p->name, h->down ? "DOWN" : "UP", h->down ? h->fails : h->oks,
		   h->down ? "failed" : "good", moved,
		   (unsigned)(p->metric + (h->down ? HEALTH_DEMOTE : 0)),
		   h->down ? "; connections through it cut" : "", rc < 0 ? " (route change failed)" : "");
	if (cut)
		daemon_log(d, "nftrouter: %s: health: %zu conntrack entries removed", p->name, cut);
}

static void health_on_reply(int fd, uint32_t events, void *data)
{
	struct health_state *h = data;
	const struct iface *p = &h->d->r->ifaces[h->idx];
	struct ipaddr from;
	uint16_t seq;
	(void)events;
	while (probe_read(fd, h->id, &from, &seq) == 1)
		for (size_t k = 0; k < p->health.n_targets; k++)
			h->replied |= seq == h->seq && addr_equal(&from, &p->health.targets[k]);
}

static void health_on_tick(int fd, uint32_t events, void *data)
{
	struct health_state *h = data;
	struct daemon *d = h->d;
	const struct iface *p = &d->r->ifaces[h->idx];
	uint64_t expirations;
	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
		return;
	if (h->rounds++ > 0)
		health_judge(d, h->idx, h->replied);
	h->replied = false;
	h->seq++;
	const char *name;
	if (h->sock < 0 && health_link(d, h->idx, &name)) {
		/* The port (a PPPoE port's session) came (back): a socket bound to it. */
		h->sock = probe_open(name);
		if (h->sock >= 0 && poller_watch(&d->poll, h->sock, EPOLLIN, health_on_reply, h) < 0) {
			close(h->sock);
			h->sock = -1;
		}
	}
	for (size_t k = 0; h->sock >= 0 && k < p->health.n_targets; k++) {
		int rc = probe_send(h->sock, &p->health.targets[k], h->id, h->seq);
		if (rc == -ENODEV || rc == -ENXIO) {
			/* The link went away: a new socket for its successor. */
			poller_unwatch_close(&d->poll, &h->sock);
			break;
		}
	}
}

void health_session_up(struct daemon *d, size_t i)
{
	size_t moved = 0;
	const struct iface *p = &d->r->ifaces[i];
	if (!p->health.on || !d->ports[i].health.down)
		return;
	int rc = health_routes(d, i, &moved);
	daemon_log(d, "nftrouter: %s: health: still DOWN; the new session's %zu default route(s) "
		      "now metric %u%s",
		   p->name, moved, (unsigned)(p->metric + HEALTH_DEMOTE),
		   rc < 0 ? " (route change failed)" : "");
}

void health_stop(struct daemon *d)
{
	for (size_t i = 0; d->r && d->ports && i < d->r->n_ifaces; i++) {
		struct health_state *h = &d->ports[i].health;
		if (!h->open)
			continue;
		poller_unwatch_close(&d->poll, &h->sock);
		poller_unwatch_close(&d->poll, &h->timer);
		h->open = false;
	}
}

int health_start(struct daemon *d)
{
	for (size_t i = 0; i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		struct health_state *h = &d->ports[i].health;
		size_t moved;
		if (!p->health.on && iface_has_default_route(p)) {
			/* No checks (any more): the port's routes as the config says. */
			h->down = false;
			health_routes(d, i, &moved);
		}
		if (!p->health.on)
			continue;
		h->d = d;
		h->idx = i;
		h->id = (uint16_t)(getpid() + (int)i);
		h->sock = -1;
		h->rounds = 0;
		h->open = true;
		h->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (h->timer < 0)
			return -errno;
		struct itimerspec its = {{(time_t)p->health.interval, 0}, {0, 1000000}};
		timerfd_settime(h->timer, 0, &its, NULL);
		int rc = poller_watch(&d->poll, h->timer, EPOLLIN, health_on_tick, h);
		if (rc < 0)
			return rc;
		/* A reload keeps the state; routes the apply set anew follow it. */
		health_routes(d, i, &moved);
	}
	return 0;
}
