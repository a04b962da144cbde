/* The status page beside the metrics (GET / on metrics.listen): the
 * ports, WAN state, leases, bans, the firewall log's last lines, and per
 * zone the traffic of the last hour, which this file samples while the
 * endpoint is open (a timerfd every PAGE_STEP_S; no timer otherwise, so
 * an idle daemon without metrics still never wakes). A zone's traffic is
 * the sum of its ports' link counters: every zone has it, with or
 * without `counters: true`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon/internal.h"
#include "render/metrics.h"
#include "render/status_page.h"
#include "system/bans.h"
#include "system/link.h"
#include "system/status.h"
#include "system/sysstats.h"

#define PAGE_STEP_S 10
#define PAGE_POINTS 360 /* an hour */

struct page_hist {
	int timer_fd;
	size_t n_zones;
	double *in, *out;        /* n_zones × PAGE_POINTS, bytes/s */
	uint64_t *last_in, *last_out;
	int64_t last_t;          /* CLOCK_MONOTONIC seconds of the last sample, 0 none */
	size_t head, count;
};

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static void hist_free(struct page_hist *h)
{
	free(h->in);
	free(h->out);
	free(h->last_in);
	free(h->last_out);
	h->in = h->out = NULL;
	h->last_in = h->last_out = NULL;
	h->n_zones = h->head = h->count = 0;
	h->last_t = 0;
}

/* Sum each zone's ports' rx/tx bytes into in/out (n_zones each). */
static int zone_bytes(struct daemon *d, uint64_t *in, uint64_t *out)
{
	struct link_stats *st = NULL;
	size_t n = 0;
	int rc = link_stats_dump(&st, &n);
	if (rc < 0)
		return rc;
	for (size_t z = 0; z < d->r->n_zones; z++) {
		const struct zone *zn = &d->r->zones[z];
		in[z] = out[z] = 0;
		for (size_t k = 0; k < zn->n_ifaces; k++) {
			size_t i = (size_t)(zn->ifaces[k] - d->r->ifaces);
			for (size_t s = 0; d->ports[i].ifindex && s < n; s++)
				if (st[s].ifindex == d->ports[i].ifindex) {
					in[z] += st[s].rx_bytes;
					out[z] += st[s].tx_bytes;
				}
		}
	}
	free(st);
	return 0;
}

static void page_sample(struct daemon *d, struct page_hist *h)
{
	if (!d->r)
		return;
	if (h->n_zones != d->r->n_zones) { /* a reload changed the zones: start again */
		hist_free(h);
		size_t n = d->r->n_zones;
		h->in = calloc(n * PAGE_POINTS + 1, sizeof(double));
		h->out = calloc(n * PAGE_POINTS + 1, sizeof(double));
		h->last_in = calloc(n + 1, sizeof(uint64_t));
		h->last_out = calloc(n + 1, sizeof(uint64_t));
		if (!h->in || !h->out || !h->last_in || !h->last_out) {
			hist_free(h);
			return;
		}
		h->n_zones = n;
	}
	uint64_t *in = calloc(2 * h->n_zones + 1, sizeof(uint64_t)), *out = in + h->n_zones;
	if (!in || zone_bytes(d, in, out) < 0) {
		free(in);
		return;
	}
	int64_t now = mono_now();
	if (h->last_t && now > h->last_t) {
		double dt = (double)(now - h->last_t);
		for (size_t z = 0; z < h->n_zones; z++) {
			h->in[z * PAGE_POINTS + h->head] =
			    in[z] >= h->last_in[z] ? (double)(in[z] - h->last_in[z]) / dt : 0;
			h->out[z * PAGE_POINTS + h->head] =
			    out[z] >= h->last_out[z] ? (double)(out[z] - h->last_out[z]) / dt : 0;
		}
		h->head = (h->head + 1) % PAGE_POINTS;
		if (h->count < PAGE_POINTS)
			h->count++;
	}
	memcpy(h->last_in, in, h->n_zones * sizeof(uint64_t));
	memcpy(h->last_out, out, h->n_zones * sizeof(uint64_t));
	h->last_t = now;
	free(in);
}

static void page_on_timer(int fd, uint32_t events, void *data)
{
	struct daemon *d = data;
	uint64_t ticks;
	(void)events;
	(void)!read(fd, &ticks, sizeof(ticks));
	if (d->page)
		page_sample(d, d->page);
}

