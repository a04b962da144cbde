/* The metrics endpoint (docs/metrics.md): GET /metrics on the config's
 * metrics.listen, served by libmicrohttpd inside the daemon's own loop.
 *
 * libmicrohttpd runs without a thread of its own (no
 * MHD_USE_INTERNAL_POLLING_THREAD): with MHD_USE_EPOLL it keeps its
 * sockets in one epoll fd, which the poller watches like any other fd;
 * when it is ready, or when MHD's timeout (idle connections) is due on
 * our timerfd, MHD_run does the work. So the handler runs in the loop
 * and reads struct daemon without locks, as every other callback does.
 * A scrape reads the kernel over netlink and /proc only (never an nft
 * listing), so it costs the same with a million blocklist entries. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>


#include "daemon/internal.h"
#include "daemon/mhd.h"
#include "render/metrics.h"
#include "system/bans.h"
#include "system/blocklist.h"
#include "system/counters.h"
#include "system/status.h"
#include "system/sysstats.h"

#define METRICS_CONN_MAX 16
#define METRICS_CONN_TIMEOUT_S 10

struct metrics_srv {
	struct daemon *d;
	struct MHD_Daemon *mhd;
	struct mhd_api api; /* libmicrohttpd, dlopen'ed (daemon/mhd.h) */
	void *lib;
	int epfd, timer_fd;
	char listen[ADDR_STRLEN];
};

/* What one scrape gathers; freed by gather_free. */
struct gather {
	struct metrics_in in;
	struct counter_list cl;
	struct metrics_zone *zones;
	struct metrics_port *ports;
	struct metrics_range *ranges;
	struct metrics_child *kids;
	char (*zone_names)[64];
};

static void gather_free(struct gather *g)
{
	counter_list_free(&g->cl);
	free(g->zones);
	free(g->ports);
	free(g->ranges);
	free(g->kids);
	free(g->zone_names);
}

static void gather_zones(struct gather *g)
{
	if (zone_traffic_read("nftrouter", &g->cl) < 0 || !g->cl.n)
		return;
	g->zones = calloc(g->cl.n, sizeof(*g->zones));
	g->zone_names = calloc(g->cl.n, sizeof(*g->zone_names));
	if (!g->zones || !g->zone_names)
		return;
	for (size_t i = 0; i < g->cl.n; i++) {
		const char *name = g->cl.v[i].name, *dash = strrchr(name, '-');
		if (!dash)
			continue;
		snprintf(g->zone_names[i], sizeof(g->zone_names[i]), "%.*s", (int)(dash - name), name);
		g->zones[g->in.n_zones++] = (struct metrics_zone){
		    g->zone_names[i], dash + 1, g->cl.v[i].packets, g->cl.v[i].bytes};
	}
	g->in.zones = g->zones;
}

static void gather_ports(struct daemon *d, struct gather *g)
{
	const struct router *r = d->r;
	struct link_stats *st = NULL;
	size_t n_st = 0;
	if (!r || !(g->ports = calloc(r->n_ifaces + 1, sizeof(*g->ports))))
		return;
	if (link_stats_dump(&st, &n_st) < 0)
		n_st = 0;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct port_state *ps = &d->ports[i];
		struct metrics_port *p = &g->ports[i];
		p->port = r->ifaces[i].name;
		for (size_t k = 0; ps->ifindex && k < n_st; k++)
			if (st[k].ifindex == ps->ifindex) {
				p->present = true;
				p->carrier = ps->carrier;
				p->rx_packets = st[k].rx_packets;
				p->rx_bytes = st[k].rx_bytes;
				p->tx_packets = st[k].tx_packets;
				p->tx_bytes = st[k].tx_bytes;
				p->rx_dropped = st[k].rx_dropped;
				p->tx_dropped = st[k].tx_dropped;
			}
		p->dhcp = r->ifaces[i].ipv4 == IPV4_DHCP;
		p->dhcp_bound = ps->dhcp.ok && (strcmp(ps->dhcp.event, "bound") == 0 ||
						strcmp(ps->dhcp.event, "renew") == 0);
		p->dhcp_event_time = ps->dhcp.time;
		p->dhcp_lease_expiry = ps->lease_expiry;
	}
	g->in.ports = g->ports;
	g->in.n_ports = r->n_ifaces;
	free(st);
}

static uint64_t ip4_num(const struct ipaddr *a)
{
	return (uint64_t)a->a[0] << 24 | (uint64_t)a->a[1] << 16 | (uint64_t)a->a[2] << 8 | a->a[3];
}

static void gather_ranges(struct daemon *d, struct gather *g)
{
	const struct router *r = d->r;
	struct lease *l = NULL;
	size_t n = 0;
	if (!r || !r->n_dhcps || !(g->ranges = calloc(r->n_dhcps, sizeof(*g->ranges))))
		return;
	if (leases_read(d->o->state_dir, &l, &n) < 0)
		n = 0;
	for (size_t i = 0; i < r->n_dhcps; i++) {
		const struct dhcp *h = &r->dhcps[i];
		uint64_t lo = ip4_num(&h->start), hi = ip4_num(&h->end);
		struct metrics_range *m = &g->ranges[i];
		m->port = h->iface->name;
		m->size = hi >= lo ? hi - lo + 1 : 0;
		for (size_t k = 0; k < n; k++) {
			struct ipaddr a;
			if (addr_parse4(l[k].ip, &a) == 0 && ip4_num(&a) >= lo && ip4_num(&a) <= hi)
				m->leases++;
		}
	}
	g->in.ranges = g->ranges;
	g->in.n_ranges = r->n_dhcps;
	free(l);
}

static void gather_children(struct daemon *d, struct gather *g)
{
	size_t n = 0;
	for (const struct child *c = d->children; c; c = c->next)
		n++;
	if (!n || !(g->kids = calloc(n, sizeof(*g->kids))))
		return;
	for (const struct child *c = d->children; c; c = c->next)
		g->kids[g->in.n_children++] =
		    (struct metrics_child){c->name, c->pid != 0, c->restarts};
	g->in.children = g->kids;
}

static void gather(struct daemon *d, struct gather *g)
{
	struct metrics_in *in = &g->in;
	struct diags dg = DIAGS_INIT;
	struct ban_list bl = {0};
	in->hash = d->hash[0] ? d->hash : NULL;
	in->applied = !d->error;
	in->fail_closed = d->fail_closed;
	in->apply_time = d->apply_time;
	in->start_time = (int64_t)time(NULL) - daemon_uptime(&d->started);
	in->reloads = d->reloads;
	in->log_events = d->log_events;
	in->has_conntrack = conntrack_usage(&in->conntrack_entries, &in->conntrack_limit) == 0;
	if (bans_list(d->o->state_dir, &bl, &dg) == 0) {
		in->has_bans = true;
		in->bans = bl.n;
	}
	ban_list_free(&bl);
	diags_free(&dg);
	in->has_blocklist = blocklist_loaded(d->o->state_dir, &in->blocklist4, &in->blocklist6) == 0;
	in->dns = dnsstat_get(d);
	in->has_dns_blocklist = d->dnsblock_known;
	in->dns_blocklist_names = d->dnsblock_names;
	gather_zones(g);
	gather_ports(d, g);
	gather_ranges(d, g);
	gather_children(d, g);
	if (d->r && d->r->ha.on) {
		in->ha = true;
		in->ha_role = ha_role_name(d->ha.role);
		in->ha_transitions = d->ha.transitions;
		in->ha_last_transition = d->ha.since;
		in->ha_peer_reachable = ha_peer_reachable(d);
		in->ha_stats = d->ha.stats_ok;
		in->ha_sync_packets_sent = d->ha.pkts_sent;
		in->ha_sync_packets_recv = d->ha.pkts_recv;
		in->ha_sync_errors = d->ha.errors;
	}
}

static enum MHD_Result metrics_reply(const struct mhd_api *api, struct MHD_Connection *conn,
				     unsigned code, char *text, const char *type)
{
	struct MHD_Response *resp =
	    api->create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	api->add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result rc = api->queue_response(conn, code, resp);
	api->destroy_response(resp);
	return rc;
}

static enum MHD_Result metrics_on_request(void *cls, struct MHD_Connection *conn, const char *url,
					  const char *method, const char *version,
					  const char *upload, size_t *upload_size, void **req_cls)
{
	struct metrics_srv *m = cls;
	(void)version;
	(void)upload;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return metrics_reply(&m->api, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				     strdup("only GET and HEAD\n"), "text/plain");
	/* A GET has no body: the first call is the whole request. */
	if (*upload_size)
		return MHD_NO;
	(void)req_cls;
	if (strcmp(url, "/") == 0) {
		struct buf page = BUF_INIT;
		char *html = page_render(m->d, &page) == 0 ? buf_steal(&page) : NULL;
		buf_free(&page);
		dnsstat_kick(m->d); /* its DNS line: newer on the next load */
		return html ? metrics_reply(&m->api, conn, MHD_HTTP_OK, html, "text/html; charset=utf-8")
			    : MHD_NO;
	}
	if (strcmp(url, "/metrics") != 0)
		return metrics_reply(&m->api, conn, MHD_HTTP_NOT_FOUND,
				     strdup("not found: try / or /metrics\n"), "text/plain");
	struct gather g = {0};
	struct buf b = BUF_INIT;
	gather(m->d, &g);
	render_metrics(&g.in, &b);
	gather_free(&g);
	/* This scrape showed the last round; the next one sees a newer. */
	dnsstat_kick(m->d);
	char *text = buf_steal(&b);
	if (!text)
		return MHD_NO;
	return metrics_reply(&m->api, conn, MHD_HTTP_OK, text, "text/plain; version=0.0.4; charset=utf-8");
}