int page_open(struct daemon *d)
{
	struct page_hist *h = calloc(1, sizeof(*h));
	struct itimerspec it = {{PAGE_STEP_S, 0}, {PAGE_STEP_S, 0}};
	if (!h)
		return -ENOMEM;
	h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	int err = h->timer_fd < 0 ? -errno : 0;
	if (!err && timerfd_settime(h->timer_fd, 0, &it, NULL) < 0)
		err = -errno;
	if (!err)
		err = poller_watch(&d->poll, h->timer_fd, EPOLLIN, page_on_timer, d);
	d->page = h;
	if (err < 0) {
		page_close(d);
		return err;
	}
	page_sample(d, h); /* the first point's baseline */
	return 0;
}

void page_close(struct daemon *d)
{
	if (!d->page)
		return;
	poller_unwatch_close(&d->poll, &d->page->timer_fd);
	hist_free(d->page);
	free(d->page);
	d->page = NULL;
}

/* What the page shows; the strings live in the arrays freed by
 * page_gather_free. */
struct page_data {
	struct page_in in;
	struct page_port *ports;
	char (*addrs)[160];
	struct page_zone *zones;
	double *series;          /* per zone: in then out, PAGE_POINTS each */
	struct lease *l;
	struct page_lease *leases;
	char (*bans)[112];
	const char **ban_ptrs;
	char *log;
};

static const char *iface_zone(const struct router *r, const struct iface *f)
{
	for (size_t z = 0; z < r->n_zones; z++)
		for (size_t k = 0; k < r->zones[z].n_ifaces; k++)
			if (r->zones[z].ifaces[k] == f)
				return r->zones[z].name;
	return "";
}

static void gather_ports(struct daemon *d, struct page_data *pd)
{
	const struct router *r = d->r;
	struct link_sock *s = link_sock_open();
	struct link_addr *a4 = NULL, *a6 = NULL;
	size_t n4 = 0, n6 = 0;
	if (s && link_addr_dump(s, AF_INET, &a4, &n4) < 0)
		n4 = 0;
	if (s && link_addr_dump(s, AF_INET6, &a6, &n6) < 0)
		n6 = 0;
	link_sock_close(s);
	pd->ports = calloc(r->n_ifaces + 1, sizeof(*pd->ports));
	pd->addrs = calloc(r->n_ifaces + 1, sizeof(*pd->addrs));
	for (size_t i = 0; pd->ports && pd->addrs && i < r->n_ifaces; i++) {
		const struct port_state *ps = &d->ports[i];
		struct page_port *p = &pd->ports[i];
		size_t used = 0;
		for (size_t k = 0; ps->ifindex && k < n4 + n6; k++) {
			const struct link_addr *x = k < n4 ? &a4[k] : &a6[k - n4];
			char c[ADDR_STRLEN];
			if (x->ifindex != ps->ifindex || used + sizeof(c) + 1 > sizeof(pd->addrs[i]))
				continue;
			cidr_format(&x->addr, c, sizeof(c));
			used += (size_t)snprintf(pd->addrs[i] + used, sizeof(pd->addrs[i]) - used, "%s%s",
						 used ? " " : "", c);
		}
		*p = (struct page_port){.name = r->ifaces[i].name,
					.zone = iface_zone(r, &r->ifaces[i]),
					.present = ps->ifindex != 0,
					.carrier = ps->carrier,
					.addrs = pd->addrs[i],
					.wan = iface_has_default_route(&r->ifaces[i])};
		if (p->wan)
			p->wan_state = ps->health.down ? "health checks failing"
				       : r->ifaces[i].ipv4 == IPV4_PPPOE ? "pppoe"
				       : r->ifaces[i].ipv4 != IPV4_DHCP ? "static"
				       : ps->dhcp.time == 0 ? "no DHCP event yet"
				       : ps->dhcp.ok ? ps->dhcp.event : "DHCP error";
	}
	pd->in.ports = pd->ports;
	pd->in.n_ports = pd->ports ? r->n_ifaces : 0;
	free(a4);
	free(a6);
}

/* Oldest first, and a last point from the last sample to now, so the
 * page shows traffic before the next tick. */