/* After MHD_run: wake again when MHD's next timeout is due (0: none). */
static void metrics_arm(struct metrics_srv *m)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;
	struct itimerspec it = {0};
	if (m->api.get_timeout(m->mhd, &ms) == MHD_YES) {
		if (ms == 0)
			ms = 1;
		it.it_value.tv_sec = (time_t)(ms / 1000);
		it.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	}
	timerfd_settime(m->timer_fd, 0, &it, NULL);
}

static void metrics_on_ready(int fd, uint32_t events, void *data)
{
	struct metrics_srv *m = data;
	uint64_t ticks;
	(void)events;
	if (fd == m->timer_fd)
		(void)!read(fd, &ticks, sizeof(ticks));
	m->api.run(m->mhd);
	metrics_arm(m);
}

static void metrics_stop(struct daemon *d)
{
	struct metrics_srv *m = d->metrics;
	if (!m)
		return;
	poller_unwatch(&d->poll, m->epfd);
	poller_unwatch_close(&d->poll, &m->timer_fd);
	if (m->mhd)
		m->api.stop_daemon(m->mhd); /* closes its epoll fd */
	mhd_unload(m->lib);
	page_close(d);
	dnsstat_close(d);
	free(m);
	d->metrics = NULL;
}

static int metrics_start(struct daemon *d, const struct metrics_cfg *c)
{
	struct metrics_srv *m = calloc(1, sizeof(*m));
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(c->port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(c->port)};
	const struct sockaddr *sa = (const struct sockaddr *)&s4;
	unsigned flags = MHD_USE_EPOLL;
	if (!m)
		return -ENOMEM;
	m->d = d;
	m->epfd = m->timer_fd = -1;
	snprintf(m->listen, sizeof(m->listen), "%s", c->listen);
	if (c->addr.family == AF_INET6) {
		memcpy(&s6.sin6_addr, c->addr.a, 16);
		sa = (const struct sockaddr *)&s6;
		flags |= MHD_USE_IPv6;
	} else {
		memcpy(&s4.sin_addr, c->addr.a, 4);
	}
	const char *why = NULL;
	d->metrics = m;
	int err = mhd_load(&m->api, &m->lib, &why);
	if (err < 0) {
		daemon_log(d, "nftrouter: metrics: cannot load libmicrohttpd: %s", why ? why : "?");
		metrics_stop(d);
		return err;
	}
	errno = 0;
	m->mhd = m->api.start_daemon(flags, c->port, NULL, NULL, metrics_on_request, m,
				  MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned)METRICS_CONN_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)METRICS_CONN_TIMEOUT_S, MHD_OPTION_LISTENING_ADDRESS_REUSE,
				  1u, MHD_OPTION_END);
	err = errno ? -errno : -EIO;
	const union MHD_DaemonInfo *info =
	    m->mhd ? m->api.get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		metrics_stop(d);
		return err;
	}
	m->epfd = info->epoll_fd;
	if ((err = page_open(d)) < 0 || (err = dnsstat_open(d)) < 0) {
		metrics_stop(d);
		return err;
	}
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timer_fd < 0 || (err = poller_watch(&d->poll, m->epfd, EPOLLIN, metrics_on_ready, m)) < 0 ||
	    (err = poller_watch(&d->poll, m->timer_fd, EPOLLIN, metrics_on_ready, m)) < 0) {
		err = m->timer_fd < 0 ? -errno : err;
		metrics_stop(d);
		return err;
	}
	return 0;
}

int metrics_sync(struct daemon *d)
{
	const struct metrics_cfg *c = d->r ? &d->r->metrics : NULL;
	bool want = c && c->on;
	if (d->metrics && want && strcmp(d->metrics->listen, c->listen) == 0)
		return 0;
	if (d->metrics)
		daemon_log(d, "nftrouter: metrics: stopped serving %s", d->metrics->listen);
	metrics_stop(d);
	if (!want)
		return 0;
	int err = metrics_start(d, c);
	if (err < 0)
		daemon_log(d, "nftrouter: metrics: cannot serve %s: %s", c->listen, strerror(-err));
	else
		daemon_log(d, "nftrouter: metrics: serving http://%s/metrics", c->listen);
	return err;
}

void metrics_close(struct daemon *d)
{
	metrics_stop(d);
}