static void gather_zones(struct daemon *d, struct page_data *pd)
{
	struct page_hist *h = d->page;
	size_t n = h ? h->n_zones : 0, len = h ? h->count + 1 : 0;
	if (!n || !(pd->zones = calloc(n, sizeof(*pd->zones))) ||
	    !(pd->series = calloc(2 * n * len, sizeof(double))))
		return;
	uint64_t *in = calloc(2 * n, sizeof(uint64_t)), *out = in ? in + n : NULL;
	bool live = in && zone_bytes(d, in, out) == 0 && mono_now() > h->last_t;
	double dt = (double)(mono_now() - h->last_t);
	for (size_t z = 0; z < n; z++) {
		double *si = pd->series + 2 * z * len, *so = si + len;
		size_t k = 0;
		for (size_t j = 0; j < h->count; j++, k++) {
			size_t at = (h->head + PAGE_POINTS - h->count + j) % PAGE_POINTS;
			si[k] = h->in[z * PAGE_POINTS + at];
			so[k] = h->out[z * PAGE_POINTS + at];
		}
		if (live) {
			si[k] = in[z] >= h->last_in[z] ? (double)(in[z] - h->last_in[z]) / dt : 0;
			so[k] = out[z] >= h->last_out[z] ? (double)(out[z] - h->last_out[z]) / dt : 0;
			k++;
		}
		pd->zones[z] = (struct page_zone){d->r->zones[z].name, si, so, k};
	}
	free(in);
	pd->in.zones = pd->zones;
	pd->in.n_zones = n;
}

static void gather_rest(struct daemon *d, struct page_data *pd)
{
	size_t n = 0;
	int64_t now = (int64_t)time(NULL);
	if (leases_read(d->o->state_dir, &pd->l, &n) == 0 && n &&
	    (pd->leases = calloc(n, sizeof(*pd->leases)))) {
		for (size_t i = 0; i < n; i++)
			pd->leases[i] = (struct page_lease){
			    pd->l[i].ip, pd->l[i].mac, pd->l[i].name,
			    pd->l[i].expires ? (pd->l[i].expires > now ? pd->l[i].expires - now : 0) : -1};
		pd->in.leases = pd->leases;
		pd->in.n_leases = n;
	}
	struct ban_list bl = {0};
	struct diags dg = DIAGS_INIT;
	if (bans_list(d->o->state_dir, &bl, &dg) == 0 && bl.n &&
	    (pd->bans = calloc(bl.n, sizeof(*pd->bans))) &&
	    (pd->ban_ptrs = calloc(bl.n, sizeof(*pd->ban_ptrs)))) {
		for (size_t i = 0; i < bl.n; i++) {
			char p[ADDR_STRLEN];
			cidr_format(&bl.v[i].prefix, p, sizeof(p));
			int64_t left = bl.v[i].expires ? (int64_t)bl.v[i].expires - now : -1;
			if (left < 0 && bl.v[i].expires)
				left = 0;
			if (left < 0)
				snprintf(pd->bans[i], sizeof(pd->bans[i]), "%s (forever)", p);
			else
				snprintf(pd->bans[i], sizeof(pd->bans[i]), "%s (%lld s left)", p,
					 (long long)left);
			pd->ban_ptrs[i] = pd->bans[i];
		}
		pd->in.bans = pd->ban_ptrs;
		pd->in.n_bans = bl.n;
	}
	ban_list_free(&bl);
	diags_free(&dg);
	struct buf b = BUF_INIT;
	fwlog_format_since(d, 0, 20, false, &b);
	pd->log = buf_steal(&b);
	pd->in.log = pd->log ? pd->log : "";
}

int page_render(struct daemon *d, struct buf *out)
{
	struct page_data pd = {0};
	pd.in.hostname = d->r ? d->r->hostname : "nftrouter";
	pd.in.hash = d->hash[0] ? d->hash : NULL;
	pd.in.now = (int64_t)time(NULL);
	pd.in.step = PAGE_STEP_S;
	if (d->r && d->r->ha.on) {
		pd.in.ha_role = ha_role_name(d->ha.role);
		pd.in.ha_peer = ha_peer_reachable(d);
	}
	if (d->r) {
		gather_ports(d, &pd);
		gather_zones(d, &pd);
	}
	gather_rest(d, &pd);
	const struct metrics_dns *dns = dnsstat_get(d);
	if (dns) {
		pd.in.has_dns = true;
		pd.in.dns_local = dns->local;
		pd.in.dns_forwarded = dns->forwarded;
		pd.in.dns_time = dns->time;
	}
	int rc = render_status_page(&pd.in, out);
	free(pd.ports);
	free(pd.addrs);
	free(pd.zones);
	free(pd.series);
	free(pd.l);
	free(pd.leases);
	free(pd.bans);
	free(pd.ban_ptrs);
	free(pd.log);
	return rc;
}
